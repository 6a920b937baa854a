#!/bin/bash
# Runs the mod_cors demo in the foreground until Ctrl-C or q (or SIGTERM),
# then exits with status 0.
#
#   conf-examples/run-demo.sh [path/to/mod_cors.so]
#
# The module defaults to .libs/mod_cors.so in the repository.  httpd (the
# one apxs names) serves demo.conf on 127.0.0.1: the page on port
# DEMO_PAGE_PORT (default 8080), the API on DEMO_API_PORT (default 8081).
# Logs, pid file and a copy of demo/ live in a temporary ServerRoot, which
# is removed on exit.

set -eu

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

so=$(absolute_path "${1:-$here/../.libs/mod_cors.so}")
page_port=${DEMO_PAGE_PORT:-8080}
api_port=${DEMO_API_PORT:-8081}

if [ ! -f "$so" ]; then
    echo "run-demo.sh: $so does not exist: build it with 'make -f Makefile.apxs'" >&2
    exit 1
fi
find_httpd
for port in "$page_port" "$api_port"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "run-demo.sh: port $port on 127.0.0.1 is in use; choose others with" \
             "DEMO_PAGE_PORT=... DEMO_API_PORT=..." >&2
        exit 1
    fi
done

root=
httpd_pid=
tail_pid=
keys_pid=
saved_tty=
stop() {
    trap '' INT TERM HUP
    trap - EXIT
    # The terminal first: whatever happens below, the shell gets it back as it was.
    [ -z "$saved_tty" ] || stty "$saved_tty" 2>/dev/null || true
    if [ -n "$httpd_pid" ] && kill -0 "$httpd_pid" 2>/dev/null; then
        kill -TERM "$httpd_pid" 2>/dev/null || true
        wait "$httpd_pid" 2>/dev/null || true
    fi
    local pid
    for pid in $tail_pid $keys_pid; do
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    [ -z "$root" ] || rm -rf "$root"
}
# SIGTERM (or SIGINT, SIGHUP) is a normal end too: stop and exit 0, so that make does not
# report the recipe as failed.
trap 'stop; exit 0' INT TERM HUP
trap stop EXIT

# A ServerRoot of our own.  httpd's children may run as another user (as
# root, www-data), so the copy of demo/ must be readable by everyone.
root=$(mktemp -d "${TMPDIR:-/tmp}/mod_cors-demo.XXXXXX")
chmod 755 "$root"
cp -R "$here/demo" "$root/demo"
chmod -R a+rX "$root/demo"
chmod a+rx "$root/demo/cgi-bin/api.pl" "$root/demo/cgi-bin/wire.pl"

wrapper_conf "$here/demo.conf" "$so" "$root" \
    "Define DEMO_ROOT \"$root/demo\"" \
    "Define DEMO_PAGE_PORT $page_port" \
    "Define DEMO_API_PORT $api_port" \
    "Define DEMO_ACCESS_LOG \"$root/access.log\"" \
    "Define DEMO_WIRE_LOG \"$root/wire.log\"" \
    "Define DEMO_ERROR_LOG \"$root/error.log\"" \
    "Include \"$here/demo.conf\"" > "$root/httpd.conf"

# In a session of its own: on shutdown httpd signals its whole process
# group, which must not include this script (nor make).
setsid "$HTTPD" -f "$root/httpd.conf" -DFOREGROUND &
httpd_pid=$!

for _ in $(seq 100); do
    if ! kill -0 "$httpd_pid" 2>/dev/null; then
        cat "$root/error.log" >&2 2>/dev/null || true
        echo "run-demo.sh: httpd did not start (see the messages above)" >&2
        exit 1
    fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$page_port") 2>/dev/null \
        && (exec 3<>"/dev/tcp/127.0.0.1/$api_port") 2>/dev/null; then
        break
    fi
    sleep 0.1
done

# In a terminal, Ctrl-C would send SIGINT to make too, which then reports "Interrupt" and
# fails the demo target.  So while the demo runs the terminal's signal keys are off and the
# keys are read here: Ctrl-C (byte 3) or q stops it.  Not when the script runs in the
# background of its terminal, where changing the terminal would stop it (SIGTTOU).
keys_hint=
if [ -t 0 ] && perl -MPOSIX -e 'exit(tcgetpgrp(0) == getpgrp() ? 0 : 1)'; then
    saved_tty=$(stty -g)
    stty -isig -icanon -echo min 1 time 0
    perl -e 'while (sysread(STDIN, my $key, 1)) { exit 0 if $key eq "\x03" || $key eq "q" }' <&0 &
    keys_pid=$!
    keys_hint=" or q"
fi

cat <<EOF

mod_cors demo: open this URL in a browser

    http://127.0.0.1:$page_port/

  the page, on the origin the API allows; the same page on
  http://localhost:$page_port/ is on an origin the API does not allow.
  The API is http://127.0.0.1:$api_port/api (demo.conf, demo/cgi-bin/api.pl).

Below: the access log, one line per request with mod_cors's decision
(CORS_RESULT), and the error log, which says why a request was denied.
Press Ctrl-C$keys_hint to stop.

EOF

# Files rather than /dev/stdout, which httpd could not reopen when this
# script's output goes to a file of another user.
tail -q -n 0 -F "$root/access.log" "$root/error.log" 2>/dev/null &
tail_pid=$!

if [ -n "$keys_pid" ]; then
    wait -n "$httpd_pid" "$keys_pid" || true
else
    wait "$httpd_pid" || true
fi
if ! kill -0 "$httpd_pid" 2>/dev/null; then
    echo "run-demo.sh: httpd stopped by itself (its error log is above)" >&2
    exit 1
fi
exit 0
