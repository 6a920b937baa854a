# SPEC "Origin rules" and "Methods, headers, credentials": start-up errors say how to fix.
# Hosts are written as browsers serialise them -- IPv4 as four
# decimal octets, IPv6 in its canonical compressed form -- and another spelling, which
# could never match, is refused with the canonical origin suggested; a comma-separated
# list is refused with how to write it; a UTF-8 byte-order mark at the start of an
# origin file is ignored.  Each refusal quotes the value.  (CorsTest::configtest runs
# `apache2 -t`; the rest of start-up validation is in t/config.t.)
use strict;
use warnings FATAL => 'all';

use Apache::Test;
use Apache::TestUtil;
use CorsTest;

# [origin as written, the origin the message must suggest]
my @respelled = (
    ['http://[0:0:0:0:0:0:0:1]:8080', 'http://[::1]:8080'],
    ['http://[::ffff:127.0.0.1]',     'http://[::ffff:7f00:1]'],
    ['http://[2001:db8:0:0:1:0:0:1]', 'http://[2001:db8::1:0:0:1]'],
    ['http://[2001:0db8::0001]',      'http://[2001:db8::1]'],
    ['http://[1:0:0:2:0:0:0:3]',      'http://[1:0:0:2::3]'],
    ['http://127.1',                  'http://127.0.0.1'],
    ['http://0x7f.0.0.1',             'http://127.0.0.1'],
    ['http://0177.0.0.1:8080',        'http://127.0.0.1:8080'],
    ['http://2130706433',             'http://127.0.0.1'],
    ['https://127.0.0.1.',            'https://127.0.0.1'],
    ['http://010.1.2.3',              'http://8.1.2.3'],
);
my @invalid_ip = ('http://[:]', 'http://[::1::]', 'http://[1:2:3:4:5:6:7:8:9]', 'http://[::1.2.3]',
                  'http://[::256.1.1.1]', 'http://256.1.1.1', 'http://1.2.3.4.5', 'http://0x.0x.0x.0x100',
                  'http://example.1');
my @canonical = ('http://[::1]:8080', 'http://[::ffff:7f00:1]', 'http://127.0.0.1:8081',
                 'http://[2001:db8::1:0:0:1]', 'http://192.168.0.10', 'https://1.example', 'https://x1.example.123abc',
                 # upper case is normalised like any host's, so it matches
                 'http://[2001:DB8::1]');

plan tests => 3 * @respelled + 2 * @invalid_ip + @canonical + 12 + 49, need_module 'cors';

for (@respelled) {
    my ($written, $canonical) = @$_;
    my ($status, $out) = configtest("CORSAllowOrigin $written");
    ok t_cmp($status, 1, "$written: refused, browsers never send that spelling");
    ok t_cmp($out, qr/CORSAllowOrigin: '\Q$written\E' writes its IP address as browsers never send it/,
             "$written: the message quotes the value and says why");
    ok t_cmp($out, qr/write '\Q$canonical\E'$/m, "$written: the message suggests $canonical");
}
for my $written (@invalid_ip) {
    my ($status, $out) = configtest("CORSAllowOrigin $written");
    ok t_cmp($status, 1, "$written: refused, not an IP address any URL parser accepts");
    ok t_cmp($out, qr/CORSAllowOrigin: '\Q$written\E' has an invalid (?:IP address as )?host/,
             "$written: the message quotes the value and says the host is invalid");
}
for my $written (@canonical) {
    my ($status, $out) = configtest("CORSAllowOrigin $written");
    ok t_cmp($status, 0, "$written: accepted, as browsers write it") or t_debug($out);
}

{
    my ($status, $out) = configtest('CORSAllowOrigin https://*.0.0.1');
    ok t_cmp([$status, $out =~ /'https:\/\/\*\.0\.0\.1' puts '\*\.' before an IP address/ ? 1 : 0], [1, 1],
             'a subdomain pattern over an IP address is refused: addresses have no subdomains');
}

# Commas.
{
    my ($status, $out) = configtest('CORSAllowOrigin https://a.example,https://b.example');
    ok t_cmp($status, 1, 'a comma-separated list is refused');
    ok t_cmp($out, qr/CORSAllowOrigin: 'https:\/\/a\.example,https:\/\/b\.example' is a comma-separated list: separate origins with spaces/,
             'the message quotes the list and says to separate with spaces');
    ($status, $out) = configtest('CORSAllowOrigin "https://a.example, https://b.example"');
    ok t_cmp([$status, $out =~ /is a comma-separated list/ ? 1 : 0], [1, 1], 'a quoted list with ", " is refused the same way');
    ($status, $out) = configtest("CORSAllowOriginFile \@DIR\@/origins.txt",
                                 files => { 'origins.txt' => "https://ok.example\nhttps://a.example,https://b.example\n" });
    ok t_cmp($status, 1, 'a comma-separated line in an origin file is refused');
    ok t_cmp($out, qr/origins\.txt line 2: 'https:\/\/a\.example,https:\/\/b\.example' is a comma-separated list/,
             'the message names the file, the line and the value');
}

# A byte-order mark.
{
    my ($status, $out) = configtest("CORSAllowOriginFile \@DIR\@/origins.txt",
                                    files => { 'origins.txt' => "\xEF\xBB\xBFhttps://first.example\nhttps://second.example\n" });
    ok t_cmp($status, 0, 'an origin file starting with a UTF-8 byte-order mark is accepted') or t_debug($out);
    ($status, $out) = configtest("CORSAllowOriginFile \@DIR\@/origins.txt",
                                 files => { 'origins.txt' => "\xEF\xBB\xBF# a comment first\nhttps://first.example\n" });
    ok t_cmp($status, 0, 'a byte-order mark before a comment is ignored too') or t_debug($out);
    ($status, $out) = configtest("CORSAllowOriginFile \@DIR\@/origins.txt",
                                 files => { 'origins.txt' => "https://first.example\n\xEF\xBB\xBFhttps://second.example\n" });
    ok t_cmp($status, 1, 'a byte-order mark anywhere but the start is not ignored');
    ok t_cmp($out, qr/origins\.txt line 2: /, 'the message names line 2');
    ($status, $out) = configtest("CORSAllowOriginFile \@DIR\@/origins.txt",
                                 files => { 'origins.txt' => "\xEF\xBB\xBF  https://first.example\n" });
    ok t_cmp($status, 0, 'blanks after a byte-order mark are ignored too') or t_debug($out);
}
{
    my ($status, $out) = configtest('CORSAllowOriginRegex "(?<h>https://a\.example)|(?<h>https://b\.example)"');
    ok t_cmp($status, 0, 'a regex with two groups of one name is accepted, as httpd\'s own regexes are') or t_debug($out);
}

# A trailing dot: a fully qualified host is a host.
{
    my ($status, $out) = configtest('CORSAllowOrigin https://app.example.com.');
    ok t_cmp($status, 0, 'an origin whose host ends with a dot is accepted') or t_debug($out);
    ($status, $out) = configtest('CORSAllowOrigin https://app.example.com..');
    ok t_cmp($status, 1, 'a host ending with two dots is refused');
}

# --- An invalid regex: PCRE's own reason and offset, the pattern as written.
for (['https://(a|b\.example', 'missing closing parenthesis', 21],
     ['https://[a-z.example', 'missing terminating ] for character class', 20],
     ['*.example.com', 'quantifier does not follow a repeatable item', 0],
     ['https://a\.example)|(https://b\.example', 'unmatched closing parenthesis', 18]) {
    my ($re, $reason, $offset) = @$_;
    my ($status, $out) = configtest(qq{CORSAllowOriginRegex "$re"});
    (my $shown = $re) =~ s/\\/\\\\/g;    # httpd doubles backslashes in what it prints
    ok t_cmp($status, 1, "regex $re: refused");
    ok t_cmp($out, qr/CORSAllowOriginRegex: '\Q$shown\E' is not a valid regular expression: \Q$reason\E at offset $offset /,
             "regex $re: PCRE's reason ($reason) and offset $offset, the pattern as written");
}

# --- Values no browser can use.
for my $method (qw(CONNECT TRACE TRACK connect Trace)) {
    my ($status, $out) = configtest("CORSAllowMethods GET $method");
    ok t_cmp($status, 1, "CORSAllowMethods $method: refused");
    ok t_cmp($out, qr/CORSAllowMethods: '$method' is a method no page can send \(Fetch forbids CONNECT, TRACE and TRACK\): remove it/,
             "CORSAllowMethods $method: the message says why");
}
for my $header (qw(Cookie Host Connection Origin Content-Length sec-ch-ua Proxy-Authorization Accept-Encoding)) {
    my ($status, $out) = configtest("CORSAllowHeaders Content-Type $header");
    ok t_cmp($status, 1, "CORSAllowHeaders $header: refused");
    ok t_cmp($out, qr/CORSAllowHeaders: '$header' is a header that only the browser sets \(one of Fetch's forbidden request headers\), so no preflight asks for it: remove it/,
             "CORSAllowHeaders $header: the message says why");
}
for my $header (qw(Set-Cookie set-cookie2 Access-Control-Allow-Origin)) {
    my ($status, $out) = configtest("CORSExposeHeaders X-Request-Id $header");
    ok t_cmp($status, 1, "CORSExposeHeaders $header: refused");
}
{
    my ($status, $out) = configtest('CORSAllowHeaders Authorization X-Requested-With Content-Type Accept');
    ok t_cmp($status, 0, 'CORSAllowHeaders with headers scripts can set: accepted') or t_debug($out);
}

# --- Warnings: a lower-case custom method, an http:// origin with credentials.
{
    my ($status, $out) = configtest('CORSAllowMethods GET patch');
    ok t_cmp($status, 0, 'CORSAllowMethods patch: accepted');
    ok t_cmp($out, qr/\[cors:warn\].*CORSAllowMethods patch: methods other than DELETE GET HEAD OPTIONS POST PUT are case-sensitive, so a page calling fetch\(\) with method 'patch' matches and one writing 'PATCH' does not/,
             'CORSAllowMethods patch: a warning says PATCH would not match');
    ($status, $out) = configtest('CORSAllowMethods GET PATCH put');
    ok t_cmp($out, qr/\A(?!.*cors:warn).*Syntax OK/s, 'CORSAllowMethods PATCH put: no warning (put is normalised)');

    ($status, $out) = configtest("CORSAllowOrigin http://app.example.com https://secure.example.com\nCORSAllowCredentials On");
    ok t_cmp($status, 0, 'an http:// origin with credentials: accepted');
    ok t_cmp($out, qr/\[cors:warn\].*CORSAllowCredentials http:\/\/app\.example\.com: an http:\/\/ origin with CORSAllowCredentials On: anyone on the network path can serve pages from it and read what the credentials unlock; use https:\/\//,
             'an http:// origin with credentials: a warning names it');
    ok t_cmp(scalar(() = $out =~ /cors:warn/g), 1, '... and only it, not the https:// one');
    ($status, $out) = configtest("CORSAllowCredentials On\nCORSAllowOrigin http://app.example.com");
    ok t_cmp($out, qr/\[cors:warn\].*CORSAllowOrigin http:\/\/app\.example\.com: an http:\/\/ origin with CORSAllowCredentials On/,
             'credentials first, then the http:// origin: warned too');
    ($status, $out) = configtest("CORSAllowOrigin http://localhost:3000 http://127.0.0.1:8080 http://[::1]:5173 http://app.localhost:*\nCORSAllowCredentials On");
    ok t_cmp($out, qr/\A(?!.*cors:warn).*Syntax OK/s, 'loopback http:// origins with credentials: no warning');
    ($status, $out) = configtest("CORSAllowOrigin http://app.example.com\nCORSAllowCredentials Off");
    ok t_cmp($out, qr/\A(?!.*cors:warn).*Syntax OK/s, 'an http:// origin without credentials: no warning');
}
