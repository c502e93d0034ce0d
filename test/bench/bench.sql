-- Timing helpers for the benchmarks: bench.time() runs a query several times
-- and keeps the best wall-clock time; bench.report() prints every figure of a
-- group next to its baseline, as a ratio.
CREATE SCHEMA bench;
CREATE TABLE bench.result (grp text, label text, ms float8, rows_per_call bigint, PRIMARY KEY (grp, label));

CREATE FUNCTION bench.time(grp text, label text, query text, reps int DEFAULT 3, nrows bigint DEFAULT NULL)
RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
    best float8 := 'infinity';
    t0 timestamptz;
    i int;
BEGIN
    FOR i IN 1..reps LOOP
        t0 := clock_timestamp();
        EXECUTE query;
        best := least(best, extract(epoch FROM clock_timestamp() - t0) * 1000);
    END LOOP;
    INSERT INTO bench.result VALUES (grp, label, best, nrows)
        ON CONFLICT ON CONSTRAINT result_pkey DO UPDATE SET ms = excluded.ms, rows_per_call = excluded.rows_per_call;
    RETURN best;
END $$;

-- ratio = per-row time / baseline's per-row time (plain ms when a row count
-- is missing): below 1 means faster than the baseline.
CREATE FUNCTION bench.report(grp text, baseline text)
RETURNS TABLE (measurement text, ms numeric, ratio_to_baseline numeric, us_per_row numeric)
LANGUAGE sql AS $$
    SELECT r.label, round(r.ms::numeric, 1),
           round(CASE WHEN r.rows_per_call > 0 AND b.rows_per_call > 0
                      THEN (r.ms / r.rows_per_call) / nullif(b.ms / b.rows_per_call, 0)
                      ELSE r.ms / nullif(b.ms, 0) END::numeric, 3),
           round((r.ms * 1000 / nullif(r.rows_per_call, 0))::numeric, 4)
    FROM bench.result r, bench.result b
    WHERE r.grp = $1 AND b.grp = $1 AND b.label = $2
    ORDER BY r.ms;
$$;
