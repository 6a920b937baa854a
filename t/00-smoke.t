# The test server runs the freshly built mod_cors, and the helpers of CorsTest work.
use strict;
use warnings FATAL => 'all';

use Apache::Test;
use Apache::TestUtil;
use CorsTest;

plan tests => 12;

my $res = cors_request(GET => '/');
ok t_cmp($res->code, 200, 'the test server answers');

$res = cors_request(GET => '/smoke/cors-module-loaded');
ok t_cmp($res->code, 200, 'the test server loaded cors_module');

my ($status, $out) = configtest('');
ok t_cmp($status, 0, 'configtest: the base configuration with mod_cors is valid');
ok t_cmp($out, qr/Syntax OK/, 'configtest returns httpd\'s output');

($status, $out) = configtest('NoSuchDirective On');
ok t_cmp($status, 1, 'configtest: an invalid configuration fails');
ok t_cmp($out, qr/NoSuchDirective/, 'configtest: the output names the culprit');

($status, $out) = configtest('Include @DIR@/more.conf',
                             files => { 'more.conf' => "<Directory \"\@DIR\@\">\n</Directory>\n" });
ok t_cmp($status, 0, 'configtest: extra files are written, @DIR@ is replaced');

$res = cors_request(GET => '/smoke/', Origin => 'https://a.example',
                                      Origin => 'https://b.example');
ok t_cmp($res->header('X-Seen-Origin'), 'https://a.example, https://b.example',
         'cors_request sends repeated fields');

$res = cors_request(GET => '/smoke/', Origin => ['https://a.example', 'https://b.example']);
ok t_cmp($res->header('X-Seen-Origin'), 'https://a.example, https://b.example',
         'cors_request sends an array ref as several fields');

my $fields;
($status, $fields) = raw_request(<<"EOR");
GET /smoke/ HTTP/1.1
Host: @{[ CorsTest::hostport() ]}
Origin: https://a.example
Origin: https://b.example
Connection: close

EOR
ok t_cmp($status, 200, 'raw_request returns the status');
ok t_cmp([header_fields($fields, 'x-seen-origin')], ['https://a.example, https://b.example'],
         'raw_request sends bytes as they are; header_fields lists the fields');

ok t_cmp(scalar(my @date = header_fields($res, 'Date')), 1, 'header_fields counts the fields of a response');
