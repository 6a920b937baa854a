#!/bin/bash
# The RPM package of mod_cors, built and inspected on this machine (packaging/README.md):
#
#   make -f Makefile.apxs rpm-test          (or packaging/rpm-test.sh)
#
# Builds it with packaging/build-rpm.sh (on Debian: rpmbuild --nodeps, the _httpd_*
# macros defined from apxs) and checks with rpm -qp: the file list, the dependencies
# (httpd, httpd-mmn = the magic number of the httpd built against), the configuration
# files and their flags (%config(noreplace)), that there is no scriptlet, the version
# against debian/changelog; that the spec refuses to build without _httpd_mmn; and,
# unpacked (rpm2archive), that httpd -t accepts the module with conf.modules.d/10-cors.conf
# and conf.d/cors.conf as the package installs them, and with cors.conf's examples
# uncommented.  Nothing is installed.  One PASS or FAIL line a check; the last line is
# "N passed, M failed"; the exit status is non-zero when a check failed.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
APXS=${APXS:-apxs}

. "$(dirname "$0")/checks.sh"

for cmd in rpmbuild rpm rpmspec rpm2archive "$APXS"; do
    command -v "$cmd" >/dev/null || { fail "$cmd is installed (make -f Makefile.apxs deps)"; summary; }
done

tmp=$(mktemp -d /tmp/mod_cors-rpm-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# ---------------------------------------------------------------------------
# The build.

tree_state() { git -C "$top" status --porcelain --ignored 2>/dev/null || ls -AR "$top"; }
tree_before=$(tree_state)
if ! "$top/packaging/build-rpm.sh" "$tmp/out" >"$tmp/build.log" 2>&1; then
    fail "packaging/build-rpm.sh builds the package" "$(tail -n 25 "$tmp/build.log")"
    summary
fi
pass "packaging/build-rpm.sh builds the package"
expect "the build leaves the source tree as it was" "$(tree_state)" "$tree_before"
rpm=$(tail -n 1 "$tmp/build.log")
q() { rpm -qp "$@" "$rpm" 2>/dev/null; }

version=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version 2>/dev/null ||
          sed -n '1s/.*(\([^)-]*\).*/\1/p' "$top/debian/changelog")
expect "name and version: mod_cors, debian/changelog's ${version%%-*}" \
    "$(q --qf '%{name} %{version}')" "mod_cors ${version%%-*}"
expect "license: Apache-2.0" "$(q --qf '%{license}')" Apache-2.0

# ---------------------------------------------------------------------------
# What it holds.

moddir=/usr/lib64/httpd/modules
doc=/usr/share/doc/mod_cors
expect "the file list (without /usr/lib/.build-id)" \
    "$(q -l | grep -v '^/usr/lib/\.build-id' | sort)" \
    "$(printf '%s\n' /etc/httpd/conf.d/cors.conf /etc/httpd/conf.modules.d/10-cors.conf \
        $moddir/mod_cors.so $doc $doc/README.md $doc/docs $doc/docs/behaviour.md $doc/examples \
        $doc/examples/basic-auth-api.conf $doc/examples/htaccess-shared-hosting.htaccess \
        $doc/examples/json-api-credentials.conf $doc/examples/public-read-only.conf \
        $doc/examples/several-frontends.conf \
        /usr/share/licenses/mod_cors /usr/share/licenses/mod_cors/copyright | sort)"
expect "mod_cors.so is mode 755, the configuration files 644" \
    "$(q --qf '[%{FILEMODES:perms} %{FILENAMES}\n]' | grep -E 'mod_cors\.so$|\.conf$' | grep -v examples | sort -k2)" \
    "$(printf '%s\n' '-rw-r--r-- /etc/httpd/conf.d/cors.conf' '-rw-r--r-- /etc/httpd/conf.modules.d/10-cors.conf' \
        "-rwxr-xr-x $moddir/mod_cors.so")"
expect "configuration files: conf.d/cors.conf and conf.modules.d/10-cors.conf" \
    "$(q -c | sort | tr '\n' ' ')" "/etc/httpd/conf.d/cors.conf /etc/httpd/conf.modules.d/10-cors.conf "
expect "both are %config(noreplace)" \
    "$(q --qf '[%{FILEFLAGS:fflags} %{FILENAMES}\n]' | awk '$2 ~ /^\/etc\// {print $1}' | tr '\n' ' ')" "cn cn "
expect "README.md, docs/ and the examples are %doc, debian/copyright is %license" \
    "$(q --qf '[%{FILEFLAGS:fflags} %{FILENAMES}\n]' | awk '$2 ~ /^\/usr\/share\/(doc|licenses)\/mod_cors\// {print $1}' | sort | uniq -c | awk '{print $1 $2}' | tr '\n' ' ')" \
    "7d 1l "

# ---------------------------------------------------------------------------
# What it asks for and does.

mmn=$(sed -n 's/^#define MODULE_MAGIC_NUMBER_MAJOR[[:space:]]*\([0-9]*\).*/\1/p' \
          "$("$APXS" -q INCLUDEDIR)/ap_mmn.h")
isa=$(rpm --eval '%{__isa_name}%{__isa_bits}')
requires=$(q --requires)
expect "Requires: httpd" "$(printf '%s\n' "$requires" | grep -cx 'httpd')" 1
expect "Requires: httpd-mmn = $mmn$isa (ap_mmn.h's MODULE_MAGIC_NUMBER_MAJOR, the ISA)" \
    "$(printf '%s\n' "$requires" | grep '^httpd-mmn')" "httpd-mmn = $mmn$isa"
# PCRE2 (which httpd links too): mod_cors asks it why a CORSAllowOriginRegex is invalid.
expect "Requires: PCRE2's library (libpcre2-8)" "$(printf '%s\n' "$requires" | grep -c '^libpcre2-8\.so')" 1
expect "no other requirement but config(mod_cors), libc, PCRE2 and rpmlib" \
    "$(printf '%s\n' "$requires" | grep -v -e '^httpd' -e '^config(mod_cors)' -e '^libc\.so' -e '^libpcre2-8\.so' -e '^rpmlib(' -e '^rtld(')" ""
expect "no scriptlet (%pre, %post, %preun, %postun, triggers): installing restarts nothing" \
    "$(q --scripts; q --triggers)" ""
expect "the spec refuses to build without _httpd_mmn and httpd-devel" \
    "$(rpmspec -P "$top/packaging/mod_cors.spec" 2>&1 >/dev/null | grep -c 'install httpd-devel')" 1

# ---------------------------------------------------------------------------
# Unpacked: does httpd take it as the package lays it out?

root=$tmp/root
mkdir -p "$root"
if rpm2archive - <"$rpm" | tar -xzf - -C "$root"; then
    pass "rpm2archive unpacks the package"
else
    fail "rpm2archive unpacks the package"
fi
expect "conf.modules.d/10-cors.conf: LoadModule cors_module modules/mod_cors.so, nothing else" \
    "$(grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$root/etc/httpd/conf.modules.d/10-cors.conf")" \
    "LoadModule cors_module modules/mod_cors.so"
expect "conf.d/cors.conf: everything commented inside <IfModule cors_module>" \
    "$(grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$root/etc/httpd/conf.d/cors.conf" | tr '\n' ' ')" \
    "<IfModule cors_module> </IfModule> "

# RHEL's layout in miniature: ServerRoot /etc/httpd with modules -> the module directory,
# conf.modules.d/*.conf then conf.d/*.conf, as RHEL's httpd.conf includes them.
httpd=$("$APXS" -q SBINDIR)/$("$APXS" -q TARGET)
sysmods=$("$APXS" -q LIBEXECDIR)
ln -s "$root$moddir" "$root/etc/httpd/modules"
mkdir -p "$root/etc/httpd/logs"
configtest() {
    cat >"$tmp/httpd.conf" <<EOF2
ServerRoot "$root/etc/httpd"
ServerName localhost
DefaultRuntimeDir "$tmp"
PidFile "$tmp/httpd.pid"
ErrorLog "$tmp/error_log"
Listen 127.0.0.1:9
LoadModule mpm_event_module $sysmods/mod_mpm_event.so
LoadModule authz_core_module $sysmods/mod_authz_core.so
IncludeOptional conf.modules.d/*.conf
IncludeOptional conf.d/*.conf
EOF2
    "$httpd" -t -f "$tmp/httpd.conf" 2>&1
}
out=$(configtest)
expect "httpd -t accepts 10-cors.conf and cors.conf as installed" "$out" "Syntax OK"
out=$("$httpd" -M -f "$tmp/httpd.conf" 2>&1 | grep cors_module)
expect "httpd -M lists cors_module (shared)" "$out" " cors_module (shared)"
# Directives are commented as "#Directive" or "#<tab>Directive", prose as "# Prose".
commented=$(grep -c '^[[:space:]]*#[[:space:]]*CORS' "$root/etc/httpd/conf.d/cors.conf")
sed -i 's/^\([[:space:]]*\)#\([^ ]\)/\1\2/' "$root/etc/httpd/conf.d/cors.conf"
out=$(configtest)
expect "httpd -t accepts cors.conf's examples uncommented ($commented CORS directives)" \
    "$out $(grep -c '^[[:space:]]*CORS' "$root/etc/httpd/conf.d/cors.conf")" "Syntax OK $commented"

summary
