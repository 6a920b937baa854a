# Bad input gets a clear answer and the server keeps serving: the hostile-request corpus
# of t/data/hostile/requests.pl, sent byte for byte over plain sockets to the locations of
# t/conf/hostile.conf.in.
#
# For each case: the exact status; the exact set of Access-Control-* fields (each once,
# with its exact value, every other one absent), Vary as a list of tokens, and never an
# injected X-Injected or Set-Cookie field; then an ordinary allowed request still gets
# its answer.  At the end, no httpd child died while the corpus ran.
use strict;
use warnings FATAL => 'all';

use Apache::Test;
use Apache::TestUtil;
use CorsTest;

my @cases = do(CorsTest::t_dir() . '/data/hostile/requests.pl');
die "t/data/hostile/requests.pl: $@" if $@;
die "t/data/hostile/requests.pl returned no case\n" unless @cases;

plan tests => 3 * @cases + 1, need_module qw(cors alias);

my $HOSTPORT = CorsTest::hostport();
my $ERROR_LOG = Apache::Test::vars('t_logs') . '/error_log';
my $log_offset = -s $ERROR_LOG || 0;

# The CORS-related fields of a response as sorted "name: value" lines: Access-Control-*
# fields as received, Vary as its lower-case tokens, and the fields an injection would add.
sub cors_fields {
    my ($fields) = @_;
    my @lines;
    for my $field (@$fields) {
        my ($name, $value) = @$field;
        if (lc $name eq 'vary') {
            push @lines, 'vary: ' . join ', ', map { lc } grep { length } split /\s*,\s*/, $value;
        }
        elsif ($name =~ /^(?:access-control-.*|x-injected|set-cookie)$/i) {
            push @lines, lc($name) . ": $value";
        }
    }
    return [sort @lines];
}

# The same lines for what a case expects.
sub expected_fields {
    my ($cors) = @_;
    return cors_fields([map { [$_ => $cors->{$_}] } keys %$cors]);
}

sub with_hostport { my ($s) = @_; $s =~ s/\@HOSTPORT\@/$HOSTPORT/g; $s }

for my $case (@cases) {
    my $name = $case->{name};
    my ($status, $fields) = eval { raw_request(with_hostport($case->{request})) };
    if (!defined $status) {
        chomp(my $error = $@ || 'no response');
        $status = "no response ($error)";
        $fields = [];
    }
    my %cors = map { $_ => with_hostport($case->{cors}{$_}) } keys %{ $case->{cors} };

    ok t_cmp($status, $case->{status}, "$name: status $case->{status}");
    ok t_cmp(cors_fields($fields), expected_fields(\%cors),
             "$name: exactly the expected CORS fields");

    # The server keeps serving.
    my $res = cors_request(GET => '/hostile/doc.txt', Origin => 'https://app.example.com');
    ok t_cmp([$res->code, header_fields($res, 'Access-Control-Allow-Origin')],
             [200, 'https://app.example.com'],
             "after \"$name\": an allowed request still gets 200 and its origin");
}

# A child that crashed on a request is logged as "child pid N exit signal ...".
open my $log, '<', $ERROR_LOG or die "cannot read $ERROR_LOG: $!";
seek $log, $log_offset, 0;
my @crashes = grep { /exit signal|AH00052|Segmentation fault|double free|stack smashing/ } <$log>;
close $log;
ok t_cmp(\@crashes, [], 'no httpd child died while the hostile corpus ran');
