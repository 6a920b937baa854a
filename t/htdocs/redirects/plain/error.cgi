#!/bin/sh
# An error document that is a script: it writes its own CORS header and reports what
# mod_cors told it.
printf 'Content-Type: text/plain\n'
printf 'Access-Control-Allow-Origin: *\n'
printf '\n'
printf 'REDIRECT_STATUS=%s\n' "$REDIRECT_STATUS"
printf 'CORS_RESULT=%s\n' "$CORS_RESULT"
printf 'REDIRECT_CORS_RESULT=%s\n' "$REDIRECT_CORS_RESULT"
