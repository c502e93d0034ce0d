-- ======================================================================
-- Agreement: kappa / pi / AC1 / AC2 / Brennan-Prediger / percent agreement
-- / Krippendorff's alpha as parallel, Citus-ready aggregates
-- (definitions: doc/readme-agreement.md and ../shared/spec/agreement.md)
-- ======================================================================

-- ---------------------------------------------------------------- the state type

CREATE TYPE annqa.agree_state;

CREATE FUNCTION annqa.agree_state_in(cstring) RETURNS annqa.agree_state
    AS 'MODULE_PATHNAME', 'annqa_agree_state_in'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION annqa.agree_state_in(cstring) IS
    'text input of annqa.agree_state: "agree1:" and the base64 of the validated flat state';
CREATE FUNCTION annqa.agree_state_out(annqa.agree_state) RETURNS cstring
    AS 'MODULE_PATHNAME', 'annqa_agree_state_out'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION annqa.agree_state_out(annqa.agree_state) IS
    'text output of annqa.agree_state; round-trips bit-exactly through annqa.agree_state_in';
CREATE FUNCTION annqa.agree_state_recv(internal) RETURNS annqa.agree_state
    AS 'MODULE_PATHNAME', 'annqa_agree_state_recv'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION annqa.agree_state_recv(internal) IS
    'binary input of annqa.agree_state (validated; bad bytes raise 22P03)';
CREATE FUNCTION annqa.agree_state_send(annqa.agree_state) RETURNS bytea
    AS 'MODULE_PATHNAME', 'annqa_agree_state_send'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION annqa.agree_state_send(annqa.agree_state) IS
    'binary output of annqa.agree_state';

CREATE TYPE annqa.agree_state (
    INPUT = annqa.agree_state_in,
    OUTPUT = annqa.agree_state_out,
    RECEIVE = annqa.agree_state_recv,
    SEND = annqa.agree_state_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = int4,
    STORAGE = extended
);
COMMENT ON TYPE annqa.agree_state IS
    'partial state of the annqa agreement aggregates: the non-null ratings as (item, rater, label) ids over value dictionaries (with bigint item keys grouped by item when serialised: one rating pattern per item), plus the statistic options; mergeable, with exact text and binary forms';

CREATE TYPE annqa.agreement_estimate AS (
    estimate     float8,
    se           float8,
    ci_lower     float8,
    ci_upper     float8,
    p_o          float8,
    p_e          float8,
    n_items      bigint,
    n_raters     integer,
    n_categories integer
);
COMMENT ON TYPE annqa.agreement_estimate IS
    'an agreement statistic with its standard error (the one the spec names), normal Wald interval estimate +- z(conf_level) * se, observed and chance agreement (D_o and D_e for alpha), and the numbers of items, raters and categories used';

CREATE FUNCTION annqa.agree_combine(annqa.agree_state, annqa.agree_state) RETURNS annqa.agree_state
    AS 'MODULE_PATHNAME', 'annqa_agree_combine'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION annqa.agree_combine(annqa.agree_state, annqa.agree_state) IS
    'combine function of the agreement aggregates: merges two partial states';

-- final functions, one per statistic
CREATE FUNCTION annqa.agree_final_estimate(annqa.agree_state) RETURNS annqa.agreement_estimate
    AS 'MODULE_PATHNAME', 'annqa_agree_final_estimate'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION annqa.agree_final_estimate(annqa.agree_state) IS
    'final function of annqa.agreement';

DO $do$
DECLARE
    st text;
BEGIN
    FOREACH st IN ARRAY ARRAY['cohen_kappa', 'scott_pi', 'fleiss_kappa', 'fleiss_kappa_category',
                              'gwet_ac1', 'gwet_ac2', 'brennan_prediger', 'percent_agreement',
                              'percent_agreement_unanimous', 'krippendorff_alpha']
    LOOP
        EXECUTE format($f$CREATE FUNCTION annqa.%I(annqa.agree_state) RETURNS float8
            AS 'MODULE_PATHNAME', %L LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE$f$,
            'agree_final_' || st, 'annqa_agree_final_' || st);
        EXECUTE format('COMMENT ON FUNCTION annqa.%I(annqa.agree_state) IS %L',
            'agree_final_' || st, 'final function of annqa.' || st);
    END LOOP;
END
$do$;

-- ---------------------------------------------------------------- the overloads
-- Every aggregate is declared with concrete argument types (Citus 13 checks
-- them in worker_partial_agg), generated from the lists below:
--   keys:   item and rater each bigint or text (int and varchar cast implicitly);
--   labels: bigint or text (float8 for alpha values and for annqa.agreement).
-- Each row of the shape list: aggregate name, C transition symbol, argument
-- list after the keys (%1$s is the label type), final function, comment.

DO $do$
DECLARE
    kt  text;
    rt  text;
    lt  text;
    sh  record;
    args text;
    targs text;
    sig text;
BEGIN
    FOR sh IN
        SELECT * FROM (VALUES
          ('fleiss_kappa', 'annqa_agree_trans', 'label %1$s', 'fleiss_kappa', false,
           'Fleiss (1971) kappa over long-format ratings; unequal numbers of ratings per item follow Gwet''s generalisation; NULL when undefined'),
          ('fleiss_kappa_category', 'annqa_agree_trans_category', 'label %1$s, category %1$s', 'fleiss_kappa_category', false,
           'Fleiss (1971) per-category kappa of category; NULL for an unused category or unequal numbers of ratings per item'),
          ('gwet_ac1', 'annqa_agree_trans', 'label %1$s', 'gwet_ac1', false,
           'Gwet (2008) AC1 over the observed categories; NULL when undefined'),
          ('gwet_ac1', 'annqa_agree_trans_cats', 'label %1$s, categories %1$s[]', 'gwet_ac1', false,
           'Gwet (2008) AC1 over the declared categories'),
          ('gwet_ac2', 'annqa_agree_trans_weights', 'label %1$s, weights text', 'gwet_ac2', false,
           'Gwet (2014) AC2 with none/linear/quadratic weights by category index, observed categories'),
          ('gwet_ac2', 'annqa_agree_trans_weights_cats', 'label %1$s, weights text, categories %1$s[]', 'gwet_ac2', false,
           'Gwet (2014) AC2 with none/linear/quadratic weights by category index over the declared categories'),
          ('brennan_prediger', 'annqa_agree_trans', 'label %1$s', 'brennan_prediger', false,
           'Brennan & Prediger (1981) coefficient, p_e = 1/q over the observed categories'),
          ('brennan_prediger', 'annqa_agree_trans_cats', 'label %1$s, categories %1$s[]', 'brennan_prediger', false,
           'Brennan & Prediger (1981) coefficient, p_e = 1/q over the declared categories'),
          ('brennan_prediger', 'annqa_agree_trans_bp_weights', 'label %1$s, weights text', 'brennan_prediger', false,
           'weighted Brennan & Prediger coefficient, p_e = T_w / q^2, weights none/linear/quadratic by category index'),
          ('brennan_prediger', 'annqa_agree_trans_bp_weights_cats', 'label %1$s, weights text, categories %1$s[]', 'brennan_prediger', false,
           'weighted Brennan & Prediger coefficient over the declared categories'),
          ('percent_agreement', 'annqa_agree_trans', 'label %1$s', 'percent_agreement', false,
           'pairwise percent agreement (Fleiss'' P-bar) over items with at least 2 ratings'),
          ('percent_agreement_unanimous', 'annqa_agree_trans', 'label %1$s', 'percent_agreement_unanimous', false,
           'share of the items with at least 2 ratings whose ratings are all identical'),
          ('krippendorff_alpha', 'annqa_agree_trans_level', 'value %1$s, level text', 'krippendorff_alpha', true,
           'Krippendorff''s alpha at level nominal, ordinal, interval or ratio; NULL when nothing is pairable or every pairable value is identical'),
          ('agreement', 'annqa_agree_trans_options', 'label %1$s, statistic text', 'estimate', true,
           'any agreement statistic with its standard error, Wald interval, p_o, p_e and counts'),
          ('agreement', 'annqa_agree_trans_options', 'label %1$s, statistic text, options jsonb', 'estimate', true,
           'any agreement statistic with options weights, basis, categories, level, category, conf_level')
        ) AS t(agg, csym, rest, fin, with_float, descr)
    LOOP
        FOREACH kt IN ARRAY ARRAY['bigint', 'text'] LOOP
        FOREACH rt IN ARRAY ARRAY['bigint', 'text'] LOOP
        FOREACH lt IN ARRAY CASE WHEN sh.agg = 'krippendorff_alpha' THEN ARRAY['float8', 'text']
                                 WHEN sh.with_float THEN ARRAY['bigint', 'text', 'float8']
                                 ELSE ARRAY['bigint', 'text'] END LOOP
            args := format('item %s, rater %s, ', kt, rt) || format(sh.rest, lt);
            -- the transition function's argument types, without names
            targs := regexp_replace(args, '(^|, )[a-z_]+ ', '\1', 'g');
            sig := format('annqa.agree_state, %s', targs);
            BEGIN
                EXECUTE format($f$CREATE FUNCTION annqa.%I(%s) RETURNS annqa.agree_state
                    AS 'MODULE_PATHNAME', %L LANGUAGE C IMMUTABLE PARALLEL SAFE$f$,
                    substr(sh.csym, 7), sig, sh.csym);
                EXECUTE format('COMMENT ON FUNCTION annqa.%I(%s) IS %L', substr(sh.csym, 7), sig,
                    'transition function of the annqa agreement aggregates');
            EXCEPTION WHEN duplicate_function THEN
                NULL;   -- shared by several aggregates
            END;
            EXECUTE format($f$CREATE AGGREGATE annqa.%I(%s) (
                    SFUNC = annqa.%I, STYPE = annqa.agree_state,
                    FINALFUNC = annqa.%I, COMBINEFUNC = annqa.agree_combine,
                    PARALLEL = SAFE)$f$,
                sh.agg, args, substr(sh.csym, 7), 'agree_final_' || sh.fin);
            EXECUTE format('COMMENT ON AGGREGATE annqa.%I(%s) IS %L', sh.agg, targs, sh.descr);
        END LOOP; END LOOP; END LOOP;
    END LOOP;

    -- wide form two-rater statistics: one row per item with both raters' labels
    FOR sh IN
        SELECT * FROM (VALUES
          ('annqa_agree_trans_pair', 'label_a %1$s, label_b %1$s', ''),
          ('annqa_agree_trans_pair_w', 'label_a %1$s, label_b %1$s, weights text', ' with none/linear/quadratic weights by category index'),
          ('annqa_agree_trans_pair_wc', 'label_a %1$s, label_b %1$s, weights text, categories %1$s[]', ' with weights by index over the declared categories')
        ) AS t(csym, rest, descr)
    LOOP
        FOREACH lt IN ARRAY ARRAY['bigint', 'text'] LOOP
            args := format(sh.rest, lt);
            targs := regexp_replace(args, '(^|, )[a-z_]+ ', '\1', 'g');
            sig := format('annqa.agree_state, %s', targs);
            EXECUTE format($f$CREATE FUNCTION annqa.%I(%s) RETURNS annqa.agree_state
                AS 'MODULE_PATHNAME', %L LANGUAGE C IMMUTABLE PARALLEL SAFE$f$,
                substr(sh.csym, 7), sig, sh.csym);
            EXECUTE format('COMMENT ON FUNCTION annqa.%I(%s) IS %L', substr(sh.csym, 7), sig,
                'transition function of the two-rater aggregates');
            EXECUTE format($f$CREATE AGGREGATE annqa.cohen_kappa(%s) (
                    SFUNC = annqa.%I, STYPE = annqa.agree_state,
                    FINALFUNC = annqa.agree_final_cohen_kappa, COMBINEFUNC = annqa.agree_combine,
                    PARALLEL = SAFE)$f$, args, substr(sh.csym, 7));
            EXECUTE format('COMMENT ON AGGREGATE annqa.cohen_kappa(%s) IS %L', targs,
                'Cohen''s (1960, 1968) kappa of two raters, wide form; rows with a NULL label are skipped' || sh.descr);
            EXECUTE format($f$CREATE AGGREGATE annqa.scott_pi(%s) (
                    SFUNC = annqa.%I, STYPE = annqa.agree_state,
                    FINALFUNC = annqa.agree_final_scott_pi, COMBINEFUNC = annqa.agree_combine,
                    PARALLEL = SAFE)$f$, args, substr(sh.csym, 7));
            EXECUTE format('COMMENT ON AGGREGATE annqa.scott_pi(%s) IS %L', targs,
                'Scott''s (1955) pi of two raters, wide form; rows with a NULL label are skipped' || sh.descr);
        END LOOP;
    END LOOP;
END
$do$;

-- ---------------------------------------------------------------- pairwise matrix
-- The Label Studio Enterprise style inter-annotator matrix: one row per pair
-- of raters that share at least one item, with the statistic computed on the
-- items both rated (pairwise-complete).  ratings_query is any query returning
-- columns item, rater, label (item and rater bigint or text, label bigint,
-- text or float8; int and varchar cast implicitly).
CREATE FUNCTION annqa.agreement_matrix(ratings_query text, statistic text DEFAULT 'cohen_kappa')
RETURNS TABLE (rater_a text, rater_b text, estimate float8, n_common_items bigint)
LANGUAGE plpgsql VOLATILE PARALLEL RESTRICTED
AS $fn$
BEGIN
    IF statistic IS NULL OR statistic NOT IN ('cohen_kappa', 'scott_pi', 'fleiss_kappa', 'gwet_ac1', 'gwet_ac2',
            'brennan_prediger', 'percent_agreement', 'percent_agreement_unanimous', 'krippendorff_alpha') THEN
        RAISE EXCEPTION 'annqa.agreement_matrix: unsupported statistic "%"', statistic
            USING ERRCODE = '22023',
                  HINT = 'Use cohen_kappa, scott_pi, fleiss_kappa, gwet_ac1, gwet_ac2, brennan_prediger, percent_agreement, percent_agreement_unanimous or krippendorff_alpha.';
    END IF;
    RETURN QUERY EXECUTE format($q$
        WITH r AS (SELECT q.item, q.rater, q.label FROM (%s) q WHERE q.label IS NOT NULL)
        SELECT a.rater::text, b.rater::text,
               (annqa.agreement(u.item, u.rater, u.label, %L)).estimate,
               count(*) / 2
        FROM r a JOIN r b ON a.item = b.item AND a.rater < b.rater,
             LATERAL (VALUES (a.item, a.rater, a.label), (b.item, b.rater, b.label)) u(item, rater, label)
        GROUP BY a.rater, b.rater
        ORDER BY a.rater, b.rater$q$, ratings_query, statistic);
END
$fn$;
COMMENT ON FUNCTION annqa.agreement_matrix(text, text) IS
    'pairwise agreement of every pair of raters over the items both rated: rows (rater_a, rater_b, estimate, n_common_items) for a query returning item, rater, label; statistic defaults to cohen_kappa';
