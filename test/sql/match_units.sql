-- Object units and consensus: hand-built scenes, then the LabelMe cars
-- outlined by 3 annotators (../shared/data/labelme_cars_3annotators).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS annqa CASCADE;
RESET client_min_messages;
SET extra_float_digits = 0;

CREATE FUNCTION pg_temp.b(x0 float8, x1 float8) RETURNS box
    LANGUAGE sql IMMUTABLE RETURN box(point(x0, 0), point(x1, 10));

-- Scene (every box spans y in [0, 10]; IoU = overlap / union of x intervals):
--   r1: o1 cat [0,10], o2 cat [50,60];  r2: o3 cat [1,11], o4 dog [100,110];
--   r3: o5 dog [0,10], o6 cat [52,62].
-- IoU: o1-o5 1, o1-o3 9/11, o3-o5 9/11, o2-o6 8/12; nothing else overlaps.
-- Units (threshold 0.5), numbered by their smallest member:
--   1 = {o1, o3, o5}; 2 = {o2, o6} (r2 absent); 3 = {o4} (r1, r3 absent).
CREATE TEMP TABLE sc AS
SELECT ARRAY[pg_temp.b(0, 10), pg_temp.b(50, 60), pg_temp.b(1, 11), pg_temp.b(100, 110),
             pg_temp.b(0, 10), pg_temp.b(52, 62)] AS g,
       '{cat,cat,cat,dog,dog,cat}'::text[] AS l, '{r1,r1,r2,r2,r3,r3}'::text[] AS a;
SELECT u.* FROM sc, annqa.object_units(g, l, a, 0.5) u;
-- an explicit rater list adds r4, who drew nothing: NULL in every unit
SELECT u.unit, count(*) AS raters, count(label) AS labelled,
       count(*) FILTER (WHERE annotator = 'r4' AND label IS NULL) AS r4_absent
FROM sc, annqa.object_units(g, l, a, 0.5, '{r1,r2,r3,r4}') u GROUP BY 1 ORDER BY 1;

-- At most one object per annotator: r1 p1 [0,10]; r2 p2 [0,10] and p3 [0.5,10.5].
-- p1 pairs with p2 (IoU 1); p3 cannot join: units {p1, p2} and {p3}.
SELECT u.* FROM annqa.object_units(ARRAY[pg_temp.b(0, 10), pg_temp.b(0, 10), pg_temp.b(0.5, 10.5)],
                                   '{x,x,x}', '{r1,r2,r2}', 0.5) u;
-- Every member above the threshold against every other: q1 [0,10], q2 [3,13],
-- q3 [6,16]: q1-q2 and q2-q3 7/13 = 0.538, but q1-q3 4/16 = 0.25, so q3 may
-- not join {q1, q2}: units {q1, q2} and {q3}.
SELECT u.* FROM annqa.object_units(ARRAY[pg_temp.b(0, 10), pg_temp.b(3, 13), pg_temp.b(6, 16)],
                                   '{x,x,x}', '{r1,r2,r3}', 0.5) u;

-- Rotated boxes: r1 (0,0,10,2,45) and r2's identical box form unit 1 (IoU 1);
-- r1's (50,50,4,4,0) overlaps nothing: unit 2, r2 absent.
SELECT u.* FROM annqa.object_units(ARRAY['(0,0,10,2,45)'::annqa.rbox, '(50,50,4,4,0)', '(0,0,10,2,45)'],
                                   '{car,car,car}', '{r1,r1,r2}', 0.5) u;

-- Consensus of the first scene (threshold 0.5, quorum 0.5 of 3 raters: 2 votes):
--   unit 1: cat 2 votes (dog 1): kept, score 2/3.  Mean box x [1/3, 31/3];
--     IoU with it: o1 and o5 (29/3)/(31/3) = 0.9355, o3 (28/3)/11 = 0.8485:
--     the nearest is o1 (first on the tie) -> (10,10),(0,0).
--     Mean pairwise IoU (9/11 + 1 + 9/11)/3 = 0.878788.
--   unit 2: cat 2 votes: kept; mean box x [51, 61]; o2 and o6 both 9/11 -> o2
--     (60,10),(50,0); mean pairwise IoU 8/12 = 0.666667.
--   unit 3: dog 1 vote < 2: dropped.
SELECT c.unit, c.label, c.geom, c.support, round(c.score::numeric, 6) AS score,
       round(c.mean_iou::numeric, 6) AS mean_iou, c.members
FROM sc, annqa.consensus(g, l, a, 0.5) c;
-- options.fuse = 'mean' averages the members instead: unit 1 (10.3333,10),(0.3333,0)
SELECT c.unit, round((c.geom[0])[0]::numeric, 4) AS hx, round((c.geom[1])[0]::numeric, 4) AS lx
FROM sc, annqa.consensus(g, l, a, 0.5, 0.5, '{"fuse": "mean"}') c;
-- quorum 1 (all 3 must agree): nothing is kept
SELECT count(*) AS unanimous FROM sc, annqa.consensus(g, l, a, 0.5, 1.0) c;

-- Tags: labels {cat, cat, dog, cat, bird} by {a, b, c, a, d}: 4 raters, cat
-- has 2 distinct voters (a counted once), dog 1, bird 1.  Quorum 0.5 needs 2:
-- cat, score 2/4.  With a fifth rater e, 3 votes are needed: nothing.
SELECT * FROM annqa.consensus('{cat,cat,dog,cat,bird}'::text[], '{a,b,c,a,d}'::text[]);
SELECT count(*) AS none FROM annqa.consensus('{cat,cat,dog,cat,bird}'::text[], '{a,b,c,a,d}'::text[], 0.5, '{a,b,c,d,e}');

-- ---------------------------------------------------------------- LabelMe cars, 3 annotators
-- 20 images of 64 x 64, one car each, outlined by ecyou, mhsieh2, sngandhi
-- (8 more objects are marked deleted).  Units are formed on the polygons'
-- bounding boxes.  The label names differ between annotators (car, truck,
-- car_276, acar_618, ...).
CREATE TEMP TABLE lm_raw (image_file text, labelme_xml text, annotator text, annotator_slot int,
                          object_id int, name text, deleted int, width int, height int,
                          bbox_xywh text, polygon_xy text);
\copy lm_raw FROM 'shared/data/labelme_cars_3annotators/polygons_long.csv' WITH (FORMAT csv, HEADER true)
CREATE TEMP TABLE lm AS
SELECT image_file, annotator, name, deleted = 1 AS deleted,
       annqa.xywh(b[1], b[2], b[3], b[4]) AS bbox
FROM (SELECT *, ARRAY(SELECT jsonb_array_elements_text(bbox_xywh::jsonb)::float8) AS b FROM lm_raw) r;
SELECT count(*) AS objects, count(*) FILTER (WHERE deleted) AS deleted, count(DISTINCT image_file) AS images FROM lm;

CREATE TEMP TABLE lm_units AS
SELECT i.image_file, u.*
FROM (SELECT image_file, array_agg(bbox ORDER BY annotator, name) AS g, array_agg(name ORDER BY annotator, name) AS l,
             array_agg(annotator ORDER BY annotator, name) AS a
      FROM lm WHERE NOT deleted GROUP BY image_file) i,
     annqa.object_units(i.g, i.l, i.a, 0.5) u;
-- Reference, independent of object_units: an image forms a single unit of
-- all three annotators exactly when every pair of its three boxes has
-- IoU >= 0.5, computed here with PostgreSQL's own box operators.
WITH pairs AS (
    SELECT x.image_file,
           min(coalesce(area(x.bbox # y.bbox), 0) / (area(x.bbox) + area(y.bbox) - coalesce(area(x.bbox # y.bbox), 0))) AS min_iou
    FROM lm x JOIN lm y ON x.image_file = y.image_file AND x.annotator < y.annotator
    WHERE NOT x.deleted AND NOT y.deleted GROUP BY 1),
got AS (
    SELECT image_file, max(unit) AS units, count(label) FILTER (WHERE unit = 1) AS in_unit_1
    FROM lm_units GROUP BY 1)
SELECT count(*) AS images,
       count(*) FILTER (WHERE p.min_iou >= 0.5) AS all_pairs_overlap,
       count(*) FILTER (WHERE (p.min_iou >= 0.5) = (g.units = 1 AND g.in_unit_1 = 3)) AS units_agree_with_reference
FROM pairs p JOIN got g USING (image_file);
-- one row per unit and rater; rows with a NULL label mark a rater absent from a unit
SELECT count(*) AS rows, count(DISTINCT (image_file, unit)) AS units, count(*) FILTER (WHERE label IS NULL) AS absent
FROM lm_units;
-- the label names inside units: the annotators disagree on names
SELECT annotator, label, count(*) AS n FROM lm_units
WHERE label IN ('car', 'truck', 'mirror') OR label IS NULL GROUP BY 1, 2 ORDER BY 1, 2;

-- Including the deleted objects: the same annotator's duplicate outline of
-- a car can never share a unit with that annotator's other outline.
SELECT count(*) AS units_with_two_objects_of_one_rater
FROM (SELECT image_file, unit, annotator FROM (
          SELECT i.image_file, u.*
          FROM (SELECT image_file, array_agg(bbox ORDER BY annotator, name, deleted) AS g,
                       array_agg(name ORDER BY annotator, name, deleted) AS l,
                       array_agg(annotator ORDER BY annotator, name, deleted) AS a
                FROM lm GROUP BY image_file) i,
               annqa.object_units(i.g, i.l, i.a, 0.5) u) x
      WHERE label IS NOT NULL GROUP BY 1, 2, 3 HAVING count(*) > 1) d;

-- Object-level agreement on the label names: units as items, annotators as
-- raters.  Every unit here has all three annotators (60 ratings, 20 units),
-- so Fleiss needs no '<none>' category.  Names without their numeric suffix:
-- 58 x car, 1 x truck, 1 x acar; 18 units say car three times and 2 units
-- say (car, car, other).  By hand:
--   Fleiss: P_i = 1 on 18 units and (2^2 + 1 - 3)/(3*2) = 1/3 on 2, so
--   Pbar = (18 + 2/3)/20 = 14/15; Pe = (58^2 + 1 + 1)/60^2 = 3366/3600;
--   kappa = (14/15 - 3366/3600)/(1 - 3366/3600) = -6/234 = -1/39.
--   Krippendorff nominal: the 2 mixed units give 4 off-diagonal coincidences
--   (2*1/(3-1) each way), n = 60, sum_{c<>k} n_c n_k = 3600 - 3366 = 234, so
--   alpha = 1 - 59*4/234 = -1/117.
--   Percent agreement: 18 units of 1 and 2 units of 1/3: 14/15.
-- 93 % raw agreement with a kappa below zero: the prevalence paradox of a
-- single dominant class.
CREATE TEMP VIEW lm_r AS
SELECT image_file || '/' || unit AS item, annotator, label AS raw,
       regexp_replace(label, '_[0-9]+$', '') AS norm FROM lm_units;
SELECT count(*) AS ratings, count(DISTINCT item) AS units, count(raw) AS labelled FROM lm_r;
SELECT abs(annqa.fleiss_kappa(item, annotator, norm) - (-1.0 / 39)) < 1e-12 AS fleiss_is_minus_1_39,
       abs(annqa.krippendorff_alpha(item, annotator, norm, 'nominal') - (-1.0 / 117)) < 1e-12 AS alpha_is_minus_1_117,
       abs(annqa.percent_agreement(item, annotator, norm) - 14.0 / 15) < 1e-12 AS pa_is_14_15
FROM lm_r;
-- The raw names (car, car_276, acar_618, truck, ...) against the plain-SQL
-- GROUP BY formulas of Fleiss (1971) and Krippendorff's nominal alpha
-- (coincidences o_ck = sum_u n_uc n_uk / (m_u - 1)), computed here without annqa.
WITH nij AS (SELECT item, raw AS label, count(*)::float8 AS n FROM lm_r GROUP BY 1, 2),
ni AS (SELECT item, sum(n) AS m, sum(n * n) AS s FROM nij GROUP BY 1),
p AS (SELECT label, sum(n) / (SELECT sum(m) FROM ni) AS pj FROM nij GROUP BY 1),
fleiss AS (SELECT (avg((s - m) / (m * (m - 1))) - (SELECT sum(pj * pj) FROM p))
                  / (1 - (SELECT sum(pj * pj) FROM p)) AS ref FROM ni),
nc AS (SELECT label, sum(n) AS n FROM nij GROUP BY 1),
alpha AS (SELECT 1 - ((SELECT sum(n) FROM nc) - 1) * (SELECT sum((m * m - s) / (m - 1)) FROM ni WHERE m > 1)
                 / ((SELECT sum(n) FROM nc) ^ 2 - (SELECT sum(n * n) FROM nc)) AS ref),
got AS (SELECT annqa.fleiss_kappa(item, annotator, raw) AS kappa,
               annqa.krippendorff_alpha(item, annotator, raw, 'nominal') AS alpha FROM lm_r)
SELECT round(kappa::numeric, 4) AS fleiss_raw, abs(kappa - fleiss.ref) < 1e-12 AS fleiss_equals_sql,
       round(alpha::numeric, 4) AS alpha_raw, abs(alpha - alpha.ref) < 1e-12 AS alpha_equals_sql,
       kappa < -0.1 AND alpha < -0.1 AS raw_names_disagree
FROM got, fleiss, alpha;
-- Here, the raw share of units where all three names agree:
SELECT count(*) AS units,
       count(*) FILTER (WHERE n_names = 1 AND n_labels = 3) AS all_three_same_name,
       count(*) FILTER (WHERE n_norm = 1 AND n_labels = 3) AS same_after_dropping_suffix
FROM (SELECT image_file, unit, count(DISTINCT label) AS n_names, count(label) AS n_labels,
             count(DISTINCT regexp_replace(label, '_[0-9]+$', '')) AS n_norm
      FROM lm_units GROUP BY 1, 2) x;

-- Consensus on the 20 images (quorum 0.5 of 3 raters: 2 equal names needed).
-- From the name table above: ecyou says 'car' 20 times, mhsieh2 'car' 19 times
-- and 'truck' once, sngandhi always a suffixed name: 19 units have two 'car'
-- votes, and the truck image has no majority.
SELECT count(*) AS consensus_objects, count(*) FILTER (WHERE support = 3) AS unanimous,
       string_agg(DISTINCT label, ',') AS labels
FROM (SELECT image_file, array_agg(bbox ORDER BY annotator) AS g, array_agg(name ORDER BY annotator) AS l,
             array_agg(annotator ORDER BY annotator) AS a
      FROM lm WHERE NOT deleted GROUP BY image_file) i,
     annqa.consensus(i.g, i.l, i.a, 0.5) c;

-- CVAT's consensus score (intersect_merge.py: label score x shape score), as cvat_score.
-- A = (0,1)-(29,17) by r2, B = (1,1)-(31,18) by r1, both car: IoU(A, B) = 448 / 526 = 0.851711;
-- the mean box (0.5,1)-(30,17.5): IoU with A 456 / 494.75 = 0.921678, with B 478.5 / 518.25 =
-- 0.923300, so B is the merged box; shape score = (IoU(B, A) + IoU(B, B)) / 2 = 0.925856;
-- label score 2 / 2 = 1: cvat_score 0.925856 (annqa's own score: 1)
SELECT label, geom, support, score, round(mean_iou::numeric, 6) AS mean_iou, round(cvat_score::numeric, 6) AS cvat_score
FROM annqa.consensus(ARRAY[box '(0,1),(29,17)', box '(1,1),(31,18)'], '{car,car}', '{r2,r1}');
