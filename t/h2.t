# SPEC, Everywhere: "The same behaviour over HTTP/1.1, HTTP/2 (mod_http2) and TLS, with
# mpm_event, worker and prefork."  The TLS virtual host of t/conf/h2.conf.in is asked with
# Debian's curl, once over HTTP/2 and once over HTTP/1.1, the same questions: an allowed
# request, a preflight, a denied origin, same-origin, a 401, a CGI backend's own headers.
# mod_http2 turns itself off under mpm_prefork (AH10034): the HTTP/2 checks are left out
# there, the TLS HTTP/1.1 ones still run.
use strict;
use warnings FATAL => 'all';

use Apache::Test;
use Apache::TestUtil;
use Apache::TestRequest ();
use CorsTest qw(:DEFAULT t_dir);

my $APP = 'https://app.example';

# The questions asked over each protocol; one test each.
my @checks = (\&allowed_request, \&allowed_preflight, \&denied_origin, \&same_origin,
              \&other_scheme, \&unauthenticated, \&preflight_before_auth,
              \&authenticated, \&cgi_backend);
my %count = (allowed_request => 7, allowed_preflight => 11, denied_origin => 4,
             same_origin => 4, other_scheme => 3, unauthenticated => 5,
             preflight_before_auth => 3, authenticated => 4, cgi_backend => 4);
my $per_protocol = 0;
$per_protocol += $_ for values %count;

# mod_http2 is off under mpm_prefork: there the HTTP/2 checks are left out of the plan
# (and said so), and one test shows that a client asking for h2 gets HTTP/1.1.
my $mpm = Apache::Test::config()->{server}{mpm} || $ENV{MPM} || 'event';
my $h2 = $mpm ne 'prefork';

plan tests => 3 + ($h2 ? 2 * $per_protocol : 1 + $per_protocol);
my $crt = t_dir() . '/conf/h2/server.crt';

ok t_cmp(-s $crt ? 1 : 0, 1, 't/TEST made the test certificate t/conf/h2/server.crt');
my $vhost = Apache::Test::config()->{vhosts}{h2};
ok t_cmp($vhost ? 1 : 0, 1, 'the TLS virtual host h2 is configured');
die "no TLS virtual host: was the certificate made? (see t/TEST.PL)\n" unless $vhost;

my $port = $vhost->{port};
my $BASE = "https://127.0.0.1:$port";

my ($version) = `curl -V` =~ /^Features:(.*)$/m;
ok t_cmp($version, qr/\bHTTP2\b/, 'curl speaks HTTP/2');

# Over HTTP/2 first (not under prefork), then over HTTP/1.1; both on TLS.
if ($h2) {
    $_->('HTTP/2') for @checks;
}
else {
    print STDERR "# t/h2.t: $per_protocol HTTP/2 checks left out: mod_http2 is off under"
               . " mpm_$mpm (AH10034)\n";
    my $res = curl('HTTP/2', GET => '/h2/doc.txt', Origin => $APP);
    ok t_cmp($res->{protocol}, 'HTTP/1.1',
             "under mpm_$mpm a client asking for h2 gets HTTP/1.1 (mod_http2 is off, AH10034)");
}
$_->('HTTP/1.1') for @checks;

# --- the checks -------------------------------------------------------------------------

# SPEC, Actual request: "From an allowed origin, the final response ... carries exactly
# once: Access-Control-Allow-Origin: the request's Origin value as received ...;
# Access-Control-Allow-Credentials: true"; Vary: "every response carries Origin in Vary".
sub allowed_request {
    my ($protocol) = @_;
    my $res = curl($protocol, GET => '/h2/doc.txt', Origin => $APP);
    ok t_cmp($res->{protocol}, $protocol, "$protocol over TLS: the response comes over $protocol");
    ok t_cmp($res->{status}, 200, "$protocol over TLS: an allowed request is served");
    ok t_cmp([header_fields($res->{fields}, 'Access-Control-Allow-Origin')], [$APP],
             "$protocol over TLS: an allowed request gets its Origin once in Access-Control-Allow-Origin");
    ok t_cmp([header_fields($res->{fields}, 'Access-Control-Allow-Credentials')], ['true'],
             "$protocol over TLS: an allowed request gets Access-Control-Allow-Credentials: true once");
    ok t_cmp([vary($res)], ['origin'],
             "$protocol over TLS: an allowed request's response varies on Origin, once");
    ok t_cmp([header_fields($res->{fields}, 'Access-Control-Allow-Methods')], [],
             "$protocol over TLS: an actual request gets no preflight headers");
    ok t_cmp($res->{body}, "h2 document\n", "$protocol over TLS: an allowed request gets the document");
}

# SPEC, Preflight: "An allowed preflight is answered ... with the CORSPreflightStatus status,
# no body, no Content-Type", Allow-Methods "the configured list, comma-separated",
# Allow-Headers "the configured list", Max-Age "when configured", and
# "Vary: Origin, Access-Control-Request-Method, Access-Control-Request-Headers".
sub allowed_preflight {
    my ($protocol) = @_;
    my $res = curl($protocol, OPTIONS => '/h2/doc.txt', Origin => $APP,
                   'Access-Control-Request-Method' => 'PUT',
                   'Access-Control-Request-Headers' => 'x-token');
    ok t_cmp($res->{protocol}, $protocol, "$protocol over TLS: the preflight is answered over $protocol");
    ok t_cmp($res->{status}, 204, "$protocol over TLS: an allowed preflight is answered 204");
    ok t_cmp([header_fields($res->{fields}, 'Access-Control-Allow-Origin')], [$APP],
             "$protocol over TLS: an allowed preflight gets its Origin once in Access-Control-Allow-Origin");
    ok t_cmp([header_fields($res->{fields}, 'Access-Control-Allow-Credentials')], ['true'],
             "$protocol over TLS: an allowed preflight gets Access-Control-Allow-Credentials: true once");
    ok t_cmp([header_fields($res->{fields}, 'Access-Control-Allow-Methods')], ['GET, POST, PUT'],
             "$protocol over TLS: an allowed preflight lists the configured methods once");
    ok t_cmp([header_fields($res->{fields}, 'Access-Control-Allow-Headers')], ['X-Token, Content-Type'],
             "$protocol over TLS: an allowed preflight lists the configured headers once");
    ok t_cmp([header_fields($res->{fields}, 'Access-Control-Max-Age')], ['600'],
             "$protocol over TLS: an allowed preflight carries the configured Max-Age once");
    ok t_cmp([header_fields($res->{fields}, 'Access-Control-Expose-Headers')], [],
             "$protocol over TLS: a preflight gets no Access-Control-Expose-Headers");
    ok t_cmp([vary($res)],
             ['access-control-request-headers', 'access-control-request-method', 'origin'],
             "$protocol over TLS: a preflight varies on Origin and the request's method and headers, once each");
    ok t_cmp($res->{body}, '', "$protocol over TLS: an allowed preflight has no body");
    ok t_cmp([header_fields($res->{fields}, 'Content-Type')], [],
             "$protocol over TLS: an allowed preflight has no Content-Type");
}

# SPEC, Actual request: "From a disallowed origin: none of these headers, and the request
# proceeds"; Vary: "including ... to denied origins".
sub denied_origin {
    my ($protocol) = @_;
    my $res = curl($protocol, GET => '/h2/doc.txt', Origin => 'https://evil.example');
    ok t_cmp($res->{status}, 200, "$protocol over TLS: a request from a disallowed origin proceeds");
    ok t_cmp([cors_fields($res)], [],
             "$protocol over TLS: a disallowed origin gets no Access-Control-* header");
    ok t_cmp([vary($res)], ['origin'],
             "$protocol over TLS: a disallowed origin's response varies on Origin");
    ok t_cmp([header_fields($res->{fields}, 'X-CORS-Result')], ['denied:origin'],
             "$protocol over TLS: CORS_RESULT says denied:origin");
}

# SPEC, Same origin: "An Origin equal to the request's own origin (its scheme, the Host it
# was sent to, its port ...) is same-origin: no CORS headers".  https://127.0.0.1:* is an
# allowed origin rule here, so only same-origin explains the absence of headers.
sub same_origin {
    my ($protocol) = @_;
    my $res = curl($protocol, GET => '/h2/doc.txt', Origin => $BASE);
    ok t_cmp($res->{status}, 200, "$protocol over TLS: a same-origin request is served");
    ok t_cmp([cors_fields($res)], [],
             "$protocol over TLS: a same-origin request (https, the Host sent, the port) gets no CORS headers");
    ok t_cmp([header_fields($res->{fields}, 'X-CORS-Result')], ['same-origin'],
             "$protocol over TLS: CORS_RESULT says same-origin");
    ok t_cmp([vary($res)], ['origin'], "$protocol over TLS: a same-origin response varies on Origin");
}

# Same origin compares the scheme: over TLS, http:// with the same host and port is
# another origin (here an allowed one).
sub other_scheme {
    my ($protocol) = @_;
    my $origin = "http://127.0.0.1:$port";
    my $res = curl($protocol, GET => '/h2/doc.txt', Origin => $origin);
    ok t_cmp($res->{status}, 200, "$protocol over TLS: a request from http:// on the same host and port is served");
    ok t_cmp([header_fields($res->{fields}, 'Access-Control-Allow-Origin')], [$origin],
             "$protocol over TLS: http:// on the same host and port is cross-origin over TLS");
    ok t_cmp([header_fields($res->{fields}, 'X-CORS-Result')], ['allowed'],
             "$protocol over TLS: CORS_RESULT says allowed for http:// on the same host and port");
}

# SPEC, Actual request: "whatever its status ... from httpd itself (401 from
# authentication ...)" carries Access-Control-Allow-Origin and -Credentials.
sub unauthenticated {
    my ($protocol) = @_;
    my $res = curl($protocol, GET => '/h2/private/doc.txt', Origin => $APP);
    ok t_cmp($res->{status}, 401, "$protocol over TLS: a request without credentials behind Require valid-user is answered 401");
    ok t_cmp([header_fields($res->{fields}, 'WWW-Authenticate')], ['Basic realm="h2 private"'],
             "$protocol over TLS: the 401 asks for Basic credentials");
    ok t_cmp([header_fields($res->{fields}, 'Access-Control-Allow-Origin')], [$APP],
             "$protocol over TLS: a 401 from authentication carries Access-Control-Allow-Origin once");
    ok t_cmp([header_fields($res->{fields}, 'Access-Control-Allow-Credentials')], ['true'],
             "$protocol over TLS: a 401 from authentication carries Access-Control-Allow-Credentials once");
    ok t_cmp([vary($res)], ['origin'], "$protocol over TLS: a 401 varies on Origin");
}

# SPEC, Preflight: "An allowed preflight is answered by mod_cors itself, before
# authentication and authorization".
sub preflight_before_auth {
    my ($protocol) = @_;
    my $res = curl($protocol, OPTIONS => '/h2/private/doc.txt', Origin => $APP,
                   'Access-Control-Request-Method' => 'GET',
                   'Access-Control-Request-Headers' => 'content-type');
    ok t_cmp($res->{status}, 204,
             "$protocol over TLS: an allowed preflight behind Require valid-user is answered 204 before authentication");
    ok t_cmp([header_fields($res->{fields}, 'Access-Control-Allow-Origin')], [$APP],
             "$protocol over TLS: the preflight behind Require valid-user gets Access-Control-Allow-Origin once");
    ok t_cmp([header_fields($res->{fields}, 'WWW-Authenticate')], [],
             "$protocol over TLS: the preflight behind Require valid-user is not challenged");
}

# SPEC, Actual request: the allowed origin's headers on a 2xx behind authentication.
sub authenticated {
    my ($protocol) = @_;
    my $res = curl($protocol, GET => '/h2/private/doc.txt', Origin => $APP,
                   -user => 'h2user:h2secret');
    ok t_cmp($res->{status}, 200, "$protocol over TLS: an authenticated request is served");
    ok t_cmp([header_fields($res->{fields}, 'Access-Control-Allow-Origin')], [$APP],
             "$protocol over TLS: an authenticated request gets Access-Control-Allow-Origin once");
    ok t_cmp([header_fields($res->{fields}, 'Access-Control-Allow-Credentials')], ['true'],
             "$protocol over TLS: an authenticated request gets Access-Control-Allow-Credentials once");
    ok t_cmp($res->{body}, "h2 private document\n", "$protocol over TLS: an authenticated request gets the document");
}

# SPEC, Exactly once: "With CORSReplaceBackendHeaders On, mod_cors is the only source of
# Access-Control-* headers where it is enabled: those set by a handler, CGI script ... are
# removed".  The CGI script sends Access-Control-Allow-Origin: *.
sub cgi_backend {
    my ($protocol) = @_;
    my $res = curl($protocol, GET => '/h2/cgi/backend.cgi', Origin => $APP);
    ok t_cmp($res->{status}, 200, "$protocol over TLS: the CGI script answers");
    ok t_cmp([header_fields($res->{fields}, 'X-Backend')], ['cgi'],
             "$protocol over TLS: the CGI script's own headers pass");
    ok t_cmp([header_fields($res->{fields}, 'Access-Control-Allow-Origin')], [$APP],
             "$protocol over TLS: a CGI script's Access-Control-Allow-Origin is replaced by mod_cors's, once");
    ok t_cmp([header_fields($res->{fields}, 'Access-Control-Allow-Credentials')], ['true'],
             "$protocol over TLS: a CGI response from an allowed origin gets Access-Control-Allow-Credentials once");
}

# --- helpers ----------------------------------------------------------------------------

# Asks the TLS virtual host with curl, over 'HTTP/2' or 'HTTP/1.1', verifying the test
# certificate.  Fields are name => value pairs; -user => 'name:password' sends Basic
# credentials.  Returns {protocol => 'HTTP/2' ..., status, fields => [[name, value], ...]
# in the order received, body}; status is 0 when curl failed.
sub curl {
    my ($protocol, $method, $path, @fields) = @_;
    my @cmd = ('curl', '--silent', '--show-error', '--include', '--max-time', 30,
               '--cacert', $crt, $protocol eq 'HTTP/2' ? '--http2' : '--http1.1',
               '--request', $method);
    while (my ($name, $value) = splice @fields, 0, 2) {
        push @cmd, $name eq '-user' ? ('--user', $value) : ('--header', "$name: $value");
    }
    push @cmd, "$BASE$path";
    t_debug("@cmd");

    open my $fh, '-|', @cmd or die "cannot run curl: $!\n";
    binmode $fh;
    my $out = do { local $/; <$fh> } // '';
    close $fh;
    my $res = { protocol => '', status => 0, fields => [], body => '' };
    if ($?) {
        t_debug("curl failed with exit status " . ($? >> 8));
        return $res;
    }
    t_debug($out);

    my ($head, $body) = split /\r\n\r\n/, $out, 2;
    my ($status_line, @lines) = split /\r\n/, $head;
    @$res{qw(protocol status)} = $status_line =~ m{^(HTTP/[\d.]+) (\d{3})};
    $res->{fields} = [map { [split /:[ \t]*/, $_, 2] } @lines];
    $res->{body} = $body // '';
    return $res;
}

# The Vary tokens, lower-cased and sorted, duplicates kept.
sub vary {
    my ($res) = @_;
    return sort map { lc } grep { length } map { split /\s*,\s*/ }
        header_fields($res->{fields}, 'Vary');
}

# The names of every Access-Control-* field, lower-cased.
sub cors_fields {
    my ($res) = @_;
    return map { lc $_->[0] } grep { $_->[0] =~ /^access-control-/i } @{ $res->{fields} };
}
