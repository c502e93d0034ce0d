-- Box IoU over 1,000,000 pairs against the baselines of ../shared/bench/baselines.sql,
-- and rotated-box IoU against PostGIS exact overlay on the same corner polygons.
\pset border 1
SELECT setseed(0.5);
CREATE TABLE bench_pairs AS
SELECT box(point(x1, y1), point(x1 + w1, y1 + h1)) AS a,
       box(point(x1 + dx, y1 + dy), point(x1 + dx + w1 * s, y1 + dy + h1 * s)) AS b
FROM (SELECT random() * 1000 x1, random() * 1000 y1, 5 + random() * 200 w1, 5 + random() * 200 h1,
             random() * 60 - 30 dx, random() * 60 - 30 dy, 0.7 + random() * 0.6 s
      FROM generate_series(1, 1000000)) t;
VACUUM ANALYZE bench_pairs;
SELECT count(*) FROM bench_pairs;  -- warm the cache

SELECT bench.time('box', 'bare scan: count(*)', 'SELECT count(*) FROM bench_pairs', 5, 1000000) IS NOT NULL AS timed;
SELECT bench.time('box', 'avg(area(a))', 'SELECT avg(area(a)) FROM bench_pairs', 5, 1000000) IS NOT NULL AS timed;
SELECT bench.time('box', 'plain SQL: area(a # b) / (area(a) + area(b) - area(a # b))',
  'SELECT avg(coalesce(area(a # b), 0) / nullif(area(a) + area(b) - coalesce(area(a # b), 0), 0)) FROM bench_pairs', 5, 1000000) IS NOT NULL AS timed;
SELECT bench.time('box', 'annqa.iou(box, box)', 'SELECT avg(annqa.iou(a, b)) FROM bench_pairs', 5, 1000000) IS NOT NULL AS timed;
SELECT bench.time('box', 'annqa.iou(box, box, crowd => true)', 'SELECT avg(annqa.iou(a, b, true)) FROM bench_pairs', 5, 1000000) IS NOT NULL AS timed;
SELECT bench.time('box', 'annqa.giou(box, box)', 'SELECT avg(annqa.giou(a, b)) FROM bench_pairs', 5, 1000000) IS NOT NULL AS timed;
SELECT bench.time('box', 'PostGIS ST_Area(ST_Intersection)/ST_Area(ST_Union), 100k rows',
  $q$SELECT avg(ST_Area(ST_Intersection(ga, gb)) / ST_Area(ST_Union(ga, gb)))
     FROM (SELECT ST_MakeEnvelope((a[1])[0], (a[1])[1], (a[0])[0], (a[0])[1]) ga,
                  ST_MakeEnvelope((b[1])[0], (b[1])[1], (b[0])[0], (b[0])[1]) gb FROM bench_pairs LIMIT 100000) t$q$, 1, 100000) IS NOT NULL AS timed;
-- the same values?
SELECT count(*) FILTER (WHERE abs(annqa.iou(a, b) - coalesce(area(a # b), 0) / (area(a) + area(b) - coalesce(area(a # b), 0))) > 1e-12) AS disagreeing_with_sql
FROM bench_pairs;

\echo 'Box IoU, 1M pairs, one process.  Goals: annqa.iou <= 1.0 x plain SQL, <= 0.01 x PostGIS, <= 1.3 x avg(area(a)).'
SELECT * FROM bench.report('box', 'annqa.iou(box, box)');
SELECT round(((SELECT ms / rows_per_call FROM bench.result WHERE grp = 'box' AND label LIKE 'annqa.iou(box, box)')
            / (SELECT ms / rows_per_call FROM bench.result WHERE grp = 'box' AND label LIKE 'plain SQL%'))::numeric, 3) AS vs_plain_sql,
       round(((SELECT ms / rows_per_call FROM bench.result WHERE grp = 'box' AND label LIKE 'PostGIS%')
            / (SELECT ms / rows_per_call FROM bench.result WHERE grp = 'box' AND label LIKE 'annqa.iou(box, box)'))::numeric, 1) AS times_faster_than_postgis,
       round(((SELECT ms / rows_per_call FROM bench.result WHERE grp = 'box' AND label LIKE 'annqa.iou(box, box)')
            / (SELECT ms / rows_per_call FROM bench.result WHERE grp = 'box' AND label = 'avg(area(a))'))::numeric, 3) AS vs_avg_area;

-- Rotated boxes: 200k pairs for annqa, PostGIS on 20k of them (same polygons).
SELECT setseed(0.25);
CREATE TABLE bench_rpairs AS
SELECT annqa.rbox(cx, cy, w, h, a1) AS a, annqa.rbox(cx + dx, cy + dy, w * s, h / s, a2) AS b
FROM (SELECT random() * 1000 cx, random() * 1000 cy, 5 + random() * 200 w, 5 + random() * 200 h,
             random() * 360 a1, random() * 360 a2, random() * 60 - 30 dx, random() * 60 - 30 dy,
             0.7 + random() * 0.6 s FROM generate_series(1, 200000)) t;
CREATE TABLE bench_rgeoms AS
SELECT annqa.rbox_geometry(a) ga, annqa.rbox_geometry(b) gb FROM bench_rpairs LIMIT 20000;
VACUUM ANALYZE bench_rpairs, bench_rgeoms;
SELECT bench.time('rbox', 'bare scan: count(*)', 'SELECT count(*) FROM bench_rpairs', 5, 200000) IS NOT NULL AS timed;
SELECT bench.time('rbox', 'annqa.iou(rbox, rbox)', 'SELECT avg(annqa.iou(a, b)) FROM bench_rpairs', 5, 200000) IS NOT NULL AS timed;
SELECT bench.time('rbox', 'PostGIS ST_Area(ST_Intersection)/ST_Area(ST_Union), 20k rows',
  'SELECT avg(ST_Area(ST_Intersection(ga, gb)) / nullif(ST_Area(ST_Union(ga, gb)), 0)) FROM bench_rgeoms', 1, 20000) IS NOT NULL AS timed;
\echo 'Rotated-box IoU.  Goal: at least 50 x faster than PostGIS on the same polygons.'
SELECT * FROM bench.report('rbox', 'annqa.iou(rbox, rbox)');
