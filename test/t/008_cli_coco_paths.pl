# The fast paths of a big COCO import load exactly what the plain SQL path
# loads, and the bulk insert keeps the foreign keys of annqa.annotation:
#  - the CLI's typed rows (boxes and box + polygons, checked by the CLI and
#    sent without their JSON) against annqa.import_coco on the same file;
#  - coco_load's bulk insert (annqa.coco_bulk_rows reached: the referenced
#    rows locked FOR KEY SHARE and counted, annotation's foreign-key check
#    triggers disabled inside the transaction only) against the plain insert;
#  - after a bulk load, and after a failed one, the triggers are enabled and
#    enforce the keys; a concurrent DELETE of a referenced item waits for the
#    import and then cascades onto its rows; readers do not wait.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run qw(run);
use File::Temp qw(tempdir);

my $dir = tempdir(CLEANUP => 1);
chmod 0755, $dir;
my $node = PostgreSQL::Test::Cluster->new('cli_paths');
$node->init;
$node->append_conf('postgresql.conf', "fsync = off\n");
$node->start;
$node->safe_psql('postgres', 'SET client_min_messages = warning; CREATE EXTENSION annqa CASCADE;');
my $db = $node->connstr('postgres');

sub cli
{
	my ($env, @args) = @_;
	my ($out, $err) = ('', '');
	local $ENV{PGOPTIONS} = $env // '';
	run([ 'annqa', @args ], '<', \undef, '>', \$out, '2>', \$err);
	return ($? >> 8, $out, $err);
}

sub write_file
{
	my ($name, $text) = @_;
	open(my $fh, '>', "$dir/$name") or die $!;
	print $fh $text;
	close $fh;
	chmod 0644, "$dir/$name";
	return "$dir/$name";
}

# Every shape and spelling the CLI decides on: fast (typed) ones and slow
# (JSON) ones, side by side.  Each line says which path the CLI takes.
my $file = write_file('shapes.json', <<'EOF');
{"info": {"description": "fast and slow paths"},
 "images": [{"id": 1, "file_name": "a.jpg", "width": 640, "height": 480},
            {"id": 2, "file_name": "b.jpg", "width": 640, "height": 480},
            {"id": 7, "file_name": "m.jpg", "width": 10, "height": 10},
            {"id": 123456789012345, "file_name": "big.jpg", "width": 64, "height": 64}],
 "categories": [{"id": 1, "name": "car"}, {"id": 2, "name": "bus", "supercategory": "vehicle"},
                {"id": 3, "name": "person", "keypoints": ["nose", "eye"], "skeleton": [[1, 2]]}],
 "annotations": [
  {"id": 1, "image_id": 1, "category_id": 1, "bbox": [10, 20, 30, 40], "area": 1200, "iscrowd": 0},
  {"id": 2, "image_id": 1, "category_id": 2, "bbox": [10, 20, 30, 40], "segmentation": [[10, 20, 40, 20, 40, 60, 10, 60]], "area": 1200.5},
  {"id": 3, "image_id": 2, "category_id": 1, "bbox": [1.5, 2, 28.5, 38], "segmentation": [[1.5, 2.25, 30, 2, 30, 40], [50, 50, 60, 50, 60, 60, 50, 60]]},
  {"id": 4, "image_id": 2, "category_id": 1, "bbox": [0.5, 1e1, 2.0, 3], "note": "an exponent: slow"},
  {"id": 5.0, "image_id": 2, "category_id": 1, "bbox": [5, 5, 5, 5], "note": "id 5.0: slow"},
  {"id": 6, "image_id": 1, "category_id": 1, "bbox": [1, 1, 1, 1], "bbox": [2, 2, 2, 2], "note": "a duplicate name: slow, the last wins"},
  {"id": 7, "image_id": 1, "category_id": 1, "bb\u006fx": [3, 3, 3, 3], "note": "an escaped name: slow"},
  {"id": 8, "image_id": 7, "category_id": 1, "segmentation": {"size": [10, 10], "counts": [5, 10, 85]}, "area": 10, "bbox": [0, 5, 1, 10], "iscrowd": 1},
  {"id": 9, "image_id": 2, "category_id": 3, "keypoints": [20, 15, 2, 18, 12, 1], "num_keypoints": 2, "bbox": [10, 10, 20, 30]},
  {"id": 10, "image_id": 2, "category_id": 2, "bbox": [4, 4, 4, 4], "attributes": {"occluded": true}},
  {"id": 11, "image_id": 2, "category_id": 2, "bbox": [6, 6, 6, 6], "iscrowd": true, "caption": "\u00e9t\u00e9 \"quoted\""},
  {"id": 12, "image_id": 2, "category_id": 2, "bbox": [7, 7, 0, 0], "area": 0, "segmentation": null},
  {"id": 13, "image_id": 2, "category_id": 2, "bbox": [ 8 ,
     8 , 8,8 ], "segmentation": [ ]},
  {"id": 123456789012345, "image_id": 123456789012345, "category_id": 1, "bbox": [1, 1, 2, 2]},
  {"id": 1234567890123456, "image_id": 1, "category_id": 1, "bbox": [1, 1, 3, 3], "note": "16 digits: slow"},
  {"id": -3, "image_id": 1, "category_id": 2, "bbox": [0.1, 0.2, 0.3, 0.7], "segmentation": [[-0, 0, 10, 0, 10, 10]]},
  {"id": 17, "image_id": 1, "category_id": 2, "bbox": [-5, -5, 10, 10], "iscrowd": false, "area": 100}
 ]}
EOF
my $n_file = 17;

# one row per annotation of a dataset, every column that an import sets, exactly
sub rows_sql
{
	my ($ds) = @_;
	return "SELECT i.uri, c.name, n.kind, n.box::text, encode(ST_AsEWKB(n.polygon), 'hex'), n.mask::text, n.keypoints::text,
	               n.is_crowd, n.score, n.area, n.attributes, n.source_ref, a.name AS annotator, a.kind AS annotator_kind
	        FROM annqa.annotation n JOIN annqa.item i USING (item_id) JOIN annqa.dataset d USING (dataset_id)
	        JOIN annqa.label_class c USING (class_id) JOIN annqa.annotator a USING (annotator_id) WHERE d.name = '$ds'";
}

sub same_rows
{
	my ($a, $b, $n, $name) = @_;
	my $r = $node->safe_psql('postgres',
		'SELECT (SELECT count(*) FROM (' . rows_sql($a) . ') x) || \'/\' || (SELECT count(*) FROM (' . rows_sql($b) . ') x)'
		  . ' || \'/\' || (SELECT count(*) FROM (' . rows_sql($a) . ' EXCEPT ' . rows_sql($b) . ') x)'
		  . ' || \'/\' || (SELECT count(*) FROM (' . rows_sql($b) . ' EXCEPT ' . rows_sql($a) . ') x)');
	is($r, "$n/$n/0/0", "$name: the same $n rows (counts a/b, a except b, b except a)");
}

sub trigger_state
{
	return $node->safe_psql('postgres',
		q{SELECT count(*) FILTER (WHERE tg.tgenabled = 'O') || '/' || count(*) FROM pg_trigger tg JOIN pg_constraint c ON c.oid = tg.tgconstraint
		  WHERE tg.tgrelid = 'annqa.annotation'::regclass AND c.conrelid = 'annqa.annotation'::regclass AND c.contype = 'f'});
}
# 3 foreign keys, an insert and an update check trigger each
is(trigger_state(), '6/6', 'annotation has its 6 foreign-key check triggers, enabled');

# --- A: the SQL path, plain insert (the reference)
my $ref = $node->safe_psql('postgres', "SELECT annqa.import_coco('sql', 'ann', pg_read_file('$file')::jsonb) - 'dataset'");
like($ref, qr/"problems": \[\].*"annotations": $n_file,/, "SQL path: $n_file annotations, no problems");
is($node->safe_psql('postgres', "SELECT count(*) FROM annqa.annotation n JOIN annqa.item i USING (item_id) JOIN annqa.dataset d USING (dataset_id)
	WHERE d.name = 'sql' AND n.kind = 'polygon' AND n.polygon IS NOT NULL"), '3', 'SQL path: 3 polygons');

# --- B: the CLI (typed rows for the fast objects)
my ($rc, $out, $err) = cli(undef, 'import', 'coco', $file, '--dataset', 'cli', '--annotator', 'ann', '--db', $db);
is($rc, 0, 'CLI import exits 0') or diag($err);
chomp $out;
is($out =~ s/"dataset": "cli", //r, $ref, 'CLI: the same counts as the SQL path');
same_rows('sql', 'cli', $n_file, 'CLI typed rows against the SQL path');

# --- C: the CLI with the bulk insert
($rc, $out, $err) = cli('-c annqa.coco_bulk_rows=1', 'import', 'coco', $file, '--dataset', 'bulk', '--annotator', 'ann', '--db', $db);
is($rc, 0, 'CLI bulk import exits 0') or diag($err);
same_rows('sql', 'bulk', $n_file, 'CLI bulk insert against the SQL path');
is(trigger_state(), '6/6', 'after a bulk load the check triggers are enabled again');
($rc, $out, $err) = cli('-c annqa.coco_bulk_rows=1', 'import', 'coco', $file, '--dataset', 'bulk', '--annotator', 'ann', '--db', $db);
like($out, qr/"annotations": 0, "already_loaded": $n_file/, 'a second bulk load duplicates nothing');

# --- D: the SQL path with the bulk insert
$node->safe_psql('postgres', "SET annqa.coco_bulk_rows = 1; SELECT annqa.import_coco('sqlbulk', 'ann', pg_read_file('$file')::jsonb)");
same_rows('sql', 'sqlbulk', $n_file, 'SQL bulk insert against the SQL path');

# --- a results list: CLI (typed, with scores) against SQL
my $res = write_file('results.json', '[{"image_id": 1, "category_id": 1, "bbox": [11, 20, 30, 40], "score": 0.91},
 {"image_id": 2, "category_id": 2, "bbox": [1, 1, 5, 5], "score": 1, "segmentation": [[1, 1, 6, 1, 6, 6]]},
 {"image_id": 2, "category_id": 2, "bbox": [2, 2, 5, 5], "score": 0.5e0},
 {"image_id": 123456789012345, "category_id": 1, "bbox": [0, 0, 1, 1], "score": 0}]');
$node->safe_psql('postgres', "SELECT annqa.import_coco('sql', 'det', pg_read_file('$res')::jsonb)");
($rc, $out, $err) = cli(undef, 'import', 'coco', $res, '--dataset', 'cli', '--annotator', 'det', '--db', $db);
is($rc, 0, 'CLI import of a results list exits 0') or diag($err);
same_rows('sql', 'cli', $n_file + 4, 'CLI results list against the SQL path');

# --- the foreign keys after bulk loads: still enforced
my ($ret, $o, $e) = $node->psql('postgres',
	q{INSERT INTO annqa.annotation (item_id, annotator_id, class_id, kind, box) SELECT 999999, annotator_id, NULL, 'box', box '((0,0),(1,1))' FROM annqa.annotator LIMIT 1});
like($e, qr/violates foreign key constraint "annotation_item_id_fkey"/, 'a row with an unknown item is still refused');

# --- a failed bulk load: nothing loaded, triggers enabled
my $bad = write_file('bad_rle.json', '{"images": [{"id": 1, "file_name": "x.jpg", "width": 10, "height": 10}],
 "categories": [{"id": 1, "name": "c"}],
 "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1]},
                 {"id": 2, "image_id": 1, "category_id": 1, "segmentation": {"size": [10, 10], "counts": "zz"}}]}');
my $before = $node->safe_psql('postgres', 'SELECT count(*) FROM annqa.annotation');
($rc, $out, $err) = cli('-c annqa.coco_bulk_rows=1', 'import', 'coco', $bad, '--dataset', 'badbulk', '--db', $db);
is($rc, 2, 'a bad RLE string in a bulk load: exit status 2');
like($err, qr/annotations\[1\] \(id 2\) at byte \d+: /, 'a bad RLE string in a bulk load: the object is named');
is($node->safe_psql('postgres', 'SELECT count(*) FROM annqa.annotation'), $before, 'a failed bulk load leaves nothing');
is(trigger_state(), '6/6', 'after a failed bulk load the check triggers are enabled');

# --- on_error => 'skip' in a bulk load: the same counts and problems as without
my $skipdoc = '{"images": [{"id": 1, "file_name": "x.jpg", "width": 10, "height": 10}], "categories": [{"id": 1, "name": "c"}],
 "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1]}, {"id": 2, "image_id": 5, "category_id": 1, "bbox": [0, 0, 1, 1]},
                 {"id": 3, "image_id": 1, "category_id": 1, "segmentation": {"size": [10, 10], "counts": "zz"}},
                 {"id": 4, "image_id": 1, "category_id": 1, "segmentation": {"size": [10, 10], "counts": [5, 10, 85]}}]}';
my $skip_plain = $node->safe_psql('postgres', "SELECT annqa.import_coco('skip', 'x', '$skipdoc', on_error => 'skip') - 'dataset'");
my $skip_bulk = $node->safe_psql('postgres',
	"SET annqa.coco_bulk_rows = 1; SELECT annqa.import_coco('skipbulk', 'x', '$skipdoc', on_error => 'skip') - 'dataset'");
like($skip_plain, qr/"problems": \[\{[^{}]*image_id 5[^{}]*\}, \{[^{}]*"id": "3"[^{}]*invalid RLE counts string[^{}]*\}\].*"annotations": 2,/,
	'on_error skip: 2 loaded, 2 problems');
is($skip_bulk, $skip_plain, 'on_error skip: the bulk load returns the same counts and problems');
same_rows('skip', 'skipbulk', 2, 'on_error skip in a bulk load');

# --- concurrency: a bulk load in an open transaction locks the items it refers to.  A results
# list refers to items already in the dataset without writing them, so only the bulk load's
# FOR KEY SHARE locks stand between a concurrent DELETE and its rows.
$node->safe_psql('postgres', "SELECT annqa.import_coco('lock', 'pre', pg_read_file('$file')::jsonb)");
my ($in_a, $out_a, $err_a) = ("BEGIN;\nSET annqa.coco_bulk_rows = 1;\nSELECT 'A-' || (annqa.import_coco('lock', 'det', pg_read_file('$res')::jsonb)->>'annotations');\n", '', '');
my $h_a = IPC::Run::start([ 'psql', '-X', '-At', '-d', $db ], '<', \$in_a, '>', \$out_a, '2>', \$err_a);
my $deadline = time + 60;
while ($out_a !~ /A-\d+/ && time < $deadline) { $h_a->pump_nb; select(undef, undef, undef, 0.05); }
like($out_a, qr/A-4/, 'session A bulk-loaded a results list inside its open transaction');
is($node->safe_psql('postgres', q{SELECT count(*) FROM pg_locks WHERE relation = 'annqa.annotation'::regclass
	AND mode = 'ShareRowExclusiveLock' AND granted AND pid <> pg_backend_pid()}), '1',
	'the bulk path ran: session A holds the SHARE ROW EXCLUSIVE lock of its ALTER TABLE on annotation');
is(trigger_state(), '6/6', 'other sessions see the check triggers enabled while A is open');
is($node->safe_psql('postgres', "SET statement_timeout = '10s'; SELECT count(*) FROM annqa.annotation n JOIN annqa.annotator a USING (annotator_id)
	JOIN annqa.item i USING (item_id) JOIN annqa.dataset d USING (dataset_id) WHERE d.name = 'lock' AND a.name = 'det'"), '0',
	'a reader does not wait, and sees none of the rows before A commits');
my ($in_b, $out_b, $err_b) = ("DELETE FROM annqa.item i USING annqa.dataset d WHERE d.dataset_id = i.dataset_id AND d.name = 'lock' AND i.uri = 'b.jpg' RETURNING 'B-deleted';\n", '', '');
my $h_b = IPC::Run::start([ 'psql', '-X', '-At', '-d', $db ], '<', \$in_b, '>', \$out_b, '2>', \$err_b);
my $waiting = 'f';
$deadline = time + 60;
while ($waiting ne 't' && time < $deadline)
{
	$h_b->pump_nb;
	$waiting = $node->safe_psql('postgres',
		q{SELECT count(*) > 0 FROM pg_stat_activity WHERE query LIKE 'DELETE FROM annqa.item%' AND wait_event_type = 'Lock'});
	select(undef, undef, undef, 0.05);
}
is($waiting, 't', 'a DELETE of an item the bulk load refers to waits for it');
$in_a .= "COMMIT;\n";
$h_a->finish;
$h_b->finish;
like($out_b, qr/B-deleted/, 'the DELETE goes on once the load commits');
is($node->safe_psql('postgres', "SELECT count(*) FROM annqa.annotation n JOIN annqa.annotator a USING (annotator_id)
	JOIN annqa.item i USING (item_id) JOIN annqa.dataset d USING (dataset_id) WHERE d.name = 'lock' AND a.name = 'det'"), '2',
	'and cascades onto the bulk-loaded rows of that item (2 of the 4 are left)');
is($node->safe_psql('postgres', q{SELECT count(*) FROM annqa.annotation n WHERE NOT EXISTS (SELECT 1 FROM annqa.item i WHERE i.item_id = n.item_id)
	OR NOT EXISTS (SELECT 1 FROM annqa.label_class c WHERE c.class_id = n.class_id)
	OR NOT EXISTS (SELECT 1 FROM annqa.annotator a WHERE a.annotator_id = n.annotator_id)}), '0', 'no annotation refers to a missing row');

$node->stop;
done_testing();
