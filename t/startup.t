# SPEC "Origin rules": hosts are written as browsers serialise them -- IPv4 as four
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

plan tests => 3 * @respelled + 2 * @invalid_ip + @canonical + 12, need_module 'cors';

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
}

# A trailing dot: a fully qualified host is a host.
{
    my ($status, $out) = configtest('CORSAllowOrigin https://app.example.com.');
    ok t_cmp($status, 0, 'an origin whose host ends with a dot is accepted') or t_debug($out);
    ($status, $out) = configtest('CORSAllowOrigin https://app.example.com..');
    ok t_cmp($status, 1, 'a host ending with two dots is refused');
}
