#!/bin/sh
# A local Location without a Status: httpd serves that URL instead (internal redirect).
printf 'Location: /redirects/plain/other.txt\n\n'
