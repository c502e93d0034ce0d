-- The release gate's export_format check: annqa.coco_export_problems(dataset_id)
-- finds relationally the problems annqa.validate_coco(annqa.export_coco(dataset))
-- reports, with the same paths and texts, on rows broken on purpose (where the
-- table constraints allow breaking them), and the gate fails on them.
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

INSERT INTO annqa.annotator (name, kind) VALUES ('g', 'gold'), ('h1', 'human');
INSERT INTO annqa.dataset (name) VALUES ('ex'), ('other');
INSERT INTO annqa.batch (dataset_id, name) SELECT dataset_id, 'b' FROM annqa.dataset WHERE name = 'ex';
INSERT INTO annqa.label_class (dataset_id, name) SELECT dataset_id, 'car' FROM annqa.dataset WHERE name = 'ex';
INSERT INTO annqa.label_class (dataset_id, name) SELECT dataset_id, 'alien' FROM annqa.dataset WHERE name = 'other';
-- images 1..3 are 100 x 100; image 4 has no height (exported, but not an image
-- validate_coco can link an annotation to)
INSERT INTO annqa.item (dataset_id, batch_id, uri, width, height)
SELECT d.dataset_id, b.batch_id, 'ex/' || k, 100, CASE WHEN k = 4 THEN NULL ELSE 100 END
FROM annqa.dataset d JOIN annqa.batch b USING (dataset_id), generate_series(1, 4) k WHERE d.name = 'ex';

CREATE TEMP TABLE obj (tag text PRIMARY KEY, annotation_id bigint);
CREATE FUNCTION pg_temp.add(tag text, uri text, who text, cls text, kind text, b box,
                            m annqa.rle DEFAULT NULL, poly text DEFAULT NULL, rb annqa.rbox DEFAULT NULL,
                            kp float8[] DEFAULT NULL, area float8 DEFAULT NULL) RETURNS void LANGUAGE sql AS $$
    WITH x AS (
        INSERT INTO annqa.annotation (item_id, annotator_id, class_id, kind, box, mask, polygon, rbox, keypoints, area)
        SELECT i.item_id, a.annotator_id, c.class_id, add.kind, add.b, add.m, ST_GeomFromText(add.poly), add.rb,
               add.kp, add.area
        FROM annqa.item i, annqa.annotator a, annqa.label_class c
        WHERE i.uri = add.uri AND a.name = add.who AND c.name = add.cls
        RETURNING annotation_id)
    INSERT INTO obj SELECT add.tag, x.annotation_id FROM x;
$$;
-- valid rows, one of each kind the exporter writes (no problem expected)
SELECT pg_temp.add('ok box', 'ex/1', 'g', 'car', 'box', annqa.xywh(10, 10, 20, 20));
SELECT pg_temp.add('ok mask', 'ex/1', 'g', 'car', 'mask', annqa.xywh(0, 0, 10, 10), annqa.rle_from_box(annqa.xywh(0, 0, 10, 10), 100, 100));
SELECT pg_temp.add('ok polygon', 'ex/1', 'g', 'car', 'polygon', annqa.xywh(0, 0, 10, 10), poly => 'POLYGON((0 0,10 0,10 10,0 10,0 0))');
SELECT pg_temp.add('ok rbox', 'ex/1', 'g', 'car', 'rbox', annqa.xywh(40, 40, 20, 20), rb => annqa.rbox(50, 50, 20, 20, 0));
SELECT pg_temp.add('ok keypoints', 'ex/1', 'g', 'car', 'keypoints', annqa.xywh(10, 10, 5, 5), kp => '{10,10,2,15,15,2}');
-- a rater's object is not exported, however broken
SELECT pg_temp.add('rater, not exported', 'ex/1', 'h1', 'car', 'box', annqa.xywh(500, 500, 10, 10));
-- broken on purpose
SELECT pg_temp.add('box outside', 'ex/2', 'g', 'car', 'box', annqa.xywh(95, 0, 10, 10));
SELECT pg_temp.add('area > box', 'ex/2', 'g', 'car', 'box', annqa.xywh(0, 0, 10, 10), area => 500);
SELECT pg_temp.add('mask size', 'ex/2', 'g', 'car', 'mask', annqa.xywh(0, 0, 10, 10), annqa.rle_from_box(annqa.xywh(0, 0, 10, 10), 50, 60));
SELECT pg_temp.add('mask area', 'ex/2', 'g', 'car', 'mask', annqa.xywh(0, 0, 10, 10), annqa.rle_from_box(annqa.xywh(0, 0, 10, 10), 100, 100), area => 50);
SELECT pg_temp.add('mask area > box', 'ex/2', 'g', 'car', 'mask', annqa.xywh(0, 0, 5, 5), annqa.rle_from_box(annqa.xywh(0, 0, 10, 10), 100, 100));
SELECT pg_temp.add('other class', 'ex/2', 'g', 'alien', 'box', annqa.xywh(0, 0, 10, 10));
SELECT pg_temp.add('polygon area', 'ex/3', 'g', 'car', 'polygon', annqa.xywh(0, 0, 10, 10), poly => 'POLYGON((0 0,10 0,10 10,0 10,0 0))', area => 1000);
SELECT pg_temp.add('rbox without box', 'ex/3', 'g', 'car', 'rbox', NULL, rb => annqa.rbox(50, 50, 20, 20, 0));
SELECT pg_temp.add('keypoints without box', 'ex/3', 'g', 'car', 'keypoints', NULL, kp => '{10,10,2}');
SELECT pg_temp.add('no height', 'ex/4', 'g', 'car', 'box', annqa.xywh(0, 0, 10, 10));
-- an annotation id 0 (identity columns take explicit values)
INSERT INTO annqa.annotation (annotation_id, item_id, annotator_id, class_id, kind, box)
SELECT 0, i.item_id, a.annotator_id, c.class_id, 'box', annqa.xywh(1, 1, 2, 2)
FROM annqa.item i, annqa.annotator a, annqa.label_class c WHERE i.uri = 'ex/3' AND a.name = 'g' AND c.name = 'car';
INSERT INTO obj VALUES ('id 0', 0);

-- What validate_coco reports, by hand (images sorted by id, annotations by id):
--   images[3]: ex/4 has no height: 'width and height are not positive integers';
--   box outside: x + w = 105 > 100: 'bbox [95, 0, 10, 10] is not inside its 100 x 100 image';
--   area > box: 500 > 10 * 10: 'area 500 is larger than its bbox';
--   mask size: 'RLE size [50, 60] is not the image size [100, 100]';
--   mask area: the 10 x 10 mask has 100 pixels: 'area 50 is not the RLE's 100 pixels';
--   mask area > box: 100 pixels in a 5 x 5 bbox: 'area 100 is larger than its bbox';
--   other class: 'category_id <id> is not a category of the file';
--   polygon area: |1000 - 100| > perimeter 40 + 1: 'area 1000 is far from the polygons' area 100';
--   rbox without box, keypoints without box: 'bbox is missing or not 4 numbers';
--     the keypoints row also has no area (its area is the bbox's): 'area is missing or not a number >= 0';
--   no height: 'image_id <id> is not an image of the file';
--   id 0: 'id is 0'.
CREATE TEMP TABLE doc AS SELECT annqa.export_coco('ex') AS d;
CREATE TEMP TABLE by_validator AS
SELECT v.path, v.problem FROM doc, annqa.validate_coco(doc.d) v;
CREATE TEMP TABLE by_relations AS
SELECT p.path, p.problem FROM annqa.dataset ds, annqa.coco_export_problems(ds.dataset_id) p WHERE ds.name = 'ex';
-- every problem, named by the object broken on purpose (ids vary between runs)
SELECT coalesce(o.tag, r.path) AS object,
       regexp_replace(r.problem, '(category_id|image_id) [0-9]+', '\1 <id>') AS problem
FROM by_relations r
LEFT JOIN doc ON r.path LIKE 'annotations[%'
LEFT JOIN obj o ON o.annotation_id = (doc.d -> 'annotations' -> (substring(r.path FROM '\[(\d+)\]')::int) ->> 'id')::bigint
ORDER BY r.path COLLATE "C", r.problem;
-- the same rows as validate_coco: counts, and the disagreements (0 rows)
SELECT (SELECT count(*) FROM by_validator) AS validate_coco, (SELECT count(*) FROM by_relations) AS relational;
(SELECT 'only validate_coco' AS side, * FROM by_validator EXCEPT ALL SELECT 'only validate_coco', * FROM by_relations)
UNION ALL
(SELECT 'only relational', * FROM by_relations EXCEPT ALL SELECT 'only relational', * FROM by_validator);

-- the gate fails on them: export_format counts the 13 relational problems plus the
-- problems validate_coco finds in the export of the sample items (the 4 images, all
-- in the batch, are the planned audit sample here: the same 13 again), 26
SELECT annqa.refresh_matches();   -- the stored match rows of ex and other (no stale WARNING)
SELECT c.check_name, c.value, c.passed, left(c.detail, 170) AS detail
FROM annqa.release_checks(annqa.batch_id('b', 'ex')) c WHERE c.check_name = 'export_format';
CREATE TEMP TABLE verdict (passed boolean, failing text[]);
DO $$
DECLARE
    p boolean;
    f text[];
BEGIN
    SET LOCAL client_min_messages = error;
    CALL annqa.release_gate('b', 'v1', 'owner', p, f, 'ex');
    INSERT INTO verdict VALUES (p, f);
END $$;
SELECT passed, 'export_format' = ANY (failing) AS export_format_failed FROM verdict;
SELECT r.checks -> 4 ->> 'check' AS check, r.checks -> 4 ->> 'value' AS value, r.checks -> 4 ->> 'passed' AS passed
FROM annqa.release r JOIN annqa.dataset d USING (dataset_id) WHERE d.name = 'ex';

-- fixed, the dataset exports cleanly: no problem either way
DELETE FROM annqa.annotation WHERE annotation_id IN (SELECT annotation_id FROM obj WHERE tag NOT LIKE 'ok %' AND tag NOT LIKE 'rater%');
UPDATE annqa.item SET height = 100 WHERE uri = 'ex/4';
SELECT (SELECT count(*) FROM annqa.validate_coco(annqa.export_coco('ex'))) AS validate_coco,
       (SELECT count(*) FROM annqa.dataset ds, annqa.coco_export_problems(ds.dataset_id) WHERE ds.name = 'ex') AS relational;

-- the same pass names, for each exported kind, the item of its first gold annotation
-- (the gate exports those items for real with the audit sample): as a direct query says
SELECT s.kind, s.item_id = f.item_id AS same_item
FROM annqa.dataset ds
CROSS JOIN LATERAL annqa.coco_export_scan(ds.dataset_id) s
JOIN (SELECT DISTINCT ON (n.kind) n.kind, n.item_id
      FROM annqa.annotation n JOIN annqa.item i USING (item_id) JOIN annqa.annotator a USING (annotator_id)
      JOIN annqa.dataset d2 ON d2.dataset_id = i.dataset_id
      WHERE d2.name = 'ex' AND a.kind = 'gold' AND n.class_id IS NOT NULL AND i.width IS NOT NULL
        AND n.kind IN ('box', 'rbox', 'polygon', 'mask', 'keypoints')
      ORDER BY n.kind, n.annotation_id) f ON f.kind = s.kind
WHERE ds.name = 'ex' AND s.path IS NULL
ORDER BY 1;

-- the check's fast path, annqa.io_box_within(b, w, h), is exactly the comparisons
-- low >= 0, low <= high, high <= (w, h) with SQL's float8 semantics (NaN above every
-- number).  Expected, by hand: t (on the edges), f (w short by 0.001), f (low.x < 0),
-- f ('((NaN,0),(1,1))' reads as high (NaN,1), low (1,0): NaN <= 10 is false),
-- t (the same with w NaN: NaN <= NaN), t (infinite image).
SELECT annqa.io_box_within(b, w, h) AS fast,
       (b[1])[0] >= 0 AND (b[1])[1] >= 0 AND (b[1])[0] <= (b[0])[0] AND (b[1])[1] <= (b[0])[1]
       AND (b[0])[0] <= w AND (b[0])[1] <= h AS by_sql
FROM (VALUES (1, box '((0,0),(10,10))', 10::float8, 10::float8), (2, box '((0,0),(10,10))', 9.999, 10),
             (3, box '((-0.001,0),(1,1))', 10, 10), (4, box '((NaN,0),(1,1))', 10, 10),
             (5, box '((NaN,0),(1,1))', 'NaN', 10), (6, box '((0,0),(1,1))', 'Infinity', 'Infinity')) v(k, b, w, h)
ORDER BY k;

-- a row the exporter cannot write at all: export_coco raises, the relational
-- check reports it instead of aborting the gate
SELECT pg_temp.add('infinite box', 'ex/2', 'g', 'car', 'box', box '((0,0),(Infinity,10))');
SELECT pg_temp.err($$SELECT annqa.export_coco('ex')$$);
SELECT p.path, p.problem FROM annqa.dataset ds, annqa.coco_export_problems(ds.dataset_id) p WHERE ds.name = 'ex';

-- leave the model empty for the tests that follow
DELETE FROM annqa.dataset;
DELETE FROM annqa.annotator;
