# Shell functions and settings shared by bench/run.sh, bench/live.sh and bench/soak/live.sh
# (sourced, not run): httpd and its module directory from apxs, the user the servers run as,
# lists of origins, free ports, and servers started in a temporary ServerRoot and stopped.
# The sourcing script sets BENCH_NAME, which begins its messages and its ServerRoot's name.

APXS=${APXS:-apxs}
APACHE=${APACHE:-$("$APXS" -q SBINDIR)/$("$APXS" -q TARGET)}
MODDIR=$("$APXS" -q LIBEXECDIR)

die() { echo "$BENCH_NAME: $*" >&2; exit 1; }
say() { echo "$BENCH_NAME: $*" >&2; }

# need_tools HINT TOOL...: stops the run at the first tool missing, with HINT.
need_tools() {
    local hint=$1 tool
    shift
    for tool in "$@"; do
        command -v "$tool" >/dev/null || die "$tool is missing${hint:+ ($hint)}"
    done
}

# httpd refuses to serve as root, and callgrind, started as root, cannot write its profiles
# once httpd has switched users: as root, the servers run as an unprivileged user.
RUN_AS=()
if [ "$(id -u)" = 0 ]; then
    BENCH_USER=${BENCH_USER:-www-data}
    id "$BENCH_USER" >/dev/null 2>&1 || die "no user $BENCH_USER: set BENCH_USER"
    RUN_AS=(setpriv --reuid="$BENCH_USER" --regid="$(id -g "$BENCH_USER")" --clear-groups)
fi

# new_server_root: prints a new empty ServerRoot, /tmp/mod_cors-$BENCH_NAME.XXXXXX, that the
# servers' user can read.
new_server_root() {
    local sr
    sr=$(mktemp -d "/tmp/mod_cors-$BENCH_NAME.XXXXXX")
    chmod 755 "$sr"
    echo "$sr"
}

# origins N WIDTH: N exact origins https://site000001.example.com ... (WIDTH digits), the one
# the requests come from, https://app.example.com, in the middle.
origins() {
    perl -e 'my ($n, $width) = @ARGV; my $mid = int(($n + 1) / 2);
             printf "%s\n", $_ == $mid ? "https://app.example.com"
                                       : sprintf("https://site%0${width}d.example.com", $_)
                 for 1 .. $n;' "$1" "$2"
}

# Prints a TCP port that is free on 127.0.0.1 now.
free_port() {
    perl -MIO::Socket::INET -e 'print IO::Socket::INET->new(LocalAddr => "127.0.0.1",
        LocalPort => 0, Listen => 1, ReuseAddr => 1)->sockport'
}

# num N: N with a comma every three digits, as the tables write numbers.
num() { perl -e '$_ = shift; 1 while s/^(\d+)(\d{3})/$1,$2/; print' "$1"; }

# The mod_cors directives of every measured configuration but its origin rules
# (bench/README.md: credentials, one exposed header).
CORS_COMMON='CORSAllowCredentials On
CORSExposeHeaders X-Request-Id
CORSAllowMethods GET POST PUT DELETE
CORSAllowHeaders Content-Type
CORSMaxAge 600'

# server_conf NAME MPM PORT MODULE...: the part of a configuration every server shares, in
# $SR: the MPM and the modules named, loaded from httpd's module directory, a static 1 KiB
# file to serve (htdocs/file.txt), keep-alive without a limit on requests, LogLevel warn.
server_conf() {
    local name=$1 mpm=$2 port=$3 m
    shift 3
    echo "ServerRoot \"$SR\""
    echo "LoadModule mpm_${mpm}_module $MODDIR/mod_mpm_${mpm}.so"
    for m in "$@"; do
        echo "LoadModule ${m}_module $MODDIR/mod_$m.so"
    done
    cat <<EOF
Listen 127.0.0.1:$port
ServerName 127.0.0.1
PidFile run/$name.pid
DefaultRuntimeDir run
ErrorLog logs/$name-error.log
LogLevel warn
TypesConfig /dev/null
AddType text/plain .txt
DocumentRoot "$SR/htdocs"
<Directory "$SR/htdocs">
    Require all granted
</Directory>
KeepAlive On
MaxKeepAliveRequests 0
EOF
}

# listening PID PORT: whether process PID listens on 127.0.0.1:PORT, found in /proc/net/tcp:
# a probe connection would leave a callgrind profile of its own.
listening() {
    local pid=$1 port inode
    port=$(printf '%04X' "$2")
    for inode in $(awk -v p=":$port" '$2 ~ p"$" && $4 == "0A" { print $10 }' /proc/net/tcp); do
        ls -l "/proc/$pid/fd" 2>/dev/null | grep -q "socket:\[$inode\]" && return 0
    done
    return 1
}

# The servers start() started and stop() has not stopped; bench_cleanup, the EXIT trap,
# stops them and removes $SR unless BENCH_KEEP is set.
SERVERS=()

# start NAME VARIANT MODE: writes $SR/conf/NAME.conf with the script's
# write_conf NAME VARIANT MODE PORT and starts httpd on it.  MODE callgrind: apache2 -X
# under callgrind, profiles in $SR/cg/NAME.out.*; native: apache2 -X; prefork or event: that
# MPM in the foreground.  Sets PID, PORT and STARTUP (seconds from the start to listening).
# A few tries, in case another program takes the port.
start() {
    local name=$1 variant=$2 mode=$3 try t0 i
    local cmd
    for try in 1 2 3; do
        PORT=$(free_port)
        write_conf "$name" "$variant" "$mode" "$PORT"
        case $mode in
        callgrind)
            rm -f "$SR/cg/$name.out"*
            cmd=(valgrind --tool=callgrind --collect-atstart=no
                 --toggle-collect=ap_process_connection --dump-after=ap_process_connection
                 --callgrind-out-file="$SR/cg/$name.out" "$APACHE" -X) ;;
        native) cmd=("$APACHE" -X) ;;
        prefork|event) cmd=("$APACHE" -DFOREGROUND) ;;
        esac
        t0=$(date +%s%N)
        "${RUN_AS[@]}" "${cmd[@]}" -f "$SR/conf/$name.conf" > "$SR/logs/$name.out" 2>&1 &
        PID=$!
        SERVERS+=("$PID")
        for ((i = 0; i < 60000; i++)); do
            if listening "$PID" "$PORT"; then
                STARTUP=$(( ($(date +%s%N) - t0) / 1000000 ))
                STARTUP=$(printf '%d.%03d' $((STARTUP / 1000)) $((STARTUP % 1000)))
                return 0
            fi
            kill -0 "$PID" 2>/dev/null || break
            sleep 0.005
        done
        stop "$PID"
        say "$name did not start (try $try):"
        tail -3 "$SR/logs/$name-error.log" "$SR/logs/$name.out" >&2 2>/dev/null || true
    done
    die "cannot start $name; see $SR/conf/$name.conf"
}

# stop PID: a server start() started.
stop() {
    local pid rest=()
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
    for pid in "${SERVERS[@]}"; do
        [ "$pid" = "$1" ] || rest+=("$pid")
    done
    SERVERS=("${rest[@]}")
}

bench_cleanup() {
    local pid
    for pid in "${SERVERS[@]}"; do
        kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
    done
    if [ "${BENCH_KEEP:-}" ]; then
        say "kept $SR"
    else
        rm -rf "$SR"
    fi
}
