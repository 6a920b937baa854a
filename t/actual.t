# SPEC "Actual request", "Not CORS", "Same origin" and "Malformed Origin": which CORS
# headers the final response of a request that is not a preflight carries, whatever
# answers it (static files, CGI, httpd's own errors, redirects) and with which status.
# Configuration: t/conf/actual.conf.in; documents: t/htdocs/actual/.
use strict;
use warnings FATAL => 'all';

use Apache::Test;
use Apache::TestUtil;
use CorsTest;
use MIME::Base64 qw(encode_base64);

my $ORIGIN = 'https://app.example.com';    # listed in every context
my $STRANGER = 'https://attacker.example';   # listed in none

my $etag = cors_request(GET => '/actual/creds/doc.txt')->header('ETag') // 'no ETag';

# Requests that httpd, a handler or a CGI script answer with each status, as
# [description, method, path under the context, status, request fields ...].
my @statuses = (
    ['a static file (200)', GET => 'doc.txt', 200],
    ['a range of a static file (206)', GET => 'doc.txt', 206, Range => 'bytes=0-5'],
    ['a conditional GET (304)', GET => 'doc.txt', 304, 'If-None-Match' => $etag],
    ['a HEAD request (200)', HEAD => 'doc.txt', 200],
    ['an OPTIONS request without Access-Control-Request-Method (200)',
        OPTIONS => 'doc.txt', 200],
    ['a Redirect in <Location> (302)', GET => 'moved', 302],
    ['a permanent Redirect in <Location> (301)', GET => 'moved-permanently', 301],
    ['an authentication challenge (401)', GET => 'private/doc.txt', 401],
    ['an authenticated request (200)', GET => 'private/doc.txt', 200,
        Authorization => 'Basic ' . encode_base64('alice:secret', '')],
    ['Require all denied (403)', GET => 'forbidden/doc.txt', 403],
    ['a missing file (404)', GET => 'missing.txt', 404],
    ['a method the static handler refuses (405)', PUT => 'doc.txt', 405, content => 'x'],
    ['a body over LimitRequestBody (413)', POST => 'cgi/echo.cgi', 413, content => 'x' x 100],
    ['a CGI script (200)', GET => 'cgi/ok.cgi', 200],
    ['a CGI script reading a POST body (200)', POST => 'cgi/echo.cgi', 200, content => 'hello'],
    ['a failing CGI script (500)', GET => 'cgi/fail.cgi', 500],
);
my %status = map { $_->[0] => $_ } @statuses;
my @few = map { $status{$_} } 'a static file (200)', 'an authentication challenge (401)',
                             'a missing file (404)', 'a failing CGI script (500)';

my @malformed = (
    'https://',
    'app.example.com',
    '//app.example.com',
    'https://app.example.com/path',
    'https://app.example.com/',
    'https://app.example.com?',
    'https://app.example.com#',
    'https://user@app.example.com',
    'https://app.example.com:',
    'https://app.example.com:99999',
    'https://app.example.com:0',
    'https://*.example.com',
    'https://[::1',
    'null null',
    'Null',
    "https://b\xc3\xbccher.example",
);

plan tests => 7 * @statuses + 4 * 3 * @few + 1 + 2 + 8 + 2 * (@malformed + 2) + 5,
    need need_cgi, need_module(qw(alias auth_basic));

# Sends one of @statuses to a context, with the Origin field given (or none).
sub request_for {
    my ($context, $case, @origin) = @_;
    my (undef, $method, $path, undef, @fields) = @$case;
    return cors_request($method => "/actual/$context/$path", @origin, @fields);
}

# "name: value" of every Access-Control-* field, from an HTTP::Response or raw_request's
# field list.
sub access_control_fields {
    my ($res) = @_;
    my @fields = ref $res eq 'ARRAY' ? @$res : do {
        my @f;
        $res->headers->scan(sub { push @f, [@_] });
        @f;
    };
    return map { "$_->[0]: $_->[1]" } grep { $_->[0] =~ /^access-control-/i } @fields;
}

# --- "From an allowed origin, the final response - whatever its status - carries exactly
# once Access-Control-Allow-Origin, -Credentials, -Expose-Headers" ----------------------
# "From a disallowed origin: none of these headers, and the request proceeds."
# "No Origin header: no CORS headers are added."
for my $case (@statuses) {
    my ($what, $status) = @{$case}[0, 3];

    my $res = request_for(creds => $case, Origin => $ORIGIN);
    ok t_cmp($res->code, $status, "allowed origin: $what is answered as usual");
    ok t_cmp([header_fields($res, 'Access-Control-Allow-Origin')], [$ORIGIN],
             "allowed origin: $what carries Access-Control-Allow-Origin once, the Origin as received");
    ok t_cmp([header_fields($res, 'Access-Control-Allow-Credentials')], ['true'],
             "allowed origin with credentials on: $what carries Access-Control-Allow-Credentials: true once");
    ok t_cmp([header_fields($res, 'Access-Control-Expose-Headers')], ['X-Request-Id, X-Total-Count'],
             "allowed origin: $what carries Access-Control-Expose-Headers once, the configured names");

    my $plain = request_for(creds => $case);
    ok t_cmp([access_control_fields($plain)], [], "no Origin: $what gets no CORS headers");

    $res = request_for(creds => $case, Origin => $STRANGER);
    ok t_cmp([access_control_fields($res)], [], "disallowed origin: $what gets no CORS headers");
    ok t_cmp([$res->code, $res->content], [$plain->code, $plain->content],
             "disallowed origin: $what proceeds as without Origin (same status and body)");
}

# Without credentials, with "*" (no credentials header; "CORSExposeHeaders * without
# credentials is sent as *"), and with "*" inherited where credentials are on ("never
# granted to an origin matched only by *: the response then carries * and no
# credentials header").
my @expectations = (
    [nocreds => $ORIGIN, 'X-Request-Id', 'without credentials'],
    [open => '*', '*', '"*"'],
    ['open/credentials' => '*', '*', '"*" inherited, credentials on'],
);
for my $expect (@expectations) {
    my ($context, $allow_origin, $expose, $label) = @$expect;
    for my $case (@few) {
        my ($what, $status) = @{$case}[0, 3];
        my $res = request_for($context => $case, Origin => $ORIGIN);
        ok t_cmp($res->code, $status, "$label: $what is answered as usual");
        ok t_cmp([header_fields($res, 'Access-Control-Allow-Origin')], [$allow_origin],
                 "$label: $what carries Access-Control-Allow-Origin: $allow_origin once");
        ok t_cmp([header_fields($res, 'Access-Control-Allow-Credentials')], [],
                 "$label: $what carries no Access-Control-Allow-Credentials");
        ok t_cmp([header_fields($res, 'Access-Control-Expose-Headers')], [$expose],
                 "$label: $what carries Access-Control-Expose-Headers: $expose once");
    }
}

# A Redirect in server context is answered in translate_name, before the <Location> of
# the URL applies; SPEC still wants the CORS headers on that 3xx.
{
    my $res = cors_request(GET => '/actual/creds/server-moved', Origin => $ORIGIN);
    ok t_cmp([$res->code, header_fields($res, 'Access-Control-Allow-Origin')], [302, $ORIGIN],
             'allowed origin: a Redirect in server context (302) carries Access-Control-Allow-Origin once');
}

# --- "An OPTIONS without Access-Control-Request-Method is an actual request" ------------
# It reaches the handler (core's OPTIONS answer, with Allow) and gets no preflight headers.
for my $fields ([], ['Access-Control-Request-Headers' => 'X-Custom']) {
    my $res = cors_request(OPTIONS => '/actual/creds/doc.txt', Origin => $ORIGIN, @$fields);
    my $label = @$fields ? 'with only Access-Control-Request-Headers' : 'without Access-Control-Request-Method';
    ok t_cmp([$res->code, scalar(header_fields($res, 'Allow')),
              scalar(header_fields($res, 'Access-Control-Allow-Methods'))], [200, 1, 0],
             "an OPTIONS $label goes to the handler, not answered as a preflight");
}

# --- "Same origin: an Origin equal to the request's own origin (its scheme, the Host it was
# sent to, its port): no CORS headers, never rejected" ----------------------------------
{
    my $own = CorsTest::base_url();
    my $res = cors_request(GET => '/actual/creds/cgi/ok.cgi', Origin => $own);
    ok t_cmp([access_control_fields($res)], [], 'same origin: no CORS headers');
    ok t_cmp($res->header('X-Cors-Result'), 'same-origin', 'same origin: the request is same-origin');

    $res = cors_request(GET => '/actual/reject/doc.txt', Origin => $STRANGER);
    ok t_cmp($res->code, 403, 'CORSRejectDisallowed On rejects a disallowed origin (control)');
    $res = cors_request(GET => '/actual/reject/doc.txt', Origin => $own);
    ok t_cmp([$res->code, access_control_fields($res)], [200],
             'same origin: never rejected, even with CORSRejectDisallowed On');

    # The Host the request was sent to decides, not the server's name.
    my ($port) = CorsTest::hostport() =~ /:(\d+)$/;
    my $via_host = sub {
        my ($host, $origin) = @_;
        # HTTP/1.0: the CGI response then comes unchunked.
        my ($status, $fields) = raw_request(<<"EOR");
GET /actual/creds/cgi/ok.cgi HTTP/1.0
Host: $host
Origin: $origin
Connection: close

EOR
        return [access_control_fields($fields), header_fields($fields, 'X-Cors-Result')];
    };
    ok t_cmp($via_host->("www.example.test:$port", "http://www.example.test:$port"),
             ['same-origin'], 'same origin: the Host the request was sent to is its origin');
    ok t_cmp($via_host->("www.example.test:$port", $own),
             ['denied:origin'], 'same origin: the server\'s own name is cross-origin when Host differs');
    ok t_cmp($via_host->("www.example.test:$port", "https://www.example.test:$port"),
             ['denied:origin'], 'same origin: another scheme is cross-origin');
    ok t_cmp($via_host->("www.example.test:$port", 'http://www.example.test'),
             ['denied:origin'], 'same origin: another port is cross-origin');
}

# --- "Malformed Origin: several Origin fields, an empty value, or a value that is not null
# or scheme://host[:port]: denied, reason malformed" -----------------------------------
sub raw_with_origin_lines {
    my (@lines) = @_;
    my $origin = join '', map { "Origin: $_\r\n" } @lines;
    # HTTP/1.0: the CGI response then comes unchunked.
    my ($status, $fields) = raw_request("GET /actual/creds/cgi/ok.cgi HTTP/1.0\r\n"
        . 'Host: ' . CorsTest::hostport() . "\r\n" . $origin . "Connection: close\r\n\r\n");
    return $fields;
}
my @malformed_requests = (
    ['two Origin fields', raw_with_origin_lines($ORIGIN, $ORIGIN)],
    ['an empty Origin', raw_with_origin_lines('')],
    map { ["Origin '$_'", raw_with_origin_lines($_)] } @malformed,
);
for (@malformed_requests) {
    my ($what, $fields) = @$_;
    ok t_cmp([access_control_fields($fields)], [], "malformed: $what gets no CORS headers");
    ok t_cmp([header_fields($fields, 'X-Cors-Result')], ['denied:malformed'],
             "malformed: $what is denied, reason malformed");
}

# --- Controls: the CGI script reports mod_cors's decisions ------------------------------
{
    my $res = cors_request(GET => '/actual/creds/cgi/ok.cgi', Origin => $ORIGIN);
    ok t_cmp($res->header('X-Cors-Result'), 'allowed', 'an allowed origin is allowed (control)');
    $res = cors_request(GET => '/actual/creds/cgi/ok.cgi', Origin => $STRANGER);
    ok t_cmp($res->header('X-Cors-Result'), 'denied:origin', 'an unlisted origin is denied, reason origin (control)');

    my $fields = raw_with_origin_lines($ORIGIN);
    ok t_cmp([header_fields($fields, 'Access-Control-Allow-Origin')], [$ORIGIN],
             'one Origin field, sent raw, is allowed (control for the malformed requests)');
    # Whitespace around a field value is not part of it (RFC 9110, OWS): "null " is null,
    # and an allowed origin with spaces around it is that origin.
    $fields = raw_with_origin_lines("  $ORIGIN \t ");
    ok t_cmp([header_fields($fields, 'Access-Control-Allow-Origin')], [$ORIGIN],
             'whitespace around the Origin value is not part of the origin');
    $res = cors_request(GET => '/actual/creds/doc.txt');
    ok t_cmp([vary_tokens($res)], ['origin'], 'no Origin: the response still says Vary: Origin');
}
