-- Matching: bad input raises specific SQLSTATEs; big problems run and can be
-- cancelled.
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

-- annqa.assign: non-2-D (22023), NaN or -Infinity (22003), NULL (22004)
SELECT pg_temp.err($$SELECT annqa.assign('{1,2,3}')$$);
SELECT pg_temp.err($$SELECT annqa.assign('{{{1}}}')$$);
SELECT pg_temp.err($$SELECT annqa.assign('{{1,NaN},{2,3}}')$$);
SELECT pg_temp.err($$SELECT annqa.assign('{{1,-Infinity},{2,3}}')$$);
SELECT pg_temp.err($$SELECT annqa.assign('{{1,NULL},{2,3}}')$$);
-- finite costs too far apart to mix with a forbidden pair (22003)
SELECT pg_temp.err($$SELECT annqa.assign('{{-1e308,Infinity},{1e308,1e308}}')$$);
-- everything forbidden: no pair, no error
SELECT annqa.assign('{{Infinity,Infinity}}') AS all_forbidden;

-- annqa.match: array length mismatches (22023)
SELECT pg_temp.err($$SELECT * FROM annqa.match(ARRAY[box '((0,0),(1,1))'], '{a,b}', '{}'::box[], '{}')$$);
SELECT pg_temp.err($$SELECT * FROM annqa.match(ARRAY[box '((0,0),(1,1))'], '{a}', ARRAY[box '((0,0),(1,1))'], '{}')$$);
SELECT pg_temp.err($$SELECT * FROM annqa.match(ARRAY[box '((0,0),(1,1))'], '{a}', '{}'::box[], '{}', 0.5, '{"gold_crowd": [true, false]}')$$);
-- NULL elements (22004)
SELECT pg_temp.err($$SELECT * FROM annqa.match(ARRAY[NULL::box], '{a}', '{}'::box[], '{}')$$);
SELECT pg_temp.err($$SELECT * FROM annqa.match(ARRAY[box '((0,0),(1,1))'], ARRAY[NULL::text], '{}'::box[], '{}')$$);
SELECT pg_temp.err($$SELECT * FROM annqa.match(ARRAY[box '((0,0),(1,1))'], '{a}', '{}'::box[], '{}', 0.5, '{"gold_crowd": [null]}')$$);
-- non-finite coordinates and threshold (22003), threshold outside [0, 1] (22023)
SELECT pg_temp.err($$SELECT * FROM annqa.match(ARRAY[box '((0,0),(nan,1))'], '{a}', '{}'::box[], '{}')$$);
SELECT pg_temp.err($$SELECT * FROM annqa.match('{}'::box[], '{}', '{}'::box[], '{}', 'nan')$$);
SELECT pg_temp.err($$SELECT * FROM annqa.match('{}'::box[], '{}', '{}'::box[], '{}', 1.5)$$);
-- two-dimensional geometry arrays (22023)
SELECT pg_temp.err($$SELECT * FROM annqa.match(ARRAY[[box '((0,0),(1,1))']], '{a}', '{}'::box[], '{}')$$);
-- options: unknown key, wrong types, bad threshold_by_area (22023)
SELECT pg_temp.err($$SELECT * FROM annqa.match('{}'::box[], '{}', '{}'::box[], '{}', 0.5, '{"twopass": false}')$$);
SELECT pg_temp.err($$SELECT * FROM annqa.match('{}'::box[], '{}', '{}'::box[], '{}', 0.5, '{"two_pass": 1}')$$);
SELECT pg_temp.err($$SELECT * FROM annqa.match('{}'::box[], '{}', '{}'::box[], '{}', 0.5, '[]')$$);
SELECT pg_temp.err($$SELECT * FROM annqa.match('{}'::box[], '{}', '{}'::box[], '{}', 0.5, '{"threshold_by_area": [[10, 0.5], [5, 0.6]]}')$$);
SELECT pg_temp.err($$SELECT * FROM annqa.match('{}'::box[], '{}', '{}'::box[], '{}', 0.5, '{"threshold_by_area": [[10, 1.5]]}')$$);
SELECT pg_temp.err($$SELECT * FROM annqa.match('{}'::box[], '{}', '{}'::box[], '{}', 0.5, '{"threshold_by_area": [10]}')$$);
-- options that do not apply: crowd regions for tags, sigmas for boxes (22023)
SELECT pg_temp.err($$SELECT * FROM annqa.match('{a}'::text[], '{a}'::text[], 0.5, '{"gold_crowd": [true]}')$$);
SELECT pg_temp.err($$SELECT * FROM annqa.match('{}'::box[], '{}', '{}'::box[], '{}', 0.5, '{"sigmas": 0.1}')$$);
-- keypoints: not a matrix, keypoint counts differ, bad sigmas (22023)
SELECT pg_temp.err($$SELECT * FROM annqa.match('{0,0,2}'::float8[], '{a}', '{}'::float8[], '{}')$$);
SELECT pg_temp.err($$SELECT * FROM annqa.match('{{0,0,2}}'::float8[], '{a}', '{{0,0,2,1,1,2}}'::float8[], '{a}')$$);
SELECT pg_temp.err($$SELECT * FROM annqa.match('{{0,0,2}}'::float8[], '{a}', '{{0,0,2}}'::float8[], '{a}', 0.5, '{"sigmas": [0.1, 0.2]}')$$);
SELECT pg_temp.err($$SELECT * FROM annqa.match('{{0,0,2}}'::float8[], '{a}', '{{0,0,2}}'::float8[], '{a}', 0.5, '{"sigmas": -1}')$$);
-- image_size must be [width, height], both positive (22023); boxes do not take it
SELECT pg_temp.err($$SELECT * FROM annqa.match('{{0,0,2}}'::float8[], '{a}', '{{0,0,2}}'::float8[], '{a}', 0.5, '{"image_size": [0, 5]}')$$);
SELECT pg_temp.err($$SELECT * FROM annqa.match('{{0,0,2}}'::float8[], '{a}', '{{0,0,2}}'::float8[], '{a}', 0.5, '{"image_size": [640]}')$$);
SELECT pg_temp.err($$SELECT annqa.oks_matrix('{{0,0,2}}'::float8[], '{{0,0,2}}'::float8[], '{"image_size": [1e300, 1e300]}')$$);
SELECT pg_temp.err($$SELECT * FROM annqa.match('{}'::box[], '{}', '{}'::box[], '{}', 0.5, '{"image_size": [640, 480]}')$$);
SELECT pg_temp.err($$SELECT * FROM annqa.match('{{0,0,2}}'::float8[], '{a}', '{{0,0,2}}'::float8[], '{a}', 0.5, '{"area": [1, 2]}')$$);
-- similarity matrices: crowd flags of the wrong length (22023) or NULL (22004)
SELECT pg_temp.err($$SELECT annqa.iou_matrix(ARRAY[box '((0,0),(1,1))'], ARRAY[box '((0,0),(1,1))'], '{true,false}')$$);
SELECT pg_temp.err($$SELECT annqa.iou_matrix(ARRAY[box '((0,0),(1,1))'], ARRAY[box '((0,0),(1,1))'], ARRAY[NULL::boolean])$$);
SELECT pg_temp.err($$SELECT annqa.oks_matrix('{{0,0,2}}', '{{0,0,2}}', '{"two_pass": true}')$$);
-- object units and consensus: lengths (22023), NULLs (22004), quorum, raters
SELECT pg_temp.err($$SELECT * FROM annqa.object_units(ARRAY[box '((0,0),(1,1))'], '{a}', '{r1,r2}')$$);
SELECT pg_temp.err($$SELECT * FROM annqa.object_units(ARRAY[box '((0,0),(1,1))'], '{a}', ARRAY[NULL::text])$$);
SELECT pg_temp.err($$SELECT * FROM annqa.object_units(ARRAY[box '((0,0),(1,1))'], '{a}', '{r1}', 0.5, '{r2}')$$);
SELECT pg_temp.err($$SELECT * FROM annqa.consensus(ARRAY[box '((0,0),(1,1))'], '{a}', '{r1}', 0.5, 0)$$);
SELECT pg_temp.err($$SELECT * FROM annqa.consensus(ARRAY[box '((0,0),(1,1))'], '{a}', '{r1}', 0.5, 0.5, '{"fuse": "median"}')$$);
SELECT pg_temp.err($$SELECT * FROM annqa.consensus('{a,b}'::text[], '{r1}'::text[])$$);
-- the quality aggregate: unknown status (22023), a forged state (22000)
SELECT pg_temp.err($$SELECT annqa.quality(s, 1) FROM (VALUES ('matched'), ('great')) v(s)$$);
SELECT pg_temp.err($$SELECT annqa.quality_final('{1,2,3}')$$);

-- size limits (54000): more than 100,000 objects on one side
SELECT pg_temp.err($$SELECT count(*) FROM annqa.match(array_fill(box '((0,0),(1,1))', ARRAY[100001]),
    array_fill('a'::text, ARRAY[100001]), '{}'::box[], '{}')$$);
SELECT pg_temp.err($$SELECT annqa.iou_matrix(array_fill(box '((0,0),(1,1))', ARRAY[100001]), ARRAY[box '((0,0),(1,1))'])$$);
-- (annqa.assign's limit, 50,000,000 cells, would need a 400 MB argument to test.)

-- A 5,000 x 5,000 assignment runs (all-zero costs: any permutation is optimal) ...
SELECT count(DISTINCT c) AS distinct_columns, count(c) AS assigned
FROM unnest(annqa.assign(array_fill(0::float8, ARRAY[5000, 5000]))) c;
-- ... and a hard one can be cancelled: minimising the IoU among 2,000
-- heavily overlapping boxes takes seconds; a 500 ms statement timeout stops it.
SELECT setseed(0.3);
CREATE TEMP TABLE hard AS
SELECT annqa.iou_matrix(a, a) AS m
FROM (SELECT array_agg(box(point(x, y), point(x + 50 + random() * 50, y + 50 + random() * 50))) a
      FROM (SELECT random() * 40 x, random() * 40 y FROM generate_series(1, 2000)) t) s;
SET statement_timeout = '500ms';
SELECT cardinality(annqa.assign(m)) FROM hard;
RESET statement_timeout;
SELECT 'still connected' AS after_cancel;

-- ---------------------------------------------------------------- found by a fuzz run (2026-11-28)
-- a quality state is validated: counts are whole numbers in [0, 2^53], the
-- similarity sum lies in [0, valid]; 1e300 valid pairs were cast to int64
-- (giving -9223372036854775808), -1 and 1.5 pairs were accepted
SELECT pg_temp.err($$SELECT (annqa.quality_final('{1e300,0,0,0,0,0,1}')).valid$$);
SELECT pg_temp.err($$SELECT (annqa.quality_final('{-1,0,0,0,0,0,0}')).valid$$);
SELECT pg_temp.err($$SELECT (annqa.quality_final('{1.5,0,0,0,0,0,0.7}')).valid$$);
SELECT pg_temp.err($$SELECT (annqa.quality_final('{1,0,0,0,0,0,2}')).valid$$);
SELECT (annqa.quality_final('{2,1,0,3,0,0,1.5}')).* ;
-- a matched row's similarity must lie in [0, 1] (22003): mean_iou was -1
SELECT pg_temp.err($$SELECT (annqa.quality('matched', -1)).mean_iou$$);
SELECT pg_temp.err($$SELECT (annqa.quality('matched', 'NaN')).mean_iou$$);
-- one box is checked like two (the early return skipped it): 22003
SELECT pg_temp.err($$SELECT annqa.overlap_count(ARRAY[box '(NaN,0),(10,10)'])$$);
-- a JSON number beyond double range: the error names the function (22003)
SELECT pg_temp.err($$SELECT * FROM annqa.match(ARRAY[box '(0,0),(1,1)'], '{a}', ARRAY[box '(0,0),(1,1)'], '{a}', 0.5, '{"low_overlap_threshold": 1e400}')$$);
SELECT pg_temp.err($$SELECT annqa.agreement(i, r, l, 'fleiss_kappa', '{"conf_level": 1e400}') FROM (VALUES (1, 'a', 1), (1, 'b', 1)) v(i, r, l)$$);
-- two-dimensional coordinate arrays need rows of the right width (22023)
SELECT pg_temp.err($$SELECT annqa.rle_from_polygon('{{1,2,2},{3,4,2}}', 12, 12)$$);
SELECT pg_temp.err($$SELECT annqa.oks('{{1,2,2,3,4,2}}', '{{1,2,2,3,4,2}}', '{0.1}', 10)$$);
-- the accepted forms still work: rows of {x, y} and of {x, y, v}
SELECT annqa.area(annqa.rle_from_polygon('{{0,0},{0,9},{9,9},{9,0}}', 12, 12)) = annqa.area(annqa.rle_from_polygon('{0,0,0,9,9,9,9,0}', 12, 12)) AS polygon_rows,
       annqa.oks('{{1,2,2},{3,4,2}}', '{{1,2,2},{3,4,2}}', '{0.1}', 10) AS oks_rows;
