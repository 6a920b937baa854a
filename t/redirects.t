# SPEC "Exactly once": internal redirects, ErrorDocument, DirectoryIndex and mod_rewrite
# internal rewrites still yield exactly one set of CORS headers, decided by the
# configuration of the URL the client asked for; and SPEC "Actual request": the final
# response carries them whatever its status (3xx, 304, 4xx and 5xx from httpd or CGI),
# and on HEAD.  Configuration: t/conf/redirects.conf.in.
use strict;
use warnings FATAL => 'all';

use Apache::Test;
use Apache::TestUtil;
use CorsTest;

my $APP  = 'https://app.example.com';
my $EVIL = 'https://evil.example';

# /redirects/cors/'s answer to $APP; /redirects/zone/ (CORSAllowOrigin *) would answer
# "*" without credentials and without Vary.
my @CORS = ('access-control-allow-credentials: true',
            "access-control-allow-origin: $APP",
            'access-control-expose-headers: X-Request-Id');

# check(test name, [request args], status, [Access-Control-* fields], number of Origin
# tokens in Vary, body regex or undef): 3 tests (status, fields, Vary), 4 with a body.
# The checks are counted for the plan first and run afterwards.
my @checks;
sub check { push @checks, [@_] }

my $DOC_ROOT = Apache::Test::vars('documentroot');

# Sends a request and returns raw_request's (status, fields, body); a value may be a
# code ref, called then.
#   request(GET => '/path', Origin => $APP, 'If-None-Match' => $etag, content => $body)
sub request {
    my ($method, $path, @headers) = @_;
    my $text = "$method $path HTTP/1.1\r\nHost: " . CorsTest::hostport()
             . "\r\nConnection: close\r\n";
    my $body = '';
    while (my ($name, $value) = splice @headers, 0, 2) {
        if ($name eq 'content') {
            $body = $value;
            $text .= 'Content-Length: ' . length($value) . "\r\n";
            next;
        }
        $value = $value->() if ref $value eq 'CODE';
        $text .= "$name: $value\r\n";
    }
    return raw_request("$text\r\n$body");
}

# Every Access-Control-* field as "name: value", the name lower-cased, sorted: a second
# field of one name, or two values joined into one field, shows.
sub access_control_fields {
    my ($fields) = @_;
    return [sort map { lc($_->[0]) . ": $_->[1]" }
                 grep { $_->[0] =~ /^access-control-/i } @$fields];
}

# --- Fixtures: the URLs the redirects below lead to, asked for directly.
check('a CORS location answers the allowed origin',
      [GET => '/redirects/cors/doc.txt', Origin => $APP], 200, \@CORS, 1, qr/^cors doc$/);
check('a location without CORS adds no CORS header',
      [GET => '/redirects/plain/target.txt', Origin => $APP], 200, [], 0, qr/^plain target$/);
check('the zone of the 404 page answers any origin with *',
      [GET => '/redirects/zone/404.html', Origin => $APP], 200,
      ['access-control-allow-origin: *'], 0, undef);

# --- "ErrorDocument ... still yield[s] exactly one set, decided by the configuration of
# the URL the client asked for."
check('ErrorDocument 404 to a page with other CORS rules: the asked-for URL decides',
      [GET => '/redirects/cors/missing.txt', Origin => $APP], 404, \@CORS, 1,
      qr/^the zone 404 page$/);
check('ErrorDocument 404 to a page allowing *: a denied origin stays denied',
      [GET => '/redirects/cors/missing.txt', Origin => $EVIL], 404, [], 1,
      qr/^the zone 404 page$/);
check('ErrorDocument 403 to a page without CORS: the asked-for URL decides',
      [GET => '/redirects/cors/forbidden/doc.txt', Origin => $APP], 403, \@CORS, 1,
      qr/^the 403 page$/);
check('ErrorDocument 401 to a page without CORS: the asked-for URL decides',
      [GET => '/redirects/cors/private/doc.txt', Origin => $APP], 401, \@CORS, 1,
      qr/^the 401 page$/);
check('an ErrorDocument that is itself missing: the asked-for URL\'s set, once',
      [GET => '/redirects/cors/broken-errors/missing.txt', Origin => $APP], 404, \@CORS, 1,
      qr/while trying to use an ErrorDocument/);
check('ErrorDocument 404 of a URL without CORS to a CORS page: no CORS headers',
      [GET => '/redirects/plain/missing.txt', Origin => $APP], 404, [], 0,
      qr/^the zone 404 page$/);
check('ErrorDocument 404 to a script writing its own ACAO: only the asked-for URL\'s set',
      [GET => '/redirects/cors/script-errors/missing.txt', Origin => $APP], 404, \@CORS, 1,
      qr/^REDIRECT_STATUS=404\nCORS_RESULT=allowed\nREDIRECT_CORS_RESULT=allowed$/);
check('ErrorDocument 404 to a script, denied origin: the script sees denied:origin',
      [GET => '/redirects/cors/script-errors/missing.txt', Origin => $EVIL], 404, [], 1,
      qr/^REDIRECT_STATUS=404\nCORS_RESULT=denied:origin\nREDIRECT_CORS_RESULT=denied:origin$/);

# --- DirectoryIndex (and mod_dir's redirect to the directory's URL)
check('DirectoryIndex: the index document gets one set',
      [GET => '/redirects/cors/dir/', Origin => $APP], 200, \@CORS, 1, qr/^cors index$/);
check('a 301 from httpd (mod_dir, to the directory URL) gets one set',
      [GET => '/redirects/cors/dir', Origin => $APP], 301, \@CORS, 1, undef);
check('DirectoryIndex: CORS on the directory URL applies to its index document',
      [GET => '/redirects/plain/indexed/', Origin => $APP], 200,
      ["access-control-allow-origin: $APP"], 1, qr/^plain indexed$/);
check('(the index document asked for directly has no CORS)',
      [GET => '/redirects/plain/indexed/index.html', Origin => $APP], 200, [], 0,
      qr/^plain indexed$/);
check('DirectoryIndex: CORS on the index document alone does not apply to the directory URL',
      [GET => '/redirects/plain/index-cors/', Origin => $APP], 200, [], 0,
      qr/^index with cors$/);
check('(the index document asked for directly has CORS)',
      [GET => '/redirects/plain/index-cors/index.html', Origin => $APP], 200,
      ["access-control-allow-origin: $APP"], 1, qr/^index with cors$/);

# --- mod_rewrite internal rewrites in <Directory> and .htaccess (internal redirects)
# (The .htaccess files are written below, before the checks run.)
check('RewriteRule in <Directory> from a CORS URL to one without: the asked-for URL decides',
      [GET => '/redirects/cors/rw/from.txt', Origin => $APP], 200, \@CORS, 1,
      qr/^plain target$/);
check('RewriteRule in <Directory> from a URL without CORS to a CORS one: no CORS headers',
      [GET => '/redirects/plain/rw/from.txt', Origin => $APP], 200, [], 0, qr/^cors doc$/);
check('RewriteRule in .htaccess from a CORS URL to one without: the asked-for URL decides',
      [GET => '/redirects/cors/hta/from.txt', Origin => $APP], 200, \@CORS, 1,
      qr/^plain target$/);
check('RewriteRule in .htaccess from a URL without CORS to a CORS one: no CORS headers',
      [GET => '/redirects/plain/hta/from.txt', Origin => $APP], 200, [], 0, qr/^cors doc$/);

# --- A CGI script's local Location (internal redirect), mod_alias Redirect
check('a CGI script\'s local Location from a CORS URL: the asked-for URL decides',
      [GET => '/redirects/cors/local-redirect.cgi', Origin => $APP], 200, \@CORS, 1,
      qr/^plain other$/);
check('a CGI script\'s local Location from a URL without CORS: no CORS headers',
      [GET => '/redirects/plain/local-redirect.cgi', Origin => $APP], 200, [], 0,
      qr/^cors doc$/);
check('a 301 from a server-wide Redirect of a CORS URL gets one set',
      [GET => '/redirects/cors/moved', Origin => $APP], 301, \@CORS, 1, undef);

# --- 304, HEAD, 500 and 413: "whatever its status"
# The document's ETag, asked for when the checks run.
my $etag = sub {
    my (undef, $fields) = request(GET => '/redirects/cors/doc.txt');
    my ($etag) = header_fields($fields, 'ETag');
    return $etag;
};
check('304 Not Modified gets one set',
      [GET => '/redirects/cors/doc.txt', Origin => $APP, 'If-None-Match' => $etag],
      304, \@CORS, 1, undef);
check('304 Not Modified to a denied origin: no CORS headers, Origin in Vary',
      [GET => '/redirects/cors/doc.txt', Origin => $EVIL, 'If-None-Match' => $etag],
      304, [], 1, undef);
check('HEAD gets one set',
      [HEAD => '/redirects/cors/doc.txt', Origin => $APP], 200, \@CORS, 1, undef);
check('HEAD answered by an ErrorDocument gets one set',
      [HEAD => '/redirects/cors/missing.txt', Origin => $APP], 404, \@CORS, 1, undef);
check('500 from a CGI script that exits without output gets one set',
      [GET => '/redirects/cors/exit-1.cgi', Origin => $APP], 500, \@CORS, 1, undef);
check('500 from a CGI script that writes a malformed header gets one set',
      [GET => '/redirects/cors/bad-header.cgi', Origin => $APP], 500, \@CORS, 1, undef);
check('(a body within LimitRequestBody reaches the script)',
      [POST => '/redirects/cors/echo.cgi', Origin => $APP, content => 'short'], 200,
      \@CORS, 1, qr/^short$/);
check('413 from LimitRequestBody gets one set',
      [POST => '/redirects/cors/echo.cgi', Origin => $APP, content => 'x' x 64], 413,
      \@CORS, 1, undef);

plan tests => 3 * @checks + grep({ defined $_->[5] } @checks) + 3,
    need need_module(qw(cors cgid rewrite dir alias auth_basic authn_file authz_user)),
         need_min_apache_version('2.4');

t_write_file("$DOC_ROOT/redirects/cors/hta/.htaccess",
             "RewriteEngine On\nRewriteRule ^from\\.txt\$ /redirects/plain/target.txt [L]\n");
t_write_file("$DOC_ROOT/redirects/plain/hta/.htaccess",
             "RewriteEngine On\nRewriteRule ^from\\.txt\$ /redirects/cors/doc.txt [L]\n");

for (@checks) {
    my ($name, $args, $code, $expected, $vary, $body_re) = @$_;
    my ($status, $fields, $body) = request(@$args);
    ok t_cmp($status, $code, "$name: status");
    ok t_cmp(access_control_fields($fields), $expected, "$name: Access-Control-* fields");
    ok t_cmp(scalar(grep { $_ eq 'origin' } vary_tokens($fields)), $vary,
             "$name: Origin in Vary");
    if ($body_re) {
        $body =~ s/\n\z//;
        ok t_cmp($body, $body_re, "$name: body");
    }
}

# A chunked body has no Content-Length to compare with the limit: httpd finds it too
# large only while the script reads it (HTTP/1.1; httpd closes the connection after the
# 413, which comes unchunked).
{
    my ($status, $fields) = raw_request(
        "POST /redirects/cors/echo.cgi HTTP/1.1\r\nHost: " . CorsTest::hostport() . "\r\n"
        . "Origin: $APP\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        . "40\r\n" . ('x' x 64) . "\r\n0\r\n\r\n");
    my $name = '413 for a chunked body over LimitRequestBody';
    ok t_cmp($status, 413, "$name: status");
    ok t_cmp(access_control_fields($fields), \@CORS, "$name: Access-Control-* fields");
    ok t_cmp(scalar(grep { $_ eq 'origin' } vary_tokens($fields)), 1, "$name: Origin in Vary");
}
