-- Load the demo data client-side (psql runs in ../shared/data).
CREATE SCHEMA demo;

-- KSCGR "ham egg" cooking video: 4,983 frames, two annotators, COCO xywh boxes.
CREATE TABLE demo.kscgr_raw (frame int, annotator text, label text, box_id int,
                             x float8, y float8, w float8, h float8, frame_file text);
\copy demo.kscgr_raw FROM PROGRAM 'zcat kscgr_boxes_2annotators/boxes_long.csv.gz' WITH (FORMAT csv, HEADER true)
CREATE TABLE demo.kscgr AS
SELECT row_number() OVER () AS id, frame, annotator, label, box_id, annqa.xywh(x, y, w, h) AS b FROM demo.kscgr_raw;

-- LabelMe cars: 20 images, 3 annotators, one polygon each (plus deleted objects).
CREATE TABLE demo.labelme_raw (image_file text, labelme_xml text, annotator text, annotator_slot int,
                               object_id int, name text, deleted int, width int, height int,
                               bbox_xywh jsonb, polygon_xy jsonb);
\copy demo.labelme_raw FROM 'labelme_cars_3annotators/polygons_long.csv' WITH (FORMAT csv, HEADER true)
CREATE TABLE demo.labelme AS
SELECT image_file, annotator, object_id, name, deleted = 1 AS deleted, width, height,
       ARRAY(SELECT jsonb_array_elements_text(bbox_xywh)::float8) AS xywh,
       ARRAY(SELECT jsonb_array_elements_text(polygon_xy)::float8) AS xy
FROM demo.labelme_raw;
ANALYZE;

-- ================================================================ the data model
-- Both datasets go into the annqa model: rulebook, annotators, items, annotations.
-- PROVISIONAL GOLD, stated plainly: neither dataset ships a gold standard.  For the
-- demo, KSCGR annotator_1 is copied as the gold annotator "kscgr_gold" on every
-- 10th frame (the gold set), and LabelMe's first annotator (slot 1) is copied as
-- "labelme_gold" on every image.  Gold accuracy of the annotator who IS the gold
-- is therefore 1 by construction; the other annotators' figures are agreement
-- with that annotator, not truth.
INSERT INTO annqa.dataset (name, description) VALUES
  ('kscgr-ham-egg', 'KSCGR cooking video "ham egg": 4,983 frames, 2 annotators, boxes'),
  ('labelme-cars', 'LabelMe cars: 20 images 64x64, 3 annotators, polygons');

INSERT INTO annqa.guideline (dataset_id, version, body)
SELECT dataset_id, 1, 'Draw a tight box (KSCGR) or polygon (LabelMe) around every visible instance.'
FROM annqa.dataset;

INSERT INTO annqa.gate_policy (dataset_id, iou_threshold, min_agreement, audit_sample_size, parameters)
SELECT dataset_id, 0.5, 0.6, CASE WHEN name = 'labelme-cars' THEN 5 ELSE 20 END,
       '{"audit_seed": 2024}'
FROM annqa.dataset;

-- the rulebook: one class per KSCGR label, "car" for LabelMe
INSERT INTO annqa.label_class (dataset_id, name, definition, small_object_area, risk)
SELECT d.dataset_id, l.label, 'a ' || l.label || ' as seen in the kitchen video', 24 * 24,
       CASE WHEN l.label = 'knife' THEN 'safety_critical' ELSE 'normal' END
FROM annqa.dataset d, (SELECT DISTINCT label FROM demo.kscgr_raw) l
WHERE d.name = 'kscgr-ham-egg';
INSERT INTO annqa.label_class (dataset_id, name, definition, positive_examples, negative_examples,
                               occlusion_rule, small_object_area)
SELECT dataset_id, 'car', 'a car, any view', '{images/000000.jpg}', '{}',
       'outline the visible part only', 8 * 8
FROM annqa.dataset WHERE name = 'labelme-cars';

INSERT INTO annqa.annotator (name, kind) VALUES
  ('kscgr_annotator_1', 'human'), ('kscgr_annotator_2', 'human'), ('kscgr_gold', 'gold'),
  ('labelme_gold', 'gold');
INSERT INTO annqa.annotator (name, kind)
SELECT DISTINCT 'labelme_' || annotator, 'human' FROM demo.labelme;

INSERT INTO annqa.batch (dataset_id, name, status)
SELECT dataset_id, 'all', 'in_review' FROM annqa.dataset;

-- KSCGR: one item per frame; gold set = every 10th frame, validation = frames 25 mod 50
INSERT INTO annqa.item (dataset_id, batch_id, uri, video, frame, task_type, in_gold_set, is_validation)
SELECT b.dataset_id, b.batch_id, 'ham_egg/' || f.frame_file, 'ham_egg', f.frame, 'detection',
       f.frame % 10 = 0, f.frame % 50 = 25
FROM (SELECT DISTINCT frame, frame_file FROM demo.kscgr_raw) f,
     annqa.batch b JOIN annqa.dataset d USING (dataset_id)
WHERE d.name = 'kscgr-ham-egg';
INSERT INTO annqa.annotation (item_id, annotator_id, class_id, kind, box, source_ref)
SELECT i.item_id, a.annotator_id, c.class_id, 'box', k.b, 'row ' || k.id
FROM demo.kscgr k
JOIN annqa.item i ON i.uri = 'ham_egg/' || k.frame || '.jpg'
JOIN annqa.annotator a ON a.name = 'kscgr_' || k.annotator
JOIN annqa.label_class c ON c.name = k.label AND c.dataset_id = i.dataset_id;
INSERT INTO annqa.annotation (item_id, annotator_id, class_id, kind, box, source_ref)
SELECT an.item_id, (SELECT annotator_id FROM annqa.annotator WHERE name = 'kscgr_gold'),
       an.class_id, 'box', an.box, an.source_ref
FROM annqa.annotation an JOIN annqa.item i USING (item_id)
WHERE an.annotator_id = (SELECT annotator_id FROM annqa.annotator WHERE name = 'kscgr_annotator_1')
  AND (i.in_gold_set OR i.is_validation);

-- LabelMe: polygons rasterised to masks (mask IoU), box = their bbox; names with "car" are cars
INSERT INTO annqa.item (dataset_id, batch_id, uri, width, height, task_type, in_gold_set)
SELECT DISTINCT b.dataset_id, b.batch_id, l.image_file, l.width, l.height, 'segmentation', true
FROM demo.labelme l, annqa.batch b JOIN annqa.dataset d USING (dataset_id)
WHERE d.name = 'labelme-cars';
INSERT INTO annqa.annotation (item_id, annotator_id, class_id, kind, box, mask, source_ref)
SELECT i.item_id, a.annotator_id, CASE WHEN l.name LIKE '%car%' THEN c.class_id END, 'mask',
       annqa.xywh(l.xywh[1], l.xywh[2], l.xywh[3], l.xywh[4]),
       annqa.rle_from_polygon(l.xy, l.height, l.width), l.object_id::text
FROM demo.labelme l
JOIN annqa.item i ON i.uri = l.image_file
JOIN annqa.annotator a ON a.name = 'labelme_' || l.annotator
JOIN annqa.label_class c ON c.dataset_id = i.dataset_id AND c.name = 'car'
WHERE NOT l.deleted;
INSERT INTO annqa.annotation (item_id, annotator_id, class_id, kind, box, mask, source_ref)
SELECT an.item_id, (SELECT annotator_id FROM annqa.annotator WHERE name = 'labelme_gold'),
       an.class_id, 'mask', an.box, an.mask, an.source_ref
FROM annqa.annotation an
WHERE an.annotator_id = (SELECT a.annotator_id FROM annqa.annotator a
                         WHERE a.name = (SELECT 'labelme_' || min(annotator) FILTER (WHERE annotator_slot = 1)
                                         FROM demo.labelme_raw));
-- the LabelMe cars' real 64 x 64 pictures, read on the client (psql runs base64) and stored in
-- annqa.item_image, so the report draws the overlays on them
CREATE TABLE demo.labelme_image (file text, b64 text);
\copy demo.labelme_image FROM PROGRAM 'cd labelme_cars_3annotators && for f in images/*.jpg; do printf "%s\t" "$f"; base64 -w0 "$f"; echo; done'
INSERT INTO annqa.item_image (item_id, media_type, bytes)
SELECT i.item_id, annqa.image_media_type(decode(m.b64, 'base64')), decode(m.b64, 'base64')
FROM demo.labelme_image m
JOIN annqa.item i ON i.uri = m.file
JOIN annqa.dataset d ON d.dataset_id = i.dataset_id AND d.name = 'labelme-cars';
ANALYZE;

-- the quality views read the stored match rows: compute them once after loading
SELECT annqa.refresh_matches() AS datasets_refreshed;
