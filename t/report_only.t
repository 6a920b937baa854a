# SPEC "Report-only": with CORSReportOnly On, mod_cors decides and reports (CORS_RESULT,
# log, counters) but adds, removes, answers and rejects nothing; at LogLevel cors:info it
# logs one line for each response whose Access-Control-* fields differ from the ones it
# would have sent, naming every difference (t/conf/report_only.conf.in).
use strict;
use warnings FATAL => 'all';

use Apache::Test;
use Apache::TestUtil;
use CorsTest;

plan tests => 27, need_module qw(cors headers setenvif);

my $APP = 'https://app.example.com';
my $n = 0;

# (response, [error log lines of this request], CORS_RESULT as logged)
sub request {
    my ($method, $path, @fields) = @_;
    my $marker = "report-$$-" . ++$n;
    my $res = cors_request($method => "$path?$marker", @fields);
    select undef, undef, undef, 0.2;
    my $logs = Apache::Test::vars('t_logs');
    my @errors = grep { /\Q$marker\E/ && /CORS report-only/ } split /\n/, CorsTest::read_file("$logs/error_log");
    my ($access) = grep { /\Q$marker\E/ } split /\n/, CorsTest::read_file("$logs/cors_access_log");
    my ($result) = ($access // '') =~ / cors=(\S+)$/;
    return ($res, \@errors, $result // '(none)');
}
sub access_control {
    my ($res) = @_;
    return [map { my $n = $_; map { "$n: $_" } header_fields($res, $n) }
            sort grep { /^access-control-/i } $res->headers->header_field_names];
}

# Beside the recipe: the response is the recipe's, the log names what differs.
my ($res, $errors, $result) = request(GET => '/report/recipe/doc.txt', Origin => $APP);
ok t_cmp(access_control($res), ["Access-Control-Allow-Origin: $APP"], 'the recipe\'s fields are sent as it wrote them');
ok t_cmp([vary_tokens($res)], ['origin'], 'Vary is the recipe\'s: mod_cors adds nothing');
ok t_cmp($result, 'allowed', 'CORS_RESULT says what mod_cors decided');
ok t_cmp(scalar @$errors, 1, 'one report line');
ok t_cmp($errors->[0] // '', qr/CORS report-only: GET \/report\/recipe\/doc\.txt\?report-\d+-\d+, Origin 'https:\/\/app\.example\.com' \(allowed\), status 200: missing Access-Control-Allow-Credentials: 'true'$/,
         'the line names the missing credentials field');

($res, $errors) = request(GET => '/report/recipe/doc.txt', Origin => 'https://evil.example.net');
ok t_cmp([access_control($res), scalar @$errors], [[], 0], 'a denied origin the recipe also denies: nothing sent, nothing to report');

# Beside the README's recipe, as the migration guide shows it.
($res, $errors) = request(GET => '/report/readme/doc.txt', Origin => 'https://app-example.com');
ok t_cmp([header_fields($res, 'Access-Control-Allow-Origin')], ['https://app-example.com'],
         'the recipe lets a look-alike domain in, and report-only leaves it so');
ok t_cmp($errors->[0] // '', qr/Origin 'https:\/\/app-example\.com' \(denied:origin\), status 200: extra Access-Control-Allow-Origin: 'https:\/\/app-example\.com';extra Access-Control-Allow-Credentials: 'true';extra Access-Control-Allow-Methods: 'GET, POST, PUT, DELETE, OPTIONS';extra Access-Control-Allow-Headers: 'Content-Type, Authorization'$/,
         'the report names each field the recipe sends to the look-alike');
($res, $errors) = request(GET => '/report/readme/missing.txt', Origin => $APP);
ok t_cmp([$res->code, header_fields($res, 'Access-Control-Allow-Origin')], [404], 'on a 404 the recipe sends nothing');
ok t_cmp($errors->[0] // '', qr/\(allowed\), status 404: missing Access-Control-Allow-Origin: 'https:\/\/app\.example\.com';missing Access-Control-Allow-Credentials: 'true'$/,
         'the report names what mod_cors would add to the 404');
($res, $errors) = request(OPTIONS => '/report/readme/doc.txt', Origin => $APP, 'Access-Control-Request-Method' => 'PUT');
ok t_cmp($errors->[0] // '', qr/\(preflight\), status 200: missing Access-Control-Allow-Origin: 'https:\/\/app\.example\.com';missing Access-Control-Allow-Credentials: 'true';missing Access-Control-Allow-Methods: 'PUT'$/,
         'the recipe\'s preflight answer (its RewriteRule\'s error page, which Header set skips) lacks every field mod_cors would send');

# Beside a backend with its own, wrong, fields.
($res, $errors, $result) = request(GET => '/report/backend/doc.txt', Origin => $APP);
ok t_cmp(access_control($res), ['Access-Control-Allow-Origin: *', 'Access-Control-Allow-Origin: *', 'Access-Control-Max-Age: 86400'],
         'the backend\'s fields stay as they are, duplicate included');
ok t_cmp(scalar @$errors, 1, 'one report line');
my $line = $errors->[0] // '';
ok t_cmp($line, qr/: Access-Control-Allow-Origin sent 2 times;/, 'it names the duplicate');
ok t_cmp($line, qr/;Access-Control-Allow-Origin: '\*' where mod_cors would send 'https:\/\/app\.example\.com';/, 'it names the different value');
ok t_cmp($line, qr/;extra Access-Control-Max-Age: '86400';/, 'it names the extra field');
ok t_cmp($line, qr/;missing Access-Control-Allow-Credentials: 'true'$/, 'it names the missing field');

($res, $errors) = request(GET => '/report/backend/doc.txt');
ok t_cmp($errors->[0] // '', qr/Origin '\(none\)' \(no Origin\), status 200: Access-Control-Allow-Origin sent 2 times;extra Access-Control-Allow-Origin: '\*';extra Access-Control-Max-Age: '86400'$/,
         'without Origin: what mod_cors would have removed is reported extra');

# Identical: no line.
($res, $errors) = request(GET => '/report/same/doc.txt', Origin => $APP);
ok t_cmp([scalar @{ access_control($res) }, scalar @$errors], [2, 0], 'fields identical to mod_cors\'s: no report line');

# Preflights are not answered.
($res, $errors, $result) = request(OPTIONS => '/report/doc.txt', Origin => $APP, 'Access-Control-Request-Method' => 'PUT');
ok t_cmp($res->code, 200, 'an allowed preflight is not answered by mod_cors: the handler answers it');
ok t_cmp(access_control($res), [], 'and it gets no CORS field');
ok t_cmp($result, 'preflight', 'CORS_RESULT still says preflight');
ok t_cmp($errors->[0] // '', qr/\(preflight\), status 200: missing Access-Control-Allow-Origin: 'https:\/\/app\.example\.com';missing Access-Control-Allow-Credentials: 'true';missing Access-Control-Allow-Methods: 'PUT'$/,
         'the line lists the preflight fields mod_cors would have sent');

# Nothing is rejected.
($res, $errors, $result) = request(GET => '/report/reject/doc.txt', Origin => 'https://evil.example.net');
ok t_cmp([$res->code, $result], [200, 'denied:origin'], 'CORSRejectDisallowed does not reject under report-only');
($res) = request(GET => '/report/reject/doc.txt', Origin => 'https://evil.example.net', Upgrade => 'websocket', Connection => 'Upgrade');
ok t_cmp($res->code, 200, 'nor does the WebSocket check');

# Without report-only, for contrast: the same location writes.
($res) = request(GET => '/report/missing.txt', Origin => $APP);
ok t_cmp([$res->code, access_control($res)], [404, []], 'a 404 under report-only gets no field either');
ok t_cmp([vary_tokens($res)], [], 'nor Vary');
