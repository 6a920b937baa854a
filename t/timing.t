# SPEC "Timing": with CORSTimingAllowOrigin On, every response that carries
# Access-Control-Allow-Origin also carries Timing-Allow-Origin with the same value, once
# (t/conf/timing.conf.in).
use strict;
use warnings FATAL => 'all';

use Apache::Test;
use Apache::TestUtil;
use CorsTest;

plan tests => 9, need_module qw(cors headers);

my $APP = 'https://app.example.com';
sub pair { my ($res) = @_; [[header_fields($res, 'Access-Control-Allow-Origin')], [header_fields($res, 'Timing-Allow-Origin')]] }

my $res = cors_request(GET => '/timing/doc.txt', Origin => $APP);
ok t_cmp(pair($res), [[$APP], [$APP]], 'an allowed request: Timing-Allow-Origin equals Access-Control-Allow-Origin, once each');
$res = cors_request(OPTIONS => '/timing/doc.txt', Origin => $APP, 'Access-Control-Request-Method' => 'PUT');
ok t_cmp([$res->code, @{ pair($res) }], [204, [$APP], [$APP]], 'an allowed preflight carries it too');
$res = cors_request(OPTIONS => '/timing/doc.txt', Origin => $APP, 'Access-Control-Request-Method' => 'DELETE');
ok t_cmp([$res->code, @{ pair($res) }], [204, [$APP], [$APP]], 'a preflight answered with the lists (denied:method) carries it with its Access-Control-Allow-Origin');
$res = cors_request(GET => '/timing/doc.txt', Origin => 'https://evil.example.net');
ok t_cmp(pair($res), [[], []], 'a denied origin gets neither');
$res = cors_request(GET => '/timing/doc.txt');
ok t_cmp(pair($res), [[], []], 'a request without Origin gets neither');
$res = cors_request(GET => '/timing/star/doc.txt');
ok t_cmp(pair($res), [['*'], ['*']], 'a lone *: every response carries * in both');
$res = cors_request(GET => '/timing/backend/doc.txt', Origin => $APP);
ok t_cmp(pair($res), [[$APP], [$APP]], 'a Timing-Allow-Origin set by mod_headers is replaced, not doubled');
$res = cors_request(GET => '/timing/missing.txt', Origin => $APP);
ok t_cmp([$res->code, @{ pair($res) }], [404, [$APP], [$APP]], 'a 404 carries both');
$res = cors_request(GET => '/timing/off/doc.txt', Origin => $APP);
ok t_cmp(pair($res), [[$APP], []], 'CORSTimingAllowOrigin Off: no Timing-Allow-Origin');
