# The documentation's relative links lead somewhere: every [text](path) and
# [text](path#anchor) in the tree's Markdown files names a file that exists and, with an
# anchor, a heading of that file, as GitHub makes anchors of headings.  README.md sends
# readers to docs/behaviour.md and back; a renamed heading must not strand them.
use strict;
use warnings FATAL => 'all';

use Apache::Test;
use Apache::TestUtil;
use File::Basename qw(dirname);
use File::Find qw(find);
use File::Spec;
use Encode qw(decode);
use CorsTest qw(t_dir read_file);

my $top = File::Spec->rel2abs(File::Spec->catdir(t_dir(), '..'));

# The Markdown files of the tree, relative to its top, without installed packages
# (t/browser/node_modules) and what builds and test runs leave behind.
my @files;
find({ no_chdir => 1, wanted => sub {
    my $rel = File::Spec->abs2rel($File::Find::name, $top);
    if (-d $_ && $rel =~ m{^(?:\.git|t/browser/node_modules|t/logs|fuzz/build)$}) {
        $File::Find::prune = 1;
        return;
    }
    push @files, $rel if -f $_ && /\.md$/;
} }, $top);
@files = sort @files;

plan tests => 2 + @files;

# GitHub's anchor of a heading: lower case, punctuation dropped, each space a hyphen;
# the second heading of the same text gets "-1", the third "-2".
sub anchors_of {
    my ($text) = @_;
    my (%anchors, %seen, $fence);
    for (split /\n/, $text) {
        if (/^\s*```/) { $fence = !$fence; next }
        next if $fence || !/^#{1,6}\s+(.*?)\s*#*\s*$/;
        (my $anchor = lc $1) =~ s/[^\p{L}\p{N}\p{M}\p{Pc} -]//g;
        $anchor =~ tr/ /-/;
        my $n = $seen{$anchor}++;
        $anchors{$n ? "$anchor-$n" : $anchor} = 1;
    }
    return \%anchors;
}

sub read_utf8 { decode('UTF-8', read_file($_[0])) }

# The relative links of a Markdown text that lead nowhere, as "target: why".  Links in
# code blocks and code spans are examples, not links.
sub broken_links {
    my ($text, $dir, $self_anchors) = @_;
    my (@broken, $fence);
    for my $line (split /\n/, $text) {
        if ($line =~ /^\s*```/) { $fence = !$fence; next }
        next if $fence || $line =~ /^(?: {4}|\t)/;
        $line =~ s/`[^`]*`//g;
        while ($line =~ /\]\(([^)\s]+)\)/g) {
            my $target = $1;
            next if $target =~ /^[a-z][a-z0-9+.-]*:/i;    # http:, mailto: ...
            my ($path, $anchor) = split /#/, $target, 2;
            my $file = File::Spec->catfile($dir, $path);
            if ($path ne '' && !-e $file) {
                push @broken, "$target: no such file";
            } elsif (defined $anchor) {
                my $anchors = $path eq '' ? $self_anchors : anchors_of(read_utf8($file));
                push @broken, "$target: no such heading" unless $anchors->{$anchor};
            }
        }
    }
    return @broken;
}

# The check itself finds what it is for.
my $sample = "# A title\n\n## Why not mod_headers?\n\n[ok](#why-not-mod_headers) "
           . "[bad](#why-not) [gone](no-such-file.md) `[code](#x)` [web](https://example.com)\n"
           . "    [indented code](#y)\n";
ok t_cmp([broken_links($sample, $top, anchors_of($sample))],
         ['#why-not: no such heading', 'no-such-file.md: no such file'],
         'the check reports a missing heading and a missing file, and nothing else');
ok t_cmp(anchors_of("## Troubleshooting: the browser console says ...\n"
                    . "## Deploying behind a proxy / in front of an application\n## HTTP/2, TLS\n"),
         { 'troubleshooting-the-browser-console-says-' => 1,
           'deploying-behind-a-proxy--in-front-of-an-application' => 1, 'http2-tls' => 1 },
         'anchors are made as GitHub makes them');

for my $file (@files) {
    my $path = File::Spec->catfile($top, $file);
    my $text = read_utf8($path);
    ok t_cmp([broken_links($text, dirname($path), anchors_of($text))], [],
             "$file: every relative link and anchor resolves");
}
