-- Incremental refresh: a change to annotations or items marks only the batches it
-- touched stale, and annqa.refresh_matches recomputes only those; a change not
-- tied to batches (annotators, class names, policies, a new gold annotator)
-- recomputes the whole dataset.  After every kind of change, the stored rows of
-- the incremental refresh equal those of a forced full refresh (floats rounded
-- to 12 digits: sums may add in another order).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS annqa CASCADE;
RESET client_min_messages;

SELECT setseed(0.25);
INSERT INTO annqa.dataset (name) VALUES ('inc'), ('other');
INSERT INTO annqa.batch (dataset_id, name) SELECT d.dataset_id, b FROM annqa.dataset d, unnest('{b1,b2,b3}'::text[]) b WHERE d.name = 'inc';
INSERT INTO annqa.batch (dataset_id, name) SELECT dataset_id, 'b1' FROM annqa.dataset WHERE name = 'other';
INSERT INTO annqa.label_class (dataset_id, name) SELECT d.dataset_id, c FROM annqa.dataset d, unnest('{car,person,bike}'::text[]) c;
INSERT INTO annqa.annotator (name, kind) VALUES ('g', 'gold'), ('h1', 'human'), ('h2', 'human'), ('h3', 'human'),
                                                ('h4', 'human'), ('g2', 'gold');
-- 4 items per batch of inc (and 3 without a batch), 4 in other; the first two of each batch are gold items
INSERT INTO annqa.item (dataset_id, batch_id, uri, width, height, in_gold_set)
SELECT d.dataset_id, b.batch_id, d.name || '/' || coalesce(b.name, 'none') || '/' || k, 200, 200, k <= 2
FROM annqa.dataset d
LEFT JOIN annqa.batch b ON b.dataset_id = d.dataset_id
CROSS JOIN generate_series(1, 4) k
UNION ALL
SELECT d.dataset_id, NULL, 'inc/none/' || k, 200, 200, k = 1 FROM annqa.dataset d, generate_series(1, 3) k WHERE d.name = 'inc';
-- 3 objects per item; g, h1, h2, h3 each draw a jittered copy (h3 skips a quarter,
-- h2 relabels a fifth as bike); every random draw is made first, per object and annotator
CREATE TEMP TABLE base AS
SELECT i.item_id, i.dataset_id, o, 10 + floor(random() * 150) AS x, 10 + floor(random() * 150) AS y,
       (ARRAY['car', 'person', 'bike'])[1 + floor(random() * 3)::int] AS cls
FROM annqa.item i, generate_series(1, 3) o ORDER BY i.item_id, o;
CREATE TEMP TABLE draw AS
SELECT b.*, w.who, random() AS r_skip, random() AS r_label, floor(random() * 3) AS jx, floor(random() * 3) AS jy,
       random() < 0.2 AS occluded
FROM base b CROSS JOIN (VALUES ('g'), ('h1'), ('h2'), ('h3')) w(who) ORDER BY b.item_id, b.o, w.who;
INSERT INTO annqa.annotation (item_id, annotator_id, class_id, kind, box, occluded)
SELECT d.item_id, a.annotator_id, c.class_id, 'box', annqa.xywh(d.x + d.jx, d.y + d.jy, 30, 30), d.occluded
FROM draw d
JOIN annqa.annotator a ON a.name = d.who
JOIN annqa.label_class c ON c.dataset_id = d.dataset_id
     AND c.name = CASE WHEN d.who = 'h2' AND d.r_label < 0.2 THEN 'bike' ELSE d.cls END
WHERE NOT (d.who = 'h3' AND d.r_skip < 0.25);
SELECT a.name, count(*) AS objects FROM annqa.annotation an JOIN annqa.annotator a USING (annotator_id) GROUP BY 1 ORDER BY 1;

-- a digest of every stored table of a dataset (floats rounded), and a check that it
-- equals the digest after a forced full refresh
CREATE FUNCTION pg_temp.snap(ds text) RETURNS text LANGUAGE sql AS $$
WITH d AS (SELECT dataset_id FROM annqa.dataset WHERE name = ds)
SELECT md5(concat_ws('|',
  (SELECT string_agg(t, ',' ORDER BY t) FROM (
     SELECT concat_ws(' ', batch_id, item_id, comparison, family, reference_id, annotator_id, gold_idx, test_idx,
                      reference_annotation_id, annotation_id, reference_class_id, class_id, reference_label, label,
                      status, round(similarity::numeric, 12), low_overlap) AS t
     FROM annqa.match_rows_store WHERE dataset_id = (SELECT dataset_id FROM d)) z),
  (SELECT string_agg(t, ',' ORDER BY t) FROM (
     SELECT concat_ws(' ', batch_id, item_id, family, unit, unit_key, annotator_id, annotation_id, class_id, label,
                      unit_raters, class_raters, unit_class_first, item_class_first) AS t
     FROM annqa.unit_rows_store WHERE dataset_id = (SELECT dataset_id FROM d)) z),
  (SELECT string_agg(t, ',' ORDER BY t) FROM (
     SELECT concat_ws(' ', batch_id, item_id, task_type, pair_rows, round(agreement::numeric, 12),
                      round(mean_iou::numeric, 12), disagreements, raters, gold_conflicts, n_overlaps, conflicts,
                      gold_missing, gold_objects) AS t
     FROM annqa.item_rows_store WHERE dataset_id = (SELECT dataset_id FROM d)) z),
  (SELECT string_agg(t, ',' ORDER BY t) FROM (
     SELECT concat_ws(' ', batch_id, annotator_id, item_id, round(accuracy::numeric, 12), annotated_at) AS t
     FROM annqa.gold_item_store WHERE dataset_id = (SELECT dataset_id FROM d)) z),
  (SELECT string_agg(t, ',' ORDER BY t) FROM (
     SELECT concat_ws(' ', batch_id, item_id, class_id, objects, raters, min_box_area, occluded) AS t
     FROM annqa.item_class_store WHERE dataset_id = (SELECT dataset_id FROM d)) z),
  (SELECT string_agg(t, ',' ORDER BY t) FROM (
     SELECT concat_ws(' ', batch_id, class_id, round(fleiss_kappa::numeric, 12), round(krippendorff_alpha::numeric, 12),
                      round(percent_agreement::numeric, 12), round(mean_iou::numeric, 12), items, units, raters) AS t
     FROM annqa.agreement_store WHERE dataset_id = (SELECT dataset_id FROM d)) z),
  (SELECT string_agg(t, ',' ORDER BY t) FROM (
     SELECT concat_ws(' ', batch_id, annotator_a, annotator_b, round(kappa::numeric, 12), round(percent_agreement::numeric, 12),
                      round(mean_iou::numeric, 12), common_items, objects) AS t
     FROM annqa.pair_agreement_store WHERE dataset_id = (SELECT dataset_id FROM d)) z),
  (SELECT concat_ws(' ', match_rows, unit_rows) FROM annqa.match_refresh WHERE dataset_id = (SELECT dataset_id FROM d))));
$$;
CREATE FUNCTION pg_temp.same_as_full() RETURNS TABLE (dataset text, incremental_equals_full boolean) LANGUAGE plpgsql AS $$
DECLARE
    a text;
    b text;
    o1 text;
    o2 text;
BEGIN
    a := pg_temp.snap('inc');
    o1 := pg_temp.snap('other');
    PERFORM annqa.refresh_matches(NULL, true);
    b := pg_temp.snap('inc');
    o2 := pg_temp.snap('other');
    RETURN QUERY VALUES ('inc', a = b), ('other', o1 = o2);
END $$;
CREATE FUNCTION pg_temp.stale() RETURNS TABLE (dataset text, stale boolean, whole boolean, batches text) LANGUAGE sql AS $$
SELECT d.name, r.stale, r.whole,
       (SELECT string_agg(coalesce(b.name, '(none)'), ',' ORDER BY b.name NULLS FIRST)
          FROM annqa.stale_batch s LEFT JOIN annqa.batch b USING (batch_id) WHERE s.dataset_id = d.dataset_id)
FROM annqa.dataset d LEFT JOIN annqa.match_refresh r USING (dataset_id) ORDER BY d.dataset_id;
$$;

-- one box on an item of inc (by uri), by an annotator, of a class
CREATE FUNCTION pg_temp.add(uri text, who text, cls text, b box) RETURNS void LANGUAGE sql AS $$
INSERT INTO annqa.annotation (item_id, annotator_id, class_id, kind, box)
SELECT i.item_id, a.annotator_id, c.class_id, 'box', b
FROM annqa.item i, annqa.annotator a, annqa.label_class c JOIN annqa.dataset d USING (dataset_id)
WHERE i.uri = add.uri AND a.name = add.who AND d.name = 'inc' AND c.name = add.cls;
$$;

-- the first refresh computes everything: 2 datasets; rows stored
SELECT annqa.refresh_matches();
SELECT d.name, r.match_rows > 0 AS has_match_rows, r.unit_rows > 0 AS has_unit_rows, r.stale, r.whole, r.golds IS NOT NULL AS golds
FROM annqa.match_refresh r JOIN annqa.dataset d USING (dataset_id) ORDER BY 1;
SELECT * FROM pg_temp.stale();

-- 1. an object added in inc/b1 and one deleted in inc/b2: those two batches only
SELECT pg_temp.add('inc/b1/3', 'h1', 'car', annqa.xywh(5, 5, 20, 20));
DELETE FROM annqa.annotation WHERE annotation_id = (
    SELECT min(an.annotation_id) FROM annqa.annotation an JOIN annqa.item i USING (item_id)
    JOIN annqa.annotator a USING (annotator_id) WHERE i.uri = 'inc/b2/1' AND a.name = 'h2');
SELECT * FROM pg_temp.stale();
SELECT dataset, stale, stale_batches FROM annqa.match_status ORDER BY dataset_id;   -- inc: 2 batches to recompute
SELECT annqa.refresh_matches();   -- 1: inc (other is fresh)
SELECT * FROM pg_temp.stale();
SELECT * FROM pg_temp.same_as_full();
-- (the check can fail: rows left stale differ from a full refresh)
UPDATE annqa.annotation an SET box = annqa.xywh(0, 0, 5, 5) FROM annqa.item i
WHERE i.item_id = an.item_id AND i.uri = 'inc/b1/1';
SELECT * FROM pg_temp.same_as_full();

-- 2. an item moved from b1 to b3 (both batches stale), and a change of item tags only
--    (not an input of the stored rows: nothing stale)
UPDATE annqa.item SET tags = '{night}' WHERE uri = 'inc/b2/2';
SELECT * FROM pg_temp.stale();
UPDATE annqa.item SET batch_id = (SELECT b.batch_id FROM annqa.batch b JOIN annqa.dataset d USING (dataset_id)
                                  WHERE d.name = 'inc' AND b.name = 'b3')
WHERE uri = 'inc/b1/4';
SELECT * FROM pg_temp.stale();
SELECT annqa.refresh_matches();
SELECT * FROM pg_temp.same_as_full();

-- 3. a new rater (h4) in b2: b2's raters change, so every item of b2 gets new pairs
SELECT pg_temp.add('inc/b2/4', 'h4', 'person', annqa.xywh(50, 50, 30, 30));
SELECT * FROM pg_temp.stale();
SELECT annqa.refresh_matches();
-- h4 is now compared with h1, h2 and h3 on all 4 items of b2 (and on no other batch)
SELECT count(DISTINCT m.item_id) AS items, count(DISTINCT m.reference_id) AS other_raters,
       count(DISTINCT m.batch_id) AS batches
FROM annqa.match_rows_store m JOIN annqa.annotator a ON a.annotator_id = m.annotator_id
WHERE a.name = 'h4' AND m.comparison = 'pair';
SELECT * FROM pg_temp.same_as_full();

-- 4. the items without a batch, and a deleted item (its annotations go with it)
UPDATE annqa.annotation an SET occluded = NOT an.occluded FROM annqa.item i
WHERE i.item_id = an.item_id AND i.uri = 'inc/none/2';
DELETE FROM annqa.item WHERE uri = 'inc/b2/3';
SELECT * FROM pg_temp.stale();
SELECT annqa.refresh_matches();
SELECT * FROM pg_temp.same_as_full();

-- 5. a new gold annotator (g2) with one object in b3: gold comparisons of every batch
--    change, so the refresh recomputes the whole dataset (stale_batch names only b3)
SELECT pg_temp.add('inc/b3/1', 'g2', 'car', annqa.xywh(5, 5, 20, 20));
SELECT * FROM pg_temp.stale();
SELECT annqa.refresh_matches();
-- g2 is a gold reference on the gold items of b1, b2 and b3 (and of the items without a batch)
SELECT count(DISTINCT m.batch_id) AS batches_with_g2_rows, count(*) FILTER (WHERE m.batch_id IS NULL) > 0 AS without_batch
FROM annqa.match_rows_store m
JOIN annqa.annotator a ON a.annotator_id = m.reference_id WHERE a.name = 'g2';
SELECT * FROM pg_temp.same_as_full();

-- 6. a change not tied to batches (a class renamed): every dataset wholly stale
UPDATE annqa.label_class SET name = 'bicycle' WHERE name = 'bike';
SELECT * FROM pg_temp.stale();
SELECT dataset, stale, stale_batches FROM annqa.match_status ORDER BY dataset_id;   -- NULL: every batch
SELECT annqa.refresh_matches();   -- 2
SELECT * FROM pg_temp.same_as_full();

-- leave the model empty for the tests that follow
DELETE FROM annqa.dataset;
DELETE FROM annqa.annotator;
SELECT annqa.refresh_matches();
SELECT (SELECT count(*) FROM annqa.match_rows_store) + (SELECT count(*) FROM annqa.unit_rows_store)
     + (SELECT count(*) FROM annqa.stale_batch) AS leftover_rows;
