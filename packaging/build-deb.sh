#!/bin/bash
# Builds the Debian package libapache2-mod-cors from this source tree, in a
# copy of it in a temporary directory, so that the tree stays as it was:
#
#   packaging/build-deb.sh [output-directory]      (default: the tree's parent, as dpkg-buildpackage does)
#
# The copy holds the files git knows of (tracked or not ignored), or, outside
# a git work tree, every file but .git.  The .deb, .buildinfo and .changes
# files land in the output directory; the script prints the .deb's path last.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$(mkdir -p "${1:-$top/..}" && cd "${1:-$top/..}" && pwd)

version=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mod_cors-deb.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
src=$tmp/libapache2-mod-cors-$version
mkdir "$src"

cd "$top"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files -z --cached --others --exclude-standard
else
    find . -path ./.git -prune -o \( -type f -o -type l \) -print0
fi | tar --null --files-from=- --ignore-failed-read -cf - | tar -xf - -C "$src"

(cd "$src" && dpkg-buildpackage -us -uc -b)

shopt -s nullglob
files=("$tmp"/*.deb "$tmp"/*.buildinfo "$tmp"/*.changes)
cp "${files[@]}" "$out/"
echo "built in $out:"
for f in "${files[@]}"; do echo "  ${f##*/}"; done
echo "$out/$(cd "$tmp" && ls libapache2-mod-cors_*.deb)"
