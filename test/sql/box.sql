-- Axis-aligned boxes: construction, IoU (plain and crowd), GIoU.
-- Reference values: pycocotools bbIou through ../shared/testdata/coco_rle_vectors.json,
-- and the worked examples of spec/coco-rle.md section 2.4-2.5.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS annqa CASCADE;
RESET client_min_messages;
SET extra_float_digits = 0;

-- xywh <-> corner form
SELECT annqa.xywh(10, 20, 30, 40) AS b, annqa.to_xywh(annqa.xywh(10, 20, 30, 40)) AS xywh;
SELECT annqa.to_xywh(box '((5,5),(1,2))') AS normalised_by_box_type;
SELECT annqa.xywh(1.5, 2.5, 0, 0) AS empty_box;

-- pycocotools vectors: box_iou_a_box = bbIou(bbox_a, box), 300 cases, compared exactly.
\set vectors `cat shared/testdata/coco_rle_vectors.json`
CREATE TEMP TABLE vec AS
SELECT c->>'id' AS id,
       ARRAY(SELECT jsonb_array_elements_text(c->'bbox_a')::float8) AS bbox_a,
       ARRAY(SELECT jsonb_array_elements_text(c->'box')::float8) AS box,
       (c->>'box_iou_a_box')::float8 AS expected
FROM jsonb_array_elements((:'vectors')::jsonb->'cases') c;
SELECT count(*) AS cases,
       count(*) FILTER (WHERE expected > 0) AS overlapping,
       count(*) FILTER (WHERE annqa.box_iou(bbox_a, box) = expected) AS bit_exact_xywh,
       count(*) FILTER (WHERE abs(annqa.iou(annqa.xywh(bbox_a[1], bbox_a[2], bbox_a[3], bbox_a[4]),
                                            annqa.xywh(box[1], box[2], box[3], box[4])) - expected) < 1e-12) AS within_1e12_box
FROM vec;
-- the cases that differ, if any (none expected)
SELECT id, annqa.box_iou(bbox_a, box), expected FROM vec WHERE annqa.box_iou(bbox_a, box) <> expected;

-- Crowd semantics (spec/coco-rle.md 2.4, the faster_coco_eval example): areas 4 and 15,
-- intersection 2.  Normal IoU 2/17; against a crowd reference: 2/area(test).
SELECT round(annqa.box_iou('{0,0,2,2}', '{1,0,5,3}')::numeric, 12) AS iou_2_over_17,
       round((2.0 / 17)::numeric, 12) AS expected,
       annqa.box_iou('{0,0,2,2}', '{1,0,5,3}', true) AS crowd_b_2_over_4,
       round(annqa.box_iou('{1,0,5,3}', '{0,0,2,2}', true)::numeric, 12) AS crowd_a_2_over_15,
       annqa.box_iou('{0,0,2,2}', '{1,0,5,3}', false) = annqa.box_iou('{0,0,2,2}', '{1,0,5,3}') AS crowd_false_is_plain;
SELECT annqa.iou(annqa.xywh(0,0,2,2), annqa.xywh(1,0,5,3), true) AS box_crowd_2_over_4;

-- identical, nested, touching (0), disjoint (0), zero-area (0)
SELECT annqa.iou(box '((0,0),(10,10))', box '((0,0),(10,10))') AS identical,
       annqa.iou(box '((0,0),(10,10))', box '((2,2),(6,6))') AS nested_16_over_100,
       annqa.iou(box '((2,2),(6,6))', box '((0,0),(10,10))', true) AS nested_in_crowd,
       annqa.iou(box '((0,0),(1,1))', box '((1,0),(2,1))') AS touching_edge,
       annqa.iou(box '((0,0),(1,1))', box '((1,1),(2,2))') AS touching_corner,
       annqa.iou(box '((0,0),(1,1))', box '((5,5),(6,6))') AS disjoint,
       annqa.iou(box '((1,1),(1,1))', box '((0,0),(2,2))') AS point_box,
       annqa.box_iou('{0,0,0,5}', '{0,0,3,5}') AS zero_width;

-- symmetric, and equal to the plain-SQL formula with built-in operators
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE annqa.iou(a, b) = annqa.iou(b, a)) AS symmetric,
       count(*) FILTER (WHERE abs(annqa.iou(a, b) - coalesce(area(a # b), 0) / (area(a) + area(b) - coalesce(area(a # b), 0))) < 1e-12) AS equals_sql
FROM (SELECT annqa.xywh(x, y, 1 + w, 1 + h) a, annqa.xywh(x + dx, y + dy, 1 + w * s, 1 + h * s) b
      FROM (SELECT (i * 37 % 101)::float8 x, (i * 53 % 97)::float8 y, (i * 7 % 31)::float8 w, (i * 11 % 29)::float8 h,
                   (i % 13 - 6)::float8 dx, (i % 11 - 5)::float8 dy, 0.5 + (i % 7) / 7.0 s
            FROM generate_series(1, 2000) i) t) p;

-- GIoU: 1 for identical boxes; -1/3 for unit squares one apart (C = 3, U = 2); IoU for nested.
SELECT annqa.giou(box '((0,0),(2,2))', box '((0,0),(2,2))') AS identical,
       round(annqa.giou(box '((0,0),(1,1))', box '((2,0),(3,1))')::numeric, 12) AS minus_one_third,
       annqa.giou(box '((0,0),(10,10))', box '((2,2),(6,6))') AS nested_equals_iou,
       annqa.giou(box '((0,0),(0,0))', box '((0,0),(0,0))') AS same_point,
       annqa.giou(box '((0,0),(0,0))', box '((1,1),(1,1))') AS two_points_minus_one;
