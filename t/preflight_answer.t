# SPEC "Preflight": a preflight answer is still a response of the server: the headers the
# configuration puts on every response (mod_headers' "Header always set" and "Header
# always merge Vary") are on it too, merged with mod_cors's Vary -- also on a preflight
# denied for its method or headers, which is answered with the configured lists so that
# the browser's console names what is at fault, and logged naming the first method or
# header not allowed (t/conf/preflight_answer.conf.in).
use strict;
use warnings FATAL => 'all';

use Apache::Test;
use Apache::TestUtil;
use CorsTest;

plan tests => 32, need_module qw(cors headers);

my $APP = 'https://app.example.com';
my $HSTS = 'max-age=63072000';
my $PREFLIGHT_VARY = [qw(accept-encoding access-control-request-headers access-control-request-method origin)];
my $n = 0;

sub preflight {
    my ($method, $headers) = @_;
    my $marker = "answer-$$-" . ++$n;
    my $res = cors_request(OPTIONS => "/preflight-answer/doc.txt?$marker", Origin => $APP,
                           'Access-Control-Request-Method' => $method,
                           defined $headers ? ('Access-Control-Request-Headers' => $headers) : ());
    return ($res, $marker);
}
sub access_control {
    my ($res) = @_;
    return [map { my $n = $_; map { "$n: $_" } header_fields($res, $n) }
            sort grep { /^access-control-/i } $res->headers->header_field_names];
}
sub log_lines {
    my ($file, $marker) = @_;
    return grep { /\Q$marker\E/ } split /\n/, CorsTest::read_file(Apache::Test::vars('t_logs') . "/$file");
}

# Allowed.
my ($res, $marker) = preflight('PUT', 'X-Custom');
ok t_cmp($res->code, 204, 'an allowed preflight is answered 204');
ok t_cmp([header_fields($res, 'Strict-Transport-Security')], [$HSTS], 'it carries Header always set Strict-Transport-Security, once');
ok t_cmp([sort(vary_tokens($res))], $PREFLIGHT_VARY, 'its Vary merges Header always merge Vary with the preflight tokens, each once');
ok t_cmp([header_fields($res, 'X-On-Success')], ['yes'], 'it carries Header set (onsuccess) too: a 204 is a success');
ok t_cmp(access_control($res), ['Access-Control-Allow-Headers: X-Custom', 'Access-Control-Allow-Methods: PUT',
                                'Access-Control-Allow-Origin: https://app.example.com', 'Access-Control-Max-Age: 600'],
         'its CORS fields, each once');
ok t_cmp([length $res->content, $res->header('Content-Type') // 'none'], [0, 'none'], 'no body, no Content-Type');

# Denied for its method: answered with the lists, no Max-Age.
($res, $marker) = preflight('DELETE', 'X-Custom');
ok t_cmp($res->code, 204, 'a preflight denied for its method is answered 204 like an allowed one');
ok t_cmp(access_control($res), ['Access-Control-Allow-Headers: X-Custom', 'Access-Control-Allow-Methods: PUT',
                                'Access-Control-Allow-Origin: https://app.example.com'],
         'it carries the origin and the configured lists, and no Access-Control-Max-Age');
ok t_cmp([header_fields($res, 'Strict-Transport-Security')], [$HSTS], 'it carries Strict-Transport-Security');
ok t_cmp([sort(vary_tokens($res))], $PREFLIGHT_VARY, 'its Vary is the preflight Vary, merged');
my @access = log_lines('cors_access_log', $marker);
ok t_cmp(scalar(@access) == 1 && $access[0] =~ / cors=denied:method$/ ? 1 : 0, 1, 'CORS_RESULT says denied:method');
my @errors = log_lines('error_log', $marker);
ok t_cmp(scalar(grep { /\[cors:info\].*CORS denied:method: Origin 'https:\/\/app\.example\.com' for OPTIONS \/preflight-answer\/doc\.txt\?\Q$marker\E: method 'DELETE' is not in CORSAllowMethods$/ } @errors),
         1, 'the log line names the method');

# Denied for its headers: the first name not allowed is named.
($res, $marker) = preflight('PUT', 'x-custom, X-Other, X-Third');
ok t_cmp($res->code, 204, 'a preflight denied for its headers is answered 204 like an allowed one');
ok t_cmp(access_control($res), ['Access-Control-Allow-Headers: X-Custom', 'Access-Control-Allow-Methods: PUT',
                                'Access-Control-Allow-Origin: https://app.example.com'],
         'it carries the origin and the configured lists, and no Access-Control-Max-Age');
ok t_cmp([header_fields($res, 'Strict-Transport-Security')], [$HSTS], 'it carries Strict-Transport-Security');
@access = log_lines('cors_access_log', $marker);
ok t_cmp(scalar(@access) == 1 && $access[0] =~ / cors=denied:headers$/ ? 1 : 0, 1, 'CORS_RESULT says denied:headers');
@errors = log_lines('error_log', $marker);
ok t_cmp(scalar(grep { /: request header 'X-Other' is not in CORSAllowHeaders$/ } @errors), 1,
         'the log line names the first header not allowed, as requested');

# Method and headers both wrong: the method is checked first.
($res, $marker) = preflight('PATCH', 'X-Other');
@errors = log_lines('error_log', $marker);
ok t_cmp(scalar(grep { /CORS denied:method: .*: method 'PATCH' is not in CORSAllowMethods$/ } @errors), 1,
         'with both wrong, the method is named');

# Past Fetch's limits: no CORS field, the request proceeds as an ordinary OPTIONS, and
# the configuration's own headers are there as on any response.
($res, $marker) = preflight('PUT', join ', ', map { "X-H$_" } 1 .. 65);
ok t_cmp($res->code, 200, 'a preflight past the limits proceeds as an ordinary OPTIONS');
ok t_cmp(access_control($res), [], 'it gets no CORS field');
ok t_cmp([header_fields($res, 'Strict-Transport-Security')], [$HSTS], 'it carries Strict-Transport-Security');
ok t_cmp([sort(vary_tokens($res))], [qw(accept-encoding origin)], 'its Vary: Origin and Accept-Encoding');

# A disallowed origin: proceeds, no CORS field, the server's headers.
$res = cors_request(OPTIONS => '/preflight-answer/doc.txt', Origin => 'https://evil.example.net',
                    'Access-Control-Request-Method' => 'PUT');
ok t_cmp([$res->code, @{ access_control($res) }], [200], 'a preflight from a disallowed origin proceeds without CORS fields');
ok t_cmp([header_fields($res, 'Strict-Transport-Security')], [$HSTS], 'it carries Strict-Transport-Security');

# Every other response has them too, for contrast.
$res = cors_request(GET => '/preflight-answer/doc.txt', Origin => $APP);
ok t_cmp([header_fields($res, 'Strict-Transport-Security')], [$HSTS], 'an actual request carries Strict-Transport-Security');
ok t_cmp([sort(vary_tokens($res))], [qw(accept-encoding origin)], 'its Vary merges Origin and Accept-Encoding');
$res = cors_request(GET => '/preflight-answer/missing.txt', Origin => $APP);
ok t_cmp([$res->code, header_fields($res, 'Strict-Transport-Security')], [404, $HSTS], 'a 404 carries Strict-Transport-Security');
ok t_cmp([header_fields($res, 'Access-Control-Allow-Origin')], [$APP], 'a 404 carries its CORS field');

# An allowed preflight over HTTP/1.0 and with Connection: close is answered the same.
my ($status, $fields) = raw_request("OPTIONS /preflight-answer/doc.txt HTTP/1.0\nHost: " . CorsTest::hostport()
                                    . "\nOrigin: $APP\nAccess-Control-Request-Method: PUT\n\n");
ok t_cmp([$status, header_fields($fields, 'Strict-Transport-Security')], [204, $HSTS], 'an HTTP/1.0 preflight: 204 with Strict-Transport-Security');
ok t_cmp([header_fields($fields, 'Access-Control-Allow-Origin')], [$APP], 'an HTTP/1.0 preflight: its origin, once');

# A recipe's "Header always set Access-Control-..." lines beside mod_cors: the preflight
# answer carries mod_cors's fields only, each once (its fields are written after
# mod_headers' filter has run).
$res = cors_request(OPTIONS => '/preflight-answer-recipe/doc.txt', Origin => $APP,
                    'Access-Control-Request-Method' => 'PUT');
ok t_cmp($res->code, 204, 'a preflight beside a recipe is answered 204');
ok t_cmp(access_control($res), ['Access-Control-Allow-Methods: PUT', 'Access-Control-Allow-Origin: https://app.example.com',
                                'Access-Control-Max-Age: 600'],
         "mod_cors's fields, each once, not the recipe's");
