#!/bin/sh
# An application that writes its own CORS headers, as many do (one name in lower case).
printf 'Content-Type: text/plain\n'
printf 'Access-Control-Allow-Origin: *\n'
printf 'Access-Control-Allow-Methods: FOO\n'
printf 'Access-Control-Expose-Headers: X-Backend\n'
printf 'access-control-allow-credentials: false\n'
printf 'X-Backend: cgi\n'
printf '\n'
printf 'from acao.cgi\n'
