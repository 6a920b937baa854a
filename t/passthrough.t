# CORSPreflightPassthrough (SPEC.md, "Preflight"): "With CORSPreflightPassthrough On, an
# allowed preflight is not answered by mod_cors: it proceeds through authentication and
# handlers, and the response gets the preflight headers above (behind Require
# valid-user it then gets 401, which browsers treat as a failed preflight)."  And: "A
# preflight from an allowed origin whose method or headers are not allowed is answered like
# an allowed one (... no Access-Control-Max-Age: nothing is cached) ... Under
# CORSPreflightPassthrough On it proceeds like an allowed one and its response gets the
# same headers."
#
# t/conf/passthrough.conf.in: /passthrough/ (passthrough On, credentials, Max-Age 600,
# methods GET POST PUT DELETE, headers Content-Type X-Requested-With, exposes
# X-Request-Id), /passthrough/private/ (the same behind Require valid-user),
# /passthrough/answered/ (passthrough Off).  app.cgi answers OPTIONS itself.
use strict;
use warnings FATAL => 'all';

use Apache::Test;
use Apache::TestUtil;
use Apache::TestRequest ();
use MIME::Base64 qw(encode_base64);
use CorsTest;

plan tests => 236, need_module 'cgid';

Apache::TestRequest::module('passthrough');

my $ALLOWED = 'https://app.example.com';
my $ALICE   = 'Basic ' . encode_base64('alice:wonderland', '');

sub preflight {
    my ($path, %opt) = @_;
    return cors_request(OPTIONS => $path,
                        Origin => $opt{origin} // $ALLOWED,
                        'Access-Control-Request-Method' => $opt{method} // 'PUT',
                        ($opt{headers} ? ('Access-Control-Request-Headers' => $opt{headers}) : ()),
                        @{ $opt{fields} || [] });
}

sub fields { [header_fields(@_)] }

sub access_control_names {
    my ($res) = @_;
    return [sort map { lc } grep { /^access-control-/i } $res->headers->header_field_names];
}

sub count_token {
    my ($res, $token) = @_;
    return scalar grep { $_ eq $token } vary_tokens($res);
}

# Twelve tests: every preflight header of an allowed preflight comes exactly once with
# its value, and nothing that a preflight must not carry.  With $denied (a preflight from
# the allowed origin whose method or headers are not allowed): the same, without
# Access-Control-Max-Age.
sub has_preflight_headers {
    my ($what, $res, $denied) = @_;
    ok t_cmp(fields($res, 'Access-Control-Allow-Origin'), [$ALLOWED],
             "$what: Access-Control-Allow-Origin is the origin, once");
    ok t_cmp(fields($res, 'Access-Control-Allow-Credentials'), ['true'],
             "$what: Access-Control-Allow-Credentials: true, once");
    ok t_cmp(fields($res, 'Access-Control-Allow-Methods'), ['GET, POST, PUT, DELETE'],
             "$what: Access-Control-Allow-Methods is the configured list, once");
    ok t_cmp(fields($res, 'Access-Control-Allow-Headers'), ['Content-Type, X-Requested-With'],
             "$what: Access-Control-Allow-Headers is the configured list, once");
    if ($denied) {
        ok t_cmp(fields($res, 'Access-Control-Max-Age'), [],
                 "$what: no Access-Control-Max-Age (a denied preflight is not cached)");
    }
    else {
        ok t_cmp(fields($res, 'Access-Control-Max-Age'), ['600'], "$what: Access-Control-Max-Age, once");
    }
    ok t_cmp(fields($res, 'Access-Control-Expose-Headers'), [],
             "$what: no Access-Control-Expose-Headers on a preflight");
    ok t_cmp(fields($res, 'Access-Control-Allow-Private-Network'), [],
             "$what: no Access-Control-Allow-Private-Network (CORSAllowPrivateNetwork is Off)");
    ok t_cmp(access_control_names($res),
             [sort map { lc } qw(Access-Control-Allow-Origin Access-Control-Allow-Credentials
                                 Access-Control-Allow-Methods Access-Control-Allow-Headers),
                          ($denied ? () : 'Access-Control-Max-Age')],
             "$what: no other Access-Control-* header");
    ok t_cmp(count_token($res, 'origin'), 1, "$what: Vary names Origin once");
    ok t_cmp(count_token($res, 'access-control-request-method'), 1,
             "$what: Vary names Access-Control-Request-Method once");
    ok t_cmp(count_token($res, 'access-control-request-headers'), 1,
             "$what: Vary names Access-Control-Request-Headers once");
    ok t_cmp(count_token($res, 'access-control-request-private-network'), 0,
             "$what: Vary does not name Access-Control-Request-Private-Network");
}

# Three tests: the application answered.
sub answered_by_app {
    my ($what, $res, $status) = @_;
    ok t_cmp($res->code, $status, "$what: the application's status, $status");
    ok t_cmp(fields($res, 'X-Handler'), ['app.cgi'], "$what: the application's header");
    ok t_cmp($res->content, "app.cgi answered OPTIONS\n", "$what: the application's body");
}

# --- "an allowed preflight is not answered by mod_cors: it proceeds through ...
#     handlers, and the response gets the preflight headers above" ---

my $res = preflight('/passthrough/open/app', headers => 'content-type');
answered_by_app('an allowed preflight passed through', $res, 200);
has_preflight_headers('an allowed preflight passed through', $res);
ok t_cmp(fields($res, 'Allow'), ['GET, POST, PUT, DELETE, OPTIONS'],
         'an allowed preflight passed through: the application\'s own headers stay');

$res = preflight('/passthrough/open/app', method => 'DELETE',
                 headers => ['X-Requested-With', 'content-type']);
answered_by_app('an allowed preflight for DELETE with two request-header fields', $res, 200);
has_preflight_headers('an allowed preflight for DELETE with two request-header fields', $res);

$res = preflight('/passthrough/open/app?status=202');
answered_by_app('an allowed preflight the application answers 202', $res, 202);
has_preflight_headers('an allowed preflight the application answers 202', $res);

$res = preflight('/passthrough/open/app?status=405');
answered_by_app('an allowed preflight the application refuses with 405', $res, 405);
has_preflight_headers('an allowed preflight the application refuses with 405', $res);

$res = preflight('/passthrough/open/app?backend-headers', headers => 'Content-Type');
answered_by_app('an allowed preflight to an application that sends Access-Control-* itself',
                $res, 200);
has_preflight_headers('an allowed preflight to an application that sends Access-Control-* itself',
                      $res);
ok t_cmp(count_token($res, 'accept-encoding'), 1,
         'an application that sends Vary: its tokens are kept, with the preflight ones');

# Any handler: httpd's own answer to OPTIONS on a static file.
$res = preflight('/passthrough/doc.txt');
ok t_cmp($res->code, 200, 'an allowed preflight to a static file: httpd\'s own OPTIONS answer, 200');
ok t_cmp(scalar header_fields($res, 'Allow'), 1, 'an allowed preflight to a static file: httpd\'s Allow header');
has_preflight_headers('an allowed preflight to a static file', $res);

# --- "behind Require valid-user it then gets 401" ---

$res = preflight('/passthrough/private/app', headers => 'content-type');
ok t_cmp($res->code, 401, 'an allowed preflight behind Require valid-user: 401');
ok t_cmp(scalar header_fields($res, 'WWW-Authenticate'), 1,
         'an allowed preflight behind Require valid-user: authentication asked for credentials');
ok t_cmp(fields($res, 'X-Handler'), [], 'an allowed preflight behind Require valid-user: '
         . 'the application did not run');
has_preflight_headers('an allowed preflight behind Require valid-user (401)', $res);

$res = preflight('/passthrough/private/app', fields => [Authorization => $ALICE]);
answered_by_app('an allowed preflight with valid credentials behind Require valid-user', $res, 200);
has_preflight_headers('an allowed preflight with valid credentials behind Require valid-user', $res);

# --- "A preflight from an allowed origin whose method or headers are not allowed ...
#     Under CORSPreflightPassthrough On it proceeds like an allowed one and its response
#     gets the same headers" (no Access-Control-Max-Age) ---

for my $case (['asking for a method not allowed', method => 'PATCH'],
              ['asking for a header not allowed', headers => 'Content-Type, X-Not-Allowed'],
              ['asking for a header not allowed, to an application that sends Access-Control-*',
               headers => 'X-Not-Allowed', path => '/passthrough/open/app?backend-headers']) {
    my ($what, %opt) = @$case;
    $res = preflight(delete $opt{path} // '/passthrough/open/app', %opt);
    answered_by_app("a preflight $what, passed through", $res, 200);
    has_preflight_headers("a preflight $what, passed through", $res, 'denied');
}

# --- and with CORSPreflightPassthrough Off, mod_cors answers it itself ---

for my $case (['asking for a method not allowed', method => 'PATCH'],
              ['asking for a header not allowed', headers => 'X-Not-Allowed']) {
    my ($what, %opt) = @$case;
    $res = preflight('/passthrough/answered/app', %opt);
    ok t_cmp($res->code, 204, "CORSPreflightPassthrough Off, a preflight $what: mod_cors answers it, 204");
    ok t_cmp(fields($res, 'X-Handler'), [],
             "CORSPreflightPassthrough Off, a preflight $what: the application does not run");
    ok t_cmp($res->content, '', "CORSPreflightPassthrough Off, a preflight $what: no body");
    has_preflight_headers("CORSPreflightPassthrough Off, a preflight $what", $res, 'denied');
}

# --- "Any other denied preflight (origin not allowed, malformed) gets no CORS headers and
#     proceeds as an ordinary OPTIONS request"; so does one whose method is not a token or
#     whose header list holds a name that is not a token ---

for my $case (['from a disallowed origin', origin => 'https://evil.example.net'],
              ['asking for a method that is not a token', method => 'PUT/1'],
              ['asking for a header name that is not a token', headers => 'Content-Type, X(Evil)'],
              ['asking for a method that is not a token, where passthrough is Off',
               method => 'PUT/1', path => '/passthrough/answered/app'],
              ['from a disallowed origin, to an application that sends Access-Control-*',
               origin => 'https://evil.example.net', path => '/passthrough/open/app?backend-headers']) {
    my ($what, %opt) = @$case;
    $res = preflight(delete $opt{path} // '/passthrough/open/app', %opt);
    answered_by_app("a denied preflight $what", $res, 200);
    ok t_cmp(access_control_names($res), [], "a denied preflight $what: no Access-Control-* header");
}

# --- control: with Off, mod_cors answers the preflight itself ---

$res = preflight('/passthrough/answered/app', headers => 'content-type');
ok t_cmp($res->code, 204, 'CORSPreflightPassthrough Off: mod_cors answers the preflight, 204');
ok t_cmp(fields($res, 'X-Handler'), [], 'CORSPreflightPassthrough Off: the application does not run');
ok t_cmp($res->content, '', 'CORSPreflightPassthrough Off: no body');
has_preflight_headers('CORSPreflightPassthrough Off', $res);

# --- an actual request in the same place gets actual-request headers, not preflight ones ---

$res = cors_request(GET => '/passthrough/open/app', Origin => $ALLOWED);
ok t_cmp($res->code, 200, 'an actual request beside passed-through preflights: 200');
ok t_cmp(fields($res, 'Access-Control-Allow-Origin'), [$ALLOWED],
         'an actual request: Access-Control-Allow-Origin, once');
ok t_cmp(fields($res, 'Access-Control-Expose-Headers'), ['X-Request-Id'],
         'an actual request: Access-Control-Expose-Headers, once');
ok t_cmp(fields($res, 'Access-Control-Allow-Methods'), [],
         'an actual request: no Access-Control-Allow-Methods');
ok t_cmp(fields($res, 'Access-Control-Max-Age'), [], 'an actual request: no Access-Control-Max-Age');
