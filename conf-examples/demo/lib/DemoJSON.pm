# JSON strings for the demo's CGI scripts, cgi-bin/api.pl and cgi-bin/wire.pl, which use
# nothing outside Perl itself.  Here, outside both document roots, httpd never serves it.
package DemoJSON;

use strict;
use warnings;
use Exporter 'import';

our @EXPORT_OK = qw(json_string);

# A string as a JSON string; undef as null.
sub json_string {
    my ($s) = @_;
    return 'null' unless defined $s;
    $s =~ s/(["\\])/\\$1/g;
    $s =~ s/([\x00-\x1f])/sprintf('\\u%04x', ord $1)/ge;
    return qq("$s");
}

1;
