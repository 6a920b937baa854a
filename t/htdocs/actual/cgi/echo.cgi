#!/usr/bin/perl
# Answers 200 with the request body it read (t/actual.t).
use strict;
use warnings;

binmode STDIN;
my $length = $ENV{CONTENT_LENGTH} || 0;
my $body = '';
while (length $body < $length) {
    my $n = read STDIN, $body, $length - length $body, length $body;
    last unless $n;
}
print "Content-Type: text/plain\r\n\r\n";
print "read: $body\n";
