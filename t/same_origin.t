# SPEC "Same origin": an Origin equal to the request's own origin (scheme, the Host it was
# sent to, its port; a trailing dot in the host ignored) or a request carrying
# Sec-Fetch-Site: same-origin is same-origin: no CORS fields, never rejected
# (t/conf/same_origin.conf.in: CORSRejectDisallowed On).
use strict;
use warnings FATAL => 'all';

use Apache::Test;
use Apache::TestUtil;
use CorsTest;

plan tests => 30, need_module 'cors';

my ($HOST, $PORT) = split /:/, CorsTest::hostport();
my $SELF = "http://$HOST:$PORT";
my $DOC = '/same-origin/doc.txt';
my $n = 0;

# Sends the request with a unique query, and returns (response, CORS_RESULT as logged).
sub request {
    my ($method, @fields) = @_;
    my $marker = 'same-origin-' . $$ . '-' . ++$n;
    my $res = cors_request($method => "$DOC?$marker", @fields);
    my ($line) = grep { /\Q$marker\E/ } split /\n/,
        CorsTest::read_file(Apache::Test::vars('t_logs') . '/cors_access_log');
    my ($result) = ($line // '') =~ / cors=(\S+)$/;
    return ($res, $result // '(not logged)');
}
sub access_control { [sort grep { /^access-control-/i } $_[0]->headers->header_field_names] }

my ($res, $result);

# A same-origin form POST under Referrer-Policy: no-referrer carries Origin: null.
($res, $result) = request(POST => Origin => 'null', 'Sec-Fetch-Site' => 'same-origin',
                          'Content-Type' => 'application/x-www-form-urlencoded', content => 'a=1');
ok t_cmp($res->code, 200, 'Origin: null with Sec-Fetch-Site: same-origin is not rejected');
ok t_cmp($result, 'same-origin', 'Origin: null with Sec-Fetch-Site: same-origin is same-origin');
ok t_cmp(access_control($res), [], 'no CORS field on it');
ok t_cmp([sort(vary_tokens($res))], ['origin', 'sec-fetch-site'], 'its answer varies by Origin and Sec-Fetch-Site, each once');

($res, $result) = request(POST => Origin => 'null', 'Sec-Fetch-Site' => 'cross-site', content => 'a=1');
ok t_cmp([$res->code, $result], [403, 'denied:origin'], 'Origin: null from another site is still rejected');
($res, $result) = request(POST => Origin => 'null', content => 'a=1');
ok t_cmp([$res->code, $result], [403, 'denied:origin'], 'Origin: null without Sec-Fetch-Site is rejected');
($res, $result) = request(GET => Origin => 'https://evil.example.net', 'Sec-Fetch-Site' => 'same-site');
ok t_cmp([$res->code, $result], [403, 'denied:origin'], 'Sec-Fetch-Site: same-site is not same-origin');
($res, $result) = request(GET => Origin => 'https://evil.example.net', 'Sec-Fetch-Site' => 'SAME-ORIGIN');
ok t_cmp([$res->code, $result], [403, 'denied:origin'], 'Sec-Fetch-Site is compared as browsers send it (lower case)');

# Behind a proxy that changed Host, the browser's own word decides.
($res, $result) = request(GET => Origin => 'https://www.example.org', 'Sec-Fetch-Site' => 'same-origin');
ok t_cmp([$res->code, $result], [200, 'same-origin'], 'an Origin other than the Host, with Sec-Fetch-Site: same-origin, is same-origin');
ok t_cmp(access_control($res), [], 'no CORS field on it');

# The Origin matches the Host: no Sec-Fetch-Site needed, and none added to Vary.
($res, $result) = request(GET => Origin => $SELF);
ok t_cmp([$res->code, $result], [200, 'same-origin'], 'the own origin is same-origin');
ok t_cmp([vary_tokens($res)], ['origin'], 'its answer varies by Origin only');
($res, $result) = request(GET => Origin => $SELF, 'Sec-Fetch-Site' => 'same-origin');
ok t_cmp([vary_tokens($res)], ['origin'], 'Sec-Fetch-Site is not in Vary when the Origin alone decided');

# Trailing dots.
($res, $result) = request(GET => Origin => "http://$HOST.:$PORT");
ok t_cmp([$res->code, $result], [200, 'same-origin'], 'an Origin whose host ends with a dot is the own origin');
($res, $result) = request(GET => Origin => $SELF, Host => "$HOST.:$PORT");
ok t_cmp([$res->code, $result], [200, 'same-origin'], 'a Host that ends with a dot is the own host');
($res, $result) = request(GET => Origin => "http://$HOST.:$PORT", Host => "$HOST.:$PORT");
ok t_cmp([$res->code, $result], [200, 'same-origin'], 'both ending with a dot');
($res, $result) = request(GET => Origin => "http://$HOST..:$PORT");
ok t_cmp([$res->code, $result], [403, 'denied:malformed'], 'a host ending with two dots is malformed');
($res, $result) = request(GET => Origin => 'https://app.example.com.');
ok t_cmp([$res->code, $result], [403, 'denied:origin'], 'a listed origin written with a trailing dot is another origin, not malformed');

# Case, default port, other scheme, other port.
($res, $result) = request(GET => Origin => 'HTTP://' . uc($HOST) . ":$PORT");
ok t_cmp([$res->code, $result], [200, 'same-origin'], 'scheme and host compare case-insensitively');
($res, $result) = request(GET => Origin => "https://$HOST:$PORT");
ok t_cmp([$res->code, $result], [403, 'denied:origin'], 'another scheme is another origin');
($res, $result) = request(GET => Origin => "http://$HOST:" . ($PORT + 1));
ok t_cmp([$res->code, $result], [403, 'denied:origin'], 'another port is another origin');
($res, $result) = request(GET => Origin => "http://$HOST", Host => "$HOST:80");
ok t_cmp([$res->code, $result], [200, 'same-origin'], 'Host with the default port :80 equals an Origin without a port');
($res, $result) = request(GET => Origin => "http://$HOST:80", Host => $HOST);
ok t_cmp([$res->code, $result], [200, 'same-origin'], 'an Origin with the default port :80 equals a Host without a port');
($res, $result) = request(GET => Origin => "http://$HOST", Host => "$HOST:8080");
ok t_cmp([$res->code, $result], [403, 'denied:origin'], 'a Host on another port is not the default port');
($res, $result) = request(GET => Origin => 'http://[::1]:' . $PORT, Host => "[::1]:$PORT");
ok t_cmp([$res->code, $result], [200, 'same-origin'], 'an IPv6 literal host with a port');
($res, $result) = request(GET => Origin => 'http://[::1]', Host => '[::1]');
ok t_cmp([$res->code, $result], [200, 'same-origin'], 'an IPv6 literal host without a port');

# An allowed cross-origin request, for contrast.
($res, $result) = request(GET => Origin => 'https://app.example.com');
ok t_cmp([$res->code, $result], [200, 'allowed'], 'an allowed origin is allowed');
ok t_cmp([header_fields($res, 'Access-Control-Allow-Origin')], ['https://app.example.com'], 'and gets its field once');
($res, $result) = request(GET => Origin => 'https://app.example.com', 'Sec-Fetch-Site' => 'cross-site');
ok t_cmp($result, 'allowed', 'Sec-Fetch-Site: cross-site changes nothing for an allowed origin');
ok t_cmp([vary_tokens($res)], ['origin'], 'and adds nothing to Vary');
