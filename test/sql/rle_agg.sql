-- rle_union_agg and rle_intersection_agg: the state is annqa.rle itself, with
-- a combine function, so the aggregates run in parallel (forced here) and give
-- the same masks with parallelism on and off.  Reference values are counted
-- independently, pixel by pixel, from the integer boxes the masks are made of.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS annqa CASCADE;
RESET client_min_messages;
SET search_path = public, annqa;  -- for the annqa.= operator on masks

SELECT setseed(0.42);
CREATE TABLE agg_boxes AS
SELECT i, i % 7 AS grp, 10 + floor(random() * 10)::int AS x, 10 + floor(random() * 10)::int AS y,
       30 + floor(random() * 30)::int AS w, 30 + floor(random() * 30)::int AS h
FROM generate_series(1, 3000) i;
ALTER TABLE agg_boxes ADD COLUMN m annqa.rle;
UPDATE agg_boxes SET m = annqa.rle_from_box(ARRAY[x, y, w, h]::float8[], 100, 120);
ANALYZE agg_boxes;

-- the reference: union pixel counts and the intersection box, per group
CREATE TEMP TABLE ref AS
SELECT grp, (SELECT count(*) FROM (SELECT DISTINCT px, py FROM agg_boxes b2,
                 generate_series(b2.x, b2.x + b2.w - 1) px, generate_series(b2.y, b2.y + b2.h - 1) py
                 WHERE b2.grp = b.grp) d) AS union_area,
       greatest(min(x + w) - max(x), 0) * greatest(min(y + h) - max(y), 0) AS inter_area,
       ARRAY[max(x), max(y), min(x + w) - max(x), min(y + h) - max(y)]::float8[] AS inter_xywh
FROM agg_boxes b GROUP BY grp;

-- serial plan
SET max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE serial AS
SELECT grp, annqa.rle_union_agg(m) AS u, annqa.rle_intersection_agg(m) AS n FROM agg_boxes GROUP BY grp;
CREATE TEMP TABLE serial_all AS
SELECT annqa.rle_union_agg(m) AS u, annqa.rle_intersection_agg(m) AS n FROM agg_boxes;

-- forced parallel plan (settings of CONVENTIONS.md)
CREATE FUNCTION pg_temp.explain_lines(q text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
    FOR r IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP RETURN NEXT r; END LOOP;
END $$;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT annqa.rle_union_agg(m), annqa.rle_intersection_agg(m) FROM agg_boxes;
SELECT count(*) FILTER (WHERE line LIKE '%Partial%Aggregate%') > 0 AS grouped_plan_is_partial
FROM pg_temp.explain_lines('SELECT grp, annqa.rle_union_agg(m), annqa.rle_intersection_agg(m) FROM agg_boxes GROUP BY grp') line;
CREATE TEMP TABLE par AS
SELECT grp, annqa.rle_union_agg(m) AS u, annqa.rle_intersection_agg(m) AS n FROM agg_boxes GROUP BY grp;
CREATE TEMP TABLE par_all AS
SELECT annqa.rle_union_agg(m) AS u, annqa.rle_intersection_agg(m) AS n FROM agg_boxes;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;

-- the same masks with parallelism on and off, and the reference areas
SELECT count(*) AS groups,
       count(*) FILTER (WHERE s.u = p.u AND s.n = p.n) AS parallel_equals_serial,
       count(*) FILTER (WHERE annqa.area(s.u) = r.union_area) AS union_area_ok,
       count(*) FILTER (WHERE annqa.area(s.n) = r.inter_area) AS inter_area_ok,
       count(*) FILTER (WHERE annqa.bbox_xywh(s.n) = r.inter_xywh) AS inter_bbox_ok,
       count(*) FILTER (WHERE r.inter_area > 0) AS nonempty_intersections
FROM serial s JOIN par p USING (grp) JOIN ref r USING (grp);
SELECT s.u = p.u AND s.n = p.n AS all_rows_parallel_equals_serial,
       s.u::text = p.u::text AND s.n::text = p.n::text AS same_text
FROM serial_all s, par_all p;
-- the union of the group unions is the union of everything
SELECT (SELECT annqa.rle_union_agg(u) FROM serial) = (SELECT u FROM serial_all) AS union_of_unions,
       (SELECT annqa.rle_intersection_agg(n) FROM serial) = (SELECT n FROM serial_all) AS intersection_of_intersections;
-- the state's text form round-trips exactly (Citus ships partial states as text)
SELECT count(*) FILTER (WHERE u::text::annqa.rle = u AND n::text::annqa.rle = n) AS state_text_round_trip FROM serial;

-- NULL inputs are skipped; no rows (or only NULLs) give NULL
SELECT annqa.rle_union_agg(m) IS NULL AS no_rows FROM agg_boxes WHERE false;
SELECT annqa.rle_union_agg(r) IS NULL AS only_nulls FROM (VALUES (NULL::annqa.rle)) t(r);
SELECT annqa.area(annqa.rle_union_agg(r)) AS area_4_nulls_skipped
FROM (VALUES (NULL::annqa.rle), (annqa.rle_from_box('{0,0,2,2}'::float8[], 5, 5)), (NULL)) t(r);

DROP TABLE agg_boxes;
