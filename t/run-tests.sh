#!/bin/bash
# Runs the Apache::Test suite against .libs/mod_cors.so; `make -f Makefile.apxs test`
# builds the module and calls this.  Arguments are passed to t/TEST (e.g. a test file).
# Environment: MPM=event|worker|prefork (default event), APXS (default apxs).
#
# Apache::Test refuses to run as root (httpd cannot run its children as root), so as
# root this copies the source tree into a fresh temporary directory owned by the
# unprivileged user modcors and runs itself there as that user.
#
# It ends with a line "N passed, M failed", which CI reads.
set -euo pipefail

MPM=${MPM:-event}
APXS=${APXS:-apxs}
case $MPM in
    event|worker|prefork) ;;
    *) echo "$0: MPM must be event, worker or prefork, not '$MPM'" >&2; exit 2 ;;
esac
top=$(cd "$(dirname "$0")/.." && pwd)

if [ "$(id -u)" = 0 ]; then
    user=modcors
    if ! id "$user" >/dev/null 2>&1; then
        # With a home of its own, for whatever the tools run as that user write there.
        useradd --system --create-home --home-dir "/var/lib/$user" \
                --shell /usr/sbin/nologin "$user"
    fi
    work=$(mktemp -d /tmp/mod_cors-tests.XXXXXX)
    tar -C "$top" --exclude=./.git --exclude=./fuzz/build --exclude=./t/browser/node_modules -cf - . | tar -C "$work" -xf -
    chown -R "$user:" "$work"
    status=0
    runuser -u "$user" -- env MPM="$MPM" APXS="$APXS" "$work/t/run-tests.sh" "$@" || status=$?
    if [ "$status" = 0 ]; then
        rm -rf "$work"
    else
        echo "kept the test tree for inspection: $work" >&2
    fi
    exit "$status"
fi

cd "$top"

# t/TEST is generated from t/TEST.PL, as httpd-tests and mod_perl modules do; the options
# given here are remembered in it.  -port select: take the first free port from 8529 on,
# so that two suites can run side by side.
apxs_path=$(command -v "$APXS") || { echo "$0: $APXS not found" >&2; exit 2; }
perl -MApache::TestMM -e 'Apache::TestMM::filter_args(); Apache::TestMM::generate_script("t/TEST")' \
    -- -apxs "$apxs_path" -port select

# Start from a fresh configuration: an earlier run may have used another MPM.
t/TEST -clean >/dev/null

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
MPM=$MPM t/TEST "$@" 2>&1 | tee "$log" || status=$?
# The suite loads every module it needs (extra.conf.in): a file skipped for a missing
# module means the server was not the one we configured.
if grep -q 'skipped: cannot find module' "$log"; then
    echo "$0: a test file was skipped for a missing module: the test server is not ours" >&2
    status=1
fi

# Apache::Test stops its server itself, also when a test dies; make sure of it, since
# a server left behind would keep the port (and, as root, the deleted tree) busy.
pidfile=t/logs/httpd.pid
if [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    echo "stopping the test server left running (pid $(cat "$pidfile"))" >&2
    kill "$(cat "$pidfile")" || true
fi
# Likewise the varnishd of t/varnish.t, which stops it itself unless it was killed outright.
pidfile=t/logs/varnish/varnishd.pid
if [ -s "$pidfile" ] && grep -q varnish "/proc/$(cat "$pidfile")/comm" 2>/dev/null; then
    echo "stopping the varnishd left running by t/varnish.t (pid $(cat "$pidfile"))" >&2
    kill "$(cat "$pidfile")" || true
fi

if [ "$status" != 0 ] && [ -s t/logs/error_log ]; then
    echo "--- last 40 lines of t/logs/error_log ---"
    tail -n 40 t/logs/error_log
fi

# Count from Test::Harness's summary: a test program that failed without a failing
# subtest (it died, or ran fewer tests than planned) counts as failures too, so that
# a failed run never reads "0 failed".
perl -e '
    my ($run, $failed_subtests, $failed) = (0, 0, 0);
    my $file;    # [failed subtests, planned tests not run] of the program being reported
    my $count = sub { $failed += ($file->[0] + $file->[1]) || 1 if $file; undef $file };
    my $skipped = 0;    # the suite loads every module it needs: a skip is a failure
    while (<STDIN>) {
        $skipped++ if /skipped: cannot find module/;
        $run = $1 if /^Files=\d+, Tests=(\d+)/;
        if (/\(Wstat: .*Tests: \d+ Failed: (\d+)\)/) {
            $count->();
            $file = [$1, 0];
            $failed_subtests += $1;
        }
        $file->[1] = $1 - $2 if $file && /You planned (\d+) tests but ran (\d+)/ && $1 > $2;
    }
    $count->();
    $failed ||= 1 if $ARGV[0];    # failed before Test::Harness could summarise
    $failed += $skipped;
    printf "%d passed, %d failed\n", $run - $failed_subtests, $failed;
' "$status" <"$log"

exit "$status"
