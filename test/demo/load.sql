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
