#!/usr/bin/perl
# The application behind every /passthrough/.../app URL.  It answers OPTIONS itself, as
# an API that handles its own OPTIONS requests would, with the header X-Handler and a body
# that t/passthrough.t recognises.  The query string may hold:
#   status=NNN        the status to answer OPTIONS with (default 200)
#   backend-headers   also send Access-Control-* and Vary headers of its own
use strict;
use warnings;

local $/;
my $body = <STDIN>;    # read what a request sends, as a real application would

my %query = map { /^([^=]*)(?:=(.*))?$/ ? ($1 => $2 // 1) : () }
            split /[&;]/, $ENV{QUERY_STRING} // '';
my $status = $ENV{REQUEST_METHOD} eq 'OPTIONS' ? ($query{status} || 200) : 200;

print "Status: $status\r\n";
print "Content-Type: text/plain\r\n";
print "X-Handler: app.cgi\r\n";
print "Allow: GET, POST, PUT, DELETE, OPTIONS\r\n" if $ENV{REQUEST_METHOD} eq 'OPTIONS';
if ($query{'backend-headers'}) {
    print "Access-Control-Allow-Origin: https://backend.example\r\n";
    print "Access-Control-Allow-Methods: TRACE\r\n";
    print "Access-Control-Max-Age: 5\r\n";
    print "Vary: Accept-Encoding, Origin\r\n";
}
print "\r\n";
print "app.cgi answered $ENV{REQUEST_METHOD}\n";
