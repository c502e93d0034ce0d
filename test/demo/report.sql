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
\echo '================ the 5-layer workflow on the annqa model ================'
\echo 'Provisional gold (stated plainly): KSCGR annotator_1 is copied as kscgr_gold on every 10th'
\echo 'frame; LabelMe annotator slot 1 is copied as labelme_gold.  There is no real gold here.'
\echo
\echo 'Agreement by class (object units, category-specific Fleiss kappa): the five weakest'
SELECT d.name AS dataset, a.class, round(a.fleiss_kappa::numeric, 3) AS kappa,
       round(a.krippendorff_alpha::numeric, 3) AS alpha, round(a.percent_agreement::numeric, 3) AS pct_agree,
       round(a.mean_iou::numeric, 3) AS mean_iou, a.items, a.units
FROM annqa.agreement_by_class a JOIN annqa.dataset d USING (dataset_id)
ORDER BY a.fleiss_kappa NULLS FIRST LIMIT 5;
\echo 'LabelMe has one class and nearly every unit is "car" for all three: 97% agreement but kappa near 0'
\echo '(the kappa paradox: chance agreement is already ~1).  The release gate uses kappa, so it fails there.'
\echo
\echo 'Gold accuracy per annotator (all classes)'
SELECT d.name AS dataset, g.annotator, g.valid, g.mismatched, g.missing, g.extra,
       round(g.precision::numeric, 3) AS precision, round(g.recall::numeric, 3) AS recall,
       round(g.accuracy::numeric, 3) AS accuracy, round(g.f1::numeric, 3) AS f1,
       round(g.mean_iou::numeric, 3) AS mean_iou, g.gold_items, round(g.gold_pass_rate::numeric, 3) AS pass_rate
FROM annqa.gold_accuracy g JOIN annqa.dataset d USING (dataset_id)
WHERE g.all_classes ORDER BY 1, 2;
\echo
\echo 'Review queue: the head (ranked by risk)'
SELECT d.name AS dataset, q.rank, q.uri, q.risk_score, array_to_string(q.reasons, ', ') AS reasons,
       round(q.agreement::numeric, 3) AS agreement
FROM annqa.review_queue q JOIN annqa.dataset d USING (dataset_id)
WHERE q.rank <= 5 ORDER BY 1, 2;
\echo
\echo 'Pre-release checklist (KSCGR)'
SELECT c.n, c.item, c.status, c.evidence
FROM annqa.checklist c JOIN annqa.dataset d USING (dataset_id) WHERE d.name = 'kscgr-ham-egg' ORDER BY c.n;
SELECT dataset, passed, missing, verdict FROM annqa.maturity ORDER BY dataset;
\echo
\echo 'Calibration gate on the gold set (can the team agree on gold?)'
\set VERBOSITY terse
CALL annqa.calibration_gate('kscgr-ham-egg', 'demo release owner', NULL, NULL);
CALL annqa.calibration_gate('labelme-cars', 'demo release owner', NULL, NULL);
\echo
\echo 'Release gate: batch "all" of each dataset, version v0.1-demo'
\echo '(the audit sample is drawn by the gate and nobody has reviewed it yet, so the gate must fail)'
CALL annqa.release_gate('all', 'v0.1-demo', 'demo release owner', NULL, NULL, 'kscgr-ham-egg');
CALL annqa.release_gate('all', 'v0.1-demo', 'demo release owner', NULL, NULL, 'labelme-cars');
\set VERBOSITY default
SELECT d.name AS dataset, c ->> 'check' AS "check", round((c ->> 'value')::numeric, 3) AS value,
       c ->> 'threshold' AS threshold, c ->> 'passed' AS passed, left(c ->> 'detail', 70) AS detail
FROM annqa.release r JOIN annqa.dataset d USING (dataset_id), jsonb_array_elements(r.checks) c
WHERE r.gate = 'release' ORDER BY d.name, r.release_id;
SELECT d.name AS dataset, b.name AS batch, b.status FROM annqa.batch b JOIN annqa.dataset d USING (dataset_id) ORDER BY 1;
