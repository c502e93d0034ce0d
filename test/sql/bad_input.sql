-- Bad input: every case raises a specific SQLSTATE with a message naming the
-- function or type, and never crashes the backend.
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

-- NaN or infinite coordinates: 22003
SELECT pg_temp.err($$SELECT annqa.xywh('nan', 0, 1, 1)$$);
SELECT pg_temp.err($$SELECT annqa.xywh(0, 0, 'infinity', 1)$$);
SELECT pg_temp.err($$SELECT annqa.iou(box '((0,0),(nan,1))', box '((0,0),(1,1))')$$);
SELECT pg_temp.err($$SELECT annqa.iou(box '((0,0),(1,1))', box '((0,0),(infinity,1))', true)$$);
SELECT pg_temp.err($$SELECT annqa.giou(box '((0,0),(-infinity,1))', box '((0,0),(1,1))')$$);
SELECT pg_temp.err($$SELECT annqa.box_iou('{0,0,nan,1}', '{0,0,1,1}')$$);
SELECT pg_temp.err($$SELECT annqa.to_xywh(box '((0,0),(nan,1))')$$);
SELECT pg_temp.err($$SELECT annqa.rbox(0, 0, 1, 1, 'nan')$$);
SELECT pg_temp.err($$SELECT annqa.oks('{0,0,2}', '{inf,0,2}', '{0.1}', 1)$$);
-- finite inputs whose arithmetic overflows: 22003, not NaN
SELECT pg_temp.err($$SELECT annqa.iou(box '((-1e308,-1e308),(1e308,1e308))', box '((0,0),(1,1))')$$);
SELECT pg_temp.err($$SELECT annqa.iou('(0,0,1e300,1e300,30)'::annqa.rbox, '(0,0,1,1,0)')$$);
SELECT pg_temp.err($$SELECT annqa.xywh(1e308, 0, 1e308, 1)$$);

-- negative width or height: 22023
SELECT pg_temp.err($$SELECT annqa.xywh(0, 0, -1, 1)$$);
SELECT pg_temp.err($$SELECT annqa.box_iou('{0,0,1,-2}', '{0,0,1,1}')$$);
SELECT pg_temp.err($$SELECT annqa.rbox(0, 0, -1, 1, 0)$$);

-- arrays of the wrong length or shape (22023) or containing NULLs (22004)
SELECT pg_temp.err($$SELECT annqa.box_iou('{0,0,1}', '{0,0,1,1}')$$);
SELECT pg_temp.err($$SELECT annqa.box_iou('{0,0,1,1,1}', '{0,0,1,1}')$$);
SELECT pg_temp.err($$SELECT annqa.box_iou('{}', '{0,0,1,1}')$$);
SELECT pg_temp.err($$SELECT annqa.box_iou('{{0,0},{1,1}}', '{0,0,1,1}')$$);
SELECT pg_temp.err($$SELECT annqa.box_iou('{0,NULL,1,1}', '{0,0,1,1}')$$);
SELECT pg_temp.err($$SELECT annqa.box_iou('{0,0,1,1}', '{0,0,1,1}', NULL)$$) AS strict_null_gives_null;
SELECT annqa.box_iou('{0,0,1,1}', '{0,0,1,1}', NULL) IS NULL AS strict;

-- malformed rbox text: 22P02; non-finite fields in text: 22P02 as well
SELECT pg_temp.err($$SELECT 'garbage'::annqa.rbox$$);
SELECT pg_temp.err($$SELECT '(1,2,3,4)'::annqa.rbox$$);
SELECT pg_temp.err($$SELECT '(1,2,3,4,5,6)'::annqa.rbox$$);
SELECT pg_temp.err($$SELECT '(1,2,3,4,5'::annqa.rbox$$);
SELECT pg_temp.err($$SELECT '(1,2,,4,5)'::annqa.rbox$$);
SELECT pg_temp.err($$SELECT '(1,2,3,4,5) x'::annqa.rbox$$);
SELECT pg_temp.err($$SELECT '(1,2,3,4,nan)'::annqa.rbox$$);
SELECT pg_temp.err($$SELECT '(1,2,-3,4,5)'::annqa.rbox$$);
SELECT pg_temp.err($$SELECT '(1,2,3,4,1e999)'::annqa.rbox$$);
SELECT pg_temp.err($$SELECT ''::annqa.rbox$$);

-- malformed rbox binary: 22P03 (bytes fed through the type's receive function)
SELECT pg_temp.err($$SELECT annqa.rbox_from_bytes('\x0102'::bytea)$$);
SELECT pg_temp.err($$SELECT annqa.rbox_from_bytes(int8send(0) || int8send(0) || float8send(-1) || float8send(1) || float8send(0))$$);
SELECT pg_temp.err($$SELECT annqa.rbox_from_bytes(float8send('nan') || float8send(0) || float8send(1) || float8send(1) || float8send(0))$$);
SELECT pg_temp.err($$SELECT annqa.rbox_from_bytes(float8send(1) || float8send(2) || float8send(3) || float8send(4) || float8send(5) || '\x00'::bytea)$$);
SELECT annqa.rbox_from_bytes(float8send(1) || float8send(2) || float8send(3) || float8send(4) || float8send(5)) AS good_binary;

-- OKS: arrays of different lengths, not triples, bad sigmas, area <= 0: 22023
SELECT pg_temp.err($$SELECT annqa.oks('{0,0,2,1,1,2}', '{0,0,2}', '{0.1}', 1)$$);
SELECT pg_temp.err($$SELECT annqa.oks('{0,0}', '{0,0}', '{0.1}', 1)$$);
SELECT pg_temp.err($$SELECT annqa.oks('{0,0,2,1,1,2}', '{0,0,2,1,1,2}', '{0.1,0.1,0.1}', 1)$$);
SELECT pg_temp.err($$SELECT annqa.oks('{0,0,2}', '{0,0,2}', '{0}', 1)$$);
SELECT pg_temp.err($$SELECT annqa.oks('{0,0,2}', '{0,0,2}', '{0.1}', 0)$$);
SELECT pg_temp.err($$SELECT annqa.oks('{0,0,2}', '{0,0,2}', '{0.1}', -5)$$);
SELECT pg_temp.err($$SELECT annqa.oks('{0,0,2}', '{0,0,2}', '{0.1}', 'nan')$$);
SELECT pg_temp.err($$SELECT annqa.oks('{0,0,-1}', '{0,0,2}', '{0.1}', 1)$$);
SELECT pg_temp.err($$SELECT annqa.oks('{0,0,2}', '{0,NULL,2}', '{0.1}', 1)$$);

-- the backend survived all of the above
SELECT 'alive' AS backend;
