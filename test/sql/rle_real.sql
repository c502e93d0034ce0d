-- Real data: the LabelMe cars of shared/data/labelme_cars_3annotators (three
-- annotators, the same 20 images of 64 x 64, 68 polygons of which 8 deleted).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS annqa CASCADE;
RESET client_min_messages;
SET search_path = public, annqa;  -- for the annqa.= operator on masks

CREATE TEMP TABLE lm (image_file text, labelme_xml text, annotator text, annotator_slot int,
                      object_id int, name text, deleted int, width int, height int,
                      bbox_xywh text, polygon_xy text);
\copy lm FROM 'shared/data/labelme_cars_3annotators/polygons_long.csv' WITH (FORMAT csv, HEADER true)
CREATE TEMP TABLE poly AS
SELECT image_file, annotator, object_id, deleted = 1 AS deleted, height, width,
       ARRAY(SELECT jsonb_array_elements_text(polygon_xy::jsonb)::float8) AS xy
FROM lm;
SELECT count(*) AS polygons, count(*) FILTER (WHERE deleted) AS deleted,
       count(DISTINCT image_file) AS images, count(DISTINCT annotator) AS annotators FROM poly;

-- The WKT of each polygon, closed; PostGIS rasterised through WKB must give the
-- very same mask as frPoly on the coordinate list: IoU exactly 1 for all 68.
CREATE TEMP TABLE wkt AS
SELECT image_file, annotator, object_id, height, width, xy,
       'POLYGON((' || string_agg(xy[2 * i - 1] || ' ' || xy[2 * i], ',' ORDER BY i)
                   || ',' || xy[1] || ' ' || xy[2] || '))' AS wkt
FROM poly, generate_series(1, cardinality(xy) / 2) i
GROUP BY image_file, annotator, object_id, height, width, xy;
SELECT count(*) AS polygons,
       count(*) FILTER (WHERE annqa.iou(annqa.rle_from_geometry(ST_GeomFromText(wkt), height, width),
                                        annqa.rle_from_polygon(xy, height, width)) = 1) AS iou_is_1,
       count(*) FILTER (WHERE annqa.rle_from_geometry(ST_GeomFromText(wkt), height, width)
                              = annqa.rle_from_polygon(xy, height, width)) AS identical
FROM wkt;

-- The COCO files hold the same polygons as the CSV (non-deleted ones):
-- rle_from_coco on their segmentations equals frPoly on the CSV lists.
\set ec `cat shared/data/labelme_cars_3annotators/coco_ecyou.json`
\set mh `cat shared/data/labelme_cars_3annotators/coco_mhsieh2.json`
\set sn `cat shared/data/labelme_cars_3annotators/coco_sngandhi.json`
CREATE TEMP TABLE coco AS
SELECT a.annotator, i->>'file_name' AS file, (i->>'height')::int AS height, (i->>'width')::int AS width,
       ann->'segmentation' AS seg
FROM (VALUES ('ecyou', (:'ec')::jsonb), ('mhsieh2', (:'mh')::jsonb), ('sngandhi', (:'sn')::jsonb)) a(annotator, doc),
     jsonb_array_elements(doc->'annotations') ann,
     jsonb_array_elements(doc->'images') i
WHERE (i->>'id') = (ann->>'image_id');
SELECT count(*) AS coco_annotations,
       count(*) FILTER (WHERE EXISTS (
           SELECT 1 FROM poly p WHERE p.annotator = c.annotator AND p.image_file = 'images/' || c.file
              AND annqa.rle_from_polygon(p.xy, p.height, p.width) = annqa.rle_from_coco(c.seg, c.height, c.width))) AS same_as_csv_polygon
FROM coco c;

-- Pairwise mask IoU between annotators on each image: each annotator's mask
-- is the union of their non-deleted polygons (rle_union_agg).
CREATE TEMP TABLE masks AS
SELECT image_file, annotator, annqa.rle_union_agg(annqa.rle_from_polygon(xy, height, width)) AS m,
       ST_Union(ST_MakeValid(ST_GeomFromText(wkt))) AS g
FROM poly JOIN wkt USING (image_file, annotator, object_id, height, width, xy)
WHERE NOT deleted GROUP BY image_file, annotator;
CREATE TEMP TABLE pairs AS
SELECT a.image_file, a.annotator AS ann_a, b.annotator AS ann_b, a.m AS ma, b.m AS mb,
       annqa.iou(a.m, b.m) AS iou, annqa.iou(b.m, a.m) AS iou_ba,
       ST_Area(ST_Intersection(a.g, b.g)) / ST_Area(ST_Union(a.g, b.g)) AS exact_iou,
       annqa.rle_to_bitmap(a.m) AS bits_a, annqa.rle_to_bitmap(b.m) AS bits_b
FROM masks a JOIN masks b ON a.image_file = b.image_file AND a.annotator < b.annotator;
-- the IoU from runs equals the IoU counted pixel by pixel on the dense bitmaps,
-- is symmetric, and agrees with PostGIS's exact polygon IoU to within the
-- boundary pixels (|difference| < 0.05 on these ~2000-pixel cars)
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE iou = dense_inter::float8 / nullif(dense_union, 0)) AS equals_dense_count,
       count(*) FILTER (WHERE iou = iou_ba) AS symmetric,
       count(*) FILTER (WHERE abs(iou - exact_iou) < 0.05) AS near_exact_polygon_iou,
       count(*) FILTER (WHERE annqa.area(annqa.rle_intersection(ma, mb)) = dense_inter
                          AND annqa.area(annqa.rle_union(ma, mb)) = dense_union) AS set_op_areas
FROM (SELECT *, (SELECT count(*) FILTER (WHERE get_byte(bits_a, k) = 1 AND get_byte(bits_b, k) = 1)
                 FROM generate_series(0, length(bits_a) - 1) k) AS dense_inter,
                (SELECT count(*) FILTER (WHERE get_byte(bits_a, k) = 1 OR get_byte(bits_b, k) = 1)
                 FROM generate_series(0, length(bits_a) - 1) k) AS dense_union
      FROM pairs) p;
SELECT image_file, ann_a, ann_b, round(iou::numeric, 4) AS iou, round(exact_iou::numeric, 4) AS exact_iou
FROM pairs WHERE abs(iou - exact_iou) >= 0.05 ORDER BY 1, 2, 3;

-- Storage: bytes per stored mask against the length of its COCO string, on
-- these real masks (target: at most 1.1 in total).  The datum has a fixed
-- 37-byte head (varlena byte, version, size, run count, area, bbox), so a
-- tiny mask with a very short string is larger than its string: the 5-pixel
-- polygon in this set (a 12-character string) is the one listed below.
CREATE TEMP TABLE stored (m annqa.rle);
INSERT INTO stored SELECT annqa.rle_from_polygon(xy, height, width) FROM poly;
INSERT INTO stored SELECT m FROM masks;
SELECT count(*) AS masks,
       sum(pg_column_size(m)) <= 1.1 * sum(length(m::jsonb->>'counts')) AS total_within_1_1,
       count(*) FILTER (WHERE pg_column_size(m) <= 1.1 * length(m::jsonb->>'counts')) AS each_within_1_1
FROM stored;
SELECT annqa.area(m), length(m::jsonb->>'counts') AS coco_chars
FROM stored WHERE pg_column_size(m) > 1.1 * length(m::jsonb->>'counts');
