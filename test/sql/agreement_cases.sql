-- Every reference case of ../shared/testdata/agreement_cases.json (453 cases,
-- long format: item, rater, value; expected NULL = SQL NULL), value and SE,
-- through annqa.agreement(...) and through the matching scalar aggregate.
-- The expected values come from the JSON file; this test prints only counts
-- of agreeing cases and lists the disagreeing ones (which must be none).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS annqa CASCADE;
RESET client_min_messages;

\set v `cat shared/testdata/agreement_cases.json`
CREATE TEMP TABLE cases AS
SELECT c->>'id' AS id, c->>'statistic' AS stat, (c->'params') - 'se_method'::text AS opts,
       (c->>'expected')::float8 AS expected, (c->>'expected_se')::float8 AS expected_se,
       (c->>'tolerance')::float8 AS tol, coalesce((c->>'se_tolerance')::float8, 1e-9) AS se_tol,
       coalesce((c->>'error_acceptable')::boolean, false) AS err_ok,
       EXISTS (SELECT 1 FROM jsonb_array_elements(c->'data') r WHERE jsonb_typeof(r->2) = 'string') AS is_text,
       (SELECT count(DISTINCT r->>1) FROM jsonb_array_elements(c->'data') r WHERE r->2 <> 'null') AS n_raters
FROM jsonb_array_elements((:'v')::jsonb->'cases') c;
CREATE TEMP TABLE ratings AS
SELECT c->>'id' AS id, (r->>0)::bigint AS item, r->>1 AS rater, r->>2 AS val
FROM jsonb_array_elements((:'v')::jsonb->'cases') c, jsonb_array_elements(c->'data') r;

SELECT count(*) AS cases, count(*) FILTER (WHERE is_text) AS text_label_cases,
       count(*) FILTER (WHERE expected IS NULL) AS undefined_cases FROM cases;

-- ---------------------------------------------------------------- annqa.agreement
CREATE TEMP TABLE got_est AS
SELECT r.id, annqa.agreement(r.item, r.rater, r.val::bigint, c.stat, c.opts) AS e
FROM ratings r JOIN cases c USING (id) WHERE NOT c.is_text GROUP BY r.id
UNION ALL
SELECT r.id, annqa.agreement(r.item, r.rater, r.val, c.stat, c.opts)
FROM ratings r JOIN cases c USING (id) WHERE c.is_text GROUP BY r.id;

CREATE TEMP TABLE cmp_est AS
SELECT c.*, (g.e).estimate AS got, (g.e).se AS got_se,
       CASE WHEN c.expected IS NULL THEN (g.e).estimate IS NULL
            ELSE coalesce(abs((g.e).estimate - c.expected) <= c.tol, false) END AS est_ok,
       CASE WHEN c.expected_se IS NULL THEN (g.e).se IS NULL
            ELSE coalesce(abs((g.e).se - c.expected_se) <= c.se_tol, false) END AS se_ok
FROM cases c LEFT JOIN got_est g USING (id);

SELECT stat, count(*) AS cases, count(*) FILTER (WHERE est_ok) AS estimate_ok,
       count(*) FILTER (WHERE se_ok) AS se_ok
FROM cmp_est GROUP BY stat ORDER BY stat;
-- disagreeing cases (none expected)
SELECT id, expected, got, expected_se, got_se FROM cmp_est WHERE NOT (est_ok AND se_ok) ORDER BY id;

-- ---------------------------------------------------------------- scalar aggregates
-- cohen_kappa and scott_pi are wide-form: the two raters' labels side by side
-- (rows with a NULL on either side are skipped by the aggregate).  Cases with
-- more than two raters cannot be written in wide form and are counted apart.
CREATE TEMP TABLE case_raters AS
SELECT id, min(rater) AS ra, max(rater) AS rb FROM ratings WHERE val IS NOT NULL GROUP BY id;
CREATE TEMP TABLE wide AS
SELECT c.id, a.val AS va, b.val AS vb
FROM cases c
JOIN case_raters cr USING (id)
JOIN ratings a ON a.id = c.id AND a.rater = cr.ra
JOIN ratings b ON b.id = c.id AND b.item = a.item AND b.rater = cr.rb
WHERE c.stat IN ('cohen_kappa', 'scott_pi') AND c.n_raters = 2;

CREATE FUNCTION pg_temp.cats_b(o jsonb) RETURNS bigint[] LANGUAGE sql IMMUTABLE AS
$$ SELECT array_agg(x::bigint ORDER BY n) FROM jsonb_array_elements_text(o->'categories') WITH ORDINALITY t(x, n) $$;
CREATE FUNCTION pg_temp.cats_t(o jsonb) RETURNS text[] LANGUAGE sql IMMUTABLE AS
$$ SELECT array_agg(x ORDER BY n) FROM jsonb_array_elements_text(o->'categories') WITH ORDINALITY t(x, n) $$;

CREATE TEMP TABLE got_scalar AS
SELECT w.id, coalesce(
    annqa.cohen_kappa(va::bigint, vb::bigint, c.opts->>'weights', pg_temp.cats_b(c.opts)) FILTER (WHERE c.stat = 'cohen_kappa' AND c.opts ? 'categories'),
    annqa.cohen_kappa(va::bigint, vb::bigint, c.opts->>'weights') FILTER (WHERE c.stat = 'cohen_kappa' AND NOT c.opts ? 'categories'),
    annqa.scott_pi(va::bigint, vb::bigint, c.opts->>'weights') FILTER (WHERE c.stat = 'scott_pi')) AS got
FROM wide w JOIN cases c USING (id) WHERE NOT c.is_text AND coalesce(c.opts->>'basis', 'index') = 'index' GROUP BY w.id
UNION ALL
SELECT w.id, coalesce(
    annqa.cohen_kappa(va, vb) FILTER (WHERE c.stat = 'cohen_kappa'),
    annqa.scott_pi(va, vb) FILTER (WHERE c.stat = 'scott_pi'))
FROM wide w JOIN cases c USING (id) WHERE c.is_text AND c.opts->>'weights' = 'none' GROUP BY w.id
UNION ALL
SELECT r.id, coalesce(
    annqa.fleiss_kappa(r.item, r.rater, r.val::bigint) FILTER (WHERE c.stat = 'fleiss_kappa'),
    annqa.fleiss_kappa_category(r.item, r.rater, r.val::bigint, (c.opts->>'category')::bigint) FILTER (WHERE c.stat = 'fleiss_kappa_category'),
    annqa.gwet_ac1(r.item, r.rater, r.val::bigint, pg_temp.cats_b(c.opts)) FILTER (WHERE c.stat = 'gwet_ac1' AND c.opts ? 'categories'),
    annqa.gwet_ac1(r.item, r.rater, r.val::bigint) FILTER (WHERE c.stat = 'gwet_ac1' AND NOT c.opts ? 'categories'),
    annqa.gwet_ac2(r.item, r.rater, r.val::bigint, c.opts->>'weights') FILTER (WHERE c.stat = 'gwet_ac2'),
    annqa.brennan_prediger(r.item, r.rater, r.val::bigint, pg_temp.cats_b(c.opts)) FILTER (WHERE c.stat = 'brennan_prediger' AND c.opts ? 'categories'),
    annqa.brennan_prediger(r.item, r.rater, r.val::bigint) FILTER (WHERE c.stat = 'brennan_prediger' AND NOT c.opts ? 'categories' AND c.opts->>'weights' = 'none'),
    annqa.brennan_prediger(r.item, r.rater, r.val::bigint, c.opts->>'weights') FILTER (WHERE c.stat = 'brennan_prediger' AND NOT c.opts ? 'categories' AND c.opts->>'weights' <> 'none'),
    annqa.percent_agreement(r.item, r.rater, r.val::bigint) FILTER (WHERE c.stat = 'percent_agreement'),
    annqa.percent_agreement_unanimous(r.item, r.rater, r.val::bigint) FILTER (WHERE c.stat = 'percent_agreement_unanimous'),
    annqa.krippendorff_alpha(r.item, r.rater, r.val::float8, c.opts->>'level') FILTER (WHERE c.stat = 'krippendorff_alpha'))
FROM ratings r JOIN cases c USING (id)
WHERE NOT c.is_text AND c.stat NOT IN ('cohen_kappa', 'scott_pi') AND coalesce(c.opts->>'basis', 'index') = 'index'
GROUP BY r.id
UNION ALL
SELECT r.id, coalesce(
    annqa.fleiss_kappa(r.item, r.rater, r.val) FILTER (WHERE c.stat = 'fleiss_kappa'),
    annqa.gwet_ac1(r.item, r.rater, r.val) FILTER (WHERE c.stat = 'gwet_ac1'),
    annqa.brennan_prediger(r.item, r.rater, r.val) FILTER (WHERE c.stat = 'brennan_prediger'),
    annqa.percent_agreement(r.item, r.rater, r.val) FILTER (WHERE c.stat = 'percent_agreement'),
    annqa.krippendorff_alpha(r.item, r.rater, r.val, c.opts->>'level') FILTER (WHERE c.stat = 'krippendorff_alpha'))
FROM ratings r JOIN cases c USING (id)
WHERE c.is_text AND c.stat NOT IN ('cohen_kappa', 'scott_pi')
GROUP BY r.id;

-- cases a scalar aggregate cannot express (listed): value-basis weights
-- (annqa.agreement only), Cohen/Scott without exactly 2 raters (no wide
-- form), and empty input (no group to aggregate; annqa.agreement covers it)
SELECT id, CASE WHEN opts->>'basis' = 'value' THEN 'value basis'
                WHEN NOT EXISTS (SELECT 1 FROM ratings r WHERE r.id = c.id) THEN 'empty input'
                ELSE format('%s raters', n_raters) END AS why
FROM cases c WHERE NOT EXISTS (SELECT 1 FROM got_scalar g WHERE g.id = c.id)
ORDER BY id;

CREATE TEMP TABLE cmp_scalar AS
SELECT c.*, g.got,
       CASE WHEN c.expected IS NULL THEN g.got IS NULL
            ELSE coalesce(abs(g.got - c.expected) <= c.tol, false) END AS est_ok
FROM cases c JOIN got_scalar g USING (id);
SELECT stat, count(*) AS cases, count(*) FILTER (WHERE est_ok) AS estimate_ok
FROM cmp_scalar GROUP BY stat ORDER BY stat;
SELECT id, expected, got FROM cmp_scalar WHERE NOT est_ok ORDER BY id;
