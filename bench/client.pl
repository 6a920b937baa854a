#!/usr/bin/perl
# The HTTP client of bench/run.sh: keep-alive HTTP/1.1 over 127.0.0.1, each request
# waiting for its answer (as a page's fetch() calls do), no pipelining.
#
#   client.pl PORT [CG_PREFIX] < plan
#
# The plan has one measurement a line, fields separated by tabs:
#
#   name  n1  n2  expect  method  path  [Header: value] ...
#
# `expect` is checked against every answer: a status, then +Name (the header is there) or
# -Name (it is not), comma-separated; a wrong answer stops the client with an error.
#
# Without CG_PREFIX it sends n1 requests on one connection and prints "name ok".
#
# With CG_PREFIX, the server is `apache2 -X` under callgrind with
# --collect-atstart=no --toggle-collect=ap_process_connection
# --dump-after=ap_process_connection --callgrind-out-file=CG_PREFIX: every connection the
# server finishes leaves a profile CG_PREFIX.K (K = 1, 2, ...).  For each line the client
# opens three connections in turn: a warm-up one with n1 requests, then one with n1 and one
# with n2, waiting after each for its profile.  The difference of the last two counts is
# n2 - n1 requests' worth of instructions, with the connection's own costs (accept, the
# first read, closing) cancelled out.  It prints
#
#   name instructions-per-request profile-n1 profile-n2 n2-n1
use strict;
use warnings;
use IO::Socket::INET;
use Time::HiRes qw(sleep time);

my ($port, $prefix) = @ARGV;
die "usage: $0 PORT [CG_PREFIX] < plan\n" unless $port;
my $dump = 0;

sub fill {
    my ($c) = @_;
    my $n = sysread($c->{sock}, $c->{buf}, 65536, length $c->{buf});
    die "client: the server closed the connection\n" unless $n;
}

# Reads one answer; returns [status, {lower-case name => value}].
sub response {
    my ($c, $method) = @_;
    fill($c) until $c->{buf} =~ /\r\n\r\n/;
    $c->{buf} =~ s/\A(.*?)\r\n\r\n//s;
    my ($status_line, @lines) = split /\r\n/, $1;
    my ($status) = $status_line =~ m{^HTTP/1\.1 (\d{3})}
        or die "client: bad status line '$status_line'\n";
    my %h;
    for (@lines) {
        my ($k, $v) = /^([^:]+):\s*(.*)$/ or next;
        $h{lc $k} = exists $h{lc $k} ? "$h{lc $k}, $v" : $v;
    }
    if ($method eq 'HEAD' || $status == 204 || $status == 304) {
        # no body
    }
    elsif (($h{'transfer-encoding'} // '') =~ /chunked/i) {
        while (1) {
            fill($c) until $c->{buf} =~ /\r\n/;
            $c->{buf} =~ s/\A([0-9a-fA-F]+)[^\r]*\r\n// or die "client: bad chunk\n";
            my $size = hex $1;
            fill($c) while length $c->{buf} < $size + 2;
            substr($c->{buf}, 0, $size + 2) = '';
            last if $size == 0;
        }
    }
    else {
        my $len = $h{'content-length'} // 0;
        fill($c) while length $c->{buf} < $len;
        substr($c->{buf}, 0, $len) = '';
    }
    die "client: the server closes the connection after $status_line\n"
        if ($h{connection} // '') =~ /close/i;
    return [$status, \%h];
}

sub check {
    my ($name, $expect, $answer) = @_;
    my ($status, @fields) = split /,/, $expect;
    my @wrong;
    push @wrong, "status $answer->[0], not $status" if $answer->[0] != $status;
    for (@fields) {
        my ($sign, $field) = /^([+-])(.+)$/ or die "client: bad expectation '$_'\n";
        my $has = exists $answer->[1]{lc $field};
        push @wrong, ($has ? "has $field" : "lacks $field") if $has != ($sign eq '+');
    }
    die "client: $name: " . join('; ', @wrong) . "\n" if @wrong;
}

# One connection, n requests; with a callgrind prefix, waits for its profile and returns
# the instructions it counted.
sub connection {
    my ($name, $n, $expect, $method, $req) = @_;
    my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
                                     Proto => 'tcp')
        or die "client: cannot connect to 127.0.0.1:$port: $!\n";
    my $c = { sock => $sock, buf => '' };
    for (1 .. $n) {
        print $sock $req;
        check($name, $expect, response($c, $method));
        # Under callgrind, the server finishes each request before the next arrives, as
        # with a browser: otherwise whether httpd flushes after a request depends on
        # whether the next one raced in first, which varies from run to run.
        sleep 0.005 if $prefix;
    }
    close $sock;
    return unless $prefix;
    $dump++;
    my $file = "$prefix.$dump";
    my $deadline = time + 600;
    while (1) {
        if (open my $fh, '<', $file) {
            while (<$fh>) {
                return ($1, $file) if /^totals:\s+(\d+)/;
            }
        }
        die "client: no profile $file after 600 s\n" if time > $deadline;
        sleep 0.05;
    }
}

while (my $line = <STDIN>) {
    chomp $line;
    next if $line =~ /^\s*(#|$)/;
    my ($name, $n1, $n2, $expect, $method, $path, @headers) = split /\t/, $line;
    my $req = "$method $path HTTP/1.1\r\nHost: 127.0.0.1:$port\r\n"
              . join('', map { "$_\r\n" } @headers) . "\r\n";
    if (!$prefix) {
        connection($name, $n1, $expect, $method, $req);
        print "$name ok\n";
        next;
    }
    connection($name, $n1, $expect, $method, $req);
    my ($t1, $f1) = connection($name, $n1, $expect, $method, $req);
    my ($t2, $f2) = connection($name, $n2, $expect, $method, $req);
    printf "%s %.0f %s %s %d\n", $name, ($t2 - $t1) / ($n2 - $n1), $f1, $f2, $n2 - $n1;
}
