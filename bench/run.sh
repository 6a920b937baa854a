#!/bin/bash
# What a CORS decision costs: mod_cors against no CORS handling, against the floor (the
# same headers written with no decision, bench/mod_cors_floor.c) and against the
# mod_headers, mod_setenvif and mod_rewrite recipes it replaces; and what report-only and
# the counters cost.  bench/README.md says what is measured and how;
# `make -f Makefile.apxs bench` builds the module and runs this.
#
#   bench/run.sh [path/to/mod_cors.so]
#
# Prints the results as Markdown tables and writes them, with the date, the CPU and the
# httpd version, to bench/RESULTS.md; profiles and raw numbers go to bench/out/.
#
# Environment:
#   BENCH_N=200          extra requests whose instructions callgrind counts, per measurement
#   BENCH_WRK_ROUNDS=20  wrk rounds: each runs no CORS, the 1-origin recipe and mod_cors with
#                        1 origin, every 4th the other configurations too, in rotating order
#   BENCH_WRK_SECONDS=3  length of one wrk run
#   BENCH_WRK_CONNECTIONS=32
#   BENCH_SKIP_WRK=1     callgrind, start-up and memory only
#   BENCH_QUICK=1        callgrind only, without the 10,000-line recipes (about 2 minutes);
#                        writes bench/out/RESULTS.md, not bench/RESULTS.md
#   BENCH_KEEP=1         keep the temporary ServerRoot (configs, logs, all profiles)
#   BENCH_USER=www-data  when run as root, the servers run as this user
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
BENCH_NAME=bench
. "$HERE/lib.sh"
SO=$(realpath "${1:-$HERE/../.libs/mod_cors.so}")
N=${BENCH_N:-200}
QUICK=${BENCH_QUICK:-}
[ "$QUICK" ] && BENCH_SKIP_WRK=1
WRK_ROUNDS=${BENCH_WRK_ROUNDS:-20}
WRK_SECONDS=${BENCH_WRK_SECONDS:-3}
WRK_CONNECTIONS=${BENCH_WRK_CONNECTIONS:-32}
OUT=$HERE/out

[ -f "$SO" ] || die "no module at $SO: run make -f Makefile.apxs first"
SRC=$HERE/../mod_cors.c
[ -f "$SRC" ] || die "no $SRC, from which the module without counters is built"
need_tools "make -f Makefile.apxs bench installs valgrind and wrk" \
    valgrind callgrind_annotate wrk perl pgrep "$APACHE"

# The ServerRoot: configs, documents, origin lists, logs, profiles.
SR=$(new_server_root)
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$SR"/{htdocs,conf,logs,run,cg,build}
rm -rf "$OUT"
mkdir -p "$OUT"
cp "$SO" "$SR/mod_cors.so"

# Two modules built here, with apxs and the flags of Makefile.apxs: the floor
# (mod_cors_floor.c), and mod_cors.c with its counting switched off (cors_count's
# increment behind "0 &&"), so that the counters' cost is the difference of two builds of
# the same source.  If cors_count no longer reads as expected, the run stops: update
# the pattern below.
build() {    # build FILE.c: $SR/FILE.so
    (cd "$SR/build" && "$APXS" -c -Wc,-Wall -Wc,-Wextra -Wc,-Werror "$1.c") \
        > "$SR/build/$1.log" 2>&1 || { cat "$SR/build/$1.log" >&2; die "cannot build $1.c"; }
    cp "$SR/build/.libs/$1.so" "$SR/$1.so"
}
cp "$HERE/mod_cors_floor.c" "$SR/build/"
build mod_cors_floor
perl -0777 -pe '$n = s/(static void cors_count\(request_rec \*r, cors_result result\)\s*\{[^}]*?if \()(cors_counters\))/${1}0 && $2/;
                END { $? = 1 unless $n }' "$SRC" > "$SR/build/mod_cors_nocount.c" \
    || die "cannot switch off the counters in $SRC: cors_count changed; update bench/run.sh"
build mod_cors_nocount
head -c 1024 /dev/zero | tr '\0' 'x' > "$SR/htdocs/file.txt"

# Origin lists: https://site000001.example.com ..., the allowed origin of the requests,
# https://app.example.com, in the middle.  Exact origins only.
ORIGIN=https://app.example.com
DENIED=https://evil.example.net
for n in 1 10000 100000; do
    origins $n 6 > "$SR/conf/origins-$n.txt"
done
sed 's/$/ yes/' "$SR/conf/origins-10000.txt" > "$SR/conf/origins-10000.map"
sed -e 's/\./\\./g' -e 's/.*/SetEnvIf Origin "^&$" CORS_ORIGIN=$0/' \
    "$SR/conf/origins-10000.txt" > "$SR/conf/setenvif-10000.conf"
[ "$(id -u)" = 0 ] && chown -R "$BENCH_USER" "$SR"

# ---------------------------------------------------------------------------------------
# Configurations.  Every one loads the same modules (mod_headers, mod_setenvif and
# mod_rewrite included, idle where unused); the mod_cors ones load mod_cors as well.

# The headers an allowed credentialed GET gets, from mod_headers, on condition.
RECIPE_HEADERS='Header always set Access-Control-Allow-Origin "%{CORS_ORIGIN}e" env=CORS_ORIGIN
Header always set Access-Control-Allow-Credentials "true" env=CORS_ORIGIN
Header always set Access-Control-Expose-Headers "X-Request-Id" env=CORS_ORIGIN
Header always merge Vary "Origin"'

# The directives of a variant.
variant_conf() {
    case $1 in
    base) ;;
    recipe)
        echo 'SetEnvIf Origin "^https://app\.example\.com$" CORS_ORIGIN=$0'
        echo "$RECIPE_HEADERS" ;;
    recipe10k)
        echo "Include conf/setenvif-10000.conf"
        echo "$RECIPE_HEADERS" ;;
    rewritemap10k)
        cat <<'EOF'
RewriteEngine On
RewriteMap cors_origins "txt:conf/origins-10000.map"
RewriteCond "%{HTTP:Origin}" "^(.+)$"
RewriteCond "${cors_origins:%1|-}" "=yes"
RewriteRule "^" "-" [E=CORS_ORIGIN:%{HTTP:Origin}]
EOF
        echo "$RECIPE_HEADERS" ;;
    recipe_preflight)
        cat <<'EOF'
SetEnvIf Origin "^https://app\.example\.com$" CORS_ORIGIN=$0
RewriteEngine On
RewriteCond "%{REQUEST_METHOD}" "=OPTIONS"
RewriteCond "%{HTTP:Access-Control-Request-Method}" "."
RewriteRule "^" "-" [R=204,L]
Header always set Access-Control-Allow-Origin "%{CORS_ORIGIN}e" env=CORS_ORIGIN
Header always set Access-Control-Allow-Credentials "true" env=CORS_ORIGIN
Header always set Access-Control-Allow-Methods "GET, POST, PUT, DELETE" env=CORS_ORIGIN
Header always set Access-Control-Allow-Headers "Content-Type" env=CORS_ORIGIN
Header always set Access-Control-Max-Age "600" env=CORS_ORIGIN
Header always merge Vary "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
EOF
        ;;
    vary)
        echo 'Header always merge Vary "Origin"' ;;
    static4)
        cat <<'EOF'
Header always set Access-Control-Allow-Origin "https://app.example.com"
Header always set Access-Control-Allow-Credentials "true"
Header always set Access-Control-Expose-Headers "X-Request-Id"
Header always merge Vary "Origin"
EOF
        ;;
    cors1|cors10k|cors100k)
        local n=${1#cors}
        n=${n/k/000}
        echo "CORSAllowOriginFile conf/origins-$n.txt"
        echo "$CORS_COMMON" ;;
    cors1_nocount)
        variant_conf cors1 ;;
    floor_allowed)
        echo "CORSFloor Allowed" ;;
    floor_vary)
        echo "CORSFloor Vary" ;;
    ro1|ro1_info)
        variant_conf cors1
        echo "CORSReportOnly On"
        if [ "$1" = ro1_info ]; then echo "LogLevel warn cors:info"; fi
        ;;
    ro_recipe|ro_recipe_info)
        variant_conf recipe
        variant_conf cors1
        echo "CORSReportOnly On"
        if [ "$1" = ro_recipe_info ]; then echo "LogLevel warn cors:info"; fi
        ;;
    *) die "unknown variant $1" ;;
    esac
}

describe() {
    case $1 in
    base) echo "no CORS handling" ;;
    recipe) echo "SetEnvIf + Header always set, 1 origin" ;;
    recipe10k) echo "SetEnvIf + Header always set, 10,000 SetEnvIf lines" ;;
    rewritemap10k) echo "RewriteMap (txt) + Header always set, 10,000 origins" ;;
    recipe_preflight) echo "RewriteRule [R=204] + Header always set, 1 origin" ;;
    static4) echo "four static headers (Header always set x3, merge Vary)" ;;
    vary) echo "Vary: Origin alone (Header always merge Vary Origin)" ;;
    cors1) echo "mod_cors, 1 origin" ;;
    cors10k) echo "mod_cors, 10,000 origins" ;;
    cors100k) echo "mod_cors, 100,000 origins" ;;
    cors1_nocount) echo "mod_cors, 1 origin, counting switched off" ;;
    floor_allowed) echo "the floor (mod_cors_floor: CORSFloor Allowed)" ;;
    floor_vary) echo "the floor, Vary: Origin alone (CORSFloor Vary)" ;;
    ro1) echo "mod_cors, 1 origin, CORSReportOnly On, LogLevel warn" ;;
    ro1_info) echo "mod_cors, 1 origin, CORSReportOnly On, LogLevel cors:info" ;;
    ro_recipe) echo "SetEnvIf recipe + mod_cors CORSReportOnly On, LogLevel warn" ;;
    ro_recipe_info) echo "SetEnvIf recipe + mod_cors CORSReportOnly On, LogLevel cors:info" ;;
    esac
}

# write_conf NAME VARIANT MODE PORT: $SR/conf/NAME.conf, for start() (lib.sh); mpm_event
# for MODE event, else mpm_prefork.
write_conf() {
    local name=$1 variant=$2 mode=$3 port=$4 mpm=prefork
    [ "$mode" = event ] && mpm=event
    {
        server_conf "$name" "$mpm" "$port" authz_core mime dir setenvif headers rewrite
        case $variant in
        cors1_nocount) echo "LoadModule cors_module mod_cors_nocount.so" ;;
        cors*|ro*) echo "LoadModule cors_module mod_cors.so" ;;
        floor*) echo "LoadModule cors_floor_module mod_cors_floor.so" ;;
        esac
        echo "KeepAliveTimeout 30"
        if [ "$mpm" = event ]; then
            cat <<'EOF'
StartServers 2
ServerLimit 2
ThreadsPerChild 32
MaxRequestWorkers 64
MinSpareThreads 32
MaxSpareThreads 64
EOF
        fi
        variant_conf "$variant"
    } > "$SR/conf/$name.conf"
}

# ---------------------------------------------------------------------------------------
# Requests (bench/client.pl plans): name, n1, n2, expected answer, method, path, headers.
TAB=$'\t'
ACAO=Access-Control-Allow-Origin
ALLOWED_GET="200,+$ACAO,+Access-Control-Allow-Credentials,+Access-Control-Expose-Headers,+Vary"
PREFLIGHT_ANSWER="204,+$ACAO,+Access-Control-Allow-Credentials,+Access-Control-Allow-Methods,+Access-Control-Allow-Headers,+Access-Control-Max-Age,+Vary,-Access-Control-Expose-Headers"
PREFLIGHT_HEADERS="Origin: $ORIGIN${TAB}Access-Control-Request-Method: PUT${TAB}Access-Control-Request-Headers: content-type"

# plan VARIANT N1 N2: the requests measured on that variant.
plan() {
    local v=$1 n1=$2 n2=$3
    local get="GET${TAB}/file.txt" opt="OPTIONS${TAB}/file.txt"
    case $v in
    base)
        echo "get${TAB}$n1${TAB}$n2${TAB}200,-$ACAO${TAB}$get${TAB}Origin: $ORIGIN"
        echo "no-origin${TAB}$n1${TAB}$n2${TAB}200,-$ACAO${TAB}$get"
        echo "options${TAB}$n1${TAB}$n2${TAB}200,-$ACAO${TAB}$opt${TAB}$PREFLIGHT_HEADERS" ;;
    vary)
        echo "no-origin${TAB}$n1${TAB}$n2${TAB}200,-$ACAO,+Vary${TAB}$get" ;;
    recipe_preflight)
        echo "preflight${TAB}$n1${TAB}$n2${TAB}204,+$ACAO,+Access-Control-Allow-Methods${TAB}$opt${TAB}$PREFLIGHT_HEADERS" ;;
    recipe|ro_recipe|ro_recipe_info)
        echo "get${TAB}$n1${TAB}$n2${TAB}$ALLOWED_GET${TAB}$get${TAB}Origin: $ORIGIN"
        echo "denied${TAB}$n1${TAB}$n2${TAB}200,-$ACAO,+Vary${TAB}$get${TAB}Origin: $DENIED" ;;
    floor_allowed)
        echo "get${TAB}$n1${TAB}$n2${TAB}$ALLOWED_GET${TAB}$get${TAB}Origin: $ORIGIN"
        echo "preflight${TAB}$n1${TAB}$n2${TAB}$PREFLIGHT_ANSWER${TAB}$opt${TAB}$PREFLIGHT_HEADERS" ;;
    floor_vary)
        echo "no-origin${TAB}$n1${TAB}$n2${TAB}200,-$ACAO,+Vary${TAB}$get"
        echo "denied${TAB}$n1${TAB}$n2${TAB}200,-$ACAO,+Vary${TAB}$get${TAB}Origin: $DENIED" ;;
    ro1|ro1_info)
        # Report-only changes no answer: these are the answers without CORS handling.
        echo "get${TAB}$n1${TAB}$n2${TAB}200,-$ACAO,-Vary${TAB}$get${TAB}Origin: $ORIGIN"
        echo "no-origin${TAB}$n1${TAB}$n2${TAB}200,-$ACAO,-Vary${TAB}$get"
        echo "denied${TAB}$n1${TAB}$n2${TAB}200,-$ACAO,-Vary${TAB}$get${TAB}Origin: $DENIED"
        echo "preflight${TAB}$n1${TAB}$n2${TAB}200,-$ACAO,+Allow${TAB}$opt${TAB}$PREFLIGHT_HEADERS" ;;
    cors*)
        echo "get${TAB}$n1${TAB}$n2${TAB}$ALLOWED_GET${TAB}$get${TAB}Origin: $ORIGIN"
        echo "no-origin${TAB}$n1${TAB}$n2${TAB}200,-$ACAO,+Vary${TAB}$get"
        echo "denied${TAB}$n1${TAB}$n2${TAB}200,-$ACAO,+Vary${TAB}$get${TAB}Origin: $DENIED"
        echo "preflight${TAB}$n1${TAB}$n2${TAB}$PREFLIGHT_ANSWER${TAB}$opt${TAB}$PREFLIGHT_HEADERS" ;;
    *)
        echo "get${TAB}$n1${TAB}$n2${TAB}$ALLOWED_GET${TAB}$get${TAB}Origin: $ORIGIN" ;;
    esac
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
T_BEGIN=$(date +%s)

# ---------------------------------------------------------------------------------------
# 1. Instructions per request.
declare -A IR        # variant/request -> instructions per request
declare -A PROFILE   # variant/request -> "profile-n1 profile-n2 extra"
CG_VARIANTS="base floor_allowed floor_vary recipe recipe10k rewritemap10k recipe_preflight static4 vary
             cors1 cors10k cors100k cors1_nocount ro1 ro1_info ro_recipe ro_recipe_info"
[ "$QUICK" ] && CG_VARIANTS=${CG_VARIANTS/recipe10k rewritemap10k /}
for v in $CG_VARIANTS; do
    n1=10 n2=$((10 + N))
    # 10,000 regular expressions a request: a few requests are enough.
    [ "$v" = recipe10k ] && n1=2 n2=7
    say "callgrind: $(describe "$v") ..."
    start "cg-$v" "$v" callgrind
    plan "$v" $n1 $n2 | perl "$HERE/client.pl" "$PORT" "$SR/cg/cg-$v.out" > "$SR/cg/$v.txt" \
        || die "$v: the requests failed; see $SR/logs/cg-$v-error.log"
    stop "$PID"
    while read -r name ir f1 f2 extra; do
        IR[$v/$name]=$ir
        PROFILE[$v/$name]="$f1 $f2 $extra"
        echo "$v $name $ir" >> "$OUT/callgrind.txt"
    done < "$SR/cg/$v.txt"
done

# Where mod_cors spends them: its functions, and how each function's own instructions
# differ from the same request without mod_cors.
declare -A BASELINE=([get]=get [no-origin]=no-origin [denied]=get [preflight]=options)
for v in cors1 cors100k; do
    for r in get no-origin denied preflight; do
        perl "$HERE/profile.pl" ${PROFILE[$v/$r]} ${PROFILE[base/${BASELINE[$r]}]} \
            > "$OUT/profile-$v-$r.txt"
    done
done
# And how they differ from the floor's, request by request: what deciding costs.
declare -A FLOOR=([get]=floor_allowed/get [no-origin]=floor_vary/no-origin
                  [denied]=floor_vary/denied [preflight]=floor_allowed/preflight)
for v in cors1 cors100k; do
    for r in get no-origin denied preflight; do
        perl "$HERE/profile.pl" ${PROFILE[$v/$r]} ${PROFILE[${FLOOR[$r]}]} \
            > "$OUT/profile-$v-$r-vs-floor.txt"
    done
done
perl "$HERE/profile.pl" ${PROFILE[base/get]} > "$OUT/profile-base-get.txt"
if [ "${BENCH_KEEP:-}" ]; then
    cp "$SR"/cg/cg-cors1.out.* "$OUT/" 2>/dev/null || true
fi

# ---------------------------------------------------------------------------------------
# 2. Start-up time and memory, natively.
declare -A T_CHECK T_LISTEN RSS
median() { perl -e 'my @v = sort { $a <=> $b } @ARGV; my $m = @v / 2;
                    printf "%.3f", @v % 2 ? $v[$m] : ($v[$m - 1] + $v[$m]) / 2' "$@"; }
STARTUP_VARIANTS="base cors1 cors10k cors100k"
[ "$QUICK" ] && STARTUP_VARIANTS=
for v in $STARTUP_VARIANTS; do
    say "start-up and memory: $(describe "$v") ..."
    write_conf "check-$v" "$v" native "$(free_port)"
    times=()
    for i in 1 2 3 4 5; do
        t0=$(date +%s%N)
        "${RUN_AS[@]}" "$APACHE" -t -f "$SR/conf/check-$v.conf" > /dev/null 2>&1 \
            || die "apache2 -t fails for $v"
        times+=("$(( $(date +%s%N) - t0 ))e-9")
    done
    T_CHECK[$v]=$(median "${times[@]}")
    times=()
    for i in 1 2 3; do
        start "mem-$v" "$v" native
        times+=("$STARTUP")
        if [ $i = 1 ]; then
            plan "$v" 2 2 | sed -n 1p | perl "$HERE/client.pl" "$PORT" > /dev/null \
                || die "mem-$v answers wrongly"
            RSS[$v]=$(awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$PID/status")
        fi
        stop "$PID"
    done
    T_LISTEN[$v]=$(median "${times[@]}")
done

# ---------------------------------------------------------------------------------------
# 3. Requests per second: all servers up at once (mpm_event), wrk runs alternating.
declare -A RPS_MEDIAN RATIO RATIO_RANGE RUNS CPU_MEDIAN CPU_RATIO CPU_RANGE
WRK_HEADLINE="base recipe floor_allowed cors1"
WRK_OTHERS="static4 rewritemap10k cors10k cors100k cors1_nocount ro_recipe recipe10k"
WRK_VARIANTS="$WRK_HEADLINE $WRK_OTHERS"
if [ -z "${BENCH_SKIP_WRK:-}" ]; then
    declare -A WPORT WPID
    for v in $WRK_VARIANTS; do
        start "wrk-$v" "$v" event
        WPORT[$v]=$PORT
        WPID[$v]=$PID
        # The answers are right (and the server warm) before it is timed.
        plan "$v" 20 20 | sed -n 1p | perl "$HERE/client.pl" "$PORT" > /dev/null \
            || die "wrk-$v answers wrongly"
    done
    # The CPU time a server's processes have used, in clock ticks: divided by the
    # requests, it depends much less than requests per second on what else runs.
    CLK_TCK=$(getconf CLK_TCK)
    cpu_ticks() {
        local pid ticks=0 t
        for pid in "$1" $(pgrep -P "$1"); do
            t=$(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null) || t=0
            ticks=$((ticks + ${t:-0}))
        done
        echo "$ticks"
    }
    # wrk_run VARIANT SECONDS: sets RPS, requests per second, and CPU, httpd's CPU time
    # per request in microseconds.  Any answer but 2xx stops the run; so do socket errors,
    # but for a few reset connections (about one in a million requests here, with nothing
    # in httpd's error log), which are counted and reported.
    WRK_REQUESTS=0 WRK_RESETS=0
    wrk_run() {
        local out requests resets ticks
        ticks=$(cpu_ticks "${WPID[$1]}")
        out=$(wrk -t2 -c"$WRK_CONNECTIONS" -d"$2"s --timeout 10s -H "Origin: $ORIGIN" \
              "http://127.0.0.1:${WPORT[$1]}/file.txt") || die "wrk against $1 failed"
        requests=$(awk '/ requests in / { print $1 }' <<< "$out")
        resets=$(sed -n 's/.*Socket errors: connect 0, read \([0-9]*\), write 0, timeout 0$/\1/p' <<< "$out")
        if grep -q 'Non-2xx' <<< "$out" \
           || { grep -q 'Socket errors' <<< "$out" && [ -z "$resets" ]; } \
           || [ "${resets:-0}" -gt $((requests / 1000)) ]; then
            die "wrk against $1: $(grep 'requests in\|Non-2xx\|Socket errors' <<< "$out")"
        fi
        ticks=$(( $(cpu_ticks "${WPID[$1]}") - ticks ))
        CPU=$(perl -e 'printf "%.2f", $ARGV[0] * 1e6 / $ARGV[1] / $ARGV[2]' \
              "$ticks" "$CLK_TCK" "$requests")
        WRK_REQUESTS=$((WRK_REQUESTS + requests))
        WRK_RESETS=$((WRK_RESETS + ${resets:-0}))
        RPS=$(awk '/^Requests\/sec:/ { print $2 }' <<< "$out")
        [ "$RPS" ] || die "wrk against $1: no Requests/sec in its output"
    }
    for v in $WRK_VARIANTS; do
        wrk_run "$v" 1
    done
    : > "$OUT/wrk.txt"
    for ((round = 0; round < WRK_ROUNDS; round++)); do
        say "wrk: round $((round + 1)) of $WRK_ROUNDS ..."
        variants=($WRK_HEADLINE)
        [ $((round % 4)) = 0 ] && variants+=($WRK_OTHERS)
        for ((i = 0; i < ${#variants[@]}; i++)); do
            v=${variants[(i + round) % ${#variants[@]}]}
            wrk_run "$v" "$WRK_SECONDS"
            echo "$round $v $RPS $CPU" >> "$OUT/wrk.txt"
        done
    done
    for v in $WRK_VARIANTS; do
        stop "${WPID[$v]}"
    done
    # Per round, each variant's rate over the baseline's and over the recipe's (and
    # mod_cors's over the floor's): the median of these ratios, and their range; the same
    # for CPU time per request.
    while read -r key median ratio lo hi runs cpu cratio clo chi; do
        RPS_MEDIAN[$key]=$median
        RUNS[$key]=$runs
        RATIO[$key]=$ratio
        RATIO_RANGE[$key]="$lo–$hi"
        CPU_MEDIAN[$key]=$cpu
        CPU_RATIO[$key]=$cratio
        CPU_RANGE[$key]="$clo–$chi"
    done < <(perl -e '
        my (%r, %c);
        while (<>) {
            my ($round, $v, $rps, $cpu) = split;
            $r{$v}[$round] = $rps;
            $c{$v}[$round] = $cpu;
        }
        sub med { my @v = sort { $a <=> $b } @_; my $m = @v / 2;
                  @v % 2 ? $v[$m] : ($v[$m - 1] + $v[$m]) / 2 }
        sub ratios { my ($t, $x, $y) = @_;
                     my @q = map { $t->{$x}[$_] / $t->{$y}[$_] }
                             grep { $t->{$x}[$_] && $t->{$y}[$_] } 0 .. $#{$t->{$y}};
                     my @s = sort { $a <=> $b } @q;
                     sprintf "%.3f %.3f %.3f", med(@q), $s[0], $s[-1] }
        for my $v (sort keys %r) {
            printf "%s %.0f %s %d %.2f %s\n", $v, med(grep { $_ } @{$r{$v}}),
                ratios(\%r, $v, "base"), scalar(grep { $_ } @{$r{$v}}),
                med(grep { $_ } @{$c{$v}}), ratios(\%c, $v, "base");
        }
        for my $v (sort keys %r) {
            printf "%s/recipe 0 %s 0 0 %s\n", $v, ratios(\%r, $v, "recipe"),
                ratios(\%c, $v, "recipe") unless $v eq "recipe";
        }
        printf "cors1/floor_allowed 0 %s 0 0 %s\n", ratios(\%r, "cors1", "floor_allowed"),
            ratios(\%c, "cors1", "floor_allowed");
        printf "cors1/cors1_nocount 0 %s 0 0 %s\n", ratios(\%r, "cors1", "cors1_nocount"),
            ratios(\%c, "cors1", "cors1_nocount");
    ' "$OUT/wrk.txt")
fi

# ---------------------------------------------------------------------------------------
# The tables.
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
MINUTES=$(( ($(date +%s) - T_BEGIN + 30) / 60 ))
signed() { if [ "$1" -ge 0 ]; then echo "+$(num "$1")"; else echo "-$(num $((-$1)))"; fi; }
verdict() { if [ "$1" = 1 ]; then echo PASS; else echo MISS; fi; }

PASSED=0 MISSED=0
count() { if [ "$1" = PASS ]; then PASSED=$((PASSED + 1)); else MISSED=$((MISSED + 1)); fi; }

table_instructions() {
    local base_get=${IR[base/get]} base_no=${IR[base/no-origin]} base_opt=${IR[base/options]}
    local v r ir delta target result
    echo "| configuration | request | instructions | vs no CORS | target | |"
    echo "|---|---|---:|---:|---|---|"
    echo "| no CORS handling | GET with Origin | $(num "$base_get") | | | |"
    echo "| no CORS handling | GET without Origin | $(num "$base_no") | | | |"
    echo "| no CORS handling | OPTIONS (a preflight's headers, handled as a plain OPTIONS) | $(num "$base_opt") | | | |"
    for v in recipe recipe10k rewritemap10k static4; do
        [ "${IR[$v/get]:-}" ] || continue    # BENCH_QUICK leaves some out
        ir=${IR[$v/get]}
        echo "| $(describe $v) | allowed GET | $(num "$ir") | $(signed $((ir - base_get))) | | |"
    done
    ir=${IR[vary/no-origin]}
    echo "| $(describe vary) | GET without Origin | $(num "$ir") | $(signed $((ir - base_no))) vs no Origin | | |"
    ir=${IR[recipe_preflight/preflight]}
    echo "| $(describe recipe_preflight) | preflight | $(num "$ir") | $(signed $((ir - base_opt))) vs OPTIONS | | |"
    for v in cors1 cors10k cors100k; do
        for r in get no-origin denied preflight; do
            ir=${IR[$v/$r]}
            case $r in
            get)
                delta=$((ir - base_get)) target="≤ +3,000"
                result=$(verdict $((delta <= 3000)))
                label="allowed credentialed GET, 1 exposed header" ;;
            no-origin)
                delta=$((ir - base_no)) target="≤ +1,000"
                result=$(verdict $((delta <= 1000)))
                label="GET without Origin" ;;
            denied)
                delta=$((ir - base_get)) target="≤ +1,000"
                result=$(verdict $((delta <= 1000)))
                label="GET from a denied origin" ;;
            preflight)
                delta=$((ir - base_opt)) target="< plain OPTIONS"
                result=$(verdict $((delta < 0)))
                label="allowed preflight" ;;
            esac
            count "$result"
            local vs
            vs=$(signed $delta)
            [ $r = preflight ] && vs="$vs vs OPTIONS"
            [ $r = no-origin ] && vs="$vs vs no Origin"
            echo "| $(describe $v) | $label | $(num "$ir") | $vs | $target | $result |"
        done
    done
}

# mod_cors against the floor: the same request to a server whose only CORS work is
# writing mod_cors's headers (bench/mod_cors_floor.c).
table_floor() {
    local r label floor v ir delta all cells target result
    echo "| request | the floor | mod_cors, 1 origin | over the floor | 10,000 origins | over the floor | 100,000 origins | over the floor | target | |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---|---|"
    for r in get denied no-origin preflight; do
        case $r in
        get) label="allowed credentialed GET, 1 exposed header" ;;
        denied) label="GET from a denied origin" ;;
        no-origin) label="GET without Origin" ;;
        preflight) label="allowed preflight" ;;
        esac
        floor=${IR[${FLOOR[$r]}]}
        cells="" all=1
        for v in cors1 cors10k cors100k; do
            ir=${IR[$v/$r]}
            delta=$((ir - floor))
            [ $delta -le 500 ] || all=0
            cells="$cells | $(num "$ir") | $(signed $delta)"
        done
        target="≤ +500 at each"
        result=$(verdict $all)
        count "$result"
        echo "| $label | $(num "$floor")$cells | $target | $result |"
    done
    local opt=${IR[base/options]}
    echo "| for scale: a plain OPTIONS, no CORS handling (200, Allow) | $(num "$opt") | | $(signed $((${IR[cors1/preflight]} - opt))) the preflight over it | | $(signed $((${IR[cors10k/preflight]} - opt))) | | $(signed $((${IR[cors100k/preflight]} - opt))) | preflight < plain OPTIONS | |"
}

# The counters and report-only: each configuration against the same one without them.
table_extras() {
    local row v r against ar ir air label
    echo "| configuration | request | instructions | compared with | its instructions | difference |"
    echo "|---|---|---:|---|---:|---:|"
    # variant  request  compared-variant  its-request
    while read -r v r against ar; do
        [ "${IR[$v/$r]:-}" ] && [ "${IR[$against/$ar]:-}" ] || continue
        ir=${IR[$v/$r]} air=${IR[$against/$ar]}
        case $r in
        get) label="allowed GET" ;;
        denied) label="GET from a denied origin" ;;
        no-origin) label="GET without Origin" ;;
        preflight) label="preflight" ;;
        esac
        echo "| $(describe "$v") | $label | $(num "$ir") | $(describe "$against") | $(num "$air") | $(signed $((ir - air))) |"
    done <<'EOF'
cors1 get cors1_nocount get
cors1 denied cors1_nocount denied
cors1 no-origin cors1_nocount no-origin
cors1 preflight cors1_nocount preflight
ro1 get base get
ro1 denied base get
ro1 no-origin base no-origin
ro1 preflight base options
ro1 get cors1 get
ro1 denied cors1 denied
ro1 no-origin cors1 no-origin
ro1 preflight cors1 preflight
ro1_info get ro1 get
ro1_info denied ro1 denied
ro1_info no-origin ro1 no-origin
ro1_info preflight ro1 preflight
ro_recipe get recipe get
ro_recipe denied recipe denied
ro_recipe_info get ro_recipe get
ro_recipe_info denied ro_recipe denied
EOF
}

table_wrk() {
    local v
    echo "| configuration (GET with Origin, allowed where CORS is on) | runs | median req/s | req/s over no CORS: median (range) | req/s over the recipe: median (range) | httpd CPU µs per request | CPU over no CORS: median (range) | CPU over the recipe: median (range) | target | |"
    echo "|---|---:|---:|---|---|---:|---|---|---|---|"
    for v in $WRK_VARIANTS; do
        local target="" result="" over=""
        [ "$v" != recipe ] && over="${RATIO[$v/recipe]} (${RATIO_RANGE[$v/recipe]})"
        local cover=""
        [ "$v" != recipe ] && cover="${CPU_RATIO[$v/recipe]} (${CPU_RANGE[$v/recipe]})"
        if [ "$v" = cors1 ]; then
            target="req/s ≥ the 1-origin recipe's; over the floor: req/s ${RATIO[cors1/floor_allowed]} (${RATIO_RANGE[cors1/floor_allowed]}), CPU per request ${CPU_RATIO[cors1/floor_allowed]} (${CPU_RANGE[cors1/floor_allowed]}); over counting switched off (rounds with both): req/s ${RATIO[cors1/cors1_nocount]} (${RATIO_RANGE[cors1/cors1_nocount]}), CPU per request ${CPU_RATIO[cors1/cors1_nocount]} (${CPU_RANGE[cors1/cors1_nocount]})"
            result=$(verdict "$(perl -e 'print $ARGV[0] >= 1 ? 1 : 0' "${RATIO[cors1/recipe]}")")
            count "$result"
        fi
        echo "| $(describe $v) | ${RUNS[$v]} | $(num "${RPS_MEDIAN[$v]}") | ${RATIO[$v]} (${RATIO_RANGE[$v]}) | $over | ${CPU_MEDIAN[$v]} | ${CPU_RATIO[$v]} (${CPU_RANGE[$v]}) | $cover | $target | $result |"
    done
}

table_startup() {
    local v listen_ok rss_ok
    echo "| configuration | apache2 -t | start to listening | RSS of the process | target | |"
    echo "|---|---:|---:|---:|---|---|"
    for v in base cors1 cors10k cors100k; do
        local target="" result=""
        if [ "$v" = cors100k ]; then
            local more
            more=$(perl -e 'printf "%.1f", $ARGV[0] - $ARGV[1]' "${RSS[cors100k]}" "${RSS[cors1]}")
            target="start < 1 s, RSS < +30 MB over 1 origin (+$more MB)"
            result=$(verdict "$(perl -e 'print $ARGV[0] < 1 && $ARGV[1] < 1 && $ARGV[2] < 30 ? 1 : 0' \
                     "${T_CHECK[cors100k]}" "${T_LISTEN[cors100k]}" "$more")")
            count "$result"
        fi
        echo "| $(describe $v) | ${T_CHECK[$v]} s | ${T_LISTEN[$v]} s | ${RSS[$v]} MB | $target | $result |"
    done
}

profile_summary() {    # profile_summary FILE: mod_cors's functions, the 15 largest differences
    awk '/^self instructions/ { diff = 1; print; next }
         diff && ++n > 15 { next }
         { print }' "$1"
}

CPU=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
NCPU=$(grep -c '^processor' /proc/cpuinfo)
HTTPD=$("$APACHE" -v | sed -n 's/^Server version: //p')
COMMIT=$(git -C "$HERE" rev-parse --short HEAD 2>/dev/null || echo unknown)
CHANGED=$(git -C "$HERE/.." log -1 --format=%h -- mod_cors.c 2>/dev/null || true)
[ "$CHANGED" ] && COMMIT="$COMMIT (mod_cors.c as of its commit $CHANGED)"
git -C "$HERE/.." diff --quiet HEAD -- mod_cors.c 2>/dev/null || COMMIT="$COMMIT + local changes to mod_cors.c"

report() {
    cat <<EOF
# mod_cors benchmark results

The latest run of \`make -f Makefile.apxs bench\` (\`bench/run.sh\`); \`bench/README.md\`
says what is measured and how.

- Date: $(date -u '+%Y-%m-%d %H:%M UTC'); the run took $MINUTES min${QUICK:+ (a quick run, BENCH_QUICK: no wrk, no start-up, no 10,000-line recipes)}
- CPU: $CPU, $NCPU cores seen (/proc/cpuinfo)
- httpd: $HTTPD; $(valgrind --version); wrk $(wrk -v 2>&1 | awk 'NR == 1 { print $2 }')
- mod_cors: commit $COMMIT
- Load average (1, 5, 15 min) before: $LOAD_BEFORE, after: $LOAD_AFTER

## Instructions per request (callgrind, \`apache2 -X\`, mpm_prefork)

Keep-alive requests for a 1 KiB static file, $N requests counted per row after a warm-up.
Callgrind counts instructions, not time: they do not depend on the machine's load and
repeat to within a few dozen instructions.

$(cat "$SR/table-instructions.md")

## Over the floor (callgrind, as above)

The floor is \`bench/mod_cors_floor.c\`: a module that writes the headers mod_cors sends
for each request, constant values with no decision (\`fixups\` for a GET; an \`OPTIONS\`
answered in \`header_parser\` with \`DONE\` and 204), measured on the same request.
"Over the floor" is what mod_cors spends on deciding, and on doing it its way.

$(cat "$SR/table-floor.md")

## The counters and report-only (callgrind, as above)

The counters cannot be switched off: "counting switched off" is mod_cors.c built by
run.sh with the increment in \`cors_count\` behind \`0 &&\`, all else the same.
Report-only changes no answer, so its requests are compared with the server without
CORS handling as well as with mod_cors enforcing.  At \`LogLevel cors:info\` a denied
origin gets its info line (\`CORS denied:origin ...\`) and, without a recipe, an allowed GET
and the preflight one report-only line each: log lines written on every request.
Beside the recipe, whose headers match, the differences are computed and none is logged.

$(cat "$SR/table-extras.md")

EOF
    if [ -z "${BENCH_SKIP_WRK:-}" ]; then
        cat <<EOF
## Requests per second (wrk, mpm_event)

One \`wrk -t2 -c$WRK_CONNECTIONS -d${WRK_SECONDS}s\` run per configuration and round, in
rotating order: $WRK_ROUNDS rounds of the first four, every fourth round the others too.
Each ratio is taken within a round; the median and the range (lowest–highest) over the
rounds are shown.  The CPU time httpd's processes used during a run (utime + stime from
/proc), divided by the requests wrk completed, depends much less on the other jobs than
the rate does.  wrk and httpd share the machine's $NCPU cores, and other jobs ran at
the same time (load average above): these numbers are noisy, the instruction counts are
the ones to trust.  $(num $WRK_RESETS) of $(num $WRK_REQUESTS) requests
met a reset connection (wrk's read errors).

$(cat "$SR/table-wrk.md")

EOF
    fi
    if [ -z "$QUICK" ]; then
        cat <<EOF
## Start-up and memory (natively, \`apache2 -X\`, mpm_prefork)

Medians of 5 \`apache2 -t\` runs and of 3 starts (from the start of \`apache2 -X\` until it
listens; httpd reads its configuration twice); RSS of the process after two requests.

$(cat "$SR/table-startup.md")

EOF
    fi
    cat <<EOF
## Where mod_cors spends its instructions

Allowed credentialed GET with one exposed header, 1 origin: the functions of mod_cors.so,
instructions per request, inclusive and self; then the functions whose own instructions per
request grew or shrank most against the same request without mod_cors (the sum is the
difference in the table).  After a run, \`bench/out/profile-*.txt\` has the same for every
request.

\`\`\`
$(profile_summary "$OUT/profile-cors1-get.txt")
\`\`\`

### Against the floor

The same for each request, 1 origin, against the floor's same request: the functions whose
own instructions differ most from the floor's (the sum is "over the floor" above).
\`bench/out/profile-cors100k-*-vs-floor.txt\` has them for 100,000 origins.

EOF
    local r
    for r in get denied no-origin preflight; do
        printf '%s\n\n```\n' "$r:"
        profile_summary "$OUT/profile-cors1-$r-vs-floor.txt"
        printf '```\n\n'
    done
    echo "Targets: $PASSED met, $MISSED missed."
}

# Tables first, in this shell: they count the targets.
table_instructions > "$SR/table-instructions.md"
table_floor > "$SR/table-floor.md"
table_extras > "$SR/table-extras.md"
[ -z "${BENCH_SKIP_WRK:-}" ] && table_wrk > "$SR/table-wrk.md"
[ -z "$QUICK" ] && table_startup > "$SR/table-startup.md"
report > "$OUT/RESULTS.md"
cat "$OUT/RESULTS.md"
if [ "$QUICK" ]; then
    say "a quick run (BENCH_QUICK): wrote $OUT/RESULTS.md, not $HERE/RESULTS.md"
else
    cp "$OUT/RESULTS.md" "$HERE/RESULTS.md"
    say "wrote $HERE/RESULTS.md; profiles and raw numbers in $OUT/"
fi
