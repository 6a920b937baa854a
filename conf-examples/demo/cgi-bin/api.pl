#!/usr/bin/perl
# The demo's API, a CGI script behind mod_cors (see ../../demo.conf).
#
#   /api/echo    answers any method with JSON describing the request: the
#                method, the Origin, the cookies, mod_cors's decision
#                (CORS_RESULT) and the body
#   /api/login   the same, and sets the cookie demo_session
#
# It sends no CORS header itself: that is mod_cors's job.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use DemoJSON qw(json_string);

my $method = $ENV{REQUEST_METHOD} || 'GET';
my $path   = $ENV{PATH_INFO} || '/';
my $length = $ENV{CONTENT_LENGTH} || 0;
my $body   = '';
if ($length =~ /^\d+$/ && $length > 0) {
    $length = 65536 if $length > 65536;
    read(STDIN, $body, $length);
}

my @headers = (
    'Content-Type: application/json',
    'Cache-Control: no-store',
    'X-CORS-Result: ' . ($ENV{CORS_RESULT} || 'none'),
);
if ($path eq '/login') {
    my $session = sprintf('%08x', int(rand(0xffffffff)));
    push @headers,
        "Set-Cookie: demo_session=$session; Path=/api; HttpOnly; SameSite=Lax";
}

my @fields = (
    method       => $method,
    path         => $path,
    origin       => $ENV{HTTP_ORIGIN},
    cookie       => $ENV{HTTP_COOKIE},
    cors_result  => $ENV{CORS_RESULT},
    content_type => $ENV{CONTENT_TYPE},
    body         => $body,
);
my @pairs;
while (my ($key, $value) = splice(@fields, 0, 2)) {
    push @pairs, json_string($key) . ': ' . json_string($value);
}

print map({ "$_\r\n" } @headers), "\r\n";
print "{\n  ", join(",\n  ", @pairs), "\n}\n";
