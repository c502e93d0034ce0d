-- Matching: hand-built scenes whose answers are worked out in the comments.
-- All boxes but the crowd scene span y in [0, 10], so IoU = overlap / union of
-- the x intervals.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS annqa CASCADE;
RESET client_min_messages;
SET extra_float_digits = 0;

CREATE FUNCTION pg_temp.b(x0 float8, x1 float8) RETURNS box
    LANGUAGE sql IMMUTABLE RETURN box(point(x0, 0), point(x1, 10));

-- ---------------------------------------------------------------- assign
-- [[4,1,3],[2,0,5],[3,2,2]]: the six permutations cost 6, 11, 5, 9, 7, 6;
-- the optimum 5 is rows -> columns 2, 1, 3.
SELECT annqa.assign('{{4,1,3},{2,0,5},{3,2,2}}') AS optimum_2_1_3;
-- greedy takes (1,1) = 1 then (2,2) = 100: 101; optimum (1,2) + (2,1) = 4
SELECT annqa.assign('{{1,2},{2,100}}') AS optimum_2_1;
-- tall 3x2: rows 2 -> 1 (cost 1) and 3 -> 2 (cost 2); row 1 unassigned
SELECT annqa.assign('{{3,4},{1,9},{2,2}}') AS tall_null_1_2;
-- Infinity forbids a pair: only column 2 is allowed; row 1 (cost 1) takes it
SELECT annqa.assign('{{Infinity,1},{Infinity,2}}') AS forbidden_2_null;
SELECT annqa.assign('{}') AS empty;

-- ---------------------------------------------------------------- iou_matrix
-- a = [0,10], [4,14]; b = [1,11], [-3,7]:
--   [0,10] vs [1,11]: 9/11 = 0.818182;  [0,10] vs [-3,7]: 7/13 = 0.538462
--   [4,14] vs [1,11]: 7/13 = 0.538462;  [4,14] vs [-3,7]: 3/17 = 0.176471
SELECT array_dims(m) AS dims,
       round(m[1][1]::numeric, 6) AS a1b1, round(m[1][2]::numeric, 6) AS a1b2,
       round(m[2][1]::numeric, 6) AS a2b1, round(m[2][2]::numeric, 6) AS a2b2
FROM annqa.iou_matrix(ARRAY[pg_temp.b(0, 10), pg_temp.b(4, 14)],
                      ARRAY[pg_temp.b(1, 11), pg_temp.b(-3, 7)]) m;
SELECT annqa.iou_matrix('{}'::box[], ARRAY[pg_temp.b(0, 1)]) AS empty_side;
-- rotated: the spec's example, two 10x1 boxes turned 90 degrees, centres 5
-- apart, do not overlap (CVAT says 0.33): 0; the same rbox with itself: 1
SELECT annqa.iou_matrix(ARRAY['(0,0,10,1,90)'::annqa.rbox],
                        ARRAY['(5,0,10,1,90)'::annqa.rbox, '(0,0,10,1,90)']) AS rotated_0_1;

-- with crowd flags for b: a1 [0,10], a2 [25,35]; b1 [0,10], b2 crowd [-10,30]:
--   a1-b1 1; a1-b2 = inter / area(a1) = 100/100 = 1; a2-b1 0; a2-b2 = 50/100 = 0.5
SELECT annqa.iou_matrix(ARRAY[pg_temp.b(0, 10), pg_temp.b(25, 35)],
                        ARRAY[pg_temp.b(0, 10), pg_temp.b(-10, 30)], '{false,true}') AS with_crowd;

-- ---------------------------------------------------------------- greedy vs Hungarian
-- Same matrix as above (gold a, test b, all label 'x', threshold 0.5).
-- Greedy by best IoU takes G1-T1 (0.818) first; T2 is then left with G2
-- (0.176 < 0.5): one match, one missing, one extra.  The optimal assignment
-- maximises the total IoU: G1-T2 + G2-T1 = 0.538 + 0.538 = 1.077 > 0.818 +
-- 0.176 = 0.994, and both pairs clear 0.5: two matches.
SELECT gold_idx, test_idx, round(similarity::numeric, 6) AS similarity, status
FROM annqa.match(ARRAY[pg_temp.b(0, 10), pg_temp.b(4, 14)], '{x,x}',
                 ARRAY[pg_temp.b(1, 11), pg_temp.b(-3, 7)], '{x,x}');

-- ---------------------------------------------------------------- threshold before the assignment
-- CVAT (quality_control/matching.py) sets the distance of every pair below the
-- threshold to 1 BEFORE solving, so a weak pair cannot take the partner of a
-- strong one.  Gold G1 [0,10], G2 [-6,5]; test T1 [0,5], T2 [7,10], all 'x':
--   G1-T1 5/10 = 0.5, G1-T2 3/10 = 0.3, G2-T1 5/11 = 0.4545, G2-T2 0.
-- Maximising the raw total would pick G1-T2 + G2-T1 (0.7545 > 0.5) and then
-- drop both (below 0.5): nothing matched.  With CVAT's rule only G1-T1 can
-- match: (1, 1, 0.5, matched), (2, NULL, missing), (NULL, 2, extra).
SELECT gold_idx, test_idx, round(similarity::numeric, 6) AS similarity, status
FROM annqa.match(ARRAY[pg_temp.b(0, 10), pg_temp.b(-6, 5)], '{x,x}',
                 ARRAY[pg_temp.b(0, 5), pg_temp.b(7, 10)], '{x,x}');
-- the same with test labels 'y': pass 1 (same label) finds nothing, pass 2
-- gives G1-T1 as mismatching_label; the unit pairing of object_units follows
-- the same rule (one unit G1+T1, then G2 and T2 alone)
SELECT gold_idx, test_idx, round(similarity::numeric, 6) AS similarity, status
FROM annqa.match(ARRAY[pg_temp.b(0, 10), pg_temp.b(-6, 5)], '{x,x}',
                 ARRAY[pg_temp.b(0, 5), pg_temp.b(7, 10)], '{y,y}');
SELECT unit, annotator, object_idx, label
FROM annqa.object_units(ARRAY[pg_temp.b(0, 10), pg_temp.b(-6, 5), pg_temp.b(0, 5), pg_temp.b(7, 10)],
                        '{x,x,x,x}', '{g,g,t,t}', 0.5)
ORDER BY unit, annotator;
-- CVAT compares distances, 1 - IoU > 1 - threshold, in double precision: an
-- IoU of 0.49999999999999994 (the double just below 0.5) gives 1 - IoU =
-- 0.5 exactly, so the pair is kept at threshold 0.5
SELECT gold_idx, test_idx, similarity < 0.5 AS below_half, status
FROM annqa.match(ARRAY[box '((0,0),(1,1))'], '{x}', ARRAY[box '((0,0),(0.49999999999999994,1))'], '{x}', 0.5);

-- ---------------------------------------------------------------- one pass vs two passes
-- Gold G1 'cat' [0,10].  Test T1 'dog' [0,10] (IoU 1), T2 'cat' [1,11] (IoU 9/11).
-- One label-agnostic pass (CVAT 2.x) gives G1 to the wrong-label T1:
--   (1, 1, 1, mismatching_label), (NULL, 2, extra).
-- Two passes: same-label pairs first: (1, 2, 0.818182, matched), (NULL, 1, extra).
SELECT gold_idx, test_idx, round(similarity::numeric, 6) AS similarity, status, gold_label, test_label
FROM annqa.match(ARRAY[pg_temp.b(0, 10)], '{cat}', ARRAY[pg_temp.b(0, 10), pg_temp.b(1, 11)], '{dog,cat}',
                 0.5, '{"two_pass": false}');
SELECT gold_idx, test_idx, round(similarity::numeric, 6) AS similarity, status, gold_label, test_label
FROM annqa.match(ARRAY[pg_temp.b(0, 10)], '{cat}', ARRAY[pg_temp.b(0, 10), pg_temp.b(1, 11)], '{dog,cat}');

-- ---------------------------------------------------------------- all four statuses
-- Gold: G1 cat [0,10], G2 dog [20,30], G3 bird [40,50].
-- Test: T1 cat [0,10] (IoU 1 with G1), T2 cat [21,31] (9/11 with G2), T3 fish [70,80].
-- Expected: G1-T1 matched 1; G2-T2 mismatching_label 0.818182; G3 missing; T3 extra.
-- With low_overlap_threshold 0.9 the G2-T2 pair (0.818 < 0.9) is flagged.
CREATE TEMP TABLE scene AS
SELECT ARRAY[pg_temp.b(0, 10), pg_temp.b(20, 30), pg_temp.b(40, 50)] AS gold, '{cat,dog,bird}'::text[] AS gl,
       ARRAY[pg_temp.b(0, 10), pg_temp.b(21, 31), pg_temp.b(70, 80)] AS test, '{cat,cat,fish}'::text[] AS tl;
SELECT m.* FROM scene, annqa.match(gold, gl, test, tl, 0.5, '{"low_overlap_threshold": 0.9}') m;
-- quality of this scene: valid 1, mismatched 1, missing 1, extra 1,
-- ds_count 3, gt_count 3, precision 1/3, recall 1/3, accuracy 1/4,
-- f1 2/6 = 1/3, mean_iou 1 (the one matched pair)
SELECT q.valid, q.mismatched, q.missing, q.extra, q.ds_count, q.gt_count,
       round(q.precision::numeric, 6) AS precision, round(q.recall::numeric, 6) AS recall,
       q.accuracy, round(q.f1::numeric, 6) AS f1, q.mean_iou
FROM (SELECT (annqa.quality(m.status, m.similarity)).* FROM scene, annqa.match(gold, gl, test, tl) m) q;
-- confusion rows (test_label, gold_label, n): cat/cat 1, cat/dog 1,
-- unmatched/bird 1, fish/unmatched 1
SELECT coalesce(test_label, 'unmatched') AS test_label, coalesce(gold_label, 'unmatched') AS gold_label, count(*) AS n
FROM scene, annqa.match(gold, gl, test, tl) m GROUP BY 1, 2 ORDER BY 1, 2;
-- per-label precision, recall, Jaccard, Dice (the README's query):
--   cat: TP 1 (G1-T1), test cats 2 (T1, T2), gold cats 1 -> P 1/2, R 1, J 1/(2+1-1) = 1/2, D 2/3
--   dog, bird: TP 0, no test object, 1 gold -> P NULL, R 0, J 0, D 0
--   fish: TP 0, 1 test object, no gold -> P 0, R NULL, J 0, D 0
SELECT label, tp, round((tp::float8 / nullif(ds, 0))::numeric, 6) AS precision,
       round((tp::float8 / nullif(gt, 0))::numeric, 6) AS recall,
       round((tp::float8 / nullif(ds + gt - tp, 0))::numeric, 6) AS jaccard,
       round((2.0 * tp / nullif(ds + gt, 0))::numeric, 6) AS dice
FROM (SELECT s.label,
             count(*) FILTER (WHERE s.side = 'gold' AND status = 'matched') AS tp,
             count(*) FILTER (WHERE s.side = 'test') AS ds,
             count(*) FILTER (WHERE s.side = 'gold') AS gt
      FROM scene, annqa.match(gold, gl, test, tl) m,
           LATERAL (VALUES ('gold', m.gold_label), ('test', m.test_label)) s(side, label)
      WHERE s.label IS NOT NULL AND status NOT IN ('crowd', 'ignored')
      GROUP BY s.label) x
ORDER BY label;
-- every object appears exactly once: 3 gold indexes and 3 test indexes
SELECT count(DISTINCT gold_idx) AS golds, count(DISTINCT test_idx) AS tests, count(*) AS rows
FROM scene, annqa.match(gold, gl, test, tl) m;

-- ---------------------------------------------------------------- crowd absorption
-- Gold: G1 person [0,10]; G2 person crowd region [20,60].
-- Test: T1 person [0,10] -> matched with G1.
--       T2 person [25,35]: crowd IoU = inter / area(T2) = 10/10 = 1 -> ignored (absorbed by G2).
--       T3 person [55,75]: crowd IoU = 5/20 = 0.25 < 0.5 -> extra.
--       T4 car [30,40]: inside the crowd but another label -> extra.
-- G2 itself is a 'crowd' row; quality: valid 1, extra 2, gt_count 1, ds_count 3.
CREATE TEMP TABLE crowd AS
SELECT ARRAY[pg_temp.b(0, 10), pg_temp.b(20, 60)] AS gold, '{person,person}'::text[] AS gl,
       ARRAY[pg_temp.b(0, 10), pg_temp.b(25, 35), pg_temp.b(55, 75), pg_temp.b(30, 40)] AS test,
       '{person,person,person,car}'::text[] AS tl;
SELECT m.gold_idx, m.test_idx, m.similarity, m.status
FROM crowd, annqa.match(gold, gl, test, tl, 0.5, '{"gold_crowd": [false, true]}') m;
SELECT (annqa.quality(m.status, m.similarity)).*
FROM crowd, annqa.match(gold, gl, test, tl, 0.5, '{"gold_crowd": [false, true]}') m;
-- without the crowd flag G2 is an ordinary gold: T2 has IoU 10/40 = 0.25 with it,
-- so G2 is missing and T2, T3, T4 are extra
SELECT m.gold_idx, m.test_idx, m.status FROM crowd, annqa.match(gold, gl, test, tl) m;

-- ---------------------------------------------------------------- empty sides
-- empty gold: every test object is extra; empty test: every gold is missing
SELECT * FROM annqa.match('{}'::box[], '{}', ARRAY[pg_temp.b(0, 1), pg_temp.b(2, 3)], '{a,b}');
SELECT * FROM annqa.match(ARRAY[pg_temp.b(0, 1), pg_temp.b(2, 3)], '{a,b}', '{}'::box[], '{}');
SELECT count(*) AS no_rows FROM annqa.match('{}'::box[], '{}', '{}'::box[], '{}');
-- no rows at all: quality is NULL; an empty frame with rows gives NULL metrics, not 0/0 errors
SELECT annqa.quality(status, similarity) IS NULL AS null_quality FROM annqa.match('{}'::box[], '{}', '{}'::box[], '{}');

-- ---------------------------------------------------------------- threshold_by_area
-- Gold [0,10]x[0,10] (area 100), test [0,10]x[0,6]: IoU 60/100 = 0.6.
-- [[50,0.9],[150,0.5]] -> threshold at area 100 = 0.7 -> not matched;
-- [[50,0.7],[150,0.3]] -> 0.5 -> matched; [[10,0.2],[20,0.9]] -> clamped to 0.9 -> not matched.
SELECT opt, string_agg(status, ',' ORDER BY status) AS statuses
FROM unnest(ARRAY['{"threshold_by_area": [[50,0.9],[150,0.5]]}',
                  '{"threshold_by_area": [[50,0.7],[150,0.3]]}',
                  '{"threshold_by_area": [[10,0.2],[20,0.9]]}']::jsonb[]) opt,
     annqa.match(ARRAY[box '((0,0),(10,10))'], '{a}', ARRAY[box '((0,0),(10,6))'], '{a}', 0.5, opt) m
GROUP BY opt ORDER BY opt::text;

-- ---------------------------------------------------------------- threshold 0 still needs overlap
-- CVAT drops assigned pairs with similarity 0 even at threshold 0
SELECT status FROM annqa.match(ARRAY[pg_temp.b(0, 1)], '{a}', ARRAY[pg_temp.b(5, 6)], '{a}', 0) ORDER BY 1;

-- ---------------------------------------------------------------- rotated boxes
-- G1 (0,0,10,1,90) vs T1 (5,0,10,1,90): IoU 0 -> missing + extra (CVAT would say 0.33).
-- G2 (0,0,10,2,45) vs T2 identical: matched, 1.
SELECT gold_idx, test_idx, round(similarity::numeric, 12) AS similarity, status
FROM annqa.match(ARRAY['(0,0,10,1,90)'::annqa.rbox, '(0,0,10,2,45)'], '{a,a}',
                 ARRAY['(5,0,10,1,90)'::annqa.rbox, '(0,0,10,2,45)'], '{a,a}');

-- rotated crowd region: G1 crowd (10,10,20,20,0) covers x, y in [0, 20].
--   T1 (5,5,4,4,30): a 4x4 square, corners within 2.83 of (5,5): inside, crowd IoU 16/16 = 1 -> ignored
--   T2 (19,10,4,4,0): x in [17,21]: inside for 3 x 4 = 12 of 16 -> 0.75 -> ignored
--   T3 (21,10,4,4,0): x in [19,23]: 1 x 4 = 4 of 16 -> 0.25 -> extra
SELECT gold_idx, test_idx, round(similarity::numeric, 12) AS similarity, status
FROM annqa.match(ARRAY['(10,10,20,20,0)'::annqa.rbox], '{p}',
                 ARRAY['(5,5,4,4,30)'::annqa.rbox, '(19,10,4,4,0)', '(21,10,4,4,0)'], '{p,p,p}',
                 0.5, '{"gold_crowd": [true]}');

-- ---------------------------------------------------------------- keypoints (OKS)
-- Gold K1 = (0,0),(10,0); K2 = (100,100),(110,100), all visible; area 100 each, sigma 0.1.
-- Test T1 = K2 shifted by 1 in x; T2 = K1 exactly.
-- OKS(K2, T1): every d^2 = 1, e = d^2 / (2 sigma)^2 / area / 2 = 1 / 0.04 / 100 / 2 = 0.125,
-- OKS = exp(-0.125) = 0.882497; OKS(K1, T2) = 1.  Expected G1-T2 1, G2-T1 0.882497.
SELECT gold_idx, test_idx, round(similarity::numeric, 6) AS similarity, status
FROM annqa.match('{{0,0,2,10,0,2},{100,100,2,110,100,2}}'::float8[], '{p,p}',
                 '{{101,100,2,111,100,2},{0,0,2,10,0,2}}'::float8[], '{p,p}',
                 0.5, '{"sigmas": 0.1, "area": [100, 100]}');

-- the OKS matrix of the same objects: K1-T2 1, K2-T1 exp(-0.125) = 0.882497;
-- K1-T1 and K2-T2 are ~140 apart: e = 20201 / 0.04 / 100 / 2 = 2525, exp(-2525) = 0
SELECT array_dims(m) AS dims, m[1][1] AS k1t1, m[1][2] AS k1t2, round(m[2][1]::numeric, 6) AS k2t1, m[2][2] AS k2t2
FROM annqa.oks_matrix('{{0,0,2,10,0,2},{100,100,2,110,100,2}}'::float8[],
                      '{{101,100,2,111,100,2},{0,0,2,10,0,2}}'::float8[],
                      '{"sigmas": 0.1, "area": [100, 100]}') m;

-- Without options.area the similarity is CVAT's (annotation_matching.py,
-- KeypointsMatcher + oks()): visible means v = 2; the box of an object is that
-- of its keypoints with v <> 0; scale = area of the mean of the two boxes;
-- OKS = sum over keypoints visible in both of exp(-d^2 / (2 scale (2 sigma)^2))
-- / number visible in either.  Default sigma 0.09: 2 (2 sigma)^2 = 0.0648.
-- Gold G1 (0,0),(10,10) both v 2.  T1 (0,0) v 2, (10,10) v 1; T2 = G1 + (1,1).
--   G1-T1: boxes equal, scale 100; point 1 d = 0 -> 1; point 2 visible in gold
--     only -> 0 in the sum, 1 in the count: OKS = 1/2 = 0.5.
--   G1-T2: mean box (0.5,0.5)-(10.5,10.5), scale 100; d^2 = 2 for both:
--     exp(-2 / 6.48) = 0.734444 (COCO's OKS with the gold box would give
--     T1 1 and match it).  Expected G1-T2 matched 0.734444, T1 extra.
SELECT gold_idx, test_idx, round(similarity::numeric, 6) AS similarity, status
FROM annqa.match('{{0,0,2,10,10,2}}'::float8[], '{p}', '{{0,0,2,10,10,1},{1,1,2,11,11,2}}'::float8[], '{p,p}', 0.5);
-- scale from both boxes: G (0,0),(10,0),(0,10) and T (0,0),(12,0),(0,12):
-- mean box (0,0)-(11,11), scale 121, d^2 0, 4, 4:
-- (1 + 2 exp(-4 / (2 * 121 * 0.0324))) / 3 = 0.733603
SELECT round(m[1][1]::numeric, 6) AS mean_box_scale
FROM annqa.oks_matrix('{{0,0,2,10,0,2,0,10,2}}'::float8[], '{{0,0,2,12,0,2,0,12,2}}'::float8[]) m;
-- one keypoint each (both boxes of area 0): CVAT scales by the image area;
-- options.image_size [100, 50] -> 5000: exp(-1 / (2 * 5000 * 0.0324)) = 0.996918;
-- without image_size there is no scale: 0, so missing + extra
SELECT round(m[1][1]::numeric, 6) AS image_scale
FROM annqa.oks_matrix('{{5,5,2}}'::float8[], '{{6,5,2}}'::float8[], '{"image_size": [100, 50]}') m;
SELECT gold_idx, test_idx, status FROM annqa.match('{{5,5,2}}'::float8[], '{p}', '{{6,5,2}}'::float8[], '{p}');
-- boxes that do not intersect: CVAT returns 0 (its bug #9957), annqa computes:
-- G (0,0),(4,4), T (5,5),(9,9), sigma 1: mean box (2.5,2.5)-(6.5,6.5), scale 16,
-- d^2 = 50 for both: exp(-50 / (2 * 16 * 4)) = 0.676634, matched at 0.5
SELECT gold_idx, test_idx, round(similarity::numeric, 6) AS similarity, status
FROM annqa.match('{{0,0,2,4,4,2}}'::float8[], '{p}', '{{5,5,2,9,9,2}}'::float8[], '{p}', 0.5, '{"sigmas": 1}');

-- ---------------------------------------------------------------- tags
-- CVAT's tag similarity 0.5 + 0.5 [same label], threshold 0.5.
-- Gold {cat, dog}, test {dog, bird}: pass 1 pairs dog-dog (1); pass 2 pairs
-- the leftovers cat-bird (0.5 >= 0.5): mismatching_label.
SELECT * FROM annqa.match('{cat,dog}'::text[], '{dog,bird}'::text[]);
-- one gold tag, nothing in test: missing
SELECT status FROM annqa.match('{cat}'::text[], '{}'::text[]);

-- ---------------------------------------------------------------- crowding: annqa.overlap_count
-- Pairs of boxes that overlap as && says (closed boxes; PostgreSQL's 1e-6 fuzz).
-- A (0,0)-(1,1), B (1,1)-(2,2), C (3,0)-(4,1), D (0.5,0.5)-(3.5,0.6),
-- E (1.0000005,0)-(2,0.5):
--   A-B touch at the corner (1,1): yes;  A-D: x 0.5-1, y 0.5-0.6: yes;
--   C-D: x 3-3.5, y 0.5-0.6: yes;  B-D: D's y <= 0.6 < 1: no;  A-C, B-C: no;
--   A-E: E starts 5e-7 right of A's edge, within the fuzz: yes;  D-E touch at y 0.5: yes;
--   B-E: E's y <= 0.5 < 1: no;  C-E: x 1-2 against 3-4: no.
-- So A..D: 3 pairs, A..E: 5, and the && self-join agrees.
WITH b(k, g) AS (VALUES (1, box '((0,0),(1,1))'), (2, box '((1,1),(2,2))'), (3, box '((3,0),(4,1))'),
                        (4, box '((0.5,0.5),(3.5,0.6))'), (5, box '((1.0000005,0),(2,0.5))'))
SELECT annqa.overlap_count((SELECT array_agg(g ORDER BY k) FROM b WHERE k <= 4)) AS a_to_d,
       annqa.overlap_count((SELECT array_agg(g ORDER BY k) FROM b)) AS a_to_e,
       (SELECT count(*) FROM b x JOIN b y ON x.k < y.k AND x.g && y.g) AS self_join,
       annqa.overlap_count('{}') AS empty, annqa.overlap_count(ARRAY[box '((0,0),(1,1))']) AS one,
       annqa.overlap_count(array_fill(box '((0,0),(1,1))', ARRAY[4])) AS four_equal;   -- 4 choose 2 = 6
-- bad input: a NULL element (22004), a non-finite corner (22003), two dimensions (22023)
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE q;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
SELECT pg_temp.err($$SELECT annqa.overlap_count(ARRAY[box '((0,0),(1,1))', NULL])$$);
SELECT pg_temp.err($$SELECT annqa.overlap_count(ARRAY[box '((0,0),(1,1))', box '((0,0),(NaN,1))'])$$);
SELECT pg_temp.err($$SELECT annqa.overlap_count(ARRAY[[box '((0,0),(1,1))'], [box '((0,0),(1,1))']])$$);
