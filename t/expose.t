# CORSExposeHeaders (SPEC.md, "Methods, headers, credentials"): "header names the page
# may read.  * without credentials is sent as *; with credentials the response lists
# instead the names of the headers the response carries as sent, including those httpd adds
# late (Content-Range on 206 and 416), except the ones a page can always read (Cache-Control,
# Content-Language, Content-Length, Content-Type, Expires, Last-Modified, Pragma),
# Access-Control-*, and Set-Cookie, which is never exposed."  Content-Range is therefore
# always listed, appended at the end when the response does not carry it (httpd's byte-range
# filter adds it after mod_cors, and a cached response is replayed to Range requests).  And:
# "No Access-Control-Expose-Headers on a preflight."
#
# t/conf/expose.conf.in: /expose/list/ (X-One X-Two), /expose/list-credentials/ (the same
# with credentials), /expose/star/ (*), /expose/star-credentials/ (* with credentials,
# plus headers from mod_headers).  headers.cgi sends X-One (twice), x-two, Set-Cookie
# (twice), every safelisted header, Access-Control-Foo and its own
# Access-Control-Expose-Headers.
use strict;
use warnings FATAL => 'all';

use Apache::Test;
use Apache::TestUtil;
use Apache::TestRequest ();
use CorsTest;

plan tests => 47, need_module 'cgid', need_module 'headers';

Apache::TestRequest::module('expose');

my $ALLOWED = 'https://app.example.com';

sub get {
    my ($path, @fields) = @_;
    return cors_request(GET => $path, Origin => $ALLOWED, @fields);
}

sub expose { [header_fields($_[0], 'Access-Control-Expose-Headers')] }

# The names of the single Access-Control-Expose-Headers field, lower-cased, in order.
sub exposed_names {
    my ($res) = @_;
    my @fields = header_fields($res, 'Access-Control-Expose-Headers');
    return undef unless @fields == 1;
    return [map { lc } split /[ \t]*,[ \t]*/, $fields[0], -1];
}

sub sorted_unique { my %seen; [sort grep { !$seen{$_}++ } @{ $_[0] }] }

# --- an exact list ---

my $res = get('/expose/list/headers');
ok t_cmp($res->code, 200, 'an exact list: 200');
ok t_cmp(expose($res), ['X-One, X-Two'],
         'an exact list is sent as configured, once (the application\'s own is replaced)');

$res = get('/expose/list-credentials/headers');
ok t_cmp(expose($res), ['X-One, X-Two'], 'an exact list with credentials is sent as configured, once');
ok t_cmp([header_fields($res, 'Access-Control-Allow-Credentials')], ['true'],
         'an exact list with credentials: Access-Control-Allow-Credentials: true, once');

# --- "* without credentials is sent as *" ---

$res = get('/expose/star/headers');
ok t_cmp($res->code, 200, '* without credentials: 200');
ok t_cmp(expose($res), ['*'], '* without credentials is sent as *, once');
ok t_cmp([header_fields($res, 'Access-Control-Allow-Credentials')], [],
         '* without credentials: no Access-Control-Allow-Credentials');

# --- "with credentials the response lists instead the names of the headers the response
#     carries when it leaves mod_cors's output filter, except ..." ---

$res = get('/expose/star-credentials/headers');
ok t_cmp($res->code, 200, '* with credentials: 200');
ok t_cmp(scalar header_fields($res, 'Access-Control-Expose-Headers'), 1,
         '* with credentials: one Access-Control-Expose-Headers field');
my $names = exposed_names($res) || [];
ok t_cmp(sorted_unique($names), [qw(content-range vary x-always x-from-config x-one x-two)],
         '* with credentials lists the response\'s headers: the application\'s (X-One, x-two), '
         . 'mod_headers\' (X-From-Config, X-Always), Vary and Content-Range');
ok t_cmp($names->[-1], 'content-range',
         '* with credentials: Content-Range, which the response does not carry, is appended at the end');
ok t_cmp(scalar @$names, scalar @{ sorted_unique($names) },
         '* with credentials: each name once, though the application sent X-One twice');
ok t_cmp([grep { $_ eq '*' } @$names], [], '* with credentials: not sent as *, which browsers read literally');
ok t_cmp([grep { !/^[!#$%&'*+.^_`|~0-9a-z-]+$/ } @$names], [],
         '* with credentials: every element is a header name (no empty element)');
ok t_cmp([grep { $_ eq 'set-cookie' } @$names], [], '* with credentials: Set-Cookie is never exposed');
ok t_cmp(scalar header_fields($res, 'Set-Cookie'), 2, '* with credentials: the Set-Cookie fields are still sent');
for my $safelisted (qw(Cache-Control Content-Language Content-Length Content-Type Expires
                       Last-Modified Pragma)) {
    ok t_cmp([grep { $_ eq lc $safelisted } @$names], [],
             "* with credentials: $safelisted, which a page can always read, is not listed");
}
ok t_cmp([grep { /^access-control-/ } @$names], [],
         '* with credentials: no Access-Control-* name is listed (the application sent Access-Control-Foo)');
ok t_cmp([header_fields($res, 'Access-Control-Allow-Credentials')], ['true'],
         '* with credentials: Access-Control-Allow-Credentials: true, once');

# On a response httpd makes itself: only what that response carries.
$res = get('/expose/star-credentials/missing.txt');
ok t_cmp($res->code, 404, '* with credentials on httpd\'s own 404: 404');
my $names404 = exposed_names($res) || [];
ok t_cmp(sorted_unique($names404), [qw(content-range vary x-always)],
         '* with credentials on httpd\'s own 404 lists the headers that 404 carries, and Content-Range');
ok t_cmp([$names404->[-1], scalar @$names404], ['content-range', 3],
         '* with credentials on httpd\'s own 404: each name once, Content-Range appended at the end');
ok t_cmp([header_fields($res, 'Access-Control-Allow-Origin')], [$ALLOWED],
         '* with credentials on httpd\'s own 404: Access-Control-Allow-Origin, once');

# --- "No Access-Control-Expose-Headers on a preflight" ---

for my $dir (qw(list list-credentials star star-credentials)) {
    $res = cors_request(OPTIONS => "/expose/$dir/headers", Origin => $ALLOWED,
                        'Access-Control-Request-Method' => 'PUT');
    ok t_cmp($res->code, 204, "/expose/$dir/: an allowed preflight, 204");
    ok t_cmp([header_fields($res, 'Access-Control-Allow-Origin')], [$ALLOWED],
             "/expose/$dir/: an allowed preflight gets Access-Control-Allow-Origin, once");
    ok t_cmp(expose($res), [], "/expose/$dir/: no Access-Control-Expose-Headers on a preflight");
}

# --- only allowed actual requests get it ---

for my $dir (qw(list star-credentials)) {
    $res = cors_request(GET => "/expose/$dir/headers", Origin => 'https://evil.example.net');
    ok t_cmp(expose($res), [], "/expose/$dir/: a disallowed origin gets no Access-Control-Expose-Headers");

    $res = cors_request(GET => "/expose/$dir/headers", Origin => CorsTest::base_url());
    ok t_cmp(expose($res), [], "/expose/$dir/: a same-origin request gets no Access-Control-Expose-Headers");

    $res = cors_request(GET => "/expose/$dir/headers");
    ok t_cmp(expose($res), [],
             "/expose/$dir/: a request without Origin gets no Access-Control-Expose-Headers, "
             . 'not even the application\'s own');
}
