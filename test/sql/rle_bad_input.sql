-- Bad input for annqa.rle: every case raises a specific SQLSTATE with a
-- message naming the type or function, and never crashes the backend.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS annqa CASCADE;
RESET client_min_messages;

CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE q;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- malformed JSON: 22P02 with the byte position
SELECT pg_temp.err($$SELECT '{"size":[10,10],"counts":"P1"'::annqa.rle$$);
SELECT pg_temp.err($$SELECT '{"size":[10,10] "counts":"P1"}'::annqa.rle$$);
SELECT pg_temp.err($$SELECT ''::annqa.rle$$);
SELECT pg_temp.err($$SELECT '[1,2]'::annqa.rle$$);
SELECT pg_temp.err($$SELECT '{"size":[10,10]}'::annqa.rle$$);
SELECT pg_temp.err($$SELECT '{"size":[10],"counts":"P1"}'::annqa.rle$$);
SELECT pg_temp.err($$SELECT '{"size":[10,1.5],"counts":"P1"}'::annqa.rle$$);
SELECT pg_temp.err($$SELECT '{"size":[10,"10"],"counts":"P1"}'::annqa.rle$$);
SELECT pg_temp.err($$SELECT '{"size":[10,10],"counts":7}'::annqa.rle$$);
SELECT pg_temp.err($$SELECT '{"size":[10,10],"counts":[50,-1,51]}'::annqa.rle$$);
SELECT pg_temp.err($$SELECT '{"size":[10,10],"counts":[50,4294967296]}'::annqa.rle$$);
SELECT pg_temp.err($$SELECT '{"size":[10,10],"counts":[50,null,50]}'::annqa.rle$$);
-- characters outside '0'..'o' (the position is 1-based within the string)
SELECT pg_temp.err($$SELECT '{"size":[10,10],"counts":"P128000V1p"}'::annqa.rle$$);
SELECT pg_temp.err($$SELECT '{"size":[10,10],"counts":"P12 8000V1"}'::annqa.rle$$);
SELECT pg_temp.err($$SELECT E'{"size":[10,10],"counts":"P12\\u00e98000V1"}'::annqa.rle$$);
SELECT pg_temp.err($$SELECT '{"size":[10,10],"counts":"P12/8000V1"}'::annqa.rle$$);
-- truncated multi-character run ('V' has the continuation bit) and overlong runs
SELECT pg_temp.err($$SELECT '{"size":[10,10],"counts":"P128000V"}'::annqa.rle$$);
SELECT pg_temp.err($$SELECT '{"size":[10,10],"counts":"P"}'::annqa.rle$$);
SELECT pg_temp.err($$SELECT '{"size":[10,10],"counts":"PPPPPPPPPPPPPPPPPPPP1"}'::annqa.rle$$);
-- a run that decodes negative (pycocotools wraps it to 4294967294)
SELECT pg_temp.err($$SELECT '{"size":[41,1],"counts":"8<N3"}'::annqa.rle$$);
-- counts summing to more or less than h*w: 22000
SELECT pg_temp.err($$SELECT '{"size":[10,10],"counts":"P128000V2"}'::annqa.rle$$);
SELECT pg_temp.err($$SELECT '{"size":[10,10],"counts":"P128000V0"}'::annqa.rle$$);
SELECT pg_temp.err($$SELECT '{"size":[10,10],"counts":[32,2,8,2,8,2]}'::annqa.rle$$);
SELECT pg_temp.err($$SELECT '{"size":[10,10],"counts":[]}'::annqa.rle$$);
SELECT pg_temp.err($$SELECT '{"size":[10,10],"counts":""}'::annqa.rle$$);
-- (at the limit, h * w = 2^32 - 2 is accepted)
SELECT pg_temp.err($$SELECT '{"size":[2147483647,2],"counts":[4294967294]}'::annqa.rle$$);
-- negative sizes (22023) and absurd ones (54000): 2^31 x 2^31, 65536 x 65536
SELECT pg_temp.err($$SELECT '{"size":[-1,10],"counts":[0]}'::annqa.rle$$);
SELECT pg_temp.err($$SELECT '{"size":[2147483648,2147483648],"counts":[0]}'::annqa.rle$$);
SELECT pg_temp.err($$SELECT '{"size":[65536,65536],"counts":[4294967296]}'::annqa.rle$$);
SELECT pg_temp.err($$SELECT '{"size":[1e300,1],"counts":[0]}'::annqa.rle$$);
SELECT pg_temp.err($$SELECT annqa.rle_from_polygon('{0,0,1,1,1,0}', -5, 10)$$);
SELECT pg_temp.err($$SELECT annqa.rle_from_polygon('{0,0,1,1,1,0}', 2147483647, 2147483647)$$);
SELECT pg_temp.err($$SELECT annqa.rle_from_box('{0,0,1,1}'::float8[], 10, -1)$$);
SELECT pg_temp.err($$SELECT annqa.rle_from_coco('[[0,0,1,1,1,0]]', -1, 10)$$);
-- jsonb casts go through the same validation
SELECT pg_temp.err($$SELECT '{"size":[10,10],"counts":"P128000V2"}'::jsonb::annqa.rle$$);
SELECT pg_temp.err($$SELECT '"P128000V1"'::jsonb::annqa.rle$$);

-- polygons: NaN, infinite or huge coordinates (22003), odd length (22023),
-- NULL elements (22004), too many dimensions (22023)
SELECT pg_temp.err($$SELECT annqa.rle_from_polygon('{0,0,nan,1,1,0}', 10, 10)$$);
SELECT pg_temp.err($$SELECT annqa.rle_from_polygon('{0,0,infinity,1,1,0}', 10, 10)$$);
SELECT pg_temp.err($$SELECT annqa.rle_from_polygon('{0,0,1e300,1,1,0}', 10, 10)$$);
SELECT pg_temp.err($$SELECT annqa.rle_from_polygon('{0,0,2e8,1,1,0}', 10, 10)$$);
SELECT pg_temp.err($$SELECT annqa.rle_from_polygon('{0,0,1,1,1}', 10, 10)$$);
SELECT pg_temp.err($$SELECT annqa.rle_from_polygon('{0,0,NULL,1,1,0}', 10, 10)$$);
SELECT pg_temp.err($$SELECT annqa.rle_from_polygon('{{{0,0},{1,1}}}', 10, 10)$$);
-- a legal but very long outline: 54000 (walked in 0.2 px steps)
SELECT pg_temp.err($$SELECT annqa.rle_from_polygon(ARRAY(SELECT CASE WHEN ((i - 1) / 2) % 2 = 0 THEN 9e7 ELSE -9e7 END FROM generate_series(1, 40) i), 10, 10)$$);
SELECT pg_temp.err($$SELECT annqa.rle_from_coco('[[0,0,1,1,nan,0]]', 10, 10)$$);
SELECT pg_temp.err($$SELECT annqa.rle_from_coco('[[0,0,1,1,1e300,0]]', 10, 10)$$);
SELECT pg_temp.err($$SELECT annqa.rle_from_coco('[[0,0,1,1,1,0,1]]', 10, 10)$$);
SELECT pg_temp.err($$SELECT annqa.rle_from_coco('[[0,0,1]]', 10, 10)$$);
SELECT pg_temp.err($$SELECT annqa.rle_from_coco('[[0,0,1,1],[0,0,1,1,1,0]]', 10, 10)$$);
SELECT pg_temp.err($$SELECT annqa.rle_from_coco('[[0,0,1,1,"x",0]]', 10, 10)$$);
SELECT pg_temp.err($$SELECT annqa.rle_from_coco('"P1"', 10, 10)$$);
SELECT pg_temp.err($$SELECT annqa.rle_from_coco('{"size":[10,10],"counts":"P1!"}', 10, 10)$$);
-- boxes
SELECT pg_temp.err($$SELECT annqa.rle_from_box('{0,0,-1,1}'::float8[], 10, 10)$$);
SELECT pg_temp.err($$SELECT annqa.rle_from_box('{0,0,1}'::float8[], 10, 10)$$);
SELECT pg_temp.err($$SELECT annqa.rle_from_box('{0,0,1,nan}'::float8[], 10, 10)$$);
SELECT pg_temp.err($$SELECT annqa.rle_from_box(box '((0,0),(1e300,1))', 10, 10)$$);
SELECT pg_temp.err($$SELECT annqa.iou(annqa.rle_from_box('{0,0,1,1}'::float8[], 10, 10), box '((0,0),(nan,1))')$$);

-- masks of different sizes: 22023 (pycocotools returns -1 or an empty merge)
SELECT pg_temp.err($$SELECT annqa.iou(annqa.rle_from_box('{0,0,1,1}'::float8[], 10, 10), annqa.rle_from_box('{0,0,1,1}'::float8[], 10, 11))$$);
SELECT pg_temp.err($$SELECT annqa.iou(annqa.rle_from_box('{0,0,5,5}'::float8[], 10, 10), annqa.rle_from_box('{0,0,5,5}'::float8[], 11, 10), true)$$);
SELECT pg_temp.err($$SELECT annqa.rle_union(annqa.rle_from_box('{0,0,1,1}'::float8[], 10, 10), annqa.rle_from_box('{0,0,1,1}'::float8[], 10, 11))$$);
SELECT pg_temp.err($$SELECT annqa.rle_intersection(annqa.rle_from_box('{0,0,1,1}'::float8[], 10, 10), annqa.rle_from_box('{0,0,1,1}'::float8[], 10, 11))$$);
SELECT pg_temp.err($$SELECT annqa.rle_difference(annqa.rle_from_box('{0,0,1,1}'::float8[], 10, 10), annqa.rle_from_box('{0,0,1,1}'::float8[], 10, 11))$$);
SELECT pg_temp.err($$SELECT annqa.rle_union_agg(r) FROM (VALUES (annqa.rle_from_box('{0,0,1,1}'::float8[], 10, 10)), (annqa.rle_from_box('{0,0,1,1}'::float8[], 10, 11))) t(r)$$);

-- bitmaps of the wrong length or with bytes other than 0 and 1: 22023
SELECT pg_temp.err($$SELECT annqa.rle_from_bitmap('\x000102', 1, 3)$$);
SELECT pg_temp.err($$SELECT annqa.rle_from_bitmap('\x0001', 1, 3)$$);
SELECT pg_temp.err($$SELECT annqa.rle_from_bitmap('\x00010000', 1, 3)$$);
SELECT pg_temp.err($$SELECT annqa.rle_from_bitmap('\x', 65536, 65536)$$);
SELECT pg_temp.err($$SELECT annqa.rle_to_bitmap('{"size":[65535,65537],"counts":[0,4294967295]}')$$);

-- geometry: wrong types (0A000), empty (22023), garbage WKB (22P03)
SELECT pg_temp.err($$SELECT annqa.rle_from_geometry('POINT(1 1)', 10, 10)$$);
SELECT pg_temp.err($$SELECT annqa.rle_from_geometry('LINESTRING(0 0, 5 5)', 10, 10)$$);
SELECT pg_temp.err($$SELECT annqa.rle_from_geometry('GEOMETRYCOLLECTION(POLYGON((0 0,0 5,5 5,5 0,0 0)))', 10, 10)$$);
SELECT pg_temp.err($$SELECT annqa.rle_from_geometry('POLYGON EMPTY', 10, 10)$$);
SELECT pg_temp.err($$SELECT annqa.rle_from_geometry('MULTIPOLYGON EMPTY', 10, 10)$$);
SELECT pg_temp.err($$SELECT annqa.rle_from_geometry('POLYGON((0 0,0 1e300,5 5,5 0,0 0))', 10, 10)$$);
SELECT pg_temp.err($$SELECT annqa.rle_from_wkb('\x01', 10, 10)$$);
SELECT pg_temp.err($$SELECT annqa.rle_from_wkb('\x0203000000', 10, 10)$$);
SELECT pg_temp.err($$SELECT annqa.rle_from_wkb('\x010300000001000000ffffff7f', 10, 10)$$);
SELECT pg_temp.err($$SELECT annqa.rle_from_wkb('\x0103000000ffffffff', 10, 10)$$);
SELECT pg_temp.err($$SELECT annqa.rle_from_wkb(ST_AsBinary('POLYGON((0 0,0 5,5 5,5 0,0 0))'::geometry) || '\x00'::bytea, 10, 10)$$);

-- binary input: truncated or garbage (22P03), inconsistent (22000)
-- A binary COPY of a bytea column writes its bytes as the field, so reading
-- that file into an annqa.rle column hands exactly those bytes to rle_recv.
CREATE TEMP TABLE recv_t (r annqa.rle);
CREATE FUNCTION pg_temp.recv(b bytea) RETURNS text LANGUAGE plpgsql AS $$
DECLARE f text := '/tmp/annqa_rle_recv_' || pg_backend_pid();
BEGIN
    TRUNCATE recv_t;
    EXECUTE format('COPY (SELECT %L::bytea) TO %L (FORMAT binary)', b, f);
    EXECUTE format('COPY recv_t FROM %L (FORMAT binary)', f);
    RETURN 'no error: ' || (SELECT r::text FROM recv_t);
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
-- the valid form first: version 1, 10 x 10, 7 runs [32,2,8,2,8,2,46]
SELECT pg_temp.recv('\x000000010000000a0000000a000000070000002000000002000000080000000200000008000000020000002e');
SELECT pg_temp.recv('\x');
SELECT pg_temp.recv('\x00000001');
SELECT pg_temp.recv('\x000000010000000a0000000a0000000700000020');
SELECT pg_temp.recv('\x000000020000000a0000000a0000000100000064');
SELECT pg_temp.recv('\x000000010000000a0000000affffffff');
SELECT pg_temp.recv('\x000000010000000a0000000a7fffffff00000064');
SELECT pg_temp.recv('\x00000001fffffff60000000a0000000100000064');
SELECT pg_temp.recv('\x00000001800000008000000000000000');
SELECT pg_temp.recv('\x000000010000000a0000000a0000000100000063');
SELECT pg_temp.recv('\x000000010000000a0000000a00000002ffffffff00000065');
SELECT pg_temp.recv('\x000000010000000a0000000a000000010000006400');
-- a non-canonical binary form is canonicalised like text: [50,0,0,50] -> [50,50]
-- = "b1b1" (50: low group 18 with the continuation bit, 48 + 18 + 32 = 'b', then '1')
SELECT pg_temp.recv('\x000000010000000a0000000a0000000400000032000000000000000000000032');

-- the backend survived all of the above
SELECT 1 AS alive;
