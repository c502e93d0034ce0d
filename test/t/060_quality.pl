# The quality layer: row-level security as each role, the release gate under
# two concurrent sessions, and dump/restore of the annqa tables.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use IPC::Run;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('main');
$node->init;
$node->append_conf('postgresql.conf', "fsync = off\n");
$node->start;
$node->safe_psql('postgres', 'SET client_min_messages = warning; CREATE EXTENSION annqa CASCADE;');

# logins: alice and bob annotate (rater rows h1 and h2), rita reviews, olga owns releases,
# mallory has no annqa role
$node->safe_psql('postgres', q{
CREATE ROLE alice LOGIN IN ROLE annqa_annotator;
CREATE ROLE bob LOGIN IN ROLE annqa_annotator;
CREATE ROLE rita LOGIN IN ROLE annqa_reviewer;
CREATE ROLE olga LOGIN IN ROLE annqa_release_owner;
CREATE ROLE mallory LOGIN;
GRANT USAGE ON SCHEMA annqa TO mallory;
INSERT INTO annqa.annotator (name, kind, db_role) VALUES ('h1', 'human', 'alice'), ('h2', 'human', 'bob'), ('g', 'gold', NULL);
INSERT INTO annqa.dataset (name) VALUES ('cars');
INSERT INTO annqa.batch (dataset_id, name) VALUES (1, 'b');
INSERT INTO annqa.gate_policy (dataset_id, audit_sample_size) VALUES (1, 2);
INSERT INTO annqa.label_class (dataset_id, name) VALUES (1, 'car'), (1, 'person');
INSERT INTO annqa.item (dataset_id, batch_id, uri, width, height, in_gold_set)
VALUES (1, 1, 'i1', 100, 100, true), (1, 1, 'i2', 100, 100, true), (1, 1, 'i3', 100, 100, false);
-- 2 objects per item and rater; gold on items 1 and 2: h1 8 - 2 = 6, h2 6, g 4
INSERT INTO annqa.annotation (item_id, annotator_id, class_id, kind, box)
SELECT i.item_id, a.annotator_id, c.class_id, 'box', annqa.xywh(o.x, 0, 10, 10)
FROM (VALUES ('car', 0), ('person', 20)) o(cls, x)
CROSS JOIN annqa.item i CROSS JOIN annqa.annotator a
JOIN annqa.label_class c ON c.name = o.cls
WHERE NOT (a.kind = 'gold' AND NOT i.in_gold_set);
});

sub as_role
{
	my ($role, $sql) = @_;
	my ($ret, $out, $err) = $node->psql('postgres', $sql, extra_params => [ '-U', $role ]);
	return ($ret, $out, $err);
}

# ---------------------------------------------------------------- annotator
my ($ret, $out, $err) = as_role('alice', 'SELECT count(*) FROM annqa.annotation');
is($out, '6', 'alice sees only her own 6 annotations');
($ret, $out) = as_role('alice', q{SELECT count(*) FROM annqa.annotation an JOIN annqa.annotator a USING (annotator_id) WHERE a.name <> 'h1'});
is($out, '0', 'alice sees no gold and no other rater');
($ret, $out) = as_role('alice', 'SELECT count(*), count(DISTINCT annotator_id) FROM annqa.item_objects');
is($out, '3|1', 'through a view (annqa.item_objects) alice sees only her own objects');
($ret, $out, $err) = as_role('alice', 'SELECT count(*) FROM annqa.match_rows');
like($err, qr/permission denied/, 'alice cannot read the match rows (gold) view');
($ret, $out, $err) = as_role('alice', 'SELECT count(*) FROM annqa.gold_accuracy');
like($err, qr/permission denied/, 'alice cannot read gold accuracy');
($ret, $out, $err) = as_role('alice', 'SELECT in_gold_set FROM annqa.item');
like($err, qr/permission denied/, 'alice cannot see which items are gold (honeypots)');
($ret, $out) = as_role('alice', 'SELECT count(*) FROM annqa.item');
is($out, '3', 'alice can count the items she labels');
($ret, $out, $err) = as_role('alice', q{INSERT INTO annqa.annotation (item_id, annotator_id, class_id, kind, box)
    SELECT 3, annotator_id, 1, 'box', box '((50,50),(60,60))' FROM annqa.annotator WHERE name = 'h2'});
like($err, qr/row-level security/, 'alice cannot write as bob');
($ret, $out, $err) = as_role('alice', q{INSERT INTO annqa.annotation (item_id, annotator_id, class_id, kind, box)
    SELECT 3, annotator_id, 1, 'box', box '((50,50),(60,60))' FROM annqa.annotator WHERE name = 'g'});
like($err, qr/row-level security/, 'alice cannot write gold');
($ret, $out, $err) = as_role('alice', q{INSERT INTO annqa.annotation (item_id, annotator_id, class_id, kind, box)
    SELECT 3, annotator_id, 1, 'box', box '((50,50),(60,60))' FROM annqa.annotator WHERE name = 'h1' RETURNING 'ok'});
is($out, 'ok', 'alice writes her own annotation');
($ret, $out) = as_role('alice', q{UPDATE annqa.annotation SET occluded = true WHERE annotator_id <> (SELECT annotator_id FROM annqa.annotator WHERE name = 'h1') RETURNING 1});
is($out, '', 'alice updates nobody else\'s annotation');
$node->safe_psql('postgres', q{DELETE FROM annqa.annotation WHERE box ~= box '((50,50),(60,60))'});
($ret, $out, $err) = as_role('alice', q{CALL annqa.release_gate('b', 'v1', 'alice', NULL, NULL)});
like($err, qr/permission denied/, 'alice cannot call the release gate');
($ret, $out) = as_role('bob', 'SELECT count(*) FROM annqa.annotation');
is($out, '6', 'bob sees only his own 6 annotations');

# ---------------------------------------------------------------- reviewer
($ret, $out) = as_role('rita', 'SELECT count(*) FROM annqa.annotation');
is($out, '16', 'rita reads every annotation, gold included');
($ret, $out, $err) = as_role('alice', 'SELECT count(*) FROM annqa.match_rows_store');
like($err, qr/permission denied/, 'alice cannot read the stored match rows (gold)');
($ret, $out, $err) = as_role('alice', 'SELECT count(*) FROM annqa.unit_rows_store');
like($err, qr/permission denied/, 'alice cannot read the stored unit rows');
($ret, $out, $err) = as_role('alice', 'SELECT annqa.refresh_matches()');
like($err, qr/permission denied/, 'alice cannot refresh the stored match rows');
($ret, $out, $err) = as_role('rita', 'SELECT count(*) FROM annqa.match_rows');
like($err, qr/WARNING:.*stale for dataset\(s\) cars/, 'before a refresh the views warn that the stored rows are stale');
is($out, '0', 'and show no rows');
($ret, $out) = as_role('rita', 'SELECT annqa.refresh_matches()');
is($out, '1', 'rita refreshes the stored match rows of the one dataset');
($ret, $out, $err) = as_role('rita', 'SELECT count(*) FROM annqa.match_rows');
ok($out > 0, 'rita reads the quality views');
is($err, '', 'without a warning once refreshed');
($ret, $out, $err) = as_role('rita', q{INSERT INTO annqa.review (item_id, verdict, reason) VALUES (3, 'fixed', 'loose_box') RETURNING reviewer});
is($out, 'rita', 'rita writes a review');
($ret, $out, $err) = as_role('rita', q{UPDATE annqa.annotation SET occluded = true});
like($err, qr/permission denied/, 'rita cannot change annotations');
($ret, $out, $err) = as_role('rita', q{CALL annqa.release_gate('b', 'v1', 'rita', NULL, NULL)});
like($err, qr/permission denied/, 'rita cannot call the release gate');
($ret, $out, $err) = as_role('rita', q{CALL annqa.calibration_gate('cars', 'rita', NULL, NULL)});
like($err, qr/permission denied/, 'rita cannot call the calibration gate');
($ret, $out, $err) = as_role('mallory', 'SELECT count(*) FROM annqa.annotation');
like($err, qr/permission denied/, 'a login without an annqa role reads nothing');

# ---------------------------------------------------------------- release owner, two sessions
# session A takes the decision inside a transaction and holds it open; session B calls the
# gate for the same (batch, version) and must wait on the batch row, then return A's decision.
my ($in_a, $out_a, $err_a) = ("BEGIN;\nCALL annqa.release_gate('b', 'v1', 'olga', NULL, NULL);\nSELECT 'A-called';\n", '', '');
my $h_a = IPC::Run::start([ 'psql', '-X', '-At', '-U', 'olga', '-d', $node->connstr('postgres') ],
	'<', \$in_a, '>', \$out_a, '2>', \$err_a);
my $deadline = time + 60;
while ($out_a !~ /A-called/ && time < $deadline) { $h_a->pump_nb; select(undef, undef, undef, 0.05); }
like($out_a, qr/A-called/, 'session A decided inside its open transaction');

my ($in_b, $out_b, $err_b) = ("CALL annqa.release_gate('b', 'v1', 'olga', NULL, NULL);\n", '', '');
my $h_b = IPC::Run::start([ 'psql', '-X', '-At', '-U', 'olga', '-d', $node->connstr('postgres') ],
	'<', \$in_b, '>', \$out_b, '2>', \$err_b);
my $waiting = 'f';
$deadline = time + 60;
while ($waiting ne 't' && time < $deadline)
{
	$h_b->pump_nb;    # feed B its CALL
	$waiting = $node->safe_psql('postgres',
		q{SELECT count(*) > 0 FROM pg_stat_activity WHERE usename = 'olga' AND wait_event_type = 'Lock'});
	select(undef, undef, undef, 0.05);
}
is($waiting, 't', 'session B waits on the batch lock');
is($node->safe_psql('postgres', q{SELECT count(*) FROM annqa.release}), '0', 'nothing is visible before A commits');
$in_a .= "COMMIT;\n";
$h_a->finish;
$h_b->finish;
my ($va) = $out_a =~ /^([tf]\|\{[^}]*\})$/m;
my ($vb) = $out_b =~ /^([tf]\|\{[^}]*\})$/m;
ok(defined $va && $va eq $vb, "both sessions return the same verdict ($va)");
like($err_b, qr/already decided/, 'session B reports the recorded decision');
is($node->safe_psql('postgres', q{SELECT count(*) FROM annqa.release WHERE batch_id = 1 AND dataset_version = 'v1'}),
	'1', 'exactly one decision for (batch, version)');
is($node->safe_psql('postgres', q{SELECT parameters ->> 'called_by' FROM annqa.release}), 'olga',
	'the decision records who called the gate');
($ret, $out) = as_role('olga', q{CALL annqa.calibration_gate('cars', 'olga', NULL, NULL)});
like($out, qr/^[tf]\|/, 'olga calls the calibration gate');

# ---------------------------------------------------------------- refresh under a concurrent writer
# session A refreshes inside an open transaction; a writer (session B) must wait for it, and once A
# commits, B's change marks the stamp stale again: the change is never lost silently.
my ($in_r, $out_r, $err_r) = ("BEGIN;\nSELECT 'R-' || annqa.refresh_matches('cars', true);\n", '', '');
my $h_r = IPC::Run::start([ 'psql', '-X', '-At', '-d', $node->connstr('postgres') ],
	'<', \$in_r, '>', \$out_r, '2>', \$err_r);
$deadline = time + 60;
while ($out_r !~ /R-1/ && time < $deadline) { $h_r->pump_nb; select(undef, undef, undef, 0.05); }
like($out_r, qr/R-1/, 'session A refreshed inside its open transaction');
my ($in_w, $out_w, $err_w) = ("INSERT INTO annqa.annotation (item_id, annotator_id, class_id, kind, box) SELECT 3, annotator_id, 1, 'box', box '((70,70),(80,80))' FROM annqa.annotator WHERE name = 'h1' RETURNING 'W-done';\n", '', '');
my $h_w = IPC::Run::start([ 'psql', '-X', '-At', '-d', $node->connstr('postgres') ],
	'<', \$in_w, '>', \$out_w, '2>', \$err_w);
$waiting = 'f';
$deadline = time + 60;
while ($waiting ne 't' && time < $deadline)
{
	$h_w->pump_nb;
	$waiting = $node->safe_psql('postgres',
		q{SELECT count(*) > 0 FROM pg_stat_activity WHERE query LIKE 'INSERT INTO annqa.annotation%' AND wait_event_type = 'Lock'});
	select(undef, undef, undef, 0.05);
}
is($waiting, 't', 'a writer waits while a refresh is in progress');
$in_r .= "COMMIT;\n";
$h_r->finish;
$h_w->finish;
like($out_w, qr/W-done/, 'the writer goes on once the refresh commits');
is($node->safe_psql('postgres', q{SELECT stale FROM annqa.match_status WHERE dataset = 'cars'}), 't',
	'and its change marks the refreshed dataset stale');
$node->safe_psql('postgres', q{DELETE FROM annqa.annotation WHERE box ~= box '((70,70),(80,80))'; SELECT annqa.refresh_matches()});

# ---------------------------------------------------------------- dump and restore
my $tables = 'dataset guideline annotator batch label_class item annotation review gate_policy release audit_sample coverage_target';
my $summary = join(' UNION ALL ', map { "SELECT '$_', count(*)::text || ':' || coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), '') FROM annqa.$_ t" } split ' ', $tables);
my $before = $node->safe_psql('postgres', $summary);
my $dump = "$PostgreSQL::Test::Utils::tmp_check/annqa.sql";
$node->command_ok([ 'pg_dump', '-d', $node->connstr('postgres'), '-f', $dump ], 'pg_dump');
$node->safe_psql('postgres', 'CREATE DATABASE restored');
$node->command_ok([ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('restored'), '-f', $dump ], 'restore');
is($node->safe_psql('restored', $summary), $before, 'every annqa table restored row for row');
is($node->safe_psql('restored', q{SELECT count(*) FROM annqa.match_refresh}), '0',
	'the stored match rows are derived data and not dumped: every dataset is stale after restore');
is($node->safe_psql('restored', q{SELECT annqa.refresh_matches()}), '1', 'one refresh after the restore');
is($node->safe_psql('restored', q{SELECT count(*) FROM annqa.match_rows}),
	$node->safe_psql('postgres', q{SELECT count(*) FROM annqa.match_rows}), 'the views give the same rows after restore');
($ret, $out) = $node->psql('restored', 'SELECT count(*) FROM annqa.annotation', extra_params => [ '-U', 'alice' ]);
is($out, '6', 'row-level security survives the restore');
is($node->safe_psql('restored', q{INSERT INTO annqa.dataset (name) VALUES ('new') RETURNING dataset_id}), '2',
	'identity sequences continue after restore');

done_testing();
