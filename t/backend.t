# SPEC "Exactly once" and CORSReplaceBackendHeaders: Access-Control-* headers written by a
# CGI script, by mod_headers (Header set, Header always set) and by a reverse-proxied
# backend (a second server of the suite, t/conf/backend.conf.in) never reach the client
# beside mod_cors's own, and stay alone with CORSReplaceBackendHeaders Off.
use strict;
use warnings FATAL => 'all';

use Apache::Test;
use Apache::TestUtil;
use Apache::TestRequest ();
use CorsTest;

my $APP = 'https://app.example.com';

# The four kinds of request the SPEC names.
my @KINDS = (
    [allowed       => $APP],
    [denied        => 'https://evil.example'],
    ['same-origin' => CorsTest::base_url()],
    ['no-Origin'   => undef],
);

# What each fixture writes itself (see t/htdocs/backend/ and t/conf/backend.conf.in).
my @CGI_HEADERS = ('access-control-allow-credentials: false',
                   'access-control-allow-methods: FOO',
                   'access-control-allow-origin: *',
                   'access-control-expose-headers: X-Backend');
my @BACKEND_HEADERS = ('access-control-allow-methods: FOO',
                       'access-control-allow-origin: *',
                       'access-control-expose-headers: X-Backend');
my @STATUS404_HEADERS = ('access-control-allow-methods: FOO',
                         'access-control-allow-origin: *');

# mod_cors's answer to the allowed origin in every CORS location of this topic.
my @CORS_HEADERS = ('access-control-allow-credentials: true',
                    "access-control-allow-origin: $APP",
                    'access-control-expose-headers: X-Request-Id');

# The proxied document's ETag (the backend's), asked for when first needed.
my $etag;
my $backend_etag = sub {
    $etag //= (header_fields((get('/backend/proxy/doc.txt'))[1], 'ETag'))[0];
};

# [what writes the headers, URL path under /backend/<location>/, status, more request
#  header fields]
my @SOURCES = (
    ['a CGI script',                            'acao.cgi',                  200],
    ['a CGI script answering Status: 404',      'status404.cgi',             404],
    ['mod_headers Header set',                  'headers-set.txt',           200],
    ['mod_headers Header always set on a 404',  'headers-always-missing.txt', 404],
    ['a proxied backend',                       'doc.txt',                   200],
    ['a proxied backend answering 404',         'missing.txt',               404],
    ['a proxied backend answering 304',         'doc.txt',                   304,
     ['If-None-Match' => $backend_etag]],
);

# CORSReplaceBackendHeaders Off: what stays and what mod_cors adds, by source and kind.
# Once the handler wrote Access-Control-Allow-Origin it answered CORS itself: mod_cors
# adds nothing (completing it could pair its "*" with credentials).
my %OFF = (
    'acao.cgi'      => [@CGI_HEADERS],
    'status404.cgi' => [@STATUS404_HEADERS],
    'acao-only.cgi' => ["access-control-allow-origin: $APP"],
);
# A handler that wrote only Access-Control-Expose-Headers keeps it; mod_cors adds the rest
# of its answer for the allowed origin.
my %OFF_BY_KIND = (
    'expose-only.cgi' => {
        allowed => ['access-control-allow-credentials: true',
                    "access-control-allow-origin: $APP",
                    'access-control-expose-headers: X-Backend'],
        other   => ['access-control-expose-headers: X-Backend'],
    },
);
$OFF{$_} = [@BACKEND_HEADERS]
    for qw(headers-set.txt headers-always-missing.txt doc.txt missing.txt);

my @OFF_SOURCES = (@SOURCES[0 .. 3], ['a CGI script setting only Access-Control-Allow-Origin',
                                      'acao-only.cgi', 200],
                   ['a CGI script setting only Access-Control-Expose-Headers',
                    'expose-only.cgi', 200], @SOURCES[4 .. 6]);

plan tests => 3 * @KINDS * (@SOURCES + @OFF_SOURCES) + 3 + 3 + 2,
    need need_module(qw(cors headers cgid proxy proxy_http)), need_min_apache_version('2.4');

# GET $path, with Origin $origin unless undef and more fields (a value may be a code
# ref); returns raw_request's (status, fields).
sub get {
    my ($path, $origin, @more) = @_;
    my $text = "GET $path HTTP/1.1\nHost: " . CorsTest::hostport() . "\n";
    $text .= "Origin: $origin\n" if defined $origin;
    while (my ($name, $value) = splice @more, 0, 2) {
        $text .= "$name: " . (ref $value ? $value->() : $value) . "\n";
    }
    return raw_request("${text}Connection: close\n\n");
}

# Every Access-Control-* field of a response as "name: value", the name lower-cased,
# sorted: a second field of one name, or two values joined into one, shows.
sub access_control_fields {
    my ($fields) = @_;
    return [sort map { lc($_->[0]) . ": $_->[1]" }
                 grep { $_->[0] =~ /^access-control-/i } @$fields];
}

sub origin_in_vary {
    my ($fields) = @_;
    return scalar grep { $_ eq 'origin' } vary_tokens($fields);
}

# The fixture really answers with its own headers: the proxied backend, asked directly.
{
    local $Apache::TestRequest::Module = 'backend_origin';
    my ($status, $fields) = get('/backend/origin/doc.txt', $APP);
    ok t_cmp($status, 200, 'the proxied backend answers on its own port');
    ok t_cmp(access_control_fields($fields), [@BACKEND_HEADERS],
             'the proxied backend writes its own Access-Control-* headers');
}

# "With CORSReplaceBackendHeaders On, mod_cors is the only source of Access-Control-*
# headers where it is enabled: those set by a handler, CGI script, mod_headers or a
# proxied backend are removed from every response there (allowed, denied, same-origin or
# without Origin) before mod_cors writes its own."
for my $source (@SOURCES) {
    my ($what, $file, $code, $more) = @$source;
    my $location = $file =~ /^(?:doc|missing)\.txt$/ ? 'proxy' : 'app';
    for my $kind (@KINDS) {
        my ($name, $origin) = @$kind;
        my ($status, $fields) = get("/backend/$location/$file", $origin, @{ $more || [] });
        ok t_cmp($status, $code, "$what, $name request: the status is the handler's");
        ok t_cmp(access_control_fields($fields), $name eq 'allowed' ? [@CORS_HEADERS] : [],
                 "CORSReplaceBackendHeaders On: $what, $name request: only mod_cors's "
                 . 'Access-Control-* headers, each once');
        ok t_cmp(origin_in_vary($fields), 1,
                 "$what, $name request: Origin comes once in Vary");
    }
}

# "With Off, a handler's own Access-Control-* headers stay and mod_cors adds none of the
# same name."  Here each handler answers CORS itself, so mod_cors adds only Vary.
for my $source (@OFF_SOURCES) {
    my ($what, $file, $code, $more) = @$source;
    my $location = $file =~ /^(?:doc|missing)\.txt$/ ? 'proxy-off' : 'off';
    for my $kind (@KINDS) {
        my ($name, $origin) = @$kind;
        my ($status, $fields) = get("/backend/$location/$file", $origin, @{ $more || [] });
        my $expected = $OFF{$file}
                       // $OFF_BY_KIND{$file}{ $name eq 'allowed' ? 'allowed' : 'other' };
        ok t_cmp($status, $code, "Off: $what, $name request: the status is the handler's");
        ok t_cmp(access_control_fields($fields), $expected,
                 "CORSReplaceBackendHeaders Off: $what, $name request: the handler's "
                 . 'Access-Control-* headers stay alone');
        ok t_cmp(origin_in_vary($fields), 1,
                 "Off: $what, $name request: Origin comes once in Vary");
    }
}

# A preflight passed through to the script (CORSPreflightPassthrough On) gets mod_cors's
# preflight headers only, not the script's Access-Control-Allow-Methods: FOO.
{
    my ($status, $fields) = raw_request(<<"EOR");
OPTIONS /backend/app/acao.cgi HTTP/1.1
Host: @{[ CorsTest::hostport() ]}
Origin: $APP
Access-Control-Request-Method: PUT
Connection: close

EOR
    ok t_cmp($status, 200, 'a passed-through preflight is answered by the script');
    ok t_cmp(access_control_fields($fields),
             ['access-control-allow-credentials: true',
              'access-control-allow-methods: PUT',
              "access-control-allow-origin: $APP"],
             'CORSReplaceBackendHeaders On: a passed-through preflight carries only '
             . "mod_cors's preflight headers, each once");
    ok t_cmp([vary_tokens($fields)],
             ['origin', 'access-control-request-method', 'access-control-request-headers'],
             'a passed-through preflight: each preflight Vary token once');
}

# "the final response — whatever its status ... from a proxied backend": mod_proxy's own
# 503 when the backend is down.
{
    my ($status, $fields) = get('/backend/proxy-down/doc.txt', $APP);
    ok t_cmp($status, 503, 'a proxied backend that is down: mod_proxy answers 503');
    ok t_cmp(access_control_fields($fields), [@CORS_HEADERS],
             'a 503 from mod_proxy for a backend that is down carries one set of CORS headers');
    ok t_cmp(origin_in_vary($fields), 1, 'a 503 from mod_proxy: Origin comes once in Vary');
}
