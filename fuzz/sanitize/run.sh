#!/bin/bash
# Runs the Apache::Test suite (t/) against mod_cors built for a memory checker:
#
#   fuzz/sanitize/run.sh asan [t/TEST arguments]      AddressSanitizer + UndefinedBehaviorSanitizer
#   fuzz/sanitize/run.sh valgrind [t/TEST arguments]  Valgrind memcheck, httpd in one process (-X)
#
# `make -f Makefile.apxs sanitize` and `make -f Makefile.apxs valgrind` call it.
# Environment: MPM (default event), APXS (default apxs), KEEP=1 keeps the work directory,
# LEAKS=1 turns on LeakSanitizer (asan; see fuzz/sanitize/README.md for what it reports).
#
# It copies the tree into a temporary directory, builds mod_cors.so there (the tree's own
# .libs/ is left alone), and hands t/run-tests.sh an apxs of its own, which answers like
# the real one except that httpd is a wrapper: every httpd the suite starts, the test
# server and the `httpd -t` of t/config.t alike, then runs under the checker, while the
# harness's perl does not.  The reports go to <work>/reports/.
#
# asan fails on any report.  valgrind fails on any error with a mod_cors frame and lists
# the others (httpd's, APR's, OpenSSL's), which are not ours to fix.  The last line is
# "N passed, M failed": the suite's count, each failing report one more failure.
set -uo pipefail

mode=${1:-}
case $mode in
    asan|valgrind) shift ;;
    *) echo "usage: $0 asan|valgrind [t/TEST arguments]" >&2; exit 2 ;;
esac
MPM=${MPM:-event}
APXS=${APXS:-apxs}
top=$(cd "$(dirname "$0")/../.." && pwd)
real_apxs=$(command -v "$APXS") || { echo "$0: $APXS not found" >&2; exit 2; }
real_httpd=$("$real_apxs" -q SBINDIR)/$("$real_apxs" -q TARGET)

work=$(mktemp -d /tmp/mod_cors-$mode.XXXXXX)
# t/run-tests.sh runs the suite as an unprivileged user when we are root: it must reach
# the wrappers and write the reports.
chmod 755 "$work"
mkdir -p "$work/tree" "$work/bin" "$work/reports"
chmod 1777 "$work/reports"
reports=$work/reports
tar -C "$top" --exclude=./.git --exclude=./fuzz/build --exclude=./.libs \
    --exclude=./t/browser/node_modules -cf - . | tar -C "$work/tree" -xf -

# mod_cors.so, where t/conf/extra.conf.in loads it from.  pool_shim.h turns mod_cors's
# pool allocations into malloc blocks of their exact size (see the file).
includes="-I$("$real_apxs" -q INCLUDEDIR) $(apr-1-config --includes --cppflags) $(apu-1-config --includes)"
# gcc 12 takes malloc's fresh block, handed to apr_pool_cleanup_register as a
# const void *, for a read of uninitialised memory: -Wno-maybe-uninitialized.
cflags="-g -fPIC -shared -fno-omit-frame-pointer -Wall -Wno-maybe-uninitialized
        -include $top/fuzz/sanitize/pool_shim.h"
mkdir -p "$work/tree/.libs"
case $mode in
    asan)
        # gcc's sanitizers: libasan and libubsan match Debian's glibc and httpd build.
        # shellcheck disable=SC2086
        gcc $cflags -O1 -fsanitize=address,undefined $includes \
            "$top/mod_cors.c" -o "$work/tree/.libs/mod_cors.so" || exit 1
        libasan=$(gcc -print-file-name=libasan.so)
        cat >"$work/bin/apache2" <<EOF
#!/bin/sh
# httpd with AddressSanitizer's runtime first, as a sanitized module needs; reports go
# to $reports/asan.<pid>.
export LD_PRELOAD=$libasan
export ASAN_OPTIONS=log_path=$reports/asan:detect_leaks=${LEAKS:-0}:print_suppressions=0
export UBSAN_OPTIONS=log_path=$reports/ubsan:print_stacktrace=1
exec $real_httpd "\$@"
EOF
        ;;
    valgrind)
        # shellcheck disable=SC2086
        gcc $cflags -O0 $includes "$top/mod_cors.c" \
            -o "$work/tree/.libs/mod_cors.so" || exit 1
        cat >"$work/bin/apache2" <<EOF
#!/bin/sh
# httpd under Valgrind memcheck, one log per process in $reports/valgrind.<pid>.
# Queries (-v, -V, -l, -M) run as they are.
case " \$* " in
    *" -v "*|*" -V "*|*" -l "*|*" -L "*) exec $real_httpd "\$@" ;;
esac
exec valgrind --tool=memcheck --error-limit=no --num-callers=40 \\
    --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite \\
    --suppressions=$top/fuzz/sanitize/valgrind.supp \\
    --log-file=$reports/valgrind.%p $real_httpd "\$@"
EOF
        ;;
esac
chmod 755 "$work/bin/apache2"

# An apxs whose httpd is the wrapper; every other answer is the real apxs's.
cat >"$work/bin/apxs" <<EOF
#!/bin/sh
if [ "\$#" = 2 ] && [ "\$1" = -q ] && [ "\$2" = SBINDIR ]; then
    echo $work/bin
elif [ "\$#" = 2 ] && [ "\$1" = -q ] && [ "\$2" = TARGET ]; then
    echo apache2
else
    exec $real_apxs "\$@"
fi
EOF
chmod 755 "$work/bin/apxs"

args=()
if [ "$mode" = valgrind ]; then
    # One process (-X): mpm_event still runs its threads, so a proxied request to the
    # server itself is served.  Valgrind slows start-up ten-fold.
    args+=(-one-process)
    export APACHE_TEST_STARTUP_TIMEOUT=${APACHE_TEST_STARTUP_TIMEOUT:-300}
fi

log=$(mktemp)
status=0
MPM=$MPM APXS=$work/bin/apxs "$work/tree/t/run-tests.sh" "${args[@]}" "$@" 2>&1 \
    | tee "$log" || status=$?
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
rm -f "$log"
passed=0 failed=0
if [[ $line =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    passed=${BASH_REMATCH[1]} failed=${BASH_REMATCH[2]}
fi
[ "$status" = 0 ] || [ "$failed" != 0 ] || failed=1

echo "=== $mode reports ($reports)"
bad=0
case $mode in
    asan)
        for f in "$reports"/asan.* "$reports"/ubsan.*; do
            [ -e "$f" ] || continue
            bad=$((bad + 1))
            echo "--- $f"
            head -n 60 "$f"
        done
        echo "$bad sanitizer report(s)"
        ;;
    valgrind)
        # A process's errors are blocks of "==pid== ..." lines, each ended by a bare
        # "==pid== " line; those with a mod_cors.c frame are ours.
        others=0
        for f in "$reports"/valgrind.*; do
            [ -e "$f" ] || continue
            n=$(perl -e '
                    local $/; my $text = <>; my $n = 0;
                    for (split /^==\d+== \n/m, $text) {
                        next unless /^==\d+== (?:Invalid|Conditional|Use of|Syscall|Mismatched|Source and|Argument|Jump|\S+ bytes in)/m;
                        next unless /mod_cors\.c/;
                        print STDERR $_, "\n"; $n++;
                    }
                    print "$n\n";
                ' "$f" 2>>"$reports/mod_cors-errors")
            o=$(sed -n 's/^==[0-9]*== ERROR SUMMARY: .* from \([0-9]*\) contexts.*/\1/p' "$f" | tail -n 1)
            bad=$((bad + n)) others=$((others + ${o:-0} - n))
        done
        [ ! -s "$reports/mod_cors-errors" ] || cat "$reports/mod_cors-errors"
        echo "$bad error(s) with a mod_cors frame, $others elsewhere (httpd, APR, libraries:" \
             "grep -l 'ERROR SUMMARY: [1-9]' $reports/valgrind.*)"
        ;;
esac

failed=$((failed + bad))
if [ "$failed" = 0 ] && [ "${KEEP:-0}" != 1 ]; then
    rm -rf "$work"
else
    echo "kept for inspection: $work"
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
