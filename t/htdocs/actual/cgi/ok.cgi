#!/usr/bin/perl
# Answers 200 and says which CORS_RESULT mod_cors gave the request (t/actual.t).
use strict;
use warnings;

print "Content-Type: text/plain\r\n";
print "X-Request-Id: 42\r\n";
print "X-Cors-Result: ", $ENV{CORS_RESULT} // 'unset', "\r\n";
print "\r\n";
print "cgi ok\n";
