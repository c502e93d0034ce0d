-- Published agreement values, each with its citation.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS annqa CASCADE;
RESET client_min_messages;

-- ---------------------------------------------------------------- Fleiss (1971)
-- Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters.
-- Psychological Bulletin 76(5), 378-382: 30 patients x 6 psychiatrists, 5
-- diagnoses (data as in R irr's `diagnoses`).  Published: kappa = 0.430;
-- per-category kappas 0.245, 0.245, 0.520, 0.471, 0.566.
CREATE TEMP TABLE diag (item bigint, rater text, label text);
\copy diag FROM 'shared/data/irr_diagnoses/diagnoses_long.csv' CSV HEADER
SELECT count(*) AS ratings, count(DISTINCT item) AS items, count(DISTINCT rater) AS raters FROM diag;
SELECT round(annqa.fleiss_kappa(item, rater, label)::numeric, 3) AS fleiss_kappa_0_430 FROM diag;
SELECT left(c, 1) AS category,
       round(annqa.fleiss_kappa_category(item, rater, label, c)::numeric, 3) AS kappa_j
FROM diag, (SELECT DISTINCT label AS c FROM diag) cs
GROUP BY c ORDER BY c;
-- same through annqa.agreement with integer labels; SE0 of Fleiss, Nee &
-- Landis (1979) as R irr kappam.fleiss reports it: z = 17.7 (kappa / se)
SELECT round((e).estimate::numeric, 3) AS kappa, round(((e).estimate / (e).se)::numeric, 1) AS z,
       (e).n_items, (e).n_raters, (e).n_categories
FROM (SELECT annqa.agreement(item, rater, left(label, 1)::bigint, 'fleiss_kappa') AS e FROM diag) t;

-- ---------------------------------------------------------------- Wikipedia / statsmodels
-- The worked example of Wikipedia "Fleiss' kappa" (statsmodels' test table):
-- 10 subjects x 14 raters, counts per category below.  Published: P-bar =
-- 0.378, P-bar_e = 0.213, kappa = 0.210.
CREATE TEMP TABLE wp (subject int, c1 int, c2 int, c3 int, c4 int, c5 int);
INSERT INTO wp VALUES (1,0,0,0,0,14), (2,0,2,6,4,2), (3,0,0,3,5,6), (4,0,3,9,2,0), (5,2,2,8,1,1),
                      (6,7,7,0,0,0), (7,3,2,6,3,0), (8,2,5,3,2,2), (9,6,5,2,1,0), (10,0,2,2,3,7);
CREATE TEMP TABLE wp_long AS
SELECT subject AS item, row_number() OVER (PARTITION BY subject ORDER BY cat) AS rater, cat AS label
FROM wp, LATERAL (VALUES (1, c1), (2, c2), (3, c3), (4, c4), (5, c5)) v(cat, n), generate_series(1, n);
SELECT round((e).p_o::numeric, 3) AS p_bar, round((e).p_e::numeric, 3) AS p_bar_e, round((e).estimate::numeric, 3) AS kappa
FROM (SELECT annqa.agreement(item, rater, label, 'fleiss_kappa') AS e FROM wp_long) t;

-- ---------------------------------------------------------------- Krippendorff data C
-- Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability, section
-- C: 4 coders x 12 units with missing values.  Published: nominal 0.743,
-- ordinal 0.815, interval 0.849, ratio 0.797.
CREATE TEMP TABLE kc (item bigint, rater text, value float8);
\copy kc FROM 'shared/data/textbook_fixtures/krippendorff_C_long.csv' CSV HEADER
SELECT lv AS level, round(annqa.krippendorff_alpha(item, rater, value, lv)::numeric, 3) AS alpha
FROM kc, unnest(ARRAY['nominal', 'ordinal', 'interval', 'ratio']) lv
GROUP BY lv ORDER BY array_position(ARRAY['nominal', 'ordinal', 'interval', 'ratio'], lv);
-- nominal with the values as text labels: the same 0.743
SELECT round(annqa.krippendorff_alpha(item, rater, value::text, 'nominal')::numeric, 3) AS alpha_text FROM kc;
-- 11 pairable units (unit 12 has one value) with 40 pairable values; the
-- coincidence marginals n_c of values 1..5 are 9, 13, 10, 5, 3, so nominal
-- D_e = (40^2 - (81 + 169 + 100 + 25 + 9)) / (40 * 39) = 1216 / 1560
SELECT (e).n_items AS pairable_units, round((e).p_e::numeric, 9) AS d_e,
       round(1216 / 1560.0, 9) AS d_e_by_hand
FROM (SELECT annqa.agreement(item, rater, value, 'krippendorff_alpha', '{"level": "nominal"}') AS e FROM kc) t;

-- ---------------------------------------------------------------- sklearn
-- scikit-learn's cohen_kappa_score docstring example: 0.6875.
-- By hand: p_o = 4/5; marginals neg 2/3, pos 2/1, neu 1/1 of 5; p_e = 9/25;
-- kappa = (0.8 - 0.36) / 0.64 = 0.6875.
SELECT round(annqa.cohen_kappa(a, b)::numeric, 12) AS kappa_0_6875
FROM (VALUES ('negative', 'negative'), ('positive', 'positive'), ('negative', 'negative'),
             ('neutral', 'neutral'), ('positive', 'negative')) t(a, b);

-- ---------------------------------------------------------------- Fleiss, Cohen & Everitt (1969)
-- The 3 x 3 table of 200 subjects (textbook_fixtures).  By hand: p_o =
-- (106 + 28 + 6) / 200 = 0.70; row totals 120, 60, 20; column totals 130,
-- 50, 20; p_e = (120*130 + 60*50 + 20*20) / 200^2 = 0.475; kappa = 0.225 /
-- 0.525 = 3/7 = 0.428571.  Scott's pi: pi_k = (0.625, 0.275, 0.1), p_e =
-- 0.390625 + 0.075625 + 0.01 = 0.47625, pi = 0.22375 / 0.52375 = 0.427208.
CREATE TEMP TABLE fce (r1 bigint, r2 bigint, n int);
\copy fce FROM 'shared/data/textbook_fixtures/fleiss_cohen_everitt_1969_table.csv' CSV HEADER
SELECT round(annqa.cohen_kappa(r1, r2)::numeric, 6) AS kappa, round(annqa.scott_pi(r1, r2)::numeric, 6) AS pi
FROM fce, generate_series(1, n);
-- the long form through annqa.agreement gives the same numbers (and SEs)
CREATE TEMP TABLE fce_long AS
SELECT s AS item, rater, label FROM (
  SELECT row_number() OVER () AS s, r1, r2 FROM fce, generate_series(1, n)) t,
  LATERAL (VALUES ('A', r1), ('B', r2)) v(rater, label);
SELECT round((a).estimate::numeric, 6) AS kappa, round((a).p_o::numeric, 6) AS p_o, round((a).p_e::numeric, 6) AS p_e,
       (a).n_items, round((b).estimate::numeric, 6) AS pi
FROM (SELECT annqa.agreement(item, rater, label, 'cohen_kappa') AS a,
             annqa.agreement(item, rater, label, 'scott_pi') AS b FROM fce_long) t;
