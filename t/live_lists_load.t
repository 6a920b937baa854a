# SPEC "Origin rules", live lists, under load: "Requests during the change see the old list
# or the new one, never none."  The list of /live/load/ (t/conf/live_lists.conf.in) is
# rewritten 50 times, by rename and in place in turn, a second apart (about 55 s), with
# 1,000 to 3,000 lines, while four client processes send requests on new connections from
# an origin that every version holds and from one that none holds: no request may fail,
# the first may never be denied nor the second allowed, no complete version may be refused
# and no child may crash.  bench/soak/ has the long form.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use IO::Socket::INET ();
use Time::HiRes qw(time sleep);
use CorsTest qw(:DEFAULT hostport read_file write_file);

plan tests => 7, need_module 'alias';

my $LIVE = Apache::Test::vars('t_logs') . '/live';
my $ERROR_LOG = Apache::Test::vars('t_logs') . '/error_log';
my $FILE = "$LIVE/load.txt";
my ($ALWAYS, $NEVER) = ('https://always.example', 'https://never.example');
my ($host, $port) = split /:/, hostport();
my $CLIENTS = 4;
my $REWRITES = 50;

# One request on a new connection: "allowed", "denied" or what went wrong.
sub answer {
    my ($origin) = @_;
    my $sock = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port, Timeout => 10)
        or return "connect: $!";
    print $sock "GET /live/load/ HTTP/1.1\r\nHost: $host:$port\r\nOrigin: $origin\r\n"
              . "Connection: close\r\n\r\n";
    local $/;
    my $response = <$sock> // '';
    close $sock;
    my ($head) = split /\r\n\r\n/, $response, 2;
    return 'no answer' unless $head && $head =~ m{^HTTP/1\.1 (\d+)};
    return "status $1" unless $1 == 200;
    my @acao = $head =~ /^Access-Control-Allow-Origin: *(.*?)\r?$/mgi;
    return 'denied' unless @acao;
    return 'allowed' if @acao == 1 && $acao[0] eq $origin;
    return "Access-Control-Allow-Origin: @acao";
}

# The client processes: until $stop exists, each counts its answers into its own file.
my $stop = "$LIVE/load.stop";
unlink $stop;
my @pids;
for my $n (1 .. $CLIENTS) {
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        my %count;
        while (!-e $stop) {
            $count{ 'always ' . answer($ALWAYS) }++;
            $count{ 'never ' . answer($NEVER) }++;
        }
        write_file("$LIVE/load.$n", join '', map { "$_\t$count{$_}\n" } sort keys %count);
        CORE::exit(0);
    }
    push @pids, $pid;
}

# Version $v: the always origin, 1,000 to 3,000 others (some patterns), and a marker
# origin of its own, https://v$v.example.
my $log_from = -s $ERROR_LOG;
sub version {
    my ($v) = @_;
    my $lines = 1000 + ($v * 677) % 2000;
    return join '', "# version $v\n", map({ "https://tenant$_-$v.example\n" } 1 .. $lines),
                    "https://*.pattern$v.example\n", "$ALWAYS\n", "https://v$v.example\n";
}
for my $v (1 .. $REWRITES) {
    if ($v % 2) {
        write_file("$FILE.new", version($v));
        rename "$FILE.new", $FILE or die "rename: $!";
    }
    else {
        open my $fh, '>', $FILE or die "$FILE: $!";
        print $fh version($v);
        close $fh;
    }
    sleep 1.1;    # a file is read once it was left alone for a second

}
# The last version is taken in: the rewrites were not ignored.
my ($seen, $end) = (0, time + 6);
while (!$seen && time < $end) {
    $seen = answer("https://v$REWRITES.example") eq 'allowed';
    sleep 0.1 unless $seen;
}
write_file($stop, '');
waitpid $_, 0 for @pids;
unlink $stop;

my %count;
for my $n (1 .. $CLIENTS) {
    for (split /\n/, read_file("$LIVE/load.$n")) {
        my ($what, $c) = split /\t/;
        $count{$what} += $c;
    }
    unlink "$LIVE/load.$n";
}
my $requests = 0;
$requests += $_ for values %count;
t_debug(map { "$_: $count{$_}" } sort keys %count);
my @odd = grep { !/^(?:always allowed|never denied)$/ } keys %count;

ok t_cmp($requests > 200 ? 'yes' : 'no', 'yes', "the clients sent requests throughout ($requests)");
ok t_cmp($count{'always denied'} || 0, 0, 'an origin in every version was never denied');
ok t_cmp($count{'never allowed'} || 0, 0, 'an origin in no version was never allowed');
ok t_cmp([sort @odd], [], 'no request failed');
ok t_cmp($seen ? 'yes' : 'no', 'yes', 'the last of the 50 versions was taken in within 5 s');
my $log = substr read_file($ERROR_LOG), $log_from;
my $reads = () = $log =~ m{CORSAllowOriginFile: read \S*/live/load\.txt again}g;
# Each process reads the versions it meets: with few clients on a loaded machine, a process
# may meet one version in two or three.
ok t_cmp($reads >= $REWRITES / 5 ? 'yes' : 'no', 'yes', "versions were read as they came ($reads reads in all processes)");
# A version may be refused only as one caught being written: on a loaded machine the writer
# can stall for over a second between truncating the file and writing it.
ok t_cmp([grep { !/is empty \(0 bytes\)|changed while it was read/ }
          $log =~ /^.*(?:exit signal|\[cors:error\].*load\.txt).*$/mg], [],
         'no child crashed and no complete version was refused');
