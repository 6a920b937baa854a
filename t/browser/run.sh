#!/bin/bash
# Runs the browser suite (cors.test.js) in headless Chromium against the built module;
# `make -f Makefile.apxs browser-test` builds it and calls this.  Installs what the
# suite needs when it is missing: Debian's chromium (and nodejs or npm), and
# playwright-core as pinned in package-lock.json (npm ci).  It ends with a line
# "N passed, M failed".
#
# Environment: MOD_CORS_SO (default ../../.libs/mod_cors.so: test another build),
# APXS (default apxs, to find httpd), ONLY (run the scenarios whose name contains it),
# VERBOSE=1 (time each scenario).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
APXS=${APXS:-apxs}
MOD_CORS_SO=${MOD_CORS_SO:-$top/.libs/mod_cors.so}

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
# node and npm may come from the machine image rather than Debian: install only what
# is missing.
[ -x /usr/bin/chromium ] || apt_install chromium
command -v node >/dev/null || apt_install nodejs
command -v npm >/dev/null || apt_install npm

cd "$here"
if [ ! -f node_modules/playwright-core/package.json ] \
   || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
fi

export MOD_CORS_SO HTTPD CHROMIUM=/usr/bin/chromium
exec node cors.test.js
