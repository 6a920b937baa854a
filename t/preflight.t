# Preflights: SPEC.md "Preflight" and "Methods, headers, credentials".
# Configuration: t/conf/preflight.conf.in; documents: t/htdocs/preflight/<location>/doc.txt.
use strict;
use warnings FATAL => 'all';

use Apache::Test;
use Apache::TestUtil;
use CorsTest qw(:DEFAULT base_url hostport);
use IO::Socket::INET ();
use MIME::Base64 qw(encode_base64);

plan tests => 192, need_module qw(proxy proxy_http headers auth_basic authn_file authz_user);

my $ORIGIN = 'https://app.example.com';
my $VARY   = ['origin', 'access-control-request-method', 'access-control-request-headers'];

# A preflight from $ORIGIN for $method; more fields may follow.
sub preflight {
    my ($path, $method, @fields) = @_;
    return cors_request(OPTIONS => $path, Origin => $ORIGIN,
                        'Access-Control-Request-Method' => $method, @fields);
}

# The same OPTIONS without Origin (Access-Control-Request-Method alone makes no preflight):
# what httpd and the handler answer anyway.
sub plain_options {
    my ($path) = @_;
    return cors_request(OPTIONS => $path, 'Access-Control-Request-Method' => 'PUT');
}

# Every field of that name, one element per field: [] when absent, ['v'] when once.
sub fields { [header_fields(@_)] }

# The names of the response's Access-Control-* fields, lower-cased, sorted.
sub access_control_names {
    my ($res) = @_;
    my @names;
    $res->headers->scan(sub { push @names, lc $_[0] if $_[0] =~ /^Access-Control-/i });
    return [sort @names];
}

# How often each preflight Vary token occurs.
sub preflight_vary_counts {
    my ($res) = @_;
    my %count;
    $count{$_}++ for vary_tokens($res);
    return [map { $count{$_} || 0 } @$VARY];
}

# A preflight denied for its origin, for a method that is not a token or for a header list
# past the limits (64 names, 4 KiB, a name that is not a token) carries no CORS headers and
# is answered as the same OPTIONS without Origin: same status, same Allow.  Three tests.
sub ok_denied_as_plain_options {
    my ($res, $path, $why) = @_;
    my $plain = plain_options($path);
    ok t_cmp(access_control_names($res), [], "$why: no Access-Control-* header");
    ok t_cmp($res->code, $plain->code, "$why: the status of an ordinary OPTIONS");
    ok t_cmp(fields($res, 'Allow'), fields($plain, 'Allow'),
             "$why: the Allow header of an ordinary OPTIONS");
}

# Every Access-Control-* field of the response, as "name: value" (name lower-cased), sorted.
sub access_control_fields {
    my ($res) = @_;
    my @fields;
    $res->headers->scan(sub { push @fields, lc($_[0]) . ": $_[1]" if $_[0] =~ /^Access-Control-/i });
    return [sort @fields];
}

# "A preflight from an allowed origin whose method or headers are not allowed is answered
# like an allowed one (same status, Access-Control-Allow-Origin, -Credentials, the
# configured -Methods and -Headers lists, Vary) ... (no Access-Control-Max-Age: nothing is
# cached)": answered by mod_cors before the handler, with exactly the Access-Control-*
# fields in %want (name => value).  Five tests.
sub ok_denied_answered {
    my ($res, $why, %want) = @_;
    ok t_cmp($res->code, 204, "$why: answered by mod_cors like an allowed preflight, 204");
    ok t_cmp(access_control_fields($res), [sort map { lc($_) . ": $want{$_}" } keys %want],
             "$why: exactly the origin, credentials and configured lists, once each, "
             . 'and no Access-Control-Max-Age');
    ok t_cmp(preflight_vary_counts($res), [1, 1, 1],
             "$why: Vary names Origin, Access-Control-Request-Method, "
             . 'Access-Control-Request-Headers once each');
    ok t_cmp(fields($res, 'Allow'), [],
             "$why: answered before the handler (no Allow from httpd\'s OPTIONS handler)");
    ok t_cmp([$res->content, fields($res, 'Content-Type')], ['', []], "$why: no body, no Content-Type");
}

# Sends $text (a request with Connection: close) and reads until the server closes:
# (status, [[name, value], ...], every byte after the header block).
sub raw_to_eof {
    my ($text) = @_;
    $text =~ s/\n/\r\n/g;
    my $sock = IO::Socket::INET->new(PeerAddr => hostport(), Timeout => 10)
        or die "cannot connect to " . hostport() . ": $@\n";
    binmode $sock;
    print {$sock} $text;
    local $SIG{ALRM} = sub { die "no end of response within 30 s\n" };
    alarm 30;
    my $all = do { local $/; <$sock> };
    alarm 0;
    my ($head, $rest) = split /\r\n\r\n/, $all, 2;
    my ($status_line, @lines) = split /\r\n/, $head;
    my ($status) = $status_line =~ m{^HTTP/\d\.\d (\d{3})};
    return ($status, [map { [split /:[ \t]*/, $_, 2] } @lines], $rest // '');
}

# A comma-separated list of $count header names, $length bytes long.
sub header_name_list {
    my ($count, $length) = @_;
    my @names = map { sprintf 'x-h%02d', $_ } 1 .. $count;
    my $list = join ', ', @names;
    die "header_name_list: $length is too short\n" if length $list > $length;
    $names[-1] .= 'a' x ($length - length $list);
    return join ', ', @names;
}

#
# "A preflight is an OPTIONS request that carries Origin and Access-Control-Request-Method."
# "An allowed preflight is answered by mod_cors itself ... with the CORSPreflightStatus
# status, no body, no Content-Type"
#
{
    my $res = preflight('/preflight/default/doc.txt', 'POST');
    ok t_cmp($res->code, 204, 'an allowed preflight is answered 204 by default');
    ok t_cmp(fields($res, 'Access-Control-Allow-Origin'), [$ORIGIN],
             'an allowed preflight gets Access-Control-Allow-Origin once, the Origin as received');
    ok t_cmp(fields($res, 'Access-Control-Allow-Credentials'), [],
             'no Access-Control-Allow-Credentials without CORSAllowCredentials');
    ok t_cmp(fields($res, 'Access-Control-Allow-Methods'), ['GET, HEAD, POST'],
             'Access-Control-Allow-Methods defaults to GET, HEAD, POST');
    ok t_cmp(fields($res, 'Access-Control-Allow-Headers'), [],
             'no Access-Control-Allow-Headers when nothing was requested and nothing is configured');
    ok t_cmp(fields($res, 'Access-Control-Max-Age'), [],
             'no Access-Control-Max-Age without CORSMaxAge');
    ok t_cmp(fields($res, 'Content-Type'), [], 'an allowed preflight has no Content-Type');
    ok t_cmp(fields($res, 'Allow'), [],
             'an allowed preflight is answered before the handler (no Allow from httpd\'s OPTIONS handler)');
    ok t_cmp(preflight_vary_counts($res), [1, 1, 1],
             'Vary names Origin, Access-Control-Request-Method, Access-Control-Request-Headers once each');

    my ($status, $fields, $rest) = raw_to_eof(<<"EOR");
OPTIONS /preflight/default/doc.txt HTTP/1.1
Host: @{[ hostport() ]}
Origin: $ORIGIN
Access-Control-Request-Method: POST
Connection: close

EOR
    ok t_cmp($status, 204, 'an allowed preflight over a raw connection: 204');
    ok t_cmp($rest, '', 'a 204 preflight answer has no body');
    ok t_cmp([header_fields($fields, 'Transfer-Encoding')], [],
             'a 204 preflight answer is not chunked');
}

# CORSPreflightStatus 200
{
    my ($status, $fields, $rest) = raw_to_eof(<<"EOR");
OPTIONS /preflight/status200/doc.txt HTTP/1.1
Host: @{[ hostport() ]}
Origin: $ORIGIN
Access-Control-Request-Method: GET
Connection: close

EOR
    ok t_cmp($status, 200, 'CORSPreflightStatus 200: an allowed preflight is answered 200');
    ok t_cmp([header_fields($fields, 'Content-Length')], ['0'],
             'CORSPreflightStatus 200: Content-Length: 0');
    ok t_cmp($rest, '', 'CORSPreflightStatus 200: no body');
    ok t_cmp([header_fields($fields, 'Content-Type')], [],
             'CORSPreflightStatus 200: no Content-Type');
    ok t_cmp([header_fields($fields, 'Access-Control-Allow-Origin')], [$ORIGIN],
             'CORSPreflightStatus 200: Access-Control-Allow-Origin once');
    ok t_cmp([header_fields($fields, 'Access-Control-Allow-Methods')], ['GET, HEAD, POST'],
             'CORSPreflightStatus 200: Access-Control-Allow-Methods once');
}

#
# "Access-Control-Allow-Origin (and -Credentials) as for an actual request;
#  Access-Control-Allow-Methods: the configured list, comma-separated;
#  Access-Control-Allow-Headers: the configured list ...; Access-Control-Max-Age when
#  configured ... No Access-Control-Expose-Headers on a preflight."
#
{
    my $res = preflight('/preflight/full/doc.txt', 'PUT',
                        'Access-Control-Request-Headers' => 'content-type, x-requested-with');
    ok t_cmp($res->code, 204, 'a preflight with configured methods, headers and credentials: 204');
    my $acao = fields($res, 'Access-Control-Allow-Origin');
    ok t_cmp($acao, [$ORIGIN], 'with credentials: Access-Control-Allow-Origin is the Origin, once');
    ok t_cmp(scalar(grep { /,/ } @$acao), 0, 'Access-Control-Allow-Origin holds no comma');
    ok t_cmp(fields($res, 'Access-Control-Allow-Credentials'), ['true'],
             'CORSAllowCredentials On: Access-Control-Allow-Credentials: true, once');
    ok t_cmp(fields($res, 'Access-Control-Allow-Methods'), ['GET, PUT, DELETE'],
             'Access-Control-Allow-Methods is the configured list, comma-separated, once');
    ok t_cmp(fields($res, 'Access-Control-Allow-Headers'),
             ['X-Requested-With, Content-Type, X-A, X-B'],
             'Access-Control-Allow-Headers is the configured list (several lines are one list), once');
    ok t_cmp(fields($res, 'Access-Control-Max-Age'), ['600'],
             'CORSMaxAge: Access-Control-Max-Age once');
    ok t_cmp(fields($res, 'Access-Control-Expose-Headers'), [],
             'no Access-Control-Expose-Headers on a preflight, even when configured');
    ok t_cmp(preflight_vary_counts($res), [1, 1, 1],
             'with credentials too, Vary names the three request headers once each');
    ok t_cmp(fields($res, 'Content-Type'), [], 'no Content-Type');

    $res = cors_request(GET => '/preflight/full/doc.txt', Origin => $ORIGIN);
    ok t_cmp(fields($res, 'Access-Control-Expose-Headers'), ['X-Total-Count'],
             'the same location exposes X-Total-Count on an actual request');

    $res = preflight('/preflight/full/doc.txt', 'DELETE');
    ok t_cmp(fields($res, 'Access-Control-Allow-Headers'),
             ['X-Requested-With, Content-Type, X-A, X-B'],
             'Access-Control-Allow-Headers lists the configured names when none were requested');

    $res = cors_request(OPTIONS => '/preflight/default/doc.txt', Origin => 'https://APP.example.com',
                        'Access-Control-Request-Method' => 'GET');
    ok t_cmp(fields($res, 'Access-Control-Allow-Origin'), ['https://APP.example.com'],
             'Access-Control-Allow-Origin is the Origin as received, not as configured');
}

# "Credentials are never granted to an origin matched only by *"
{
    my $res = preflight('/preflight/wildcard/doc.txt', 'PUT');
    ok t_cmp($res->code, 204, 'CORSAllowOrigin *: a preflight is allowed');
    ok t_cmp(fields($res, 'Access-Control-Allow-Origin'), ['*'],
             'CORSAllowOrigin * without credentials: Access-Control-Allow-Origin: *, once');
    ok t_cmp(fields($res, 'Access-Control-Allow-Credentials'), [],
             'CORSAllowOrigin *: no Access-Control-Allow-Credentials');
    ok t_cmp(fields($res, 'Access-Control-Allow-Methods'), ['PUT'],
             'CORSAllowOrigin *: Access-Control-Allow-Methods as configured');

    $res = preflight('/preflight/wildcard/credentials/doc.txt', 'PUT');
    ok t_cmp($res->code, 204, '* with inherited credentials: the preflight is allowed');
    ok t_cmp(fields($res, 'Access-Control-Allow-Origin'), ['*'],
             '* with inherited credentials: Access-Control-Allow-Origin: *, once');
    ok t_cmp(fields($res, 'Access-Control-Allow-Credentials'), [],
             '* with inherited credentials: no Access-Control-Allow-Credentials');
}

#
# "An allowed preflight is answered by mod_cors itself, before authentication and
# authorization (browsers never send credentials on a preflight)"
#
{
    my $path = '/preflight/private/doc.txt';
    my $res = preflight($path, 'PUT');
    ok t_cmp($res->code, 204, 'a preflight to a Require valid-user location is answered 204');
    ok t_cmp(fields($res, 'Access-Control-Allow-Origin'), [$ORIGIN],
             'behind authentication: Access-Control-Allow-Origin once');
    ok t_cmp(fields($res, 'Access-Control-Allow-Credentials'), ['true'],
             'behind authentication: Access-Control-Allow-Credentials: true once');
    ok t_cmp(fields($res, 'Access-Control-Allow-Methods'), ['GET, PUT'],
             'behind authentication: Access-Control-Allow-Methods once');
    ok t_cmp(fields($res, 'WWW-Authenticate'), [],
             'behind authentication: the preflight answer asks for no credentials');

    $res = cors_request(GET => $path, Origin => $ORIGIN);
    ok t_cmp($res->code, 401, 'an actual request without credentials still gets 401');
    ok t_cmp(fields($res, 'Access-Control-Allow-Origin'), [$ORIGIN],
             'the 401 carries Access-Control-Allow-Origin once');
    ok t_cmp(fields($res, 'Access-Control-Allow-Credentials'), ['true'],
             'the 401 carries Access-Control-Allow-Credentials once');
    ok t_cmp(fields($res, 'Access-Control-Allow-Methods'), [],
             'the 401 to an actual request has no Access-Control-Allow-Methods');

    $res = cors_request(GET => $path, Origin => $ORIGIN,
                        Authorization => 'Basic ' . encode_base64('alice:wonderland', ''));
    ok t_cmp($res->code, 200, 'an actual request with credentials gets 200');
    ok t_cmp(fields($res, 'Access-Control-Allow-Origin'), [$ORIGIN],
             'the authenticated answer carries Access-Control-Allow-Origin once');

    $res = plain_options($path);
    ok t_cmp($res->code, 401, 'an OPTIONS without Origin there gets 401');
    $res = preflight($path, 'DELETE');
    ok_denied_answered($res, 'a preflight for a method not allowed, behind authentication',
                       'Access-Control-Allow-Origin' => $ORIGIN,
                       'Access-Control-Allow-Credentials' => 'true',
                       'Access-Control-Allow-Methods' => 'GET, PUT');
    ok t_cmp(fields($res, 'WWW-Authenticate'), [],
             'a preflight for a method not allowed is answered before authentication: no WWW-Authenticate');
}

# "... and before any handler": mod_proxy answers OPTIONS itself, from its backend.
{
    my $path = '/preflight/proxied/doc.txt';
    my $plain = plain_options($path);
    ok t_cmp(fields($plain, 'X-Preflight-Backend'), ['reached'],
             'an OPTIONS without Origin reaches the proxied backend');

    my $res = preflight($path, 'PUT');
    ok t_cmp($res->code, 204, 'an allowed preflight to a proxied location is answered 204');
    ok t_cmp(fields($res, 'X-Preflight-Backend'), [],
             'an allowed preflight is answered before the handler: the backend is not asked');
    ok t_cmp(fields($res, 'Access-Control-Allow-Methods'), ['GET, PUT'],
             'the proxied location\'s preflight answer carries its Access-Control-Allow-Methods');

    $res = preflight($path, 'DELETE');
    ok t_cmp(fields($res, 'X-Preflight-Backend'), [],
             'a preflight for a method not allowed is answered before the handler: the backend is not asked');
    ok_denied_answered($res, 'a preflight for a method not allowed to a proxied location',
                       'Access-Control-Allow-Origin' => $ORIGIN,
                       'Access-Control-Allow-Methods' => 'GET, PUT');

    $res = cors_request(OPTIONS => $path, Origin => 'https://evil.example.com',
                        'Access-Control-Request-Method' => 'PUT');
    ok t_cmp(fields($res, 'X-Preflight-Backend'), ['reached'],
             'a preflight from a disallowed origin proceeds to the handler');
    ok_denied_as_plain_options($res, $path, 'a preflight from a disallowed origin to a proxied location');

    # "An OPTIONS without Access-Control-Request-Method is an actual request."
    $res = cors_request(OPTIONS => $path, Origin => $ORIGIN);
    ok t_cmp(fields($res, 'X-Preflight-Backend'), ['reached'],
             'an OPTIONS with Origin but no Access-Control-Request-Method reaches the handler');
    ok t_cmp($res->code, $plain->code, 'an OPTIONS actual request gets the handler\'s status');
    ok t_cmp(fields($res, 'Access-Control-Allow-Origin'), [$ORIGIN],
             'an OPTIONS actual request gets Access-Control-Allow-Origin once');
    ok t_cmp(fields($res, 'Access-Control-Allow-Methods'), [],
             'an OPTIONS actual request gets no Access-Control-Allow-Methods');
}

# The same for a static file, whose OPTIONS httpd answers with Allow.
{
    my $path = '/preflight/default/doc.txt';
    my $plain = plain_options($path);
    my $res = cors_request(OPTIONS => $path, Origin => $ORIGIN);
    ok t_cmp($res->code, $plain->code, 'OPTIONS with Origin only: the status of an ordinary OPTIONS');
    ok t_cmp(fields($res, 'Allow'), fields($plain, 'Allow'),
             'OPTIONS with Origin only: httpd\'s OPTIONS handler answers (Allow)');
    ok t_cmp(fields($res, 'Access-Control-Allow-Origin'), [$ORIGIN],
             'OPTIONS with Origin only: Access-Control-Allow-Origin once');
    ok t_cmp(access_control_names($res), ['access-control-allow-origin'],
             'OPTIONS with Origin only: no preflight headers');

    $res = cors_request(OPTIONS => $path, 'Access-Control-Request-Method' => 'POST');
    ok t_cmp(access_control_names($res), [],
             'Access-Control-Request-Method without Origin is no preflight: no CORS headers');
}

# "An Origin equal to the request's own origin ... is same-origin: no CORS headers, never
# rejected."
{
    my $path = '/preflight/full/doc.txt';
    my $res = cors_request(OPTIONS => $path, Origin => base_url(),
                           'Access-Control-Request-Method' => 'PUT',
                           'Access-Control-Request-Headers' => 'x-a');
    my $plain = plain_options($path);
    ok t_cmp(access_control_names($res), [], 'a same-origin preflight gets no CORS headers');
    ok t_cmp($res->code, $plain->code, 'a same-origin preflight is an ordinary OPTIONS: status');
    ok t_cmp(fields($res, 'Allow'), fields($plain, 'Allow'),
             'a same-origin preflight is an ordinary OPTIONS: Allow');
}

#
# "Any other denied preflight (origin not allowed, malformed) gets no CORS headers and
# proceeds as an ordinary OPTIONS request"; so does one whose requested method is not a
# method token.
#
my %FULL = ('Access-Control-Allow-Origin' => $ORIGIN, 'Access-Control-Allow-Credentials' => 'true',
            'Access-Control-Allow-Methods' => 'GET, PUT, DELETE',
            'Access-Control-Allow-Headers' => 'X-Requested-With, Content-Type, X-A, X-B');
{
    my $res = cors_request(OPTIONS => '/preflight/full/doc.txt', Origin => 'https://evil.example.com',
                           'Access-Control-Request-Method' => 'PUT');
    ok_denied_as_plain_options($res, '/preflight/full/doc.txt', 'a preflight from a disallowed origin');

    $res = preflight('/preflight/full/doc.txt', 'PUT/1');
    ok_denied_as_plain_options($res, '/preflight/full/doc.txt', 'a requested method that is not a token');

    # ... while a method that is a token but not allowed gets the configured lists.
    $res = preflight('/preflight/default/doc.txt', 'PUT');
    ok_denied_answered($res, 'PUT without CORSAllowMethods (default GET HEAD POST)',
                       'Access-Control-Allow-Origin' => $ORIGIN,
                       'Access-Control-Allow-Methods' => 'GET, HEAD, POST');

    $res = preflight('/preflight/full/doc.txt', 'PATCH');
    ok_denied_answered($res, 'an unlisted method, with credentials and CORSMaxAge', %FULL);

    # "the method is checked first": an unlisted method with an unlisted header.
    $res = preflight('/preflight/full/doc.txt', 'PATCH', 'Access-Control-Request-Headers' => 'x-unlisted');
    ok_denied_answered($res, 'an unlisted method and an unlisted header', %FULL);

    # CORSAllowOrigin * (no credentials): answered *, with the configured methods.
    $res = preflight('/preflight/wildcard/doc.txt', 'DELETE');
    ok_denied_answered($res, 'CORSAllowOrigin *, an unlisted method',
                       'Access-Control-Allow-Origin' => '*', 'Access-Control-Allow-Methods' => 'PUT');
}

#
# "CORSAllowMethods: DELETE GET HEAD OPTIONS POST PUT are matched case-insensitively ... and
# sent upper-case; any other method is case-sensitive, as in Fetch."
#
{
    my $path = '/preflight/methods/doc.txt';
    my $res = preflight($path, 'put');
    ok t_cmp($res->code, 204, 'put requested, PUT allowed: matched case-insensitively');
    ok t_cmp(fields($res, 'Access-Control-Allow-Methods'), ['PUT, PATCH'],
             'a method written put in CORSAllowMethods is sent upper-case');

    $res = preflight($path, 'PATCH');
    ok t_cmp($res->code, 204, 'PATCH requested, PATCH listed: allowed');
    ok t_cmp(fields($res, 'Access-Control-Allow-Methods'), ['PUT, PATCH'],
             'PATCH allowed: Access-Control-Allow-Methods once');

    $res = preflight($path, 'patch');
    ok_denied_answered($res, 'patch requested, PATCH listed (case-sensitive)',
                       'Access-Control-Allow-Origin' => $ORIGIN, 'Access-Control-Allow-Methods' => 'PUT, PATCH');

    $res = preflight($path, 'Delete');
    ok_denied_answered($res, 'Delete requested, not listed',
                       'Access-Control-Allow-Origin' => $ORIGIN, 'Access-Control-Allow-Methods' => 'PUT, PATCH');
}

# "GET, HEAD and POST are always allowed in a preflight (Fetch never needs them listed)."
for my $method (qw(GET HEAD POST post)) {
    my $res = preflight('/preflight/put-only/doc.txt', $method);
    ok t_cmp($res->code, 204, "CORSAllowMethods PUT: $method is allowed in a preflight");
    ok t_cmp(fields($res, 'Access-Control-Allow-Methods'), ['PUT'],
             "CORSAllowMethods PUT, $method requested: Access-Control-Allow-Methods is the list");
}
{
    my $res = preflight('/preflight/put-only/doc.txt', 'DELETE');
    ok_denied_answered($res, 'CORSAllowMethods PUT, DELETE requested',
                       'Access-Control-Allow-Origin' => $ORIGIN, 'Access-Control-Allow-Methods' => 'PUT');
}

# "*: any method; with credentials the response names the requested method"
{
    my $res = preflight('/preflight/any-method/doc.txt', 'PATCH');
    ok t_cmp($res->code, 204, 'CORSAllowMethods *: PATCH is allowed');
    ok t_cmp(fields($res, 'Access-Control-Allow-Methods'), ['*'],
             'CORSAllowMethods * without credentials: Access-Control-Allow-Methods: *');

    $res = preflight('/preflight/any-method/credentials/doc.txt', 'PATCH');
    ok t_cmp($res->code, 204, 'CORSAllowMethods * with credentials: PATCH is allowed');
    ok t_cmp(fields($res, 'Access-Control-Allow-Methods'), ['PATCH'],
             'CORSAllowMethods * with credentials: Access-Control-Allow-Methods names the requested method');
    ok t_cmp(fields($res, 'Access-Control-Allow-Credentials'), ['true'],
             'CORSAllowMethods * with credentials: Access-Control-Allow-Credentials: true');

    $res = preflight('/preflight/any-method/credentials/doc.txt', 'delete');
    ok t_cmp(fields($res, 'Access-Control-Allow-Methods'), ['DELETE'],
             'CORSAllowMethods * with credentials: delete is named upper-case, as Fetch normalises it');
}

#
# "CORSAllowHeaders: header names, compared case-insensitively."
# "That header may come as several fields, with spaces, empty elements and any case"
#
{
    my $path = '/preflight/full/doc.txt';
    my $res = preflight($path, 'PUT', 'Access-Control-Request-Headers' => ['x-a', 'X-B']);
    ok t_cmp($res->code, 204, 'Access-Control-Request-Headers as several fields: allowed');

    $res = preflight($path, 'PUT', 'Access-Control-Request-Headers' => '  Content-Type ,   x-REQUESTED-with  ');
    ok t_cmp($res->code, 204, 'Access-Control-Request-Headers with spaces and any case: allowed');

    $res = preflight($path, 'PUT', 'Access-Control-Request-Headers' => 'x-a,,x-b, ,');
    ok t_cmp($res->code, 204, 'Access-Control-Request-Headers with empty elements: allowed');
    ok t_cmp(fields($res, 'Access-Control-Allow-Headers'), ['X-Requested-With, Content-Type, X-A, X-B'],
             'with empty elements: Access-Control-Allow-Headers once');

    my ($status, $fields) = raw_request(<<"EOR");
OPTIONS $path HTTP/1.1
Host: @{[ hostport() ]}
Origin: $ORIGIN
Access-Control-Request-Method: PUT
Access-Control-Request-Headers: X-A
Access-Control-Request-Headers:
Access-Control-Request-Headers: x-b,content-type
Connection: close

EOR
    ok t_cmp($status, 204, 'three Access-Control-Request-Headers lines, one empty: allowed');
    ok t_cmp([header_fields($fields, 'Access-Control-Allow-Origin')], [$ORIGIN],
             'three Access-Control-Request-Headers lines: Access-Control-Allow-Origin once');

    $res = preflight($path, 'PUT', 'Access-Control-Request-Headers' => 'x-a, x-unlisted');
    ok_denied_answered($res, 'one requested header not listed', %FULL);

    $res = preflight($path, 'PUT', 'Access-Control-Request-Headers' => ['x-a', 'x-unlisted']);
    ok_denied_answered($res, 'an unlisted header in a second field', %FULL);

    # Nothing configured: no Access-Control-Allow-Headers, though a header was requested.
    $res = preflight('/preflight/default/doc.txt', 'GET', 'Access-Control-Request-Headers' => 'x-a');
    ok_denied_answered($res, 'a requested header where CORSAllowHeaders is not set',
                       'Access-Control-Allow-Origin' => $ORIGIN,
                       'Access-Control-Allow-Methods' => 'GET, HEAD, POST');

    $res = preflight($path, 'PUT', 'Access-Control-Request-Headers' => 'authorization');
    ok_denied_answered($res, 'Authorization requested but not listed', %FULL);

    # A header name that is not a token: no CORS headers, an ordinary OPTIONS.
    $res = preflight($path, 'PUT', 'Access-Control-Request-Headers' => 'x-a, x(b)');
    ok_denied_as_plain_options($res, $path, 'a requested header name that is not a token');
}

# "*: any requested header; the response then lists exactly the requested names (so
# Authorization, which Fetch never lets * cover, works too)."
{
    my $path = '/preflight/any-header/doc.txt';
    my $res = preflight($path, 'GET', 'Access-Control-Request-Headers' => 'X-Custom, authorization');
    ok t_cmp($res->code, 204, 'CORSAllowHeaders *: any requested header is allowed');
    ok t_cmp(fields($res, 'Access-Control-Allow-Headers'), ['X-Custom, authorization'],
             'CORSAllowHeaders *: Access-Control-Allow-Headers lists exactly the requested names, Authorization too');

    $res = preflight($path, 'GET', 'Access-Control-Request-Headers' => ['x-a,, ', '  X-B  ']);
    ok t_cmp(fields($res, 'Access-Control-Allow-Headers'), ['x-a, X-B'],
             'CORSAllowHeaders *: the names of several fields, without empty elements or spaces');

    $res = preflight($path, 'GET');
    ok t_cmp($res->code, 204, 'CORSAllowHeaders *, nothing requested: allowed');
    ok t_cmp(fields($res, 'Access-Control-Allow-Headers'), [],
             'CORSAllowHeaders *, nothing requested: no Access-Control-Allow-Headers');
}

# "more than 64 names, or a value over 4 KiB, is denied, reason headers" ... "Past the limits
# above (64 names, 4 KiB) it gets no CORS headers."
{
    my $path = '/preflight/any-header/doc.txt';
    my $list = join ', ', map { "x-h$_" } 1 .. 64;
    my $res = preflight($path, 'GET', 'Access-Control-Request-Headers' => $list);
    ok t_cmp($res->code, 204, 'exactly 64 requested header names: allowed');
    ok t_cmp(fields($res, 'Access-Control-Allow-Headers'), [$list],
             '64 names: Access-Control-Allow-Headers lists all of them');

    $res = preflight($path, 'GET', 'Access-Control-Request-Headers' => join ', ', map { "x-h$_" } 1 .. 65);
    ok_denied_as_plain_options($res, $path, '65 requested header names');

    $res = preflight($path, 'GET', 'Access-Control-Request-Headers' =>
                     [join(', ', map { "x-h$_" } 1 .. 40), join(', ', map { "x-h$_" } 41 .. 65)]);
    ok_denied_as_plain_options($res, $path, '65 requested header names over two fields');

    $res = preflight($path, 'GET', 'Access-Control-Request-Headers' => 'x-a,' x 64 . 'x-b');
    ok_denied_as_plain_options($res, $path, '65 requested header names, duplicates counted');

    $list = header_name_list(10, 4096);
    $res = preflight($path, 'GET', 'Access-Control-Request-Headers' => $list);
    ok t_cmp($res->code, 204, 'an Access-Control-Request-Headers value of exactly 4096 bytes: allowed');
    ok t_cmp(fields($res, 'Access-Control-Allow-Headers'), [$list],
             'a 4096-byte value: Access-Control-Allow-Headers echoes it');

    $res = preflight($path, 'GET', 'Access-Control-Request-Headers' => header_name_list(10, 4097));
    ok_denied_as_plain_options($res, $path, 'an Access-Control-Request-Headers value of 4097 bytes');

    $res = cors_request(GET => '/preflight/any-header/doc.txt', Origin => $ORIGIN);
    ok t_cmp($res->code, 200, 'after the oversized preflights the server keeps serving');
}
