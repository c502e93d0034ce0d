-- COCO object keypoint similarity.
-- pycocotools COCOeval.computeOks: vars = (2 sigma)^2,
--   e_i = d_i^2 / vars / (area + eps) / 2, OKS = sum(exp(-e_i)) / #(gold v_i > 0),
-- summing only over keypoints visible in gold.  Expected values below are
-- computed by hand from that formula (derivations in the comments).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS annqa CASCADE;
RESET client_min_messages;
SET extra_float_digits = 0;

-- Two keypoints, sigma 0.5 (vars = 1), area 4.
--   kp1: d^2 = 1 -> e = 1/1/4/2 = 0.125 ; kp2: d^2 = 4 -> e = 4/1/4/2 = 0.5
--   OKS = (exp(-0.125) + exp(-0.5)) / 2 = (0.882496902584595 + 0.606530659712633) / 2 = 0.744513781148614
SELECT round(annqa.oks('{0,0,2, 10,10,1}', '{1,0,2, 10,12,0}', '{0.5,0.5}', 4)::numeric, 12) AS oks,
       round(((exp(-0.125) + exp(-0.5)) / 2)::numeric, 12) AS by_hand;
-- one sigma for every keypoint gives the same
SELECT annqa.oks('{0,0,2, 10,10,1}', '{1,0,2, 10,12,0}', '{0.5}', 4) =
       annqa.oks('{0,0,2, 10,10,1}', '{1,0,2, 10,12,0}', '{0.5,0.5}', 4) AS broadcast_sigma;
-- a keypoint not visible in gold (v = 0) is left out, however far the prediction is
SELECT annqa.oks('{0,0,2, 10,10,1, 0,0,0}', '{1,0,2, 10,12,0, 900,900,2}', '{0.5,0.5,0.5}', 4) =
       annqa.oks('{0,0,2, 10,10,1}', '{1,0,2, 10,12,0}', '{0.5,0.5}', 4) AS invisible_ignored;
-- perfect prediction: 1; no visible gold keypoint: NULL (undefined)
SELECT annqa.oks('{3,4,2, 5,6,1}', '{3,4,2, 5,6,2}', '{0.1}', 10) AS perfect,
       annqa.oks('{3,4,0, 5,6,0}', '{3,4,2, 5,6,2}', '{0.1}', 10) IS NULL AS no_visible_is_null;
-- CVAT bug #9957 returns 0 when the two keypoint bboxes do not intersect.  Here the gold
-- bbox is a single point and the prediction 0.5 px away: sigma 0.1 -> vars = 0.04, area 1,
--   e = 0.25 / 0.04 / 1 / 2 = 3.125, OKS = exp(-3.125) = 0.0439369336234074
SELECT round(annqa.oks('{5,5,2}', '{5.5,5,2}', '{0.1}', 1)::numeric, 12) AS no_early_exit,
       round(exp(-3.125)::numeric, 12) AS by_hand;
-- COCO person sigmas (17 keypoints, /10): nose sigma 0.026 -> vars = 0.002704; area 1000;
-- only the nose visible, 3 px off: e = 9 / 0.002704 / 1000 / 2 = 1.664201183431953
SELECT round(annqa.oks(array_cat('{100,100,2}'::float8[], array_fill(0::float8, ARRAY[48])),
                       array_cat('{103,100,2}'::float8[], array_fill(0::float8, ARRAY[48])),
                       '{.026,.025,.025,.035,.035,.079,.079,.072,.072,.062,.062,.107,.107,.087,.087,.089,.089}',
                       1000)::numeric, 12) AS coco_nose,
       round(exp(-9 / 0.002704 / 1000 / 2)::numeric, 12) AS by_hand;
-- a 17x3 matrix is accepted as well as a flat array
SELECT annqa.oks('{{0,0,2},{10,10,1}}', '{{1,0,2},{10,12,0}}', '{0.5}', 4) =
       annqa.oks('{0,0,2,10,10,1}', '{1,0,2,10,12,0}', '{0.5}', 4) AS matrix_form;
