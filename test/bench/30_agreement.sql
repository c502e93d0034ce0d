-- Agreement aggregates against the plain-SQL formulations of
-- ../shared/bench/baselines.sql (section 2), side by side in one run:
-- 1M items x 5 raters = 5M ratings, 5 categories, seeded.
-- Goals (issue 4): >= 10x faster than plain SQL in one process; doubling the
-- rows costs <= 2.1x; 2 parallel workers >= 1.6x faster than none.
\pset border 1
SELECT setseed(0.5);
CREATE TABLE bench_ratings AS
SELECT i AS item, a AS rater, (CASE WHEN random() < 0.6 THEN i % 5 ELSE floor(random() * 5)::int END) AS label
FROM generate_series(1, 1000000) i, generate_series(1, 5) a;
SELECT setseed(0.25);
CREATE TABLE bench_ratings2 AS
SELECT i AS item, a AS rater, (CASE WHEN random() < 0.6 THEN i % 5 ELSE floor(random() * 5)::int END) AS label
FROM generate_series(1, 2000000) i, generate_series(1, 5) a;
VACUUM ANALYZE bench_ratings;
VACUUM ANALYZE bench_ratings2;
SELECT count(*) FROM bench_ratings;   -- warm the cache
SELECT count(*) FROM bench_ratings2;

SET max_parallel_workers_per_gather = 0;
SELECT bench.time('agree', 'bare scan: count(label)', 'SELECT count(label) FROM bench_ratings', 3, 5000000) IS NOT NULL AS timed;
SELECT bench.time('agree', 'plain SQL Fleiss (GROUP BY CTEs)', $q$
WITH c AS (SELECT item, label, count(*) n FROM bench_ratings GROUP BY item, label),
     items AS (SELECT item, sum(n) m, sum(n * n) s FROM c GROUP BY item),
     p AS (SELECT label, sum(n)::float8 / (SELECT sum(n) FROM c) pj FROM c GROUP BY label)
SELECT (avg((s - m) / (m * (m - 1))) - (SELECT sum(pj * pj) FROM p)) / (1 - (SELECT sum(pj * pj) FROM p)) AS fleiss_kappa
FROM items$q$, 1, 5000000) IS NOT NULL AS timed;
SELECT bench.time('agree', 'plain SQL nominal alpha (GROUP BY CTEs)', $q$
WITH c AS (SELECT item, label, count(*)::float8 n FROM bench_ratings GROUP BY item, label),
     u AS (SELECT item, sum(n) m, sum(n * n) s FROM c GROUP BY item HAVING sum(n) >= 2),
     nc AS (SELECT c.label, sum(c.n) nc FROM c JOIN u USING (item) GROUP BY c.label),
     tot AS (SELECT sum(nc) n, sum(nc * nc) s2 FROM nc)
SELECT 1 - ((SELECT sum((m * m - s) / (m - 1)) FROM u) / n) / ((n * n - s2) / (n * (n - 1))) FROM tot$q$, 1, 5000000) IS NOT NULL AS timed;
SELECT bench.time('agree', 'annqa.fleiss_kappa', 'SELECT annqa.fleiss_kappa(item, rater, label) FROM bench_ratings', 3, 5000000) IS NOT NULL AS timed;
SELECT bench.time('agree', 'annqa.krippendorff_alpha nominal', $q$SELECT annqa.krippendorff_alpha(item, rater, label, 'nominal') FROM bench_ratings$q$, 3, 5000000) IS NOT NULL AS timed;
SELECT bench.time('agree', 'annqa.krippendorff_alpha interval', $q$SELECT annqa.krippendorff_alpha(item, rater, label, 'interval') FROM bench_ratings$q$, 3, 5000000) IS NOT NULL AS timed;
SELECT bench.time('agree', 'annqa.agreement gwet_ac1 (value + SE)', $q$SELECT annqa.agreement(item, rater, label, 'gwet_ac1') FROM bench_ratings$q$, 3, 5000000) IS NOT NULL AS timed;
SELECT bench.time('agree', 'annqa.fleiss_kappa, 10M ratings', 'SELECT annqa.fleiss_kappa(item, rater, label) FROM bench_ratings2', 3, 10000000) IS NOT NULL AS timed;
-- The bare scan of the 10M table, so that the doubling cost of the aggregate
-- can be read net of the scan.  A table larger than shared_buffers / 4 is
-- scanned through a 256 kB ring of buffers (BULKREAD strategy), every page
-- copied from the kernel's page cache: with shared_buffers = 1GB the 422 MB
-- table's bare scan cost 2.25-2.3x the 211 MB one's; run.sh sets 2GB.
SELECT bench.time('agree', 'bare scan: count(label), 10M ratings', 'SELECT count(label) FROM bench_ratings2', 3, 10000000) IS NOT NULL AS timed;

SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT annqa.fleiss_kappa(item, rater, label) FROM bench_ratings;
SELECT bench.time('agree', 'bare scan: count(label), 2 parallel workers', 'SELECT count(label) FROM bench_ratings', 3, 5000000) IS NOT NULL AS timed;
SELECT bench.time('agree', 'annqa.fleiss_kappa, 2 parallel workers', 'SELECT annqa.fleiss_kappa(item, rater, label) FROM bench_ratings', 3, 5000000) IS NOT NULL AS timed;
SELECT bench.time('agree', 'annqa.krippendorff_alpha nominal, 2 parallel workers', $q$SELECT annqa.krippendorff_alpha(item, rater, label, 'nominal') FROM bench_ratings$q$, 3, 5000000) IS NOT NULL AS timed;
SET max_parallel_workers_per_gather = 0;

-- the same values?
SELECT round(annqa.fleiss_kappa(item, rater, label)::numeric, 4) AS fleiss_kappa_0_3595,
       abs(annqa.fleiss_kappa(item, rater, label) - (
         WITH c AS (SELECT item, label, count(*) n FROM bench_ratings GROUP BY item, label),
              items AS (SELECT item, sum(n) m, sum(n * n) s FROM c GROUP BY item),
              p AS (SELECT label, sum(n)::float8 / (SELECT sum(n) FROM c) pj FROM c GROUP BY label)
         SELECT (avg((s - m) / (m * (m - 1))) - (SELECT sum(pj * pj) FROM p)) / (1 - (SELECT sum(pj * pj) FROM p)) FROM items)) < 1e-12 AS same_as_plain_sql
FROM bench_ratings;

\echo 'Agreement, 5M ratings.  Goals: annqa <= 0.1 x plain SQL; 10M ratings <= 2.1 x 5M; 2 workers <= 1/1.6 = 0.625 x one process.'
SELECT * FROM bench.report('agree', 'plain SQL Fleiss (GROUP BY CTEs)');
SELECT round(((SELECT ms FROM bench.result WHERE grp = 'agree' AND label = 'plain SQL Fleiss (GROUP BY CTEs)')
            / (SELECT ms FROM bench.result WHERE grp = 'agree' AND label = 'annqa.fleiss_kappa'))::numeric, 1) AS fleiss_times_faster_than_sql,
       round(((SELECT ms FROM bench.result WHERE grp = 'agree' AND label = 'plain SQL nominal alpha (GROUP BY CTEs)')
            / (SELECT ms FROM bench.result WHERE grp = 'agree' AND label = 'annqa.krippendorff_alpha nominal'))::numeric, 1) AS alpha_times_faster_than_sql,
       round(((SELECT ms FROM bench.result WHERE grp = 'agree' AND label = 'annqa.fleiss_kappa, 10M ratings')
            / (SELECT ms FROM bench.result WHERE grp = 'agree' AND label = 'annqa.fleiss_kappa'))::numeric, 2) AS cost_of_doubling,
       round(((SELECT ms FROM bench.result WHERE grp = 'agree' AND label = 'bare scan: count(label), 10M ratings')
            / (SELECT ms FROM bench.result WHERE grp = 'agree' AND label = 'bare scan: count(label)'))::numeric, 2) AS scan_cost_of_doubling,
       round((((SELECT ms FROM bench.result WHERE grp = 'agree' AND label = 'annqa.fleiss_kappa, 10M ratings')
             - (SELECT ms FROM bench.result WHERE grp = 'agree' AND label = 'bare scan: count(label), 10M ratings'))
            / ((SELECT ms FROM bench.result WHERE grp = 'agree' AND label = 'annqa.fleiss_kappa')
             - (SELECT ms FROM bench.result WHERE grp = 'agree' AND label = 'bare scan: count(label)')))::numeric, 2) AS cost_of_doubling_net_of_scan,
       round(((SELECT ms FROM bench.result WHERE grp = 'agree' AND label = 'bare scan: count(label)')
            / (SELECT ms FROM bench.result WHERE grp = 'agree' AND label = 'bare scan: count(label), 2 parallel workers'))::numeric, 2) AS parallel_speedup_bare_scan,
       round(((SELECT ms FROM bench.result WHERE grp = 'agree' AND label = 'annqa.fleiss_kappa')
            / (SELECT ms FROM bench.result WHERE grp = 'agree' AND label = 'annqa.fleiss_kappa, 2 parallel workers'))::numeric, 2) AS parallel_speedup_fleiss,
       round(((SELECT ms FROM bench.result WHERE grp = 'agree' AND label = 'annqa.krippendorff_alpha nominal')
            / (SELECT ms FROM bench.result WHERE grp = 'agree' AND label = 'annqa.krippendorff_alpha nominal, 2 parallel workers'))::numeric, 2) AS parallel_speedup_alpha;

-- Memory: 10^8 ratings over 10^7 items in one process (about 2 minutes; set
-- ANNQA_AGREE_BIG=1 to run it).  Peak resident memory of the backend read
-- from /proc afterwards.
\getenv agree_big ANNQA_AGREE_BIG
\if :{?agree_big}
SELECT round(annqa.fleiss_kappa(i / 10, i % 10, ((i * 2654435761) >> 7) % 5)::numeric, 6) AS fleiss_1e8
FROM generate_series(0::bigint, 99999999) i;
SELECT (regexp_match(pg_read_file('/proc/' || pg_backend_pid() || '/status'), 'VmHWM:\s+(\d+ kB)'))[1] AS backend_peak_rss;
-- the same size arriving as 10 ascending runs of item keys (rater-major), in a
-- fresh backend: the final function merges the runs instead of sorting
\c
SELECT round(annqa.fleiss_kappa(i % 10000000, i / 10000000, (((i * 2654435761) >> 7) + i / 10000000) % 5)::numeric, 6) AS fleiss_1e8_10_runs
FROM generate_series(0::bigint, 99999999) i;
SELECT (regexp_match(pg_read_file('/proc/' || pg_backend_pid() || '/status'), 'VmHWM:\s+(\d+ kB)'))[1] AS backend_peak_rss_10_runs;
\endif

DROP TABLE bench_ratings, bench_ratings2;
