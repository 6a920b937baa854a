#!/usr/bin/perl
# Per-request profile from two callgrind profiles of one connection each (bench/client.pl):
# the counts of the second less those of the first, divided by the extra requests.
#
#   profile.pl PROFILE-N1 PROFILE-N2 EXTRA [BASE-N1 BASE-N2 BASE-EXTRA]
#
# Prints the functions of mod_cors.so with their inclusive and self instructions per
# request, then the functions with the most self instructions; given the profiles of a
# baseline (the same request without mod_cors), the functions whose self instructions per
# request differ most from it instead: where the difference goes.
use strict;
use warnings;

my ($f1, $f2, $n, $b1, $b2, $bn) = @ARGV;
die "usage: $0 PROFILE-N1 PROFILE-N2 EXTRA [BASE-N1 BASE-N2 BASE-EXTRA]\n" unless $n;
my $module = 'mod_cors.so';

# function => instructions, from callgrind_annotate.
sub counts {
    my ($file, $inclusive) = @_;
    my %c;
    open my $fh, '-|', 'callgrind_annotate', "--inclusive=$inclusive", '--threshold=100', '--auto=no',
        $file or die "profile: callgrind_annotate: $!\n";
    while (<$fh>) {
        next unless /^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(\S.*?)\s*$/;
        my ($count, $fn) = ($1, $2);
        next if $fn eq 'PROGRAM TOTALS' || $fn =~ /^(=>|<|\*)/;
        $count =~ tr/,//d;
        $c{$fn} += $count;
    }
    close $fh;
    return \%c;
}

sub per_request {
    my ($p1, $p2, $extra, $inclusive) = @_;
    my ($c1, $c2) = (counts($p1, $inclusive), counts($p2, $inclusive));
    my %d;
    $d{$_} = ($c2->{$_} - ($c1->{$_} // 0)) / $extra for keys %$c2;
    $d{$_} //= -$c1->{$_} / $extra for keys %$c1;
    # With --toggle-collect, the frames above ap_process_connection get the whole count as
    # their own: leave them out.
    my ($total) = sort { $b <=> $a } values %d;
    if ($inclusive eq 'no') {
        delete $d{$_} for grep { $d{$_} > 0.9 * $total } keys %d;
    }
    return \%d;
}

# "mod_cors.c:cors_decide [/x/mod_cors.so]" -> "cors_decide (mod_cors.so)"
sub short {
    my ($fn) = @_;
    my ($name, $obj) = $fn =~ /^(?:.*?:)?([^:\s]+)\s*(?:\[(.*)\])?$/ or return $fn;
    $obj = $obj ? ' (' . ($obj =~ s{.*/}{}r) . ')' : '';
    return "$name$obj";
}

my $incl = per_request($f1, $f2, $n, 'yes');
my $self = per_request($f1, $f2, $n, 'no');

print "$module, instructions per request (inclusive, self):\n";
my @mine = sort { $incl->{$b} <=> $incl->{$a} }
           grep { /\Q$module\E\]$/ && $incl->{$_} >= 0.5 } keys %$incl;
printf "  %9.0f %9.0f  %s\n", $incl->{$_}, $self->{$_} // 0, short($_) for @mine;
print "  (no function of $module ran)\n" unless @mine;

if ($bn) {
    my $base = per_request($b1, $b2, $bn, 'no');
    my %diff;
    $diff{$_} = ($self->{$_} // 0) - ($base->{$_} // 0) for keys %$self, keys %$base;
    my @top = grep { abs($diff{$_}) >= 10 }
              sort { abs($diff{$b}) <=> abs($diff{$a}) } keys %diff;
    my $sum = 0;
    $sum += $diff{$_} for keys %diff;
    printf "\nself instructions per request, difference from the baseline (%+.0f in all):\n",
        $sum;
    printf "  %+9.0f  %s\n", $diff{$_}, short($_) for @top[0 .. ($#top < 29 ? $#top : 29)];
}
else {
    print "\nmost self instructions per request:\n";
    my @top = grep { $self->{$_} >= 0.5 } sort { $self->{$b} <=> $self->{$a} } keys %$self;
    printf "  %9.0f  %s\n", $self->{$_}, short($_) for @top[0 .. ($#top < 29 ? $#top : 29)];
}
