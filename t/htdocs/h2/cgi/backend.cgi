#!/bin/sh
# A backend that sets CORS headers of its own, which mod_cors replaces (t/h2.t).
printf 'Content-Type: text/plain\r\n'
printf 'Access-Control-Allow-Origin: *\r\n'
printf 'X-Backend: cgi\r\n'
printf '\r\n'
printf 'from the CGI script\n'
