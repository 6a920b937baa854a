# How mod_cors's settings are inherited and replaced between configuration sections:
# server, <VirtualHost>, <Directory>, <Location>, <Files>, <If> and .htaccess
# (configuration: t/conf/merge.conf.in, documents: t/htdocs/merge/).
use strict;
use warnings FATAL => 'all';

use Apache::Test;
use Apache::TestUtil;
use CorsTest;

plan tests => 186, need_module 'cors', 'headers';

my $DOCS = Apache::Test::vars('documentroot') . '/merge';

# --- Helpers -------------------------------------------------------------------------

# A preflight from an allowed origin whose method or headers are not allowed (SPEC
# "Preflight"): answered like an allowed one, with the configured lists, but without
# Access-Control-Max-Age, so the exact set of Access-Control-* fields tells it from an
# allowed one wherever CORSMaxAge is set.  2 tests.
sub explained {
    my ($res, $status, $fields, $rule) = @_;
    ok t_cmp($res->code, $status, "$rule: the denied preflight is answered $status");
    ok t_cmp(access_control_fields($res), $fields,
             "$rule: the answer gives the configured lists, without Access-Control-Max-Age");
}

sub get {
    my ($path, $origin) = @_;
    return cors_request(GET => $path, defined $origin ? (Origin => $origin) : ());
}

sub preflight {
    my ($path, $origin, $method, $headers) = @_;
    return cors_request(OPTIONS => $path, Origin => $origin,
                        'Access-Control-Request-Method' => $method,
                        defined $headers ? ('Access-Control-Request-Headers' => $headers) : ());
}

# Every Access-Control-* field of the response, as "Name: value", in a stable order.
sub access_control_fields {
    my ($res) = @_;
    my @fields;
    $res->headers->scan(sub { push @fields, "$_[0]: $_[1]" if $_[0] =~ /^access-control-/i });
    return [sort @fields];
}

sub origin_tokens {
    my ($res) = @_;
    return scalar grep { $_ eq 'origin' } vary_tokens($res);
}

# An actual request from $origin to $path is allowed: 200 and exactly one
# Access-Control-Allow-Origin holding the origin.  2 tests.
sub allowed {
    my ($path, $origin, $rule) = @_;
    my $res = get($path, $origin);
    ok t_cmp($res->code, 200, "$rule: GET $path from $origin is served");
    ok t_cmp([header_fields($res, 'Access-Control-Allow-Origin')], [$origin],
             "$rule: $origin is allowed at $path");
    return $res;
}

# An actual request from $origin to $path is denied: served, no Access-Control-*
# field at all, and Origin once in Vary (the answer depends on the origin).  3 tests.
sub denied {
    my ($path, $origin, $rule) = @_;
    my $res = get($path, $origin);
    ok t_cmp($res->code, 200, "$rule: GET $path from $origin is still served");
    ok t_cmp(access_control_fields($res), [], "$rule: $origin is not allowed at $path");
    ok t_cmp(origin_tokens($res), 1, "$rule: the denial at $path says Vary: Origin once");
    return $res;
}

# --- "A context that sets a directive replaces the value it would inherit; a context
# --- that does not set it inherits."

# The parent, for reference.
my $res = allowed('/merge/inherit/doc.txt', 'https://parent.example', 'parent section');
ok t_cmp([header_fields($res, 'Access-Control-Allow-Credentials')], ['true'],
         'parent section: CORSAllowCredentials On applies');
ok t_cmp([header_fields($res, 'Access-Control-Expose-Headers')], ['X-Parent-Exposed'],
         'parent section: CORSExposeHeaders applies');

# A child that sets every directive again.
my $rule = 'a section that sets a directive replaces the inherited value';
$res = allowed('/merge/inherit/override/doc.txt', 'https://child.example', "$rule (CORSAllowOrigin)");
ok t_cmp([header_fields($res, 'Access-Control-Allow-Credentials')], [],
         "$rule: CORSAllowCredentials Off replaces an inherited On");
ok t_cmp([header_fields($res, 'Access-Control-Expose-Headers')], ['X-Child-Exposed'],
         "$rule (CORSExposeHeaders)");
denied('/merge/inherit/override/doc.txt', 'https://parent.example',
       "$rule: the parent's CORSAllowOrigin no longer applies");

$res = preflight('/merge/inherit/override/doc.txt', 'https://child.example', 'DELETE', 'X-Child');
ok t_cmp($res->code, 204, "$rule (CORSPreflightStatus 204 replaces an inherited 200)");
ok t_cmp([header_fields($res, 'Access-Control-Allow-Origin')], ['https://child.example'],
         "$rule: the child's preflight is allowed");
ok t_cmp([header_fields($res, 'Access-Control-Allow-Methods')], ['DELETE'],
         "$rule (CORSAllowMethods)");
ok t_cmp([header_fields($res, 'Access-Control-Allow-Headers')], ['X-Child'],
         "$rule (CORSAllowHeaders)");
ok t_cmp([header_fields($res, 'Access-Control-Max-Age')], ['0'],
         "$rule (CORSMaxAge 0 replaces an inherited 600)");
ok t_cmp([header_fields($res, 'Access-Control-Allow-Credentials')], [],
         "$rule: no credentials on the child's preflight");

my $child_lists = ['Access-Control-Allow-Headers: X-Child', 'Access-Control-Allow-Methods: DELETE',
                   'Access-Control-Allow-Origin: https://child.example'];
$res = preflight('/merge/inherit/override/doc.txt', 'https://child.example', 'PUT');
explained($res, 204, $child_lists, "$rule: the parent's CORSAllowMethods PUT no longer applies");
$res = preflight('/merge/inherit/override/doc.txt', 'https://child.example', 'DELETE', 'X-Parent');
explained($res, 204, $child_lists, "$rule: the parent's CORSAllowHeaders X-Parent no longer applies");

# A child section that sets none of them.
$rule = 'a section that does not set a directive inherits it';
$res = allowed('/merge/inherit/plain/doc.txt', 'https://parent.example', "$rule (CORSAllowOrigin)");
ok t_cmp($res->header('X-Merge-Section'), 'plain', "$rule: the child section applies");
ok t_cmp([header_fields($res, 'Access-Control-Allow-Credentials')], ['true'],
         "$rule (CORSAllowCredentials)");
ok t_cmp([header_fields($res, 'Access-Control-Expose-Headers')], ['X-Parent-Exposed'],
         "$rule (CORSExposeHeaders)");
denied('/merge/inherit/plain/doc.txt', 'https://child.example',
       "$rule: a sibling's CORSAllowOrigin does not apply");

$res = preflight('/merge/inherit/plain/doc.txt', 'https://parent.example', 'PUT', 'X-Parent');
ok t_cmp($res->code, 200, "$rule (CORSPreflightStatus 200)");
ok t_cmp([header_fields($res, 'Access-Control-Allow-Origin')], ['https://parent.example'],
         "$rule: the parent's preflight is allowed in the child");
ok t_cmp([header_fields($res, 'Access-Control-Allow-Methods')], ['PUT'],
         "$rule (CORSAllowMethods)");
ok t_cmp([header_fields($res, 'Access-Control-Allow-Headers')], ['X-Parent'],
         "$rule (CORSAllowHeaders)");
ok t_cmp([header_fields($res, 'Access-Control-Max-Age')], ['600'], "$rule (CORSMaxAge)");
ok t_cmp([header_fields($res, 'Access-Control-Allow-Credentials')], ['true'],
         "$rule (CORSAllowCredentials, on the preflight)");

# --- "List directives accumulate their arguments within one context (several lines are
# --- one list) and replace the inherited list as a whole."
$rule = 'several lines of a list directive in one section are one list';
allowed('/merge/lists/doc.txt', 'https://one.example', "$rule (first CORSAllowOrigin line)");
$res = allowed('/merge/lists/doc.txt', 'https://two.example', "$rule (second CORSAllowOrigin line)");
ok t_cmp([header_fields($res, 'Access-Control-Expose-Headers')], ['X-Exposed-One, X-Exposed-Two'],
         "$rule (CORSExposeHeaders)");
$res = preflight('/merge/lists/doc.txt', 'https://one.example', 'DELETE', 'X-One, X-Two');
ok t_cmp($res->code, 204, "$rule: a preflight using both lines is allowed");
ok t_cmp([header_fields($res, 'Access-Control-Allow-Methods')], ['PUT, DELETE'],
         "$rule (CORSAllowMethods)");
ok t_cmp([header_fields($res, 'Access-Control-Allow-Headers')], ['X-One, X-Two'],
         "$rule (CORSAllowHeaders)");
ok t_cmp([header_fields($res, 'Access-Control-Max-Age')], ['60'], "$rule: (CORSMaxAge)");

$rule = 'a list set in a section replaces the inherited list as a whole';
$res = allowed('/merge/lists/child/doc.txt', 'https://three.example', "$rule: the child's origin");
ok t_cmp([header_fields($res, 'Access-Control-Expose-Headers')], ['X-Exposed-Three'],
         "$rule (CORSExposeHeaders)");
denied('/merge/lists/child/doc.txt', 'https://one.example', "$rule: first parent origin");
denied('/merge/lists/child/doc.txt', 'https://two.example', "$rule: second parent origin");
$res = preflight('/merge/lists/child/doc.txt', 'https://three.example', 'PATCH', 'X-Three');
ok t_cmp($res->code, 204, "$rule: a preflight within the child's lists is allowed");
ok t_cmp([header_fields($res, 'Access-Control-Allow-Methods')], ['PATCH'],
         "$rule (CORSAllowMethods)");
ok t_cmp([header_fields($res, 'Access-Control-Allow-Headers')], ['X-Three'],
         "$rule (CORSAllowHeaders)");
ok t_cmp([header_fields($res, 'Access-Control-Max-Age')], ['60'],
         "$rule: the inherited CORSMaxAge applies to an allowed preflight");
my $three_lists = ['Access-Control-Allow-Headers: X-Three', 'Access-Control-Allow-Methods: PATCH',
                   'Access-Control-Allow-Origin: https://three.example'];
$res = preflight('/merge/lists/child/doc.txt', 'https://three.example', 'PUT');
explained($res, 204, $three_lists, "$rule: the parent's methods no longer apply");
$res = preflight('/merge/lists/child/doc.txt', 'https://three.example', 'PATCH', 'X-One');
explained($res, 204, $three_lists, "$rule: the parent's headers no longer apply");

# --- CORSEnable
$rule = 'CORSEnable Off in a section switches mod_cors off there';
$res = get('/merge/lists/off/doc.txt', 'https://one.example');
ok t_cmp($res->code, 200, "$rule: the request is served");
ok t_cmp(access_control_fields($res), ['Access-Control-Allow-Origin: https://handler.example'],
         "$rule: no CORS headers of its own, and another module's stay untouched");
ok t_cmp([vary_tokens($res)], [], "$rule: no Vary");
$res = preflight('/merge/lists/off/doc.txt', 'https://one.example', 'PUT', 'X-One');
ok t_cmp($res->code, 200, "$rule: a preflight is an ordinary OPTIONS request");
ok t_cmp(access_control_fields($res), ['Access-Control-Allow-Origin: https://handler.example'],
         "$rule: a preflight gets no CORS headers");
ok t_cmp([vary_tokens($res)], [], "$rule: no Vary on a preflight");

$rule = 'CORSEnable On below CORSEnable Off switches the inherited rules back on';
$res = allowed('/merge/lists/off/on/doc.txt', 'https://one.example', $rule);
ok t_cmp(origin_tokens($res), 1, "$rule: Vary: Origin once");
denied('/merge/lists/off/on/doc.txt', 'https://three.example', $rule);

$rule = 'CORS is off by default where no origin rule applies';
$res = get('/merge/none/doc.txt', 'https://one.example');
ok t_cmp($res->code, 200, "$rule: the request is served");
ok t_cmp(access_control_fields($res), [], "$rule: no CORS headers");
ok t_cmp([vary_tokens($res)], [], "$rule: no Vary: Origin");
$res = preflight('/merge/none/doc.txt', 'https://one.example', 'GET');
ok t_cmp($res->code, 200, "$rule: a preflight is an ordinary OPTIONS request");
ok t_cmp(access_control_fields($res), [], "$rule: a preflight gets no CORS headers");

$rule = 'CORS is on by default where an origin rule applies';
$res = get('/merge/lists/doc.txt', undef);
ok t_cmp(origin_tokens($res), 1, "$rule: even a request without Origin gets Vary: Origin");

# --- "Credentials are never granted to an origin matched only by *... where they meet
# --- only through inheritance, the rule above applies."
$rule = 'CORSAllowOrigin * inherited, CORSAllowCredentials On set';
$res = get('/merge/star/cred/doc.txt', 'https://any.example');
ok t_cmp($res->code, 200, "$rule: the request is served");
ok t_cmp([header_fields($res, 'Access-Control-Allow-Origin')], ['*'], "$rule: answered *");
ok t_cmp([header_fields($res, 'Access-Control-Allow-Credentials')], [],
         "$rule: no credentials for an origin matched only by *");
$res = get('/merge/star/doc.txt', 'https://any.example');
ok t_cmp([header_fields($res, 'Access-Control-Allow-Origin')], ['*'],
         'CORSAllowOrigin *: the parent answers *');

$rule = 'CORSAllowCredentials On inherited, CORSAllowOrigin * set';
$res = get('/merge/cred/doc.txt', 'https://cred.example');
ok t_cmp([header_fields($res, 'Access-Control-Allow-Credentials')], ['true'],
         'CORSAllowCredentials On: the parent grants credentials to its listed origin');
$res = get('/merge/cred/star/doc.txt', 'https://cred.example');
ok t_cmp($res->code, 200, "$rule: the request is served");
ok t_cmp([header_fields($res, 'Access-Control-Allow-Origin')], ['*'],
         "$rule: the parent's origin, no longer listed, is answered *");
ok t_cmp([header_fields($res, 'Access-Control-Allow-Credentials')], [],
         "$rule: no credentials for an origin matched only by *");

# --- <Directory>, <Location>, <Files>, <If>
$rule = '<Directory>';
$res = preflight('/merge/dir/doc.txt', 'https://dir.example', 'GET');
ok t_cmp([header_fields($res, 'Access-Control-Allow-Origin')], ['https://dir.example'],
         "$rule: its origin rule applies");
ok t_cmp([header_fields($res, 'Access-Control-Max-Age')], ['300'], "$rule: its CORSMaxAge applies");

$rule = 'a deeper <Directory> replaces the outer one\'s origins';
allowed('/merge/dir/sub/doc.txt', 'https://subdir.example', $rule);
denied('/merge/dir/sub/doc.txt', 'https://dir.example', $rule);
$res = preflight('/merge/dir/sub/doc.txt', 'https://subdir.example', 'GET');
ok t_cmp([header_fields($res, 'Access-Control-Max-Age')], ['300'],
         'a deeper <Directory> inherits what it does not set (CORSMaxAge)');

$rule = 'a <Location> replaces a <Directory>\'s origins';
allowed('/merge/dir/loc/doc.txt', 'https://location.example', $rule);
denied('/merge/dir/loc/doc.txt', 'https://dir.example', $rule);
$res = preflight('/merge/dir/loc/doc.txt', 'https://location.example', 'GET');
ok t_cmp([header_fields($res, 'Access-Control-Max-Age')], ['300'],
         'a <Location> inherits what it does not set from the <Directory> (CORSMaxAge)');

$rule = '<Files> inside a <Directory> replaces its origins';
allowed('/merge/files/special.txt', 'https://files.example', $rule);
denied('/merge/files/special.txt', 'https://dir.example', $rule);
$rule = '<Files> applies only to the files it names';
allowed('/merge/files/plain.txt', 'https://dir.example', $rule);
denied('/merge/files/plain.txt', 'https://files.example', $rule);

$rule = '<If> inside a <Location> replaces its origins when the condition holds';
allowed('/merge/if/doc.txt?if', 'https://if.example', $rule);
denied('/merge/if/doc.txt?if', 'https://location.example', $rule);
$rule = '<If> does not apply when the condition fails';
allowed('/merge/if/doc.txt', 'https://location.example', $rule);
denied('/merge/if/doc.txt', 'https://if.example', $rule);

# --- <VirtualHost>
{
    local $Apache::TestRequest::Module = 'merge';
    $rule = 'directives at <VirtualHost> level apply to all its URLs';
    allowed('/merge/vhost/doc.txt', 'https://vhost.example', $rule);
    $res = preflight('/merge/vhost/doc.txt', 'https://vhost.example', 'GET');
    ok t_cmp([header_fields($res, 'Access-Control-Max-Age')], ['120'], "$rule (CORSMaxAge)");

    $rule = 'a <Location> inside a <VirtualHost> replaces its origins';
    allowed('/merge/vhost/loc/doc.txt', 'https://vhost-location.example', $rule);
    denied('/merge/vhost/loc/doc.txt', 'https://vhost.example', $rule);
    $res = preflight('/merge/vhost/loc/doc.txt', 'https://vhost-location.example', 'GET');
    ok t_cmp([header_fields($res, 'Access-Control-Max-Age')], ['120'],
             'a <Location> inside a <VirtualHost> inherits what it does not set (CORSMaxAge)');
}
$rule = 'a <VirtualHost>\'s directives do not apply to the main server';
$res = get('/merge/vhost/doc.txt', 'https://vhost.example');
ok t_cmp($res->code, 200, "$rule: the request is served");
ok t_cmp(access_control_fields($res), [], "$rule: no CORS headers");
ok t_cmp(origin_tokens($res), 0, "$rule: no Vary: Origin");

# --- .htaccess
$rule = '.htaccess under AllowOverride FileInfo replaces the directory\'s lists';
t_write_file("$DOCS/htaccess/.htaccess",
             "CORSAllowOrigin https://htaccess.example\nCORSAllowMethods PATCH\n");
allowed('/merge/htaccess/doc.txt', 'https://htaccess.example', $rule);
denied('/merge/htaccess/doc.txt', 'https://dir.example', $rule);
$res = preflight('/merge/htaccess/doc.txt', 'https://htaccess.example', 'PATCH');
ok t_cmp($res->code, 204, "$rule: a preflight for its method is allowed");
ok t_cmp([header_fields($res, 'Access-Control-Allow-Methods')], ['PATCH'], "$rule (CORSAllowMethods)");
ok t_cmp([header_fields($res, 'Access-Control-Max-Age')], ['300'],
         '.htaccess inherits what it does not set (CORSMaxAge)');
$res = preflight('/merge/htaccess/doc.txt', 'https://htaccess.example', 'PUT');
explained($res, 204, ['Access-Control-Allow-Methods: PATCH',
                      'Access-Control-Allow-Origin: https://htaccess.example'],
          "$rule: the directory's method no longer applies");
unlink "$DOCS/htaccess/.htaccess";
allowed('/merge/htaccess/doc.txt', 'https://dir.example',
        'without the .htaccess the directory\'s origin applies again');

$rule = '.htaccess under AllowOverride None is ignored';
t_write_file("$DOCS/htaccess-none/.htaccess", "CORSAllowOrigin https://htaccess.example\n");
allowed('/merge/htaccess-none/doc.txt', 'https://dir.example', $rule);
denied('/merge/htaccess-none/doc.txt', 'https://htaccess.example', $rule);
unlink "$DOCS/htaccess-none/.htaccess";

# --- "The three origin rules (CORSAllowOrigin, CORSAllowOriginRegex, CORSAllowOriginFile)
# --- are one setting: a context that sets any of them replaces every inherited origin rule."
$rule = 'a section that sets only CORSAllowOriginRegex replaces the inherited CORSAllowOrigin';
allowed('/merge/regex/child/doc.txt', 'https://app.regex.example', "$rule: the regex applies");
denied('/merge/regex/child/doc.txt', 'https://parent.example', "$rule: the parent's origin no longer applies");
denied('/merge/regex/child/doc.txt', 'https://other.example', $rule);
denied('/merge/regex/doc.txt', 'https://app.regex.example', 'a child\'s CORSAllowOriginRegex does not apply to the parent');

$rule = 'a section that sets only CORSAllowOrigin replaces the inherited CORSAllowOriginRegex';
allowed('/merge/regex-parent/child/doc.txt', 'https://child.example', "$rule: its origin applies");
denied('/merge/regex-parent/child/doc.txt', 'https://app.regex.example', "$rule: the parent's regex no longer applies");
allowed('/merge/regex-parent/doc.txt', 'https://app.regex.example', 'the parent\'s CORSAllowOriginRegex still applies to the parent');
denied('/merge/regex-parent/child/doc.txt', 'https://other.example', $rule);

$rule = 'several CORSAllowOriginFile lines in one section are one list';
allowed('/merge/file-list/doc.txt', 'https://file-one.example', "$rule (first file)");
allowed('/merge/file-list/doc.txt', 'https://file-two.example', "$rule (second file)");
$rule = 'a section that sets only CORSAllowOrigin replaces the inherited CORSAllowOriginFile';
allowed('/merge/file-list/child/doc.txt', 'https://child.example', "$rule: its origin applies");
denied('/merge/file-list/child/doc.txt', 'https://file-one.example', "$rule: the parent's first file no longer applies");
denied('/merge/file-list/child/doc.txt', 'https://file-two.example', "$rule: the parent's second file no longer applies");
denied('/merge/file-list/doc.txt', 'https://child.example', 'a child\'s CORSAllowOrigin does not apply to the parent');
