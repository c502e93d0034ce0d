# Crash safety, input fuzz, binary COPY and dump/restore for the box, rbox and
# keypoint functions.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('main');
$node->init;
$node->append_conf('postgresql.conf', "fsync = off\n");
$node->start;
$node->safe_psql('postgres', 'SET client_min_messages = warning; CREATE EXTENSION annqa CASCADE;');

my $start = $node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()');

# --- every bad input of the regression suite again, in one session, then check the server
my @bad = (
	q{SELECT annqa.xywh('nan', 0, 1, 1)},
	q{SELECT annqa.iou(box '((0,0),(nan,1))', box '((0,0),(1,1))')},
	q{SELECT annqa.box_iou('{0,NULL,1,1}', '{0,0,1,1}')},
	q{SELECT annqa.box_iou('{{0,0},{1,1}}', '{0,0,1,1}')},
	q{SELECT '(1,2,3'::annqa.rbox},
	q{SELECT annqa.rbox_from_bytes('\x00')},
	q{SELECT annqa.oks('{0,0,2}', '{0,0,2,1,1,1}', '{0.1}', 1)},
	q{SELECT annqa.iou('(0,0,1e300,1e300,30)'::annqa.rbox, '(0,0,1,1,0)')},
);
for my $q (@bad)
{
	my ($ret, $out, $err) = $node->psql('postgres', $q);
	isnt($ret, 0, "rejected: $q");
	like($err, qr/ERROR:/, "clean error: $q");
}

# --- fuzz the text input of annqa.rbox and its binary form with random data
my $fuzz = $node->safe_psql('postgres', q{
CREATE FUNCTION pg_temp.fuzz(n int) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    alphabet text := '(),.-+e0123456789naiftyNAIF ';
    s text; b bytea; ok int := 0; bad int := 0; other int := 0;
BEGIN
    PERFORM setseed(0.1234);
    FOR i IN 1..n LOOP
        SELECT string_agg(substr(alphabet, 1 + floor(random() * length(alphabet))::int, 1), '')
          INTO s FROM generate_series(1, 1 + floor(random() * 40)::int);
        IF i % 3 = 0 THEN s := '(' || s || ')'; END IF;
        BEGIN
            PERFORM s::annqa.rbox; ok := ok + 1;
        EXCEPTION WHEN invalid_text_representation OR numeric_value_out_of_range OR invalid_parameter_value THEN
            bad := bad + 1;
        WHEN OTHERS THEN other := other + 1;
        END;
        SELECT string_agg(lpad(to_hex(floor(random() * 256)::int), 2, '0'), '')
          INTO s FROM generate_series(1, floor(random() * 48)::int);
        b := decode(coalesce(s, ''), 'hex');
        BEGIN
            PERFORM annqa.rbox_from_bytes(b); ok := ok + 1;
        EXCEPTION WHEN invalid_binary_representation THEN bad := bad + 1;
        WHEN OTHERS THEN other := other + 1;
        END;
    END LOOP;
    RETURN format('%s accepted, %s rejected, %s unexpected', ok, bad, other);
END $$;
SELECT pg_temp.fuzz(20000);
});
like($fuzz, qr/^\d+ accepted, \d+ rejected, 0 unexpected$/, "rbox fuzz: $fuzz");

is($node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()'), $start,
	'the server never restarted (no backend crashed)');

# --- binary COPY round trip: rbox_send / rbox_recv
$node->safe_psql('postgres', q{
CREATE TABLE boxes (id int PRIMARY KEY, b box, r annqa.rbox, xywh float8[]);
INSERT INTO boxes
SELECT i, annqa.xywh(i, i * 0.5, i % 7, 1 / i::float8),
       annqa.rbox(i * 0.1, -i / 3.0, i % 5, 1 + i % 3, i * 7.25 - 180),
       annqa.to_xywh(annqa.xywh(i, i * 0.5, i % 7, 1 / i::float8))
FROM generate_series(1, 1000) i;
});
my $file = $node->basedir . '/boxes.bin';
$node->safe_psql('postgres', "COPY boxes TO '$file' WITH (FORMAT binary)");
$node->safe_psql('postgres', "CREATE TABLE boxes2 (LIKE boxes); COPY boxes2 FROM '$file' WITH (FORMAT binary)");
is($node->safe_psql('postgres',
	'SELECT count(*) FROM boxes a JOIN boxes2 b USING (id) WHERE a.r OPERATOR(annqa.=) b.r AND a.b ~= b.b AND a.xywh = b.xywh'),
	'1000', 'binary COPY round-trips every rbox exactly');

# a truncated binary value is rejected cleanly by COPY
open(my $fh, '>', $node->basedir . '/bad.bin') or die;
binmode $fh;
print $fh "PGCOPY\n\377\r\n\0" . pack('N', 0) . pack('N', 0) . pack('n', 1) . pack('N', 12) . ("\0" x 12) . pack('n', 0xffff);
close $fh;
$node->safe_psql('postgres', 'CREATE TABLE rb (r annqa.rbox)');
my ($ret, $out, $err) = $node->psql('postgres', "COPY rb FROM '" . $node->basedir . "/bad.bin' WITH (FORMAT binary)");
like($err, qr/invalid binary data for type annqa\.rbox/, 'truncated binary rbox rejected by COPY');

# --- dump and restore
my $dump = $node->basedir . '/dump.custom';
$node->command_ok([ 'pg_dump', '-Fc', '-d', $node->connstr('postgres'), '-f', $dump ], 'pg_dump');
$node->safe_psql('postgres', 'CREATE DATABASE restored');
$node->command_ok([ 'pg_restore', '-d', $node->connstr('restored'), $dump ], 'pg_restore');
is($node->safe_psql('restored', q{SELECT md5(string_agg(id || ':' || b::text || ':' || r::text, ',' ORDER BY id)) FROM boxes}),
	$node->safe_psql('postgres', q{SELECT md5(string_agg(id || ':' || b::text || ':' || r::text, ',' ORDER BY id)) FROM boxes}),
	'restored table is identical');
is($node->safe_psql('restored', q{SELECT round(annqa.iou('(0,0,1,1,0)'::annqa.rbox, '(0,0,1,1,45)')::numeric, 12)}),
	'0.707106781187', 'functions work after restore');

# --- PostGIS in a schema of its own, not on the search_path: annqa's PostGIS calls still bind
$node->safe_psql('postgres', 'CREATE DATABASE gisdb');
$node->safe_psql('gisdb', 'SET client_min_messages = warning; CREATE SCHEMA gis; CREATE EXTENSION postgis SCHEMA gis; CREATE EXTENSION annqa;');
is($node->safe_psql('gisdb', q{SET search_path = pg_catalog; SELECT gis.ST_AsText(annqa.rbox_geometry('(1,1,2,2,0)'::annqa.rbox))}),
	'POLYGON((0 0,2 0,2 2,0 2,0 0))', 'rbox_geometry works with PostGIS in a non-public schema');
is($node->safe_psql('gisdb', q{SELECT extnamespace::regnamespace FROM pg_extension WHERE extname = 'annqa'}),
	'annqa', 'annqa lives in schema annqa');

$node->stop;
done_testing();
