#!/bin/sh
# Fails before writing any header: httpd answers 500.
exit 1
