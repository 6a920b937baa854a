# Telling the administrator (SPEC.md): "Every request in a CORS-enabled context that
# carries an Origin gets the environment variable CORS_RESULT: allowed, preflight,
# same-origin, denied:origin, denied:method, denied:headers or denied:malformed, usable
# as %{CORS_RESULT}e in a LogFormat and seen by CGI scripts."  "LogLevel cors:info logs
# one line per denial with the reason and the requested URL; cors:debug one line per
# decision.  Request values in log lines are escaped."
#
# t/conf/logging.conf.in: a virtual host whose access log, t/logs/logging_access_log,
# writes 'METHOD /path?query cors="%{CORS_RESULT}e"'.  /logging/cors/ allows
# https://app.example.com, GET PUT and X-Requested-With; under it passthrough/ (preflights
# reach the CGI script), disabled/ (CORSEnable Off), info/, debug/ and quiet/ (LogLevel
# cors:info, cors:debug, cors:warn).  /logging/plain/ has no CORS.  echo.cgi prints
# "CORS_RESULT=<value or (unset)>".  mod_cors's lines go to t/logs/error_log.
use strict;
use warnings FATAL => 'all';

use Apache::Test;
use Apache::TestUtil;
use Apache::TestRequest ();
use Time::HiRes ();
use CorsTest;

plan tests => 113, need_module 'cgid', need_module 'log_config';

Apache::TestRequest::module('logging');

my $ALLOWED    = 'https://app.example.com';
my $DISALLOWED = 'https://evil.example.net';
my $SELF       = CorsTest::base_url();
my $T_LOGS     = Apache::Test::vars('t_logs');

# Every request carries a query string of its own, which finds its log lines.
my $count = 0;
sub tag { 'l' . $$ . 'x' . ++$count }

# Sends a request to $path?TAG; returns the response and the tag.
sub request {
    my ($method, $path, @fields) = @_;
    my $tag = tag();
    return (cors_request($method => "$path?$tag", @fields), $tag);
}

sub cgi_sees { my ($res) = @_; $res->content =~ /^CORS_RESULT=(.*)$/m ? $1 : 'no CGI output' }

# The lines of t/logs/$file that match $pattern, waiting for at least $want of them
# (httpd writes the access log after it sent the response) for a while.
sub log_lines {
    my ($file, $pattern, $want) = @_;
    my @lines;
    for (1 .. 100) {
        open my $fh, '<', "$T_LOGS/$file" or die "cannot read $T_LOGS/$file: $!";
        @lines = grep { /$pattern/ } <$fh>;
        close $fh;
        last if @lines >= $want;
        Time::HiRes::sleep(0.1);
    }
    chomp @lines;
    return @lines;
}

# The request tagged $tag, in a log line.
sub tagged { my ($tag) = @_; qr/\?\Q$tag\E(?![0-9])/ }

# What the access log says: the value of cors="..." on the request's one line.
sub logged_result {
    my ($tag) = @_;
    my @lines = log_lines('logging_access_log', tagged($tag), 1);
    return "no access log line for $tag" unless @lines == 1;
    return $lines[0] =~ / cors="([^"]*)"$/ ? $1 : "no cors= in: $lines[0]";
}

# mod_cors's lines in the error log for the request tagged $tag (or matching a
# pattern), waiting for $want of them.
sub cors_lines {
    my ($tag, $want) = @_;
    my $pattern = ref $tag ? $tag : tagged($tag);
    return grep { /\[cors:/ } log_lines('error_log', $pattern, $want // 0);
}

# --- "Every request in a CORS-enabled context that carries an Origin gets the
#     environment variable CORS_RESULT ... seen by CGI scripts ... usable as
#     %{CORS_RESULT}e in a LogFormat" ---

my @cases = (
    ['an actual request from an allowed origin', 'allowed',
     GET => '/logging/cors/echo', Origin => $ALLOWED],
    ['an allowed preflight passed through to the CGI script', 'preflight',
     OPTIONS => '/logging/cors/passthrough/echo', Origin => $ALLOWED,
     'Access-Control-Request-Method' => 'PUT'],
    ['a same-origin request', 'same-origin',
     GET => '/logging/cors/echo', Origin => $SELF],
    ['a request from a disallowed origin', 'denied:origin',
     GET => '/logging/cors/echo', Origin => $DISALLOWED],
    ['a preflight asking for a method not allowed, passed through to the CGI script', 'denied:method',
     OPTIONS => '/logging/cors/passthrough/echo', Origin => $ALLOWED,
     'Access-Control-Request-Method' => 'DELETE'],
    ['a preflight asking for a header not allowed, passed through to the CGI script', 'denied:headers',
     OPTIONS => '/logging/cors/passthrough/echo', Origin => $ALLOWED,
     'Access-Control-Request-Method' => 'PUT', 'Access-Control-Request-Headers' => 'X-Not-Allowed'],
    ['a request with a malformed Origin', 'denied:malformed',
     GET => '/logging/cors/echo', Origin => 'not an origin'],
    ['a request with two Origin fields', 'denied:malformed',
     GET => '/logging/cors/echo', Origin => [$ALLOWED, $ALLOWED]],
);
for my $case (@cases) {
    my ($what, $want, @request) = @$case;
    my ($res, $tag) = request(@request);
    ok t_cmp($res->code, 200, "$what: the CGI script answers");
    ok t_cmp(cgi_sees($res), $want, "$what: the CGI script sees CORS_RESULT=$want");
    ok t_cmp(logged_result($tag), $want, "$what: %{CORS_RESULT}e logs $want");
}

{
    # A preflight mod_cors answers itself reaches no CGI script, but the log.
    my ($res, $tag) = request(OPTIONS => '/logging/cors/echo', Origin => $ALLOWED,
                              'Access-Control-Request-Method' => 'PUT');
    ok t_cmp($res->code, 204, 'an allowed preflight answered by mod_cors: 204');
    ok t_cmp(logged_result($tag), 'preflight',
             'an allowed preflight answered by mod_cors: %{CORS_RESULT}e logs preflight');

    # SPEC "Preflight": a preflight from an allowed origin whose method or headers are not
    # allowed is answered like an allowed one, yet CORS_RESULT still says why it was denied.
    for my $case (['a method not allowed', 'denied:method', 'Access-Control-Request-Method' => 'DELETE'],
                  ['a header not allowed', 'denied:headers', 'Access-Control-Request-Method' => 'PUT',
                   'Access-Control-Request-Headers' => 'X-Not-Allowed']) {
        my ($what, $want, @fields) = @$case;
        ($res, $tag) = request(OPTIONS => '/logging/cors/echo', Origin => $ALLOWED, @fields);
        ok t_cmp([$res->code, cgi_sees($res)], [204, 'no CGI output'],
                 "a preflight asking for $what is answered 204 by mod_cors, not by the CGI script");
        ok t_cmp(logged_result($tag), $want,
                 "a preflight asking for $what answered by mod_cors: %{CORS_RESULT}e logs $want");
    }
}

# --- "a request without Origin has no CORS_RESULT; a context without CORS has none" ---

for my $case (['a request without Origin in a CORS-enabled context', GET => '/logging/cors/echo'],
              ['an OPTIONS without Origin asking for a method',
               OPTIONS => '/logging/cors/echo', 'Access-Control-Request-Method' => 'PUT'],
              ['a request with an Origin where no origin rule applies',
               GET => '/logging/plain/echo', Origin => $ALLOWED],
              ['a request with a disallowed Origin where no origin rule applies',
               GET => '/logging/plain/echo', Origin => $DISALLOWED],
              ['a request with an Origin where CORSEnable Off',
               GET => '/logging/cors/disabled/echo', Origin => $ALLOWED]) {
    my ($what, @request) = @$case;
    my ($res, $tag) = request(@request);
    ok t_cmp($res->code, 200, "$what: the CGI script answers");
    ok t_cmp(cgi_sees($res), '(unset)', "$what: the CGI script sees no CORS_RESULT");
    ok t_cmp(logged_result($tag), '-', "$what: %{CORS_RESULT}e logs nothing ('-')");
}

# --- "LogLevel cors:info logs one line per denial with the reason and the requested
#     URL" ---

my %denials = (
    'denied:origin'    => [[Origin => $DISALLOWED], qr/\Q$DISALLOWED\E/],
    'denied:method'    => [[Origin => $ALLOWED, 'Access-Control-Request-Method' => 'DELETE'],
                           qr/: method 'DELETE' is not in CORSAllowMethods$/],
    # The line names the first requested header that is not allowed.
    'denied:headers'   => [[Origin => $ALLOWED, 'Access-Control-Request-Method' => 'PUT',
                            'Access-Control-Request-Headers' => 'X-Requested-With, X-Not-Allowed, X-Second'],
                           qr/: request header 'X-Not-Allowed' is not in CORSAllowHeaders$/],
    'denied:malformed' => [[Origin => 'not an origin'], qr/'not an origin'/],
);
for my $result (sort keys %denials) {
    my ($fields, $detail) = @{ $denials{$result} };
    my $method = grep({ $_ eq 'Access-Control-Request-Method' } @$fields) ? 'OPTIONS' : 'GET';
    my ($res, $tag) = request($method => '/logging/cors/info/echo', @$fields);
    my @lines = cors_lines($tag, 1);
    ok t_cmp(scalar @lines, 1, "cors:info, $result: one line");
    ok t_cmp($lines[0] // '', qr/\[cors:info\]/, "cors:info, $result: at level info");
    ok t_cmp($lines[0] // '', qr/\Q$result\E/, "cors:info, $result: the line gives the reason");
    ok t_cmp($lines[0] // '', qr{\Q$method /logging/cors/info/echo?$tag\E},
             "cors:info, $result: the line gives the method and the requested URL");
    ok t_cmp($lines[0] // '', $detail, "cors:info, $result: the line quotes what was denied");
}

{
    # Decisions that are not denials: nothing at cors:info.  mod_cors logs while it
    # decides, before the response is sent: once the response is here, so is any line.
    my (undef, $allowed)   = request(GET => '/logging/cors/info/echo', Origin => $ALLOWED);
    my (undef, $preflight) = request(OPTIONS => '/logging/cors/info/echo', Origin => $ALLOWED,
                                     'Access-Control-Request-Method' => 'PUT');
    my (undef, $same)      = request(GET => '/logging/cors/info/echo', Origin => $SELF);
    ok t_cmp([cors_lines($allowed)], [], 'cors:info: an allowed request logs no line');
    ok t_cmp([cors_lines($preflight)], [], 'cors:info: an allowed preflight logs no line');
    ok t_cmp([cors_lines($same)], [], 'cors:info: a same-origin request logs no line');

    # cors:warn: not even denials.
    my (undef, $quiet) = request(GET => '/logging/cors/quiet/echo', Origin => $DISALLOWED);
    ok t_cmp([cors_lines($quiet)], [], 'cors:warn: a denial logs no line');
}

# --- "cors:debug one line per decision" ---

for my $case (['allowed', GET => Origin => $ALLOWED],
              ['preflight', OPTIONS => Origin => $ALLOWED, 'Access-Control-Request-Method' => 'PUT'],
              ['same-origin', GET => Origin => $SELF],
              ['denied:origin', GET => Origin => $DISALLOWED]) {
    my ($result, $method, @fields) = @$case;
    my ($res, $tag) = request($method => '/logging/cors/debug/echo', @fields);
    my @lines = cors_lines($tag, 1);
    ok t_cmp(scalar @lines, 1, "cors:debug, $result: one line");
    ok t_cmp($lines[0] // '', qr/CORS \Q$result\E\b/, "cors:debug, $result: the line gives the decision");
    ok t_cmp($lines[0] // '', qr{\Q$method /logging/cors/debug/echo?$tag\E},
             "cors:debug, $result: the line gives the method and the requested URL");
}

{
    # No decision without Origin, so no line.
    my (undef, $none) = request(GET => '/logging/cors/debug/echo');
    ok t_cmp([cors_lines($none)], [], 'cors:debug: a request without Origin logs no line');

    # A 404 whose ErrorDocument is an internal redirect to a cors:debug URL: one
    # decision, one line.  A second line would name the ErrorDocument's URL, not the
    # tag, so the lines are found by an origin used only here.
    my $origin = 'https://' . tag() . '.evil.example.net';
    my ($res, $tag) = request(GET => '/logging/cors/info/missing.txt', Origin => $origin);
    ok t_cmp($res->code, 404, 'a denial answered 404 through an ErrorDocument: 404');
    ok t_cmp(cgi_sees($res), 'denied:origin',
             'the ErrorDocument sees the decision of the URL the client asked for');
    my @lines = cors_lines(qr/\Q$origin\E/, 1);
    ok t_cmp(scalar @lines, 1, 'a denial answered through an ErrorDocument logs one line, not two');
    ok t_cmp($lines[0] // '', tagged($tag), 'that line names the URL the client asked for');
}

# --- "Request values in log lines are escaped" ---
#
# httpd's error log has one escaping convention (ap_escape_errorlog_item): a control or
# 8-bit byte is written \xhh (\t for a tab), a backslash \\, and a double quote is left
# as it is.  Each request byte must appear in that form exactly once: neither raw, nor
# escaped twice (a second escaping turns \x01 into \\x01, which reads back as a literal
# backslash followed by "x01", another value).  A double quote may also come as \".

# Sends $fields (header lines) byte for byte in a $method to $path?TAG; returns the
# status and the tag.
sub raw {
    my ($method, $path, @fields) = @_;
    my $tag = tag();
    my ($status) = raw_request(join '', "$method $path?$tag HTTP/1.1\r\n",
                               map({ "$_\r\n" } 'Host: ' . CorsTest::hostport(), @fields,
                                   'Connection: close'), "\r\n");
    return ($status, $tag);
}

# The position of the first of @forms found in $line, for a readable t_cmp.
sub logged_as {
    my ($line, @forms) = @_;
    for my $form (@forms) {
        return $form if index($line, $form) >= 0;
    }
    return "none of the accepted forms in: $line";
}

for my $case (['a control character (\x01)', "https://a\x01b.example", q{'https://a\x01b.example'}],
              ['the escape character (\x1b)', "https://a\x1b[31mred.example",
               q{'https://a\x1b[31mred.example'}],
              ['a tab', "https://a\tb.example", q{'https://a\tb.example'}],
              ['a byte above 0x7f', "https://caf\xe9.example", q{'https://caf\xe9.example'}],
              ['a backslash', "https://a\\x01b.example", q{'https://a\\\\x01b.example'}],
              ['a double quote', "https://a\"b.example", q{'https://a"b.example'},
               q{'https://a\"b.example'}]) {
    my ($what, $origin, @forms) = @$case;
    my ($status, $tag) = raw(GET => '/logging/cors/info/echo', "Origin: $origin");
    ok t_cmp($status, 200, "an Origin holding $what: the request proceeds");
    my @lines = cors_lines($tag, 1);
    ok t_cmp(scalar @lines, 1, "an Origin holding $what: one denial line");
    my $line = $lines[0] // '';
    ok t_cmp(logged_as($line, map { "Origin $_" } @forms), "Origin $forms[0]",
             "an Origin holding $what is logged escaped once, as $forms[0]");
    ok t_cmp($line =~ /[\x00-\x1f\x7f-\xff]/ ? 'raw bytes' : 'none', 'none',
             "an Origin holding $what: no raw control or 8-bit byte in the log line");
}

{
    # The other request values a denial line quotes: the method and header names asked for.
    my ($status, $tag) = raw(OPTIONS => '/logging/cors/info/echo', "Origin: $ALLOWED",
                             "Access-Control-Request-Method: PU\x01T");
    my @lines = cors_lines($tag, 1);
    ok t_cmp(logged_as($lines[0] // '', q{method 'PU\x01T' is not a method token}),
             q{method 'PU\x01T' is not a method token},
             'a requested method holding a control character is logged escaped once, as not a token');

    # Names that are not tokens: the line quotes the whole Access-Control-Request-Headers.
    ($status, $tag) = raw(OPTIONS => '/logging/cors/info/echo', "Origin: $ALLOWED",
                          'Access-Control-Request-Method: PUT',
                          "Access-Control-Request-Headers: X-Quoted\x01, X-\"Q\\\"");
    @lines = cors_lines($tag, 1);
    my $holds = ' holds more than 64 names, more than 4 KiB or a name that is not a token';
    my $form = q{Access-Control-Request-Headers 'X-Quoted\x01, X-"Q\\\\"'} . $holds;
    ok t_cmp(logged_as($lines[0] // '', $form,
                       q{Access-Control-Request-Headers 'X-Quoted\x01, X-\"Q\\\\\"'} . $holds),
             $form,
             'requested header names holding a control character, a quote and a backslash '
             . 'are logged escaped once');
}

# The server keeps serving.
my ($res) = request(GET => '/logging/cors/echo', Origin => $ALLOWED);
ok t_cmp(cgi_sees($res), 'allowed', 'the server still answers after the malformed requests');
