#!/usr/bin/perl
# The handler behind every /reject/ URL.  It leaves evidence that it ran: a marker file
# named after the query string in $REJECT_MARKER_DIR (set by t/conf/reject.conf.in), and
# the header X-Reject-Handler.  t/reject.t checks that a rejected request leaves neither.
use strict;
use warnings;

local $/;
my $body = <STDIN>;    # read what a POST sends, as a real application would

my $query = $ENV{QUERY_STRING} // '';
$query =~ s/[^A-Za-z0-9_-]/_/g;
my $dir = $ENV{REJECT_MARKER_DIR};
if (defined $dir && length $query) {
    open my $fh, '>', "$dir/reject-handler-ran-$query" or die "cannot write marker: $!\n";
    print {$fh} "$ENV{REQUEST_METHOD} $ENV{REQUEST_URI}\n";
    close $fh;
}

print "Status: 200 OK\r\n";
print "Content-Type: text/plain\r\n";
print "X-Reject-Handler: ran\r\n";
print "\r\n";
print "handler ran for $ENV{REQUEST_METHOD}\n";
