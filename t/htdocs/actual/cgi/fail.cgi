#!/bin/sh
# Fails before writing any header: httpd answers 500 (t/actual.t).
echo "fail.cgi: failing on purpose" >&2
exit 1
