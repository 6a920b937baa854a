# SPEC "Vary": "In every context where CORS is enabled and the answer depends on the Origin
# (any rule other than a lone * without credentials), every response carries Origin in
# Vary ... Tokens are merged with the existing Vary, never duplicated."  And SPEC
# "Preflight": an allowed preflight says "Vary: Origin, Access-Control-Request-Method,
# Access-Control-Request-Headers".
# Configuration: t/conf/vary.conf.in; documents: t/htdocs/vary/.
use strict;
use warnings FATAL => 'all';

use Apache::Test;
use Apache::TestUtil;
use CorsTest;

plan tests => 51, need need_cgi, need_module(qw(alias headers));

my $ORIGIN = 'https://app.example.com';

# Vary of a response as [number of Vary fields, its tokens lower-cased and sorted]:
# [1, 'origin'] is a single field holding Origin once; [0] is no Vary at all.
# httpd joins tokens with "," (fixup_vary), so tokens are compared, not the string.
sub vary {
    my ($res) = @_;
    my $fields = header_fields($res, 'Vary');
    return [$fields, sort(vary_tokens($res))];
}

sub get {
    my ($path, @fields) = @_;
    return cors_request(GET => "/vary/$path", @fields);
}

sub preflight {
    my ($path, $method, @fields) = @_;
    return cors_request(OPTIONS => "/vary/$path", Origin => $ORIGIN,
                        'Access-Control-Request-Method' => $method, @fields);
}

# --- Every response, whatever the Origin, where the answer depends on it ----------------
{
    my $res = get('listed/doc.txt', Origin => $ORIGIN);
    ok t_cmp([header_fields($res, 'Access-Control-Allow-Origin')], [$ORIGIN],
             'the listed origin is allowed (control)');
    ok t_cmp(vary($res), [1, 'origin'], 'an allowed origin gets Vary: Origin');
}
ok t_cmp(vary(get('listed/doc.txt', Origin => 'https://attacker.example')), [1, 'origin'],
         'a denied origin gets Vary: Origin');
ok t_cmp(vary(get('listed/doc.txt', Origin => 'example.com')), [1, 'origin'],
         'a malformed Origin gets Vary: Origin');
ok t_cmp(vary(get('listed/doc.txt', Origin => CorsTest::base_url())), [1, 'origin'],
         'a same-origin request gets Vary: Origin');
ok t_cmp(vary(get('listed/doc.txt')), [1, 'origin'], 'a request without Origin gets Vary: Origin');
ok t_cmp(vary(get('listed/missing.txt')), [1, 'origin'],
         'an error response (404) without Origin gets Vary: Origin');
ok t_cmp(vary(get('listed/missing.txt', Origin => $ORIGIN)), [1, 'origin'],
         'an error response (404) to an allowed origin gets Vary: Origin');
ok t_cmp(vary(get('listed/cgi/vary.cgi')), [1, 'origin'],
         'a CGI response without Origin gets Vary: Origin');
{
    my $etag = get('listed/doc.txt')->header('ETag') // 'no ETag';
    ok t_cmp(vary(get('listed/doc.txt', Origin => $ORIGIN, 'If-None-Match' => $etag)),
             [1, 'origin'], 'a 304 Not Modified to an allowed origin gets Vary: Origin');
    my $res = cors_request(POST => '/vary/listed/cgi/vary.cgi', Origin => $ORIGIN,
                           content => 'x' x 100);
    ok t_cmp([$res->code, @{ vary($res) }], [413, 1, 'origin'],
             'a 413 (body over LimitRequestBody) to an allowed origin gets Vary: Origin');
}
ok t_cmp(vary(get('regex/doc.txt')), [1, 'origin'],
         'a regex origin rule makes responses vary on Origin');

# --- "any rule other than a lone * without credentials" ---------------------------------
{
    my $res = get('star/doc.txt', Origin => $ORIGIN);
    ok t_cmp([header_fields($res, 'Access-Control-Allow-Origin')], ['*'],
             'a lone "*" answers "*" (control)');
    ok t_cmp(vary($res), [0], 'a lone "*" without credentials adds no Vary (allowed origin)');
}
ok t_cmp(vary(get('star/doc.txt')), [0], 'a lone "*" without credentials adds no Vary (no Origin)');
ok t_cmp(vary(get('star/doc.txt', Origin => 'null')), [0],
         'a lone "*" without credentials adds no Vary (null)');

{
    my $res = get('star/credentials/doc.txt', Origin => $ORIGIN);
    ok t_cmp([header_fields($res, 'Access-Control-Allow-Origin'),
              header_fields($res, 'Access-Control-Allow-Credentials')], ['*'],
             '"*" inherited with credentials on answers "*" without credentials (control)');
    ok t_cmp(vary($res), [1, 'origin'], '"*" inherited with credentials on adds Vary: Origin');
}
ok t_cmp(vary(get('star/credentials/doc.txt')), [1, 'origin'],
         '"*" inherited with credentials on adds Vary: Origin (no Origin)');
ok t_cmp(vary(get('star-plus/doc.txt', Origin => $ORIGIN)), [1, 'origin'],
         '"*" with an origin beside it adds Vary: Origin');
ok t_cmp(vary(get('star-plus/doc.txt')), [1, 'origin'],
         '"*" with an origin beside it adds Vary: Origin (no Origin)');
ok t_cmp(vary(get('star-null/doc.txt')), [1, 'origin'], '"*" with null beside it adds Vary: Origin');
ok t_cmp(vary(get('star-regex/doc.txt')), [1, 'origin'], '"*" with a regex beside it adds Vary: Origin');

# --- "Tokens are merged with the existing Vary, never duplicated" -----------------------
for my $case (['allowed origin', Origin => $ORIGIN], ['denied origin', Origin => 'https://attacker.example'],
              ['no Origin'], ['a 404', path => 'missing.txt']) {
    my ($what, %opt) = @$case;
    my $path = 'header-set/' . ($opt{path} // 'doc.txt');
    my @origin = $opt{Origin} ? (Origin => $opt{Origin}) : ();
    ok t_cmp(vary(get($path, @origin)), [1, 'accept-encoding', 'origin'],
             "Vary set by Header always set: Origin is merged into it ($what)");
}
for my $case (['allowed origin', Origin => $ORIGIN], ['no Origin'], ['a 404', path => 'missing.txt']) {
    my ($what, %opt) = @$case;
    my $path = 'header-merge/' . ($opt{path} // 'doc.txt');
    my @origin = $opt{Origin} ? (Origin => $opt{Origin}) : ();
    ok t_cmp(vary(get($path, @origin)), [1, 'origin'],
             "Vary: Origin from Header always merge: Origin is not added twice ($what)");
}
ok t_cmp(vary(get('listed/cgi/vary.cgi?Accept-Encoding', Origin => $ORIGIN)),
         [1, 'accept-encoding', 'origin'], 'Origin is merged into a CGI script\'s Vary');
ok t_cmp(vary(get('listed/cgi/vary.cgi?Accept-Encoding')), [1, 'accept-encoding', 'origin'],
         'Origin is merged into a CGI script\'s Vary (no Origin)');
ok t_cmp(vary(get('listed/cgi/vary.cgi?origin', Origin => $ORIGIN)), [1, 'origin'],
         'a CGI script\'s Vary: origin (lower case) is not duplicated');
ok t_cmp(vary(get('listed/cgi/vary.cgi?Accept-Encoding,%20Origin', Origin => $ORIGIN)),
         [1, 'accept-encoding', 'origin'], 'a CGI script\'s Vary listing Origin is not duplicated');
ok t_cmp(vary(get('listed/cgi/vary.cgi?Origin,%20Accept-Encoding')),
         [1, 'accept-encoding', 'origin'],
         'a CGI script\'s Vary listing Origin first is not duplicated (no Origin)');

# --- Preflights: "Vary: Origin, Access-Control-Request-Method,
# Access-Control-Request-Headers (plus Access-Control-Request-Private-Network where
# CORSAllowPrivateNetwork On)" -----------------------------------------------------------
my @preflight_vary = (1, 'access-control-request-headers', 'access-control-request-method', 'origin');
{
    my $res = preflight('listed/doc.txt', 'PUT');
    ok t_cmp($res->code, 204, 'the preflight is allowed (control)');
    ok t_cmp(vary($res), [@preflight_vary],
             'an allowed preflight varies on Origin and the two request headers');
}
# "A preflight from an allowed origin whose method or headers are not allowed is answered
# like an allowed one (... Vary)".
{
    my $res = preflight('listed/doc.txt', 'DELETE');
    ok t_cmp([$res->code, header_fields($res, 'Access-Control-Allow-Origin'),
              header_fields($res, 'Access-Control-Allow-Methods')], [204, $ORIGIN, 'PUT'],
             'a preflight for a method not allowed is answered with the configured list (control)');
    ok t_cmp(vary($res), [@preflight_vary],
             'a preflight denied for its method varies on Origin and the two request headers, once each');
}
{
    my $res = preflight('listed/doc.txt', 'PUT', 'Access-Control-Request-Headers' => 'X-Not-Allowed');
    ok t_cmp([$res->code, header_fields($res, 'Access-Control-Allow-Origin'),
              header_fields($res, 'Access-Control-Allow-Headers')], [204, $ORIGIN],
             'a preflight for a header not allowed is answered, without Access-Control-Allow-Headers '
             . 'since none is configured (control)');
    ok t_cmp(vary($res), [@preflight_vary],
             'a preflight denied for its headers varies on Origin and the two request headers, once each');
}
ok t_cmp(vary(preflight('private-network/doc.txt', 'DELETE')),
         [1, 'access-control-request-headers', 'access-control-request-method',
          'access-control-request-private-network', 'origin'],
         'with CORSAllowPrivateNetwork On, a preflight denied for its method also varies on '
         . 'Access-Control-Request-Private-Network');
{
    # A preflight from a disallowed origin is an ordinary OPTIONS: Vary: Origin only.
    my $res = cors_request(OPTIONS => '/vary/listed/doc.txt', Origin => 'https://attacker.example',
                           'Access-Control-Request-Method' => 'PUT');
    ok t_cmp(vary($res), [1, 'origin'], 'a preflight from a disallowed origin gets Vary: Origin only');
}
# "headers that the configuration puts on every response (... Header always merge Vary ...)
# are on it too, merged with mod_cors's Vary".
ok t_cmp(vary(preflight('header-set/doc.txt', 'GET')),
         [1, 'accept-encoding', 'access-control-request-headers', 'access-control-request-method', 'origin'],
         'an allowed preflight: Vary set by Header always set is merged with the preflight tokens');
ok t_cmp(vary(preflight('header-merge/doc.txt', 'GET')), [@preflight_vary],
         'an allowed preflight: Vary: Origin from Header always merge is not added twice');
ok t_cmp(vary(preflight('star/doc.txt', 'GET')), [@preflight_vary],
         'an allowed preflight under a lone "*" varies on Origin and the two request headers');
ok t_cmp(vary(preflight('private-network/doc.txt', 'PUT')),
         [1, 'access-control-request-headers', 'access-control-request-method',
          'access-control-request-private-network', 'origin'],
         'with CORSAllowPrivateNetwork On, an allowed preflight also varies on Access-Control-Request-Private-Network');

# --- Where CORS is not enabled, mod_cors adds no Vary -----------------------------------
ok t_cmp(vary(get('off/doc.txt', Origin => $ORIGIN)), [0], 'no origin rule: no Vary (with Origin)');
ok t_cmp(vary(get('off/doc.txt')), [0], 'no origin rule: no Vary (no Origin)');
ok t_cmp(vary(get('disabled/doc.txt', Origin => $ORIGIN)), [0], 'CORSEnable Off: no Vary (with Origin)');
ok t_cmp(vary(get('disabled/doc.txt')), [0], 'CORSEnable Off: no Vary (no Origin)');
