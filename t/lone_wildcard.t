# SPEC "Origin rules", "*": where * is the only rule and credentials are off, every
# response in the context carries Access-Control-Allow-Origin: *, with or without Origin
# (Fetch, "CORS protocol and HTTP caches"), and no Vary: Origin -- unless the answer does
# depend on the Origin (CORSRejectDisallowed answers a malformed one 403).
# Configuration: t/conf/lone_wildcard.conf.in.
use strict;
use warnings FATAL => 'all';

use Apache::Test;
use Apache::TestUtil;
use CorsTest;

plan tests => 31, need_module 'cors';

my $SELF = CorsTest::base_url();

sub fields {
    my ($res) = @_;
    return [map { my $n = $_; map { "$n: $_" } header_fields($res, $n) }
            qw(Access-Control-Allow-Origin Access-Control-Allow-Credentials Access-Control-Expose-Headers)];
}
my $STAR = ['Access-Control-Allow-Origin: *', 'Access-Control-Expose-Headers: X-Request-Id'];

my @cases = (
    ['without Origin',           GET => '/lone-star/doc.txt'],
    ['from any origin',          GET => '/lone-star/doc.txt', Origin => 'https://app.example.com'],
    ['from the own origin',      GET => '/lone-star/doc.txt', Origin => $SELF],
    ['from the opaque origin',   GET => '/lone-star/doc.txt', Origin => 'null'],
    ['from a malformed Origin',  GET => '/lone-star/doc.txt', Origin => 'app.example.com'],
    ['for httpd\'s own 404',     GET => '/lone-star/missing.txt'],
    ['for a HEAD',               HEAD => '/lone-star/doc.txt'],
    ['for a conditional GET answered 304', GET => '/lone-star/doc.txt', 'If-Modified-Since' => 'Fri, 01 Jan 2100 00:00:00 GMT'],
    ['for an OPTIONS that is not a preflight', OPTIONS => '/lone-star/doc.txt'],
);
for my $case (@cases) {
    my ($what, $method, $path, @fields) = @$case;
    my $res = cors_request($method => $path, @fields);
    ok t_cmp(fields($res), $STAR, "lone *: the response $what carries * and the exposed names, once each");
    ok t_cmp([grep { $_ eq 'origin' } vary_tokens($res)], [], "lone *: the response $what has no Vary: Origin");
}
my $res = cors_request(GET => '/lone-star/doc.txt');
ok t_cmp($res->code, 200, 'lone *: a request without Origin is served');

# A preflight under a lone *: the preflight answer, with *.
$res = cors_request(OPTIONS => '/lone-star/doc.txt', Origin => 'https://app.example.com',
                    'Access-Control-Request-Method' => 'POST');
ok t_cmp([$res->code, header_fields($res, 'Access-Control-Allow-Origin')], [204, '*'], 'lone *: a preflight is answered with *');
ok t_cmp([header_fields($res, 'Access-Control-Expose-Headers')], [], 'lone *: no Access-Control-Expose-Headers on a preflight');

# With CORSRejectDisallowed On the answer depends on the Origin.
$res = cors_request(GET => '/lone-star/reject/doc.txt');
ok t_cmp(fields($res), $STAR, 'lone * with CORSRejectDisallowed: a request without Origin still gets *');
ok t_cmp([vary_tokens($res)], ['origin'], 'lone * with CORSRejectDisallowed: ... and Vary: Origin, once');
$res = cors_request(GET => '/lone-star/reject/doc.txt', Origin => 'https://app.example.com');
ok t_cmp([$res->code, @{ fields($res) }], [200, @$STAR], 'lone * with CORSRejectDisallowed: any well-formed origin gets *');
$res = cors_request(GET => '/lone-star/reject/doc.txt', Origin => 'app.example.com');
ok t_cmp($res->code, 403, 'lone * with CORSRejectDisallowed: a malformed Origin is answered 403');
ok t_cmp(fields($res), [], 'lone * with CORSRejectDisallowed: the 403 carries no CORS field');
ok t_cmp([vary_tokens($res)], ['origin'], 'lone * with CORSRejectDisallowed: the 403 says Vary: Origin');

# "*" with credentials (through inheritance) is no lone "*": only cross-origin requests
# get it, never with credentials.
$res = cors_request(GET => '/lone-star/cred/doc.txt');
ok t_cmp(fields($res), [], '* meeting credentials: no CORS field without Origin');
ok t_cmp([vary_tokens($res)], ['origin'], '* meeting credentials: Vary: Origin');
$res = cors_request(GET => '/lone-star/cred/doc.txt', Origin => 'https://app.example.com');
ok t_cmp(fields($res), [@$STAR], '* meeting credentials: * without credentials for a cross-origin request');
$res = cors_request(GET => '/lone-star/cred/doc.txt', Origin => $SELF);
ok t_cmp(fields($res), [], '* meeting credentials: no CORS field for the own origin');
