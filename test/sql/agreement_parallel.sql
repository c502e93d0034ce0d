-- Parallel aggregation: forced parallel plans must show Partial Aggregate and
-- give the same results as a serial plan on 1M ratings; duplicates that land
-- in different partial states are still found.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS annqa CASCADE;
RESET client_min_messages;

-- 200,000 items x 5 raters = 1,000,000 ratings over 5 categories, deterministic;
-- about 1% of the ratings are NULL (ignored), so some items have 4 ratings.
CREATE TABLE agree_par AS
SELECT i / 5 AS item, 'rater' || (i % 5) AS rater,
       CASE WHEN i % 97 = 0 THEN NULL
            WHEN (i * 2654435761) % 10 < 6 THEN (i / 5) % 5
            ELSE ((i * 40503) / 7) % 5 END AS label
FROM generate_series(0::bigint, 999999) i;
ANALYZE agree_par;
SELECT count(*) AS ratings, count(label) AS non_null, count(DISTINCT item) AS items FROM agree_par;

SET max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE serial AS
SELECT annqa.fleiss_kappa(item, rater, label) AS fleiss,
       annqa.gwet_ac1(item, rater, label) AS ac1,
       annqa.gwet_ac2(item, rater, label, 'quadratic') AS ac2,
       annqa.brennan_prediger(item, rater, label) AS bp,
       annqa.percent_agreement(item, rater, label) AS pa,
       annqa.krippendorff_alpha(item, rater, label, 'ordinal') AS alpha_ord,
       annqa.krippendorff_alpha(item, rater, label, 'interval') AS alpha_int,
       annqa.agreement(item, rater, label, 'gwet_ac1') AS est
FROM agree_par;

SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF)
SELECT annqa.fleiss_kappa(item, rater, label), annqa.agreement(item, rater, label, 'gwet_ac1') FROM agree_par;
CREATE TEMP TABLE par AS
SELECT annqa.fleiss_kappa(item, rater, label) AS fleiss,
       annqa.gwet_ac1(item, rater, label) AS ac1,
       annqa.gwet_ac2(item, rater, label, 'quadratic') AS ac2,
       annqa.brennan_prediger(item, rater, label) AS bp,
       annqa.percent_agreement(item, rater, label) AS pa,
       annqa.krippendorff_alpha(item, rater, label, 'ordinal') AS alpha_ord,
       annqa.krippendorff_alpha(item, rater, label, 'interval') AS alpha_int,
       annqa.agreement(item, rater, label, 'gwet_ac1') AS est
FROM agree_par;

-- Same values, bit for bit: ratings with bigint item keys are sorted by key
-- (workers, merge, final function), so items are summed in key order whatever the split.
SELECT s.fleiss = p.fleiss AS fleiss_same, s.ac1 = p.ac1 AS ac1_same, s.ac2 = p.ac2 AS ac2_same,
       s.bp = p.bp AS bp_same, s.pa = p.pa AS pa_same, s.alpha_ord = p.alpha_ord AS alpha_ord_same,
       s.alpha_int = p.alpha_int AS alpha_int_same, s.est = p.est AS estimate_row_same,
       s.fleiss IS NOT NULL AND s.alpha_ord IS NOT NULL AND (s.est).se IS NOT NULL AS defined
FROM serial s, par p;
-- the counts: 200,000 items, 5 raters, 5 categories
SELECT (est).n_items, (est).n_raters, (est).n_categories FROM par;

-- The same ratings in scrambled row order: each worker's partial state is
-- then unsorted (sorted by item when serialised, merged by the leader), and
-- the serial final function must sort; still the same values, bit for bit.
CREATE TABLE agree_shuf AS
SELECT * FROM agree_par ORDER BY (item * 2654435761) % 1000003 DESC, rater;
ANALYZE agree_shuf;
EXPLAIN (COSTS OFF) SELECT annqa.fleiss_kappa(item, rater, label) FROM agree_shuf;
CREATE TEMP TABLE par_shuf AS
SELECT annqa.fleiss_kappa(item, rater, label) AS fleiss,
       annqa.krippendorff_alpha(item, rater, label, 'ordinal') AS alpha_ord,
       annqa.agreement(item, rater, label, 'gwet_ac1') AS est
FROM agree_shuf;
SET max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE serial_shuf AS
SELECT annqa.fleiss_kappa(item, rater, label) AS fleiss,
       annqa.krippendorff_alpha(item, rater, label, 'ordinal') AS alpha_ord,
       annqa.agreement(item, rater, label, 'gwet_ac1') AS est
FROM agree_shuf;
SET max_parallel_workers_per_gather = 2;
SELECT s.fleiss = p.fleiss AND s.fleiss = q.fleiss AS fleiss_same,
       s.alpha_ord = p.alpha_ord AND s.alpha_ord = q.alpha_ord AS alpha_ord_same,
       s.est = p.est AND s.est = q.est AS estimate_row_same
FROM serial s, par_shuf p, serial_shuf q;
DROP TABLE agree_shuf;

-- Row orders that the final function walks without sorting (ascending runs
-- of item keys, merged on the fly, up to 16 runs) or sorts (more runs), and
-- that split items across the two workers (rater-major: each item's 5 rows
-- sit in 5 distant places, so most items are rated in both partial states
-- and their rating patterns are merged by the leader): serial and parallel
-- plans over every order give the values of the item-ordered serial plan,
-- bit for bit.  (Tables written by a serial plan, so rows keep their order.)
SET max_parallel_workers_per_gather = 0;
CREATE TABLE agree_orders AS
SELECT o.name, p.item, p.rater, p.label
FROM agree_par p,
     (VALUES ('rater-major: 5 runs'), ('16 runs'), ('17 runs: sorted')) o(name)
ORDER BY o.name,
         CASE o.name WHEN 'rater-major: 5 runs' THEN p.rater
                     WHEN '16 runs' THEN (p.item % 16)::text
                     ELSE (p.item % 17)::text END,
         p.item;
CREATE TABLE agree_rm AS SELECT item, rater, label FROM agree_orders WHERE name = 'rater-major: 5 runs';
CREATE TABLE agree_r16 AS SELECT item, rater, label FROM agree_orders WHERE name = '16 runs';
CREATE TABLE agree_r17 AS SELECT item, rater, label FROM agree_orders WHERE name = '17 runs: sorted';
DROP TABLE agree_orders;
ANALYZE agree_rm;
ANALYZE agree_r16;
ANALYZE agree_r17;
SET max_parallel_workers_per_gather = 2;
-- the runs: a row starts a run when its item key is below the previous row's
SELECT t, 1 + count(*) FILTER (WHERE item < prev) AS runs
FROM (SELECT 'agree_rm' t, item, lag(item) OVER (ORDER BY ctid) prev FROM agree_rm
      UNION ALL SELECT 'agree_r16', item, lag(item) OVER (ORDER BY ctid) FROM agree_r16
      UNION ALL SELECT 'agree_r17', item, lag(item) OVER (ORDER BY ctid) FROM agree_r17) x
GROUP BY t ORDER BY t;
EXPLAIN (COSTS OFF) SELECT annqa.fleiss_kappa(item, rater, label) FROM agree_rm;
-- (the parallel values through CREATE TABLE AS, one order at a time so that both
-- workers share each table: an INSERT ... SELECT never runs parallel in PostgreSQL 15)
CREATE TEMP VIEW order_aggs AS
SELECT x.t, annqa.fleiss_kappa(x.item, x.rater, x.label) AS fleiss,
       annqa.krippendorff_alpha(x.item, x.rater, x.label, 'ordinal') AS alpha_ord,
       annqa.krippendorff_alpha(x.item, x.rater, x.label, 'interval') AS alpha_int,
       annqa.agreement(x.item, x.rater, x.label, 'gwet_ac1') AS est
FROM (SELECT 'agree_rm'::text AS t, * FROM agree_rm UNION ALL SELECT 'agree_r16', * FROM agree_r16
      UNION ALL SELECT 'agree_r17', * FROM agree_r17) x
GROUP BY x.t;
EXPLAIN (COSTS OFF) CREATE TEMP TABLE by_order AS
SELECT t, 'parallel'::text AS plan, fleiss, alpha_ord, alpha_int, est FROM order_aggs WHERE t = 'agree_rm';
CREATE TEMP TABLE by_order AS
SELECT t, 'parallel'::text AS plan, fleiss, alpha_ord, alpha_int, est FROM order_aggs WHERE t = 'agree_rm';
CREATE TEMP TABLE par_r16 AS SELECT t, 'parallel'::text AS plan, fleiss, alpha_ord, alpha_int, est FROM order_aggs WHERE t = 'agree_r16';
CREATE TEMP TABLE par_r17 AS SELECT t, 'parallel'::text AS plan, fleiss, alpha_ord, alpha_int, est FROM order_aggs WHERE t = 'agree_r17';
INSERT INTO by_order SELECT * FROM par_r16 UNION ALL SELECT * FROM par_r17;
SET max_parallel_workers_per_gather = 0;
INSERT INTO by_order SELECT t, 'serial', fleiss, alpha_ord, alpha_int, est FROM order_aggs;
SET max_parallel_workers_per_gather = 2;
SELECT b.t, b.plan, b.fleiss = s.fleiss AS fleiss_same, b.alpha_ord = s.alpha_ord AS alpha_ord_same,
       b.alpha_int = s.alpha_int AS alpha_int_same, b.est = s.est AS estimate_row_same
FROM by_order b, serial s ORDER BY b.t, b.plan;

-- Many raters, each rating few items (600,000 ratings: 200,000 items, each
-- by 3 of about 100,000 raters; rater-major): the items' (rater, label) patterns do not
-- repeat, so a partial state gives up grouping and travels as raw ratings in
-- item order (flat form version 1), and the leader appends them.  Few
-- patterns (agree_rm): version 2, grouped.  Same values serial and parallel,
-- bit for bit; a duplicate is still found.
SET max_parallel_workers_per_gather = 0;
CREATE TABLE agree_many AS
SELECT i AS item, 'r' || ((i * 7919 + a * 104729) % 100003) AS rater, (i * a * 2654435761) % 5 AS label
FROM generate_series(1::bigint, 200000) i, generate_series(1, 3) a
ORDER BY a, i;
ANALYZE agree_many;
CREATE AGGREGATE pg_temp.st(bigint, text, bigint) (SFUNC = annqa.agree_trans, STYPE = annqa.agree_state);
SELECT (SELECT get_byte(decode(substr(pg_temp.st(item, rater, label)::text, 8), 'base64'), 4) FROM agree_many) AS many_raters_version,
       (SELECT get_byte(decode(substr(pg_temp.st(item, rater, label)::text, 8), 'base64'), 4) FROM agree_rm) AS few_patterns_version;
CREATE TEMP TABLE many_serial AS
SELECT annqa.fleiss_kappa(item, rater, label) AS fleiss, annqa.krippendorff_alpha(item, rater, label, 'ordinal') AS alpha_ord,
       annqa.agreement(item, rater, label, 'gwet_ac1') AS est
FROM agree_many;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT annqa.fleiss_kappa(item, rater, label) FROM agree_many;
SELECT s.fleiss = p.fleiss AS fleiss_same, s.alpha_ord = p.alpha_ord AS alpha_ord_same, s.est = p.est AS estimate_row_same,
       (p.est).n_items, (p.est).n_raters = (SELECT count(DISTINCT rater) FROM agree_many) AS n_raters_all
FROM many_serial s,
     (SELECT annqa.fleiss_kappa(item, rater, label) AS fleiss, annqa.krippendorff_alpha(item, rater, label, 'ordinal') AS alpha_ord,
             annqa.agreement(item, rater, label, 'gwet_ac1') AS est
      FROM agree_many) p;

-- The plain-SQL Fleiss formulation of ../shared/bench/baselines.sql (section 2)
-- on the same data (NULL labels dropped; every item keeps >= 4 ratings, so
-- this is Gwet's generalisation only where m differs: compare on the items
-- with all 5 ratings).
CREATE TEMP TABLE full5 AS
SELECT item, rater, label FROM agree_par
WHERE item IN (SELECT item FROM agree_par GROUP BY item HAVING count(label) = 5);
WITH c AS (SELECT item, label, count(*) n FROM full5 GROUP BY item, label),
     items AS (SELECT item, sum(n) m, sum(n * n) s FROM c GROUP BY item),
     p AS (SELECT label, sum(n)::float8 / (SELECT sum(n) FROM c) pj FROM c GROUP BY label)
SELECT abs((avg((s - m) / (m * (m - 1))) - (SELECT sum(pj * pj) FROM p)) / (1 - (SELECT sum(pj * pj) FROM p))
           - (SELECT annqa.fleiss_kappa(item, rater, label) FROM full5)) < 1e-12 AS fleiss_equals_plain_sql
FROM items;

-- A duplicate (item, rater) pair whose two rows sit at opposite ends of the
-- table, so that they are scanned by different workers, is still an error.
CREATE TABLE agree_dup AS SELECT * FROM agree_par;
INSERT INTO agree_dup VALUES (1, 'rater1', 3);  -- row i = 6 holds (1, rater1, 1)
ANALYZE agree_dup;
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE q;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
SELECT pg_temp.err('SELECT annqa.fleiss_kappa(item, rater, label) FROM agree_dup');
-- Rater-major with a second rating of item 123456 by rater3 at the end of the
-- table: rater3's first rating of that item sits in the middle of the table,
-- in the other worker's share (or the same one); either way it is an error,
-- raised by the final function with the aggregate's name.  Also two more
-- ratings of (7, rater0) in consecutive rows, which the process that scans
-- them notes when it groups its share: the smallest such item is reported.
CREATE TABLE agree_dup_rm AS SELECT * FROM agree_rm;
INSERT INTO agree_dup_rm VALUES (123456, 'rater3', 0);
ANALYZE agree_dup_rm;
EXPLAIN (COSTS OFF) SELECT annqa.krippendorff_alpha(item, rater, label, 'nominal') FROM agree_dup_rm;
SELECT pg_temp.err($$SELECT annqa.krippendorff_alpha(item, rater, label, 'nominal') FROM agree_dup_rm$$);
SELECT pg_temp.err($$SELECT annqa.agreement(item, rater, label, 'fleiss_kappa') FROM
  (SELECT * FROM agree_rm UNION ALL SELECT * FROM (VALUES (7::bigint, 'rater0', 1::bigint), (7, 'rater0', 2)) v) t$$);
-- many raters (raw partial states): item 150000's first rater,
-- (150000 * 7919 + 104729) % 100003 = 19092, rates it again
INSERT INTO agree_many VALUES (150000, 'r19092', 4);
SELECT pg_temp.err($$SELECT annqa.fleiss_kappa(item, rater, label) FROM agree_many$$);
RESET max_parallel_workers_per_gather;
SET max_parallel_workers_per_gather = 0;
SELECT pg_temp.err('SELECT annqa.fleiss_kappa(item, rater, label) FROM agree_dup');
SELECT pg_temp.err($$SELECT annqa.krippendorff_alpha(item, rater, label, 'nominal') FROM agree_dup_rm$$);

DROP VIEW order_aggs;
DROP TABLE agree_par, agree_dup, agree_rm, agree_r16, agree_r17, agree_dup_rm, agree_many;
