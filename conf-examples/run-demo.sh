#!/bin/bash
# Runs the mod_cors demo in the foreground until Ctrl-C (or SIGTERM), then
# exits with status 0.
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
stop() {
    trap '' INT TERM
    trap - EXIT
    if [ -n "$httpd_pid" ] && kill -0 "$httpd_pid" 2>/dev/null; then
        kill -TERM "$httpd_pid" 2>/dev/null || true
        wait "$httpd_pid" 2>/dev/null || true
    fi
    if [ -n "$tail_pid" ]; then
        kill -TERM "$tail_pid" 2>/dev/null || true
        wait "$tail_pid" 2>/dev/null || true
    fi
    [ -z "$root" ] || rm -rf "$root"
}
# Ctrl-C (SIGINT) or SIGTERM is how the demo is meant to end: stop and exit 0, so that
# make does not report the recipe as failed ("Error 130").
trap 'stop; exit 0' INT TERM
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

cat <<EOF

mod_cors demo: open this URL in a browser

    http://127.0.0.1:$page_port/

  the page, on the origin the API allows; the same page on
  http://localhost:$page_port/ is on an origin the API does not allow.
  The API is http://127.0.0.1:$api_port/api (demo.conf, demo/cgi-bin/api.pl).

Below: the access log, one line per request with mod_cors's decision
(CORS_RESULT), and the error log, which says why a request was denied.
Press Ctrl-C to stop.

EOF

# Files rather than /dev/stdout, which httpd could not reopen when this
# script's output goes to a file of another user.
tail -q -n 0 -F "$root/access.log" "$root/error.log" 2>/dev/null &
tail_pid=$!

wait "$httpd_pid" || true
