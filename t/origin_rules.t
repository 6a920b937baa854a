# SPEC "Directives": the three origin rules (CORSAllowOrigin, CORSAllowOriginRegex,
# CORSAllowOriginFile) are one setting.  A context that sets any of them replaces every
# inherited origin rule, so a <Location> that lists one origin never also admits the
# regex or file of its virtual host (t/conf/origin_rules.conf.in).
use strict;
use warnings FATAL => 'all';

use Apache::Test;
use Apache::TestUtil;
use Apache::TestRequest;
use CorsTest;

my $PARTNER = 'https://a.partner.example';      # the virtual host's regex
my $TENANT  = 'https://tenant-one.example';     # its file, exact
my $SUB     = 'https://x.tenants.example';      # its file, pattern
my $ADMIN   = 'https://admin.example';
my $ONLY    = 'https://only.example';

# [path, origin, allowed?, credentials?]
my @cases = (
    ['/doc.txt',            $PARTNER, 1, 0], ['/doc.txt', $TENANT, 1, 0], ['/doc.txt', $SUB, 1, 0],
    ['/doc.txt',            $ADMIN, 0],      ['/doc.txt', $ONLY, 0],
    ['/admin/doc.txt',      $ADMIN, 1, 1],
    ['/admin/doc.txt',      $PARTNER, 0],    ['/admin/doc.txt', $TENANT, 0], ['/admin/doc.txt', $SUB, 0],
    ['/only-regex/doc.txt', $ONLY, 1, 0],
    ['/only-regex/doc.txt', $PARTNER, 0],    ['/only-regex/doc.txt', $TENANT, 0], ['/only-regex/doc.txt', $SUB, 0],
    ['/inherit/doc.txt',    $PARTNER, 1, 0], ['/inherit/doc.txt', $TENANT, 1, 0], ['/inherit/doc.txt', $SUB, 1, 0],
    ['/inherit/doc.txt',    $ADMIN, 0],
    ['/dotted/doc.txt', 'https://a.example.com.', 1, 0], ['/dotted/doc.txt', 'https://a.b.example.com.', 1, 0],
    ['/dotted/doc.txt', 'https://a.example.com', 0],      ['/dotted/doc.txt', 'https://example.com.', 0],
    ['/dotted/doc.txt', 'https://exact.example.org.', 1, 0], ['/dotted/doc.txt', 'https://exact.example.org', 0],
);

plan tests => 2 * @cases + 3, need_module qw(cors alias);

Apache::TestRequest::module('origin_rules');

for (@cases) {
    my ($path, $origin, $allowed, $credentials) = @$_;
    my $res = cors_request(GET => $path, Origin => $origin);
    ok t_cmp([header_fields($res, 'Access-Control-Allow-Origin')], $allowed ? [$origin] : [],
             "$path: $origin is " . ($allowed ? 'allowed' : 'not allowed'));
    ok t_cmp([header_fields($res, 'Access-Control-Allow-Credentials')], $credentials ? ['true'] : [],
             "$path: $origin " . ($credentials ? 'gets' : 'does not get') . ' credentials');
}

my $res = cors_request(OPTIONS => '/admin/doc.txt', Origin => $PARTNER,
                       'Access-Control-Request-Method' => 'POST', 'Access-Control-Request-Headers' => 'Content-Type');
ok t_cmp([$res->code, grep { /^access-control-/i } $res->headers->header_field_names], [200],
         '/admin/: a preflight from the virtual host\'s regex origin gets no CORS field');
$res = cors_request(GET => '/inherit/doc.txt', Origin => $TENANT);
ok t_cmp([header_fields($res, 'Access-Control-Expose-Headers')], ['X-Inherit'],
         '/inherit/: a section that sets no origin rule keeps its own other directives');
$res = cors_request(GET => '/admin/doc.txt', Origin => $ADMIN);
ok t_cmp([header_fields($res, 'Access-Control-Expose-Headers')], [],
         '/admin/: a section\'s own origin rule does not drop nothing else: no expose list was set there');
