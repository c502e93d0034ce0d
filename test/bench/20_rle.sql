-- Masks (annqa.rle): IoU matrix, polygon IoU against PostGIS, rasterising and
-- storage.  pycocotools is not installed on the benchmark machine, so its
-- figures (spec/coco-rle.md section 6, measured with its C core on this
-- machine class with the same workload) are entered as reference rows and
-- labelled as such; everything else is measured in this run.
\pset border 1
SELECT setseed(0.3);
-- 1000 random 24-vertex blobs on a 480 x 640 image (radius 30-62 px, each
-- vertex's radius jittered by +-40 %), as COCO polygons and PostGIS polygons
CREATE TABLE rle_blobs AS
SELECT i, ARRAY(SELECT v FROM (SELECT k, unnest(ARRAY[cx + r * (0.6 + 0.8 * random()) * cos(2 * pi() * k / 24),
                                                   cy + r * (0.6 + 0.8 * random()) * sin(2 * pi() * k / 24)]) v
                               FROM generate_series(0, 23) k) p) AS xy
FROM (SELECT i, 20 + random() * 600 cx, 20 + random() * 440 cy, 30 + random() * 32 r
      FROM generate_series(1, 1000) i) c;
ALTER TABLE rle_blobs ADD COLUMN m annqa.rle, ADD COLUMN g geometry;
UPDATE rle_blobs SET m = annqa.rle_from_polygon(xy, 480, 640),
       g = ST_MakeValid(ST_MakePolygon(ST_MakeLine(ARRAY(
             SELECT ST_MakePoint(xy[2 * k + 1], xy[2 * k + 2]) FROM generate_series(0, 23) k
             UNION ALL SELECT ST_MakePoint(xy[1], xy[2])))));
VACUUM ANALYZE rle_blobs;
SELECT count(*) AS masks, round(avg(cardinality(annqa.counts(m)))) AS mean_runs,
       round(avg(length(m::jsonb->>'counts'))) AS mean_coco_chars,
       round(avg(annqa.area(m))) AS mean_area FROM rle_blobs;
SELECT round(100.0 * count(*) FILTER (WHERE annqa.bbox(a.m) && annqa.bbox(b.m)
                                        AND annqa.iou(annqa.bbox(a.m), annqa.bbox(b.m)) > 0) / count(*), 1)
         AS pct_pairs_past_bbox_prefilter
FROM rle_blobs a CROSS JOIN rle_blobs b;

-- 1. the 1000 x 1000 IoU matrix in SQL over a cross join
INSERT INTO bench.result VALUES ('rle_iou', 'pycocotools rleIou 1000x1000 (C; reference figure, spec section 6)', 230, 1000000);
SELECT bench.time('rle_iou', 'bare cross join: count(*)',
  'SELECT count(*) FROM rle_blobs a CROSS JOIN rle_blobs b', 3, 1000000) IS NOT NULL AS timed;
SELECT bench.time('rle_iou', 'cross join + area(a) + area(b) (datum access floor)',
  'SELECT sum(annqa.area(a.m) + annqa.area(b.m)) FROM rle_blobs a CROSS JOIN rle_blobs b', 3, 1000000) IS NOT NULL AS timed;
SELECT bench.time('rle_iou', 'annqa.iou(rle, rle) matrix',
  'SELECT sum(annqa.iou(a.m, b.m)) FROM rle_blobs a CROSS JOIN rle_blobs b', 3, 1000000) IS NOT NULL AS timed;
SELECT bench.time('rle_iou', 'annqa.iou(rle, rle, crowd) matrix',
  'SELECT sum(annqa.iou(a.m, b.m, true)) FROM rle_blobs a CROSS JOIN rle_blobs b', 3, 1000000) IS NOT NULL AS timed;
-- the same matrix in one call, as pycocotools' iou(dt, gt) is one call:
-- array_agg of the 1000 masks, each decoded once, a 1000 x 1000 float8[]
SELECT bench.time('rle_iou', 'annqa.iou_matrix(rle[], rle[]) one call (incl. array_agg)',
  'SELECT cardinality(annqa.iou_matrix(a, a)) FROM (SELECT array_agg(m ORDER BY i) a FROM rle_blobs) s', 3, 1000000) IS NOT NULL AS timed;
-- both forms give the same matrix (sum of all 1,000,000 IoUs)
SELECT abs((SELECT sum(annqa.iou(a.m, b.m)) FROM rle_blobs a CROSS JOIN rle_blobs b)
         - (SELECT sum(x) FROM (SELECT array_agg(m ORDER BY i) a FROM rle_blobs) s, unnest(annqa.iou_matrix(a, a)) x)) < 1e-6
       AS iou_matrix_equals_cross_join;
\echo 'IoU matrix 1000 x 1000.  Goal: annqa.iou no slower than pycocotools (0.23 s), aim 2x faster.'
SELECT * FROM bench.report('rle_iou', 'pycocotools rleIou 1000x1000 (C; reference figure, spec section 6)');

-- 2. polygon IoU: rasterise both polygons and take the mask IoU, against
-- PostGIS's exact polygon IoU on the same polygons (10,000 overlapping pairs)
CREATE TABLE rle_poly_pairs AS
SELECT a.i AS ia, b.i AS ib, a.xy AS xa, b.xy AS xb, a.g AS ga, b.g AS gb
FROM rle_blobs a JOIN rle_blobs b ON a.i < b.i AND a.g && b.g LIMIT 10000;
VACUUM ANALYZE rle_poly_pairs;
SELECT count(*) AS polygon_pairs FROM rle_poly_pairs;
SELECT bench.time('rle_poly', 'annqa: iou(rle_from_polygon(a), rle_from_polygon(b))',
  'SELECT sum(annqa.iou(annqa.rle_from_polygon(xa, 480, 640), annqa.rle_from_polygon(xb, 480, 640))) FROM rle_poly_pairs', 3, 10000) IS NOT NULL AS timed;
SELECT bench.time('rle_poly', 'PostGIS ST_Area(ST_Intersection)/ST_Area(ST_Union)',
  'SELECT sum(ST_Area(ST_Intersection(ga, gb)) / ST_Area(ST_Union(ga, gb))) FROM rle_poly_pairs', 1, 10000) IS NOT NULL AS timed;
-- Rasterising once per polygon, as COCOeval does (annToRLE once per
-- annotation, then iou over all pairs) and as the PostGIS baseline reads
-- stored geometries: (a) each distinct polygon of the pairs rasterised once
-- inside the timed query, then mask IoU per pair; (b) the masks stored beside
-- the polygons, mask IoU per pair only.
SELECT count(*) AS distinct_polygons FROM (SELECT ia FROM rle_poly_pairs UNION SELECT ib FROM rle_poly_pairs) p;
SELECT bench.time('rle_poly', 'annqa: each polygon rasterised once in the query, then iou per pair',
  $q$WITH r AS MATERIALIZED (
       SELECT b.i, annqa.rle_from_polygon(b.xy, 480, 640) AS m FROM rle_blobs b
       WHERE b.i IN (SELECT ia FROM rle_poly_pairs UNION SELECT ib FROM rle_poly_pairs))
     SELECT sum(annqa.iou(a.m, b.m)) FROM rle_poly_pairs p JOIN r a ON a.i = p.ia JOIN r b ON b.i = p.ib$q$,
  3, 10000) IS NOT NULL AS timed;
ALTER TABLE rle_poly_pairs ADD COLUMN ma annqa.rle, ADD COLUMN mb annqa.rle;
UPDATE rle_poly_pairs SET ma = annqa.rle_from_polygon(xa, 480, 640), mb = annqa.rle_from_polygon(xb, 480, 640);
VACUUM ANALYZE rle_poly_pairs;
SELECT bench.time('rle_poly', 'annqa: iou on stored masks (rasterised beforehand, like ga/gb)',
  'SELECT sum(annqa.iou(ma, mb)) FROM rle_poly_pairs', 3, 10000) IS NOT NULL AS timed;
\echo 'Polygon IoU.  Goal: rasterised IoU at least 10 x faster than PostGIS exact IoU.'
SELECT * FROM bench.report('rle_poly', 'annqa: iou(rle_from_polygon(a), rle_from_polygon(b))');
SELECT label, round(((SELECT ms FROM bench.result WHERE grp = 'rle_poly' AND label LIKE 'PostGIS%') / ms)::numeric, 1) AS x_faster_than_postgis
FROM bench.result WHERE grp = 'rle_poly' AND label LIKE 'annqa%' ORDER BY ms DESC;
SELECT round(avg(abs(annqa.iou(annqa.rle_from_polygon(xa, 480, 640), annqa.rle_from_polygon(xb, 480, 640))
                 - ST_Area(ST_Intersection(ga, gb)) / ST_Area(ST_Union(ga, gb))))::numeric, 4) AS mean_abs_diff_raster_vs_exact
FROM rle_poly_pairs;

-- 3. rasterising: rle_from_polygon per 24-vertex polygon
INSERT INTO bench.result VALUES ('rle_raster', 'pycocotools frPoly (C; reference figure, spec section 6)', 13.9, 1000);
SELECT bench.time('rle_raster', 'bare scan: count(xy)', 'SELECT count(xy) FROM rle_blobs', 5, 1000) IS NOT NULL AS timed;
SELECT bench.time('rle_raster', 'annqa.rle_from_polygon',
  'SELECT count(annqa.rle_from_polygon(xy, 480, 640)) FROM rle_blobs', 5, 1000) IS NOT NULL AS timed;
SELECT bench.time('rle_raster', 'annqa.rle_from_geometry (PostGIS WKB)',
  'SELECT count(annqa.rle_from_geometry(g, 480, 640)) FROM rle_blobs', 5, 1000) IS NOT NULL AS timed;
SELECT bench.time('rle_raster', 'text output (COCO string)', 'SELECT count(m::text) FROM rle_blobs', 5, 1000) IS NOT NULL AS timed;
SELECT bench.time('rle_raster', 'text input (COCO string)',
  'SELECT count(t::annqa.rle) FROM (SELECT m::text t FROM rle_blobs OFFSET 0) s', 5, 1000) IS NOT NULL AS timed;
\echo 'Rasterising.  Goal: rle_from_polygon comparable with frPoly (13.9 us per 24-vertex polygon).'
SELECT * FROM bench.report('rle_raster', 'pycocotools frPoly (C; reference figure, spec section 6)');

-- 4. storage: bytes per stored mask against its COCO string
\echo 'Storage.  Goal: at most 1.1 x the COCO string length.'
SELECT round(avg(pg_column_size(m)), 1) AS bytes_per_mask, round(avg(length(m::jsonb->>'counts')), 1) AS coco_chars,
       round(sum(pg_column_size(m))::numeric / sum(length(m::jsonb->>'counts')), 3) AS ratio
FROM rle_blobs;

DROP TABLE rle_poly_pairs, rle_blobs;
