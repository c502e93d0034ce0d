-- annqa.agreement_matrix: pairwise agreement over a ratings query.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS annqa CASCADE;
RESET client_min_messages;

-- Three raters, four items.  By hand (Cohen):
--   A-B: pairs (1,1) (1,1) (2,2) (2,1): p_o = 3/4, p_e = (2*3 + 2*1)/16 = 1/2, kappa = 0.5
--   A-C: (1,2) (1,2) (2,1) (2,1): p_o = 0, p_e = 1/2, kappa = -1
--   B-C: (1,2) (1,2) (2,1) (1,1): p_o = 1/4, p_e = (3*2 + 1*2)/16 = 1/2, kappa = -0.5
-- Rater D rated only item 5, which nobody else rated: no row for D.
CREATE TEMP TABLE m (item int, rater varchar, label int);
INSERT INTO m VALUES (1,'A',1),(2,'A',1),(3,'A',2),(4,'A',2),
                     (1,'B',1),(2,'B',1),(3,'B',2),(4,'B',1),
                     (1,'C',2),(2,'C',2),(3,'C',1),(4,'C',1),
                     (5,'D',1), (4,'E',NULL);
SELECT * FROM annqa.agreement_matrix('SELECT item, rater, label FROM m');
-- percent agreement: 3/4, 0, 1/4
SELECT rater_a, rater_b, estimate FROM annqa.agreement_matrix('SELECT item, rater, label FROM m', 'percent_agreement');

-- On Fleiss' diagnoses (6 raters): 15 pairs of 30 common items, each equal to
-- the wide-form annqa.cohen_kappa of that pair.
CREATE TEMP TABLE diag (item bigint, rater text, label text);
\copy diag FROM 'shared/data/irr_diagnoses/diagnoses_long.csv' CSV HEADER
SELECT count(*) AS pairs, min(n_common_items), max(n_common_items),
       count(*) FILTER (WHERE abs(mx.estimate - (SELECT annqa.cohen_kappa(a.label, b.label)
                                                FROM diag a JOIN diag b ON a.item = b.item
                                                WHERE a.rater = mx.rater_a AND b.rater = mx.rater_b)) < 1e-12) AS equal_to_wide_form
FROM annqa.agreement_matrix('SELECT item, rater, label FROM diag') mx;

CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE q;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
SELECT pg_temp.err($$SELECT * FROM annqa.agreement_matrix('SELECT item, rater, label FROM m', 'kappa')$$);
-- a duplicate rating (22000)
SELECT pg_temp.err($$SELECT * FROM annqa.agreement_matrix('SELECT item, rater, label FROM m UNION ALL SELECT 1, ''A'', 2')$$);
