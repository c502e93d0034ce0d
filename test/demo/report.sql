-- The demo's quality summary.
\pset border 1
\echo
\echo '================ annqa quality summary ================'
\echo
\echo 'KSCGR ham-egg video: box agreement between annotator_1 and annotator_2'
\echo '(pairs: same frame, same class; where a class appears twice in a frame, each box takes its best partner)'
WITH pairs AS (
    SELECT a.frame, a.label, max(annqa.iou(a.b, b.b)) AS iou
    FROM demo.kscgr a
    JOIN demo.kscgr b ON b.frame = a.frame AND b.label = a.label AND b.annotator = 'annotator_2'
    WHERE a.annotator = 'annotator_1'
    GROUP BY a.id, a.frame, a.label
)
SELECT count(*) AS box_pairs,
       round(avg(iou)::numeric, 3) AS mean_iou,
       round(stddev(iou)::numeric, 3) AS sd,
       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY iou))::numeric, 3) AS median_iou,
       round(avg((iou >= 0.5)::int)::numeric, 3) AS share_ge_0_5,
       round(avg((iou >= 0.7)::int)::numeric, 3) AS share_ge_0_7
FROM pairs;
\echo 'The dataset authors report mean IoU 0.92 (sd 0.07) and share >= 0.7 of 0.99.'
\echo
\echo 'KSCGR: the five classes with the lowest mean box IoU'
WITH pairs AS (
    SELECT a.label, max(annqa.iou(a.b, b.b)) AS iou
    FROM demo.kscgr a
    JOIN demo.kscgr b ON b.frame = a.frame AND b.label = a.label AND b.annotator = 'annotator_2'
    WHERE a.annotator = 'annotator_1'
    GROUP BY a.id, a.frame, a.label
)
SELECT label, count(*) AS pairs, round(avg(iou)::numeric, 3) AS mean_iou,
       round(avg((iou < 0.5)::int)::numeric, 3) AS share_below_0_5
FROM pairs GROUP BY label ORDER BY avg(iou) LIMIT 5;
\echo
\echo 'KSCGR: objects only one annotator drew (same frame and class missing on the other side)'
SELECT a.annotator AS drawn_by, count(*) AS unpaired_boxes
FROM demo.kscgr a
WHERE NOT EXISTS (SELECT 1 FROM demo.kscgr b
                  WHERE b.frame = a.frame AND b.label = a.label AND b.annotator <> a.annotator)
GROUP BY a.annotator ORDER BY 1;
\echo
\echo 'LabelMe cars (20 images, 64x64): pairwise agreement of the three annotators'
\echo '(box IoU of the COCO boxes; polygon IoU exact with PostGIS as a preview of mask IoU)'
WITH o AS (
    SELECT image_file, annotator, name, annqa.xywh(xywh[1], xywh[2], xywh[3], xywh[4]) AS b,
           ST_MakeValid(ST_MakePolygon(ST_MakeLine(
               ARRAY(SELECT ST_MakePoint(xy[2 * k - 1], xy[2 * k]) FROM generate_series(1, cardinality(xy) / 2) k)
               || ST_MakePoint(xy[1], xy[2])))) AS g
    FROM demo.labelme WHERE NOT deleted
)
SELECT a.annotator || ' / ' || b.annotator AS pair, count(*) AS images,
       round(avg(annqa.iou(a.b, b.b))::numeric, 3) AS mean_box_iou,
       round(avg(ST_Area(ST_Intersection(a.g, b.g)) / nullif(ST_Area(ST_Union(a.g, b.g)), 0))::numeric, 3) AS mean_polygon_iou,
       round(avg((a.name = b.name)::int)::numeric, 2) AS same_label_name
FROM o a JOIN o b ON b.image_file = a.image_file AND a.annotator < b.annotator
GROUP BY 1 ORDER BY 1;
\echo
\echo 'LabelMe cars: label names used by each annotator (the class list is not frozen)'
SELECT annotator, count(DISTINCT name) AS distinct_names,
       left(string_agg(DISTINCT name, ', ' ORDER BY name), 48) AS names, count(*) FILTER (WHERE deleted) AS deleted_objects
FROM demo.labelme GROUP BY annotator ORDER BY 1;
\echo
\echo 'Gate preview: the release gate arrives with the quality-system issue; today''s verdict uses'
\echo 'the KSCGR box agreement alone (mean IoU >= 0.85 and share >= 0.7 of at least 0.95).'
WITH pairs AS (
    SELECT max(annqa.iou(a.b, b.b)) AS iou
    FROM demo.kscgr a
    JOIN demo.kscgr b ON b.frame = a.frame AND b.label = a.label AND b.annotator = 'annotator_2'
    WHERE a.annotator = 'annotator_1'
    GROUP BY a.id, a.frame, a.label
)
SELECT CASE WHEN avg(iou) >= 0.85 AND avg((iou >= 0.7)::int) >= 0.95 THEN 'PASS' ELSE 'FAIL' END AS verdict,
       round(avg(iou)::numeric, 3) AS mean_iou, round(avg((iou >= 0.7)::int)::numeric, 3) AS share_ge_0_7
FROM pairs;
