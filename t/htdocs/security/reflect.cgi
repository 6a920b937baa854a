#!/bin/sh
# A careless application: it reflects whatever Origin it is sent and grants credentials
# and every method and header, as a copied snippet might.  mod_cors must be the only
# source of Access-Control-* headers in front of it.
printf 'Content-Type: text/plain\n'
printf 'Access-Control-Allow-Origin: %s\n' "${HTTP_ORIGIN:-*}"
printf 'Access-Control-Allow-Credentials: true\n'
printf 'Access-Control-Allow-Methods: *\n'
printf 'Access-Control-Allow-Headers: *\n'
printf 'Access-Control-Expose-Headers: *\n'
printf '\n'
printf 'from reflect.cgi\n'
