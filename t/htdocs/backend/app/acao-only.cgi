#!/bin/sh
# An application that reflects the allowed origin itself and sets nothing else.
printf 'Content-Type: text/plain\n'
printf 'Access-Control-Allow-Origin: https://app.example.com\n'
printf '\n'
printf 'from acao-only.cgi\n'
