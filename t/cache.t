# SPEC "Caches": a response served from mod_cache carries exactly the CORS fields that the
# same request would get from its URL's configuration without the cache -- with
# mod_cache_disk and mod_cache_socache, CacheQuickHandler On (httpd's default) and Off
# (configuration: t/conf/cache.conf.in).
#
# Every check that speaks of a hit first proves that the response was one (CacheHeader's
# X-Cache), so a cache that silently stopped storing fails the suite instead of passing
# it.  URLs carry this run's process id, so no answer stored by an earlier run is replayed.
use strict;
use warnings FATAL => 'all';

use Apache::Test;
use Apache::TestUtil;
use Apache::TestRequest;
use CorsTest;

my @VHOSTS = qw(cache_disk_quick cache_disk_handler cache_socache_quick cache_socache_handler);
my $APP   = 'https://app.example.com';
my $OTHER = 'https://other.example.com';
my $EVIL  = 'https://evil.example.net';
my $RUN   = "run=$$";

plan tests => 59 * @VHOSTS,
    need_module(qw(cors cache cache_disk cache_socache headers setenvif rewrite macro alias));

sub get {
    my ($path, $origin) = @_;
    return cors_request(GET => "$path?$RUN", $origin ? (Origin => $origin) : ());
}

# HIT, MISS or what X-Cache said instead.
sub cache_state {
    my ($res) = @_;
    my $state = $res->header('X-Cache') // '(no X-Cache)';
    return $state =~ /^(HIT|MISS|REVALIDATE) from / ? $1 : $state;
}

sub acao { [header_fields($_[0], 'Access-Control-Allow-Origin')] }
sub acac { [header_fields($_[0], 'Access-Control-Allow-Credentials')] }
sub access_control { [sort grep { /^access-control-/i } $_[0]->headers->header_field_names] }
sub origin_in_vary { scalar grep { $_ eq 'origin' } vary_tokens($_[0]) }

for my $vhost (@VHOSTS) {
    Apache::TestRequest::module($vhost);
    my $res;

    # --- A <Location> with a narrower origin list holds on hits.
    $res = get('/cache/narrow/doc.txt', $APP);
    ok t_cmp([cache_state($res), $res->code], ['MISS', 200], "$vhost: narrow, first request from app.example.com is stored");
    ok t_cmp(acao($res), [$APP], "$vhost: narrow, the miss allows app.example.com");
    $res = get('/cache/narrow/doc.txt', $APP);
    ok t_cmp(cache_state($res), 'HIT', "$vhost: narrow, the second request from app.example.com is a hit");
    ok t_cmp(acao($res), [$APP], "$vhost: narrow, the hit carries app.example.com's answer, once");
    ok t_cmp(acac($res), ['true'], "$vhost: narrow, the hit carries credentials, once");
    ok t_cmp(origin_in_vary($res), 1, "$vhost: narrow, the hit says Vary: Origin once");
    $res = get('/cache/narrow/doc.txt', $OTHER);
    ok t_cmp(cache_state($res), 'MISS', "$vhost: narrow, another origin is not served app.example.com's answer");
    ok t_cmp(access_control($res), [], "$vhost: narrow, other.example.com (allowed by the virtual host only) is denied");
    $res = get('/cache/narrow/doc.txt', $OTHER);
    ok t_cmp(cache_state($res), 'HIT', "$vhost: narrow, other.example.com's second request is a hit");
    ok t_cmp(access_control($res), [], "$vhost: narrow, the hit for other.example.com is still denied (not the virtual host's rules)");
    # A conditional request answered 304 from the stored response.
    my $etag = $res->header('ETag') // '(no ETag)';
    for my $origin ($APP, $OTHER) {
        $res = cors_request(GET => "/cache/narrow/doc.txt?$RUN", Origin => $origin, 'If-None-Match' => $etag);
        ok t_cmp([cache_state($res), $res->code], ['HIT', 304], "$vhost: narrow, a conditional request from $origin is answered 304 by the cache");
        ok t_cmp(access_control($res), $origin eq $APP ? ['Access-Control-Allow-Credentials', 'Access-Control-Allow-Origin', 'Access-Control-Expose-Headers'] : [],
                 "$vhost: narrow, the 304 for $origin carries the narrow location's answer");
    }

    # --- CORSEnable Off holds on hits.
    $res = get('/cache/off/doc.txt', $APP);
    ok t_cmp([cache_state($res), access_control($res)], ['MISS', []], "$vhost: CORSEnable Off, the miss has no CORS field");
    $res = get('/cache/off/doc.txt', $APP);
    ok t_cmp(cache_state($res), 'HIT', "$vhost: CORSEnable Off, the second request is a hit");
    ok t_cmp(access_control($res), [], "$vhost: CORSEnable Off, the hit has no CORS field either");

    # --- CORSRejectDisallowed holds on hits.
    $res = get('/cache/reject/doc.txt', $APP);
    ok t_cmp([cache_state($res), $res->code], ['MISS', 200], "$vhost: reject, an allowed origin is served and stored");
    $res = get('/cache/reject/doc.txt', $APP);
    ok t_cmp([cache_state($res), $res->code], ['HIT', 200], "$vhost: reject, the allowed origin's second request is a hit");
    ok t_cmp(acao($res), [$APP], "$vhost: reject, the hit allows app.example.com");
    for my $try (1, 2) {
        $res = get('/cache/reject/doc.txt', $EVIL);
        ok t_cmp($res->code, 403, "$vhost: reject, a disallowed origin is answered 403 (request $try), never the stored 200");
        ok t_cmp(access_control($res), [], "$vhost: reject, the 403 has no CORS field (request $try)");
    }
    $res = get('/cache/reject/doc.txt');
    ok t_cmp([cache_state($res), $res->code], ['MISS', 200], "$vhost: reject, a request without Origin is served");
    $res = get('/cache/reject/doc.txt');
    ok t_cmp([cache_state($res), $res->code], ['HIT', 200], "$vhost: reject, its second request is a hit");
    ok t_cmp(access_control($res), [], "$vhost: reject, the hit without Origin has no CORS field");
    ok t_cmp(origin_in_vary($res), 1, "$vhost: reject, the hit without Origin says Vary: Origin once");

    # --- A backend that reflects Origin with credentials: its fields never reach a
    # --- client, and no origin is served another's answer.
    $res = get('/cache/reflect/doc.txt', $APP);
    ok t_cmp([cache_state($res), $res->code], ['MISS', 200], "$vhost: reflecting backend, app.example.com's answer is stored");
    ok t_cmp([@{ acao($res) }, @{ acac($res) }], [$APP, 'true'], "$vhost: reflecting backend, app.example.com is allowed once");
    $res = get('/cache/reflect/doc.txt', $APP);
    ok t_cmp(cache_state($res), 'HIT', "$vhost: reflecting backend, app.example.com's second request is a hit");
    ok t_cmp([@{ acao($res) }, @{ acac($res) }], [$APP, 'true'], "$vhost: reflecting backend, the hit allows app.example.com once");
    ok t_cmp($res->content, "made for $APP\n", "$vhost: reflecting backend, the hit is app.example.com's own body");
    $res = get('/cache/reflect/doc.txt', $OTHER);
    ok t_cmp(cache_state($res), 'MISS', "$vhost: reflecting backend, other.example.com is not served app.example.com's answer");
    ok t_cmp([@{ acao($res) }, $res->content], [$OTHER, "made for $OTHER\n"], "$vhost: reflecting backend, other.example.com gets its own answer");
    $res = get('/cache/reflect/doc.txt', $OTHER);
    ok t_cmp([cache_state($res), @{ acao($res) }], ['HIT', $OTHER], "$vhost: reflecting backend, other.example.com's hit is its own");
    for my $try (1, 2) {
        $res = get('/cache/reflect/doc.txt', $EVIL);
        ok t_cmp(cache_state($res), $try == 1 ? 'MISS' : 'HIT', "$vhost: reflecting backend, evil.example.net request $try is a " . ($try == 1 ? 'miss' : 'hit'));
        ok t_cmp(access_control($res), [], "$vhost: reflecting backend, evil.example.net is never allowed (request $try)");
        ok t_cmp($res->content, "made for $EVIL\n", "$vhost: reflecting backend, evil.example.net never gets another origin's body (request $try)");
    }
    for my $try (1, 2) {
        $res = get('/cache/reflect/doc.txt');
        ok t_cmp(cache_state($res), $try == 1 ? 'MISS' : 'HIT', "$vhost: reflecting backend, request $try without Origin is a " . ($try == 1 ? 'miss' : 'hit'));
        ok t_cmp([access_control($res), origin_in_vary($res)], [[], 1], "$vhost: reflecting backend, no CORS field without Origin, Vary: Origin once (request $try)");
    }

    # --- A lone "*": one answer for everyone, stored once.
    $res = get('/cache/star/doc.txt');
    ok t_cmp([cache_state($res), @{ acao($res) }], ['MISS', '*'], "$vhost: lone *, the response to a request without Origin carries * and is stored");
    ok t_cmp([origin_in_vary($res), @{ acac($res) }], [0], "$vhost: lone *, no Vary: Origin, no credentials");
    for my $origin ($APP, $EVIL) {
        $res = get('/cache/star/doc.txt', $origin);
        ok t_cmp(cache_state($res), 'HIT', "$vhost: lone *, a request from $origin is served the stored response");
        ok t_cmp(acao($res), ['*'], "$vhost: lone *, the hit for $origin carries * once");
    }
    ok t_cmp([header_fields($res, 'Access-Control-Expose-Headers')], ['X-Request-Id'],
             "$vhost: lone *, the hit carries Access-Control-Expose-Headers once");

    # --- A response with a Vary of its own: Origin joins it in one field, which mod_cache
    # --- reads when it keys the stored variants (it reads the first Vary field only).
    for my $origin ($APP, $OTHER) {
        $res = get('/cache/vary/doc.txt', $origin);
        ok t_cmp([cache_state($res), @{ acao($res) }], ['MISS', $origin],
                 "$vhost: own Vary, the first request from $origin is its own miss, never another origin's stored answer");
        ok t_cmp([sort(vary_tokens($res))], ['accept-encoding', 'origin'],
                 "$vhost: own Vary, the answer for $origin varies by Accept-Encoding and Origin, each once");
        $res = get('/cache/vary/doc.txt', $origin);
        ok t_cmp([cache_state($res), @{ acao($res) }], ['HIT', $origin], "$vhost: own Vary, ${origin}'s second request is its own hit");
    }
}
