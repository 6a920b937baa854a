#!/usr/bin/perl
# The API of the browser suite: answers every method with the request as JSON
# (method, query, headers, cookies, body, REMOTE_USER, CORS_RESULT) and always sets
# X-Exposed and X-Hidden, for the page to try to read.  The query asks for more:
#   status=NNN         answer with that status
#   cookie=NAME=VALUE  set that cookie (Path=/, SameSite=Lax)
#   acao=VALUE         send the CGI's own Access-Control-Allow-Origin
use strict;
use warnings;
use JSON::PP;

sub unescape {
    my ($s) = @_;
    $s =~ tr/+/ /;
    $s =~ s/%([0-9A-Fa-f]{2})/chr hex $1/ge;
    return $s;
}

my %query;
for my $pair (split /[&;]/, $ENV{QUERY_STRING} // '') {
    next unless length $pair;
    my ($name, $value) = split /=/, $pair, 2;
    $query{unescape($name)} = unescape($value // '');
}

my %headers;
for my $var (sort keys %ENV) {
    next unless $var =~ /^HTTP_(.+)$/;
    (my $name = lc $1) =~ tr/_/-/;
    $headers{$name} = $ENV{$var};
}
$headers{'content-type'} = $ENV{CONTENT_TYPE} if defined $ENV{CONTENT_TYPE};

my $body = '';
if (my $length = $ENV{CONTENT_LENGTH}) {
    binmode STDIN;
    read STDIN, $body, $length;
}

my $json = JSON::PP->new->canonical->encode({
    method      => $ENV{REQUEST_METHOD},
    query       => \%query,
    headers     => \%headers,
    cookie      => $ENV{HTTP_COOKIE},
    body        => $body,
    user        => $ENV{REMOTE_USER},
    cors_result => $ENV{CORS_RESULT},
});

print "Status: $query{status}\r\n" if $query{status} && $query{status} =~ /^\d{3}$/;
print "Content-Type: application/json\r\n";
print "X-Exposed: yes\r\n";
print "X-Hidden: yes\r\n";
print "Set-Cookie: $query{cookie}; Path=/; SameSite=Lax\r\n" if $query{cookie};
print "Access-Control-Allow-Origin: $query{acao}\r\n" if defined $query{acao};
print "\r\n";
print $json unless $ENV{REQUEST_METHOD} eq 'HEAD';
