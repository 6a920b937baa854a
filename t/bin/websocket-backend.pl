#!/usr/bin/perl
# A WebSocket echo server for t/websocket.t, with nothing but core Perl: it completes
# the opening handshake (RFC 6455), answers each text message "echo: MESSAGE" and says
# in the X-Backend-Origin response field which Origin the handshake carried.
#
# t/TEST.PL starts it with a listening socket on a free loopback port, before httpd,
# whose t/conf/websocket.conf.in proxies to it; it exits when its parent does.
package CorsWebSocketBackend;

use strict;
use warnings;

use Digest::SHA qw(sha1);
use IO::Select;
use MIME::Base64 qw(encode_base64);

my $WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

sub read_exactly {
    my ($sock, $n) = @_;
    my $data = '';
    while (length $data < $n) {
        my $got = sysread $sock, $data, $n - length $data, length $data;
        return undef unless $got;
    }
    return $data;
}

sub send_frame {
    my ($sock, $opcode, $payload) = @_;
    my $len = length $payload;
    my $head = chr(0x80 | $opcode)
             . ($len < 126 ? chr($len) : $len < 65536 ? chr(126) . pack('n', $len)
                                                       : chr(127) . pack('Q>', $len));
    syswrite $sock, $head . $payload;
}

sub serve {
    my ($sock) = @_;
    my $request = '';
    while ($request !~ /\r\n\r\n/) {
        sysread($sock, $request, 4096, length $request) or return;
        return if length $request > 65536;
    }
    my %field;
    for (split /\r\n/, (split /\r\n\r\n/, $request, 2)[0]) {
        $field{lc $1} = $2 if /^([^:]+):\s*(.*?)\s*$/;
    }
    unless (($field{upgrade} // '') =~ /\bwebsocket\b/i && $field{'sec-websocket-key'}) {
        syswrite $sock, "HTTP/1.1 400 Bad Request\r\nContent-Length: 28\r\nConnection: close\r\n\r\n"
                      . "not a WebSocket handshake\r\n\r\n";
        return;
    }
    my $accept = encode_base64(sha1($field{'sec-websocket-key'} . $WEBSOCKET_GUID), '');
    syswrite $sock, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                  . "Connection: Upgrade\r\nSec-WebSocket-Accept: $accept\r\n"
                  . 'X-Backend-Origin: ' . ($field{origin} // 'none') . "\r\n\r\n";
    while (defined(my $head = read_exactly($sock, 2))) {
        my ($b0, $b1) = map { ord } split //, $head;
        my $len = $b1 & 0x7f;
        $len = unpack 'n', read_exactly($sock, 2) // return if $len == 126;
        $len = unpack 'Q>', read_exactly($sock, 8) // return if $len == 127;
        my $mask = $b1 & 0x80 ? read_exactly($sock, 4) // return : "\0\0\0\0";
        my $payload = $len ? read_exactly($sock, $len) // return : '';
        $payload ^= substr($mask x (int($len / 4) + 1), 0, $len);
        my $opcode = $b0 & 0x0f;
        if ($opcode == 1) { send_frame($sock, 1, "echo: $payload") }
        elsif ($opcode == 9) { send_frame($sock, 10, $payload) }
        elsif ($opcode == 8) { send_frame($sock, 8, ''); return }
    }
}

# Called by t/TEST.PL in a child process, with the listening socket.
sub run {
    my ($listen) = @_;
    my $parent = getppid;
    $SIG{CHLD} = 'IGNORE';
    my $select = IO::Select->new($listen);
    while (getppid == $parent) {
        next unless $select->can_read(1);
        my $sock = $listen->accept or next;
        my $pid = fork;
        if (defined $pid && $pid == 0) {
            $SIG{ALRM} = sub { exit 0 };
            alarm 60;
            serve($sock);
            exit 0;
        }
        close $sock;
    }
    exit 0;
}

1;
