#!/usr/bin/perl
# The response behind every /expose/.../headers URL: headers of every kind that
# CORSExposeHeaders * has to sort out when credentials are on (t/expose.t).
use strict;
use warnings;

my $body = "a response with many headers\n";

print "Status: 200 OK\r\n";
# Safelisted: a page can always read them, so they are never listed.
print "Content-Type: text/plain\r\n";
print "Content-Length: ", length($body), "\r\n";
print "Content-Language: en\r\n";
print "Cache-Control: no-cache\r\n";
print "Pragma: no-cache\r\n";
print "Expires: Thu, 01 Jan 1970 00:00:00 GMT\r\n";
print "Last-Modified: Mon, 01 Jan 2024 00:00:00 GMT\r\n";
# Never exposed.
print "Set-Cookie: session=abc123; Path=/; HttpOnly\r\n";
print "Set-Cookie: theme=dark; Path=/\r\n";
# The application's own CORS headers: mod_cors replaces them.
print "Access-Control-Foo: bar\r\n";
print "Access-Control-Expose-Headers: X-Backend-Choice\r\n";
# The application's headers, one of them twice, one in lower case.
print "X-One: 1\r\n";
print "X-One: one again\r\n";
print "x-two: 2\r\n";
print "\r\n";
print $body;
