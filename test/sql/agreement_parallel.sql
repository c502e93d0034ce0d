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
RESET max_parallel_workers_per_gather;
SET max_parallel_workers_per_gather = 0;
SELECT pg_temp.err('SELECT annqa.fleiss_kappa(item, rater, label) FROM agree_dup');

DROP TABLE agree_par, agree_dup;
