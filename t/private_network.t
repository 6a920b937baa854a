# CORSAllowPrivateNetwork (SPEC.md, "Preflight"): an allowed preflight gets
# "Access-Control-Allow-Private-Network: true when the request carries
# Access-Control-Request-Private-Network: true and CORSAllowPrivateNetwork On", and
# "Vary: Origin, Access-Control-Request-Method, Access-Control-Request-Headers (plus
# Access-Control-Request-Private-Network where CORSAllowPrivateNetwork On)".
#
# t/conf/private_network.conf.in: /private_network/on/ (On), /private_network/on/off/
# (Off again), /private_network/default/ (not set), /private_network/on/passthrough/ (On,
# CORSPreflightPassthrough On).  Allowed: https://app.example.com, methods GET PUT.
use strict;
use warnings FATAL => 'all';

use Apache::Test;
use Apache::TestUtil;
use CorsTest;

plan tests => 52;

my $ALLOWED = 'https://app.example.com';
my $PNA     = 'Access-Control-Request-Private-Network';
my $VARY_PN = lc $PNA;

sub preflight {
    my ($dir, @fields) = @_;
    return cors_request(OPTIONS => "/private_network/$dir/doc.txt", Origin => $ALLOWED,
                        'Access-Control-Request-Method' => 'PUT', @fields);
}

sub allow_pn { [header_fields($_[0], 'Access-Control-Allow-Private-Network')] }

sub count_token {
    my ($res, $token) = @_;
    return scalar grep { $_ eq $token } vary_tokens($res);
}

# --- CORSAllowPrivateNetwork On, the request asks: the header, once ---

my $res = preflight('on', $PNA => 'true');
ok t_cmp($res->code, 204, 'On, a preflight asking for private network access: allowed, 204');
ok t_cmp(allow_pn($res), ['true'], 'On, a preflight asking: Access-Control-Allow-Private-Network: true, once');
ok t_cmp([header_fields($res, 'Access-Control-Allow-Origin')], [$ALLOWED],
         'On, a preflight asking: Access-Control-Allow-Origin, once');
ok t_cmp([header_fields($res, 'Access-Control-Allow-Methods')], ['GET, PUT'],
         'On, a preflight asking: Access-Control-Allow-Methods, once');
for my $token (qw(origin access-control-request-method access-control-request-headers), $VARY_PN) {
    ok t_cmp(count_token($res, $token), 1, "On, a preflight asking: Vary names $token once");
}

# --- "without the request header no Allow-Private-Network header (but Vary still has
#     the token where CORSAllowPrivateNetwork On)" ---

$res = preflight('on');
ok t_cmp($res->code, 204, 'On, a preflight not asking: allowed, 204');
ok t_cmp(allow_pn($res), [], 'On, a preflight not asking: no Access-Control-Allow-Private-Network');
ok t_cmp(count_token($res, $VARY_PN), 1,
         'On, a preflight not asking: Vary still names Access-Control-Request-Private-Network, once');
ok t_cmp(count_token($res, 'origin'), 1, 'On, a preflight not asking: Vary names Origin once');

# --- "a value other than true gets no header" ---

for my $value ('false', 'TRUE', 'True', '1', 'yes', '', 'true, true') {
    $res = preflight('on', $PNA => $value);
    ok t_cmp($res->code, 204, "On, $PNA: '$value': still an allowed preflight, 204");
    ok t_cmp(allow_pn($res), [], "On, $PNA: '$value' (not 'true'): no Access-Control-Allow-Private-Network");
    ok t_cmp(count_token($res, $VARY_PN), 1, "On, $PNA: '$value': Vary names the request header once");
}

{
    # Two fields, each "true": httpd folds them into "true, true", which is not "true".
    $res = preflight('on', $PNA => ['true', 'true']);
    ok t_cmp(allow_pn($res), [], "On, two $PNA fields: no Access-Control-Allow-Private-Network");
}

# --- "with Off (default) never the header and no such Vary token" ---

for my $case (['default', 'not set (Off by default)'], ['on/off', 'Off under On']) {
    my ($dir, $where) = @$case;
    $res = preflight($dir, $PNA => 'true');
    ok t_cmp($res->code, 204, "CORSAllowPrivateNetwork $where: the preflight is still allowed, 204");
    ok t_cmp(allow_pn($res), [], "CORSAllowPrivateNetwork $where: no Access-Control-Allow-Private-Network");
    ok t_cmp(count_token($res, $VARY_PN), 0,
             "CORSAllowPrivateNetwork $where: Vary does not name $PNA");
    ok t_cmp(count_token($res, 'access-control-request-method'), 1,
             "CORSAllowPrivateNetwork $where: Vary names the other preflight tokens");
}

# --- only allowed preflights get it ---

$res = cors_request(GET => '/private_network/on/doc.txt', Origin => $ALLOWED, $PNA => 'true');
ok t_cmp($res->code, 200, 'On, an actual request carrying the request header: 200');
ok t_cmp(allow_pn($res), [], 'On, an actual request: no Access-Control-Allow-Private-Network');
ok t_cmp([header_fields($res, 'Access-Control-Allow-Origin')], [$ALLOWED],
         'On, an actual request: Access-Control-Allow-Origin, once');

$res = cors_request(OPTIONS => '/private_network/on/doc.txt', Origin => 'https://evil.example.net',
                    'Access-Control-Request-Method' => 'PUT', $PNA => 'true');
ok t_cmp(allow_pn($res), [], 'On, a preflight from a disallowed origin: no Access-Control-Allow-Private-Network');
ok t_cmp([grep { /^access-control-/i } $res->headers->header_field_names], [],
         'On, a preflight from a disallowed origin: no Access-Control-* header');

$res = cors_request(OPTIONS => '/private_network/on/doc.txt', Origin => $ALLOWED,
                    'Access-Control-Request-Method' => 'DELETE', $PNA => 'true');
ok t_cmp(allow_pn($res), [], 'On, a preflight asking for a method not allowed: no Access-Control-Allow-Private-Network');

$res = cors_request(OPTIONS => '/private_network/on/doc.txt', Origin => CorsTest::base_url(),
                    'Access-Control-Request-Method' => 'PUT', $PNA => 'true');
ok t_cmp(allow_pn($res), [], 'On, a same-origin OPTIONS: no Access-Control-Allow-Private-Network');

# --- a passed-through preflight gets it exactly once too ---

$res = preflight('on/passthrough', $PNA => 'true');
ok t_cmp($res->code, 200, 'On, passthrough: httpd\'s own OPTIONS answer, 200');
ok t_cmp(allow_pn($res), ['true'], 'On, passthrough: Access-Control-Allow-Private-Network: true, once');
ok t_cmp(count_token($res, $VARY_PN), 1, 'On, passthrough: Vary names the request header once');
