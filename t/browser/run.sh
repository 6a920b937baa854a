#!/bin/bash
# Runs the browser suite (cors.test.js) in Chromium, Firefox and WebKitGTK, one after the
# other, against the built module; `make -f Makefile.apxs browser-test` builds it and
# calls this.  Installs what the suite needs when it is missing: Debian's chromium,
# firefox-esr, webkit2gtk-driver, xvfb and xauth (and nodejs or npm), and puppeteer-core
# as pinned in package-lock.json (npm ci).  WebKitGTK's MiniBrowser needs an X display:
# without one, the suite runs under xvfb-run -a.  It ends with a line "N passed,
# M failed".
#
# Environment: ENGINES (default chromium,firefox,webkit: a comma-separated subset),
# MOD_CORS_SO (default ../../.libs/mod_cors.so: test another build), APXS (default
# apxs, to find httpd), ONLY (run the scenarios whose name contains it), RESULTS (write
# every result, with the engine's console messages, as JSON to this file), VERBOSE=1
# (time each scenario).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
APXS=${APXS:-apxs}
MOD_CORS_SO=${MOD_CORS_SO:-$top/.libs/mod_cors.so}
ENGINES=${ENGINES:-chromium,firefox,webkit}

fail() {
    echo "$0: $*" >&2
    echo "0 passed, 1 failed"
    exit 2
}

[ -f "$MOD_CORS_SO" ] || fail "$MOD_CORS_SO is missing: run make -f Makefile.apxs all"
command -v "$APXS" >/dev/null || fail "$APXS not found (Debian: apt-get install apache2-dev)"
HTTPD=$("$APXS" -q SBINDIR)/$("$APXS" -q TARGET)
[ -x "$HTTPD" ] || fail "$HTTPD (from $APXS) is not executable"

sudo=
[ "$(id -u)" = 0 ] || sudo=sudo
apt_updated=
apt_install() {
    echo "installing Debian packages: $*"
    if [ -z "$apt_updated" ]; then
        $sudo apt-get update -q
        apt_updated=1
    fi
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@"
}
# The engines' packages, and node and npm, which may come from the machine image rather
# than Debian: install only what is missing, in one apt-get run.
missing=()
webkit=
for engine in ${ENGINES//,/ }; do
    case $engine in
        chromium) [ -x /usr/bin/chromium ] || missing+=(chromium) ;;
        firefox) [ -x /usr/bin/firefox-esr ] || missing+=(firefox-esr) ;;
        webkit)
            webkit=1
            command -v WebKitWebDriver >/dev/null || missing+=(webkit2gtk-driver)
            command -v xvfb-run >/dev/null || missing+=(xvfb)
            command -v xauth >/dev/null || missing+=(xauth)
            ;;
        *) fail "ENGINES: unknown engine '$engine' (chromium, firefox, webkit)" ;;
    esac
done
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
[ ${#missing[@]} = 0 ] || apt_install "${missing[@]}"

cd "$here"
if [ ! -f node_modules/puppeteer-core/package.json ] \
   || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    # No browser is downloaded: puppeteer-core never does, and the suite uses Debian's.
    npm ci --no-audit --no-fund --loglevel=error
fi

export MOD_CORS_SO HTTPD ENGINES
# MiniBrowser has no headless mode that works here: give it a virtual X display
# (xvfb-run -a takes a free display number and removes it at the end).
if [ -n "$webkit" ] && [ -z "${DISPLAY:-}" ]; then
    exec xvfb-run -a node cors.test.js
fi
exec node cors.test.js
