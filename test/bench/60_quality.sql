-- The whole QA report (every quality view) and the release gate on a seeded
-- synthetic dataset: :items items (default 100,000) x 3 annotators + gold,
-- 2.5 objects per item on average, so 1,000,000 annotations at the default
-- scale, against a count(*) over the annotations.  Goal in the issue: every
-- view and the gate within 20 x that scan.
-- Run a smaller scale with: psql -v items=10000 -f test/bench/60_quality.sql
\pset border 1
\if :{?items}
\else
\set items 100000
\endif
SELECT setseed(0.6);
INSERT INTO annqa.dataset (name) VALUES ('bench');
INSERT INTO annqa.batch (dataset_id, name) SELECT dataset_id, 'b' FROM annqa.dataset WHERE name = 'bench';
INSERT INTO annqa.gate_policy (dataset_id, audit_sample_size) SELECT dataset_id, 50 FROM annqa.dataset WHERE name = 'bench';
INSERT INTO annqa.label_class (dataset_id, name, small_object_area, risk)
SELECT d.dataset_id, 'c' || k, 400, CASE WHEN k = 1 THEN 'safety_critical' WHEN k = 2 THEN 'hard' ELSE 'normal' END
FROM annqa.dataset d, generate_series(1, 8) k WHERE d.name = 'bench';
INSERT INTO annqa.annotator (name, kind) VALUES ('bench_a1', 'human'), ('bench_a2', 'human'), ('bench_a3', 'human'), ('bench_gold', 'gold');
INSERT INTO annqa.item (dataset_id, batch_id, uri, width, height, in_gold_set, tags)
SELECT b.dataset_id, b.batch_id, 'img/' || k, 640, 480, true,
       CASE WHEN k % 10 = 0 THEN '{night}'::text[] ELSE '{}' END
FROM annqa.batch b, generate_series(1, :items) k WHERE b.name = 'b';
-- base objects: 2 or 3 per item; each annotator (and gold) draws a jittered copy,
-- drops 5 %, relabels 3 %
CREATE TEMP TABLE base AS
SELECT i.item_id, o, 20 + random() * 500 AS x, 20 + random() * 360 AS y, 10 + random() * 100 AS w,
       10 + random() * 100 AS h, 1 + floor(random() * 8)::int AS cls
FROM annqa.item i, LATERAL generate_series(1, 2 + (random() < 0.5)::int + (i.item_id * 0)) o;
INSERT INTO annqa.annotation (item_id, annotator_id, class_id, kind, box, occluded)
SELECT b.item_id, a.annotator_id, c.class_id, 'box',
       annqa.xywh(b.x + (random() - 0.5) * 0.1 * b.w, b.y + (random() - 0.5) * 0.1 * b.h, b.w, b.h),
       random() < 0.05
FROM base b CROSS JOIN annqa.annotator a
JOIN annqa.label_class c ON c.name = 'c' || CASE WHEN random() < 0.03 THEN 1 + floor(random() * 8)::int ELSE b.cls END
WHERE a.name LIKE 'bench_%' AND random() >= 0.05;
VACUUM ANALYZE;
SELECT count(*) AS annotations, count(DISTINCT item_id) AS items FROM annqa.annotation;

SELECT bench.time('quality', 'count(*) over annotations', 'SELECT count(*) FROM annqa.annotation', 3);
-- the matching itself, stored once per dataset (the gates call it when stale)
SELECT bench.time('quality', 'refresh_matches (match + unit rows)', 'SELECT annqa.refresh_matches(''bench'', true)', 1);
SELECT bench.time('quality', 'refresh_matches when fresh (no-op)', 'SELECT annqa.refresh_matches(''bench'')', 3);
ANALYZE annqa.match_rows_store, annqa.unit_rows_store, annqa.item_rows_store, annqa.gold_item_store;
SELECT bench.time('quality', 'view ' || v, format('SELECT count(*) FROM annqa.%I', v), 1)
FROM unnest('{match_rows,unit_rows,agreement_by_class,agreement_by_batch,agreement_matrix,gold_accuracy,confusion,conflicts,label_errors,frame_quality,rework,coverage,review_queue,low_agreement_items,calibration_needed,monitoring,checklist,maturity}'::text[]) v;
-- the parts of the gate that do not read the stored rows: its export check
-- (relational, every exported row) and, for comparison, the full export and
-- validate_coco of the whole dataset it replaces
SELECT bench.time('quality', 'gate part: coco_export_problems (relational export check)',
                  'SELECT count(*) FROM annqa.coco_export_problems((SELECT dataset_id FROM annqa.dataset WHERE name = ''bench''))', 1);
SELECT bench.time('quality', 'gate part: validate_coco(export_coco)',
                  'SELECT count(*) FROM annqa.validate_coco(annqa.export_coco(''bench''))', 1);
SELECT bench.time('quality', 'gate part: export_coco',
                  'SELECT length(annqa.export_coco(''bench'')::text)', 1);
SELECT bench.time('quality', 'release_checks (gate preview)',
                  'SELECT count(*) FROM annqa.release_checks(annqa.batch_id(''b'', ''bench''))', 1);
SELECT bench.time('quality', 'CALL release_gate',
                  'CALL annqa.release_gate(''b'', ''bench-v1'', ''bench'', NULL, NULL, ''bench'')', 1);
-- incremental refresh: the items split into 10 batches (then refreshed wholly), one
-- annotation changed: only its batch is recomputed
INSERT INTO annqa.batch (dataset_id, name)
SELECT dataset_id, 'part' || k FROM annqa.dataset, generate_series(0, 9) k WHERE name = 'bench';
UPDATE annqa.item i SET batch_id = b.batch_id
FROM annqa.batch b WHERE b.name = 'part' || (i.item_id % 10) AND b.dataset_id = i.dataset_id;
SELECT annqa.refresh_matches('bench');
UPDATE annqa.annotation SET occluded = NOT occluded WHERE annotation_id = (SELECT min(annotation_id) FROM annqa.annotation);
SELECT bench.time('quality', 'refresh_matches after one annotation changed (1 of 10 batches)',
                  'SELECT annqa.refresh_matches(''bench'')', 1);
SELECT * FROM bench.report('quality', 'count(*) over annotations');
-- The issue's goal can also be read as one figure for the whole report: every
-- view once, one after the other (and then the gate).  Summed from the
-- single-view timings above, so that both readings are on the page.
SELECT round(sum(ms)::numeric, 0) AS every_view_once_ms,
       round((sum(ms) / (SELECT ms FROM bench.result WHERE grp = 'quality' AND label = 'count(*) over annotations'))::numeric, 1) AS x_count,
       round((sum(ms) + (SELECT ms FROM bench.result WHERE grp = 'quality' AND label = 'CALL release_gate'))::numeric, 0) AS with_gate_ms,
       round(((sum(ms) + (SELECT ms FROM bench.result WHERE grp = 'quality' AND label = 'CALL release_gate'))
              / (SELECT ms FROM bench.result WHERE grp = 'quality' AND label = 'count(*) over annotations'))::numeric, 1) AS with_gate_x_count
FROM bench.result WHERE grp = 'quality' AND label LIKE 'view %';
