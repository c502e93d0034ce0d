-- COCO import, export, validation and the round trip.
-- Reference values: the per-annotator LabelMe COCO files in
-- shared/data/labelme_cars_3annotators (20 images, 20 annotations each; areas
-- summing to 40753.5 / 38691.5 / 40138 and 531 / 412 / 469 polygon vertices
-- for ecyou / mhsieh2 / sngandhi, counted from the files), and pycocotools'
-- areas and boxes in shared/testdata/coco_rle_vectors.json.
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

\set ecyou `cat shared/data/labelme_cars_3annotators/coco_ecyou.json`
\set mhsieh2 `cat shared/data/labelme_cars_3annotators/coco_mhsieh2.json`
\set sngandhi `cat shared/data/labelme_cars_3annotators/coco_sngandhi.json`

-- ecyou is the gold of this test dataset (created as gold before its import)
INSERT INTO annqa.annotator (name, kind) VALUES ('ecyou', 'gold');
SELECT annqa.import_coco('cars', 'ecyou', :'ecyou', 'b1') - 'problems' AS ecyou;
SELECT annqa.import_coco('cars', 'mhsieh2', :'mhsieh2', 'b1') - 'problems' AS mhsieh2;
SELECT annqa.import_coco('cars', 'sngandhi', :'sngandhi', 'b1') - 'problems' AS sngandhi;
-- loading again duplicates nothing
SELECT annqa.import_coco('cars', 'ecyou', :'ecyou', 'b1') - 'problems' AS ecyou_again;
SELECT a.name, a.kind, count(*) AS annotations, sum(n.area) AS area,
       sum(ST_NPoints(n.polygon) - ST_NumGeometries(n.polygon)) AS vertices,
       count(DISTINCT n.item_id) AS items
FROM annqa.annotation n JOIN annqa.annotator a USING (annotator_id) GROUP BY 1, 2 ORDER BY 1;
SELECT count(*) AS items, count(*) FILTER (WHERE width = 64 AND height = 64) AS items_64x64,
       count(DISTINCT batch_id) AS batches FROM annqa.item;

-- the round trip: export the gold and compare with the file, object by object
SELECT annqa.export_coco('cars') AS exported \gset
SELECT (:'exported'::jsonb)->'info'->>'version' AS version, (:'exported'::jsonb)->'info'->>'label_source' AS label_source,
       jsonb_array_length((:'exported'::jsonb)->'images') AS images,
       jsonb_array_length((:'exported'::jsonb)->'annotations') AS annotations;
WITH src AS (
    SELECT i.o->>'file_name' AS file, c.o->>'name' AS cat, a.o
    FROM jsonb_array_elements((:'ecyou'::jsonb)->'annotations') a(o)
    JOIN jsonb_array_elements((:'ecyou'::jsonb)->'images') i(o) ON i.o->'id' = a.o->'image_id'
    JOIN jsonb_array_elements((:'ecyou'::jsonb)->'categories') c(o) ON c.o->'id' = a.o->'category_id'),
dst AS (
    SELECT i.o->>'file_name' AS file, c.o->>'name' AS cat, a.o
    FROM jsonb_array_elements((:'exported'::jsonb)->'annotations') a(o)
    JOIN jsonb_array_elements((:'exported'::jsonb)->'images') i(o) ON i.o->'id' = a.o->'image_id'
    JOIN jsonb_array_elements((:'exported'::jsonb)->'categories') c(o) ON c.o->'id' = a.o->'category_id')
SELECT count(*) AS source_objects,
       count(*) FILTER (WHERE EXISTS (
           SELECT 1 FROM dst WHERE dst.file = src.file AND dst.cat = src.cat
              AND dst.o->'segmentation' = src.o->'segmentation'
              AND annqa.io_float8s(dst.o->'bbox') = annqa.io_float8s(src.o->'bbox')
              AND (dst.o->>'area')::float8 = (src.o->>'area')::float8
              AND dst.o->'iscrowd' = src.o->'iscrowd'))
       AS same_geometry_bbox_area,
       (SELECT count(*) FROM dst) AS exported_objects
FROM src;
-- the export is valid; the source file has one problem: its first image has id 0
SELECT * FROM annqa.validate_coco(:'exported');
SELECT * FROM annqa.validate_coco(:'ecyou');

-- files broken on purpose: every problem is found, at its path
-- (per case: the number of problems, the first path and the first problem text in sort order)
SELECT * FROM annqa.validate_coco(:'exported'::jsonb - 'images');
SELECT * FROM annqa.validate_coco('[]');
SELECT v.case_name, count(*) AS problems, min(p.path) AS first_path, min(p.problem) AS problem FROM (VALUES
    ('duplicate annotation id', jsonb_set(:'exported', '{annotations,1,id}', (:'exported'::jsonb)->'annotations'->0->'id')),
    ('annotation id 0', jsonb_set(:'exported', '{annotations,0,id}', '0')),
    ('unknown image', jsonb_set(:'exported', '{annotations,0,image_id}', '999999')),
    ('unknown category', jsonb_set(:'exported', '{annotations,0,category_id}', '999999')),
    ('bbox outside', jsonb_set(:'exported', '{annotations,0,bbox}', '[60, 4, 10, 10]')),
    ('area inconsistent', jsonb_set(:'exported', '{annotations,0,area}', '9000')),
    ('polygon of 2 points', jsonb_set(:'exported', '{annotations,0,segmentation}', '[[1, 1, 5, 5]]')),
    ('RLE of another size', jsonb_set(:'exported', '{annotations,0,segmentation}', '{"size": [32, 64], "counts": [2048]}')),
    ('RLE area', jsonb_set(jsonb_set(:'exported', '{annotations,0,segmentation}', '{"size": [64, 64], "counts": [5, 10, 4081]}'),
                           '{annotations,0,area}', '11')),
    ('duplicate image id', jsonb_set(:'exported', '{images,1,id}', (:'exported'::jsonb)->'images'->0->'id')),
    ('category id 0', jsonb_set(:'exported', '{categories,0,id}', '0'))
) v(case_name, doc) LEFT JOIN LATERAL annqa.validate_coco(v.doc) p ON true
GROUP BY 1 ORDER BY 1;

-- RLE masks, compressed and uncompressed, against pycocotools: the first 40
-- cases of coco_rle_vectors.json as one file, each case an image
\set vectors `cat shared/testdata/coco_rle_vectors.json`
CREATE TEMP TABLE vec AS
SELECT n, c FROM jsonb_array_elements((:'vectors'::jsonb)->'cases') WITH ORDINALITY v(c, n) WHERE n <= 40;
SELECT annqa.import_coco('rle', 'rle_annotator', jsonb_build_object(
    'images', (SELECT jsonb_agg(jsonb_build_object('id', n, 'file_name', c->>'id', 'width', c->'w', 'height', c->'h')) FROM vec),
    'categories', '[{"id": 1, "name": "thing"}]'::jsonb,
    'annotations', (SELECT jsonb_agg(jsonb_build_object('id', 2 * n, 'image_id', n, 'category_id', 1, 'segmentation', c->'rle_a',
                                                        'iscrowd', 1))
                           || jsonb_agg(jsonb_build_object('id', 2 * n + 1, 'image_id', n, 'category_id', 1,
                                                           'segmentation', jsonb_build_object('size', jsonb_build_array(c->'h', c->'w'),
                                                                                              'counts', c->'counts_a')))
                    FROM vec))) - 'problems' AS rle;
SELECT count(*) AS masks,
       count(*) FILTER (WHERE annqa.area(n.mask) = (v.c->>'area_a')::bigint) AS area_as_pycocotools,
       count(*) FILTER (WHERE annqa.bbox_xywh(n.mask) = annqa.io_float8s(v.c->'bbox_a')
                          AND n.box ~= annqa.xywh((v.c->'bbox_a'->>0)::float8, (v.c->'bbox_a'->>1)::float8,
                                                  (v.c->'bbox_a'->>2)::float8, (v.c->'bbox_a'->>3)::float8)) AS bbox_as_pycocotools,
       count(*) FILTER (WHERE n.is_crowd) AS crowd
FROM annqa.annotation n JOIN annqa.item i USING (item_id) JOIN vec v ON v.c->>'id' = i.uri WHERE n.kind = 'mask';

-- keypoints with their skeleton, and a results file with scores (a model annotator)
SELECT annqa.import_coco('people', 'kp_annotator', '{
  "images": [{"id": 7, "file_name": "p.jpg", "width": 100, "height": 80}],
  "categories": [{"id": 1, "name": "person", "supercategory": "person",
                  "keypoints": ["nose", "left_eye", "right_eye"], "skeleton": [[1, 2], [1, 3]]}],
  "annotations": [{"id": 70, "image_id": 7, "category_id": 1, "bbox": [10, 10, 20, 30], "area": 600, "iscrowd": 0,
                   "num_keypoints": 2, "keypoints": [20, 15, 2, 18, 12, 1, 0, 0, 0],
                   "segmentation": [[10, 10, 30, 10, 30, 40, 10, 40]]}]}') - 'problems' AS keypoints;
SELECT c.name, c.supercategory, c.keypoint_names, c.skeleton, c.source_id FROM annqa.label_class c JOIN annqa.dataset d USING (dataset_id)
WHERE d.name = 'people';
SELECT n.kind, n.keypoints, n.box, n.area, ST_AsText(n.polygon) AS polygon FROM annqa.annotation n JOIN annqa.annotator a USING (annotator_id)
WHERE a.name = 'kp_annotator';
SELECT annqa.import_coco('people', 'detector-v1', '[
  {"image_id": 7, "category_id": 1, "bbox": [11, 10, 19, 30], "score": 0.91},
  {"image_id": 7, "category_id": 1, "bbox": [50, 50, 5, 5], "score": 0.12}]') - 'problems' AS results;
SELECT annqa.import_coco('people', 'detector-v1', '[
  {"image_id": 7, "category_id": 1, "bbox": [11, 10, 19, 30], "score": 0.91},
  {"image_id": 7, "category_id": 1, "bbox": [50, 50, 5, 5], "score": 0.12}]') - 'problems' AS results_again;
SELECT a.kind, n.kind, n.box, n.score FROM annqa.annotation n JOIN annqa.annotator a USING (annotator_id)
WHERE a.name = 'detector-v1' ORDER BY n.score;
-- the export of one annotator carries its keypoints, num_keypoints and the skeleton
SELECT a->'keypoints' AS keypoints, a->'num_keypoints' AS num_keypoints, a->'bbox' AS bbox, a->'area' AS area,
       a->'segmentation' AS segmentation
FROM jsonb_array_elements(annqa.export_coco('people', annotator => 'kp_annotator')->'annotations') a;
SELECT c->'keypoints' AS keypoints, c->'skeleton' AS skeleton
FROM jsonb_array_elements(annqa.export_coco('people', annotator => 'kp_annotator')->'categories') c;
SELECT count(*) AS problems FROM annqa.validate_coco(annqa.export_coco('people', annotator => 'kp_annotator'));

-- bad files: a clear error naming the object, and nothing loaded
SELECT count(*) AS annotations_before FROM annqa.annotation \gset
SELECT pg_temp.err($$SELECT annqa.import_coco('bad', 'x', '{"images": [{"id": 1, "file_name": "a.jpg", "width": 10, "height": 10}], "categories": [{"id": 1, "name": "c"}], "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1]}, {"id": 2, "image_id": 1, "category_id": 1, "bbox": "wide"}]}')$$) AS wrong_type;
SELECT pg_temp.err($$SELECT annqa.import_coco('bad', 'x', '{"images": [{"id": 1, "file_name": "a.jpg", "width": 10, "height": 10}], "categories": [{"id": 1, "name": "c"}], "annotations": [{"id": 1, "image_id": 1, "bbox": [0, 0, 1, 1]}]}')$$) AS missing_field;
SELECT pg_temp.err($$SELECT annqa.import_coco('bad', 'x', '{"images": [{"id": 1, "file_name": "a.jpg", "width": 10, "height": 10}], "categories": [{"id": 1, "name": "c"}]}')$$) AS missing_annotations;
SELECT pg_temp.err($$SELECT annqa.import_coco('bad', 'x', '{"images": [{"id": 1, "file_name": "a.jpg", "width": 10, "height": 10}], "categories": [{"id": 1, "name": "c"}], "annotations": [{"id": 4, "image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1]}, {"id": 4, "image_id": 1, "category_id": 1, "bbox": [0, 0, 2, 2]}]}')$$) AS clashing_ids;
SELECT pg_temp.err($$SELECT annqa.import_coco('bad', 'x', '{"images": [{"id": 1, "file_name": "a.jpg", "width": 10, "height": 10}, {"id": 1, "file_name": "b.jpg", "width": 10, "height": 10}], "categories": [{"id": 1, "name": "c"}], "annotations": []}')$$) AS clashing_image_ids;
SELECT pg_temp.err($$SELECT annqa.import_coco('bad', 'x', '{"images": [{"id": 1, "file_name": "a.jpg", "width": 10, "height": 10}], "categories": [{"id": 1, "name": "c"}], "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "segmentation": {"size": [12, 10], "counts": [120]}}]}')$$) AS mask_size;
SELECT pg_temp.err($$SELECT annqa.import_coco('bad', 'x', '{"images": [{"id": 1, "file_name": "a.jpg", "width": 10, "height": 10}], "categories": [{"id": 1, "name": "c"}], "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "segmentation": {"size": [10, 10], "counts": "zz"}}]}')$$) AS bad_rle_string;
SELECT pg_temp.err($$SELECT annqa.import_coco('bad', 'x', '{"images": [{"id": 1, "file_name": "a.jpg", "width": 10, "height": 10}], "categories": [{"id": 1, "name": "c"}], "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "segmentation": {"size": [10, 10], "counts": [5, 10, 80]}}]}')$$) AS rle_counts_short;
SELECT pg_temp.err($$SELECT annqa.import_coco('people', 'detector-v1', '[{"image_id": 7, "category_id": 1, "bbox": [1, 1, 1, 1]}]')$$) AS result_without_score;
SELECT pg_temp.err($$SELECT annqa.import_coco('bad', 'x', '{"images": [], "categories": [], "annotations": [}')$$) AS truncated_json;
SELECT pg_temp.err($$SELECT annqa.import_coco('bad', 'x', '"a string"')$$) AS not_coco;
SELECT pg_temp.err($$SELECT annqa.import_coco('bad', 'x', '{"images": [], "categories": [], "annotations": []}', on_error => 'ignore')$$) AS bad_on_error;
SELECT count(*) - :annotations_before AS loaded, (SELECT count(*) FROM annqa.dataset WHERE name = 'bad') AS bad_datasets
FROM annqa.annotation;
-- on_error => 'skip' loads the good objects and lists the bad ones
SELECT r - 'problems' AS counts, jsonb_pretty(r->'problems') AS problems FROM annqa.import_coco('skip', 'x', '{"images": [{"id": 1, "file_name": "a.jpg", "width": 10, "height": 10}], "categories": [{"id": 1, "name": "c"}], "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1]}, {"id": 2, "image_id": 5, "category_id": 1, "bbox": [0, 0, 1, 1]}, {"id": 3, "image_id": 1, "category_id": 1, "segmentation": {"size": [10, 10], "counts": "zz"}}, {"id": 4, "image_id": 1, "category_id": 1, "segmentation": {"size": [10, 10], "counts": [5, 10, 85]}}]}', on_error => 'skip') r;

-- export of a release: only a passed release is exported, with its version
INSERT INTO annqa.release (batch_id, dataset_id, dataset_version, decided_by, passed, extension_version)
SELECT b.batch_id, b.dataset_id, 'cars-1.0', 'owner', true, '0.1.0' FROM annqa.batch b JOIN annqa.dataset d USING (dataset_id) WHERE d.name = 'cars';
INSERT INTO annqa.release (batch_id, dataset_id, dataset_version, decided_by, passed, extension_version)
SELECT b.batch_id, b.dataset_id, 'cars-0.9', 'owner', false, '0.1.0' FROM annqa.batch b JOIN annqa.dataset d USING (dataset_id) WHERE d.name = 'cars';
SELECT e->'info'->>'version' AS version, (e->'info'->>'release')::bigint = r.release_id AS release,
       jsonb_array_length(e->'annotations') AS annotations
FROM annqa.release r, LATERAL annqa.export_coco('cars', r.release_id) e WHERE r.dataset_version = 'cars-1.0';
SELECT annqa.export_coco('cars')->'info'->>'version' AS latest_version;
SELECT pg_temp.err(format('SELECT annqa.export_coco(%L, %s)', 'cars', release_id)) FROM annqa.release WHERE dataset_version = 'cars-0.9';
SELECT pg_temp.err($$SELECT annqa.export_coco('nope')$$);

-- ---------------------------------------------------------------- found by a differential run against pycocotools (2026-11-28)
-- (1) a bbox whose corners do not give it back exactly ((0.1 + 0.3) - 0.1 =
--     0.30000000000000004) is exported as the file gave it, area 0.3 x 1;
-- (2) an area-less polygon of two identical squares (1,1)-(8,8): the area is the
--     pixels of their union, 7 x 7 = 49 (pycocotools: area(merge(frPyObjects))),
--     not the sum of the parts (98);
-- (3) num_keypoints is the file's own (0 here, which makes COCOeval ignore it);
-- (4) polygon coordinates do not depend on extra_float_digits.
SET extra_float_digits = 0;
SELECT annqa.import_coco('coco-edge', 'g', '{
  "images": [{"id": 1, "file_name": "a.jpg", "width": 20, "height": 15}],
  "categories": [{"id": 1, "name": "c"}],
  "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0.1, 0, 0.3, 1], "iscrowd": 0},
                  {"id": 2, "image_id": 1, "category_id": 1, "bbox": [1, 1, 7, 7], "iscrowd": 0,
                   "segmentation": [[1, 1, 8, 1, 8, 8, 1, 8], [1, 1, 8, 1, 8, 8, 1, 8]]},
                  {"id": 3, "image_id": 1, "category_id": 1, "bbox": [2, 2, 1, 1], "area": 1, "iscrowd": 0,
                   "num_keypoints": 0, "keypoints": [2, 2, 2, 3, 3, 1]},
                  {"id": 4, "image_id": 1, "category_id": 1, "bbox": [5, 0.4, 11.3, 9.8], "area": 50, "iscrowd": 0,
                   "segmentation": [[6.099999999999999, 9.500000000000002, 16.099999999999998, 0.4000000000000001, 5.000000000000002, 10.199999999999996, 16.3, 1.7]]}]}') - 'problems' AS counts;
RESET extra_float_digits;
SELECT (a->>'id')::int - min((a->>'id')::int) OVER () + 1 AS n, a->'bbox' AS bbox, a->'area' AS area, a->'num_keypoints' AS num_keypoints
FROM jsonb_array_elements(annqa.export_coco('coco-edge', annotator => 'g')->'annotations') a ORDER BY 1;
SELECT ST_XMin(n.polygon) = 5.000000000000002::float8 AND ST_XMax(n.polygon) = 16.3::float8 AS exact_polygon
FROM annqa.annotation n JOIN annqa.annotator a USING (annotator_id) WHERE a.name = 'g' AND n.source_ref = 'coco:4';
-- (5) a results file as pycocotools' loadRes reads it: iscrowd 0 and the area of
--     the box (4 x 5 = 20), whatever the file says; a keypoints result's box spans
--     all its points, v = 0 included: (2,3)-(18,14), area 16 x 11 = 176; the
--     export carries the score
SELECT annqa.import_coco('coco-edge', 'det', '[
  {"image_id": 1, "category_id": 1, "bbox": [2, 3, 4, 5], "score": 0.9, "iscrowd": 1, "area": 7},
  {"image_id": 1, "category_id": 1, "keypoints": [2, 3, 2, 10, 4, 1, 18, 14, 0], "score": 0.7}]') - 'problems' AS results;
SELECT a->'bbox' AS bbox, a->'area' AS area, a->'iscrowd' AS iscrowd, a->'score' AS score
FROM jsonb_array_elements(annqa.export_coco('coco-edge', annotator => 'det')->'annotations') a ORDER BY a->>'score' DESC;

-- (6) an integral id written as a float (1.0) is the same id as 1, as in Python:
--     images and categories with 1.0 / 2.0, annotations referring to 1 / 2, and a
--     results file referring to 1.0 / 2 all find them
SELECT annqa.import_coco('coco-ids', 'g', '{
  "images": [{"id": 1.0, "file_name": "a.jpg", "width": 20, "height": 15}],
  "categories": [{"id": 2.0, "name": "c"}],
  "annotations": [{"id": 5, "image_id": 1, "category_id": 2, "bbox": [1, 1, 2, 2], "iscrowd": 0}]}') - 'problems' AS float_ids;
SELECT annqa.import_coco('coco-ids', 'det', '[{"image_id": 1.0, "category_id": 2, "bbox": [1, 1, 2, 2], "score": 0.5}]') - 'problems' AS float_ids_results;

-- clean up for the tests that follow
DELETE FROM annqa.release;
DELETE FROM annqa.dataset;
DELETE FROM annqa.annotator;
