-- The worked examples of spec/coco-rle.md, with the values derived there (or
-- by hand, in the comments), plus the pycocotools bugs B1, B2 and B5.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS annqa CASCADE;
RESET client_min_messages;
SET search_path = public, annqa;  -- for the annqa.= operator on masks

-- Example 1: 10x10, rows 2-3 and columns 3-5 set: counts [32,2,8,2,8,2,46]
-- = 'P128000V1'; area 6; bbox [3,2,3,2].
SELECT '{"size":[10,10],"counts":[32,2,8,2,8,2,46]}'::annqa.rle::text = '{"size":[10,10],"counts":"P128000V1"}' AS counts_to_string,
       annqa.counts('{"size":[10,10],"counts":"P128000V1"}'::annqa.rle) = '{32,2,8,2,8,2,46}' AS string_to_counts,
       annqa.area('{"size":[10,10],"counts":"P128000V1"}'::annqa.rle) = 6 AS area_6,
       annqa.bbox_xywh('{"size":[10,10],"counts":"P128000V1"}'::annqa.rle) = '{3,2,3,2}' AS bbox_3_2_3_2,
       annqa.bbox('{"size":[10,10],"counts":"P128000V1"}'::annqa.rle) ~= box '((3,2),(6,4))' AS bbox_box;
-- the same mask from a row-major bitmap, and back
SELECT annqa.rle_from_bitmap(b, 10, 10)::text = '{"size":[10,10],"counts":"P128000V1"}' AS from_bitmap,
       annqa.rle_to_bitmap('{"size":[10,10],"counts":"P128000V1"}') = b AS to_bitmap
FROM (SELECT decode(string_agg(CASE WHEN y BETWEEN 2 AND 3 AND x BETWEEN 3 AND 5 THEN '01' ELSE '00' END, '' ORDER BY y, x), 'hex') AS b
      FROM generate_series(0, 9) y, generate_series(0, 9) x) s;

-- Example 2: negative deltas.  [0,6,1,3] = '061M'; [0,100,5,50] = '0T35^N'.
SELECT annqa.rle('{"size":[10,1],"counts":[0,6,1,3]}')::jsonb->>'counts' = '061M' AS ex_061M,
       annqa.counts('{"size":[10,1],"counts":"061M"}'::annqa.rle) = '{0,6,1,3}' AS ex_061M_back,
       annqa.rle('{"size":[155,1],"counts":[0,100,5,50]}')::jsonb->>'counts' = '0T35^N' AS ex_0T35N,
       annqa.counts('{"size":[155,1],"counts":"0T35^N"}'::annqa.rle) = '{0,100,5,50}' AS ex_0T35N_back;
-- the i > 2 delta rule: [8,12,6,15] = '8<63' (index 2 is not delta coded)
SELECT annqa.rle('{"size":[41,1],"counts":[8,12,6,15]}')::jsonb->>'counts' = '8<63' AS ex_8_63,
       annqa.counts('{"size":[41,1],"counts":"8<63"}'::annqa.rle) = '{8,12,6,15}' AS ex_8_63_back;
-- '8<N3' (what an i >= 2 encoder writes) codes a negative run at index 2;
-- pycocotools reads it as 4294967294, annqa rejects it.
SELECT annqa.counts('{"size":[41,1],"counts":"8<N3"}'::annqa.rle);
-- the backslash (92) is a COCO character; JSON escapes it.  [0,44] = '0\1'
-- (44: low group 12 with the continuation bit, 48 + 12 + 32 = 92 '\', then 1).
SELECT annqa.rle('{"size":[44,1],"counts":[0,44]}')::text AS backslash_text,
       annqa.counts(E'{"size":[44,1],"counts":"0\\\\1"}'::annqa.rle) = '{0,44}' AS backslash_back;

-- frPoly: the 9x9 polygon [0,0,0,9,9,9,9,0] covers 81 pixels (cv2.fillPoly: 100)
SELECT annqa.area(annqa.rle_from_polygon('{0,0,0,9,9,9,9,0}', 12, 12)) AS area_81,
       annqa.bbox_xywh(annqa.rle_from_polygon('{0,0,0,9,9,9,9,0}', 12, 12)) AS bbox_0_0_9_9,
       annqa.rle_from_polygon('{{0,0},{0,9},{9,9},{9,0}}', 12, 12)
         = annqa.rle_from_polygon('{0,0,0,9,9,9,9,0}', 12, 12) AS two_d_array_same;
-- the pixel-centre rule: a left edge at x = 0.49 includes column 0, at 0.5 not
SELECT annqa.bbox_xywh(annqa.rle_from_polygon('{0.49,0,0.49,3,3,3,3,0}', 5, 5)) AS left_049,
       annqa.bbox_xywh(annqa.rle_from_polygon('{0.5,0,0.5,3,3,3,3,0}', 5, 5)) AS left_050;
-- duplicated vertices change nothing
SELECT annqa.rle_from_polygon('{0,0,0,0,0,9,9,9,9,9,9,0}', 12, 12)
         = annqa.rle_from_polygon('{0,0,0,9,9,9,9,0}', 12, 12) AS duplicate_vertices;
-- clipping: a polygon partly outside keeps only the pixels inside (3x3 here)
SELECT annqa.area(annqa.rle_from_polygon('{-5,-5,-5,3,3,3,3,-5}', 10, 10)) AS clipped_9,
       annqa.area(annqa.rle_from_polygon('{-5,-5,-5,30,30,30,30,-5}', 10, 10)) AS clipped_100;

-- frBbox with fractional boxes: [0.4,0.4,1.2,1.2] -> 2x2 pixels;
-- [1.5,0.2,1.6,2.6] -> column 2 only, rows 0-2; [0.5,0.5,1,1] -> pixel (1,1);
-- an integer box [x,y,w,h] gives exactly w*h pixels.
SELECT annqa.bbox_xywh(annqa.rle_from_box('{0.4,0.4,1.2,1.2}'::float8[], 5, 5)) AS b_2x2,
       annqa.bbox_xywh(annqa.rle_from_box('{1.5,0.2,1.6,2.6}'::float8[], 5, 5)) AS b_col2_3rows,
       annqa.area(annqa.rle_from_box('{1.5,0.2,1.6,2.6}'::float8[], 5, 5)) AS area_3,
       annqa.bbox_xywh(annqa.rle_from_box('{0.5,0.5,1,1}'::float8[], 5, 5)) AS b_pixel_1_1,
       annqa.area(annqa.rle_from_box('{2,3,4,5}'::float8[], 10, 10)) AS area_20,
       annqa.rle_from_box(box '((2,3),(6,8))', 10, 10) = annqa.rle_from_box('{2,3,4,5}'::float8[], 10, 10) AS box_type_same;

-- Bug B1 (zero-length foreground runs): 3x3 counts [0,0,0,4,1,4] are the
-- pixels 0-3 and 5-8 (column 0, (1,0); (1,2), column 2): canonical [0,4,1,4],
-- bbox [0,0,3,3].  The reference's uint t = cc - 1 underflows here.
SELECT annqa.counts('{"size":[3,3],"counts":[0,0,0,4,1,4]}'::annqa.rle) AS b1_canonical,
       annqa.bbox_xywh('{"size":[3,3],"counts":[0,0,0,4,1,4]}'::annqa.rle) AS b1_bbox;
-- a zero-length run inside a column: 4x3 [5,0,1,2,4] = [6,2,4]: rows 2-3 of column 1
SELECT annqa.counts('{"size":[4,3],"counts":[5,0,1,2,4]}'::annqa.rle) AS b1_merged,
       annqa.bbox_xywh('{"size":[4,3],"counts":[5,0,1,2,4]}'::annqa.rle) AS b1_bbox_1_2_1_2;
-- Bug B2 (non-canonical empty masks): [9,0] and [0,0,9] on 3x3 have no
-- foreground; the reference says [2,0,2,3] / [0,0,1431655766,3] and the fork
-- [3,3,4294967294,4294967294].  Correct: [0,0,0,0], canonical [9].
SELECT annqa.bbox_xywh('{"size":[3,3],"counts":[9,0]}'::annqa.rle) AS b2_a, annqa.counts('{"size":[3,3],"counts":[9,0]}'::annqa.rle) AS b2_a_counts,
       annqa.bbox_xywh('{"size":[3,3],"counts":[0,0,9]}'::annqa.rle) AS b2_b, annqa.counts('{"size":[3,3],"counts":[0,0,9]}'::annqa.rle) AS b2_b_counts,
       annqa.area('{"size":[3,3],"counts":[0,0,9]}'::annqa.rle) AS b2_area;
-- runs crossing a column give the full height (ff4a471): [[0,1],[1,1]] on 2x2
-- is column-major [0,0,1,1] -> counts [1,3], bbox [0,0,2,2]
SELECT annqa.bbox_xywh('{"size":[2,2],"counts":[1,3]}'::annqa.rle) AS wrap_bbox;

-- Bug B5: 32-bit shifts in rleFrString decode deltas below -2^29 wrong
-- ([3, 2^31, 5, 7] came back as [3, 2^31, 5, 2^31-1]).  16 x 134217729 =
-- 2^31 + 16 pixels; and counts near 2^32-1 on 65535 x 65537 = 2^32-1 pixels.
SELECT annqa.counts(annqa.rle('{"size":[16,134217729],"counts":[3,2147483648,5,8]}')::text::annqa.rle) AS b5_round_trip,
       annqa.counts(annqa.rle('{"size":[65535,65537],"counts":[5,4294967280,3,7]}')::text::annqa.rle) AS near_2_32,
       annqa.area('{"size":[65535,65537],"counts":[0,4294967295]}'::annqa.rle) AS full_2_32_minus_1,
       annqa.rle('{"size":[65535,65537],"counts":[5,4294967280,3,7]}')::jsonb->>'counts' AS near_2_32_string;
-- the strings by the encoding rules (5-bit groups, i > 2 deltas):
-- [5, 4294967280, 3, 7] -> '5`ooooo33gPPPPPL' ; [3, 2^31, 5, 8] -> '3PPPPPP25XPPPPPN'
SELECT annqa.counts('{"size":[65535,65537],"counts":"5`ooooo33gPPPPPL"}'::annqa.rle) AS near_2_32_parsed,
       annqa.counts('{"size":[16,134217729],"counts":"3PPPPPP25XPPPPPN"}'::annqa.rle) AS b5_parsed,
       annqa.rle('{"size":[16,134217729],"counts":[3,2147483648,5,8]}')::jsonb->>'counts' = '3PPPPPP25XPPPPPN' AS b5_string;

-- IoU semantics.  a = column 0 rows 0-3 (area 4), b = columns 0-4 rows 2-4
-- (area 15), |a and b| = 2: IoU 2/17; crowd b: 2/4; crowd a: 2/15.
SELECT annqa.iou(a, b) = 2.0 / 17 AS iou_2_17, annqa.iou(a, b, true) AS crowd_half,
       annqa.iou(b, a, true) = 2.0 / 15 AS crowd_2_15, annqa.iou(b, a) = 2.0 / 17 AS symmetric,
       annqa.area(annqa.rle_intersection(a, b)) AS inter_2, annqa.area(annqa.rle_union(a, b)) AS union_17,
       annqa.area(annqa.rle_difference(a, b)) AS a_minus_b_2, annqa.area(annqa.rle_difference(b, a)) AS b_minus_a_13
FROM (SELECT annqa.rle_from_box('{0,0,1,4}'::float8[], 10, 10) a, annqa.rle_from_box('{0,2,5,3}'::float8[], 10, 10) b) s;
-- two empty masks: 0 (as pycocotools); a mask with itself: 1; disjoint: 0
SELECT annqa.iou(e, e) AS empty_empty, annqa.iou(e, e, true) AS empty_empty_crowd,
       annqa.iou(a, a) AS self, annqa.iou(a, e) AS with_empty,
       annqa.iou(a, annqa.rle_from_box('{5,5,2,2}'::float8[], 10, 10)) AS disjoint
FROM (SELECT annqa.rle_from_box('{0,0,0,0}'::float8[], 10, 10) e, annqa.rle_from_box('{0,0,3,3}'::float8[], 10, 10) a) s;
-- mixed types: the box is rasterised at the mask's size (frBbox):
-- 3x3 mask against box ((1,1),(4,4)) = 3x3 shifted by one: 4 / 14
SELECT annqa.iou(annqa.rle_from_box('{0,0,3,3}'::float8[], 10, 10), box '((1,1),(4,4))') = 4.0 / 14 AS rle_box,
       annqa.iou(box '((1,1),(4,4))', annqa.rle_from_box('{0,0,3,3}'::float8[], 10, 10)) = 4.0 / 14 AS box_rle;

-- accessors and forms
SELECT annqa.height(r), annqa.width(r), annqa.area(r), annqa.bbox(r), annqa.counts(r), r::jsonb
FROM (SELECT annqa.rle_from_box('{1,2,3,1}'::float8[], 4, 6) r) s;
-- empty, full and 0-pixel masks; the polygon-list annToRLE path
SELECT annqa.rle_from_box('{0,0,0,0}'::float8[], 3, 4)::text AS empty_3x4,
       annqa.rle_from_box('{0,0,4,3}'::float8[], 3, 4)::text AS full_3x4,
       '{"size":[0,5],"counts":""}'::annqa.rle::text AS zero_pixels,
       annqa.bbox_xywh('{"size":[0,0],"counts":[0]}'::annqa.rle) AS zero_bbox;
SELECT annqa.rle_from_coco('[[0,0,0,9,9,9,9,0],[20,20,20,22,22,22,22,20]]', 30, 30)
         = annqa.rle_union(annqa.rle_from_polygon('{0,0,0,9,9,9,9,0}', 30, 30),
                           annqa.rle_from_polygon('{20,20,20,22,22,22,22,20}', 30, 30)) AS parts_unioned,
       annqa.area(annqa.rle_from_coco('[[0,0,0,9,9,9,9,0],[20,20,20,22,22,22,22,20]]', 30, 30)) AS area_85,
       annqa.rle_from_coco('[[2,3,4,5]]', 10, 10) = annqa.rle_from_box('{2,3,4,5}'::float8[], 10, 10) AS four_numbers_is_a_box,
       annqa.rle_from_coco('{"size":[10,10],"counts":[32,2,8,2,8,2,46]}', 10, 10)::text AS uncompressed,
       annqa.rle_from_coco('{"counts":"P128000V1","size":[10,10]}', 10, 10)::text AS compressed,
       annqa.area(annqa.rle_from_coco('[]', 10, 10)) AS no_parts;
-- a COCO annotation's segmentation field casts directly
SELECT (ann->'segmentation')::annqa.rle = annqa.rle_from_coco(ann->'segmentation', 10, 10) AS cast_from_annotation
FROM (SELECT '{"id":1,"iscrowd":1,"segmentation":{"size":[10,10],"counts":[32,2,8,2,8,2,46]}}'::jsonb ann) s;
-- binary form: int4 version 1, h, w, m, then m run lengths
SELECT annqa.rle_send('{"size":[10,10],"counts":"P128000V1"}')
     = decode('00000001'
              '0000000a'
              '0000000a'
              '00000007'
              '00000020'
              '00000002'
              '00000008'
              '00000002'
              '00000008'
              '00000002'
              '0000002e', 'hex') AS send_bytes;
-- send/recv round trip through COPY BINARY (a file named after the backend pid)
CREATE TEMP TABLE bin_src AS SELECT annqa.rle_from_polygon(ARRAY[1,1,8.5,2,6,9.2,2.2,7], 12, 11) r
    UNION ALL SELECT '{"size":[65535,65537],"counts":[5,4294967280,3,7]}'
    UNION ALL SELECT '{"size":[0,0],"counts":""}';
CREATE TEMP TABLE bin_dst (r annqa.rle);
DO $$ BEGIN
  EXECUTE format('COPY bin_src TO %L (FORMAT binary)', '/tmp/annqa_rle_regress_' || pg_backend_pid());
  EXECUTE format('COPY bin_dst FROM %L (FORMAT binary)', '/tmp/annqa_rle_regress_' || pg_backend_pid());
END $$;
SELECT (SELECT array_agg(r::text ORDER BY r::text) FROM bin_src) = (SELECT array_agg(r::text ORDER BY r::text) FROM bin_dst) AS binary_round_trip,
       (SELECT count(*) FROM bin_dst) AS rows_3;
