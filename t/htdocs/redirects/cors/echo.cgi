#!/bin/sh
# Reads the request body and sends it back.
printf 'Content-Type: text/plain\n\n'
cat
