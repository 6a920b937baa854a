#!/bin/sh
# An application's own error response, with its own CORS headers.
printf 'Status: 404 Not Found\n'
printf 'Content-Type: text/plain\n'
printf 'Access-Control-Allow-Origin: *\n'
printf 'Access-Control-Allow-Methods: FOO\n'
printf '\n'
printf 'not found by status404.cgi\n'
