SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS annqa CASCADE;
RESET client_min_messages;
\set v `cat shared/data/irr_diagnoses/diagnoses_long.csv | head -3`
CREATE TEMP TABLE d(item int, rater text, label text);
\copy d FROM 'shared/data/irr_diagnoses/diagnoses_long.csv' CSV HEADER
SELECT annqa.fleiss_kappa(item, rater, label) FROM d;
SELECT (annqa.agreement(item, rater, label, 'fleiss_kappa')).* FROM d;
SELECT annqa.agree_trans(NULL::annqa.agree_state, 1::bigint, 'a'::text, 'x'::text);
