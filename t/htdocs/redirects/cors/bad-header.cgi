#!/bin/sh
# Writes a line that is not a header: httpd answers 500.
printf 'Access-Control-Allow-Origin: *\n'
printf 'this is not a header line\n\n'
printf 'body\n'
