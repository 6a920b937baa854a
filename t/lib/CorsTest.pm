package CorsTest;

# Helpers for the mod_cors test suite; t/README.md shows how a topic uses them.

use strict;
use warnings FATAL => 'all';

use Exporter 'import';
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Path qw(make_path);
use File::Temp qw(tempdir);
use HTTP::Request ();
use IO::Socket::INET ();
use Apache::Test ();
use Apache::TestRequest ();

our @EXPORT    = qw(cors_request raw_request header_fields vary_tokens configtest);
our @EXPORT_OK = qw(base_url hostport t_dir httpd_binary module_config
                    read_file write_file write_dbm live_lists_init);

my $T_DIR = abs_path(dirname(__FILE__) . '/..');

# The t/ directory, absolute.
sub t_dir { $T_DIR }

# "host:port" of the test server (of the vhost selected with
# Apache::TestRequest::module, if any).
sub hostport { Apache::TestRequest::hostport() }

# The test server's own origin, e.g. "http://localhost:8529": an Origin with this value
# is same-origin.
sub base_url { 'http://' . hostport() }

# Sends a request through Apache::TestRequest's LWP user agent and returns the
# HTTP::Response.  Header fields come as a list of name => value pairs; a name may repeat,
# and a value may be an array ref, to send several fields of one name:
#   cors_request(GET => '/x', Origin => 'https://a.example', Origin => 'https://b.example');
#   cors_request(GET => '/x', Origin => ['https://a.example', 'https://b.example']);
# The pseudo field "content" is the request body.  Redirects are not followed.
sub cors_request {
    my ($method, $path, @fields) = @_;
    my $req = HTTP::Request->new($method => Apache::TestRequest::resolve_url($path));
    while (my ($name, $value) = splice @fields, 0, 2) {
        if (lc $name eq 'content') {
            $req->content($value);
            $req->content_length(length $value);
            next;
        }
        $req->headers->push_header($name => $_) for ref $value ? @$value : $value;
    }
    local $Apache::TestRequest::RedirectOK = 0;
    my $res = Apache::TestRequest::user_agent()->request($req);
    Apache::TestRequest::lwp_trace($res);    # shown with t/TEST -verbose
    return $res;
}

# Sends $text as it is to the test server and reads one response.  Bare "\n" line ends
# become "\r\n" when $text has no "\r" at all, so a heredoc can be the request.  Returns
# (status, [[name, value], ...] in the order received, body); chunked bodies are decoded.
#   my ($status, $fields, $body) = raw_request(<<EOR);
#   GET / HTTP/1.1
#   Host: localhost
#   Origin: https://a.example
#   Connection: close
#
#   EOR
sub raw_request {
    my ($text) = @_;
    $text =~ s/\n/\r\n/g unless $text =~ /\r/;

    local $SIG{ALRM} = sub { die "raw_request: no complete response within 30 s\n" };
    alarm 30;
    my @response = eval { _exchange($text) };
    alarm 0;
    die $@ if $@;
    return @response;
}

# The work of raw_request, under its alarm.
sub _exchange {
    my ($text) = @_;
    my $sock = IO::Socket::INET->new(PeerAddr => hostport(), Timeout => 10)
        or die "raw_request: cannot connect to " . hostport() . ": $@\n";
    binmode $sock;
    print {$sock} $text;
    $sock->flush;

    my ($status, @fields);
    # Interim 1xx responses (100 Continue) precede the final one.
    do {
        my $line = <$sock>;
        die "raw_request: connection closed without a response\n" unless defined $line;
        ($status) = $line =~ m{^HTTP/\d\.\d (\d{3})}
            or die "raw_request: not a status line: $line";
        @fields = ();
        while (defined($line = <$sock>) && $line ne "\r\n") {
            $line =~ s/\r\n\z//;
            my ($name, $value) = split /:[ \t]*/, $line, 2;
            push @fields, [$name, $value];
        }
    } while ($status =~ /^1/ && $status != 101);

    my $field = sub { my $n = lc shift; map { $_->[1] } grep { lc $_->[0] eq $n } @fields };
    my $body = '';
    if ($text =~ /^HEAD / || $status =~ /^(?:1|204|304)/) {
        # no body
    }
    elsif (grep { /chunked/i } $field->('Transfer-Encoding')) {
        while (defined(my $size = <$sock>)) {
            $size =~ s/[;\r\n].*//s;    # chunk extensions and the line end
            $size = hex $size;
            last unless $size;
            read($sock, my $chunk, $size) == $size or die "raw_request: short chunk\n";
            $body .= $chunk;
            <$sock>;    # CRLF after the chunk
        }
        while (defined(my $line = <$sock>)) { last if $line eq "\r\n" }    # trailer
    }
    elsif (my ($length) = $field->('Content-Length')) {
        read($sock, $body, $length) == $length or die "raw_request: short body\n";
    }
    else {
        local $/;
        $body = <$sock> // '';
    }
    close $sock;
    return ($status, \@fields, $body);
}

# All field values of header $name, one per field, from an HTTP::Response or from the
# field list raw_request returns.  In scalar context: the number of fields.
sub header_fields {
    my ($res, $name) = @_;
    if (ref $res eq 'ARRAY') {
        return map { $_->[1] } grep { lc $_->[0] eq lc $name } @$res;
    }
    my @values = $res->headers->header($name);    # list context: one value per field
    return @values;
}

# The tokens of every Vary field, lower-cased, in order (duplicates kept, so a test
# can check that a token appears once).
sub vary_tokens {
    my ($res) = @_;
    return map { lc } grep { length } map { split /\s*,\s*/ } header_fields($res, 'Vary');
}

# Checks a configuration with `httpd -t`: writes a small complete httpd.conf (ServerRoot
# and logs in a temporary directory, a free loopback port, the suite's modules and MPM,
# mod_cors from .libs) followed by $snippet, and returns (exit status, stdout+stderr).
# files => { name => content } writes more files into the directory; "@DIR@" in the
# snippet and in those files stands for the directory.
#   my ($status, $out) = configtest('CORSAllowOriginFile @DIR@/origins.txt',
#                                   files => { 'origins.txt' => "https://a.example\n" });
# `httpd -t` reads the configuration and runs the test_config hooks; post_config hooks
# (and what they log) do not run.
sub configtest {
    my ($snippet, %opt) = @_;
    my $dir = tempdir('cors-configtest-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    my %files = %{ $opt{files} || {} };
    for my $name (sort keys %files) {
        write_file("$dir/$name", $files{$name} =~ s/\@DIR\@/$dir/gr);
    }
    $snippet =~ s/\@DIR\@/$dir/g;

    my $probe = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                      Listen => 1) or die "configtest: no free port: $!";
    my $port = $probe->sockport;
    close $probe;

    write_file("$dir/httpd.conf", module_config() . <<EOC . "\n$snippet\n");
ServerRoot "$dir"
ServerName 127.0.0.1
Listen 127.0.0.1:$port
DocumentRoot "$dir"
PidFile "$dir/httpd.pid"
DefaultRuntimeDir "$dir"
ErrorLog "$dir/error_log"
EOC
    my $httpd = httpd_binary();
    my $out = `'$httpd' -t -f '$dir/httpd.conf' 2>&1`;
    my $status = $? & 127 ? 128 + ($? & 127) : $? >> 8;
    return ($status, $out);
}

# Path of the httpd binary, from apxs as Apache::Test finds it.
sub httpd_binary {
    return apxs_query('SBINDIR') . '/' . apxs_query('TARGET');
}

my %apxs_cache;
sub apxs_query {
    my ($var) = @_;
    my $apxs = $ENV{APXS} || 'apxs';
    $apxs_cache{$var} //= do {
        chomp(my $value = `'$apxs' -q $var`);
        die "'$apxs -q $var' failed\n" if $? or $value eq '';
        $value;
    };
}

# LoadModule lines for a test server: the MPM (default: $ENV{MPM}, else event), then every
# module that t/conf/extra.conf.in loads and this machine has, mod_cors included.
sub module_config {
    my ($mpm) = @_;
    $mpm ||= $ENV{MPM} || 'event';
    my $libexec = apxs_query('LIBEXECDIR');
    my $conf = "LoadModule mpm_${mpm}_module $libexec/mod_mpm_$mpm.so\n";
    for (split /\n/, read_file("$T_DIR/conf/extra.conf.in")) {
        next unless /^\s*LoadModule\s+(\w+)\s+(\S+)/;
        my ($name, $file) = ($1, $2);
        $file =~ s/\@ServerRoot\@/$T_DIR/;
        $conf .= "LoadModule $name " . abs_path($file) . "\n" if -e $file;
    }
    return $conf;
}

sub read_file {
    my ($path) = @_;
    open my $fh, '<', $path or die "cannot read $path: $!\n";
    local $/;
    return scalar <$fh>;
}

# Writes $content to $path, creating missing directories.
sub write_file {
    my ($path, $content) = @_;
    make_path(dirname $path);
    open my $fh, '>', $path or die "cannot write $path: $!\n";
    print {$fh} $content;
    close $fh or die "cannot write $path: $!\n";
}

# Builds a DBM of exact origins with httxt2dbm (apache2-utils), as docs/behaviour.md says:
# into "$path.new" (".new.pag" and ".new.dir" for sdbm), then renamed over $path.  $type
# is APR's: db, gdbm or sdbm.
sub write_dbm {
    my ($path, $type, @origins) = @_;
    my $txt = "$path.txt.new";
    write_file($txt, join '', map { "$_ 1\n" } @origins);
    my $out = `httxt2dbm -f \U$type\E -i '$txt' -o '$path.new' 2>&1`;
    die "write_dbm: httxt2dbm failed for $path:\n$out" if $?;
    unlink $txt;
    for my $ext ($type eq 'sdbm' ? ('.dir', '.pag') : ('')) {
        rename "$path.new$ext", "$path$ext" or die "write_dbm: rename $path.new$ext: $!";
    }
}

# The origin files of t/conf/live_lists.conf.in, which t/live_lists*.t rewrite while the
# server runs: t/TEST writes them (again) before httpd reads its configuration.
sub live_lists_init {
    my ($dir) = @_;
    make_path($dir);
    my $two = "# t/live_lists.t\nhttps://always.example\nhttps://removed.example\n";
    write_file("$dir/$_.txt", $two) for qw(rename inplace);
    write_file("$dir/broken.txt", "https://always.example\n");
    write_file("$dir/bad.txt", "https://bad-base.example\n");
    write_file("$dir/load.txt", "https://always.example\n");
    write_dbm("$dir/origins.db", 'db', 'https://always.example', 'https://removed.example');
    write_dbm("$dir/bad.db", 'db', 'https://dbm-base.example');
    write_dbm("$dir/origins.gdbm", 'gdbm', 'https://gdbm.example');
    write_dbm("$dir/origins.sdbm", 'sdbm', 'https://sdbm.example');
}

1;
