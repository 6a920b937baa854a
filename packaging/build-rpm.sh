#!/bin/bash
# Builds the RPM package mod_cors (packaging/mod_cors.spec) from this source tree:
#
#   packaging/build-rpm.sh [output-directory]      (default: the tree's parent)
#
# The source tarball mod_cors-VERSION.tar.gz holds the files git knows of (tracked or
# not ignored), or, outside a git work tree, every file but .git.  rpmbuild runs in a
# temporary _topdir; the binary .rpm is copied to the output directory and its path is
# printed last.
#
# Where httpd-devel is installed (RHEL, Rocky, Alma, Fedora) rpmbuild runs as it is.
# Elsewhere (Debian: no httpd-devel to satisfy BuildRequires, no macros.httpd) it runs
# with --nodeps and defines the _httpd_* macros on the command line: RHEL's paths for
# the files (and the documentation in /usr/share/doc/mod_cors, as on Fedora and RHEL),
# apxs (APXS, default apxs) as the compiler, and _httpd_mmn from the
# apxs's ap_mmn.h as httpd-devel would write it (MODULE_MAGIC_NUMBER_MAJOR, then the
# ISA: 20120211x8664).  Such a package shows what the spec builds and declares; its
# mod_cors.so is compiled against that httpd, not RHEL's: install it on no RHEL system.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$(mkdir -p "${1:-$top/..}" && cd "${1:-$top/..}" && pwd)
spec=$top/packaging/mod_cors.spec
APXS=${APXS:-apxs}

version=$(rpmspec -q --srpm --qf '%{version}' "$spec" 2>/dev/null ||
          sed -n 's/^Version:[[:space:]]*//p' "$spec")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mod_cors-rpm.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/SOURCES"

cd "$top"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files -z --cached --others --exclude-standard
else
    find . -path ./.git -prune -o \( -type f -o -type l \) -printf '%P\0'
fi | tar --null --files-from=- --ignore-failed-read --transform "s|^|mod_cors-$version/|" \
        -czf "$tmp/SOURCES/mod_cors-$version.tar.gz"

args=(--define "_topdir $tmp")
if ! rpm -q httpd-devel >/dev/null 2>&1; then
    apxs=$(command -v "$APXS") || { echo "$0: $APXS not found (apache2-dev)" >&2; exit 2; }
    mmn=$(sed -n 's/^#define MODULE_MAGIC_NUMBER_MAJOR[[:space:]]*\([0-9]*\).*/\1/p' \
              "$("$apxs" -q INCLUDEDIR)/ap_mmn.h")
    [ -n "$mmn" ] || { echo "$0: no MODULE_MAGIC_NUMBER_MAJOR in $("$apxs" -q INCLUDEDIR)/ap_mmn.h" >&2; exit 2; }
    args+=(--nodeps
           --define "_httpd_apxs $apxs"
           --define "_httpd_mmn $mmn%{__isa_name}%{__isa_bits}"
           --define "_httpd_moddir %{_libdir}/httpd/modules"
           --define "_httpd_confdir %{_sysconfdir}/httpd/conf.d"
           --define "_httpd_modconfdir %{_sysconfdir}/httpd/conf.modules.d"
           --define "_docdir_fmt %%{NAME}")
    echo "no httpd-devel: rpmbuild --nodeps, compiling with $apxs, httpd-mmn $mmn"
fi
rpmbuild -bb "${args[@]}" "$spec"

shopt -s nullglob
rpms=("$tmp"/RPMS/*/mod_cors-*.rpm)
cp "${rpms[@]}" "$out/"
echo "built in $out:"
for f in "${rpms[@]}"; do echo "  ${f##*/}"; done
main=$(cd "$tmp/RPMS" && ls */mod_cors-"$version"-*.rpm | grep -v -e debuginfo -e debugsource | head -n 1)
echo "$out/${main##*/}"
