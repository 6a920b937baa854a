# SPEC "Origin rules": which Origin values each kind of origin rule allows, on real
# requests.  An allowed origin gets Access-Control-Allow-Origin once, with its Origin as
# received (or "*"); a denied one gets no Access-Control-* field at all.
# Contexts are in t/conf/origins.conf.in, origin files in t/data/origins/.
use strict;
use warnings FATAL => 'all';

use Apache::Test;
use Apache::TestUtil;
use CorsTest;

my @contexts = qw(exact normalised subdomains subdomains-port any-port subdomains-any-port
                  localhost-subdomains null https-only regex regex-alternation regex-accept file
                  big-file many);

plan tests => 97 + @contexts, need_module 'alias';

sub get_with_origin {
    my ($context, $origin) = @_;
    return cors_request(GET => "/origins/$context/doc.txt", Origin => $origin);
}

# "name: value" of every Access-Control-* field of a response.
sub access_control_fields {
    my ($res) = @_;
    my @fields;
    $res->headers->scan(sub { push @fields, "$_[0]: $_[1]" if $_[0] =~ /^access-control-/i });
    return @fields;
}

# The origin is allowed: Access-Control-Allow-Origin is sent once, with the Origin as
# received (or $answer, e.g. "*").
sub allowed {
    my ($context, $origin, $name, $answer) = @_;
    my $res = get_with_origin($context, $origin);
    ok t_cmp([header_fields($res, 'Access-Control-Allow-Origin')], [$answer // $origin],
             $name);
}

# The origin is denied: no Access-Control-* field at all.
sub denied {
    my ($context, $origin, $name) = @_;
    my $res = get_with_origin($context, $origin);
    ok t_cmp([access_control_fields($res)], [], $name);
}

# --- "Exact origin scheme://host[:port]" -------------------------------------------------
allowed exact => 'https://app.example.com', 'an exact origin rule allows that origin';
allowed exact => 'http://127.0.0.1:8081', 'an exact origin rule allows an IPv4 origin with its port';
allowed exact => 'http://[::1]:8080', 'an exact origin rule allows an IPv6 origin with its port';
allowed exact => 'capacitor://localhost', 'an exact origin rule allows a hybrid app origin (capacitor://)';
allowed exact => 'chrome-extension://abcdef', 'an exact origin rule allows a browser extension origin';
allowed exact => 'https://api.example.com:8443', 'an exact origin rule with a port allows that origin';

# Scheme, host and port must all match.
denied exact => 'http://app.example.com', 'an exact origin rule denies the same host over another scheme';
denied exact => 'https://app.example.com:8443', 'an exact origin rule denies the same host on another port';
denied exact => 'https://api.example.com', 'an exact origin rule with a port denies the host without it';
denied exact => 'https://api.example.com:9443', 'an exact origin rule with a port denies another port';
denied exact => 'https://app.example.org', 'an exact origin rule denies another host';
denied exact => 'https://sub.app.example.com', 'an exact origin rule does not allow subdomains';
denied exact => 'https://app.example.com.evil.net', 'an exact origin rule denies a host that merely starts with it';
denied exact => 'https://evilapp.example.com', 'an exact origin rule denies a host that merely ends with it';
denied exact => 'http://[::1]', 'an exact IPv6 origin rule denies the address without its port';
denied exact => 'http://[::2]:8080', 'an exact IPv6 origin rule denies another address';
denied exact => 'ionic://localhost', 'an exact hybrid app origin rule denies another scheme';
denied exact => 'chrome-extension://abcdefg', 'an exact extension origin rule denies another extension id';
denied exact => 'https://attacker.example', 'an unlisted origin is denied';

# Decided here (SPEC normalises the rules; URL hosts and schemes are case-insensitive):
# a request Origin is compared in the same normal form, and answered as received.
allowed exact => 'https://APP.Example.com', 'the host of a request Origin compares case-insensitively, answered as received';
allowed exact => 'https://app.example.com:443', 'the default port in a request Origin compares as omitted, answered as received';

# --- "Normalised at start-up: scheme and host lower-cased, a default port removed" ------
allowed normalised => 'https://app.example.com', 'a rule written HTTPS://App.Example.COM:443 allows https://app.example.com';
allowed normalised => 'http://a.example', 'a rule written http://a.example:80 allows http://a.example';
denied normalised => 'https://a.example', 'a normalised http rule still denies https';
denied normalised => 'http://app.example.com', 'a normalised https rule still denies http';
denied normalised => 'https://app.example.com:8443', 'a rule normalised from :443 denies another port';

# --- "Subdomain pattern https://*.example.com: one or more labels, same scheme, same port" -
allowed subdomains => 'https://a.example.com', 'a subdomain pattern allows a subdomain';
allowed subdomains => 'https://a.b.example.com', 'a subdomain pattern allows a subdomain several labels deep';
denied subdomains => 'https://example.com', 'a subdomain pattern never allows the apex domain';
denied subdomains => 'https://evil-example.com', 'a subdomain pattern never allows a host ending in "-example.com"';
denied subdomains => 'https://aexample.com', 'a subdomain pattern never allows a host ending in "example.com" without a dot';
denied subdomains => 'https://example.com.evil.net', 'a subdomain pattern never allows example.com.evil.net';
denied subdomains => 'https://a.example.com.evil.net', 'a subdomain pattern never allows a subdomain under another domain';
denied subdomains => 'http://a.example.com', 'a subdomain pattern denies the same host over another scheme';
denied subdomains => 'https://a.example.com:8443', 'a subdomain pattern without a port denies a port';
denied subdomains => 'https://*.example.com', 'a request Origin that spells the pattern itself is denied';

allowed 'subdomains-port' => 'https://a.example.com:8443', 'a subdomain pattern with a port allows a subdomain on that port';
denied 'subdomains-port' => 'https://a.example.com', 'a subdomain pattern with a port denies the default port';
denied 'subdomains-port' => 'https://a.example.com:9443', 'a subdomain pattern with a port denies another port';
denied 'subdomains-port' => 'https://example.com:8443', 'a subdomain pattern with a port denies the apex on that port';

# --- "Port wildcard http://localhost:*: any port, including none" -----------------------
allowed 'any-port' => 'http://localhost', 'a port wildcard allows the host without a port';
allowed 'any-port' => 'http://localhost:3000', 'a port wildcard allows the host on any port';
allowed 'any-port' => 'http://localhost:65535', 'a port wildcard allows the highest port';
denied 'any-port' => 'http://localhost.evil.net:3000', 'a port wildcard denies a host that merely starts with the host';
denied 'any-port' => 'https://localhost:3000', 'a port wildcard denies another scheme';
denied 'any-port' => 'http://a.localhost:3000', 'a port wildcard does not allow subdomains';
denied 'any-port' => 'http://localhost:*', 'a request Origin that spells the port wildcard itself is denied';

# "Combines with a subdomain pattern."
allowed 'subdomains-any-port' => 'http://a.dev.example:8080', 'a subdomain pattern with a port wildcard allows a subdomain on a port';
allowed 'subdomains-any-port' => 'http://a.b.dev.example', 'a subdomain pattern with a port wildcard allows a deeper subdomain without a port';
denied 'subdomains-any-port' => 'http://dev.example:8080', 'a subdomain pattern with a port wildcard denies the apex';
denied 'subdomains-any-port' => 'https://a.dev.example:8080', 'a subdomain pattern with a port wildcard denies another scheme';
denied 'subdomains-any-port' => 'http://a.dev.example.evil:8080', 'a subdomain pattern with a port wildcard denies a longer domain';

# "except *.localhost"
allowed 'localhost-subdomains' => 'http://app.localhost', '*.localhost allows a subdomain of localhost';
allowed 'localhost-subdomains' => 'http://a.b.localhost', '*.localhost allows a deeper subdomain of localhost';
denied 'localhost-subdomains' => 'http://localhost', '*.localhost denies localhost itself';
denied 'localhost-subdomains' => 'http://app.localhost:3000', '*.localhost without a port denies a port';
denied 'localhost-subdomains' => 'https://app.localhost', '*.localhost denies another scheme';
denied 'localhost-subdomains' => 'http://app.localhost.evil.net', '*.localhost denies a longer domain';

# --- "*: any origin, the opaque null included.  Answered with Access-Control-Allow-Origin: *"
allowed any => 'https://anything.example', '"*" allows any origin and answers "*"', '*';
allowed any => 'http://127.0.0.1:9', '"*" allows an IP origin and answers "*"', '*';
allowed any => 'null', '"*" allows the opaque origin null and answers "*"', '*';

# --- "null: the opaque origin, only where listed explicitly" ----------------------------
allowed null => 'null', 'a listed null allows the opaque origin, answered null';
allowed null => 'https://app.example.com', 'a rule beside null still allows its origin';
denied 'https-only' => 'null', 'null is denied where only https origins are listed';
denied exact => 'null', 'null is denied where it is not listed';
denied null => 'NULL', 'the opaque origin is spelled null in lower case only';

# --- "CORSAllowOriginRegex: the whole Origin, as if ^(?:re)$, case-insensitively" -------
allowed regex => 'https://app1.example.com', 'a regex allows an origin it matches';
allowed regex => 'https://app42.example.com', 'a regex allows another origin it matches';
allowed regex => 'HTTPS://APP1.EXAMPLE.COM', 'a regex matches case-insensitively, answered as received';
denied regex => 'https://app1.example.com.evil.net', 'a regex never matches a longer origin (anchored at the end)';
denied regex => 'xhttps://app1.example.com', 'a regex never matches a longer origin (anchored at the start)';
denied regex => 'https://app.example.com', 'a regex denies an origin it does not match';
denied regex => 'https://app1.example.com:8443', 'a regex denies its origin on a port it does not name';
allowed 'regex-alternation' => 'https://one.example', 'a regex alternation allows its first origin';
allowed 'regex-alternation' => 'https://two.example', 'a regex alternation allows its second origin';
denied 'regex-alternation' => 'https://one.example.evil.net', 'the anchors apply to the first alternative too';
denied 'regex-alternation' => 'xhttps://two.example', 'the anchors apply to the last alternative too';
allowed 'regex-accept' => 'https://three.example', 'a regex with (*ACCEPT) allows the origin it names';
denied 'regex-accept' => 'https://three.example.evil.net', 'a regex allows only a match of the whole Origin, even with (*ACCEPT)';

# --- "CORSAllowOriginFile: one origin or pattern a line, # comments" --------------------
allowed file => 'https://partner.example.com', 'an origin file allows an exact origin it lists';
allowed file => 'https://a.partner.example.org', 'an origin file allows a subdomain pattern followed by a comment';
allowed file => 'http://localhost:5173', 'an origin file allows a port wildcard';
allowed file => 'https://upper.example.net', 'an origin file\'s origins are normalised at start-up';
denied file => 'https://partner.example.org', 'a subdomain pattern from an origin file denies the apex';
denied file => 'https://commented-out.example.com', 'an origin in a comment of an origin file is denied';
denied file => 'https://partner.example.com.evil.net', 'an origin file denies a longer origin';

# Twelve origins on three CORSAllowOrigin lines: the first ones stay when the table grows.
allowed many => 'https://m1.example', 'the first of twelve CORSAllowOrigin origins is allowed';
allowed many => 'https://m12.example', 'the last of twelve CORSAllowOrigin origins is allowed';
denied many => 'https://m13.example', 'an origin the twelve do not list is denied';

# "10,000 listed origins" (t/data/origins/10000-origins.txt)
allowed 'big-file' => 'https://s1.example', 'a 10,000-origin file allows its first origin';
allowed 'big-file' => 'https://s5000.example', 'a 10,000-origin file allows its middle origin';
allowed 'big-file' => 'https://s10000.example', 'a 10,000-origin file allows its last origin';
denied 'big-file' => 'https://s10001.example', 'a 10,000-origin file denies an origin it does not list';
denied 'big-file' => 'https://s0.example', 'a 10,000-origin file denies another origin it does not list';

# --- Security: an origin nobody listed is never reflected --------------------------------
# Not in Access-Control-Allow-Origin nor in any other response field.
for my $context (@contexts) {
    my $res = get_with_origin($context, 'https://attacker.example');
    my @reflected;
    $res->headers->scan(sub { push @reflected, "$_[0]: $_[1]" if $_[1] =~ /attacker/i });
    ok t_cmp(\@reflected, [], "an unlisted origin is never reflected ($context)");
}

# Malformed Origin values that resemble a listed origin are denied.
denied exact => 'https://app.example.com/', 'an Origin with a trailing slash is denied';
denied exact => 'https://user@app.example.com', 'an Origin with user info is denied';
denied exact => 'https://app.example.com, https://attacker.example', 'an Origin holding a listed origin in a list is denied';
