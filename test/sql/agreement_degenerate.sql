-- The degenerate cases of spec/agreement.md ("what annqa returns"), one by one.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS annqa CASCADE;
RESET client_min_messages;

CREATE FUNCTION pg_temp.all_stats(q text) RETURNS TABLE (statistic text, estimate float8, se float8, p_o float8, p_e float8)
LANGUAGE plpgsql AS $$
DECLARE s text;
BEGIN
  FOREACH s IN ARRAY ARRAY['cohen_kappa', 'scott_pi', 'fleiss_kappa', 'gwet_ac1', 'brennan_prediger',
                           'percent_agreement', 'percent_agreement_unanimous', 'krippendorff_alpha'] LOOP
    RETURN QUERY EXECUTE format('SELECT %L, round((e).estimate::numeric, 12)::float8, round((e).se::numeric, 12)::float8,
        round((e).p_o::numeric, 12)::float8, round((e).p_e::numeric, 12)::float8
      FROM (SELECT annqa.agreement(item, rater, label, %L) e FROM (%s) t(item, rater, label)) x', s, s, q);
  END LOOP;
END $$;

-- empty input and all-NULL labels: NULL everywhere (no state at all)
SELECT * FROM pg_temp.all_stats($$SELECT 1::bigint item, 'A'::text rater, 1::bigint label WHERE false$$);
SELECT * FROM pg_temp.all_stats($$SELECT i::bigint item, r rater, NULL::bigint label FROM generate_series(1, 3) i, unnest('{A,B}'::text[]) r$$);
SELECT annqa.fleiss_kappa(1, 'A', NULL::bigint) AS fleiss, annqa.cohen_kappa(NULL::bigint, NULL::bigint) AS cohen,
       annqa.krippendorff_alpha(1, 'A', NULL::float8, 'interval') AS alpha;

-- a single category (p_e = 1): kappa, pi, Fleiss, AC1 (q = 1), BP, alpha NULL;
-- percent agreement 1 (SE 0)
SELECT * FROM pg_temp.all_stats($$SELECT i::bigint item, r rater, 7::bigint label FROM generate_series(1, 5) i, unnest('{A,B}'::text[]) r$$);
-- ... with 2 declared categories: kappa and Fleiss stay NULL; AC1 = 1 and BP = 1, SE 0
SELECT s AS statistic, (e).estimate, (e).se, (e).n_categories
FROM unnest(ARRAY['cohen_kappa', 'fleiss_kappa', 'gwet_ac1', 'brennan_prediger']) s,
     LATERAL (SELECT annqa.agreement(i::bigint, r, 'x'::text, s, '{"categories": ["x", "y"]}') e
              FROM generate_series(1, 5) i, unnest('{A,B}'::text[]) r) t;
SELECT annqa.gwet_ac1(i::bigint, r, 'x'::text, '{x,y}'::text[]) AS ac1, annqa.brennan_prediger(i::bigint, r, 'x'::text, '{x,y}'::text[]) AS bp,
       annqa.gwet_ac1(i::bigint, r, 'x'::text) AS ac1_observed
FROM generate_series(1, 5) i, unnest('{A,B}'::text[]) r;

-- one item, two raters who disagree (1 vs 2): Cohen 0 (p_o = p_e = 0, SE 0);
-- Scott, Fleiss, AC1, BP -1; alpha 0; percent agreement 0; Gwet SEs NULL (n - 1 = 0)
SELECT * FROM pg_temp.all_stats($$VALUES (1::bigint, 'A'::text, 1::bigint), (1, 'B', 2)$$);

-- perfect agreement, 2 raters x 3 categories: 1 everywhere, FCE SE 0.
-- Fleiss SE0 (H0) stays > 0: p_k = 1/3, sum p q = 2/3, sum p q (q - p) = 2/9,
-- SE0 = sqrt(2 / (9 * 2 * 1)) * sqrt(4/9 - 2/9) / (2/3) = 0.235702260396.
-- Alpha: D_e = (18^2 - 3 * 6^2) / (18 * 17) = 0.705882352941, D_o = 0.
SELECT * FROM pg_temp.all_stats($$SELECT i::bigint item, r rater, (i % 3)::bigint label FROM generate_series(1, 9) i, unnest('{A,B}'::text[]) r$$);

-- Cohen / Scott with 3 raters: NULL (ambiguous pair); with 1 rater or without
-- overlapping items: NULL
SELECT s AS statistic, (e).estimate, (e).n_raters
FROM unnest(ARRAY['cohen_kappa', 'scott_pi']) s,
     LATERAL (SELECT annqa.agreement(i::bigint, r, (i % 2)::bigint, s) e FROM generate_series(1, 6) i, unnest('{A,B,C}'::text[]) r) t;
SELECT (annqa.agreement(i::bigint, 'A', (i % 2)::bigint, 'cohen_kappa')).estimate AS one_rater FROM generate_series(1, 6) i;
SELECT (e).estimate AS no_overlap, (e).n_items, (e).n_raters
FROM (SELECT annqa.agreement(item, rater, label, 'cohen_kappa') e
      FROM (VALUES (1::bigint, 'A'::text, 1::bigint), (2, 'A', 2), (3, 'B', 1), (4, 'B', 2)) t(item, rater, label)) x;
-- no item with 2 ratings: Fleiss, AC1, BP, alpha NULL
SELECT * FROM pg_temp.all_stats($$VALUES (1::bigint, 'A'::text, 1::bigint), (2, 'A', 2), (3, 'B', 1), (4, 'B', 2)$$);

-- per-category kappa of an unused category: NULL; unequal numbers of ratings: NULL
SELECT annqa.fleiss_kappa_category(i::bigint, r, (i % 2)::bigint, 5::bigint) AS unused,
       annqa.fleiss_kappa_category(i::bigint, r, (i % 2)::bigint, 1::bigint) AS used
FROM generate_series(1, 6) i, unnest('{A,B,C}'::text[]) r;
SELECT annqa.fleiss_kappa_category(i::bigint, r, ((i + length(r)) % 2)::bigint, 1::bigint) AS unequal_m,
       (annqa.agreement(i::bigint, r, ((i + length(r)) % 2)::bigint, 'fleiss_kappa')).se AS fleiss_se0_unequal_m
FROM generate_series(1, 6) i, unnest('{A,BB,C}'::text[]) r WHERE NOT (i = 1 AND r = 'C');

-- Krippendorff: every pairable value identical -> NULL, though a singly-coded
-- unit has another value
SELECT annqa.krippendorff_alpha(item, rater, v, 'interval') AS alpha
FROM (VALUES (1::bigint, 'A'::text, 3::float8), (1, 'B', 3), (2, 'A', 3), (2, 'B', 3), (3, 'A', 9)) t(item, rater, v);
-- the same with values that are not exact in binary (0.1, 7.77): identical
-- values must give D_o = D_e = 0 exactly, not a rounding residue of a float
-- mean (which gave -0.25 and -3 before 2026-11-28); every answer NULL
SELECT (SELECT annqa.krippendorff_alpha(i, r, 0.1::float8, 'interval') FROM generate_series(1, 2) i, generate_series(1, 3) r) AS two_units_of_three,
       (SELECT annqa.krippendorff_alpha(i, r, 7.77::float8, 'interval') FROM generate_series(1, 1) i, generate_series(1, 7) r) AS one_unit_of_seven,
       (SELECT annqa.krippendorff_alpha(i, r, 0.1::float8, 'interval') FROM generate_series(1, 3) i, generate_series(1, 2) r) AS three_units_of_two,
       (SELECT (a.p_o, a.p_e)::text FROM (SELECT (annqa.agreement(i::bigint, r::bigint, 0.1::float8, 'krippendorff_alpha', '{"level": "interval"}')).*
                                          FROM generate_series(1, 2) i, generate_series(1, 3) r) a) AS d_o_d_e;
