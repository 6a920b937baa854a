# SPEC CORSExposeHeaders: "*" with credentials lists the names of the headers the response
# carries, including those httpd adds late (Content-Range on 206 and 416): media players
# and pdf.js read Content-Range.  Configuration: t/conf/range.conf.in.
use strict;
use warnings FATAL => 'all';

use Apache::Test;
use Apache::TestUtil;
use CorsTest;

plan tests => 12, need_module 'cors';

my $APP = 'https://app.example.com';
my $SIZE = -s Apache::Test::vars('documentroot') . '/range/doc.txt';

sub exposed {
    my ($res) = @_;
    my @fields = header_fields($res, 'Access-Control-Expose-Headers');
    return @fields == 1 ? [map { lc } split /\s*,\s*/, $fields[0]] : ["(" . scalar(@fields) . " fields)"];
}
sub count { my ($list, $name) = @_; scalar grep { $_ eq $name } @$list }

my $res = cors_request(GET => '/range/doc.txt', Origin => $APP, Range => 'bytes=0-9');
ok t_cmp($res->code, 206, 'a Range request is answered 206');
ok t_cmp($res->header('Content-Range'), "bytes 0-9/$SIZE", 'with Content-Range');
ok t_cmp(count(exposed($res), 'content-range'), 1, 'the 206 exposes Content-Range, once');
ok t_cmp(count(exposed($res), 'accept-ranges') + count(exposed($res), 'etag'), 2, 'and the headers the handler set (Accept-Ranges, ETag)');
ok t_cmp([header_fields($res, 'Access-Control-Allow-Origin'), header_fields($res, 'Access-Control-Allow-Credentials')],
         [$APP, 'true'], 'the 206 is allowed with credentials');

$res = cors_request(GET => '/range/doc.txt', Origin => $APP, Range => 'bytes=0-9,20-29');
ok t_cmp([$res->code, count(exposed($res), 'content-range')], [206, 1], 'a multipart 206 exposes Content-Range too, once');

$res = cors_request(GET => '/range/doc.txt', Origin => $APP, Range => "bytes=@{[$SIZE + 100]}-");
ok t_cmp($res->code, 416, 'an unsatisfiable Range is answered 416');
ok t_cmp(count(exposed($res), 'content-range'), 1, 'the 416 exposes Content-Range, once');
ok t_cmp([header_fields($res, 'Access-Control-Allow-Origin')], [$APP], 'the 416 is allowed');

$res = cors_request(GET => '/range/doc.txt', Origin => $APP);
ok t_cmp([$res->code, count(exposed($res), 'content-range')], [200, 1],
         'a 200 names Content-Range as well: a cache replays it to Range requests');
ok t_cmp(count(exposed($res), 'set-cookie') + count(exposed($res), 'content-type') + count(exposed($res), 'access-control-allow-origin'), 0,
         'never Set-Cookie, a safelisted name or Access-Control-*');

$res = cors_request(GET => '/range/doc.txt', Range => 'bytes=0-9');
ok t_cmp([$res->code, header_fields($res, 'Access-Control-Expose-Headers')], [206], 'without Origin nothing is exposed');
