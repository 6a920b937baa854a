#!/bin/bash
# Live origin lists (CORSAllowOriginFile txt: and dbm:) at scale: instructions per request
# with 1,000,000 origins in a DBM against one-origin configurations, per-process memory
# under mpm_prefork with 20 children, start-up time, and how long a change takes to be
# seen.  Prints Markdown tables and writes them to bench/RESULTS-live.md.  About 4 minutes.
#
#   bench/live.sh [path/to/mod_cors.so]        (make -f Makefile.apxs bench-live)
#
# Environment: BENCH_N (200, requests counted per callgrind measurement), BENCH_KEEP=1
# (keep the ServerRoot), BENCH_USER (www-data: as root, the user the servers run as),
# APXS.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
BENCH_NAME=bench-live
. "$HERE/lib.sh"
SO=$(realpath "${1:-$HERE/../.libs/mod_cors.so}")
N=${BENCH_N:-200}
RESULTS=$HERE/RESULTS-live.md

[ -f "$SO" ] || die "no module at $SO: run make -f Makefile.apxs first"
need_tools "make -f Makefile.apxs bench-live installs valgrind and apache2-utils" \
    valgrind httxt2dbm ab perl "$APACHE"

SR=$(new_server_root)
trap bench_cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$SR"/{htdocs,conf,logs,run,cg}
cp "$SO" "$SR/mod_cors.so"
head -c 1024 /dev/zero | tr '\0' 'x' > "$SR/htdocs/file.txt"

ORIGIN=https://app.example.com
DENIED=https://evil.example.net

# Lists: exact origins https://site0000001.example.com ..., the allowed one in the middle.
# DBMs are built as docs/behaviour.md says: httxt2dbm (Berkeley DB, APR's default type here)
# into a new file, renamed over.
build_dbm() {    # build_dbm TYPE N [extra origin]: conf/origins-N.TYPE
    local type=$1 n=$2 t0
    t0=$(date +%s%N)
    { origins "$n" 7; [ -z "${3:-}" ] || echo "$3"; } | sed 's/$/ 1/' > "$SR/conf/dbm-$n.in"
    httxt2dbm -f "$type" -i "$SR/conf/dbm-$n.in" -o "$SR/conf/origins-$n.$type.new" >/dev/null
    mv "$SR/conf/origins-$n.$type.new" "$SR/conf/origins-$n.$type"
    rm -f "$SR/conf/dbm-$n.in"
    BUILD_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
    [ "$(id -u)" != 0 ] || chown "$BENCH_USER" "$SR/conf/origins-$n.$type"
}
say "building the lists (1,000,000 origins in a DBM take 5 to 10 s) ..."
declare -A BUILD_1M_MS DBM_1M_BYTES
for n in 1 1000; do origins $n 7 > "$SR/conf/origins-$n.txt"; done
for type in gdbm db; do
    build_dbm $type 1
    build_dbm $type 1000
    build_dbm $type 1000000
    BUILD_1M_MS[$type]=$BUILD_MS
    DBM_1M_BYTES[$type]=$(stat -c %s "$SR/conf/origins-1000000.$type")
done
[ "$(id -u)" = 0 ] && chown -R "$BENCH_USER" "$SR"

list_directive() {
    case $1 in
    txt1) echo "CORSAllowOriginFile conf/origins-1.txt" ;;
    txt1k) echo "CORSAllowOriginFile conf/origins-1000.txt" ;;
    gdbm1|gdbm1k|gdbm1m|db1|db1k|db1m)
        local type=${1%%1*} n=${1#*[a-z]1}
        case $n in k) n=1000 ;; m) n=1000000 ;; *) n=1 ;; esac
        echo "CORSAllowOriginFile dbm=$type:conf/origins-$n.$type" ;;
    none) ;;
    esac
}
describe() {
    case $1 in
    txt1) echo "text list, 1 origin" ;;
    txt1k) echo "text list, 1,000 origins" ;;
    gdbm1) echo "gdbm DBM, 1 origin" ;;
    gdbm1k) echo "gdbm DBM, 1,000 origins" ;;
    gdbm1m) echo "gdbm DBM, 1,000,000 origins" ;;
    db1) echo "Berkeley DB DBM, 1 origin" ;;
    db1k) echo "Berkeley DB DBM, 1,000 origins" ;;
    db1m) echo "Berkeley DB DBM, 1,000,000 origins" ;;
    none) echo "mod_cors loaded, no origin rule" ;;
    esac
}

# write_conf NAME VARIANT MODE PORT: $SR/conf/NAME.conf, for start() (lib.sh), under
# mpm_prefork; MODE prefork: with 20 children.
write_conf() {
    local name=$1 variant=$2 mode=$3 port=$4
    {
        server_conf "$name" prefork "$port" authz_core mime dir
        echo "LoadModule cors_module mod_cors.so"
        if [ "$mode" = prefork ]; then
            printf '%s\n' "StartServers 20" "MinSpareServers 20" "MaxSpareServers 20" \
                "ServerLimit 20" "MaxRequestWorkers 20" "MaxConnectionsPerChild 0"
        fi
        list_directive "$variant"
        echo "$CORS_COMMON"
    } > "$SR/conf/$name.conf"
}

median() { perl -e 'my @v = sort { $a <=> $b } @ARGV; print $v[@v / 2]' "$@"; }

# --- Instructions per request ----------------------------------------------------------
TAB=$'\t'
ACAO=Access-Control-Allow-Origin
declare -A IR
for v in txt1 gdbm1 gdbm1m db1 db1m; do
    say "callgrind: $(describe $v) ..."
    start "cg-$v" "$v" callgrind
    {
        echo "allowed${TAB}20${TAB}$((20 + N))${TAB}200,+$ACAO,+Access-Control-Allow-Credentials,+Vary${TAB}GET${TAB}/file.txt${TAB}Origin: $ORIGIN"
        echo "denied${TAB}20${TAB}$((20 + N))${TAB}200,-$ACAO,+Vary${TAB}GET${TAB}/file.txt${TAB}Origin: $DENIED"
    } | perl "$HERE/client.pl" "$PORT" "$SR/cg/cg-$v.out" > "$SR/cg/$v.txt"
    stop "$PID"
    while read -r name ir _; do IR[$v-$name]=$ir; done < "$SR/cg/$v.txt"
done

# --- Start-up ----------------------------------------------------------------------------
declare -A T
for v in txt1 gdbm1m db1m; do
    write_conf "t-$v" "$v" native "$(free_port)"
    times=()
    for i in 1 2 3 4 5; do
        t0=$(date +%s%N)
        "${RUN_AS[@]}" "$APACHE" -t -f "$SR/conf/t-$v.conf" >/dev/null 2>&1 || die "apache2 -t failed for $v"
        times+=($(( ($(date +%s%N) - t0) / 1000 )))
    done
    T[$v]=$(median "${times[@]}")
done

# --- Memory under prefork, 20 children -----------------------------------------------------
# After 4,000 requests on new connections from the allowed and the denied origin (each
# child answers about 200), the sum of the children's VmRSS, and of their Pss (the shared
# pages divided among the processes that share them: the page cache of a DBM counts once).
declare -A RSS PSS
children() { pgrep -P "$1" -x "$(basename "$APACHE")" || true; }
for v in none txt1k gdbm1k gdbm1m db1k db1m; do
    say "prefork, 20 children: $(describe $v) ..."
    start "m-$v" "$v" prefork
    sleep 1
    ab -q -n 2000 -c 20 -H "Origin: $ORIGIN" "http://127.0.0.1:$PORT/file.txt" > "$SR/logs/ab-$v-1.txt" 2>&1
    ab -q -n 2000 -c 20 -H "Origin: $DENIED" "http://127.0.0.1:$PORT/file.txt" > "$SR/logs/ab-$v-2.txt" 2>&1
    grep -q '^Failed requests: *0' "$SR/logs/ab-$v-1.txt" || die "failed requests on $v"
    rss=0; pss=0; kids=0
    for c in $(children "$PID"); do
        r=$(awk '/^VmRSS:/ { print $2 }' "/proc/$c/status")
        p=$(awk '/^Pss:/ { print $2 }' "/proc/$c/smaps_rollup" 2>/dev/null || echo 0)
        rss=$((rss + r)); pss=$((pss + p)); kids=$((kids + 1))
    done
    [ "$kids" = 20 ] || say "warning: $kids children, not 20"
    RSS[$v]=$rss; PSS[$v]=$pss
    stop "$PID"
done

# --- How long a change takes to be seen ----------------------------------------------------
# Under prefork with 20 children: a new origin is added (a text list of 1,000 renamed over;
# the 1,000,000-origin DBM rebuilt and renamed over) and requests on new connections, one
# after the other, ask for it: the time from the rename to the first allowed answer, and to
# the first of 100 allowed answers in a row (every child has then seen it).
declare -A SEEN_FIRST SEEN_ALL
seen() {    # seen PORT ORIGIN: prints "first all" in ms after now
    perl -MIO::Socket::INET -MTime::HiRes=time,sleep -e '
        my ($port, $origin) = @ARGV;
        my ($t0, $first, $row, $start) = (time, undef, 0, undef);
        while (time - $t0 < 30) {
            my $s = IO::Socket::INET->new("127.0.0.1:$port") or next;
            print $s "GET /file.txt HTTP/1.1\r\nHost: x\r\nOrigin: $origin\r\nConnection: close\r\n\r\n";
            local $/; my $r = <$s>;
            if ($r =~ /^Access-Control-Allow-Origin: \Q$origin\E\r$/m) {
                $first //= time; $start //= time;
                if (++$row == 100) { printf "%d %d\n", ($first - $t0) * 1000, ($start - $t0) * 1000; exit }
            } else { ($row, $start) = (0, undef) }
        }
        print "- -\n";' "$1" "$2"
}
for v in txt1k gdbm1m; do
    say "change: $(describe $v) ..."
    start "c-$v" "$v" prefork
    ab -q -n 400 -c 20 -H "Origin: $ORIGIN" "http://127.0.0.1:$PORT/file.txt" > /dev/null 2>&1
    sleep 2
    if [ "$v" = txt1k ]; then
        { origins 1000 7; echo https://new.example.com; } > "$SR/conf/origins-1000.txt.new"
        [ "$(id -u)" = 0 ] && chown "$BENCH_USER" "$SR/conf/origins-1000.txt.new"
        mv "$SR/conf/origins-1000.txt.new" "$SR/conf/origins-1000.txt"
    else
        build_dbm gdbm 1000000 https://new.example.com
    fi
    read -r first all < <(seen "$PORT" https://new.example.com)
    SEEN_FIRST[$v]=$first; SEEN_ALL[$v]=$all
    stop "$PID"
done

# --- Report ---------------------------------------------------------------------------------
diff_ir() { local d=$(( $1 - $2 )); if [ $d -ge 0 ]; then echo "+$(num $d)"; else echo "-$(num $((-d)))"; fi; }
ok() { if [ "$1" -le 500 ]; then echo PASS; else echo MISS; fi; }
{
    cat <<EOF
# Live origin lists: benchmark results

The latest run of \`bench/live.sh\` (\`make -f Makefile.apxs bench-live\`); bench/README.md
says what is measured and how.

- Date: $(date -u '+%Y-%m-%d %H:%M UTC')
- CPU: $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(nproc) cores seen; load average before the report: $(cut -d' ' -f1-3 /proc/loadavg)
- httpd: $("$APACHE" -v | sed -n 's/^Server version: //p'); APR-util $(dpkg-query -W -f '${Version}' libaprutil1 2>/dev/null || echo '?'); DBM types: db (Berkeley DB 5.3, APR's default here), gdbm, sdbm
- mod_cors: commit $(git -C "$HERE" rev-parse --short HEAD 2>/dev/null || echo '?')
- The 1,000,000-origin DBMs, built by httxt2dbm: gdbm $(num "${DBM_1M_BYTES[gdbm]}") bytes in $(num "${BUILD_1M_MS[gdbm]}") ms, Berkeley DB $(num "${DBM_1M_BYTES[db]}") bytes in $(num "${BUILD_1M_MS[db]}") ms

## Instructions per request (callgrind, \`apache2 -X\`, mpm_prefork)

Keep-alive GETs of a 1 KiB file, $N requests counted after a warm-up; the configuration of
bench/README.md (credentials, one exposed header) with the list named.

| list | allowed GET | denied GET | allowed vs 1 origin, same type | denied vs 1 origin, same type | target (≤ +500) | allowed vs 1-origin text | denied vs 1-origin text |
|---|---:|---:|---:|---:|---|---:|---:|
EOF
    for v in txt1 gdbm1 gdbm1m db1 db1m; do
        a=${IR[$v-allowed]}; d=${IR[$v-denied]}
        one=${v%1*}1
        da=$((a - IR[$one-allowed])); dd=$((d - IR[$one-denied]))
        verdict=""
        case $v in *1m) verdict=$(ok $(( da > dd ? da : dd ))) ;; esac
        echo "| $(describe $v) | $(num "$a") | $(num "$d") | $(diff_ir "$a" "${IR[$one-allowed]}") | $(diff_ir "$d" "${IR[$one-denied]}") | $verdict | $(diff_ir "$a" "${IR[txt1-allowed]}") | $(diff_ir "$d" "${IR[txt1-denied]}") |"
    done
    cat <<EOF

## Memory: mpm_prefork, 20 children

After 2,000 allowed and 2,000 denied requests on new connections.  VmRSS counts every page
a process maps, shared ones included (a DBM's pages in the page cache, httpd's code);
Pss divides the shared pages among the processes that share them.

| list | 20 children, VmRSS | per child | 20 children, Pss | per child |
|---|---:|---:|---:|---:|
EOF
    for v in none txt1k gdbm1k gdbm1m db1k db1m; do
        echo "| $(describe $v) | $(num "${RSS[$v]}") KiB | $(num $((RSS[$v] / 20))) KiB | $(num "${PSS[$v]}") KiB | $(num $((PSS[$v] / 20))) KiB |"
    done
    cat <<EOF

## Start-up: \`apache2 -t\`, median of 5

| list | time |
|---|---:|
EOF
    for v in txt1 gdbm1m db1m; do
        echo "| $(describe $v) | $(perl -e 'printf "%.3f s", shift() / 1e6' "${T[$v]}") |"
    done
    cat <<EOF

## How long a change takes to be seen: mpm_prefork, 20 children

From the rename of a list with one origin more to the first request allowed, and to the
first of 100 allowed in a row on new connections (every child has seen the change).  A
process looks at the file at most once a second and reads it once it was left alone for a
second.

| list | first allowed | every child |
|---|---:|---:|
| $(describe txt1k), replaced by rename | ${SEEN_FIRST[txt1k]} ms | ${SEEN_ALL[txt1k]} ms |
| $(describe gdbm1m), rebuilt and renamed | ${SEEN_FIRST[gdbm1m]} ms | ${SEEN_ALL[gdbm1m]} ms |
EOF
} | tee "$RESULTS"
