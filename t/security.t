# Security properties of mod_cors's answers, each checked over many requests:
# - an origin no rule allows is never reflected, anywhere in the response;
# - "*" never goes together with Access-Control-Allow-Credentials;
# - subdomain patterns and regexes never match look-alike hosts, and a regex cannot
#   escape the anchors mod_cors puts around it;
# - denial log lines show request values escaped once, as httpd escapes its error log.
# Contexts: t/conf/security.conf.in and t/conf/hostile.conf.in.
use strict;
use warnings FATAL => 'all';

use Apache::Test;
use Apache::TestRequest ();
use Apache::TestUtil;
use CorsTest;

# --- Look-alikes of the origins /hostile/ allows (t/conf/hostile.conf.in) ------------------
# Each is well-formed or malformed, but none is allowed there.
my @LOOK_ALIKES = (
    # of https://app.example.com
    'http://app.example.com', 'wss://app.example.com', 'https://app.example.com:8443',
    'https://app.example.com:444', 'https://app.example.com:80', 'https://app.example.com.evil.net',
    'https://app.example.comevil.net', 'https://app.example.com.', 'https://evil-app.example.com',
    'https://evilapp.example.com', 'https://www.app.example.com', 'https://app-example.com',
    'https://appexample.com', 'https://app.example.co', 'https://app.example.net',
    'https://app.examp1e.com', 'https://app.example.com@evil.net', 'https://evil.net@app.example.com',
    'https://app.example.com:443@evil.net', 'https://app.example.com\\evil.net',
    'https://app.example.com%2eevil.net', 'https://app.example.com/.evil.net',
    'https://app.example.com?.evil.net', 'https://app.example.com#.evil.net',
    'https://app.example.com,https://evil.net', 'https://app.example.com https://evil.net',
    'https://xn--app-example-xyz.com', 'https://app.example.com:*', 'https://*.example.com',
    # of https://api.example.com:8443
    'https://api.example.com', 'https://api.example.com:8444', 'http://api.example.com:8443',
    'https://api.example.com:8443.evil.net', 'https://api.example.com:84430',
    # of http://127.0.0.1:8081 and the IPv6 literals
    'http://127.0.0.1', 'http://127.0.0.1:8082', 'https://127.0.0.1:8081', 'http://127.0.0.2:8081',
    'http://127.0.0.1.evil.net:8081', 'http://[::1]:8081', 'http://[::2]:8080', 'https://[::1]:8080',
    'http://[::1]', 'http://[2001:db8::b]', 'http://[2001:db8::a]:8080',
    # of the punycode host
    'https://xn--bcher-kva.example.evil.net', 'https://xn--bcher-kva.examplex', 'http://xn--bcher-kva.example',
    # of the pattern https://*.example.org
    'https://example.org', 'https://evil-example.org', 'https://evilexample.org',
    'https://example.org.evil.net', 'https://a.example.org.evil.net', 'https://a.example.orgevil.net',
    'http://a.example.org', 'https://a.example.org:8443', 'https://a.example.org@evil.net',
    'https://evil.net@a.example.org', 'https://example.org%2eevil.net', 'https://a.example.org.',
    'wss://a.example.org',
    # of the port wildcard http://localhost:*
    'https://localhost', 'https://localhost:3000', 'http://localhost.evil.net:3000',
    'http://a.localhost:3000', 'http://localhost.:3000', 'http://localhostx:3000',
    'http://evil-localhost:3000', 'http://localhost:3000@evil.net', 'http://127.0.0.1:3000',
    # of null
    'NULL', 'Null', 'nul', 'null,null', 'null.evil.net', 'null://evil.net',
    # plainly foreign
    'https://evil.example', 'https://attacker.test:8443', 'http://evil.net:80',
);

# The requests each look-alike is sent in: an actual request and a preflight to /hostile/,
# the same to the rejecting /hostile/reject/, and both to the reflecting application
# behind /security/creds/, whose "*" lists must not help either.
my @SHAPES = (
    [GET     => '/hostile/doc.txt'],
    [OPTIONS => '/hostile/doc.txt'],
    [GET     => '/hostile/reject/doc.txt'],
    [OPTIONS => '/hostile/reject/doc.txt'],
    [GET     => '/security/creds/reflect'],
    [OPTIONS => '/security/creds/reflect'],
);

# --- Contexts and origins for the "*" and credentials scan ---------------------------------
my @STAR_PATHS = qw(/security/any/doc.txt /security/any/reflect
                    /security/creds/doc.txt /security/creds/reflect
                    /security/creds/star/doc.txt /security/creds/star/reflect
                    /security/creds/file/doc.txt /security/creds/file/reflect
                    /security/creds/regex/doc.txt /security/creds/regex/reflect
                    /security/creds/null/doc.txt /security/creds/null/reflect
                    /hostile/doc.txt /hostile/reject/doc.txt);
my @STAR_ORIGINS = ('https://app.example.com', 'https://app7.example.com', 'https://evil.example',
                    'null', 'NULL', 'same-origin', undef);
my @STAR_REQUESTS = (
    [GET => ()],
    [OPTIONS => 'Access-Control-Request-Method: PUT',
                'Access-Control-Request-Headers: Authorization, X-Custom'],
    [OPTIONS => 'Access-Control-Request-Method: X-CUSTOM-METHOD'],
);

# --- Patterns and regexes against look-alike hosts -----------------------------------------
# [origin, allowed by /security/subdomains/, by /security/regex/, by /security/regex-dotstar/]
my @PATTERN_CASES = (
    ['https://a.example.com',               1, 1, 1],
    ['https://a.b.example.com',             1, 1, 1],
    ['https://A.EXAMPLE.COM',               1, 1, 1],
    ['HTTPS://a.Example.com',               1, 1, 1],
    ['https://a.example.com:443',           1, 0, 0],    # a regex sees the Origin as sent
    ['http://a.example.com:8080',           1, 0, 0],
    ['https://example.com',                 0, 1, 0],
    ['https://evil-example.com',            0, 0, 0],
    ['https://evilexample.com',             0, 0, 0],
    ['https://example.com.evil.net',        0, 0, 0],
    ['https://a.example.com.evil.net',      0, 0, 0],
    ['https://a.example.comevil.net',       0, 0, 0],
    ['https://a.EXAMPLE.com.evil.net',      0, 0, 0],
    ['https://example.com@evil.net',        0, 0, 0],
    ['https://a.example.com@evil.net',      0, 0, 0],
    ['https://evil.net@a.example.com',      0, 0, 0],
    ['https://evil.net#.example.com',       0, 0, 0],
    ['https://evil.net?.example.com',       0, 0, 0],
    ['https://evil.net/.example.com',       0, 0, 0],
    ['https://evil.net\\.example.com',      0, 0, 0],
    ['https://evil.net%2f.example.com',     0, 0, 0],
    ['https://example.com%2eevil.net',      0, 0, 0],
    ['https://a.example.com%2eevil.net',    0, 0, 0],
    ['https://evil.net:443.example.com',    0, 0, 0],
    ['https://a.example.com:8080.evil.net', 0, 0, 0],
    ['https://a.example.com.',              0, 0, 0],
    ['http://a.example.com',                0, 0, 0],    # scheme swap
    ['wss://a.example.com',                 0, 0, 0],
    ['https://a.example.com:8443',          0, 0, 0],    # port swap
    ['http://a.example.com:8081',           0, 0, 0],
    ['https://a.example.co',                0, 0, 0],
    ['https://a.example.com:*',             0, 0, 0],
    ['https://*.example.com',               0, 0, 0],
);
my @PATTERN_CONTEXTS = qw(subdomains regex regex-dotstar);

# Regexes that try to escape the ^(?:...)$ mod_cors wraps them in: each must be refused.
my @ESCAPING_REGEXES = ('https://app\.example\.com)|(.*', 'https://app\.example\.com)|(?:',
                        '.*)|(https://app\.example\.com');

plan tests => @LOOK_ALIKES + 1
            + @STAR_PATHS + 2 + 3
            + @PATTERN_CASES * @PATTERN_CONTEXTS + 2 * @ESCAPING_REGEXES
            + 4,
     need need_cgi, need_module(qw(cors alias));

my $HOSTPORT = CorsTest::hostport();

# A raw request with these header lines (preflights get Access-Control-Request-Method).
sub send_request {
    my ($method, $path, @lines) = @_;
    my $text = join '', "$method $path HTTP/1.1\r\n", "Host: $HOSTPORT\r\n",
                        map({ "$_\r\n" } @lines), "Connection: close\r\n\r\n";
    my ($status, $fields, $body) = raw_request($text);
    return ($status, $fields, $body);
}

# Where $string appears in a response: "name" of a field whose name or value holds it,
# "body" if the body does; and "Access-Control-Allow-Origin" whatever its value.
sub reflections {
    my ($string, $fields, $body) = @_;
    my @where;
    for my $field (@$fields) {
        my ($name, $value) = @$field;
        if (index(lc "$name: $value", lc $string) >= 0) {
            push @where, "field $name";
        }
        elsif (lc $name eq 'access-control-allow-origin') {
            push @where, "Access-Control-Allow-Origin: $value";
        }
    }
    push @where, 'body' if index(lc $body, lc $string) >= 0;
    return @where;
}

# --- "From a disallowed origin: none of these headers" -------------------------------------
# An origin no rule allows is never reflected: no Access-Control-Allow-Origin, and its
# text nowhere in any response field or body, whatever the request, the rejecting
# configuration, or the application behind mod_cors.
sub reflected_anywhere {
    my ($origin) = @_;
    my @found;
    for my $shape (@SHAPES) {
        my ($method, $path) = @$shape;
        my @preflight = $method eq 'OPTIONS'
            ? ('Access-Control-Request-Method: PUT', 'Access-Control-Request-Headers: content-type')
            : ();
        my ($status, $fields, $body) = send_request($method, $path, "Origin: $origin", @preflight);
        push @found, map { "$method $path ($status): $_" } reflections($origin, $fields, $body);
    }
    return \@found;
}

for my $origin (@LOOK_ALIKES) {
    ok t_cmp(reflected_anywhere($origin), [],
             "an origin no rule allows ($origin) is never reflected in any answer");
}
# The scan finds an allowed origin: it can fail.
ok t_cmp(scalar @{ reflected_anywhere('https://app.example.com') }, scalar(@SHAPES),
         'the reflection scan finds an allowed origin in every answer');

# --- "Credentials are never granted to an origin matched only by *" ------------------------
# In every context and for every request: a response with Access-Control-Allow-Credentials
# names the origin, the method and the headers, never "*"; a response with "*" has no
# Access-Control-Allow-Credentials.
my ($star_answers, $credential_answers) = (0, 0);
for my $path (@STAR_PATHS) {
    my @violations;
    for my $origin (@STAR_ORIGINS) {
        for my $request (@STAR_REQUESTS) {
            my ($method, @lines) = @$request;
            my $value = !defined $origin ? undef
                      : $origin eq 'same-origin' ? "http://$HOSTPORT" : $origin;
            my ($status, $fields) = send_request($method, $path,
                                                 defined $value ? "Origin: $value" : (), @lines);
            my %cors;
            for (@$fields) {
                push @{ $cors{lc $_->[0]} }, $_->[1] if $_->[0] =~ /^access-control-/i;
            }
            my $what = "$method $path, Origin " . ($value // '(none)');
            my @credentials = @{ $cors{'access-control-allow-credentials'} || [] };
            $star_answers++ if grep { $_ eq '*' } @{ $cors{'access-control-allow-origin'} || [] };
            next unless @credentials;
            $credential_answers++;
            push @violations, "$what: Access-Control-Allow-Credentials: @credentials"
                unless "@credentials" eq 'true';
            for my $name (grep { $_ ne 'access-control-allow-credentials' } sort keys %cors) {
                push @violations, "$what: $name: $_ with credentials"
                    for grep { /(?:^|,)\s*\*\s*(?:,|$)/ } @{ $cors{$name} };
            }
        }
    }
    ok t_cmp(\@violations, [], "$path: \"*\" never goes together with credentials");
}
# The scan saw both kinds of answer: it can fail.
ok t_cmp($star_answers > 0, 1, "the scan saw answers with Access-Control-Allow-Origin: * ($star_answers)");
ok t_cmp($credential_answers > 0, 1, "the scan saw answers with credentials ($credential_answers)");

# "CORSAllowOrigin * together with CORSAllowCredentials On in one configuration section
# ... is refused at start-up", in either order and through an origin file.
{
    my ($status) = configtest("<Location /api>\n    CORSAllowOrigin *\n"
                              . "    CORSAllowCredentials On\n</Location>");
    ok t_cmp($status, 1, 'CORSAllowOrigin * then CORSAllowCredentials On in one section is refused');
    ($status) = configtest("<Location /api>\n    CORSAllowCredentials On\n"
                           . "    CORSAllowOrigin https://app.example.com *\n</Location>");
    ok t_cmp($status, 1, 'CORSAllowCredentials On then CORSAllowOrigin with * in one section is refused');
    ($status) = configtest("<Location /api>\n    CORSAllowCredentials On\n"
                           . "    CORSAllowOriginFile \@DIR\@/origins.txt\n</Location>",
                           files => { 'origins.txt' => "https://app.example.com\n*\n" });
    ok t_cmp($status, 1, 'CORSAllowCredentials On with a * line in CORSAllowOriginFile in one section is refused');
}

# --- "Never evil-example.com, never example.com.evil.net"; regexes "as if written
# ^(?:re)$" -------------------------------------------------------------------------------
# Patterns and regexes never match look-alike hosts: other hosts that merely contain the
# domain, user info, paths, queries, fragments, encoded dots, scheme and port swaps; upper
# case matches as lower case does.
for my $case (@PATTERN_CASES) {
    my ($origin, @allowed) = @$case;
    for my $i (0 .. $#PATTERN_CONTEXTS) {
        my $context = $PATTERN_CONTEXTS[$i];
        my ($status, $fields) = send_request(GET => "/security/$context/doc.txt", "Origin: $origin");
        ok t_cmp([$status, header_fields($fields, 'Access-Control-Allow-Origin')],
                 [200, $allowed[$i] ? $origin : ()],
                 "/security/$context/: $origin is " . ($allowed[$i] ? 'allowed' : 'not allowed'));
    }
}

# A regex that closes the group mod_cors opens, to put an alternative outside the
# anchors, is refused at start-up rather than allowed to match any origin.  (httpd prints
# start-up errors with its error log escaping: each backslash doubled.)
for my $re (@ESCAPING_REGEXES) {
    my ($status, $out) = configtest(qq{<Location /api>\n    CORSAllowOriginRegex "$re"\n</Location>});
    ok t_cmp($status, 1, "a regex escaping its anchors ($re) is refused at start-up");
    my $printed = $re =~ s/\\/\\\\/gr;
    ok t_cmp($out, qr/CORSAllowOriginRegex: '\Q$printed\E' is not a valid regular expression/,
             "the refusal of $re names the directive, quotes the regex and says it is invalid");
}

# --- "Request values in log lines are escaped" ----------------------------------------------
# httpd writes its error log with one escaping convention (ap_escape_errorlog_item): a
# control byte as \xhh, a tab as \t, a backslash as \\, a double quote as it is.  A value
# from the request must appear in it escaped once, as any other value httpd logs: raw, it
# would let a client forge log lines or terminal escapes; escaped twice, it reads back as
# another value (\\x01 is a backslash followed by "x01").  The virtual host "security"
# accepts control bytes (HttpProtocolOptions Unsafe), so that they reach mod_cors.
{
    Apache::TestRequest::module('security');
    my $tag = sprintf 'security-log-%d-%d', $$, time;
    my $origin = "https://a\"b\\c\td\x01e.example";
    my $error_log = Apache::Test::vars('t_logs') . '/error_log';
    my ($status) = raw_request("GET /security/log/doc.txt?$tag HTTP/1.1\r\n"
                               . 'Host: ' . CorsTest::hostport() . "\r\n"
                               . "Origin: $origin\r\nConnection: close\r\n\r\n");
    Apache::TestRequest::module('default');
    ok t_cmp($status, 200, 'an Origin with a quote, a backslash, a tab and \x01 is denied and served');

    # The line may be written just after the response.
    my @lines;
    for (1 .. 20) {
        @lines = grep { /\[cors:info\]/ && index($_, $tag) >= 0 } split /\n/, CorsTest::read_file($error_log);
        last if @lines;
        select undef, undef, undef, 0.1;
    }
    ok t_cmp(scalar @lines, 1, 'cors:info logs one line for the denial');
    my $line = $lines[0] // '';
    ok t_cmp($line =~ /[\x00-\x1f\x7f]/ ? 'raw control bytes' : 'none', 'none',
             'the denial line holds no raw control byte or tab from the request');
    my $escaped = q{Origin 'https://a"b\\\\c\\td\\x01e.example'};
    ok t_cmp(index($line, $escaped) >= 0 ? $escaped : $line, $escaped,
             'the denial line shows the Origin escaped once, as httpd escapes its error log');
}
