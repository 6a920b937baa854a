# SPEC "Origin rules", live lists: "an origin file (txt: or dbm:) that changes on disk is
# used without a restart, within 5 seconds, by every child process, under every MPM.
# Requests during the change see the old list or the new one, never none.  A changed file
# that does not parse keeps the previous list in force and logs the file, line and reason
# at error."  The files are in t/logs/live (t/conf/live_lists.conf.in); each request goes
# on a new connection, so that the requests of one check reach several children.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use File::Temp ();
use Time::HiRes qw(time sleep);
use CorsTest qw(:DEFAULT read_file write_file write_dbm);

plan tests => 65, need_module 'alias';

my $LIVE = Apache::Test::vars('t_logs') . '/live';
my $ERROR_LOG = Apache::Test::vars('t_logs') . '/error_log';
my $ALWAYS = 'https://always.example';

# One test: $pass is true.
sub check {
    my ($pass, $name) = @_;
    ok t_cmp($pass ? 'yes' : 'no', 'yes', $name);
}

# 1 if the origin got exactly its own Access-Control-Allow-Origin, 0 if none, else dies.
sub allowed {
    my ($path, $origin) = @_;
    my $res = cors_request(GET => $path, Origin => $origin);
    die "GET $path from $origin: " . $res->status_line . "\n" unless $res->code == 200;
    my @acao = header_fields($res, 'Access-Control-Allow-Origin');
    return 0 unless @acao;
    return 1 if @acao == 1 && $acao[0] eq $origin;
    die "GET $path from $origin: Access-Control-Allow-Origin @acao\n";
}

# Whether $n requests in a row give $want.
sub always {
    my ($path, $origin, $want, $n) = @_;
    for (1 .. $n || 20) {
        return 0 if allowed($path, $origin) != $want;
    }
    return 1;
}

# Polls for up to 6 s until 20 requests in a row give $want for $origin; meanwhile
# $stays (https://always.example unless said), in every version of the list, must never
# be denied.
my $always_denied = 0;
sub becomes {
    my ($path, $origin, $want, $stays) = @_;
    $stays = $ALWAYS if @_ < 4;
    my ($end, $row) = (time + 6, 0);
    while (time < $end) {
        $always_denied++ if defined $stays && !allowed($path, $stays);
        if (allowed($path, $origin) == $want) {
            return 1 if ++$row >= 20;
        }
        else {
            $row = 0;
            sleep 0.05;
        }
    }
    return 0;
}

# Waits up to 6 s for an error_log line, after byte $from, matching $re, sending requests
# to $path meanwhile (a process looks at a list's file when a request consults it).
sub logs {
    my ($from, $re, $path) = @_;
    my $end = time + 6;
    while (time < $end) {
        my $log = read_file($ERROR_LOG);
        return 1 if substr($log, $from) =~ $re;
        allowed($path, 'https://poke.example');
        sleep 0.2;
    }
    t_debug(substr(read_file($ERROR_LOG), $from));
    return 0;
}

sub log_size { -s $ERROR_LOG }

# Replacing a file: write a new one beside it and rename it over (atomic), or rewrite it
# in place (truncate and write).
sub by_rename {
    my ($file, $content) = @_;
    write_file("$file.new", $content);
    rename "$file.new", $file or die "rename $file: $!";
}
sub in_place {
    my ($file, $content) = @_;
    open my $fh, '>', $file or die "$file: $!";
    print $fh $content;
    close $fh or die "$file: $!";
}

# --- "An origin file ... that changes on disk is used without a restart, within 5 seconds"
for (['rename', \&by_rename, 'replaced by an atomic rename'],
     ['inplace', \&in_place, 'rewritten in place']) {
    my ($name, $write, $how) = @$_;
    my $path = "/live/$name/";
    check always($path, 'https://removed.example', 1, 10) && always($path, 'https://added.example', 0, 10),
       "a text list ($name) allows its origins at start-up, and no other";
    $write->("$LIVE/$name.txt", "$ALWAYS\nhttps://added.example\n");
    check becomes($path, 'https://added.example', 1),
       "an origin added to a text list $how is allowed within 5 s, in every child";
    check becomes($path, 'https://removed.example', 0),
       "an origin removed from a text list $how is denied within 5 s";
    $write->("$LIVE/$name.txt", "$ALWAYS\n");
    check becomes($path, 'https://added.example', 0),
       "an origin removed again from a text list $how is denied within 5 s";
}

# --- A writer that pauses half-way through rewriting a file in place: the half-written
# --- file (whose lines parse) is never used, the whole one is.
{
    open my $fh, '>', "$LIVE/inplace.txt" or die "inplace.txt: $!";
    $fh->autoflush(1);
    print $fh map { "https://first$_.example\n" } 1 .. 100;
    my ($end, $denied) = (time + 0.6, 0);
    while (time < $end) {
        $denied++ unless allowed('/live/inplace/', $ALWAYS);
    }
    print $fh "$ALWAYS\n";
    close $fh;
    check $denied == 0, 'a text list rewritten in place by a writer that pauses half-way is never used half-written';
    check becomes('/live/inplace/', 'https://first1.example', 1), 'the whole file is used within 5 s';
}

# --- "A changed file that does not parse keeps the previous list in force and logs the
# --- file, line and reason at error"; fixing the file recovers without a restart.
{
    my $from = log_size();
    by_rename("$LIVE/broken.txt", "$ALWAYS\nhttps://added.example\nhttps://bad.example/\n");
    check logs($from, qr{\[cors:error\].*CORSAllowOriginFile: \S*/live/broken\.txt line 3: 'https://bad\.example/' ends with a slash.*the previous list of origins stays in force}, '/live/broken/'),
       'a changed text list that does not parse is logged at error with its file, line and reason';
    check always('/live/broken/', 'https://added.example', 0) && always('/live/broken/', $ALWAYS, 1),
       'the previous list stays in force: the broken version\'s good lines are not used';
    by_rename("$LIVE/broken.txt", "$ALWAYS\nhttps://added.example\n");
    check becomes('/live/broken/', 'https://added.example', 1),
       'fixing the file brings its origins in within 5 s, without a restart';

    $from = log_size();
    in_place("$LIVE/broken.txt", "$ALWAYS\nhttps://again.example\nftp//x\n");
    check logs($from, qr{\[cors:error\].*CORSAllowOriginFile: \S*/live/broken\.txt line 3: 'ftp//x' has no scheme}, '/live/broken/'),
       'a text list broken in place is logged at error with its file, line and reason';
    check always('/live/broken/', $ALWAYS, 1) && always('/live/broken/', 'https://again.example', 0),
       'the previous list stays in force after a rewrite in place that does not parse';
    in_place("$LIVE/broken.txt", "$ALWAYS\n");
    check becomes('/live/broken/', 'https://added.example', 0),
       'fixing a file in place brings its new list in within 5 s';
}

# --- Bad input: "unreadable file, a directory, a symlink loop, an empty file, a file that
# --- grows during the read - each a clear error and the previous list kept", and the
# --- server keeps serving; the next good version is taken in.
{
    my $file = "$LIVE/bad.txt";
    my @cases = (
        ['a symlink loop', sub { unlink $file; symlink 'bad.txt', $file or die $! },
         qr{cannot read '\S*/live/bad\.txt': Too many levels of symbolic links}],
        ['a directory', sub { unlink $file; mkdir $file or die $! },
         qr{cannot read '\S*/live/bad\.txt': it is a directory, not a file of origins}],
        ['an empty file', sub { in_place($file, '') },
         qr{'\S*/live/bad\.txt' is empty \(0 bytes\), as a file being written is: to empty the list, leave a comment line in it}],
        # /proc files say 0 bytes and read as more: the file that grows during the read.
        ['a file that grows while it is read', sub { unlink $file; symlink '/proc/version', $file or die $! },
         qr{'\S*/live/bad\.txt' changed while it was read \(0 bytes when opened, \d+ read}],
        ['a missing file', sub { unlink $file },
         qr{cannot read '\S*/live/bad\.txt': No such file or directory}],
        ['a file of another format (a DBM)', sub { write_dbm("$LIVE/x.db", 'db', $ALWAYS); rename "$LIVE/x.db", $file or die $! },
         qr{\S*/live/bad\.txt line \d+: '.*' holds a NUL byte}],
    );
    push @cases, ['an unreadable file', sub { chmod 0, $file or die $! },
                  qr{cannot read '\S*/live/bad\.txt': Permission denied}] if $> != 0;
    # Every good version holds https://bad-base.example: whichever of them a child read
    # last, it must go on allowing it.
    my $base = 'https://bad-base.example';
    for my $i (0 .. $#cases) {
        my ($what, $break, $message) = @{ $cases[$i] };
        my $from = log_size();
        $break->();
        check logs($from, qr{\[cors:error\].*CORSAllowOriginFile: $message.*the previous list of origins stays in force}, '/live/bad/'),
           "$what in place of a text list is logged at error";
        check always('/live/bad/', $base, 1, 10),
           "$what: the previous list stays in force and the server keeps serving";
        rmdir $file if -d $file;
        unlink $file if -l $file || -e $file;
        by_rename($file, "$base\nhttps://bad-$i.example\n");
        check becomes('/live/bad/', "https://bad-$i.example", 1, $base),
           "$what: a good version afterwards is taken in";
    }
    if ($> == 0) { skip('root reads any file', 0) for 1 .. 3 }
}

# --- DBM: "exact origins as keys", rebuilt with httxt2dbm and renamed over.
check always('/live/dbm/', $ALWAYS, 1, 10) && always('/live/dbm/', 'https://removed.example', 1, 10),
   'a DBM list (APR\'s default type) allows its keys';
check always('/live/dbm/', 'https://added.example', 0, 10), 'a DBM list denies an origin it does not hold';
check always('/live/dbm/', 'HTTPS://Always.Example:443', 1, 5),
   'a DBM list allows an origin written otherwise than its key (looked up normalised)';
check always('/live/dbm/', 'https://always.example.evil.net', 0, 5) && always('/live/dbm/', 'https://x.always.example', 0, 5),
   'a DBM list matches exact origins only';
write_dbm("$LIVE/origins.db", 'db', $ALWAYS, 'https://added.example');
check becomes('/live/dbm/', 'https://added.example', 1),
   'an origin added to a DBM rebuilt and renamed over is allowed within 5 s';
check becomes('/live/dbm/', 'https://removed.example', 0), 'an origin removed from the DBM is denied within 5 s';
write_dbm("$LIVE/origins.db", 'db', $ALWAYS, 'https://removed.example');
check becomes('/live/dbm/', 'https://added.example', 0) && becomes('/live/dbm/', 'https://removed.example', 1),
   'the DBM changed back is used within 5 s';
check always('/live/gdbm/', 'https://gdbm.example', 1, 10) && always('/live/gdbm/', $ALWAYS, 0, 10),
   'a dbm=gdbm: list allows its keys and nothing else';
check always('/live/sdbm/', 'https://sdbm.example', 1, 10) && always('/live/sdbm/', $ALWAYS, 0, 10),
   'a dbm=sdbm: list allows its keys and nothing else';
check always('/live/both/', 'https://gdbm.example', 1, 5) && always('/live/both/', $ALWAYS, 1, 5)
   && always('/live/both/', 'https://sdbm.example', 0, 5),
   'a text list and a DBM named in one section are one list';

# --- A DBM replaced by a file that does not open as its type: logged, the previous kept.
{
    my $from = log_size();
    write_dbm("$LIVE/bad.db", 'gdbm', 'https://dbm-new.example');
    check logs($from, qr{\[cors:error\].*CORSAllowOriginFile: cannot open '\S*/live/bad\.db' as a DBM of type db: .*the previous list of origins stays in force}, '/live/bad-dbm/'),
       'a DBM replaced by one of another type is logged at error';
    check always('/live/bad-dbm/', 'https://dbm-base.example', 1, 10) && always('/live/bad-dbm/', 'https://dbm-new.example', 0, 10),
       'the DBM of the wrong type is not used: the previous one stays in force';
    $from = log_size();
    unlink "$LIVE/bad.db";
    mkdir "$LIVE/bad.db";
    check logs($from, qr{\[cors:error\].*CORSAllowOriginFile: cannot read '\S*/live/bad\.db': it is a directory}, '/live/bad-dbm/'),
       'a directory in place of a DBM is logged at error';
    check always('/live/bad-dbm/', 'https://dbm-base.example', 1, 10), 'the previous DBM stays in force';
    rmdir "$LIVE/bad.db";
    write_dbm("$LIVE/bad.db", 'db', 'https://dbm-new.example');
    check becomes('/live/bad-dbm/', 'https://dbm-new.example', 1, undef) && becomes('/live/bad-dbm/', 'https://dbm-base.example', 0, undef),
       'a good DBM afterwards is used within 5 s';
}
ok t_cmp($always_denied, 0, 'an origin in every version of a list was never denied while the lists changed');
check !grep(/exit signal/, split /\n/, read_file($ERROR_LOG)), 'no child crashed';

# --- Start-up: "each a clear start-up error".
sub refused {
    my ($snippet, $name, $re, $files) = @_;
    my ($status, $out) = configtest($snippet, %{ $files || {} });
    check $status != 0 && scalar($out =~ $re), $name;
    t_debug($out);
}
my $dbm_file = do { write_dbm("$LIVE/startup.db", 'db', $ALWAYS); read_file("$LIVE/startup.db") };
refused('CORSAllowOriginFile dbm=ndbm:@DIR@/x', 'a DBM type this APR does not offer is refused, naming those it offers',
        qr/CORSAllowOriginFile: 'dbm=ndbm:\S*': this APR offers no DBM type 'ndbm'; it offers db, gdbm, sdbm/);
refused('CORSAllowOriginFile dbm=:@DIR@/x', 'dbm= without a type is refused',
        qr/CORSAllowOriginFile: 'dbm=:\S*' names no DBM type/);
refused('CORSAllowOriginFile dbm=gdbm:@DIR@/x.db', 'a DBM of another type than named is refused',
        qr/CORSAllowOriginFile: cannot open '\S*\/x\.db' as a DBM of type gdbm: /, { files => { 'x.db' => $dbm_file } });
refused('CORSAllowOriginFile dbm:@DIR@/missing.db', 'a missing DBM is refused',
        qr/CORSAllowOriginFile: cannot read '\S*\/missing\.db': No such file or directory/);
refused('CORSAllowOriginFile dbm:@DIR@/adir', 'a directory named as a DBM is refused',
        qr/CORSAllowOriginFile: cannot read '\S*\/adir': it is a directory/, { files => { 'adir/x' => '' } });
refused('CORSAllowOriginFile dbm:@DIR@/x.txt', 'a text file named as a DBM is refused',
        qr/CORSAllowOriginFile: cannot open '\S*\/x\.txt' as a DBM of type default: /, { files => { 'x.txt' => "$ALWAYS\n" } });
{
    my $dir = File::Temp::tempdir('cors-live-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    symlink "$dir/loop", "$dir/loop";
    symlink '/proc/version', "$dir/grows";
    refused("CORSAllowOriginFile $dir/loop", 'a symlink loop is refused',
            qr/CORSAllowOriginFile: cannot read '\S*\/loop': Too many levels of symbolic links; check the path/);
    refused("CORSAllowOriginFile $dir/grows", 'a file that grows while it is read is refused',
            qr/CORSAllowOriginFile: '\S*\/grows' changed while it was read/);
}
refused('CORSAllowOriginFile txt:@DIR@/x.db', 'a DBM named as a text list is refused',
        qr/CORSAllowOriginFile: \S*\/x\.db line \d+: '.*' holds a NUL byte: write the list as plain text/,
        { files => { 'x.db' => $dbm_file } });
{
    my ($status, $out) = configtest('CORSAllowOriginFile @DIR@/empty.txt', files => { 'empty.txt' => '' });
    check $status == 0 && scalar $out =~ /CORSAllowOriginFile \S*empty\.txt: is empty \(0 bytes\): it allows no origin/,
       'an empty text list starts with a warning: emptied at run time it would be taken for a file being written';
    t_debug($out);
    ($status, $out) = configtest("CORSAllowOriginFile dbm=sdbm:$LIVE/origins.sdbm\nCORSAllowOriginFile dbm=gdbm:$LIVE/origins.gdbm\nCORSAllowOriginFile dbm=DB:$LIVE/origins.db");
    ok t_cmp($status, 0, 'dbm=sdbm:, dbm=gdbm: and dbm=DB: (any case) are accepted');
    t_debug($out);
}
