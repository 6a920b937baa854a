#!/bin/bash
# The mod_cors soak (bench/soak/README.md): wrk drives allowed, denied, malformed and preflight
# requests (bench/soak/soak.lua) at an httpd of its own, with mpm_event, the given mod_cors.so
# and a CORSAllowOriginFile of 10,000 origin rules, and checks that there were no socket
# errors, no 5xx, no wrong CORS answer, no crashed child, and that the resident memory of
# the worker processes stayed flat after the warm-up.
#
#   bench/soak/run.sh [path/to/mod_cors.so]      (default .libs/mod_cors.so; make -f Makefile.apxs soak)
#
# Environment (defaults in brackets):
#   SOAK_SECONDS      length of the load [120]
#   SOAK_CONNECTIONS  connections wrk keeps open [100]
#   SOAK_THREADS      wrk threads [2]
#   SOAK_WARMUP       seconds of load before the RSS baseline [20]
#   SOAK_SAMPLE       seconds between RSS samples [5]
#   SOAK_RSS_LIMIT_KB allowed growth of the workers' summed RSS after the warm-up [1024]
#   SOAK_KEEP=1       keep the server's temporary directory (it is kept anyway on failure)
#   SOAK_EXTRA_CONF   a file appended to the server's httpd.conf (e.g. to load a module
#                     that leaks on purpose, and see the RSS check fail)
#   APXS              apxs, which names the httpd binary and its module directory [apxs]
# Only 127.0.0.1 is used, on a free port.  Exit status 0 when every check passed.
set -euo pipefail

DURATION=${SOAK_SECONDS:-120}
CONNECTIONS=${SOAK_CONNECTIONS:-100}
THREADS=${SOAK_THREADS:-2}
WARMUP=${SOAK_WARMUP:-20}
SAMPLE=${SOAK_SAMPLE:-5}
RSS_LIMIT_KB=${SOAK_RSS_LIMIT_KB:-1024}
APXS=${APXS:-apxs}

here=$(cd "$(dirname "$0")" && pwd)
module=$(realpath "${1:-$here/../../.libs/mod_cors.so}")
[ -f "$module" ] || { echo "$0: no module at $module: build it with make -f Makefile.apxs" >&2; exit 2; }
for n in "$DURATION" "$CONNECTIONS" "$THREADS" "$WARMUP" "$SAMPLE" "$RSS_LIMIT_KB"; do
    [[ $n =~ ^[0-9]+$ ]] || { echo "$0: SOAK_* values are whole numbers, not '$n'" >&2; exit 2; }
done
if [ "$WARMUP" -ge "$DURATION" ]; then
    echo "$0: SOAK_WARMUP ($WARMUP) must be shorter than SOAK_SECONDS ($DURATION)" >&2; exit 2
fi

# wrk is Debian's package of that name.
if ! command -v wrk >/dev/null; then
    if [ "$(id -u)" = 0 ]; then
        echo "installing wrk"
        apt-get install -y wrk >/dev/null 2>&1 \
            || { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y wrk >/dev/null; }
    else
        echo "$0: wrk is missing: apt-get install wrk" >&2; exit 2
    fi
fi

httpd=$("$APXS" -q SBINDIR)/$("$APXS" -q TARGET)
libexec=$("$APXS" -q LIBEXECDIR)

root=$(mktemp -d /tmp/mod_cors-soak.XXXXXX)
chmod 755 "$root"
status=1
sampler=
cleanup() {
    [ -n "$sampler" ] && kill "$sampler" 2>/dev/null || true
    if [ -s "$root/httpd.pid" ]; then
        local pid
        pid=$(cat "$root/httpd.pid")
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    if [ "$status" = 0 ] && [ "${SOAK_KEEP:-0}" != 1 ]; then
        rm -rf "$root"
    else
        echo "kept the soak server's directory: $root"
    fi
}
trap cleanup EXIT

port=$(perl -MIO::Socket::INET -e \
    'print IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0, Listen => 1)->sockport')

# 10,000 origin rules: 9,990 exact origins and 10 subdomain patterns (bench/soak/soak.lua
# sends origins from the same formulas).
{
    echo "# The soak's origin rules (bench/soak/run.sh): 9,990 exact origins, 10 patterns."
    awk 'BEGIN { for (i = 0; i < 9990; i++) printf "https://app%05d.example.com\n", i;
                 for (i = 0; i < 10; i++) printf "https://*.team%d.example.org\n", i }'
} >"$root/origins.txt"
mkdir -p "$root/htdocs/api"
echo 'mod_cors soak document' >"$root/htdocs/api/doc.txt"

user_group=
if [ "$(id -u)" = 0 ]; then
    user_group="User nobody
Group $(id -gn nobody)"
fi

# Two worker processes that never recycle (StartServers = ServerLimit, spare threads never
# trimmed, MaxConnectionsPerChild 0), so that the RSS of the same processes is compared
# from the warm-up to the end.  Each has more threads than wrk has connections: when every
# thread of a process is busy, mpm_event closes that process's keep-alive connections
# ("All workers are busy or dying, will shutdown N keep-alive connections" at
# mpm_event:trace1), which wrk counts as read errors; on a loaded 2-core machine this
# happens with mod_cors absent too.  Connections last the whole run
# (MaxKeepAliveRequests 0), so that memory taken from a connection's pool per request
# would add up rather than be freed every 100 requests.
threads=$((CONNECTIONS + 16))
cat >"$root/httpd.conf" <<EOF
LoadModule mpm_event_module $libexec/mod_mpm_event.so
LoadModule authz_core_module $libexec/mod_authz_core.so
LoadModule headers_module $libexec/mod_headers.so
LoadModule setenvif_module $libexec/mod_setenvif.so
LoadModule cors_module $module

ServerRoot "$root"
ServerName 127.0.0.1
Listen 127.0.0.1:$port
PidFile "$root/httpd.pid"
DefaultRuntimeDir "$root"
ErrorLog "$root/error_log"
LogLevel warn
$user_group

ServerLimit 2
StartServers 2
ThreadLimit $threads
ThreadsPerChild $threads
MaxRequestWorkers $((2 * threads))
MinSpareThreads 1
MaxSpareThreads $((2 * threads))
MaxConnectionsPerChild 0
KeepAlive On
MaxKeepAliveRequests 0
KeepAliveTimeout 5

DocumentRoot "$root/htdocs"
<Directory "$root/htdocs">
    Require all granted
</Directory>

<Location /api/>
    CORSAllowOriginFile "$root/origins.txt"
    CORSAllowMethods GET POST PUT DELETE
    CORSAllowHeaders Content-Type X-Requested-With
    CORSExposeHeaders X-Request-Id
    CORSAllowCredentials On
    CORSMaxAge 600
    # What soak.lua checks each answer against: the kind of request and its Origin.
    SetEnvIf X-Soak-Kind "^(.*)\$" SOAK_KIND=\$1
    SetEnvIf Origin "^(.*)\$" SOAK_ORIGIN=\$1
    Header always set X-Soak-Kind "%{SOAK_KIND}e"
    Header always set X-Soak-Origin "%{SOAK_ORIGIN}e"
</Location>
EOF

if [ -n "${SOAK_EXTRA_CONF:-}" ]; then
    cat "$SOAK_EXTRA_CONF" >>"$root/httpd.conf"
fi

"$httpd" -t -f "$root/httpd.conf" >/dev/null 2>&1 \
    || { "$httpd" -t -f "$root/httpd.conf"; exit 1; }
"$httpd" -f "$root/httpd.conf" -k start
for _ in $(seq 100); do
    [ -s "$root/httpd.pid" ] && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
done
parent=$(cat "$root/httpd.pid")

# One request by hand first: the server answers an allowed origin.
probe=$(curl -sS -o /dev/null -D - -H 'Origin: https://app00042.example.com' \
             "http://127.0.0.1:$port/api/doc.txt" | tr -d '\r')
if ! grep -qx 'Access-Control-Allow-Origin: https://app00042.example.com' <<<"$probe"; then
    echo "the soak server does not answer an allowed origin:"; echo "$probe"; tail "$root/error_log"
    exit 1
fi

# RSS samples of the workers (the parent's children): "seconds pid rss_kb" lines.
t0=$(date +%s)
sample() {
    local now=$(( $(date +%s) - t0 ))
    ps -o pid=,rss= --ppid "$parent" | while read -r pid rss; do echo "$now $pid $rss"; done
}
sample >"$root/rss-before.txt"
(
    while :; do sample; sleep "$SAMPLE"; done
) >"$root/rss.txt" &
sampler=$!

echo "soak: ${DURATION} s, $CONNECTIONS connections, $THREADS wrk threads, 10,000 origin rules," \
     "mpm_event, http://127.0.0.1:$port/api/doc.txt"
wrk_status=0
wrk -t "$THREADS" -c "$CONNECTIONS" -d "${DURATION}s" --timeout 10s -s "$here/soak.lua" \
    "http://127.0.0.1:$port/api/doc.txt" >"$root/wrk.txt" 2>&1 || wrk_status=$?
wrk_end=$(( $(date +%s) - t0 ))
kill "$sampler" 2>/dev/null || true
wait "$sampler" 2>/dev/null || true
sampler=
sample >"$root/rss-after.txt"

value() { sed -n "s/^soak: $1 //p" "$root/wrk.txt" | head -n 1; }
requests=$(value requests); requests=${requests:-0}
duration_us=$(value duration_us); duration_us=${duration_us:-1}
socket_errors=$(value socket_errors); socket_errors=${socket_errors:-unknown}
fivexx=$(value 5xx); fivexx=${fivexx:-unknown}
wrong=$(value wrong_answers); wrong=${wrong:-unknown}

# Baseline: the first sample at or after the warm-up; end: the last sample taken while
# wrk ran.  Compared over the workers present in both.
awk -v warmup="$WARMUP" -v end="$((wrk_end - 1))" -v limit="$RSS_LIMIT_KB" '
    { t[NR] = $1; pid[NR] = $2; rss[NR] = $3 }
    END {
        base = -1; last = -1
        for (i = 1; i <= NR; i++) {
            if (t[i] >= warmup && (base < 0 || t[i] < base)) base = t[i]
            if (t[i] <= end && t[i] > last) last = t[i]
        }
        for (i = 1; i <= NR; i++) {
            if (t[i] == base) b[pid[i]] = rss[i]
            if (t[i] == last) e[pid[i]] = rss[i]
        }
        n = 0; sb = 0; se = 0; gone = ""; new = ""
        for (p in b) if (p in e) { n++; sb += b[p]; se += e[p] } else gone = gone " " p
        for (p in e) if (!(p in b)) new = new " " p
        printf "rss_base_t %d\nrss_end_t %d\nrss_workers %d\nrss_base_kb %d\nrss_end_kb %d\n", base, last, n, sb, se
        printf "rss_gone %s\nrss_new %s\n", (gone == "" ? "none" : gone), (new == "" ? "none" : new)
    }' "$root/rss.txt" >"$root/rss-summary.txt"
rss() { sed -n "s/^rss_$1 //p" "$root/rss-summary.txt"; }
sum_rss() { awk '{ s += $3 } END { print s + 0 }' "$1"; }
workers=$(rss workers)
growth=$(( $(rss end_kb) - $(rss base_kb) ))

crashes=$(grep -c -E 'exit signal|AH00052|Segmentation fault' "$root/error_log" || true)
alive=no
kill -0 "$parent" 2>/dev/null && alive=yes

rate=$(awk -v r="$requests" -v d="$duration_us" 'BEGIN { printf "%.0f", r / (d / 1e6) }')
echo "requests:        $requests in $(awk -v d="$duration_us" 'BEGIN { printf "%.1f", d / 1e6 }') s, $rate/s"
echo "statuses:        $(value statuses)"
echo "socket errors:   $socket_errors ($(value socket_errors_detail))"
echo "5xx:             $fivexx"
echo "wrong answers:   $wrong"
sed -n 's/^soak: wrong_example /  e.g. /p' "$root/wrk.txt"
p99=$(value latency_p99_us)
echo "latency p99:     $(( ${p99:-0} / 1000 )) ms"
echo "worker RSS (KiB, summed over the $workers workers that lived through the run):"
echo "  before load    $(sum_rss "$root/rss-before.txt")"
echo "  after warm-up  $(rss base_kb)   (t = $(rss base_t) s)"
echo "  end of load    $(rss end_kb)   (t = $(rss end_t) s)"
echo "  growth         $growth (limit $RSS_LIMIT_KB)"
echo "  after load     $(sum_rss "$root/rss-after.txt")"
echo "workers gone:    $(rss gone); new: $(rss new)"
echo "crashed children: $crashes; server alive at the end: $alive"

failures=()
[ "$wrk_status" = 0 ] || failures+=("wrk exited with status $wrk_status")
[ "$requests" -gt 0 ] || failures+=("no request completed")
[ "$socket_errors" = 0 ] || failures+=("socket errors: $socket_errors")
[ "$fivexx" = 0 ] || failures+=("5xx answers: $fivexx")
[ "$wrong" = 0 ] || failures+=("wrong CORS answers: $wrong")
[ "$workers" -gt 0 ] || failures+=("no worker lived through the run")
[ "$growth" -lt "$RSS_LIMIT_KB" ] || failures+=("worker RSS grew by $growth KiB after the warm-up")
[ "$crashes" = 0 ] || failures+=("$crashes crashed children in the error log")
[ "$alive" = yes ] || failures+=("httpd is gone")
if [ ${#failures[@]} = 0 ]; then
    echo "soak: PASS"
    status=0
else
    printf 'soak: FAIL: %s\n' "${failures[@]}"
    echo "--- wrk output ---"; cat "$root/wrk.txt"
fi
exit "$status"
