-- Real data: KSCGR "ham egg" video boxes, two annotators on 4,983 frames
-- (../shared/data/kscgr_boxes_2annotators).  The dataset's authors publish
-- (iou_agreement.md, README.md): 61,427 objects annotated by both, 197 only by
-- annotator 1 and 29 only by annotator 2; IoU mean 0.92 (0.917036, sd 0.066)
-- and a share of pairs with IoU >= 0.7 of 0.99.
--
-- The 220 duplicated (frame, class) keys: box_id is the class id, not an
-- instance id, so a frame can hold two boxes of one class (two eggs).  We do
-- not pair by key: every box is its own object and annqa.match pairs objects
-- by optimal assignment on IoU (same label first).  Duplicates thereby pair
-- with the geometrically right partner.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS annqa CASCADE;
RESET client_min_messages;

CREATE TEMP TABLE kb (frame int, annotator text, label text, box_id int,
                      x float8, y float8, w float8, h float8, frame_file text);
\copy kb FROM PROGRAM 'zcat shared/data/kscgr_boxes_2annotators/boxes_long.csv.gz' WITH (FORMAT csv, HEADER true)
SELECT annotator, count(*) AS boxes, count(DISTINCT frame) AS frames FROM kb GROUP BY 1 ORDER BY 1;
SELECT count(*) AS duplicated_keys FROM (SELECT 1 FROM kb GROUP BY frame, annotator, box_id HAVING count(*) > 1) d;

-- one row per frame: annotator_1 is "gold", annotator_2 is "test"
CREATE TEMP TABLE kf AS
SELECT frame,
       coalesce(array_agg(annqa.xywh(x, y, w, h) ORDER BY label, x, y, w, h) FILTER (WHERE annotator = 'annotator_1'), '{}') AS g,
       coalesce(array_agg(label ORDER BY label, x, y, w, h) FILTER (WHERE annotator = 'annotator_1'), '{}') AS gl,
       coalesce(array_agg(annqa.xywh(x, y, w, h) ORDER BY label, x, y, w, h) FILTER (WHERE annotator = 'annotator_2'), '{}') AS t,
       coalesce(array_agg(label ORDER BY label, x, y, w, h) FILTER (WHERE annotator = 'annotator_2'), '{}') AS tl
FROM kb GROUP BY frame;

-- match rows for three thresholds: 0 (any overlap pairs, as the authors'
-- pairing), 0.5 (the default) and 0.7
CREATE TEMP TABLE km AS
SELECT thr, kf.frame, m.*
FROM unnest('{0, 0.5, 0.7}'::float8[]) thr, kf, annqa.match(kf.g, kf.gl, kf.t, kf.tl, thr) m;

-- At threshold 0 the pairing reproduces the published counts exactly:
-- 61,427 same-label pairs; 195 missing + 2 mismatched = 197 boxes of
-- annotator 1 only; 27 extra + 2 mismatched = 29 of annotator 2 only.
SELECT thr, (q).valid, (q).mismatched, (q).missing, (q).extra, (q).ds_count, (q).gt_count,
       round((q).precision::numeric, 4) AS precision, round((q).recall::numeric, 4) AS recall,
       round((q).accuracy::numeric, 4) AS accuracy, round((q).f1::numeric, 4) AS f1,
       CASE WHEN thr = 0 THEN (q).valid = 61427 AND (q).missing + (q).mismatched = 197
                              AND (q).extra + (q).mismatched = 29 END AS published_counts
FROM (SELECT thr, annqa.quality(status, similarity) AS q FROM km GROUP BY thr) s ORDER BY thr;

-- Mean IoU of matched same-label pairs and the share >= 0.7, against the
-- published 0.92 and 0.99.  We get (threshold 0, continuous coordinates,
-- IoU as pycocotools) mean 0.9141, sd 0.0676, share >= 0.7 0.9928.
SELECT round(avg(similarity)::numeric, 4) AS mean_iou, round(stddev_pop(similarity)::numeric, 4) AS sd,
       round(avg((similarity >= 0.7)::int)::numeric, 4) AS share_ge_07,
       abs(avg(similarity) - 0.92) < 0.01 AS near_published_mean,
       abs(avg((similarity >= 0.7)::int) - 0.99) < 0.005 AS near_published_share
FROM km WHERE thr = 0 AND status = 'matched';
-- With inclusive pixel boxes (w + 1, h + 1, as many annotation tools count
-- pixels) the mean is 0.9163, sd 0.0652: closer to the authors' 0.917036 and 0.0659.
SELECT round(avg(m.similarity)::numeric, 4) AS mean_iou_inclusive, round(stddev_pop(m.similarity)::numeric, 4) AS sd
FROM (SELECT frame,
             coalesce(array_agg(annqa.xywh(x, y, w + 1, h + 1) ORDER BY label, x, y, w, h) FILTER (WHERE annotator = 'annotator_1'), '{}') AS g,
             coalesce(array_agg(label ORDER BY label, x, y, w, h) FILTER (WHERE annotator = 'annotator_1'), '{}') AS gl,
             coalesce(array_agg(annqa.xywh(x, y, w + 1, h + 1) ORDER BY label, x, y, w, h) FILTER (WHERE annotator = 'annotator_2'), '{}') AS t,
             coalesce(array_agg(label ORDER BY label, x, y, w, h) FILTER (WHERE annotator = 'annotator_2'), '{}') AS tl
      FROM kb GROUP BY frame) f, annqa.match(f.g, f.gl, f.t, f.tl, 0) m
WHERE m.status = 'matched';

-- Per-frame quality: every frame has a row; the frames below full accuracy
SELECT count(*) AS frames, count(*) FILTER (WHERE (q).accuracy = 1) AS perfect_frames,
       round(min((q).accuracy)::numeric, 4) AS worst_frame_accuracy
FROM (SELECT frame, annqa.quality(status, similarity) AS q FROM km WHERE thr = 0.5 GROUP BY frame) f;

-- Every object appears exactly once per threshold
SELECT thr, count(gold_idx) FILTER (WHERE status <> 'extra') AS gold_rows, count(test_idx) AS test_rows
FROM km GROUP BY thr ORDER BY thr;

-- The two label mismatches at threshold 0 (confusion cells off the diagonal)
SELECT coalesce(test_label, 'unmatched') AS test_label, coalesce(gold_label, 'unmatched') AS gold_label, count(*) AS n
FROM km WHERE thr = 0 AND status IN ('mismatching_label') GROUP BY 1, 2 ORDER BY 1, 2;

-- The quality aggregate in parallel: Partial Aggregate in the plan and the
-- same result with and without parallel workers
CREATE TABLE km_rows AS SELECT * FROM km WHERE thr = 0.5;
ANALYZE km_rows;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT annqa.quality(status, similarity) FROM km_rows;
CREATE TEMP TABLE q_par AS SELECT (annqa.quality(status, similarity)).* FROM km_rows;
RESET max_parallel_workers_per_gather;
SET max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE q_ser AS SELECT (annqa.quality(status, similarity)).* FROM km_rows;
-- counts exactly; mean_iou to 1e-12 (the float sum depends on the split)
SELECT (p.valid, p.mismatched, p.missing, p.extra, p.ds_count, p.gt_count, p.precision, p.recall, p.accuracy, p.f1)
     = (s.valid, s.mismatched, s.missing, s.extra, s.ds_count, s.gt_count, s.precision, s.recall, s.accuracy, s.f1) AS parallel_equals_serial,
       abs(p.mean_iou - s.mean_iou) < 1e-12 AS mean_iou_equal, p.valid AS valid
FROM q_par p, q_ser s;
RESET ALL;
-- the state (float8[]: valid, mismatched, missing, extra, ignored, crowd,
-- sum of matched similarity) reads back exactly from its text form
SELECT st::text AS state_text, st::text::float8[] = st AS text_round_trip,
       (annqa.quality_final(st)).mean_iou AS mean_iou
FROM (SELECT ARRAY[2, 0, 0, 1, 0, 0, 0.1::float8 + 0.2::float8] AS st) x;
DROP TABLE km_rows;
