-- Rotated boxes: the annqa.rbox type and exact rotated IoU, checked against
-- PostGIS exact polygon overlay (ST_Intersection / ST_Union) on the same corners.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS annqa CASCADE;
RESET client_min_messages;
SET extra_float_digits = 0;

-- text form round-trips exactly (shortest exact decimals, whatever extra_float_digits says)
SELECT '(1,2,3,4,5)'::annqa.rbox AS r, ' ( 1.5 , -2 , 0 , 4e2 , -90 ) '::annqa.rbox AS spaced,
       '0.1,0.2,0.3,0.4,0.5'::annqa.rbox AS no_parens;
SELECT r::text AS text, r::text::annqa.rbox OPERATOR(annqa.=) r AS round_trips
FROM (SELECT annqa.rbox(0.1 + 0.2, 1 / 3.0, pi(), exp(1), 123.456789012345678) r) s;
SELECT annqa.rbox(box '((1,2),(5,8))') AS from_box, (box '((1,2),(5,8))')::annqa.rbox AS cast_from_box;
SELECT annqa.area('(0,0,3,4,33)'::annqa.rbox) AS area_12;

-- corners: counter-clockwise from (-w/2,-h/2); exact at multiples of 90 degrees
SELECT annqa.corners('(0,0,4,2,0)') AS deg0, annqa.corners('(0,0,4,2,90)') AS deg90,
       annqa.corners('(0,0,4,2,180)') AS deg180, annqa.corners('(0,0,4,2,-90)') AS deg_minus90;
SELECT ST_AsText(annqa.rbox_geometry('(1,1,2,2,0)')) AS polygon;

-- Known values.
SELECT annqa.iou('(5,5,4,2,30)'::annqa.rbox, '(5,5,4,2,30)') AS identical,
       annqa.iou('(0,0,4,2,0)'::annqa.rbox, '(0,0,4,2,180)') AS turned_180,
       annqa.iou('(0,0,4,2,0)'::annqa.rbox, '(0,0,2,4,90)') AS turned_90_same_region,
       annqa.iou('(0,0,10,10,0)'::annqa.rbox, '(0,0,2,2,45)') AS nested_4_over_100,
       round(annqa.iou('(0,0,1,1,0)'::annqa.rbox, '(0,0,1,1,45)')::numeric, 12) AS square_45_is_1_over_sqrt2,
       round((1 / sqrt(2))::numeric, 12) AS expected;
-- matching.md: two 10x1 boxes, centres 5 apart, both turned 90 degrees, do not overlap.
-- CVAT uses axis-aligned IoU when the angles are equal and reports 0.33.
SELECT annqa.iou('(0,0,10,1,90)'::annqa.rbox, '(5,0,10,1,90)') AS cvat_reports_0_33,
       annqa.iou('(0,0,10,1,0)'::annqa.rbox, '(5,0,10,1,0)') AS unrotated_one_third;
-- touching (shared edge, shared corner), degenerate and zero-area boxes give 0
SELECT round(annqa.iou('(0,0,2,2,30)'::annqa.rbox,
                       annqa.rbox(2 * cos(radians(30)), 2 * sin(radians(30)), 2, 2, 30))::numeric, 12) AS touching_edge_rotated,
       annqa.iou('(0,0,2,2,0)'::annqa.rbox, '(2,2,2,2,0)') AS touching_corner,
       annqa.iou('(0,0,0,2,30)'::annqa.rbox, '(0,0,2,2,30)') AS zero_width,
       annqa.iou('(0,0,0,0,0)'::annqa.rbox, '(0,0,0,0,0)') AS two_points,
       annqa.iou('(0,0,2,2,10)'::annqa.rbox, '(100,100,2,2,20)') AS far_apart;
-- rbox at angle 0 agrees with box IoU
SELECT annqa.iou(annqa.rbox(box '((0,0),(4,3))'), annqa.rbox(box '((1,1),(6,5))')) =
       annqa.iou(box '((0,0),(4,3))', box '((1,1),(6,5))') AS same_as_box_iou;

-- 10,000 random pairs (and special angles) against PostGIS, to 1e-9.
SELECT setseed(0.42);
CREATE TEMP TABLE rpairs AS
SELECT i, cx, cy, w, h, (i * 7919 % 360)::float8 AS ang,
       annqa.rbox(cx, cy, w, h, CASE WHEN i % 10 = 0 THEN 90 * (i % 4) ELSE a1 END) a,
       annqa.rbox(cx + dx, cy + dy, w * s1, h * s2,
                  CASE WHEN i % 10 = 0 THEN 90 * (i % 3) WHEN i % 10 = 1 THEN a1 ELSE a2 END) b
FROM (SELECT i, random() * 100 cx, random() * 100 cy, 1 + random() * 40 w, 1 + random() * 40 h,
             random() * 360 - 180 a1, random() * 720 - 360 a2,
             (random() - 0.5) * 50 dx, (random() - 0.5) * 50 dy,
             0.3 + random() * 1.4 s1, 0.3 + random() * 1.4 s2
      FROM generate_series(1, 10000) i) t;
CREATE TEMP TABLE rcmp AS
SELECT i, annqa.iou(a, b) AS ours,
       coalesce(ST_Area(ST_Intersection(ga, gb)) / ST_Area(ST_Union(ga, gb)), 0) AS postgis
FROM (SELECT i, a, b, annqa.rbox_geometry(a) ga, annqa.rbox_geometry(b) gb FROM rpairs) g;
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE postgis > 0) AS overlapping,
       count(*) FILTER (WHERE abs(ours - postgis) <= 1e-9) AS within_1e9,
       count(*) FILTER (WHERE ours BETWEEN 0 AND 1) AS in_unit_interval
FROM rcmp;
SELECT i, ours, postgis FROM rcmp WHERE abs(ours - postgis) > 1e-9 LIMIT 5;
-- nested (b inside a, at any angle): IoU = area(b)/area(a); identical boxes give 1; symmetric
SELECT count(*) FILTER (WHERE abs(annqa.iou(a, nb) - annqa.area(nb) / annqa.area(a)) <= 1e-9) AS nested_ok,
       count(*) FILTER (WHERE abs(annqa.iou(a, a) - 1) <= 1e-12) AS identical_ok,
       count(*) FILTER (WHERE abs(annqa.iou(a, b) - annqa.iou(b, a)) <= 1e-12) AS symmetric
FROM (SELECT a, b, annqa.rbox(cx, cy, 0.6 * least(w, h), 0.5 * least(w, h), ang) AS nb
      FROM rpairs) q;
