-- Matching, IoU matrices, object units and consensus for masks (annqa.rle[]).
-- Hand-built scenes with their answers derived in the comments, then the
-- LabelMe cars (3 annotators) rasterised at 64 x 64.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS annqa CASCADE;
RESET client_min_messages;

CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE q;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- A pixel rectangle (columns x .. x+w-1, rows y .. y+h-1) on an H x W image,
-- built from a bitmap (one byte per pixel, row-major), not by the rasteriser.
CREATE FUNCTION pg_temp.rect(x int, y int, w int, h int, hh int DEFAULT 10, ww int DEFAULT 10)
RETURNS annqa.rle LANGUAGE sql AS $$
    SELECT annqa.rle_from_bitmap(decode(string_agg(
             CASE WHEN p % ww BETWEEN x AND x + w - 1 AND p / ww BETWEEN y AND y + h - 1
                  THEN '01' ELSE '00' END, '' ORDER BY p), 'hex'), hh, ww)
    FROM generate_series(0, hh * ww - 1) p
$$;

-- ---------------------------------------------------------------- one scene, every status
-- 10 x 10 image.  Gold: G1 cat cols 0-3 rows 0-3 (16 px), G2 dog cols 6-9
-- rows 0-3 (16 px), G3 cat cols 0-3 rows 6-9 (16 px).  Test: T1 cat cols 0-3
-- rows 0-1 (8 px): IoU with G1 8/16 = 0.5; T2 cat = G2's pixels: IoU 1 but
-- the label differs; T3 fish cols 5-9 rows 6-9: touches nothing.
-- Expected at 0.5: G1-T1 matched 0.5, G2-T2 mismatching_label 1, G3 missing,
-- T3 extra.
CREATE TEMP TABLE scene AS
SELECT ARRAY[pg_temp.rect(0, 0, 4, 4), pg_temp.rect(6, 0, 4, 4), pg_temp.rect(0, 6, 4, 4)] AS g,
       '{cat,dog,cat}'::text[] AS gl,
       ARRAY[pg_temp.rect(0, 0, 4, 2), pg_temp.rect(6, 0, 4, 4), pg_temp.rect(5, 6, 5, 4)] AS t,
       '{cat,cat,fish}'::text[] AS tl;
SELECT array_agg(annqa.area(x)) AS gold_areas FROM scene, unnest(g) x;
SELECT m.* FROM scene, annqa.match(g, gl, t, tl) m;
-- at 0.6 the 0.5 pair is not kept: G1 missing and T1 extra as well
SELECT m.* FROM scene, annqa.match(g, gl, t, tl, 0.6) m;
-- low_overlap_threshold 0.8 flags the 0.5 pair only
SELECT gold_idx, test_idx, status, low_overlap
FROM scene, annqa.match(g, gl, t, tl, 0.5, '{"low_overlap_threshold": 0.8}') m;
-- threshold_by_area over the gold mask areas (16 px each): [[16, 0.55], [32, 0.2]]
-- gives 0.55 at area 16, above 0.5: G1-T1 is dropped; [[0, 0.3], [32, 0.5]]
-- gives 0.3 + 0.2 * 16/32 = 0.4: kept.
SELECT count(*) FILTER (WHERE status = 'matched') AS matched_055
FROM scene, annqa.match(g, gl, t, tl, 0.5, '{"threshold_by_area": [[16, 0.55], [32, 0.2]]}') m;
SELECT count(*) FILTER (WHERE status = 'matched') AS matched_04
FROM scene, annqa.match(g, gl, t, tl, 0.9, '{"threshold_by_area": [[0, 0.3], [32, 0.5]]}') m;
-- one label-agnostic pass gives the same rows here (no competing pairs)
SELECT count(*) AS same_rows_one_pass
FROM (SELECT m.* FROM scene, annqa.match(g, gl, t, tl, 0.5, '{"two_pass": false}') m
      INTERSECT SELECT m.* FROM scene, annqa.match(g, gl, t, tl) m) x;

-- Two passes matter: gold G1 cat cols 0-3 rows 0-3.  Test T1 dog = G1's
-- pixels (IoU 1), T2 cat cols 0-3 rows 0-2 (IoU 12/16 = 0.75).  Two passes:
-- G1-T2 matched 0.75, T1 extra.  One pass: G1-T1 mismatching_label 1, T2 extra.
SELECT 'two' AS passes, m.* FROM annqa.match(ARRAY[pg_temp.rect(0, 0, 4, 4)], '{cat}',
    ARRAY[pg_temp.rect(0, 0, 4, 4), pg_temp.rect(0, 0, 4, 3)], '{dog,cat}') m
UNION ALL
SELECT 'one', m.* FROM annqa.match(ARRAY[pg_temp.rect(0, 0, 4, 4)], '{cat}',
    ARRAY[pg_temp.rect(0, 0, 4, 4), pg_temp.rect(0, 0, 4, 3)], '{dog,cat}', 0.5, '{"two_pass": false}') m;

-- ---------------------------------------------------------------- crowd
-- Gold G1 person crowd region cols 0-5 (60 px), G2 person cols 6-9 rows 0-3.
-- Test T1 person cols 0-1 rows 0-1 (4 px, all inside the crowd: 4/4 = 1),
-- T2 person = G2 (IoU 1), T3 person cols 4-7 rows 0-1 (8 px; 4 inside the
-- crowd: 0.5; IoU with G2 4/20 = 0.2, and G2 is taken), T4 dog cols 0-1
-- rows 0-1 (inside the crowd, but another label).
-- Expected: G1 crowd; G2-T2 matched 1; T1 ignored by G1 (1); T3 ignored by
-- G1 (0.5 >= 0.5); T4 extra.
SELECT m.* FROM annqa.match(
    ARRAY[pg_temp.rect(0, 0, 6, 10), pg_temp.rect(6, 0, 4, 4)], '{person,person}',
    ARRAY[pg_temp.rect(0, 0, 2, 2), pg_temp.rect(6, 0, 4, 4), pg_temp.rect(4, 0, 4, 2), pg_temp.rect(0, 0, 2, 2)],
    '{person,person,person,dog}', 0.5, '{"gold_crowd": [true, false]}') m;
-- at 0.6, T3's 0.5 is too little: T3 extra
SELECT test_idx, status FROM annqa.match(
    ARRAY[pg_temp.rect(0, 0, 6, 10), pg_temp.rect(6, 0, 4, 4)], '{person,person}',
    ARRAY[pg_temp.rect(0, 0, 2, 2), pg_temp.rect(6, 0, 4, 4), pg_temp.rect(4, 0, 4, 2), pg_temp.rect(0, 0, 2, 2)],
    '{person,person,person,dog}', 0.6, '{"gold_crowd": [true, false]}') m WHERE test_idx IS NOT NULL;

-- ---------------------------------------------------------------- iou_matrix
-- a = {T1 (8 px), T2}, b = {G1, G2} of the first scene: IoU [[0.5, 0], [0, 1]].
-- With b[1] a crowd region: a[1] entry = 8 / area(a[1]) = 8/8 = 1.
SELECT annqa.iou_matrix(ARRAY[pg_temp.rect(0, 0, 4, 2), pg_temp.rect(6, 0, 4, 4)],
                        ARRAY[pg_temp.rect(0, 0, 4, 4), pg_temp.rect(6, 0, 4, 4)]) AS iou,
       annqa.iou_matrix(ARRAY[pg_temp.rect(0, 0, 4, 2), pg_temp.rect(6, 0, 4, 4)],
                        ARRAY[pg_temp.rect(0, 0, 4, 4), pg_temp.rect(6, 0, 4, 4)], '{t,f}') AS crowd,
       annqa.iou_matrix(ARRAY[pg_temp.rect(0, 0, 4, 2)], ARRAY[pg_temp.rect(0, 0, 4, 4)], NULL) AS crowd_null;
-- typed text literals resolve to the mask form; untyped literals are
-- ambiguous between box[], annqa.rbox[] and annqa.rle[] (as before masks)
SELECT annqa.iou_matrix('{"{\"size\": [2, 2], \"counts\": [0, 2, 2]}"}'::annqa.rle[],
                        '{"{\"size\": [2, 2], \"counts\": [0, 4]}"}'::annqa.rle[]) AS typed;
SELECT pg_temp.err($$SELECT annqa.iou_matrix('{}', '{}')$$) AS untyped;
SELECT annqa.iou_matrix('{}'::annqa.rle[], '{}'::annqa.rle[]) AS empty,
       annqa.iou_matrix(NULL::annqa.rle[], '{}'::annqa.rle[]) IS NULL AS null_gives_null;
-- the box forms still resolve
SELECT annqa.iou_matrix(ARRAY[box '((0,0),(2,2))'], ARRAY[box '((0,0),(2,1))']) AS box_iou,
       annqa.iou_matrix(ARRAY[box '((0,0),(2,2))'], ARRAY[box '((0,0),(2,1))'], '{t}') AS box_crowd;

-- ---------------------------------------------------------------- errors
-- masks of different sizes within one item (22023), NULL elements (22004),
-- crowd flags of the wrong length (22023)
SELECT pg_temp.err($$SELECT * FROM annqa.match(ARRAY[pg_temp.rect(0, 0, 4, 4)], '{a}', ARRAY[pg_temp.rect(0, 0, 4, 4, 10, 12)], '{a}')$$);
SELECT pg_temp.err($$SELECT * FROM annqa.match(ARRAY[pg_temp.rect(0, 0, 4, 4), pg_temp.rect(0, 0, 4, 4, 12, 10)], '{a,a}', '{}'::annqa.rle[], '{}')$$);
SELECT pg_temp.err($$SELECT * FROM annqa.match(ARRAY[pg_temp.rect(0, 0, 4, 4), NULL], '{a,a}', '{}'::annqa.rle[], '{}')$$);
SELECT pg_temp.err($$SELECT * FROM annqa.match('{}'::annqa.rle[], '{}', ARRAY[NULL::annqa.rle], '{a}')$$);
SELECT pg_temp.err($$SELECT annqa.iou_matrix(ARRAY[pg_temp.rect(0, 0, 4, 4)], ARRAY[pg_temp.rect(0, 0, 4, 4, 10, 12)])$$);
SELECT pg_temp.err($$SELECT annqa.iou_matrix(ARRAY[pg_temp.rect(0, 0, 4, 4)], ARRAY[NULL::annqa.rle])$$);
SELECT pg_temp.err($$SELECT annqa.iou_matrix(ARRAY[pg_temp.rect(0, 0, 4, 4)], ARRAY[pg_temp.rect(0, 0, 4, 4)], '{t,f}')$$);
SELECT pg_temp.err($$SELECT annqa.iou_matrix(ARRAY[pg_temp.rect(0, 0, 4, 4)], ARRAY[pg_temp.rect(0, 0, 4, 4)], '{NULL}')$$);
SELECT pg_temp.err($$SELECT * FROM annqa.match(ARRAY[pg_temp.rect(0, 0, 4, 4)], '{a}', '{}'::annqa.rle[], '{}', 0.5, '{"sigmas": 0.1}')$$);
SELECT pg_temp.err($$SELECT * FROM annqa.object_units(ARRAY[pg_temp.rect(0, 0, 4, 4), pg_temp.rect(0, 0, 4, 4, 10, 12)], '{a,a}', '{x,y}')$$);
SELECT pg_temp.err($$SELECT * FROM annqa.consensus(ARRAY[pg_temp.rect(0, 0, 4, 4), NULL], '{a,a}', '{x,y}')$$);
SELECT pg_temp.err($$SELECT * FROM annqa.consensus(ARRAY[pg_temp.rect(0, 0, 4, 4)], '{a}', '{x}', 0.4, 0.5, '{"fuse": "mean"}')$$);

-- ---------------------------------------------------------------- empty masks
-- An empty mask overlaps nothing (IoU 0, never matched), also with itself;
-- 0 x 0 masks work throughout.  Consensus of two empty masks of one unit is
-- impossible (IoU 0 < threshold), so each is its own unit of 1 vote of 2
-- raters: quorum 0.5 keeps both, each the empty mask.
SELECT m.status, m.similarity FROM annqa.match(ARRAY[pg_temp.rect(0, 0, 0, 0)], '{a}', ARRAY[pg_temp.rect(0, 0, 0, 0)], '{a}', 0) m;
SELECT annqa.iou_matrix(ARRAY['{"size": [0, 0], "counts": []}'::jsonb::annqa.rle],
                        ARRAY['{"size": [0, 0], "counts": []}'::jsonb::annqa.rle], '{t}') AS zero_size;
SELECT c.unit, annqa.area(c.geom) AS area, annqa.height(c.geom) AS h, c.support, c.mean_iou
FROM annqa.consensus(ARRAY['{"size": [0, 0], "counts": []}'::jsonb::annqa.rle, '{"size": [0, 0], "counts": []}'::jsonb::annqa.rle],
                     '{a,a}', '{x,y}') c;

-- ---------------------------------------------------------------- object units and consensus
-- Raters a, b, c.  a: cat cols 0-3 rows 0-3 (16 px); b: cat cols 0-3 rows 0-2
-- (12 px); c: dog cols 1-4 rows 1-3 (12 px) and c: dog cols 7-9 rows 7-9.
-- IoU a-b 12/16 = 0.75, a-c 9/19 = 0.4737, b-c 6/18 = 0.3333.
-- Threshold 0.3: unit 1 = {a1, b2, c3}, unit 2 = {c4}.
-- Threshold 0.5: b-c fails, a-c fails: unit 1 = {a1, b2}, unit 2 = {c3}, unit 3 = {c4}.
CREATE TEMP TABLE trio AS
SELECT ARRAY[pg_temp.rect(0, 0, 4, 4), pg_temp.rect(0, 0, 4, 3), pg_temp.rect(1, 1, 4, 3), pg_temp.rect(7, 7, 3, 3)] AS g,
       '{cat,cat,dog,dog}'::text[] AS l, '{a,b,c,c}'::text[] AS a;
SELECT u.* FROM trio, annqa.object_units(g, l, a, 0.3) u;
SELECT unit, array_agg(object_idx ORDER BY annotator) FILTER (WHERE object_idx IS NOT NULL) AS members
FROM trio, annqa.object_units(g, l, a, 0.5) u GROUP BY unit ORDER BY unit;
-- Consensus at threshold 0.3, quorum 0.5 of 3 raters (2 votes):
-- unit 1: cat 2 votes (score 2/3), mean IoU (0.75 + 0.4737 + 0.3333)/3 = 0.5190;
-- the pixels covered by at least 2 of 3: column 0 rows 0-2 (a, b) and
-- columns 1-3 rows 0-3 (row 0: a, b; rows 1-2: all; row 3: a, c) = 15 px;
-- unit 2 (c alone, 1 vote) is dropped.
SELECT c.unit, c.label, annqa.area(c.geom) AS area, c.support, round(c.score::numeric, 4) AS score,
       round(c.mean_iou::numeric, 4) AS mean_iou, c.members,
       c.geom OPERATOR(annqa.=) annqa.rle_union(pg_temp.rect(0, 0, 1, 3), pg_temp.rect(1, 0, 3, 4)) AS equals_hand_mask
FROM trio, annqa.consensus(g, l, a, 0.3) c;
-- fuse = nearest: the member with the highest IoU with that 15-px mask:
-- a (15/16) against b (12/15) and c (9/18): a, unchanged
SELECT c.unit, c.geom OPERATOR(annqa.=) pg_temp.rect(0, 0, 4, 4) AS is_a
FROM trio, annqa.consensus(g, l, a, 0.3, 0.5, '{"fuse": "nearest"}') c;
-- Two members (a, b at threshold 0.5): at least half = either: the union = a
SELECT c.unit, c.support, c.geom OPERATOR(annqa.=) pg_temp.rect(0, 0, 4, 4) AS is_union
FROM trio, annqa.consensus(g, l, a, 0.5) c;
-- the inputs are untouched
SELECT g[1] OPERATOR(annqa.=) pg_temp.rect(0, 0, 4, 4) AND g[3] OPERATOR(annqa.=) pg_temp.rect(1, 1, 4, 3) AS inputs_unchanged FROM trio;

-- ---------------------------------------------------------------- LabelMe cars, 3 annotators
-- 20 images of 64 x 64, one car outline per annotator and image (plus 8
-- objects marked deleted), rasterised with annqa.rle_from_polygon.
CREATE TEMP TABLE lm_raw (image_file text, labelme_xml text, annotator text, annotator_slot int,
                          object_id int, name text, deleted int, width int, height int,
                          bbox_xywh text, polygon_xy text);
\copy lm_raw FROM 'shared/data/labelme_cars_3annotators/polygons_long.csv' WITH (FORMAT csv, HEADER true)
CREATE TEMP TABLE lm AS
SELECT image_file, annotator, name,
       annqa.rle_from_polygon(ARRAY(SELECT jsonb_array_elements_text(polygon_xy::jsonb)::float8), 64, 64) AS m
FROM lm_raw WHERE deleted = 0;
SELECT count(*) AS masks, count(DISTINCT image_file) AS images, min(annqa.area(m)) > 0 AS none_empty FROM lm;

-- ecyou as gold, each other annotator as test, threshold 0.5.  Reference,
-- computed per pair with the scalar annqa.iou (its own decoding path): with
-- one object per side, the pair is kept when IoU >= 0.5, matched when the
-- names are equal, mismatching_label otherwise; else missing + extra.
CREATE TEMP TABLE lm_match AS
SELECT t.annotator, g.image_file, m.*
FROM (SELECT image_file, array_agg(m) AS g, array_agg(name) AS l FROM lm WHERE annotator = 'ecyou' GROUP BY 1) g
JOIN (SELECT image_file, annotator, array_agg(m) AS t, array_agg(name) AS l FROM lm WHERE annotator <> 'ecyou' GROUP BY 1, 2) t
  USING (image_file),
LATERAL annqa.match(g.g, g.l, t.t, t.l, 0.5) m;
WITH ref AS (
    SELECT t.annotator, g.image_file, annqa.iou(g.m, t.m) AS iou, g.name = t.name AS same
    FROM lm g JOIN lm t ON t.image_file = g.image_file AND g.annotator = 'ecyou' AND t.annotator <> 'ecyou'),
got AS (
    SELECT annotator, image_file, max(similarity) AS sim,
           string_agg(status, ',' ORDER BY status) AS statuses
    FROM lm_match GROUP BY 1, 2)
SELECT r.annotator, count(*) AS images,
       count(*) FILTER (WHERE g.statuses = CASE WHEN r.iou >= 0.5 THEN CASE WHEN r.same THEN 'matched' ELSE 'mismatching_label' END
                                                ELSE 'extra,missing' END) AS status_agrees,
       count(*) FILTER (WHERE r.iou < 0.5 OR abs(g.sim - r.iou) < 1e-12) AS iou_agrees,
       round(min(r.iou)::numeric, 4) AS min_iou, round(avg(r.iou)::numeric, 4) AS mean_iou
FROM ref r JOIN got g USING (annotator, image_file) GROUP BY 1 ORDER BY 1;
-- Cross-check with the box matching on the polygons' bounding boxes: where
-- the box IoU and the mask IoU are on the same side of 0.5, the statuses
-- must be the same (the labels are the same arrays).
WITH bx AS (
    SELECT t.annotator, g.image_file, string_agg(m.status, ',' ORDER BY m.status) AS statuses,
           max(m.similarity) AS box_iou
    FROM (SELECT image_file, array_agg(annqa.xywh(b[1], b[2], b[3], b[4])) AS g, array_agg(name) AS l
          FROM (SELECT *, ARRAY(SELECT jsonb_array_elements_text(bbox_xywh::jsonb)::float8) AS b
                FROM lm_raw WHERE deleted = 0 AND annotator = 'ecyou') r GROUP BY 1) g
    JOIN (SELECT image_file, annotator, array_agg(annqa.xywh(b[1], b[2], b[3], b[4])) AS t, array_agg(name) AS l
          FROM (SELECT *, ARRAY(SELECT jsonb_array_elements_text(bbox_xywh::jsonb)::float8) AS b
                FROM lm_raw WHERE deleted = 0 AND annotator <> 'ecyou') r GROUP BY 1, 2) t USING (image_file),
    LATERAL annqa.match(g.g, g.l, t.t, t.l, 0.5) m GROUP BY 1, 2),
mk AS (
    SELECT annotator, image_file, string_agg(status, ',' ORDER BY status) AS statuses, max(similarity) AS mask_iou
    FROM lm_match GROUP BY 1, 2)
SELECT count(*) AS pairs, count(*) FILTER (WHERE bx.statuses = mk.statuses) AS same_status,
       count(*) FILTER (WHERE coalesce(bx.box_iou, 0) >= 0.5 AND coalesce(mk.mask_iou, 0) >= 0.5) AS both_kept
FROM bx JOIN mk USING (annotator, image_file);
-- the quality roll-up (mhsieh2: all 20 kept, 19 'car' = 'car', 1 'truck';
-- sngandhi: every name is suffixed, so every kept pair is a label mismatch)
SELECT annotator, valid, mismatched, missing, extra FROM (
    SELECT annotator, (annqa.quality(status, similarity)).* FROM lm_match GROUP BY 1) q ORDER BY 1;

-- Object units of the masks.  Reference: an image forms one unit of all
-- three annotators exactly when all three pairwise mask IoUs (scalar
-- annqa.iou) reach the threshold.
CREATE TEMP TABLE lm_units AS
SELECT i.image_file, u.*
FROM (SELECT image_file, array_agg(m ORDER BY annotator) AS g, array_agg(name ORDER BY annotator) AS l,
             array_agg(annotator ORDER BY annotator) AS a FROM lm GROUP BY 1) i,
     annqa.object_units(i.g, i.l, i.a, 0.5) u;
WITH pairs AS (
    SELECT x.image_file, min(annqa.iou(x.m, y.m)) AS min_iou
    FROM lm x JOIN lm y ON x.image_file = y.image_file AND x.annotator < y.annotator GROUP BY 1),
got AS (
    SELECT image_file, max(unit) AS units, count(label) FILTER (WHERE unit = 1) AS in_unit_1
    FROM lm_units GROUP BY 1)
SELECT count(*) AS images, count(*) FILTER (WHERE p.min_iou >= 0.5) AS all_pairs_reach_05,
       count(*) FILTER (WHERE (p.min_iou >= 0.5) = (g.units = 1 AND g.in_unit_1 = 3)) AS units_agree_with_reference
FROM pairs p JOIN got g USING (image_file);
-- Cross-check with the boxes: where the mask units and the box units (on the
-- polygons' bounding boxes) are the same, the consensus labels and supports
-- must be the same (label voting does not look at the geometry).
CREATE TEMP TABLE lm_cons AS
SELECT i.image_file, c.*
FROM (SELECT image_file, array_agg(m ORDER BY annotator) AS g, array_agg(name ORDER BY annotator) AS l,
             array_agg(annotator ORDER BY annotator) AS a FROM lm GROUP BY 1) i,
     annqa.consensus(i.g, i.l, i.a, 0.5) c;
WITH bx AS (
    SELECT i.image_file, c.unit, c.label, c.support, c.members
    FROM (SELECT r.image_file, array_agg(annqa.xywh(b[1], b[2], b[3], b[4]) ORDER BY annotator) AS g,
                 array_agg(name ORDER BY annotator) AS l, array_agg(annotator ORDER BY annotator) AS a
          FROM (SELECT *, ARRAY(SELECT jsonb_array_elements_text(bbox_xywh::jsonb)::float8) AS b
                FROM lm_raw WHERE deleted = 0) r GROUP BY 1) i,
         annqa.consensus(i.g, i.l, i.a, 0.5) c)
SELECT count(*) AS box_consensus_objects,
       count(*) FILTER (WHERE EXISTS (SELECT 1 FROM lm_cons k WHERE k.image_file = bx.image_file
                                      AND k.members = bx.members AND k.label = bx.label
                                      AND k.support = bx.support)) AS same_in_mask_consensus,
       (SELECT count(*) FROM lm_cons) AS mask_consensus_objects
FROM bx;
-- Pixel-majority consensus against a count done in SQL: for every consensus
-- mask, every one of the 4096 pixels is in the mask exactly when at least
-- half of the unit's members cover it (bitmaps from rle_to_bitmap).
WITH mem AS (
    SELECT k.image_file, k.unit, cardinality(k.members) AS nm, annqa.rle_to_bitmap(k.geom) AS cb,
           annqa.rle_to_bitmap(x.m) AS mb
    FROM lm_cons k
    JOIN LATERAL (SELECT m, row_number() OVER (ORDER BY annotator) AS idx
                  FROM lm WHERE lm.image_file = k.image_file) x ON x.idx = ANY (k.members)),
px AS (
    SELECT image_file, unit, p, min(nm) AS nm, max(get_byte(cb, p)) AS got, sum(get_byte(mb, p)) AS covers
    FROM mem, generate_series(0, 4095) p GROUP BY 1, 2, 3)
SELECT count(DISTINCT (image_file, unit)) AS units, count(*) AS pixels,
       count(*) FILTER (WHERE got = 1) AS consensus_pixels,
       count(*) FILTER (WHERE (got = 1) <> (2 * covers >= nm)) AS disagreeing_pixels
FROM px;

-- cvat_score of a mask consensus: A = the 4 x 4 square at the origin (16 pixels) by r1,
-- B = its top half, 4 x 2 (8 pixels) by r2, one unit (IoU 0.5 >= 0.4).  The merged
-- mask (pixels covered by at least (2 + 1) / 2 = 1 member) is A; shape score =
-- (IoU(A, A) + IoU(A, B)) / 2 = (1 + 0.5) / 2 = 0.75; label score 2 / 2: 0.75
SELECT support, score, annqa.area(geom) AS area, cvat_score
FROM annqa.consensus(ARRAY[annqa.rle_from_box('{0,0,4,4}'::float8[], 10, 10), annqa.rle_from_box('{0,0,4,2}'::float8[], 10, 10)],
                     '{car,car}', '{r1,r2}');
