-- annqa.rle against the 300 pycocotools reference cases in
-- shared/testdata/coco_rle_vectors.json.  Every property must agree exactly
-- (strings byte for byte, IoU as the same double): each query prints the
-- number of agreeing cases (300) and then lists the disagreeing ones (none).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS annqa CASCADE;
RESET client_min_messages;
SET extra_float_digits = 3;
SET search_path = public, annqa;  -- for the annqa.= operator on masks

\set v `cat shared/testdata/coco_rle_vectors.json`
CREATE TEMP TABLE vec AS
SELECT c->>'id' AS id, (c->>'h')::int AS h, (c->>'w')::int AS w,
       ARRAY(SELECT jsonb_array_elements_text(c->'poly_a')::float8) AS poly_a,
       ARRAY(SELECT jsonb_array_elements_text(c->'poly_b')::float8) AS poly_b,
       ARRAY(SELECT jsonb_array_elements_text(c->'box')::float8) AS box,
       c->'rle_a' AS rle_a, c->'rle_b' AS rle_b, c->'rle_box' AS rle_box,
       ARRAY(SELECT jsonb_array_elements_text(c->'counts_a')::bigint) AS counts_a,
       (c->>'area_a')::bigint AS area_a, (c->>'area_b')::bigint AS area_b,
       ARRAY(SELECT jsonb_array_elements_text(c->'bbox_a')::float8) AS bbox_a,
       (c->>'iou_ab')::float8 AS iou_ab, (c->>'iou_ab_crowd_b')::float8 AS iou_ab_crowd_b,
       c->'union_ab' AS union_ab, c->'intersection_ab' AS intersection_ab,
       (c->>'box_iou_a_box')::float8 AS box_iou_a_box
FROM jsonb_array_elements((:'v')::jsonb->'cases') c;
SELECT count(*) AS cases FROM vec;

-- masks built here: from the polygons, and from the reference strings
CREATE TEMP TABLE got AS
SELECT id,
       annqa.rle_from_polygon(poly_a, h, w) AS pa,
       annqa.rle_from_polygon(poly_b, h, w) AS pb,
       annqa.rle_from_box(box, h, w) AS bx,
       rle_a::annqa.rle AS ra, rle_b::annqa.rle AS rb
FROM vec;

-- polygon -> RLE string, byte for byte (text form and jsonb cast)
SELECT count(*) FILTER (WHERE g.pa::text = format('{"size":[%s,%s],"counts":%s}', v.h, v.w, v.rle_a->'counts')) AS poly_a_text,
       count(*) FILTER (WHERE g.pa::jsonb = v.rle_a) AS poly_a_jsonb,
       count(*) FILTER (WHERE g.pb::jsonb = v.rle_b) AS poly_b_jsonb,
       count(*) FILTER (WHERE g.bx::jsonb = v.rle_box) AS box_jsonb
FROM vec v JOIN got g USING (id);
SELECT v.id FROM vec v JOIN got g USING (id)
WHERE g.pa::jsonb <> v.rle_a OR g.pb::jsonb <> v.rle_b OR g.bx::jsonb <> v.rle_box;

-- the reference strings read back as the same masks, and their text round-trips
SELECT count(*) FILTER (WHERE g.ra = g.pa AND g.rb = g.pb) AS strings_decode_to_polygon_masks,
       count(*) FILTER (WHERE g.ra::text::annqa.rle::jsonb = v.rle_a) AS text_round_trip
FROM vec v JOIN got g USING (id);

-- counts, area, bbox
SELECT count(*) FILTER (WHERE annqa.counts(g.pa) = v.counts_a) AS counts_a,
       count(*) FILTER (WHERE annqa.area(g.pa) = v.area_a AND annqa.area(g.pb) = v.area_b) AS areas,
       count(*) FILTER (WHERE annqa.bbox_xywh(g.pa) = v.bbox_a) AS bbox_a,
       count(*) FILTER (WHERE annqa.bbox(g.pa) ~= box(point(v.bbox_a[1], v.bbox_a[2]),
                        point(v.bbox_a[1] + v.bbox_a[3], v.bbox_a[2] + v.bbox_a[4]))) AS bbox_box
FROM vec v JOIN got g USING (id);
SELECT v.id FROM vec v JOIN got g USING (id)
WHERE annqa.counts(g.pa) <> v.counts_a OR annqa.area(g.pa) <> v.area_a
   OR annqa.area(g.pb) <> v.area_b OR annqa.bbox_xywh(g.pa) <> v.bbox_a;

-- IoU, plain and crowd, as the same double
SELECT count(*) FILTER (WHERE annqa.iou(g.pa, g.pb) = v.iou_ab) AS iou,
       count(*) FILTER (WHERE annqa.iou(g.pa, g.pb, true) = v.iou_ab_crowd_b) AS iou_crowd,
       count(*) FILTER (WHERE annqa.iou(g.pa, g.pb, false) = v.iou_ab) AS iou_crowd_false,
       count(*) FILTER (WHERE annqa.iou(g.ra, g.rb) = v.iou_ab) AS iou_from_strings,
       count(*) FILTER (WHERE v.iou_ab > 0) AS cases_with_overlap
FROM vec v JOIN got g USING (id);
SELECT v.id, annqa.iou(g.pa, g.pb), v.iou_ab, annqa.iou(g.pa, g.pb, true), v.iou_ab_crowd_b
FROM vec v JOIN got g USING (id)
WHERE annqa.iou(g.pa, g.pb) <> v.iou_ab OR annqa.iou(g.pa, g.pb, true) <> v.iou_ab_crowd_b;

-- union and intersection strings; the areas of the set operations agree with IoU
SELECT count(*) FILTER (WHERE annqa.rle_union(g.pa, g.pb)::jsonb = v.union_ab) AS union_ab,
       count(*) FILTER (WHERE annqa.rle_intersection(g.pa, g.pb)::jsonb = v.intersection_ab) AS intersection_ab,
       count(*) FILTER (WHERE annqa.rle_union(g.pb, g.pa)::jsonb = v.union_ab) AS union_ba,
       count(*) FILTER (WHERE annqa.area(annqa.rle_difference(g.pa, g.pb))
                              = v.area_a - annqa.area(v.intersection_ab::annqa.rle)) AS difference_area,
       count(*) FILTER (WHERE annqa.rle_union(annqa.rle_difference(g.pa, g.pb), v.intersection_ab::annqa.rle) = g.pa) AS difference_plus_intersection
FROM vec v JOIN got g USING (id);
SELECT v.id FROM vec v JOIN got g USING (id)
WHERE annqa.rle_union(g.pa, g.pb)::jsonb <> v.union_ab
   OR annqa.rle_intersection(g.pa, g.pb)::jsonb <> v.intersection_ab;

-- box -> RLE (float8[] and box forms) and the bbox of a against the box (bbIou)
SELECT count(*) FILTER (WHERE annqa.rle_from_box(box, h, w)::jsonb = rle_box) AS rle_from_box_xywh,
       count(*) FILTER (WHERE annqa.box_iou(bbox_a, box) = box_iou_a_box) AS box_iou_a_box
FROM vec;
-- the box form: corners (x, y), (x + w, y + h) give back w = (x + w) - x, which may
-- differ from w in the last bit, so compare with the mask built from the same corners
SELECT count(*) FILTER (WHERE annqa.rle_from_box(box(point(box[1], box[2]), point(box[1] + box[3], box[2] + box[4])), h, w)
                            = annqa.rle_from_box(ARRAY[box[1], box[2], (box[1] + box[3]) - box[1], (box[2] + box[4]) - box[2]], h, w)) AS box_type_agrees
FROM vec;

-- IoU over a cross join of all same-size masks (each mask meets many others,
-- so the per-query cache of decoded masks is hit from both sides) equals the
-- IoU taken from the areas of the set operations (a separate code path).
CREATE TEMP TABLE allm AS
SELECT v.id || '/a' AS k, v.h, v.w, g.pa AS m FROM vec v JOIN got g USING (id)
UNION ALL SELECT v.id || '/b', v.h, v.w, g.pb FROM vec v JOIN got g USING (id)
UNION ALL SELECT v.id || '/box', v.h, v.w, g.bx FROM vec v JOIN got g USING (id);
SELECT count(*) > 10000 AS many_pairs,
       count(*) FILTER (WHERE annqa.iou(x.m, y.m) > 0) > 1000 AS many_overlapping,
       count(*) FILTER (WHERE annqa.iou(x.m, y.m)
             IS DISTINCT FROM coalesce(annqa.area(annqa.rle_intersection(x.m, y.m))::float8
                                       / nullif(annqa.area(annqa.rle_union(x.m, y.m)), 0), 0)) AS iou_disagreeing,
       count(*) FILTER (WHERE annqa.iou(x.m, y.m, true)
             IS DISTINCT FROM coalesce(annqa.area(annqa.rle_intersection(x.m, y.m))::float8
                                       / nullif(annqa.area(x.m), 0), 0)
             AND annqa.area(annqa.rle_intersection(x.m, y.m)) > 0) AS crowd_disagreeing
FROM allm x JOIN allm y ON x.h = y.h AND x.w = y.w;
