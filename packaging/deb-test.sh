#!/bin/bash
# mod_cors at home on this Debian machine: the package, then "make install".
#
#   make -f Makefile.apxs deb-test          (or packaging/deb-test.sh, as root)
#
# 1. Builds libapache2-mod-cors (packaging/build-deb.sh, in a temporary copy
#    of the tree), installs it with "apt-get install ./...deb" and enables it
#    with "a2enmod cors".  Serves conf-examples/json-api-credentials.conf from
#    the system apache2, started with "apache2ctl start" on 127.0.0.1 only,
#    and checks an allowed preflight, an allowed GET and a denied GET to the
#    exact header, "apache2ctl -M" and mod_info's /server-info?mod_cors.c
#    page (every directive with its description).  Stops apache2, removes and
#    purges the package.
# 2. The same with "make -f Makefile.apxs install" (without libtool's
#    "dlname not found" warning, with a restart hint that fits this machine)
#    and "a2enmod cors", then "make -f Makefile.apxs uninstall": it disables
#    mod_cors and removes what install put in place but an edited cors.conf,
#    which "uninstall FORCE=1" removes.  (While the package is installed,
#    make uninstall must refuse to touch its files.)
#
# It changes the machine's own apache2 for the time of the test: ports.conf
# (Listen 127.0.0.1:PORT instead of Listen 80), a site, mod_info.  Everything
# is put back, on failure and Ctrl-C too, and the last check compares every
# file under /etc/apache2, /var/lib/apache2 (a2enmod's state) and
# /usr/lib/apache2/modules with what was there before.  It refuses to run
# while the system apache2 runs or while mod_cors is installed already.
# One PASS or FAIL line a check; the last line is "N passed, M failed"; the
# exit status is non-zero when a check failed.
set -uo pipefail

if [ "$(id -u)" != 0 ]; then
    exec sudo "$0" "$@"
fi

top=$(cd "$(dirname "$0")/.." && pwd)
site=mod-cors-deb-test
origin=https://app.example.com
moddir=/usr/lib/apache2/modules
avail=/etc/apache2/mods-available
enabled=/etc/apache2/mods-enabled
directives="CORSAllowOrigin CORSAllowOriginRegex CORSAllowOriginFile CORSAllowMethods
CORSAllowHeaders CORSExposeHeaders CORSAllowCredentials CORSMaxAge CORSPreflightStatus
CORSPreflightPassthrough CORSAllowPrivateNetwork CORSRejectDisallowed
CORSReplaceBackendHeaders CORSEnable CORSCheckWebSocketOrigin CORSReportOnly
CORSTimingAllowOrigin"
ndirectives=$(printf '%s\n' $directives | wc -l)
apt_get() {
    DEBIAN_FRONTEND=noninteractive apt-get -y -q -o DPkg::Lock::Timeout=300 "$@"
}

. "$(dirname "$0")/checks.sh"
# run DESCRIPTION COMMAND...: PASS when the command succeeds, else FAIL
# with the last lines of its output.
run() {
    local desc=$1 out
    shift
    if out=$("$@" 2>&1); then
        pass "$desc"
    else
        fail "$desc (exit status $?): $*"
        printf '%s\n' "$out" | tail -n 25 | sed 's/^/      | /'
        return 1
    fi
}
# make_to FILE ARGUMENTS...: make -f Makefile.apxs ARGUMENTS in the tree, its
# output both shown (to run, which keeps it for a failure) and kept in FILE.
make_to() {
    local file=$1
    shift
    make -C "$top" --no-print-directory -f Makefile.apxs "$@" 2>&1 | tee "$file"
    return "${PIPESTATUS[0]}"
}

# The values of every field NAME in the response header block FILE (written
# by curl -D), one a line, in the order received.
fields() {
    tr -d '\r' <"$1" | awk -v name="$(printf '%s' "$2" | tr 'A-Z' 'a-z'):" '
        index(tolower($0), name) == 1 {
            v = substr($0, length(name) + 1)
            sub(/^[ \t]+/, "", v); sub(/[ \t]+$/, "", v)
            print v
        }'
}
# The tokens of every Vary field, one a line.
vary_tokens() {
    fields "$1" Vary | tr ',' '\n' | sed 's/^[ \t]*//; s/[ \t]*$//' | grep .
}

# ---------------------------------------------------------------------------
# Before anything: is this machine fit, and is it ours for a while?

set +u; . /etc/apache2/envvars 2>/dev/null; set -u   # envvars reads unset variables
pidfile=${APACHE_PID_FILE:-/var/run/apache2/apache2.pid}
apache_pid() {
    local pid
    pid=$(cat "$pidfile" 2>/dev/null) && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}


for cmd in apache2ctl a2enmod apt-get dpkg-buildpackage curl ss flock; do
    command -v "$cmd" >/dev/null || { fail "$cmd is installed (make -f Makefile.apxs deps)"; summary; }
done
[ -d "$avail" ] || { fail "a Debian apache2 layout: $avail exists"; summary; }

# Two deb-tests at once would take each other's apache2 and package away.
exec 9>/run/lock/mod_cors-deb-test.lock
if ! flock -w 600 9; then
    fail "no other deb-test ran for 10 minutes (lock /run/lock/mod_cors-deb-test.lock)"
    summary
fi

if pid=$(apache_pid); then
    fail "the system apache2 is not running: it is (pid $pid); deb-test starts and stops it, stop it first (apache2ctl stop)"
    summary
fi
leftovers=$(ls -d $moddir/mod_cors.so $avail/cors.load $avail/cors.conf $enabled/cors.load \
                   $enabled/cors.conf 2>/dev/null; dpkg -s libapache2-mod-cors 2>/dev/null | grep '^Status:')
if [ -n "$leftovers" ]; then
    fail "mod_cors is not installed on this machine yet: deb-test would replace and remove it" \
         "$leftovers" \
         "remove it first: a2dismod -p cors; apt-get purge libapache2-mod-cors; rm -f $moddir/mod_cors.so $avail/cors.load $avail/cors.conf"
    summary
fi

state() {
    (cd / && find etc/apache2 var/lib/apache2 usr/lib/apache2/modules -printf '%y %m %u:%g %p %l\n' | sort &&
     find etc/apache2 var/lib/apache2 -type f -print0 | sort -z | xargs -0 md5sum)
}
before=$(state)
# a2enmod and a2dismod keep their state in marker files under /var/lib/apache2,
# in directories they create when needed.
state_dirs_before=$(find /var/lib/apache2 -type d | sort)

tmp=$(mktemp -d /tmp/mod_cors-deb-test.XXXXXX)
chmod 755 "$tmp"        # www-data serves $tmp/htdocs; apt's _apt user reads the .deb
port=
for p in $(seq 9580 9699); do
    if [ -z "$(ss -Hltn "sport = :$p")" ]; then port=$p; break; fi
done
[ -n "$port" ] || { fail "a free port in 9580-9699 on 127.0.0.1"; rm -rf "$tmp"; summary; }
base=http://127.0.0.1:$port

# ---------------------------------------------------------------------------
# Setting the system apache2 up and putting it back.  Each undo step is
# harmless when its step did not happen, so that cleanup can run them all.

info_was_enabled=$( [ -e $enabled/info.load ] && echo yes)
started=

configure_server() {
    cp -p /etc/apache2/ports.conf "$tmp/ports.conf.orig" || return 1
    printf '# deb-test of mod_cors (packaging/deb-test.sh): 127.0.0.1 only.\nListen 127.0.0.1:%s\n' \
        "$port" >/etc/apache2/ports.conf
    mkdir -p "$tmp/htdocs/api"
    printf '{"items": []}\n' >"$tmp/htdocs/api/items.json"
    cat >/etc/apache2/sites-available/$site.conf <<EOF
# deb-test of mod_cors (packaging/deb-test.sh); removed when it ends.
<VirtualHost 127.0.0.1:$port>
    ServerName 127.0.0.1
    DocumentRoot $tmp/htdocs
    <Directory $tmp/htdocs>
        Require all granted
    </Directory>
    Include $top/conf-examples/json-api-credentials.conf
</VirtualHost>
EOF
    a2ensite -q $site >/dev/null || return 1
    [ -n "$info_was_enabled" ] || a2enmod -q info >/dev/null
}

unconfigure_server() {
    a2dissite -q -p $site >/dev/null 2>&1
    rm -f /etc/apache2/sites-available/$site.conf
    [ -n "$info_was_enabled" ] || a2dismod -q -p info >/dev/null 2>&1
    if [ -f "$tmp/ports.conf.orig" ]; then
        cp -p "$tmp/ports.conf.orig" /etc/apache2/ports.conf && rm -f "$tmp/ports.conf.orig"
    fi
}

stop_apache() {
    local pid i
    pid=$(apache_pid) || return 0
    apache2ctl stop >/dev/null 2>&1
    for i in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    return 1
}

undo_make_install() {
    a2dismod -q -p cors >/dev/null 2>&1
    rm -f $moddir/mod_cors.so $avail/cors.load $avail/cors.conf
}

cleanup() {
    [ -z "$started" ] || stop_apache
    unconfigure_server
    if dpkg -s libapache2-mod-cors >/dev/null 2>&1; then
        apt_get purge libapache2-mod-cors >/dev/null 2>&1
    fi
    undo_make_install
    find /var/lib/apache2 -depth -type d -empty | sort |
        comm -13 <(printf '%s\n' "$state_dirs_before") - | xargs -r rmdir
    rm -rf "$tmp"
}
trap 'fail "deb-test ran to its end (interrupted; the machine is put back)"; cleanup; summary' INT TERM HUP

# ---------------------------------------------------------------------------
# What a server with mod_cors enabled must answer (LABEL names the install).

check_server() {
    local label=$1 pid out code i

    run "$label: apache2ctl configtest" apache2ctl configtest || return 1
    run "$label: apache2ctl start" apache2ctl start || return 1
    started=yes
    for i in $(seq 1 50); do
        curl -s -o /dev/null --max-time 2 "$base/" && break
        sleep 0.2
    done
    pid=$(apache_pid)
    expect "$label: apache2 (pid ${pid:-none}) listens on 127.0.0.1:$port only" \
        "$(ss -Hltnp | grep "pid=${pid:-none}," | awk '{print $4}' | sort -u | tr '\n' ' ')" \
        "127.0.0.1:$port "

    out=$(apache2ctl -M 2>/dev/null)
    if printf '%s\n' "$out" | grep -qx ' cors_module (shared)'; then
        pass "$label: apache2ctl -M lists cors_module (shared)"
    else
        fail "$label: apache2ctl -M lists cors_module (shared)" "$(printf '%s\n' "$out" | grep -i cors || echo 'no cors line')"
    fi

    # An allowed preflight, answered before any handler.
    code=$(curl -sS --max-time 10 -o "$tmp/body" -D "$tmp/head" -w '%{http_code}' -X OPTIONS \
                -H "Origin: $origin" -H 'Access-Control-Request-Method: PUT' \
                -H 'Access-Control-Request-Headers: content-type' "$base/api/items.json")
    expect "$label: an allowed preflight is answered 204" "$code" 204
    expect "$label: preflight: Access-Control-Allow-Origin" "$(fields "$tmp/head" Access-Control-Allow-Origin)" "$origin"
    expect "$label: preflight: Access-Control-Allow-Credentials" "$(fields "$tmp/head" Access-Control-Allow-Credentials)" true
    expect "$label: preflight: Access-Control-Allow-Methods" "$(fields "$tmp/head" Access-Control-Allow-Methods)" "GET, POST, PUT, DELETE"
    expect "$label: preflight: Access-Control-Allow-Headers" "$(fields "$tmp/head" Access-Control-Allow-Headers)" Content-Type
    expect "$label: preflight: Access-Control-Max-Age" "$(fields "$tmp/head" Access-Control-Max-Age)" 600
    expect "$label: preflight: no Access-Control-Expose-Headers" "$(fields "$tmp/head" Access-Control-Expose-Headers)" ""
    # httpd's header filter rewrites Vary as one comma-separated field without spaces.
    expect "$label: preflight: Vary" "$(vary_tokens "$tmp/head" | tr '\n' ' ')" \
        "Origin Access-Control-Request-Method Access-Control-Request-Headers "
    expect "$label: preflight: no body, no Content-Type" "$(wc -c <"$tmp/body") $(fields "$tmp/head" Content-Type)" "0 "

    # An allowed GET: the file, with the headers of an actual request.
    code=$(curl -sS --max-time 10 -o "$tmp/body" -D "$tmp/head" -w '%{http_code}' \
                -H "Origin: $origin" "$base/api/items.json")
    expect "$label: an allowed GET is answered 200 with the file" "$code $(cat "$tmp/body")" '200 {"items": []}'
    expect "$label: GET: Access-Control-Allow-Origin" "$(fields "$tmp/head" Access-Control-Allow-Origin)" "$origin"
    expect "$label: GET: Access-Control-Allow-Credentials" "$(fields "$tmp/head" Access-Control-Allow-Credentials)" true
    expect "$label: GET: Access-Control-Expose-Headers" "$(fields "$tmp/head" Access-Control-Expose-Headers)" X-Request-Id
    expect "$label: GET: no Access-Control-Allow-Methods" "$(fields "$tmp/head" Access-Control-Allow-Methods)" ""
    expect "$label: GET: Vary names Origin once" "$(vary_tokens "$tmp/head" | grep -ixc origin)" 1

    # A GET from an origin the example does not list.
    code=$(curl -sS --max-time 10 -o "$tmp/body" -D "$tmp/head" -w '%{http_code}' \
                -H 'Origin: https://evil.example' "$base/api/items.json")
    expect "$label: a GET from an unlisted origin is served (200) without CORS headers" \
        "$code $(tr -d '\r' <"$tmp/head" | grep -ic '^access-control-')" "200 0"
    expect "$label: unlisted origin: Vary names Origin once" "$(vary_tokens "$tmp/head" | grep -ixc origin)" 1

    # mod_info: every directive, with the description from the command table.
    code=$(curl -sS --max-time 10 -o "$tmp/info" -w '%{http_code}' "$base/server-info?mod_cors.c")
    expect "$label: mod_info answers /server-info?mod_cors.c" "$code" 200
    apache2ctl -L >"$tmp/L" 2>/dev/null
    local d desc shown missing= listed
    for d in $directives; do
        # apache2 -L: "Name (mod_cors.c)", then the description, tab-indented.
        desc=$(awk -v d="$d (mod_cors.c)" '$0 == d { getline; sub(/^\t/, ""); print; exit }' "$tmp/L")
        shown=$(sed -n "s|.*<tt>$d - <i>\\(.*\\)</i></tt>.*|\\1|p" "$tmp/info" |
                sed 's/&lt;/</g; s/&gt;/>/g; s/&quot;/"/g; s/&amp;/\&/g')
        if [ -z "$desc" ] || [ "$shown" != "$desc" ]; then
            missing+=" $d (shown: '${shown:-nothing}', apache2 -L: '${desc:-nothing}')"
        fi
    done
    if [ -z "$missing" ]; then
        pass "$label: mod_info shows the $ndirectives directives, each with its description"
    else
        fail "$label: mod_info shows the $ndirectives directives, each with its description" "wrong or missing:$missing"
    fi
    listed=$(grep -o '<tt>CORS[A-Za-z]* - ' "$tmp/info" | sed 's/<tt>//; s/ - //' | sort | tr '\n' ' ')
    expect "$label: mod_info lists no other directive" "$listed" "$(printf '%s\n' $directives | sort | tr '\n' ' ')"

    run "$label: apache2ctl stop stops apache2" stop_apache
}

# ---------------------------------------------------------------------------
# 1. The package.

t0=$SECONDS
echo "=== deb-test: the Debian package libapache2-mod-cors (apache2 on $base)"
# dpkg-buildpackage run in the tree would leave its products in debian/ and the .deb in
# the tree's parent; build-deb.sh builds in a copy.  (Other files of a tree someone works
# in may change meanwhile: only these are compared.)
tree_state() {
    ls -A "$top"
    git -C "$top" status --porcelain --ignored -- debian packaging 2>/dev/null || ls -AR "$top/debian"
}
tree_before=$(tree_state)
if run "dpkg-buildpackage -us -uc -b builds libapache2-mod-cors" "$top/packaging/build-deb.sh" "$tmp/deb"; then
    expect "the build leaves the source tree as it was (top level, debian/, packaging/)" \
        "$(tree_state)" "$tree_before"
    deb=$(ls "$tmp"/deb/libapache2-mod-cors_*.deb)
    contents=$(dpkg-deb -c "$deb" | awk '{print $6}')
    for f in ./usr/lib/apache2/modules/mod_cors.so ./etc/apache2/mods-available/cors.load \
             ./etc/apache2/mods-available/cors.conf; do
        expect "the package holds $f" "$(printf '%s\n' "$contents" | grep -cx "$f")" 1
    done

    if run "apt-get install ./${deb##*/}" apt_get install "$deb"; then
        expect "dpkg: libapache2-mod-cors is installed" \
            "$(dpkg-query -W -f '${Status}' libapache2-mod-cors)" "install ok installed"
        expect "installing enables nothing: no mods-enabled/cors.*" "$(ls $enabled/cors.* 2>/dev/null)" ""
        run "a2enmod cors" a2enmod cors
        expect "mods-enabled has cors.load and cors.conf" \
            "$(readlink $enabled/cors.load $enabled/cors.conf | tr '\n' ' ')" \
            "../mods-available/cors.load ../mods-available/cors.conf "
        if run "a site from conf-examples/json-api-credentials.conf, mod_info, Listen 127.0.0.1:$port" \
               configure_server; then
            check_server deb
        fi
        stop_apache
        unconfigure_server

        make_to "$tmp/uninstall.out" uninstall >/dev/null
        expect "make uninstall refuses while the package is installed (make's status 2, apt-get named)" \
            "$? $(grep -c 'apt-get remove libapache2-mod-cors' "$tmp/uninstall.out")" "2 1"
        expect "make uninstall left the package's files and mods-enabled/cors.* alone" \
            "$(ls $moddir/mod_cors.so $avail/cors.load $avail/cors.conf $enabled/cors.load \
                  $enabled/cors.conf 2>/dev/null | wc -l)" 5

        run "apt-get remove libapache2-mod-cors" apt_get remove libapache2-mod-cors
        expect "remove: a2dismod (prerm) took mods-enabled/cors.* away" "$(ls $enabled/cors.* 2>/dev/null)" ""
        expect "remove: mod_cors.so is gone, cors.load and cors.conf (conffiles) stay" \
            "$(ls $moddir/mod_cors.so $avail/cors.* 2>/dev/null | tr '\n' ' ')" \
            "$avail/cors.conf $avail/cors.load "
        run "apt-get purge libapache2-mod-cors" apt_get purge libapache2-mod-cors
        expect "purge: cors.load and cors.conf are gone" "$(ls $avail/cors.* 2>/dev/null)" ""
        expect "purge: dpkg knows no libapache2-mod-cors" \
            "$(dpkg-query -W -f '${Status}' libapache2-mod-cors 2>/dev/null)" ""
    fi
fi
echo "=== deb-test: the package took $((SECONDS - t0)) s"

# ---------------------------------------------------------------------------
# 2. make install.

t1=$SECONDS
echo "=== deb-test: make -f Makefile.apxs install + a2enmod cors"
# systemctl only where systemd runs: in a container it may be installed but useless.
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
    restart="systemctl restart apache2"
else
    restart="apache2ctl graceful"
fi
if run "make -f Makefile.apxs install" make_to "$tmp/install.out" install; then
    expect "make install: mod_cors.so, cors.load and cors.conf are installed" \
        "$(ls $moddir/mod_cors.so $avail/cors.load $avail/cors.conf 2>/dev/null | wc -l)" 3
    expect "make install: cors.conf is packaging/cors.conf" \
        "$(cmp -s "$top/packaging/cors.conf" $avail/cors.conf && echo same)" same
    expect "make install: no libtool warning (dlname not found)" \
        "$(grep -ci 'warning' "$tmp/install.out")" 0
    expect "make install: the hint to enable mod_cors fits this machine" \
        "$(sed -n 's/^ *\(a2enmod cors .*\)/\1/p' "$tmp/install.out")" \
        "a2enmod cors && apache2ctl configtest && $restart"
    run "a2enmod cors" a2enmod cors
    if run "a site from conf-examples/json-api-credentials.conf, mod_info, Listen 127.0.0.1:$port" \
           configure_server; then
        check_server "make install"
    fi
    stop_apache
    unconfigure_server

    echo "=== deb-test: make -f Makefile.apxs uninstall"
    printf '# edited by deb-test\n' >>$avail/cors.conf
    if run "make uninstall (mod_cors enabled, cors.conf edited)" make_to "$tmp/uninstall.out" uninstall; then
        expect "make uninstall: a2dismod took mods-enabled/cors.* away" "$(ls $enabled/cors.* 2>/dev/null)" ""
        expect "make uninstall: a2enmod's state for cors is gone from /var/lib/apache2" \
            "$(find /var/lib/apache2 -name cors)" ""
        expect "make uninstall: mod_cors.so and cors.load are gone, the edited cors.conf stays" \
            "$(ls $moddir/mod_cors.so $avail/cors.* 2>/dev/null | tr '\n' ' ')" "$avail/cors.conf "
        expect "make uninstall: says it kept cors.conf" \
            "$(grep -c "^kept $avail/cors.conf" "$tmp/uninstall.out")" 1
        expect "make uninstall: the hint to restart fits this machine" \
            "$(sed -n 's/^ *\(apache2ctl configtest .*\)/\1/p' "$tmp/uninstall.out")" \
            "apache2ctl configtest && $restart"
    fi
    if run "make uninstall FORCE=1" make_to "$tmp/uninstall.out" uninstall FORCE=1; then
        expect "make uninstall FORCE=1: the edited cors.conf is gone" "$(ls $avail/cors.* 2>/dev/null)" ""
    fi
    if run "make uninstall once more" make_to "$tmp/uninstall.out" uninstall; then
        expect "make uninstall once more: nothing to remove" \
            "$(cat "$tmp/uninstall.out")" "mod_cors was not installed: nothing to remove"
    fi
fi
echo "=== deb-test: make install and uninstall took $((SECONDS - t1)) s"

# ---------------------------------------------------------------------------
# Whatever happened above: the machine as it was.

cleanup
after=$(state)
if [ "$after" = "$before" ]; then
    pass "every file under /etc/apache2, /var/lib/apache2 and $moddir is as before"
else
    fail "every file under /etc/apache2, /var/lib/apache2 and $moddir is as before"
    diff <(printf '%s\n' "$before") <(printf '%s\n' "$after") | head -n 20 | sed 's/^/      | /'
fi
expect "apache2 is not left running" "$(apache_pid)" ""
# The README documents every directive the module has, and no other (a "### NAME" section).
expect "README.md documents exactly the $ndirectives directives" \
    "$(grep -o '^### CORS[A-Za-z]*$' "$top/README.md" | sed 's/^### //' | sort | tr '\n' ' ')" \
    "$(printf '%s\n' $directives | sort | tr '\n' ' ')"
echo "=== deb-test: $((SECONDS - t0)) s"
summary
