#!/bin/sh
# An application that names the headers a page may read, and leaves the rest of CORS to
# mod_cors.
printf 'Content-Type: text/plain\n'
printf 'Access-Control-Expose-Headers: X-Backend\n'
printf '\n'
printf 'from expose-only.cgi\n'
