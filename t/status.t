# SPEC "Telling the administrator", mod_status: server-status shows, per virtual host,
# how many requests had each CORS_RESULT value since start, summed over every child
# process, and server-status?auto gives the server's totals as "Key: value" lines
# (t/conf/status.conf.in).  Each request goes on a connection of its own, so that under
# prefork and worker they spread over several children.
use strict;
use warnings FATAL => 'all';

use Apache::Test;
use Apache::TestUtil;
use CorsTest;

my @KEYS = qw(CORSAllowed CORSPreflight CORSSameOrigin CORSDeniedOrigin CORSDeniedMethod
              CORSDeniedHeaders CORSDeniedMalformed);
plan tests => 2 * @KEYS + 4, need_module qw(cors status);

my $APP = 'https://app.example.com';
my $HOSTPORT = CorsTest::hostport();

sub send_request {
    my (@lines) = @_;
    my ($status) = raw_request(join("\n", @lines, "Host: $HOSTPORT", 'Connection: close', '', ''));
    return $status;
}
sub auto {
    my ($status, $fields, $body) = raw_request("GET /server-status?auto HTTP/1.1\nHost: $HOSTPORT\nConnection: close\n\n");
    my %counts = $body =~ /^(CORS\w+): (\d+)$/mg;
    return \%counts;
}
sub html_row {
    my ($status, $fields, $body) = raw_request("GET /server-status HTTP/1.1\nHost: $HOSTPORT\nConnection: close\n\n");
    my ($port) = $HOSTPORT =~ /:(\d+)$/;
    my ($row) = $body =~ m{<tr><td>[^<]*:$port</td>((?:<td>\d+</td>){7})</tr>};
    return [($row // '') =~ /(\d+)/g];
}

my %sent = (CORSAllowed => 9, CORSPreflight => 5, CORSSameOrigin => 3, CORSDeniedOrigin => 4,
            CORSDeniedMethod => 3, CORSDeniedHeaders => 2, CORSDeniedMalformed => 2);
my $before = auto();
my $row_before = html_row();
ok t_cmp(scalar(keys %$before), scalar(@KEYS), 'server-status?auto has a line for each CORS_RESULT');

send_request('GET /counted/doc.txt HTTP/1.1', "Origin: $APP") for 1 .. 7;
# The directory: one request each, though mod_dir looks its index up with a subrequest.
send_request('GET /counted/ HTTP/1.1', "Origin: $APP") for 1 .. 2;
send_request('OPTIONS /counted/doc.txt HTTP/1.1', "Origin: $APP", 'Access-Control-Request-Method: PUT') for 1 .. 5;
send_request('GET /counted/doc.txt HTTP/1.1', "Origin: http://$HOSTPORT") for 1 .. 3;
send_request('GET /counted/doc.txt HTTP/1.1', 'Origin: https://evil.example.net') for 1 .. 4;
send_request('OPTIONS /counted/doc.txt HTTP/1.1', "Origin: $APP", 'Access-Control-Request-Method: DELETE') for 1 .. 3;
send_request('OPTIONS /counted/doc.txt HTTP/1.1', "Origin: $APP", 'Access-Control-Request-Method: PUT',
             'Access-Control-Request-Headers: X-Other') for 1 .. 2;
send_request('GET /counted/doc.txt HTTP/1.1', 'Origin: app.example.com') for 1 .. 2;
# Not counted: no Origin, and CORS off.
send_request('GET /counted/doc.txt HTTP/1.1') for 1 .. 3;
send_request('GET /index.html HTTP/1.1', "Origin: $APP") for 1 .. 3;

my $after = auto();
for my $key (@KEYS) {
    ok t_cmp(($after->{$key} // -1) - ($before->{$key} // 0), $sent{$key},
             "server-status?auto: $key moved by exactly the $sent{$key} requests sent");
}
my $row_after = html_row();
ok t_cmp(scalar @$row_after, 7, 'server-status shows a row of 7 counters for the virtual host');
for my $i (0 .. $#KEYS) {
    ok t_cmp(($row_after->[$i] // -1) - ($row_before->[$i] // 0), $sent{$KEYS[$i]},
             "server-status: the virtual host's $KEYS[$i] column moved by $sent{$KEYS[$i]}");
}
my ($status, $fields, $body) = raw_request("GET /server-status HTTP/1.1\nHost: $HOSTPORT\nConnection: close\n\n");
ok t_cmp($body, qr{<th>allowed</th><th>preflight</th><th>same-origin</th><th>denied:origin</th><th>denied:method</th><th>denied:headers</th><th>denied:malformed</th>},
         'the table is headed by the CORS_RESULT values');
ok t_cmp(auto()->{CORSAllowed}, $after->{CORSAllowed}, 'reading server-status counts nothing');
