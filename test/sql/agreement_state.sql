-- annqa.agree_state: exact text and binary round trips, combine of partial
-- states (results do not depend on how rows are split), validation of
-- untrusted text (22P02) and binary (22P03) input, and argument errors.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS annqa CASCADE;
RESET client_min_messages;

CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE q;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- aggregates that expose the partial state and merge states (what parallel
-- workers and Citus do: partial states travel as text)
CREATE AGGREGATE pg_temp.st(bigint, text, bigint) (SFUNC = annqa.agree_trans, STYPE = annqa.agree_state);
CREATE AGGREGATE pg_temp.st(text, text, text) (SFUNC = annqa.agree_trans, STYPE = annqa.agree_state);
CREATE AGGREGATE pg_temp.st_opt(bigint, text, bigint, text, jsonb) (SFUNC = annqa.agree_trans_options, STYPE = annqa.agree_state);
CREATE AGGREGATE pg_temp.merge(annqa.agree_state) (SFUNC = annqa.agree_combine, STYPE = annqa.agree_state);

-- Fleiss (1971) diagnoses, 30 items x 6 ratings
CREATE TEMP TABLE diag (item bigint, rater text, label text);
\copy diag FROM 'shared/data/irr_diagnoses/diagnoses_long.csv' CSV HEADER
CREATE TEMP TABLE diag_n AS
SELECT item, rater, left(label, 1)::bigint AS label FROM diag;

-- text round trip is exact, and the state read back gives the same kappa (0.4302)
CREATE TEMP TABLE s AS SELECT pg_temp.st(item, rater, label) AS s FROM diag_n;
SELECT (s::text)::annqa.agree_state::text = s::text AS text_round_trip,
       left(s::text, 7) AS prefix,
       round(annqa.agree_final_fleiss_kappa(s::text::annqa.agree_state)::numeric, 4) AS kappa_from_text
FROM s;
-- the same through the text-label overloads
SELECT round(annqa.agree_final_fleiss_kappa(pg_temp.st(item::text, rater, label))::numeric, 4) AS kappa_text_keys FROM diag;

-- binary round trip through COPY (FORMAT binary): send, then recv
CREATE TEMP TABLE sb (s annqa.agree_state);
DO $$ BEGIN
  EXECUTE format('COPY s TO %L (FORMAT binary)', '/tmp/annqa_agree_state_' || pg_backend_pid() || '.bin');
  -- read it back and remove the file (the server's /tmp is not ours to fill)
  EXECUTE format('COPY sb FROM PROGRAM %L (FORMAT binary)',
                 format('cat %1$s && rm -f %1$s', '/tmp/annqa_agree_state_' || pg_backend_pid() || '.bin'));
END $$;
SELECT sb.s::text = s.s::text AS binary_round_trip FROM s, sb;

-- combine: split the rows four ways by a hash unrelated to the item order, ship the
-- partial states as text, merge them in two different orders
CREATE TEMP TABLE parts AS
SELECT g, pg_temp.st(item, rater, label)::text AS s FROM diag_n, LATERAL (SELECT hashtext(rater || item) & 3 AS g) h GROUP BY g;
SELECT count(*) AS partial_states FROM parts;
SELECT round(annqa.agree_final_fleiss_kappa(pg_temp.merge(s::annqa.agree_state ORDER BY g))::numeric, 12)
     = round(annqa.agree_final_fleiss_kappa(pg_temp.merge(s::annqa.agree_state ORDER BY g DESC))::numeric, 12) AS order_free,
       round(annqa.agree_final_fleiss_kappa(pg_temp.merge(s::annqa.agree_state ORDER BY g))::numeric, 4) AS merged_kappa
FROM parts;
-- a duplicate (item, rater) pair split across two partial states is found after the merge
SELECT pg_temp.err($q$
  SELECT annqa.agree_final_fleiss_kappa(pg_temp.merge(s))
  FROM (SELECT pg_temp.st(item, rater, label) s FROM diag_n
        UNION ALL SELECT pg_temp.st(5::bigint, 'rater2', 3::bigint)) t$q$);
-- partial states with different options do not merge (22023)
SELECT pg_temp.err($q$
  SELECT pg_temp.merge(s) FROM (SELECT pg_temp.st_opt(item, rater, label, 'gwet_ac2', '{"weights": "linear"}') s FROM diag_n
        UNION ALL SELECT pg_temp.st_opt(item, rater, label, 'gwet_ac2', '{"weights": "quadratic"}') FROM diag_n) t$q$);

-- ---------------------------------------------------------------- bad text: 22P02
SELECT pg_temp.err($$SELECT 'garbage'::annqa.agree_state$$);
SELECT pg_temp.err($$SELECT 'agree1:'::annqa.agree_state$$);
SELECT pg_temp.err($$SELECT 'agree1:!!!!'::annqa.agree_state$$);
SELECT pg_temp.err($$SELECT ('agree1:' || encode('hello world', 'base64'))::annqa.agree_state$$);
-- every truncation of a valid state is rejected
SELECT count(*) > 100 AS many_truncations,
       count(*) = count(*) FILTER (WHERE pg_temp.err(format('SELECT %L::annqa.agree_state',
           'agree1:' || encode(substr(b, 1, n), 'base64'))) LIKE '22P02%') AS all_rejected
FROM (SELECT decode(substr(s::text, 8), 'base64') AS b FROM s) t,
     generate_series(0, length(b) - 1) n;
-- single-byte corruptions: each is rejected (22P02) or still a valid state; never a crash
SELECT count(*) AS corruptions,
       count(*) FILTER (WHERE r LIKE '22P02%' OR r = 'no error') AS rejected_or_valid
FROM (SELECT pg_temp.err(format('SELECT annqa.agree_final_fleiss_kappa(%L::annqa.agree_state)',
          'agree1:' || encode(set_byte(b, n, (get_byte(b, n) + 1 + n) % 256), 'base64'))) AS r
      FROM (SELECT decode(substr(s::text, 8), 'base64') AS b FROM s) t,
           generate_series(0, 60) n) x;
-- an item that points past the pattern dictionary (last byte: the last item's pattern id)
SELECT pg_temp.err(format('SELECT %L::annqa.agree_state',
  'agree1:' || encode(set_byte(b, length(b) - 1, 200), 'base64')))
FROM (SELECT decode(substr(s::text, 8), 'base64') AS b FROM s) t;

-- A wide-form (two-rater) state has no item or rater keys; a state that claims
-- some anyway was read into a dictionary without a hash table and crashed the
-- server (found by a differential run, 2026-11-28).  The exact input, then every
-- single-byte corruption of a wide-form state with four values per byte: each is
-- rejected (22P02) or still a valid state.
SELECT pg_temp.err($$SELECT 'agree1:QUdSMQECAAABAAAAAAAAAD/uZmZmZmZmAAAAAAAAAAAAAAABAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'::annqa.agree_state$$);
CREATE AGGREGATE pg_temp.st_pair(text, text) (SFUNC = annqa.agree_trans_pair, STYPE = annqa.agree_state);
CREATE TEMP TABLE sw AS
SELECT pg_temp.st_pair(a, b) AS s FROM (VALUES ('x', 'x'), ('x', 'y'), ('y', 'y'), ('z', 'y')) v(a, b);
SELECT round(annqa.agree_final_cohen_kappa(s)::numeric, 6) AS wide_kappa,
       s::text::annqa.agree_state::text = s::text AS wide_round_trip FROM sw;
SELECT count(*) AS corruptions,
       count(*) FILTER (WHERE r LIKE '22P02%' OR r = 'no error') AS rejected_or_valid
FROM (SELECT pg_temp.err(format('SELECT annqa.agree_final_cohen_kappa(%L::annqa.agree_state)',
          'agree1:' || encode(set_byte(b, n, v), 'base64'))) AS r
      FROM (SELECT decode(substr(s::text, 8), 'base64') AS b FROM sw) t,
           generate_series(0, length(b) - 1) n,
           LATERAL (VALUES (0), (1), (255), ((get_byte(b, n) + 1 + n) % 256)) vv(v)) x;

-- ---------------------------------------------------------------- bad binary: 22P03
-- a COPY binary file whose one field is a truncated state
DO $$
DECLARE
  b bytea := (SELECT decode(substr(s::text, 8), 'base64') FROM s);
  f text := '/tmp/annqa_agree_bad_' || pg_backend_pid() || '.bin';
  body bytea;
BEGIN
  b := substr(b, 1, 40);
  body := '\x5047434f50590aff0d0a00'::bytea || '\x0000000000000000'::bytea   -- signature, flags, header ext
       || '\x0001'::bytea || int4send(length(b)) || b || '\xffff'::bytea;  -- one tuple, one field; trailer
  EXECUTE format('COPY (SELECT %L) TO PROGRAM %L', replace(encode(body, 'base64'), E'\n', ''), 'base64 -d > ' || f);
  TRUNCATE sb;
  BEGIN
    EXECUTE format('COPY sb FROM %L (FORMAT binary)', f);
    RAISE NOTICE 'no error';
  EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE '%: %', SQLSTATE, SQLERRM;
  END;
  EXECUTE format('COPY (SELECT 1) TO PROGRAM %L', 'rm -f ' || f);   -- leave nothing behind in /tmp
END $$;

-- ---------------------------------------------------------------- argument errors
SELECT pg_temp.err($$SELECT annqa.gwet_ac2(item, rater, label, 'cubic') FROM diag_n$$);
SELECT pg_temp.err($$SELECT annqa.krippendorff_alpha(item, rater, label, 'nominall') FROM diag_n$$);
SELECT pg_temp.err($$SELECT annqa.krippendorff_alpha(item, rater, label, 'interval') FROM diag$$);
SELECT pg_temp.err($$SELECT annqa.agreement(item, rater, label, 'kappa') FROM diag_n$$);
SELECT pg_temp.err($$SELECT annqa.agreement(item, rater, label, 'gwet_ac2', '{"weight": "linear"}') FROM diag_n$$);
SELECT pg_temp.err($$SELECT annqa.agreement(item, rater, label, 'gwet_ac2', '[1]') FROM diag_n$$);
SELECT pg_temp.err($$SELECT annqa.agreement(item, rater, label, 'gwet_ac1', '{"categories": [1, 2, 2]}') FROM diag_n$$);
SELECT pg_temp.err($$SELECT annqa.agreement(item, rater, label, 'gwet_ac1', '{"categories": ["a"]}') FROM diag_n$$);
SELECT pg_temp.err($$SELECT annqa.agreement(item, rater, label, 'gwet_ac1', '{"categories": [1.5]}') FROM diag_n$$);
SELECT pg_temp.err($$SELECT annqa.agreement(item, rater, label, 'gwet_ac1', '{"conf_level": 1}') FROM diag_n$$);
SELECT pg_temp.err($$SELECT annqa.agreement(item, rater, label, 'fleiss_kappa_category') FROM diag_n$$);
SELECT pg_temp.err($$SELECT annqa.agreement(item, rater, label, 'gwet_ac2', '{"weights": "linear", "basis": "value"}') FROM diag$$);
-- a label outside the declared categories (22000)
SELECT pg_temp.err($$SELECT annqa.gwet_ac1(item, rater, label, ARRAY[1, 2, 3]::bigint[]) FROM diag_n$$);
SELECT pg_temp.err($$SELECT annqa.gwet_ac1(item, rater, label, ARRAY[1, NULL]::bigint[]) FROM diag_n$$);
-- NULL keys (22004), non-finite values (22003), negative ratio values (22023)
SELECT pg_temp.err($$SELECT annqa.fleiss_kappa(item, NULL::text, label) FROM diag_n$$);
SELECT pg_temp.err($$SELECT annqa.krippendorff_alpha(item, rater, 'nan'::float8, 'interval') FROM diag_n$$);
SELECT pg_temp.err($$SELECT annqa.krippendorff_alpha(item, rater, label - 3.0, 'ratio') FROM diag_n$$);
-- a duplicate (item, rater) pair (22000)
SELECT pg_temp.err($$SELECT annqa.fleiss_kappa(item, rater, label) FROM (SELECT * FROM diag_n UNION ALL SELECT 1, 'rater1', 4) t$$);
-- the transition function outside an aggregate
SELECT pg_temp.err($$SELECT annqa.agree_trans(NULL, 1::bigint, 'a'::text, 1::bigint)$$);
SELECT pg_temp.err($$SELECT annqa.brennan_prediger(item, rater, label, 'cubic') FROM diag_n$$);

-- The flat form with bigint item keys is grouped by item (version 2): the
-- duplicate record (flag 00, item 0, rater 0), 2 patterns: (rater 0 'a',
-- label 0 '1') and (rater 1 'b', label 1 '2'), each as 01 rater label; then
-- 2 items as (zigzag key delta, pattern): item 3 = 06 00, item 5 = +2 = 04 01.
CREATE TEMP TABLE st_a AS SELECT pg_temp.st(i, r, l)::text AS s FROM (VALUES (3::bigint, 'a', 1::bigint), (5, 'b', 2)) v(i, r, l);
SELECT get_byte(decode(substr(s, 8), 'base64'), 4) AS version,
       right(encode(decode(substr(s, 8), 'base64'), 'hex'), 70)
         = '00' || '0000000000000000' || '00000000' || '00000002' || '010000' || '010101'
           || '0000000000000002' || '0600' || '0401' AS grouped_tail_as_derived
FROM st_a;
-- A version-1 flat state (raw ratings, as the first release wrote them) with
-- bigint item keys is still read, even with its ratings out of item order.
-- Hand-written: header (magic, version 1, long form, bigint items, text
-- raters, bigint labels, options 0, conf_level 0.95, no category), empty item
-- dictionary, raters 'a' 'b', labels 1 2, then 2 ratings (5, b, 2) and
-- (3, a, 1): zigzag item delta 0a, rater 01, label 01; delta -2 = 03 00 00.
-- Merged with st_c: items 3 {1}, 5 {2}, 4 {1,1}, 6 {2,1}: p_a = (1 + 0)/2 = 0.5,
-- pi_1 = (1 + 0 + 1 + 0.5)/4 = 0.625, pi_2 = 0.375, p_e = 0.53125,
-- kappa = (0.5 - 0.53125)/(1 - 0.53125) = -1/15 = -0.066667.
CREATE TEMP TABLE st_b AS
SELECT 'agree1:' || translate(encode(decode(
    '41475231' || '01' || '01' || '01' || '02' || '01' || '00000000000000' || '3fee666666666666' || '00000000' || '00000000'
    || '00000000' || '00000002' || '0000000161' || '0000000162' || '00000002' || '0000000000000001' || '0000000000000002'
    || '0000000000000002' || '0a0101' || '030000', 'hex'), 'base64'), E'\n', '') AS s;
SELECT (s::annqa.agree_state)::text = s AS v1_text_round_trip FROM st_b;
CREATE TEMP TABLE st_c AS SELECT pg_temp.st(i, r, l)::text AS s FROM (VALUES (4::bigint, 'a', 1::bigint), (4, 'b', 1), (6, 'a', 2), (6, 'b', 1)) v(i, r, l);
SELECT round(annqa.agree_final_fleiss_kappa(pg_temp.merge(x::annqa.agree_state ORDER BY o))::numeric, 6) AS kappa_v1_merge,
       round(annqa.agree_final_fleiss_kappa(pg_temp.merge(x::annqa.agree_state ORDER BY o DESC))::numeric, 6) AS kappa_v1_merge_reversed
FROM (SELECT 1 o, s x FROM st_c UNION ALL SELECT 2, s FROM st_b) q;
SELECT round(annqa.agree_final_fleiss_kappa(pg_temp.merge(x::annqa.agree_state ORDER BY o))::numeric, 6) AS kappa_grouped_merge
FROM (SELECT 1 o, s x FROM st_c UNION ALL SELECT 2, s FROM st_a) q;
SELECT round(annqa.agree_final_fleiss_kappa(s::annqa.agree_state)::numeric, 6) AS kappa_v1_alone_items_3_5
FROM st_b;  -- no item with 2 ratings: NULL

-- A duplicate (item, rater) pair inside one partial state is noted when the
-- state is grouped and travels in its flat form (flag 01, item 5 = 0000000000000005,
-- rater 'b' = id 1); the final function raises it (22000), naming the aggregate,
-- also after a merge with another state.
CREATE TEMP TABLE st_d AS SELECT pg_temp.st(i, r, l)::text AS s
FROM (VALUES (3::bigint, 'a', 1::bigint), (5, 'b', 2), (5, 'b', 1), (5, 'a', 1)) v(i, r, l);
SELECT substr(encode(decode(substr(s, 8), 'base64'), 'hex'), 2 * 70 + 1, 26) = '01' || '0000000000000005' || '00000001' AS dup_recorded
FROM st_d;
SELECT pg_temp.err(format('SELECT annqa.agree_final_fleiss_kappa(%L::annqa.agree_state)', s)) FROM st_d;
SELECT pg_temp.err($q$
  SELECT annqa.agree_final_krippendorff_alpha(pg_temp.merge(x::annqa.agree_state ORDER BY o))
  FROM (SELECT 1 o, s x FROM st_c UNION ALL SELECT 2, s FROM st_d) q$q$);
-- the smallest item with a duplicate is the one reported, whichever state it came from
SELECT pg_temp.err($q$
  SELECT annqa.agree_final_fleiss_kappa(pg_temp.merge(s ORDER BY o)) FROM (
    SELECT 1 o, pg_temp.st(i, r, l) s FROM (VALUES (9::bigint, 'a', 1::bigint), (9, 'a', 2), (2, 'a', 1)) v(i, r, l)
    UNION ALL
    SELECT 2, pg_temp.st(i, r, l) FROM (VALUES (4::bigint, 'b', 1::bigint), (2, 'a', 2)) v(i, r, l)) t$q$);
-- a raw (version 1) state merged with a grouped one stays raw; a pair split
-- across them is still a duplicate: st_b has (5, b, 2), this one (5, b, 1)
SELECT pg_temp.err($q$
  SELECT annqa.agree_final_fleiss_kappa(pg_temp.merge(x ORDER BY o)) FROM (
    SELECT 1 o, s::annqa.agree_state x FROM st_b
    UNION ALL
    SELECT 2, pg_temp.st(i, r, l) FROM (VALUES (5::bigint, 'b', 1::bigint), (5, 'a', 1)) v(i, r, l)) t$q$);
-- a bad duplicate record (flag 2) is rejected
SELECT pg_temp.err(format('SELECT %L::annqa.agree_state',
  'agree1:' || translate(encode(set_byte(decode(substr(s, 8), 'base64'), 70, 2), 'base64'), E'\n', ''))) FROM st_a;

-- ---------------------------------------------------------------- misuse found by a fuzz run (2026-11-28)
-- support functions called directly, and states read by the wrong final
-- function: specific SQLSTATEs naming the function (they were XX000)
SELECT pg_temp.err($$SELECT annqa.agree_combine(NULL, NULL)$$);
SELECT pg_temp.err($$SELECT annqa.quality_sfunc(NULL, 'matched', 0.5)$$);
SELECT pg_temp.err($$SELECT annqa.agree_final_fleiss_kappa(s) FROM sw$$);
SELECT pg_temp.err($$SELECT annqa.agree_final_estimate(s) FROM sw$$);
-- label values whose squared differences overflow: 22003, not NaN
SELECT pg_temp.err($$SELECT annqa.agreement(i, r, l, 'cohen_kappa', '{"weights": "quadratic", "basis": "value"}')
  FROM (VALUES (1, 'a', 1e308::float8), (1, 'b', -1e308), (2, 'a', 1e308), (2, 'b', 1e308)) v(i, r, l)$$);
SELECT pg_temp.err($$SELECT annqa.krippendorff_alpha(i, r, l, 'interval')
  FROM (VALUES (1, 'a', 1e200::float8), (1, 'b', -1e200), (2, 'a', 0), (2, 'b', 1)) v(i, r, l)$$);
-- confidence levels at the ends of (0, 1): z from the upper tail (1 - c) / 2.
-- c = 0.9999999999999999: 0.5 + c/2 rounds to 1 (z was NaN); the tail is
-- 5.55e-17, z = 8.29 (finite).  c = 1e-320: z = 0, so the interval collapses on
-- the estimate (it was inverted by 3.5e-17).  c = 0.95: z = 1.959964.
SELECT c, (a).ci_upper > (a).ci_lower AS ordered, (a).ci_lower = (a).estimate AS collapsed,
       round((((a).ci_upper - (a).estimate) / (a).se)::numeric, 6) AS z
FROM (SELECT c, annqa.agreement(i, r, ((i * r) % 3)::bigint, 'fleiss_kappa', jsonb_build_object('conf_level', c)) AS a
      FROM unnest('{0.9999999999999999, 1e-320, 0.95}'::float8[]) c, generate_series(1, 20) i, generate_series(1, 3) r
      GROUP BY c) x ORDER BY c DESC;
-- a quadratic computation over 40,000 categories (about 17 s) answers a cancel:
-- the kernels check for interrupts once per row of every categories x categories loop
SET statement_timeout = '100ms';
SELECT annqa.scott_pi(i, i + 1, 'linear') FROM generate_series(1, 40000) i;
RESET statement_timeout;
-- alpha's distance comes from its level: weights are refused (22023), not ignored
SELECT pg_temp.err($$SELECT annqa.agreement(i, r, l, 'krippendorff_alpha', '{"weights": "quadratic", "level": "interval"}')
  FROM (VALUES (1, 'a', 1::bigint), (1, 'b', 2)) v(i, r, l)$$);
