# SPEC "Exactly once": a server-context RewriteRule ... [PT] or an Alias maps the URL before
# any section applies; there, as for every per-directory directive of httpd, the
# configuration of the mapped URL decides (t/conf/mapped.conf.in).  <Location> sections
# match the URL after [PT] rewrote it; an Alias leaves the URL and maps the file, so the
# <Directory> of the file applies and a <Location> of the URL is merged after it.
use strict;
use warnings FATAL => 'all';

use Apache::Test;
use Apache::TestUtil;
use CorsTest;

plan tests => 6, need_module qw(cors rewrite alias);

sub acao { my ($path, $origin) = @_; [header_fields(cors_request(GET => $path, Origin => $origin), 'Access-Control-Allow-Origin')] }

ok t_cmp(acao('/mapped/pt-source/doc.txt', 'https://target.example'), ['https://target.example'],
         'RewriteRule [PT]: the <Location> of the rewritten URL decides');
ok t_cmp(acao('/mapped/pt-source/doc.txt', 'https://source.example'), [],
         'RewriteRule [PT]: the <Location> of the URL as sent no longer applies');
ok t_cmp(acao('/mapped/target/doc.txt', 'https://target.example'), ['https://target.example'],
         'the target URL asked for directly: its <Location> decides');
ok t_cmp(acao('/mapped/alias-source/doc.txt', 'https://directory.example'), ['https://directory.example'],
         'Alias: the <Directory> of the mapped file decides');
ok t_cmp(acao('/mapped/alias-source/doc.txt', 'https://target.example'), [],
         'Alias: the <Location> of the file\'s usual URL does not apply');
my $res = cors_request(GET => '/mapped/pt-source/doc.txt', Origin => 'https://target.example');
ok t_cmp([$res->code, scalar(() = grep { lc eq 'origin' } vary_tokens($res))], [200, 1], 'one answer, Vary: Origin once');
