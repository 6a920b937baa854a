# CORSRejectDisallowed (SPEC.md, "Rejecting"): with On, a cross-origin request from a
# disallowed or malformed origin, and a denied preflight, are answered 403 before
# authentication and before any handler; same-origin requests and requests without
# Origin are never rejected.  With Off, the default, denied requests proceed, except a
# preflight from an allowed origin whose method or headers are not allowed, which mod_cors
# answers with the configured lists (SPEC "Preflight"); with On that one gets the 403 too,
# without Access-Control-* fields.
#
# t/conf/reject.conf.in: /reject/on/ (On), /reject/on/private/ (On, Require valid-user),
# /reject/on/off/ (Off again), /reject/default/ (not set).  Allowed: the origin
# https://app.example.com, methods GET POST PUT, request header X-Requested-With.
use strict;
use warnings FATAL => 'all';

use Apache::Test;
use Apache::TestUtil;
use Apache::TestRequest ();
use MIME::Base64 qw(encode_base64);
use CorsTest;

plan tests => 150, need_module 'cgid';

Apache::TestRequest::module('reject');

my $ALLOWED    = 'https://app.example.com';
my $DISALLOWED = 'https://evil.example.net';
my $T_LOGS     = Apache::Test::vars('t_logs');
my $ALICE      = 'Basic ' . encode_base64('alice:wonderland', '');

# Every request gets a query string of its own, which names the handler's marker file.
my $count = 0;
sub tag { 'r' . $$ . '-' . ++$count }

# Sends a request to /reject/$dir/handler; returns the response and whether the
# handler ran.
sub request {
    my ($method, $dir, @fields) = @_;
    my $tag = tag();
    my $res = cors_request($method => "/reject/$dir/handler?$tag", @fields);
    return ($res, -e "$T_LOGS/reject-handler-ran-$tag");
}

sub preflight {
    my ($dir, $origin, $method, @fields) = @_;
    return request(OPTIONS => $dir, Origin => $origin,
                   'Access-Control-Request-Method' => $method, @fields);
}

sub access_control_names {
    my ($res) = @_;
    return [sort grep { /^access-control-/i } $res->headers->header_field_names];
}

# Five tests: 403, the handler did not run and its header is absent, no
# Access-Control-* field, Vary is Origin alone, once (no preflight tokens either).
sub is_rejected {
    my ($what, $res, $ran) = @_;
    ok t_cmp($res->code, 403, "$what: answered 403");
    ok t_cmp($ran ? 'ran' : 'did not run', 'did not run', "$what: the handler does not run");
    ok t_cmp($res->header('X-Reject-Handler'), undef,
             "$what: the response is not the handler's");
    ok t_cmp(access_control_names($res), [], "$what: the 403 carries no Access-Control-* header");
    ok t_cmp([vary_tokens($res)], ['origin'], "$what: the 403 carries Vary: Origin alone, once");
}

# Three tests: the handler ran and answered 200.
sub proceeds {
    my ($what, $res, $ran) = @_;
    ok t_cmp($res->code, 200, "$what: proceeds to the handler's 200");
    ok t_cmp($ran ? 'ran' : 'did not run', 'ran', "$what: the handler runs");
    ok t_cmp($res->header('X-Reject-Handler'), 'ran', "$what: the response is the handler's");
}

sub allow_origin { [header_fields($_[0], 'Access-Control-Allow-Origin')] }

# --- "a cross-origin request from a disallowed or malformed origin [is] answered 403
#     before authentication and before any handler" ---

is_rejected('a GET from a disallowed origin', request(GET => 'on', Origin => $DISALLOWED));
is_rejected('a POST from a disallowed origin',
            request(POST => 'on', Origin => $DISALLOWED, 'Content-Type' => 'text/plain',
                    content => 'payload'));
is_rejected('a request from the opaque origin null, not listed',
            request(GET => 'on', Origin => 'null'));
is_rejected('a request with two Origin fields, each an allowed origin (malformed)',
            request(GET => 'on', Origin => [$ALLOWED, $ALLOWED]));
is_rejected('a request whose Origin is garbage (malformed)',
            request(GET => 'on', Origin => 'not an origin'));
is_rejected('a request whose Origin has a path (malformed)',
            request(GET => 'on', Origin => "$ALLOWED/app"));

{
    # An empty Origin, byte for byte.
    my $tag = tag();
    my ($status, $fields) = raw_request(<<"EOR");
GET /reject/on/handler?$tag HTTP/1.1
Host: @{[ CorsTest::hostport() ]}
Origin:
Connection: close

EOR
    ok t_cmp($status, 403, 'a request with an empty Origin (malformed): answered 403');
    ok t_cmp(-e "$T_LOGS/reject-handler-ran-$tag" ? 'ran' : 'did not run', 'did not run',
             'a request with an empty Origin: the handler does not run');
    ok t_cmp([grep { $_->[0] =~ /^access-control-/i } @$fields], [],
             'a request with an empty Origin: the 403 carries no Access-Control-* header');
}

my ($res, $ran) = request(GET => 'on/private', Origin => $DISALLOWED);
is_rejected('a disallowed origin behind Require valid-user', $res, $ran);
ok t_cmp($res->header('WWW-Authenticate'), undef,
         'a disallowed origin behind Require valid-user: rejected before authentication asks '
         . 'for credentials');
is_rejected('a disallowed origin with valid credentials behind Require valid-user',
            request(GET => 'on/private', Origin => $DISALLOWED, Authorization => $ALICE));
is_rejected('a malformed Origin behind Require valid-user',
            request(GET => 'on/private', Origin => 'garbage'));

# --- "a denied preflight [is] answered 403 before authentication and before any handler" ---

is_rejected('a preflight from a disallowed origin', preflight('on', $DISALLOWED, 'PUT'));
is_rejected('a preflight asking for a method not allowed', preflight('on', $ALLOWED, 'DELETE'));
is_rejected('a preflight asking for a header not allowed',
            preflight('on', $ALLOWED, 'PUT', 'Access-Control-Request-Headers' => 'X-Not-Allowed'));
is_rejected('a preflight with a malformed Origin', preflight('on', 'garbage', 'PUT'));
($res, $ran) = preflight('on/private', $ALLOWED, 'DELETE');
is_rejected('a preflight asking for a method not allowed behind Require valid-user', $res, $ran);
ok t_cmp($res->header('WWW-Authenticate'), undef,
         'a preflight asking for a method not allowed behind Require valid-user: no authentication challenge');

# --- allowed origins proceed normally ---

($res, $ran) = request(GET => 'on', Origin => $ALLOWED);
proceeds('a GET from an allowed origin', $res, $ran);
ok t_cmp(allow_origin($res), [$ALLOWED], 'a GET from an allowed origin: Access-Control-Allow-Origin, once');

($res, $ran) = request(POST => 'on', Origin => $ALLOWED, 'Content-Type' => 'text/plain',
                       content => 'payload');
proceeds('a POST from an allowed origin', $res, $ran);

($res, $ran) = request(GET => 'on/private', Origin => $ALLOWED);
ok t_cmp($res->code, 401, 'an allowed origin without credentials behind Require valid-user: 401');
ok t_cmp($ran ? 'ran' : 'did not run', 'did not run',
         'an allowed origin without credentials: authentication stops it before the handler');
ok t_cmp(allow_origin($res), [$ALLOWED],
         'an allowed origin without credentials: the 401 is readable by the page');

($res, $ran) = request(GET => 'on/private', Origin => $ALLOWED, Authorization => $ALICE);
proceeds('an allowed origin with valid credentials behind Require valid-user', $res, $ran);
ok t_cmp(allow_origin($res), [$ALLOWED],
         'an allowed origin with valid credentials: Access-Control-Allow-Origin, once');

($res, $ran) = preflight('on', $ALLOWED, 'PUT', 'Access-Control-Request-Headers' => 'x-requested-with');
ok t_cmp($res->code, 204, 'an allowed preflight is answered 204, not rejected');
ok t_cmp(allow_origin($res), [$ALLOWED], 'an allowed preflight: Access-Control-Allow-Origin, once');
ok t_cmp($ran ? 'ran' : 'did not run', 'did not run', 'an allowed preflight is answered by mod_cors');

($res, $ran) = preflight('on/private', $ALLOWED, 'PUT');
ok t_cmp($res->code, 204, 'an allowed preflight behind Require valid-user is answered 204');
ok t_cmp(allow_origin($res), [$ALLOWED],
         'an allowed preflight behind Require valid-user: Access-Control-Allow-Origin, once');

# --- "Same-origin requests and requests without Origin are never rejected" ---

my $SELF = CorsTest::base_url();

($res, $ran) = request(GET => 'on', Origin => $SELF);
proceeds('a same-origin GET', $res, $ran);
ok t_cmp(access_control_names($res), [], 'a same-origin GET: no Access-Control-* header');

($res, $ran) = request(POST => 'on', Origin => $SELF, 'Content-Type' => 'application/json',
                       content => '{}');
proceeds('a same-origin POST', $res, $ran);

($res, $ran) = request(OPTIONS => 'on', Origin => $SELF, 'Access-Control-Request-Method' => 'DELETE',
                       'Access-Control-Request-Headers' => 'X-Not-Allowed');
proceeds('a same-origin OPTIONS asking for a method and a header not allowed', $res, $ran);
ok t_cmp(access_control_names($res), [], 'a same-origin OPTIONS: no Access-Control-* header');

($res, $ran) = request(GET => 'on/private', Origin => $SELF);
ok t_cmp($res->code, 401, 'a same-origin request behind Require valid-user: 401, not 403');

($res, $ran) = request(GET => 'on/private', Origin => $SELF, Authorization => $ALICE);
proceeds('a same-origin request with valid credentials behind Require valid-user', $res, $ran);

($res, $ran) = request(GET => 'on');
proceeds('a GET without Origin', $res, $ran);
ok t_cmp(access_control_names($res), [], 'a GET without Origin: no Access-Control-* header');

($res, $ran) = request(OPTIONS => 'on', 'Access-Control-Request-Method' => 'DELETE');
proceeds('an OPTIONS without Origin asking for a method not allowed', $res, $ran);

($res, $ran) = request(GET => 'on/private');
ok t_cmp($res->code, 401, 'a request without Origin behind Require valid-user: 401, not 403');

# --- "With Off (default) denied requests proceed" ---

for my $case (['default', 'CORSRejectDisallowed not set'], ['on/off', 'CORSRejectDisallowed Off under On']) {
    my ($dir, $where) = @$case;

    ($res, $ran) = request(GET => $dir, Origin => $DISALLOWED);
    proceeds("$where: a GET from a disallowed origin", $res, $ran);
    ok t_cmp(access_control_names($res), [],
             "$where: a GET from a disallowed origin gets no Access-Control-* header");

    ($res, $ran) = request(GET => $dir, Origin => 'garbage');
    proceeds("$where: a GET with a malformed Origin", $res, $ran);

    ($res, $ran) = preflight($dir, $DISALLOWED, 'PUT');
    proceeds("$where: a preflight from a disallowed origin proceeds as an ordinary OPTIONS", $res, $ran);
    ok t_cmp(access_control_names($res), [],
             "$where: a preflight from a disallowed origin gets no Access-Control-* header");

    for my $denied (['a method not allowed', 'DELETE'],
                    ['a header not allowed', 'PUT', 'Access-Control-Request-Headers' => 'X-Not-Allowed']) {
        my ($what, @args) = @$denied;
        ($res, $ran) = preflight($dir, $ALLOWED, @args);
        ok t_cmp([$res->code, $ran ? 'ran' : 'did not run'], [204, 'did not run'],
                 "$where: a preflight asking for $what is answered 204 by mod_cors, not rejected");
        ok t_cmp({map { lc($_) => [header_fields($res, $_)] } @{ access_control_names($res) }},
                 {'access-control-allow-origin' => [$ALLOWED], 'access-control-allow-methods' => ['GET, POST, PUT'],
                  'access-control-allow-headers' => ['X-Requested-With']},
                 "$where: a preflight asking for $what gets the origin and the configured lists, once each");
    }

    ($res, $ran) = request(GET => $dir, Origin => $ALLOWED);
    ok t_cmp(allow_origin($res), [$ALLOWED], "$where: an allowed origin still gets its header");
}

# The server keeps serving after all those.
($res) = request(GET => 'on', Origin => $ALLOWED);
ok t_cmp($res->code, 200, 'the server still answers after the rejected requests');
