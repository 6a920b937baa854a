#!/usr/bin/perl
# Says what CORS_RESULT this CGI script sees (t/logging.t).
use strict;
use warnings;

print "Content-Type: text/plain\r\n\r\n";
print "CORS_RESULT=", $ENV{CORS_RESULT} // '(unset)', "\n";
