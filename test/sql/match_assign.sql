-- annqa.assign against scipy.optimize.linear_sum_assignment on 1,000 random
-- matrices up to 200 x 300 (and one 300 x 200).  The matrices are regenerated
-- here from their seeds by the integer hash of test/fixtures/gen_assign.py;
-- fixtures/assign_scipy.csv holds scipy's optimal totals.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS annqa CASCADE;
RESET client_min_messages;

CREATE TEMP TABLE ref (seed int, nrows int, ncols int, kind int, total float8);
\copy ref FROM 'fixtures/assign_scipy.csv' WITH (FORMAT csv, HEADER true)

-- the hash of gen_assign.py, step by step (every product < 2^62)
CREATE FUNCTION pg_temp.h(s bigint, i bigint, j bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE RETURN (
    SELECT x3 # (x3 >> 16)
    FROM (SELECT (((x2 # (x2 >> 13)) * 1103515245 + 12345) % 2147483648) AS x3
          FROM (SELECT (((x1 # (x1 >> 15)) * 1103515245 + 12345) % 2147483648) AS x2
                FROM (SELECT (s * 73856093 + i * 19349663 + j * 83492791) % 2147483648 AS x1) a) b) c);

-- sizes recomputed from the seeds agree with the fixture
SELECT count(*) AS seeds,
       count(*) FILTER (WHERE (nrows, ncols) = (
           CASE WHEN seed = 500 THEN 200 WHEN seed = 1000 THEN 300
                WHEN seed % 100 = 0 THEN 150 + pg_temp.h(seed, 1000, 0) % 51
                ELSE 1 + pg_temp.h(seed, 1000, 0) % 30 END,
           CASE WHEN seed = 500 THEN 300 WHEN seed = 1000 THEN 200
                WHEN seed % 100 = 0 THEN 200 + pg_temp.h(seed, 0, 1000) % 101
                ELSE 1 + pg_temp.h(seed, 0, 1000) % 40 END)) AS sizes_agree,
       max(nrows) AS max_rows, max(ncols) AS max_cols
FROM ref;

CREATE TEMP TABLE mat AS
SELECT seed, (SELECT array_agg(r ORDER BY i) FROM (
           SELECT i, array_agg(CASE r.kind WHEN 0 THEN u WHEN 1 THEN floor(10 * u) ELSE 2000 * u - 1000 END
                               ORDER BY j) AS r
           FROM generate_series(1, r.nrows) i, generate_series(1, r.ncols) j,
                LATERAL (SELECT (r.seed::bigint * 73856093 + i::bigint * 19349663 + j::bigint * 83492791) % 2147483648 AS x1) a,
                LATERAL (SELECT ((x1 # (x1 >> 15)) * 1103515245 + 12345) % 2147483648 AS x2) b,
                LATERAL (SELECT ((x2 # (x2 >> 13)) * 1103515245 + 12345) % 2147483648 AS x3) c,
                LATERAL (SELECT (x3 # (x3 >> 16))::float8 / 2147483648 AS u) d
           GROUP BY i) rows) AS cost
FROM ref r;
-- the inline hash above and pg_temp.h agree (spot check on 1,000 cells)
SELECT count(*) AS cells, count(*) FILTER (WHERE m.cost[i][j] = CASE r.kind WHEN 0 THEN u WHEN 1 THEN floor(10 * u) ELSE 2000 * u - 1000 END) AS agree
FROM ref r JOIN mat m USING (seed), generate_series(1, 1) i, generate_series(1, 1) j,
     LATERAL (SELECT pg_temp.h(r.seed, i, j)::float8 / 2147483648 AS u) h;

CREATE TEMP TABLE res AS
SELECT r.seed, r.total AS scipy, a.total, a.assigned, least(r.nrows, r.ncols) AS want_assigned, a.distinct_cols
FROM ref r JOIN mat m USING (seed),
     LATERAL (SELECT sum(m.cost[i][c]) AS total, count(c) AS assigned, count(DISTINCT c) AS distinct_cols
              FROM unnest(annqa.assign(m.cost)) WITH ORDINALITY AS x(c, i)) a;

-- every matrix: min(rows, cols) pairs, each column at most once, and the
-- total equal to scipy's within 1e-9 (relative to the magnitude of the total)
SELECT count(*) AS matrices,
       count(*) FILTER (WHERE assigned = want_assigned AND distinct_cols = assigned) AS one_to_one,
       count(*) FILTER (WHERE abs(total - scipy) <= 1e-9 * greatest(1, abs(scipy))) AS equal_to_scipy
FROM res;
-- the disagreeing cases (none expected)
SELECT seed, scipy, total, assigned, want_assigned FROM res
WHERE NOT (assigned = want_assigned AND distinct_cols = assigned
           AND abs(total - scipy) <= 1e-9 * greatest(1, abs(scipy)))
ORDER BY seed;

-- the comparison has teeth: a greedy solver (each row in turn takes its
-- cheapest free column) misses scipy's optimum on most of these matrices
SELECT count(*) AS small_wide_matrices,
       count(*) FILTER (WHERE g.total > r.total + 1e-9 * greatest(1, abs(r.total))) AS greedy_worse_than_scipy
FROM ref r JOIN mat m USING (seed),
LATERAL (
    WITH RECURSIVE gr(i, used, total) AS (
        SELECT 0, '{}'::int[], 0::float8
        UNION ALL
        SELECT gr.i + 1, gr.used || pick.j, gr.total + coalesce(pick.c, 0)
        FROM gr, LATERAL (SELECT j, m.cost[gr.i + 1][j] AS c FROM generate_series(1, r.ncols) j
                          WHERE j <> ALL (gr.used) ORDER BY 2, 1 LIMIT 1) pick
        WHERE gr.i < r.nrows AND r.nrows <= r.ncols
    ) SELECT total FROM gr ORDER BY i DESC LIMIT 1) g
WHERE r.nrows <= r.ncols AND r.nrows * r.ncols <= 1200;
