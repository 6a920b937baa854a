# Start-up validation: what mod_cors refuses when httpd reads its configuration, with
# which message, and what it accepts (CorsTest::configtest runs `apache2 -t` on a small
# configuration).  The .htaccess part runs against the test server, in
# t/htdocs/merge/htaccess-file/ (<Directory> with AllowOverride FileInfo in
# t/conf/merge.conf.in).
use strict;
use warnings FATAL => 'all';

use Apache::Test;
use Apache::TestUtil;
use CorsTest;
use File::Temp qw(tempdir);

plan tests => 255, need_module 'cors';

# --- Helpers -------------------------------------------------------------------------

# The configuration is refused, and the output matches every pattern given.
# 1 + number of patterns tests.
sub refused {
    my ($snippet, $rule, @patterns) = @_;
    my %opt = ref $patterns[-1] eq 'HASH' ? %{ pop @patterns } : ();
    my ($status, $out) = configtest($snippet, %opt);
    ok t_cmp($status, 1, "$rule: refused at start-up");
    ok t_cmp($out, $_, "$rule: the message says what is wrong") for @patterns;
    return $out;
}

# The configuration is accepted.  1 test.
sub accepted {
    my ($snippet, $rule, %opt) = @_;
    my ($status, $out) = configtest($snippet, %opt);
    ok t_cmp($status, 0, "$rule: accepted") or t_debug($out);
    return $out;
}

# "CORSAllowOrigin: '<value>' <problem>", the value as written.
sub origin_message {
    my ($value, $problem) = @_;
    return qr/CORSAllowOrigin: '\Q$value\E' $problem/;
}

# --- Origin rules: "Refused at start-up with an error that quotes the value and says
# --- what is wrong."
my @refused_origins = (
    # value, what the rule is, what the message must say
    ['https://app.example.com/api', 'a path',
     qr/has a path: an origin is scheme:\/\/host\[:port\] with nothing after it, write 'https:\/\/app\.example\.com'/],
    ['https://app.example.com/', 'a trailing slash',
     qr/ends with a slash, which browsers never send: write 'https:\/\/app\.example\.com'/],
    ['https://app.example.com:8443/', 'a trailing slash after a port',
     qr/ends with a slash, which browsers never send: write 'https:\/\/app\.example\.com:8443'/],
    ['https://app.example.com?x=1', 'a query',
     qr/has a query \('\?'\): write 'https:\/\/app\.example\.com'/],
    ['https://app.example.com#top', 'a fragment',
     qr/has a fragment \('#'\): write 'https:\/\/app\.example\.com'/],
    ['https://user@app.example.com', 'user info', qr/holds user info/],
    ['https://user:secret@app.example.com', 'user info with a password', qr/holds user info/],
    ['app.example.com', 'no scheme',
     qr/has no scheme: write it with one, such as 'https:\/\/app\.example\.com'/],
    ['//app.example.com', 'an empty scheme', qr/has no scheme/],
    ['1http://a.com', 'a scheme starting with a digit', qr/has an invalid scheme/],
    ['ht_tp://a.com', 'a scheme with an underscore', qr/has an invalid scheme/],
    ['https://', 'an empty host', qr/has an empty host/],
    ['https://:8080', 'an empty host before a port', qr/has an empty host/],
    ['https://a..example.com', 'an empty label', qr/has an invalid host/],
    ['https://a.com:0', 'port 0', qr/has a port out of range: use a port from 1 to 65535/],
    ['https://a.com:65536', 'port 65536', qr/has a port out of range/],
    ['https://a.com:99999', 'port 99999', qr/has a port out of range/],
    ['https://a.com:http', 'a non-numeric port', qr/has an invalid port/],
    ['https://a.com:', 'an empty port', qr/has an invalid port/],
    ['https://a*.example.com', "'*' inside the leftmost label",
     qr/uses '\*' where it cannot stand: '\*' is either the whole leftmost label/],
    ['https://x.*.example.com', "'*' as a label that is not the leftmost",
     qr/uses '\*' where it cannot stand/],
    ['https://*.com', "'*.' before a single label",
     qr/would match every site under a top-level domain: name the domain/],
);
for (@refused_origins) {
    my ($value, $what, $problem) = @$_;
    refused("CORSAllowOrigin $value", "CORSAllowOrigin with $what",
            origin_message($value, $problem));
}

# httpd escapes non-ASCII bytes in the messages it prints.
refused("CORSAllowOrigin https://b\x{c3}\x{bc}cher.example", 'CORSAllowOrigin with a non-ASCII host',
        qr/CORSAllowOrigin: 'https:\/\/b(?:\\xc3\\xbc|\x{c3}\x{bc})cher\.example' has a non-ASCII host: write the host as punycode/);

# The message gives the line of the configuration that holds the value.
refused("CORSAllowOrigin https://ok.example\n<Location /x>\n    CORSAllowOrigin https://bad.example/\n</Location>",
        'an invalid origin in a <Location>', qr/Syntax error on line \d+ of .*httpd\.conf/,
        origin_message('https://bad.example/', 'ends with a slash'));

my @accepted_origins = (
    ['capacitor://localhost', 'a hybrid mobile app origin'],
    ['chrome-extension://abcdef', 'a browser extension origin'],
    ['http://[::1]:8080', 'an IPv6 literal with a port'],
    ['http://127.0.0.1:8081', 'an IPv4 address with a port'],
    ['http://localhost:*', 'a port wildcard'],
    ['https://*.example.com', 'a subdomain pattern'],
    ['https://*.example.com:*', 'a subdomain pattern with a port wildcard'],
    ['https://*.localhost', "'*.localhost'"],
    ['null', 'the opaque origin null'],
    ['*', "'*'"],
    ['HTTPS://APP.EXAMPLE.COM:443', 'upper case and a default port'],
    ['https://app.example.com https://www.example.com', 'several origins on one line'],
);
accepted("CORSAllowOrigin $_->[0]", "CORSAllowOrigin with $_->[1]") for @accepted_origins;

# --- CORSAllowOriginRegex: "Refused at start-up ...: an invalid regex."
# httpd doubles the backslashes of the messages it prints.
sub regex_message {
    my ($re) = @_;
    (my $shown = $re) =~ s/\\/\\\\/g;
    return qr/CORSAllowOriginRegex: '\Q$shown\E' is not a valid regular expression/;
}
for my $re ('(', '[a-z', 'https://(a|b\.example\.com', '*.example.com') {
    refused(qq{CORSAllowOriginRegex "$re"}, "CORSAllowOriginRegex '$re', an invalid regex",
            regex_message($re));
}
# Unbalanced parentheses that would close mod_cors's own anchoring "^(?:...)$": an
# invalid regex, which must not become a valid, unanchored one (accepted, the first
# would allow https://a.example.evil.net).
for my $re ('https://a\.example)|(https://b\.example', 'a)|(b') {
    refused(qq{CORSAllowOriginRegex "$re"}, "CORSAllowOriginRegex '$re', an invalid regex",
            regex_message($re));
}
accepted('CORSAllowOriginRegex "https://[a-z0-9-]+\.example\.com(:[0-9]+)?"',
         'CORSAllowOriginRegex with a valid regex');

# --- CORSAllowOriginFile: "an unreadable origin file (the message names the file and
# --- line)"; "one origin or pattern a line, # comments".
refused('CORSAllowOriginFile @DIR@/missing.txt', 'CORSAllowOriginFile naming a missing file',
        qr/CORSAllowOriginFile: cannot read '[^']*\/missing\.txt'/);
refused('CORSAllowOriginFile @DIR@/adir', 'CORSAllowOriginFile naming a directory',
        qr/CORSAllowOriginFile: cannot read '[^']*\/adir'/,
        { files => { 'adir/placeholder' => '' } });
refused('CORSAllowOriginFile origins.txt', 'CORSAllowOriginFile with a relative path (from ServerRoot)',
        qr/CORSAllowOriginFile: cannot read '\/[^']*\/origins\.txt'/);
SKIP: {
    skip 'root reads any file', 2 if $> == 0;
    my $dir = tempdir('cors-config-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    CorsTest::write_file("$dir/secret.txt", "https://a.example\n");
    chmod 0, "$dir/secret.txt";
    refused("CORSAllowOriginFile $dir/secret.txt", 'CORSAllowOriginFile naming an unreadable file',
            qr/CORSAllowOriginFile: cannot read '\Q$dir\E\/secret\.txt'/);
}

my $good_file = <<'EOF';
# Front ends allowed to call the API.

https://app.example.com
   https://www.example.com   # indented, with a comment after it
http://localhost:*

https://*.example.org
null
# end
EOF
accepted('CORSAllowOriginFile @DIR@/origins.txt',
         'CORSAllowOriginFile with comments, blank lines and spaces',
         files => { 'origins.txt' => $good_file });
accepted('CORSAllowOriginFile @DIR@/empty.txt', 'CORSAllowOriginFile with an empty file',
         files => { 'empty.txt' => '' });
accepted("CORSAllowOriginFile \@DIR\@/a.txt\nCORSAllowOriginFile \@DIR\@/b.txt",
         'several CORSAllowOriginFile lines in one section',
         files => { 'a.txt' => "https://a.example\n", 'b.txt' => "https://b.example\n" });
accepted('CORSAllowOriginFile @DIR@/big.txt', 'CORSAllowOriginFile with 10,000 origins',
         files => { 'big.txt' => join '', "# 10,000 origins\n",
                                     map { "https://app$_.example.com\n" } 1 .. 10_000 });

for (['https://app.example.com/', 'a trailing slash', 'ends with a slash, which browsers never send'],
     ['app.example.com',          'no scheme',        'has no scheme'],
     ['https://a.com:99999',      'a port out of range', 'has a port out of range']) {
    my ($value, $what, $problem) = @$_;
    my $file = "# comment\n\nhttps://ok.example\n$value\nhttps://never-read.example\n";
    refused('CORSAllowOriginFile @DIR@/origins.txt', "CORSAllowOriginFile with $what on line 4",
            qr/CORSAllowOriginFile: \S*\/origins\.txt line 4: '\Q$value\E' \Q$problem\E/,
            { files => { 'origins.txt' => $file } });
}
refused('CORSAllowOriginFile @DIR@/origins.txt', 'CORSAllowOriginFile: a # inside a value is a fragment, not a comment',
        qr/CORSAllowOriginFile: \S*\/origins\.txt line 1: 'https:\/\/a\.example#frag' has a fragment/,
        { files => { 'origins.txt' => "https://a.example#frag\n" } });
refused('CORSAllowOriginFile @DIR@/origins.txt', 'CORSAllowOriginFile with two origins on one line',
        qr/CORSAllowOriginFile: \S*\/origins\.txt line 2: 'https:\/\/a\.example https:\/\/b\.example' holds more than one value: write one origin a line/,
        { files => { 'origins.txt' => "https://ok.example\nhttps://a.example https://b.example\n" } });
refused('CORSAllowOriginFile @DIR@/big.txt', 'CORSAllowOriginFile with a bad line 9,999 of 10,000',
        qr/CORSAllowOriginFile: \S*\/big\.txt line 9999: 'https:\/\/bad\.example\/' ends with a slash/,
        { files => { 'big.txt' => join '', (map { "https://app$_.example.com\n" } 1 .. 9_998),
                                           "https://bad.example/\n", "https://last.example\n" } });

# --- "CORSAllowOrigin * together with CORSAllowCredentials On in one configuration
# --- section ... is refused at start-up; where they meet only through inheritance, the
# --- rule above applies."
my $conflict = qr/CORSAllowOrigin \* and CORSAllowCredentials On cannot stand in the same section/;
refused("CORSAllowOrigin *\nCORSAllowCredentials On", '* then credentials in the server config',
        qr/CORSAllowCredentials: /, $conflict);
refused("CORSAllowCredentials On\nCORSAllowOrigin *", 'credentials then * in the server config',
        qr/CORSAllowOrigin: /, $conflict);
refused("CORSAllowOrigin https://a.example *\nCORSAllowCredentials On", '* among origins, then credentials',
        $conflict);
refused("<Location /api/>\n    CORSAllowCredentials On\n    CORSAllowOrigin *\n</Location>",
        'credentials and * in one <Location>', $conflict);
refused("<Directory \"\@DIR\@\">\n    CORSAllowOrigin *\n    CORSAllowCredentials On\n</Directory>",
        '* and credentials in one <Directory>', $conflict);
refused("<VirtualHost 127.0.0.1:8080>\n    CORSAllowOrigin *\n    CORSAllowCredentials On\n</VirtualHost>",
        '* and credentials in one <VirtualHost>', $conflict);
refused("<Location /api/>\n    <If \"true\">\n        CORSAllowCredentials On\n        CORSAllowOrigin *\n    </If>\n</Location>",
        'credentials and * in one <If>', $conflict);
refused("CORSAllowOriginFile \@DIR\@/origins.txt\nCORSAllowCredentials On",
        'an origin file holding *, then credentials', qr/CORSAllowCredentials: /, $conflict,
        { files => { 'origins.txt' => "https://a.example\n*\n" } });
refused("CORSAllowCredentials On\nCORSAllowOriginFile \@DIR\@/origins.txt",
        'credentials, then an origin file holding *', qr/CORSAllowOriginFile: /, $conflict,
        { files => { 'origins.txt' => "https://a.example\n*\n" } });

accepted("CORSAllowOrigin *\n<Location /api/>\n    CORSAllowCredentials On\n</Location>",
         '* in the server config, credentials in a <Location>');
accepted("CORSAllowCredentials On\n<VirtualHost 127.0.0.1:8080>\n    CORSAllowOrigin *\n</VirtualHost>",
         'credentials in the server config, * in a <VirtualHost>');
accepted("<VirtualHost 127.0.0.1:8080>\n    CORSAllowOrigin *\n    <Location /api/>\n        CORSAllowCredentials On\n    </Location>\n</VirtualHost>",
         '* in a <VirtualHost>, credentials in a <Location> inside it');
accepted("<Directory \"\@DIR\@\">\n    CORSAllowOrigin *\n    <Files \"a.txt\">\n        CORSAllowCredentials On\n    </Files>\n</Directory>",
         '* in a <Directory>, credentials in a <Files> inside it');
accepted("<Location /api/>\n    CORSAllowOrigin *\n    <If \"true\">\n        CORSAllowCredentials On\n    </If>\n</Location>",
         '* in a <Location>, credentials in an <If> inside it');
accepted("CORSAllowOriginFile \@DIR\@/origins.txt\n<Location /api/>\n    CORSAllowCredentials On\n</Location>",
         'an origin file holding * in the server config, credentials in a <Location>',
         files => { 'origins.txt' => "*\n" });
accepted("CORSAllowCredentials On\nCORSAllowCredentials Off\nCORSAllowOrigin *",
         '* after credentials were switched back Off in the same section');
accepted("CORSAllowOrigin https://a.example\nCORSAllowCredentials On",
         'credentials with a listed origin');

# --- "CORSMaxAge: a non-negative integer, else refused at start-up; above 7200 a
# --- start-up warning says that Chromium caps it at 7200, Firefox at 86400 and WebKit
# --- (Safari) at 600."
for my $value ('-1', 'abc', '1.5', '10s', '2147483648', '99999999999999999999') {
    refused("CORSMaxAge $value", "CORSMaxAge $value",
            qr/CORSMaxAge: '\Q$value\E' is not a number of seconds/);
}
my $out = accepted('CORSMaxAge 0', 'CORSMaxAge 0');
ok t_cmp($out, qr/\A(?!.*CORSMaxAge).*Syntax OK/s, 'CORSMaxAge 0: no warning');
$out = accepted('CORSMaxAge 7200', 'CORSMaxAge 7200');
ok t_cmp($out, qr/\A(?!.*CORSMaxAge).*Syntax OK/s, 'CORSMaxAge 7200: no warning');
accepted('CORSMaxAge 2147483647', 'CORSMaxAge 2147483647');

my $cap_warning = qr/\[cors:warn\].*CORSMaxAge 7201: Chromium caps Access-Control-Max-Age at 7200 seconds, Firefox at 86400 and WebKit \(Safari\) at 600/;
for (['', ''], ["<Location /api/>\n", "\n</Location>"], ["<Directory \"\@DIR\@\">\n", "\n</Directory>"],
     ["<VirtualHost 127.0.0.1:8080>\n", "\n</VirtualHost>"]) {
    my ($open, $close) = @$_;
    my $where = $open =~ /<(\w+)/ ? "in a <$1>" : 'in the server config';
    $out = accepted("${open}CORSMaxAge 7201$close", "CORSMaxAge 7201 $where");
    ok t_cmp($out, $cap_warning, "CORSMaxAge above 7200 $where: a start-up warning names the caps");
}

# --- CORSPreflightStatus: 200 or 204.
for my $value ('201', '404', '304', '2O4', 'ok') {
    refused("CORSPreflightStatus $value", "CORSPreflightStatus $value",
            qr/CORSPreflightStatus: '\Q$value\E' is not a status a preflight can be answered with: use 204 \(the default\) or 200/);
}
accepted("CORSPreflightStatus $_", "CORSPreflightStatus $_") for 200, 204;

# --- "Invalid tokens in any of these lists are refused at start-up."
# directive, the token as written, as the message shows it (httpd escapes non-ASCII bytes)
my @bad_tokens = (
    ['CORSAllowMethods',  'GE(T',           qr/'GE\(T'/],
    ['CORSAllowMethods',  'GET,',           qr/'GET,'/],
    ['CORSAllowHeaders',  '"X Header"',     qr/'X Header'/],
    ['CORSAllowHeaders',  'Content-Type,',  qr/'Content-Type,'/],
    ['CORSAllowHeaders',  'X-A:b',          qr/'X-A:b'/],
    ['CORSExposeHeaders', 'a/b',            qr/'a\/b'/],
    ['CORSExposeHeaders', "X-Caf\x{c3}\x{a9}", qr/'X-Caf(?:\\xc3\\xa9|\x{c3}\x{a9})'/],
);
for (@bad_tokens) {
    my ($directive, $token, $shown) = @$_;
    refused("$directive X-Ok $token", "$directive with the invalid token $token",
            qr/$directive: $shown is not a valid token/);
}
for (['CORSAllowMethods * PUT', 'CORSAllowMethods'], ['CORSAllowHeaders X-A *', 'CORSAllowHeaders'],
     ["CORSExposeHeaders *\nCORSExposeHeaders X-A", 'CORSExposeHeaders']) {
    my ($snippet, $directive) = @$_;
    refused($snippet, "$directive mixing * with names",
            qr/$directive: '[^']+' cannot be listed together with '\*'/);
}
accepted('CORSAllowMethods GET PUT DELETE PATCH PROPFIND M-SEARCH', 'CORSAllowMethods with method tokens');
accepted('CORSAllowHeaders Content-Type Authorization X-Requested-With', 'CORSAllowHeaders with header names');
accepted('CORSExposeHeaders ETag X-Total-Count', 'CORSExposeHeaders with header names');
accepted("CORSAllowMethods *\nCORSAllowHeaders *\nCORSExposeHeaders *", 'each list as *');

# --- On/Off flags (httpd's own message).
for my $flag (qw(CORSAllowCredentials CORSPreflightPassthrough CORSAllowPrivateNetwork
                 CORSRejectDisallowed CORSReplaceBackendHeaders CORSEnable)) {
    accepted("$flag On", "$flag On");
    accepted("$flag off", "$flag off");
    refused("$flag yes", "$flag yes", qr/$flag must be On or Off/);
}

# --- "<IfModule cors_module> and <IfModule mod_cors.c> both work."
for my $name ('cors_module', 'mod_cors.c') {
    refused("<IfModule $name>\n    CORSAllowOrigin https://a.example/\n</IfModule>",
            "<IfModule $name> sees mod_cors", origin_message('https://a.example/', 'ends with a slash'));
    accepted("<IfModule !$name>\n    NoSuchDirective\n</IfModule>", "<IfModule !$name> is skipped");
}

# --- "Every directive is allowed in server config, <VirtualHost>, <Directory>,
# --- <Location>, <Files>, <If>."
my $every_directive = <<'EOC';
    CORSAllowOrigin https://app.example.com http://localhost:*
    CORSAllowOriginRegex "https://[a-z]+\.example\.net"
    CORSAllowOriginFile @DIR@/origins.txt
    CORSAllowMethods GET PUT DELETE
    CORSAllowHeaders Content-Type Authorization
    CORSExposeHeaders ETag
    CORSAllowCredentials On
    CORSMaxAge 600
    CORSPreflightStatus 200
    CORSPreflightPassthrough Off
    CORSAllowPrivateNetwork On
    CORSRejectDisallowed On
    CORSReplaceBackendHeaders Off
    CORSEnable On
EOC
my %origins_file = (files => { 'origins.txt' => "https://file.example\n" });
for (['server config', '%s'],
     ['<VirtualHost>', "<VirtualHost 127.0.0.1:8080>\n%s</VirtualHost>"],
     ['<Directory>', "<Directory \"\@DIR\@\">\n%s</Directory>"],
     ['<DirectoryMatch>', "<DirectoryMatch \"^/tmp/\">\n%s</DirectoryMatch>"],
     ['<Location>', "<Location /api/>\n%s</Location>"],
     ['<LocationMatch>', "<LocationMatch \"^/api\">\n%s</LocationMatch>"],
     ['<Files>', "<Files \"api.json\">\n%s</Files>"],
     ['<If>', "<If \"%%{REQUEST_URI} =~ m#^/api/#\">\n%s</If>"],
     ['<Location> inside a <VirtualHost>', "<VirtualHost 127.0.0.1:8080>\n<Location /api/>\n%s</Location>\n</VirtualHost>"],
     ['<Files> inside a <Directory>', "<Directory \"\@DIR\@\">\n<Files \"api.json\">\n%s</Files>\n</Directory>"],
     ['<If> inside a <Location>', "<Location /api/>\n<If \"true\">\n%s</If>\n</Location>"]) {
    my ($where, $format) = @$_;
    accepted(sprintf($format, $every_directive), "every directive in $where", %origins_file);
}

# --- .htaccess (AllowOverride FileInfo): every directive but CORSAllowOriginFile, which
# --- is refused: "httpd re-reads .htaccess on every request, so a large list belongs in
# --- the server's configuration".  A refused .htaccess fails the requests under it
# --- (500) with the reason in the error log; the server keeps serving.
my $htdir    = Apache::Test::vars('documentroot') . '/merge/htaccess-file';
my $htaccess = "$htdir/.htaccess";
my $url      = '/merge/htaccess-file/doc.txt';
my $error_log = Apache::Test::vars('t_logs') . '/error_log';

# What the error log gained while $code ran.
sub logged_during {
    my ($code) = @_;
    my $before = -s $error_log || 0;
    my @result = $code->();
    open my $fh, '<', $error_log or die "cannot read $error_log: $!";
    seek $fh, $before, 0;
    local $/;
    return (scalar <$fh>, @result);
}

sub htaccess_refused {
    my ($content, $rule, @patterns) = @_;
    t_write_file($htaccess, $content);
    my ($log, $res) = logged_during(sub { cors_request(GET => $url, Origin => 'https://a.example') });
    ok t_cmp($res->code, 500, "$rule: requests under the .htaccess fail with 500");
    ok t_cmp([header_fields($res, 'Access-Control-Allow-Origin')], [], "$rule: no CORS headers on the 500");
    ok t_cmp($log, qr/\Q$htaccess\E: /, "$rule: the error log names the .htaccess");
    ok t_cmp($log, $_, "$rule: the error log says why") for @patterns;
    my $other = cors_request(GET => '/merge/lists/doc.txt', Origin => 'https://one.example');
    ok t_cmp($other->code, 200, "$rule: the server keeps serving elsewhere");
}

htaccess_refused("CORSAllowOriginFile origins.txt\n", 'CORSAllowOriginFile in .htaccess',
                 qr/CORSAllowOriginFile is not allowed in \.htaccess: httpd re-reads \.htaccess on every request, so an origin list belongs in the server configuration/);
htaccess_refused("CORSAllowOrigin *\nCORSAllowCredentials On\n", '* and credentials in one .htaccess',
                 $conflict);
htaccess_refused("CORSAllowOrigin https://a.example/\n", 'an invalid origin in .htaccess',
                 origin_message('https://a.example/', 'ends with a slash'));
htaccess_refused("CORSMaxAge soon\n", 'an invalid CORSMaxAge in .htaccess',
                 qr/CORSMaxAge: 'soon' is not a number of seconds/);

(my $in_htaccess = $every_directive) =~ s/^\s*CORSAllowOriginFile.*\n//m;
$in_htaccess =~ s/^\s+//mg;
$in_htaccess =~ s/CORSRejectDisallowed On/CORSRejectDisallowed Off/;
t_write_file($htaccess, $in_htaccess);
my $res = cors_request(GET => $url, Origin => 'https://app.example.com');
ok t_cmp($res->code, 200, 'every directive but CORSAllowOriginFile is allowed in .htaccess');
ok t_cmp([header_fields($res, 'Access-Control-Allow-Origin')], ['https://app.example.com'],
         'the directives of a valid .htaccess apply once it replaces a refused one');
ok t_cmp([header_fields($res, 'Access-Control-Allow-Credentials')], ['true'],
         'CORSAllowCredentials in .htaccess applies');
unlink $htaccess;
$res = cors_request(GET => $url, Origin => 'https://app.example.com');
ok t_cmp($res->code, 200, 'without the .htaccess the directory serves again');
ok t_cmp([header_fields($res, 'Access-Control-Allow-Origin')], [],
         'without the .htaccess no origin rule applies there');
