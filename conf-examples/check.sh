#!/bin/bash
# Checks every example in this folder against a built mod_cors.so.
#
#   conf-examples/check.sh [path/to/mod_cors.so]
#
# The module defaults to ../.libs/mod_cors.so, relative to this script.
# Each *.conf is wrapped in a minimal server configuration that loads the
# modules it names on its "# Modules besides mod_cors:" line, and checked
# with "httpd -t".  httpd -t does not read .htaccess files, so each
# *.htaccess is served for real: copied as .htaccess into a temporary
# DocumentRoot with "AllowOverride FileInfo", then requested with curl from
# the first origin it allows (which must get Access-Control-Allow-Origin,
# also on a preflight) and from an origin it does not.
#
# Prints one line per file, OK or FAIL with the reason, and exits non-zero
# when any file fails.

set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

so=$(absolute_path "${1:-$here/../.libs/mod_cors.so}")
if [ ! -f "$so" ]; then
    echo "check.sh: $so does not exist: build it with 'make -f Makefile.apxs'" >&2
    exit 2
fi
find_httpd || exit 2

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mod_cors-check.XXXXXX") || exit 2
chmod 755 "$tmp"
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT

# Prints what explains a failure in httpd's messages: a syntax error with
# its message, else the first error, else the last line.
log_reason() {
    { grep -A 1 -m 1 'Syntax error' "$1" \
          || grep -m 1 -i -E 'error|emerg|alert|crit' "$1" \
          || tail -n 1 "$1"; } 2>/dev/null | tr '\n' ' ' | sed 's/ $//'
}

# httpd -t on a .conf example.
check_conf() {
    local example=$1 dir=$2 out
    wrapper_conf "$example" "$so" "$dir" \
        "Listen 127.0.0.1:$(free_port)" \
        "Define DEMO_ROOT \"$here/demo\"" \
        "Include \"$example\"" > "$dir/httpd.conf" || return 1
    if ! out=$("$HTTPD" -t -f "$dir/httpd.conf" 2>&1); then
        printf '%s\n' "$out" > "$dir/error.log"
        log_reason "$dir/error.log"
        return 1
    fi
}

# Prints "STATUS ACCESS-CONTROL-ALLOW-ORIGIN" for a request.
probe() {
    curl -s -o /dev/null -D - --max-time 10 "$@" | tr -d '\r' | awk '
        NR == 1 { status = $2 }
        tolower($1) == "access-control-allow-origin:" { acao = $2 }
        END { print status, (acao == "" ? "-" : acao) }'
}

# Serves an .htaccess example and requests it.
check_htaccess() {
    local example=$1 dir=$2 port origin url got reason=
    origin=$(awk '$1 == "CORSAllowOrigin" { print $2; exit }' "$example")
    if [ -z "$origin" ]; then
        echo "it has no CORSAllowOrigin line to test with"
        return 1
    fi
    if ! command -v curl >/dev/null 2>&1; then
        echo "curl is not installed: install it to serve .htaccess files for real"
        return 1
    fi
    mkdir -p "$dir/htdocs/api"
    cp "$example" "$dir/htdocs/api/.htaccess"
    echo '{"ok": true}' > "$dir/htdocs/api/data.json"
    chmod -R a+rX "$dir"
    port=$(free_port)
    WRAPPER_MODULES=authz_core wrapper_conf "$example" "$so" "$dir" \
        "Listen 127.0.0.1:$port" \
        "DocumentRoot \"$dir/htdocs\"" \
        "<Directory \"$dir/htdocs\">" \
        "    AllowOverride FileInfo" \
        "    Require all granted" \
        "</Directory>" > "$dir/httpd.conf" || return 1
    if ! "$HTTPD" -f "$dir/httpd.conf" -k start 2>>"$dir/error.log"; then
        echo "httpd did not start: $(log_reason "$dir/error.log")"
        return 1
    fi
    url=http://127.0.0.1:$port/api/data.json
    for _ in $(seq 50); do
        curl -s -o /dev/null "$url" && break
        sleep 0.1
    done

    got=$(probe "$url" -H "Origin: $origin")
    [ "$got" = "200 $origin" ] \
        || reason="GET from $origin: got '$got', expected '200 $origin'"
    if [ -z "$reason" ]; then
        got=$(probe "$url" -X OPTIONS -H "Origin: $origin" \
                  -H 'Access-Control-Request-Method: GET')
        case $got in
            "204 $origin"|"200 $origin") ;;
            *) reason="preflight from $origin: got '$got', expected '204 $origin'" ;;
        esac
    fi
    if [ -z "$reason" ]; then
        got=$(probe "$url" -H 'Origin: https://not-allowed.invalid')
        [ "$got" = "200 -" ] \
            || reason="GET from a disallowed origin: got '$got', expected '200 -'"
    fi
    if [ -n "$reason" ] && grep -q '/\.htaccess: ' "$dir/error.log"; then
        reason="$reason ($(grep -m 1 '/\.htaccess: ' "$dir/error.log" | sed 's/.*\] //'))"
    fi

    "$HTTPD" -f "$dir/httpd.conf" -k stop 2>/dev/null
    for _ in $(seq 50); do
        [ -f "$dir/httpd.pid" ] || break
        sleep 0.1
    done
    [ -z "$reason" ] || { echo "$reason"; return 1; }
}

failed=0
for example in "$here"/*.conf "$here"/*.htaccess; do
    [ -f "$example" ] || continue
    name=$(basename "$example")
    dir=$tmp/$name
    mkdir -p "$dir"
    case $name in
        *.htaccess) reason=$(check_htaccess "$example" "$dir" 2>&1) ;;
        *) reason=$(check_conf "$example" "$dir" 2>&1) ;;
    esac
    if [ $? -eq 0 ]; then
        echo "OK   $name"
    else
        echo "FAIL $name: $reason"
        failed=1
    fi
done
exit $failed
