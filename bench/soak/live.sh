#!/bin/bash
# The long form of t/live_lists_load.t: live origin lists rewritten while wrk loads the
# server.  A text list (rewritten by rename and in place in turn) and a gdbm DBM of 100,000
# origins (rebuilt with httxt2dbm and renamed over) change every SOAK_CHANGE seconds for
# SOAK_SECONDS, under mpm_event with a fixed set of children, while wrk sends requests from
# an origin every version holds and from one none holds, to both lists.  Checks: 0 socket
# errors, 0 non-200, 0 wrong answers (soak/live.lua), no crashed child, no version refused,
# the last versions taken in, and the workers' file descriptors and memory flat.
#
#   bench/soak/live.sh [path/to/mod_cors.so]      (make -f Makefile.apxs soak-live)
#
# Environment: SOAK_SECONDS (300), SOAK_CHANGE (2), SOAK_CONNECTIONS (32), SOAK_KEEP=1,
# SOAK_RSS_LIMIT_KB (2048), BENCH_USER (www-data, as root), APXS.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
BENCH_NAME=soak-live
. "$HERE/../lib.sh"
SO=$(realpath "${1:-$HERE/../../.libs/mod_cors.so}")
SECONDS_TOTAL=${SOAK_SECONDS:-300}
CHANGE=${SOAK_CHANGE:-2}
CONNS=${SOAK_CONNECTIONS:-32}
RSS_LIMIT=${SOAK_RSS_LIMIT_KB:-2048}
need_tools "" wrk httxt2dbm perl "$APACHE"
SR=$(new_server_root)
PID=
status=1
cleanup() {
    [ -z "$PID" ] || { kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null || true; }
    if [ "${SOAK_KEEP:-}" ] || [ "$status" != 0 ]; then say "kept $SR"; else rm -rf "$SR"; fi
}
trap cleanup EXIT
mkdir -p "$SR"/{htdocs,conf,logs,run}
cp "$SO" "$SR/mod_cors.so"
echo ok > "$SR/htdocs/file.txt"

version_txt() {    # version_txt V: always, 1,000 to 3,000 tenants, a pattern, a marker
    perl -e 'my $v = shift; my $n = 1000 + ($v * 677) % 2000;
             print "# version $v\n", map({ "https://tenant$_-$v.example\n" } 1 .. $n),
                   "https://*.pattern$v.example\nhttps://always.example\nhttps://v$v.example\n"' "$1"
}
version_dbm() {    # version_dbm V: 100,000 tenants, always, a marker; built and renamed
    perl -e 'my $v = shift; print map({ "https://tenant$_-$v.example 1\n" } 1 .. 100000),
                   "https://always.example 1\nhttps://v$v.example 1\n"' "$1" > "$SR/conf/dbm.in"
    httxt2dbm -f GDBM -i "$SR/conf/dbm.in" -o "$SR/conf/origins.gdbm.new" >/dev/null
    [ "$(id -u)" != 0 ] || chown "$BENCH_USER" "$SR/conf/origins.gdbm.new"
    mv "$SR/conf/origins.gdbm.new" "$SR/conf/origins.gdbm"
}
version_txt 0 > "$SR/conf/origins.txt"
version_dbm 0
[ "$(id -u)" != 0 ] || chown -R "$BENCH_USER" "$SR"

PORT=$(free_port)
cat > "$SR/conf/httpd.conf" <<EOF
ServerRoot "$SR"
LoadModule mpm_event_module $MODDIR/mod_mpm_event.so
LoadModule authz_core_module $MODDIR/mod_authz_core.so
LoadModule alias_module $MODDIR/mod_alias.so
LoadModule headers_module $MODDIR/mod_headers.so
LoadModule cors_module mod_cors.so
Listen 127.0.0.1:$PORT
ServerName 127.0.0.1
PidFile run/httpd.pid
DefaultRuntimeDir run
ErrorLog logs/error_log
LogLevel warn cors:info
DocumentRoot "$SR/htdocs"
<Directory "$SR/htdocs">
    Require all granted
</Directory>
AliasMatch ^/(txt|dbm)/ "$SR/htdocs/file.txt"
# The Origin the answer is for: wrk's response() cannot pair answers with requests.
Header always set X-Request-Origin "expr=%{req:Origin}"
StartServers 2
ServerLimit 2
ThreadsPerChild $((CONNS + 16))
MaxRequestWorkers $((2 * (CONNS + 16)))
MinSpareThreads 1
MaxSpareThreads $((2 * (CONNS + 16)))
MaxConnectionsPerChild 0
MaxKeepAliveRequests 0
<Location /txt/>
    CORSAllowOriginFile conf/origins.txt
</Location>
<Location /dbm/>
    CORSAllowOriginFile dbm=gdbm:conf/origins.gdbm
</Location>
EOF
"${RUN_AS[@]}" "$APACHE" -DFOREGROUND -f "$SR/conf/httpd.conf" > "$SR/logs/httpd.out" 2>&1 &
PID=$!
for i in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/file.txt" && break; sleep 0.1; done
workers() { pgrep -P "$PID" -x "$(basename "$APACHE")" | sort; }
sample() {    # sample: "fds rss" summed over the workers; fds: open on the lists' files
    local fds=0 rss=0 w
    for w in $(workers); do
        fds=$((fds + $( (ls -l "/proc/$w/fd" 2>/dev/null || true) | grep -c "$SR/conf/origins" || true)))
        rss=$((rss + $(awk '/^VmRSS:/ { print $2 }' "/proc/$w/status")))
    done
    echo "$fds $rss"
}
WORKERS_BEFORE=$(workers | tr '\n' ' ')

say "wrk for $SECONDS_TOTAL s, $CONNS connections; a new version of each list every $CHANGE s"
wrk -t2 -c"$CONNS" -d"${SECONDS_TOTAL}s" -s "$HERE/live.lua" "http://127.0.0.1:$PORT/" > "$SR/logs/wrk.txt" 2>&1 &
WRK=$!
sleep 10
read -r FDS0 RSS0 < <(sample)
v=0
end=$(( $(date +%s) + SECONDS_TOTAL - 15 ))
while [ "$(date +%s)" -lt "$end" ]; do
    v=$((v + 1))
    if [ $((v % 2)) = 1 ]; then
        version_txt $v > "$SR/conf/origins.txt.new"; mv "$SR/conf/origins.txt.new" "$SR/conf/origins.txt"
    else
        version_txt $v > "$SR/conf/origins.txt"
    fi
    [ $((v % 5)) != 0 ] || version_dbm $v
    sleep "$CHANGE"
done
sleep 3
read -r FDS1 RSS1 < <(sample)
wait "$WRK" || true
last_txt=$(curl -s -D - -o /dev/null -H "Origin: https://v$v.example" "http://127.0.0.1:$PORT/txt/" | grep -ci '^access-control-allow-origin' || true)
last_dbm=$(curl -s -D - -o /dev/null -H "Origin: https://v$(( v / 5 * 5 )).example" "http://127.0.0.1:$PORT/dbm/" | grep -ci '^access-control-allow-origin' || true)
WORKERS_AFTER=$(workers | tr '\n' ' ')

# wrk prints a "Socket errors" line only when there were some.
errors=$(perl -ne 'print "$1 $2 $3 $4" if /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/' "$SR/logs/wrk.txt")
errors=${errors:-0 0 0 0}
requests=$(awk '/requests in/ { print $1 }' "$SR/logs/wrk.txt")
wrong=$(awk '/^wrong answers:/ { print $3 }' "$SR/logs/wrk.txt")
non200=$(awk '/^non-200:/ { print $2 }' "$SR/logs/wrk.txt")
crashes=$(grep -c 'exit signal' "$SR/logs/error_log" || true)
refused=$(grep -c 'cors:error' "$SR/logs/error_log" || true)
reads=$(grep -c 'CORSAllowOriginFile: read' "$SR/logs/error_log" || true)
reopens=$(grep -c 'CORSAllowOriginFile: opened .* again' "$SR/logs/error_log" || true)
cat <<EOF
| | |
|---|---|
| run | $SECONDS_TOTAL s, $CONNS connections, mpm_event 2 workers; $v versions of the text list (by rename and in place in turn), $((v / 5)) of the 100,000-origin gdbm DBM |
| requests | $requests |
| socket errors (connect read write timeout) | ${errors:-none reported} |
| non-200 | ${non200:-?} |
| wrong answers | ${wrong:-?} |
| versions taken in (per process) | text: $reads reads, DBM: $reopens reopens; refused: $refused |
| last versions allowed | text ${last_txt}, DBM ${last_dbm} |
| crashed children | $crashes; workers before $WORKERS_BEFORE, after $WORKERS_AFTER |
| workers' descriptors open on the lists' files | $FDS0 after 10 s, $FDS1 at the end |
| workers' RSS | $RSS0 KiB after 10 s, $RSS1 KiB at the end ($((RSS1 - RSS0)) KiB) |
EOF
[ "${errors:-x}" = "0 0 0 0" ] && [ "${non200:-x}" = 0 ] && [ "${wrong:-x}" = 0 ] && [ "$crashes" = 0 ] \
    && [ "$refused" = 0 ] && [ "$last_txt" = 1 ] && [ "$last_dbm" = 1 ] && [ "$FDS0" = "$FDS1" ] \
    && [ "$WORKERS_BEFORE" = "$WORKERS_AFTER" ] && [ $((RSS1 - RSS0)) -lt "$RSS_LIMIT" ] && status=0
[ "$status" = 0 ] && say "PASS" || say "FAIL"
exit "$status"
