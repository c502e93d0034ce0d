# The annqa command-line loader against a test cluster: imports of every
# format, idempotency, bad files (exit status 2, a byte position, nothing
# loaded), export, the report command, and the gate command when
# annqa.release_gate exists.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run qw(run);
use File::Temp qw(tempdir);

my $root   = $ENV{ANNQA_ROOT} or die "ANNQA_ROOT is not set";
my $shared = $ENV{SHARED}     or die "SHARED is not set";
my $fix    = "$root/test/fixtures/io";
my $dir    = tempdir(CLEANUP => 1);

my $node = PostgreSQL::Test::Cluster->new('cli');
$node->init;
$node->append_conf('postgresql.conf', "fsync = off\n");
$node->start;
$node->safe_psql('postgres', 'SET client_min_messages = warning; CREATE EXTENSION annqa CASCADE;');
my $db = $node->connstr('postgres');

# run the CLI; returns (exit status, stdout, stderr)
sub cli
{
	my ($out, $err) = ('', '');
	run([ 'annqa', @_ ], '<', \undef, '>', \$out, '2>', \$err);
	return ($? >> 8, $out, $err);
}

sub counts
{
	return $node->safe_psql('postgres',
		'SELECT (SELECT count(*) FROM annqa.annotation) || \'/\' || (SELECT count(*) FROM annqa.dataset) || \'/\' || (SELECT count(*) FROM annqa.item)');
}

sub write_file
{
	my ($name, $text) = @_;
	open(my $fh, '>', "$dir/$name") or die $!;
	print $fh $text;
	close $fh;
	return "$dir/$name";
}

# --- help
my ($rc, $out, $err) = cli('--help');
is($rc, 0, '--help exits 0');
like($out, qr/annqa import coco\|cvat\|labelstudio FILE --dataset D/, '--help shows the import synopsis');
like($out, qr/annqa report --dataset D \[--batch B\] -o report\.html/, '--help shows the report synopsis');
($rc, $out, $err) = cli('frobnicate');
is($rc, 2, 'an unknown command exits 2');

# --- COCO: the LabelMe file of annotator ecyou, twice
my $ecyou = "$shared/data/labelme_cars_3annotators/coco_ecyou.json";
($rc, $out, $err) = cli('import', 'coco', $ecyou, '--dataset', 'cars', '--annotator', 'ecyou', '--batch', 'b1', '--db', $db);
is($rc, 0, 'import coco exits 0') or diag($err);
like($out, qr/"images": 20.*"annotations": 20/, 'import coco loads 20 images and 20 annotations');
like($err, qr/annqa: \d+ objects, 100% of the file/, 'plain progress lines when not on a terminal');
($rc, $out, $err) = cli('import', 'coco', $ecyou, '--dataset', 'cars', '--annotator', 'ecyou', '--batch', 'b1', '--db', $db);
is($rc, 0, 'second import exits 0');
like($out, qr/"annotations": 0, "already_loaded": 20/, 'the second import duplicates nothing');
is($node->safe_psql('postgres', 'SELECT count(*) FROM annqa.annotation'), '20', '20 annotations in all');

# --- CVAT and Label Studio fixtures
($rc, $out, $err) = cli('import', 'cvat', "$fix/cvat_images.xml", '--dataset', 'kscgr', '--db', $db);
is($rc, 0, 'import cvat (images) exits 0') or diag($err);
like($out, qr/"annotations": 8/, 'CVAT for images: 8 shapes');
($rc, $out, $err) = cli('import', 'cvat', "$fix/cvat_video.xml", '--dataset', 'kscgr-video', '--db', $db);
is($rc, 0, 'import cvat (video) exits 0') or diag($err);
like($out, qr/"annotations": 11/, 'CVAT for video: 11 shapes with the interpolated frames');
($rc, $out, $err) = cli('import', 'labelstudio', "$fix/label_studio.json", '--dataset', 'kscgr-ls', '--db', $db);
is($rc, 0, 'import labelstudio exits 0') or diag($err);
like($out, qr/"annotations": 12/, 'Label Studio: 12 annotations');

# --- bad files: exit status 2, a clear message, nothing loaded
my $before = counts();
# the bad files of test/fixtures/io/bad; byte positions are 0-based offsets into the file
my $bad = "$fix/bad";
open(my $mf, '<', "$bad/coco_mask_size.json") or die $!;
my $mask = do { local $/; <$mf> };
close $mf;
my $mask_at = index($mask, '{"id": 1, "image_id"');
my @bad = (
	[ 'coco', "$bad/coco_truncated.json", qr/byte 3000: the file ends early/, 'truncated JSON' ],
	[ 'coco', "$bad/coco_syntax.json", qr/byte \d+: invalid JSON/, 'a JSON syntax error' ],
	[ 'coco', "$bad/coco_wrong_type.json", qr/byte 11: "images" is not an array/, 'wrong type' ],
	[ 'coco', "$bad/coco_missing_field.json", qr/missing field "annotations"/, 'missing field' ],
	[ 'coco', "$bad/coco_clashing_ids.json", qr/annotations\[0\] \(id 5\) at byte \d+: annotation id 5 appears 2 times/, 'clashing ids' ],
	[ 'coco', "$bad/coco_mask_size.json", qr/at byte $mask_at: mask size \[12, 10\] does not fit its image/,
	  'a mask whose size does not fit its image' ],
	[ 'cvat', "$bad/cvat_truncated.xml", qr/not well-formed XML.*line \d+/, 'truncated CVAT XML' ],
	[ 'labelstudio', "$bad/ls_truncated.json", qr/byte \d+: the file ends early/, 'truncated Label Studio JSON' ],
	[ 'labelstudio', "$bad/ls_wrong_type.json", qr/task 1 \(tasks\[0\]\), annotation 2, result \[0\]: rectangle without numeric/,
	  'Label Studio wrong type' ],
);
for my $b (@bad)
{
	my ($fmt, $file, $re, $name) = @$b;
	($rc, $out, $err) = cli('import', $fmt, $file, '--dataset', 'bad', '--db', $db);
	is($rc, 2, "$name: exit status 2");
	like($err, $re, "$name: clear message") or diag($err);
	is(counts(), $before, "$name: nothing loaded");
}

# --- export: valid COCO of the gold (ecyou is made gold here)
$node->safe_psql('postgres', "UPDATE annqa.annotator SET kind = 'gold' WHERE name = 'ecyou'");
($rc, $out, $err) = cli('export', 'coco', '--dataset', 'cars', '--db', $db);
is($rc, 0, 'export coco exits 0') or diag($err);
write_file('export.json', $out);
is($node->safe_psql('postgres', "SELECT count(*) FROM annqa.validate_coco(pg_read_file('$dir/export.json')::jsonb)"),
	'0', 'the export is valid COCO');
is($node->safe_psql('postgres', "SELECT jsonb_array_length(pg_read_file('$dir/export.json')::jsonb->'annotations')"),
	'20', 'the export has the 20 gold annotations');
($rc, $out, $err) = cli('export', 'coco', '--dataset', 'nope', '--db', $db);
is($rc, 2, 'export of an unknown dataset exits 2');

# --- report: the page of annqa.report_html, to a file or to standard output
# (a second annotator on cars, so the page has a comparison with charts)
($rc, $out, $err) = cli('import', 'coco', "$shared/data/labelme_cars_3annotators/coco_mhsieh2.json", '--dataset', 'cars',
	'--batch', 'b1', '--db', $db);
is($rc, 0, 'import coco of a second annotator exits 0') or diag($err);
like($out, qr/"annotator": "coco_mhsieh2"/, '--annotator defaults to the file name without its extension');
($rc, $out, $err) = cli('report', '--dataset', 'cars', '--batch', 'b1', '-o', "$dir/stale.html", '--db', $db);
is($rc, 0, 'report with stale match rows exits 0') or diag($err);
like($err, qr/^WARNING: .*annqa\.report_html: stored match rows of dataset "cars" are stale/m,
	'report passes the stale warning on') or diag($err);
is(scalar(() = $err =~ /stored match rows .*are stale/g), 1,
	'one stale warning, for the reported dataset only') or diag($err);
ok(-s "$dir/stale.html" && do { open(my $fh, '<', "$dir/stale.html"); local $/; my $h = <$fh>; $h =~ /<p id="stale" class="fail">/ },
	'the page says its match rows are stale');
$node->safe_psql('postgres', "SELECT annqa.refresh_matches()");
my $page = "$dir/report.html";
($rc, $out, $err) = cli('report', '--dataset', 'cars', '--batch', 'b1', '-o', $page, '--db', $db);
is($rc, 0, 'report exits 0') or diag($err);
ok(-s $page, 'report writes the file');
like($err, qr/annqa: report of dataset cars written to \Q$page\E \(\d+ bytes\)/, 'report says where it wrote the page');
is($node->safe_psql('postgres',
		"SELECT pg_read_file('$page') = annqa.report_html('cars', 'b1') AND length(pg_read_file('$page')) > 1000"),
	't', 'the file is the text annqa.report_html returns');
open(my $pf, '<', $page) or die $!;
my $html = do { local $/; <$pf> };
close $pf;
like($html, qr/^<!DOCTYPE html>.*<svg .*<\/html>\s*$/s, 'the file is a whole HTML page with inline SVG');
($rc, $out, $err) = cli('report', '--dataset', 'cars', '--batch', 'b1', '-o', '-', '--db', $db);
is($rc, 0, 'report -o - exits 0') or diag($err);
ok($out eq $html, 'report -o - writes the same page to standard output');
is($err, '', 'report -o - writes nothing to standard error');
($rc, $out, $err) = cli('report', '--dataset', 'cars', '--output', "$dir/default.html", '--db', $db);
is($rc, 0, 'report without --batch (the latest batch) exits 0') or diag($err);
like($err, qr/written to/, 'report --output writes the file');
($rc, $out, $err) = cli('report', '--dataset', 'nope', '-o', "$dir/nope.html", '--db', $db);
is($rc, 2, 'report of a missing dataset exits 2');
like($err, qr/^annqa: annqa\.report_html: dataset "nope" not found$/m, 'report of a missing dataset: a clear message');
ok(!-e "$dir/nope.html", 'report of a missing dataset writes no file');
($rc, $out, $err) = cli('report', '--dataset', 'cars', '--batch', 'nope', '-o', "$dir/nope.html", '--db', $db);
is($rc, 2, 'report of a missing batch exits 2');
like($err, qr/batch "nope" not found/, 'report of a missing batch: a clear message');
($rc, $out, $err) = cli('report', '--dataset', 'cars', '--db', $db);
is($rc, 2, 'report without -o exits 2');
like($err, qr/report needs -o FILE/, 'report without -o: a clear message');
($rc, $out, $err) = cli('report', '-o', "$dir/x.html", '--db', $db);
is($rc, 2, 'report without --dataset exits 2');
($rc, $out, $err) = cli('report', '--dataset', 'cars', '-o', "$dir/no/such/dir/r.html", '--db', $db);
is($rc, 2, 'report to a path that cannot be written exits 2');
like($err, qr/no\/such\/dir\/r\.html: No such file or directory/, 'report to a bad path names it');

# --- gate: only when another part of annqa defines the procedure
SKIP:
{
	my $has = $node->safe_psql('postgres',
		"SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'annqa' AND p.proname = 'release_gate'");
	skip 'annqa.release_gate does not exist in this build (it comes with the release gate, sql/70_gates.sql)', 2 if $has eq '0';
	($rc, $out, $err) = cli('gate', '--batch', 'b1', '--version', 'cars-1.0', '--owner', 'owner', '--db', $db);
	like($out . $err, qr/PASSED|FAILED/, 'gate prints a verdict');
	ok(($rc == 0 && $out =~ /PASSED/) || ($rc == 1 && $out =~ /FAILED/), 'gate exits 0 only when passed');
}

$node->stop;
done_testing();
