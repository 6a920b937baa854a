# SPEC "Caches": the same holds behind a shared cache that honours Vary.  This file starts a
# real Varnish (varnishd, Debian package varnish) on a free loopback port, in front of the
# virtual host of t/conf/varnish.conf.in, and proves through it that no origin is ever
# served another origin's answer, and that CORSRejectDisallowed, a lone * and CORSEnable
# Off hold on Varnish's hits as on its misses.
#
# Varnish runs with the built-in VCL plus a vcl_deliver that says X-Varnish-Cache: HIT
# (obj.hits > 0), MISS or PASS (an uncacheable object).  Every check that speaks of a hit
# first proves that the response was one (X-Varnish-Cache and the two transaction ids of
# X-Varnish), so a Varnish that silently stopped storing fails the suite instead of
# passing it.  Each run starts a fresh varnishd with malloc storage, so nothing stored by
# an earlier run is replayed; its work directory, VCL, log and pid file are in
# t/logs/varnish/.  It is stopped at the end, also when a test dies (END block, and by its
# pid file at the next start).  A missing varnishd is a failure, not a skip.
use strict;
use warnings FATAL => 'all';

use Apache::Test;
use Apache::TestUtil;
use Apache::TestRequest;
use CorsTest qw(:DEFAULT hostport t_dir read_file write_file);
use File::Path qw(make_path remove_tree);
use IO::Socket::INET ();
use POSIX ();
use Time::HiRes ();

my $APP   = 'https://app.example.com';
my $OTHER = 'https://other.example.com';
my $EVIL  = 'https://evil.example.net';

my $DIR     = t_dir() . '/logs/varnish';
my $PIDFILE = "$DIR/varnishd.pid";
my $LOG     = "$DIR/varnishd.log";

# Stop varnishd when this file ends, dies or is interrupted (END blocks do not run on an
# unhandled signal); not in a child forked to run it.
my $PARENT = $$;
my $varnishd_pid;
$SIG{$_} = sub { die "t/varnish.t: killed by SIG$_[0]\n" } for qw(INT TERM HUP);
END { stop_varnish() if defined $PARENT && $$ == $PARENT }

plan tests => 69, need_module(qw(cors headers setenvif rewrite alias));

Apache::TestRequest::module('varnish');
my ($backend_port) = hostport() =~ /:(\d+)$/
    or die "t/varnish.t: no port in the test server's address " . hostport() . "\n";

my $port = eval { start_varnish($backend_port) };
my $started = $port ? 'running' : "not running: $@";
ok t_cmp($started, 'running', "varnishd runs in front of the test server (127.0.0.1:$backend_port)");
die "t/varnish.t: cannot test without Varnish: $@" unless $port;

sub get {
    my ($path, $origin) = @_;
    return cors_request(GET => "http://127.0.0.1:$port$path", $origin ? (Origin => $origin) : ());
}

# HIT, MISS or PASS, proved by both X-Varnish-Cache (our vcl_deliver) and X-Varnish (one
# transaction id on a miss or pass, two on a hit); anything else is described.
sub cache_state {
    my ($res) = @_;
    my $said = $res->header('X-Varnish-Cache')
        // return '(no X-Varnish-Cache: the response did not come through our Varnish)';
    my @xids = split ' ', $res->header('X-Varnish') // '';
    return $said if $said eq 'HIT' && @xids == 2 or $said =~ /^(?:MISS|PASS)$/ && @xids == 1;
    return "X-Varnish-Cache: $said but X-Varnish: @xids";
}

sub acao { [header_fields($_[0], 'Access-Control-Allow-Origin')] }
sub acac { [header_fields($_[0], 'Access-Control-Allow-Credentials')] }
sub access_control { [sort grep { /^access-control-/i } $_[0]->headers->header_field_names] }
sub origin_in_vary { scalar grep { $_ eq 'origin' } vary_tokens($_[0]) }

my $res;

# --- Two allowed origins with credentials: a plain location, and one behind a backend that
# --- reflects any Origin with credentials.  22 tests each.
for my $loc (qw(two reflect)) {
    my $path = "/varnish/$loc/doc.txt";
    my $made_for = sub { "made for $_[0]\n" };

    $res = get($path, $APP);
    ok t_cmp([cache_state($res), $res->code], ['MISS', 200], "$loc: app.example.com's first request is a miss");
    ok t_cmp([@{ acao($res) }, @{ acac($res) }], [$APP, 'true'], "$loc: the miss allows app.example.com with credentials, once each");
    $res = get($path, $APP);
    ok t_cmp(cache_state($res), 'HIT', "$loc: app.example.com's second request is a hit");
    ok t_cmp(acao($res), [$APP], "$loc: the hit carries Access-Control-Allow-Origin: app.example.com once");
    ok t_cmp(acac($res), ['true'], "$loc: the hit carries Access-Control-Allow-Credentials once");
    ok t_cmp(origin_in_vary($res), 1, "$loc: the hit says Vary: Origin once");
    ok t_cmp($res->content, $made_for->($APP), "$loc: the hit is app.example.com's own body");

    $res = get($path, $OTHER);
    ok t_cmp(cache_state($res), 'MISS', "$loc: other.example.com is not served app.example.com's stored answer");
    ok t_cmp([@{ acao($res) }, @{ acac($res) }, $res->content], [$OTHER, 'true', $made_for->($OTHER)],
             "$loc: other.example.com gets its own answer");
    $res = get($path, $OTHER);
    ok t_cmp(cache_state($res), 'HIT', "$loc: other.example.com's second request is a hit");
    ok t_cmp([@{ acao($res) }, @{ acac($res) }, origin_in_vary($res), $res->content],
             [$OTHER, 'true', 1, $made_for->($OTHER)], "$loc: other.example.com's hit is its own answer");

    for my $try (1, 2) {
        $res = get($path, $EVIL);
        ok t_cmp(cache_state($res), $try == 1 ? 'MISS' : 'HIT', "$loc: evil.example.net request $try is a " . ($try == 1 ? 'miss' : 'hit'));
        ok t_cmp(access_control($res), [], "$loc: evil.example.net is never allowed (request $try)");
        ok t_cmp($res->content, $made_for->($EVIL), "$loc: evil.example.net never gets another origin's body (request $try)");
    }
    for my $try (1, 2) {
        $res = get($path);
        ok t_cmp(cache_state($res), $try == 1 ? 'MISS' : 'HIT', "$loc: request $try without Origin is a " . ($try == 1 ? 'miss' : 'hit'));
        ok t_cmp([access_control($res), origin_in_vary($res), $res->content], [[], 1, $made_for->('none')],
                 "$loc: no Access-Control-* field without Origin, Vary: Origin once, its own body (request $try)");
    }

    $res = get($path, $APP);
    ok t_cmp([cache_state($res), @{ acao($res) }, $res->content], ['HIT', $APP, $made_for->($APP)],
             "$loc: after every other variant, app.example.com is still served its own stored answer");
}

# --- CORSRejectDisallowed On: a disallowed origin is answered 403, never the stored 200.
# --- 12 tests.
{
    my $path = '/varnish/reject/doc.txt';
    $res = get($path, $APP);
    ok t_cmp([cache_state($res), $res->code], ['MISS', 200], 'reject: an allowed origin is served and stored');
    $res = get($path, $APP);
    ok t_cmp([cache_state($res), $res->code], ['HIT', 200], "reject: the allowed origin's second request is a hit");
    ok t_cmp([@{ acao($res) }, @{ acac($res) }], [$APP, 'true'], 'reject: the hit allows app.example.com with credentials, once each');
    for my $try (1, 2) {
        $res = get($path, $EVIL);
        ok t_cmp([$res->code, $res->content =~ /varnish document/ ? 'the stored body' : 'no stored body'], [403, 'no stored body'],
                 "reject: a disallowed origin is answered 403 (request $try), never the stored 200");
        ok t_cmp(access_control($res), [], "reject: the 403 has no Access-Control-* field (request $try)");
    }
    $res = get($path, $OTHER);
    ok t_cmp([cache_state($res), $res->code, @{ acao($res) }], ['MISS', 200, $OTHER],
             "reject: other.example.com is not served app.example.com's answer");
    $res = get($path);
    ok t_cmp([cache_state($res), $res->code], ['MISS', 200], 'reject: a request without Origin is served');
    $res = get($path);
    ok t_cmp([cache_state($res), $res->code], ['HIT', 200], "reject: the second request without Origin is a hit");
    ok t_cmp([access_control($res), origin_in_vary($res)], [[], 1], 'reject: the hit without Origin has no Access-Control-* field, Vary: Origin once');
    $res = get($path, $APP);
    ok t_cmp([cache_state($res), $res->code, @{ acao($res) }], ['HIT', 200, $APP],
             "reject: after the 403s, app.example.com is still served its own stored answer");
}

# --- A lone "*": one stored response, served to every origin.  7 tests.
{
    my $path = '/varnish/star/doc.txt';
    $res = get($path);
    ok t_cmp([cache_state($res), @{ acao($res) }], ['MISS', '*'], 'lone *: the response to a request without Origin carries * and is stored');
    ok t_cmp([origin_in_vary($res), @{ acac($res) }], [0], 'lone *: no Vary: Origin, no credentials');
    for my $origin ($APP, $EVIL) {
        $res = get($path, $origin);
        ok t_cmp(cache_state($res), 'HIT', "lone *: a request from $origin is served the one stored response");
        ok t_cmp(acao($res), ['*'], "lone *: the hit for $origin carries * once");
    }
    ok t_cmp([access_control($res), $res->content], [['Access-Control-Allow-Origin'], "varnish document\n"],
             'lone *: the hit carries no other Access-Control-* field');
}

# --- CORSEnable Off: no field, on misses and hits, for every origin.  5 tests.
{
    my $path = '/varnish/off/doc.txt';
    $res = get($path, $APP);
    ok t_cmp([cache_state($res), access_control($res)], ['MISS', []], 'CORSEnable Off: the miss has no Access-Control-* field');
    $res = get($path, $APP);
    ok t_cmp(cache_state($res), 'HIT', 'CORSEnable Off: the second request is a hit');
    ok t_cmp(access_control($res), [], 'CORSEnable Off: the hit has no Access-Control-* field either');
    for my $origin ($OTHER, $EVIL) {
        $res = get($path, $origin);
        ok t_cmp([cache_state($res), access_control($res)], ['HIT', []],
                 "CORSEnable Off: $origin is served the one stored response, without Access-Control-* fields");
    }
}

# ---------------------------------------------------------------------------------------

# The varnishd binary: $VARNISHD, or varnishd in PATH, /usr/sbin or /usr/local/sbin (an
# ordinary user's PATH often lacks the sbin directories).
sub find_varnishd {
    if (my $varnishd = $ENV{VARNISHD}) {
        return $varnishd if -x $varnishd;
        die "VARNISHD=$varnishd is not an executable file: install Varnish (apt-get install "
          . "varnish, or make -f Makefile.apxs deps)\n";
    }
    for my $dir (split(/:/, $ENV{PATH} // ''), '/usr/sbin', '/usr/local/sbin') {
        return "$dir/varnishd" if length $dir && -x "$dir/varnishd";
    }
    die "varnishd not found (looked in PATH, /usr/sbin and /usr/local/sbin): install Varnish "
      . "(apt-get install varnish, or make -f Makefile.apxs deps), or set VARNISHD\n";
}

# Is $pid a live (not zombie) varnishd?
sub is_varnishd {
    my ($pid) = @_;
    return 0 unless $pid && kill 0, $pid;
    my $stat = eval { read_file("/proc/$pid/stat") } // return 1;    # no /proc: trust kill 0
    my ($comm, $state) = $stat =~ /\((.*)\)\s+(\S)/ or return 1;
    return $state ne 'Z' && $comm =~ /varnish/;
}

# Starts varnishd in the foreground as our child, on a free loopback port, with
# 127.0.0.1:$backend as its backend; returns its port once it answers, or dies saying why.
sub start_varnish {
    my ($backend) = @_;
    my $varnishd = find_varnishd();

    # One left behind by an earlier run that was killed outright.
    stop_pid(0 + read_file($PIDFILE)) if -s $PIDFILE;
    remove_tree($DIR);
    make_path($DIR);
    write_file("$DIR/default.vcl", <<"VCL");
vcl 4.1;
# Written by t/varnish.t.  The built-in VCL does the rest: it honours Vary and does not
# cache requests with Cookie or Authorization.
backend default {
    .host = "127.0.0.1";
    .port = "$backend";
}
sub vcl_deliver {
    if (obj.hits > 0) {
        set resp.http.X-Varnish-Cache = "HIT";
    } elsif (obj.uncacheable) {
        set resp.http.X-Varnish-Cache = "PASS";
    } else {
        set resp.http.X-Varnish-Cache = "MISS";
    }
}
VCL

    # The port is free when we look; another process could take it before varnishd binds
    # it, so try a few.
    my $why = '';
    for my $attempt (1 .. 3) {
        my $probe = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 1, ReuseAddr => 1)
            or die "cannot find a free loopback port: $@\n";
        my $port = $probe->sockport;
        close $probe;

        my @cmd = ($varnishd, '-F', '-j', 'none', '-n', "$DIR/work", '-a', "127.0.0.1:$port",
                   '-f', "$DIR/default.vcl", '-s', 'malloc,32m', '-P', $PIDFILE);
        my $pid = fork // die "cannot fork: $!\n";
        if ($pid == 0) {
            open STDIN, '<', '/dev/null';
            open STDOUT, '>>', $LOG;
            open STDERR, '>&', \*STDOUT;
            { no warnings 'exec'; exec { $cmd[0] } @cmd; }
            print STDERR "cannot run @cmd: $!\n";
            POSIX::_exit(127);
        }
        $varnishd_pid = $pid;

        my $deadline = Time::HiRes::time() + 60;    # compiling the VCL takes a second or two
        while (Time::HiRes::time() < $deadline) {
            if (waitpid($pid, POSIX::WNOHANG()) == $pid) {
                undef $varnishd_pid;
                $why = "varnishd exited with status $? at start; its output ($LOG):\n" . read_file($LOG);
                last;
            }
            return $port if answers_through_varnish($port);
            Time::HiRes::sleep(0.2);
        }
        die "varnishd did not answer on 127.0.0.1:$port within 60 s; its output ($LOG):\n"
          . read_file($LOG) if $varnishd_pid;
    }
    die $why;
}

# Does Varnish on $port answer an HTTP request (a URL of no test)?
sub answers_through_varnish {
    my ($port) = @_;
    my $sock = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port", Timeout => 2) or return 0;
    print {$sock} "HEAD /varnish/started HTTP/1.1\r\nHost: 127.0.0.1:$port\r\nConnection: close\r\n\r\n";
    local $/ = "\r\n\r\n";
    my $head = eval {
        local $SIG{ALRM} = sub { die "timeout\n" };
        alarm 10;
        my $h = <$sock>;
        alarm 0;
        $h;
    } // '';
    return $head =~ m{^HTTP/1\.1 \d{3}} && $head =~ /^X-Varnish:/mi;
}

# Sends TERM to $pid if it is a varnishd and waits up to 15 s for it to go (then KILL).
sub stop_pid {
    my ($pid, $own) = @_;
    return unless $pid && ($own || is_varnishd($pid));
    kill TERM => $pid;
    my $deadline = Time::HiRes::time() + 15;
    while (Time::HiRes::time() < $deadline) {
        return if $own ? waitpid($pid, POSIX::WNOHANG()) == $pid : !is_varnishd($pid);
        Time::HiRes::sleep(0.1);
    }
    kill KILL => $pid;
    waitpid($pid, 0) if $own;
}

sub stop_varnish {
    local ($?, $!, $@);    # keep the test's exit status
    if ($varnishd_pid) {
        stop_pid($varnishd_pid, 1);
        undef $varnishd_pid;
    }
    # The pid file names the same process; if it names another one (a varnishd we did
    # not start as a child), stop that too.
    if (-s $PIDFILE) {
        my $pid = 0 + eval { read_file($PIDFILE) };
        stop_pid($pid);
    }
}
