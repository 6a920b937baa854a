#!/usr/bin/perl
# Answers 200 with the Vary field given as the query string, URL-decoded, if any
# (t/vary.t): vary.cgi?Accept-Encoding prints "Vary: Accept-Encoding".
use strict;
use warnings;

(my $vary = $ENV{QUERY_STRING} // '') =~ s/%([0-9A-Fa-f]{2})/chr hex $1/ge;
print "Content-Type: text/plain\r\n";
print "Vary: $vary\r\n" if length $vary;
print "\r\n";
print "vary cgi\n";
