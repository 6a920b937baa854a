#!/usr/bin/perl
# The demo's "wire" view, a CGI script on the page's origin (see
# ../../demo.conf):
#
#   /wire?call=ID   the requests of one call of the page, as the API's
#                   server saw them, in JSON
#
# The page puts ?call=ID in the URL of each call it makes, and the browser
# keeps it in the preflight's URL.  This script reads the lines that name
# the call in two logs of the demo's httpd:
#
#   DEMO_WIRE_LOG   one line per request to the API (LogFormat "wire"):
#                   method, URL, status, CORS_RESULT, then "> Name: value"
#                   for request headers and "< Name: value" for response
#                   headers, separated by tabs, "-" for an absent header
#   DEMO_ERROR_LOG  mod_cors's reason for a denial (LogLevel cors:info),
#                   such as "request header 'x-debug' is not in
#                   CORSAllowHeaders"
#
# and answers
#
#   { "requests": [ { "method", "url", "status", "cors_result",
#                     "request": [[name, value], ...],
#                     "response": [[name, value], ...],
#                     "reason": "..." or null }, ... ] }
#
# httpd writes a log line just after it sends the response, so the browser
# may ask before the last line is there: the script waits until the call's
# lines stop changing (at most 2 seconds).

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use DemoJSON qw(json_string);
use Time::HiRes qw(sleep);

sub json_pairs {
    return '[' . join(', ', map { '[' . json_string($_->[0]) . ', '
                                      . json_string($_->[1]) . ']' } @_) . ']';
}

sub answer {
    my ($status, $json) = @_;
    print "Status: $status\r\n",
          "Content-Type: application/json\r\n",
          "Cache-Control: no-store\r\n\r\n",
          $json, "\n";
    exit 0;
}

my ($id) = ($ENV{QUERY_STRING} || '') =~ /(?:^|&)call=([A-Za-z0-9-]{1,64})(?:&|$)/;
answer(400, '{ "error": "wire?call=ID, with ID made of letters, digits and -" }')
    unless defined $id;

# The lines of a log that name the call: "call=ID" at the end of the query
# or before "&".
sub lines_of {
    my ($file) = @_;
    open(my $fh, '<', $file) or return ();
    my @lines = grep { /[?&]call=\Q$id\E(?![A-Za-z0-9-])/ } <$fh>;
    close $fh;
    chomp @lines;
    return @lines;
}

my $wire_log = $ENV{DEMO_WIRE_LOG} || 'wire.log';
my $error_log = $ENV{DEMO_ERROR_LOG} || 'error.log';
my @lines;
for (my $waited = 0; $waited < 2; $waited += 0.1) {
    my @now = lines_of($wire_log);
    last if @now && @now == @lines;
    @lines = @now;
    sleep 0.1;
}

# mod_cors's reasons, in order, by "CORS_RESULT METHOD URL":
#   ... CORS denied:headers: Origin '...' for OPTIONS /api/echo?call=ID: request header ...
my %reasons;
for (lines_of($error_log)) {
    if (/ CORS (denied:\S+): Origin '.*?' for (\S+) (\S+?)(?: \(WebSocket handshake\))?: (.*)$/) {
        my ($key, $reason) = ("$1 $2 $3", $4);
        $reason =~ s/, referer: .*$//;    # httpd adds the Referer
        push @{ $reasons{$key} }, $reason;
    }
}

my @requests;
for (@lines) {
    my ($method, $url, $status, $result, @headers) = split /\t/;
    my (@request, @response);
    for (@headers) {
        my ($direction, $name, $value) = /^([<>]) ([^:]+): (.*)$/ or next;
        next if $value eq '-';
        push @{ $direction eq '>' ? \@request : \@response }, [$name, $value];
    }
    push @requests, "{\n    " . join(",\n    ",
        '"method": ' . json_string($method),
        '"url": ' . json_string($url),
        '"status": ' . json_string($status),
        '"cors_result": ' . json_string($result eq '-' ? undef : $result),
        '"request": ' . json_pairs(@request),
        '"response": ' . json_pairs(@response),
        '"reason": ' . json_string(shift @{ $reasons{"$result $method $url"} || [] }))
        . "\n  }";
}

answer(200, '{ "call": ' . json_string($id) . ', "requests": ['
            . join(', ', @requests) . '] }');
