# SPEC "WebSocket": browsers send Origin on a WebSocket handshake but never read CORS
# fields on its answer, so where CORS is enabled and CORSCheckWebSocketOrigin is On (the
# default) a handshake from an origin the rules do not allow is answered 403, before
# authentication and before the proxy; allowed, same-origin and Origin-less handshakes go
# through; no CORS field is added to a handshake's answer.  A real echo backend behind
# mod_proxy_http (t/conf/websocket.conf.in).
use strict;
use warnings FATAL => 'all';

use Apache::Test;
use Apache::TestUtil;
use CorsTest;
use IO::Socket::INET;
use MIME::Base64 qw(encode_base64);

plan tests => 35, need_module(qw(cors proxy proxy_http auth_basic authn_file authz_user));

my $APP  = 'https://app.example.com';
my $EVIL = 'https://evil.example.net';
my $SELF = CorsTest::base_url();
my $ALICE = 'Basic ' . encode_base64('alice:secret', '');

# Opens a WebSocket to $path with the given request fields; when the server switches
# protocols, sends "hello" and reads the answer.  Returns (status, {lower-case name =>
# [values]}, echoed message or undef).
sub handshake {
    my ($path, @fields) = @_;
    my $sock = IO::Socket::INET->new(PeerAddr => CorsTest::hostport(), Timeout => 10)
        or die "cannot connect: $@";
    my $request = "GET $path HTTP/1.1\r\nHost: " . CorsTest::hostport() . "\r\n"
                . "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                . "Sec-WebSocket-Key: " . encode_base64(join('', map { chr int rand 256 } 1 .. 16), '') . "\r\n"
                . "Sec-WebSocket-Version: 13\r\n";
    while (my ($name, $value) = splice @fields, 0, 2) {
        $request .= "$name: $value\r\n";
    }
    print {$sock} "$request\r\n";
    local $SIG{ALRM} = sub { die "no answer to the handshake on $path within 20 s\n" };
    alarm 20;
    my ($status) = (<$sock> // '') =~ m{^HTTP/1\.1 (\d{3})};
    my %fields;
    while (defined(my $line = <$sock>)) {
        last if $line eq "\r\n";
        push @{ $fields{lc $1} }, $2 if $line =~ /^([^:]+):\s*(.*?)\r\n$/;
    }
    my $echo;
    if (($status // 0) == 101) {
        my $mask = join '', map { chr int rand 256 } 1 .. 4;
        my $payload = 'hello';
        syswrite $sock, chr(0x81) . chr(0x80 | length $payload) . $mask . ($payload ^ substr($mask x 2, 0, length $payload));
        my $head = '';
        sysread($sock, $head, 2 - length $head, length $head) while length $head < 2;
        my $len = ord(substr $head, 1) & 0x7f;
        $echo = '';
        sysread($sock, $echo, $len - length $echo, length $echo) while length $echo < $len;
    }
    alarm 0;
    close $sock;
    return ($status // 'no status', \%fields, $echo);
}

sub cors_fields { my ($f) = @_; [sort grep { /^access-control-/ || $_ eq 'vary' } keys %$f] }

my ($status, $fields, $echo);

# The backend really answers, through the proxy, where CORS is not enabled.
($status, $fields, $echo) = handshake('/websocket/plain/', Origin => $EVIL);
ok t_cmp([$status, $echo], [101, 'echo: hello'], 'without CORS a handshake from any origin reaches the echo backend');

# --- CORSCheckWebSocketOrigin On (the default)
($status, $fields, $echo) = handshake('/websocket/open/', Origin => $APP);
ok t_cmp($status, 101, 'an allowed origin opens the WebSocket');
ok t_cmp($echo, 'echo: hello', 'an allowed origin exchanges a message with the backend');
ok t_cmp($fields->{'x-backend-origin'}, [$APP], 'the backend saw the allowed Origin');
ok t_cmp(cors_fields($fields), [], 'no CORS field and no Vary on an allowed handshake');

($status, $fields, $echo) = handshake('/websocket/open/', Origin => $EVIL);
ok t_cmp($status, 403, 'a disallowed origin is answered 403');
ok t_cmp($echo, undef, 'a disallowed origin exchanges no message');
ok t_cmp(cors_fields($fields), [], 'no CORS field on the 403 to a handshake');

($status, $fields, $echo) = handshake('/websocket/open/', Origin => 'null');
ok t_cmp($status, 403, 'the opaque origin null, not listed, is answered 403');

($status, $fields, $echo) = handshake('/websocket/open/', Origin => 'https://app.example.com.evil.net');
ok t_cmp($status, 403, 'a look-alike of the allowed origin is answered 403');

for my $malformed ('https://', 'app.example.com', "$APP/path") {
    ($status) = handshake('/websocket/open/', Origin => $malformed);
    ok t_cmp($status, 403, "a malformed Origin ($malformed) is answered 403");
}
($status) = handshake('/websocket/open/', Origin => $APP, Origin => $EVIL);
ok t_cmp($status, 403, 'two Origin fields (folded into one value) are answered 403');

($status, $fields, $echo) = handshake('/websocket/open/', Origin => $SELF);
ok t_cmp([$status, $echo], [101, 'echo: hello'], 'a same-origin handshake opens the WebSocket');
ok t_cmp(cors_fields($fields), [], 'no CORS field on a same-origin handshake');

($status, $fields, $echo) = handshake('/websocket/open/');
ok t_cmp([$status, $echo], [101, 'echo: hello'], 'a handshake without Origin (not a browser) opens the WebSocket');
ok t_cmp($fields->{'x-backend-origin'}, ['none'], 'the backend saw no Origin');

# The decision is logged in CORS_RESULT like any other.
{
    my $log = Apache::Test::vars('t_logs') . '/cors_access_log';
    handshake('/websocket/open/?logged-denied', Origin => $EVIL);
    handshake('/websocket/open/?logged-allowed', Origin => $APP);
    select undef, undef, undef, 0.5;
    my @lines = split /\n/, CorsTest::read_file($log);
    my ($denied) = grep { /logged-denied/ } @lines;
    my ($allowed) = grep { /logged-allowed/ } @lines;
    ok t_cmp(($denied // '') =~ /" 403 .* cors=denied:origin$/ ? 1 : 0, 1, 'a refused handshake logs 403 and CORS_RESULT denied:origin');
    ok t_cmp(($allowed // '') =~ /" 101 .* cors=allowed$/ ? 1 : 0, 1, 'an allowed handshake logs 101 and CORS_RESULT allowed');
}

# --- Before authentication
($status, $fields) = handshake('/websocket/auth/', Origin => $EVIL);
ok t_cmp($status, 403, 'behind Require valid-user, a disallowed origin is answered 403, not 401');
ok t_cmp($fields->{'www-authenticate'}, undef, 'the 403 does not ask for credentials');
($status) = handshake('/websocket/auth/', Origin => $EVIL, Authorization => $ALICE);
ok t_cmp($status, 403, 'behind Require valid-user, a disallowed origin with valid credentials is answered 403');
($status, $fields) = handshake('/websocket/auth/', Origin => $APP);
ok t_cmp($status, 401, 'behind Require valid-user, an allowed origin without credentials gets 401');
($status, $fields, $echo) = handshake('/websocket/auth/', Origin => $APP, Authorization => $ALICE);
ok t_cmp([$status, $echo], [101, 'echo: hello'], 'behind Require valid-user, an allowed origin with credentials opens the WebSocket');
ok t_cmp(cors_fields($fields), [], 'no CORS field on the credentialed handshake');

# --- CORSCheckWebSocketOrigin Off
($status, $fields, $echo) = handshake('/websocket/unchecked/', Origin => $EVIL);
ok t_cmp([$status, $echo], [101, 'echo: hello'], 'CORSCheckWebSocketOrigin Off: a disallowed origin opens the WebSocket');
ok t_cmp($fields->{'x-backend-origin'}, [$EVIL], 'CORSCheckWebSocketOrigin Off: the backend saw the disallowed Origin');
ok t_cmp(cors_fields($fields), [], 'CORSCheckWebSocketOrigin Off: still no CORS field');

# --- A lone "*": every origin is allowed; the handshake still gets no CORS field.
($status, $fields, $echo) = handshake('/websocket/star/', Origin => $EVIL);
ok t_cmp([$status, $echo], [101, 'echo: hello'], 'under a lone *, any origin opens the WebSocket');
ok t_cmp(cors_fields($fields), [], 'under a lone *, no Access-Control-Allow-Origin on the handshake');
($status) = handshake('/websocket/star/', Origin => 'https://');
ok t_cmp($status, 403, 'under a lone *, a malformed Origin is answered 403');

# --- An ordinary request to the same locations is CORS as usual.
my $res = cors_request(GET => '/websocket/open/', Origin => $EVIL);
ok t_cmp($res->code, 400, 'a plain GET from a disallowed origin is not refused by the WebSocket check (the backend answers 400)');
$res = cors_request(GET => '/websocket/open/', Origin => $APP);
ok t_cmp([header_fields($res, 'Access-Control-Allow-Origin')], [$APP], 'a plain GET from an allowed origin gets its CORS field');
$res = cors_request(GET => '/websocket/star/');
ok t_cmp([header_fields($res, 'Access-Control-Allow-Origin')], ['*'], 'a plain GET under a lone * gets *');
