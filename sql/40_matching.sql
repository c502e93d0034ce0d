-- ======================================================================
-- Matching and gold comparison: assignment, similarity matrices,
-- one-to-one matching, quality, object units and consensus
-- (doc/readme-matching.md)
-- ======================================================================

CREATE FUNCTION annqa.assign(cost float8[]) RETURNS int[]
    AS 'MODULE_PATHNAME', 'annqa_assign_sql'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 1000;
COMMENT ON FUNCTION annqa.assign(float8[]) IS
    'exact minimum-cost assignment of a two-dimensional cost matrix (Jonker-Volgenant shortest augmenting paths, as scipy linear_sum_assignment): the 1-based column of each row, NULL for unassigned rows; Infinity marks a forbidden pair (then the most rows possible are assigned, at minimum cost)';

CREATE FUNCTION annqa.iou_matrix(a box[], b box[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'annqa_iou_matrix_box'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION annqa.iou_matrix(box[], box[]) IS
    'IoU of every box of a (rows) with every box of b (columns), a two-dimensional float8[]; empty when either side is empty';

CREATE FUNCTION annqa.iou_matrix(a annqa.rbox[], b annqa.rbox[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'annqa_iou_matrix_rbox'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION annqa.iou_matrix(annqa.rbox[], annqa.rbox[]) IS
    'exact rotated-box IoU of every rbox of a (rows) with every rbox of b (columns), a two-dimensional float8[]';

-- ---------------------------------------------------------------- annqa.match

CREATE FUNCTION annqa.match(gold box[], gold_labels text[], test box[], test_labels text[],
                            threshold float8 DEFAULT 0.5, options jsonb DEFAULT '{}')
    RETURNS TABLE (gold_idx int, test_idx int, similarity float8, status text,
                   gold_label text, test_label text, low_overlap boolean)
    AS 'MODULE_PATHNAME', 'annqa_match_box'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 100 ROWS 10;
COMMENT ON FUNCTION annqa.match(box[], text[], box[], text[], float8, jsonb) IS
    'one-to-one matching of test boxes to gold boxes by optimal assignment on IoU (CVAT rules, two passes); one row per object with status matched, mismatching_label, missing, extra (crowd, ignored with options.gold_crowd)';

CREATE FUNCTION annqa.match(gold annqa.rbox[], gold_labels text[], test annqa.rbox[], test_labels text[],
                            threshold float8 DEFAULT 0.5, options jsonb DEFAULT '{}')
    RETURNS TABLE (gold_idx int, test_idx int, similarity float8, status text,
                   gold_label text, test_label text, low_overlap boolean)
    AS 'MODULE_PATHNAME', 'annqa_match_rbox'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 100 ROWS 10;
COMMENT ON FUNCTION annqa.match(annqa.rbox[], text[], annqa.rbox[], text[], float8, jsonb) IS
    'one-to-one matching of rotated boxes on exact rotated IoU; same rows and options as the box form';

CREATE FUNCTION annqa.match(gold float8[], gold_labels text[], test float8[], test_labels text[],
                            threshold float8 DEFAULT 0.5, options jsonb DEFAULT '{}')
    RETURNS TABLE (gold_idx int, test_idx int, similarity float8, status text,
                   gold_label text, test_label text, low_overlap boolean)
    AS 'MODULE_PATHNAME', 'annqa_match_keypoints'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 100 ROWS 10;
COMMENT ON FUNCTION annqa.match(float8[], text[], float8[], text[], float8, jsonb) IS
    'one-to-one matching of keypoint objects (one row of [x, y, v] triples per object) on COCO OKS; options.sigmas (default 0.09) and options.area (default: the gold keypoints'' bounding-box area)';

CREATE FUNCTION annqa.match(gold_labels text[], test_labels text[],
                            threshold float8 DEFAULT 0.5, options jsonb DEFAULT '{}')
    RETURNS TABLE (gold_idx int, test_idx int, similarity float8, status text,
                   gold_label text, test_label text, low_overlap boolean)
    AS 'MODULE_PATHNAME', 'annqa_match_tags'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 10 ROWS 2;
COMMENT ON FUNCTION annqa.match(text[], text[], float8, jsonb) IS
    'one-to-one matching of tags (labels with no geometry) on CVAT''s similarity 0.5 + 0.5 * [same label]';

-- ---------------------------------------------------------------- quality

CREATE TYPE annqa.quality_result AS (
    valid bigint, mismatched bigint, missing bigint, extra bigint,
    ds_count bigint, gt_count bigint,
    "precision" float8, recall float8, accuracy float8, f1 float8, mean_iou float8
);
COMMENT ON TYPE annqa.quality_result IS
    'counts and metrics of annqa.quality: precision = valid/ds_count, recall = valid/gt_count, accuracy = valid/(valid+mismatched+missing+extra), f1 = 2 valid/(ds_count+gt_count), mean_iou over matched pairs';

CREATE FUNCTION annqa.quality_sfunc(state float8[], status text, similarity float8) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'annqa_quality_sfunc'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION annqa.quality_sfunc(float8[], text, float8) IS
    'transition of annqa.quality: state {valid, mismatched, missing, extra, ignored, crowd, sum of matched similarity}';

CREATE FUNCTION annqa.quality_combine(a float8[], b float8[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'annqa_quality_combine'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION annqa.quality_combine(float8[], float8[]) IS
    'combine function of annqa.quality: element-wise sum of two states';

CREATE FUNCTION annqa.quality_final(state float8[]) RETURNS annqa.quality_result
    AS 'MODULE_PATHNAME', 'annqa_quality_final'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION annqa.quality_final(float8[]) IS
    'final function of annqa.quality: counts and metrics from a state';

CREATE AGGREGATE annqa.quality(status text, similarity float8) (
    SFUNC = annqa.quality_sfunc,
    STYPE = float8[],
    COMBINEFUNC = annqa.quality_combine,
    FINALFUNC = annqa.quality_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE annqa.quality(text, float8) IS
    'quality over annqa.match rows (status, similarity): valid, mismatched, missing, extra, ds_count, gt_count, precision, recall, accuracy (CVAT), f1, mean_iou; crowd and ignored rows are not counted; NULL for no rows';

-- ---------------------------------------------------------------- crowding

CREATE FUNCTION annqa.overlap_count(boxes box[]) RETURNS bigint
    AS 'MODULE_PATHNAME', 'annqa_overlap_count'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION annqa.overlap_count(box[]) IS
    'the number of pairs of the boxes that overlap as the box && operator says (closed boxes: touching edges count), by a sweep over the sorted left edges; 0 for fewer than two boxes; NULL elements raise 22004, non-finite corners 22003';

-- ---------------------------------------------------------------- object units

CREATE FUNCTION annqa.object_units(geoms box[], labels text[], annotators text[],
                                   threshold float8 DEFAULT 0.5, raters text[] DEFAULT '{}')
    RETURNS TABLE (unit int, annotator text, object_idx int, label text)
    AS 'MODULE_PATHNAME', 'annqa_object_units_box'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 100 ROWS 20;
COMMENT ON FUNCTION annqa.object_units(box[], text[], text[], float8, text[]) IS
    'clusters the boxes of several annotators on one item into units (at most one object per annotator, every two members with IoU >= threshold); one row per unit and rater, label NULL when the rater has no object in the unit';

CREATE FUNCTION annqa.object_units(geoms annqa.rbox[], labels text[], annotators text[],
                                   threshold float8 DEFAULT 0.5, raters text[] DEFAULT '{}')
    RETURNS TABLE (unit int, annotator text, object_idx int, label text)
    AS 'MODULE_PATHNAME', 'annqa_object_units_rbox'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 100 ROWS 20;
COMMENT ON FUNCTION annqa.object_units(annqa.rbox[], text[], text[], float8, text[]) IS
    'object units of rotated boxes on exact rotated IoU; see the box form';

-- ---------------------------------------------------------------- consensus

CREATE FUNCTION annqa.consensus(geoms box[], labels text[], annotators text[],
                                threshold float8 DEFAULT 0.4, quorum float8 DEFAULT 0.5,
                                options jsonb DEFAULT '{}', raters text[] DEFAULT '{}')
    RETURNS TABLE (unit int, label text, geom box, support int, score float8,
                   mean_iou float8, members int[], cvat_score float8)
    AS 'MODULE_PATHNAME', 'annqa_consensus_box'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 100 ROWS 10;
COMMENT ON FUNCTION annqa.consensus(box[], text[], text[], float8, float8, jsonb, text[]) IS
    'consensus boxes of one item: object units, majority label (kept with at least ceil(quorum * raters) votes), the member nearest the mean box (options.fuse = ''mean'': the mean box); support, score = support/raters, mean pairwise IoU, member indexes, cvat_score = score * mean IoU of the merged box with the members (CVAT''s score)';

CREATE FUNCTION annqa.consensus(labels text[], annotators text[], quorum float8 DEFAULT 0.5,
                                raters text[] DEFAULT '{}')
    RETURNS TABLE (label text, support int, score float8)
    AS 'MODULE_PATHNAME', 'annqa_consensus_tags'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 10 ROWS 2;
COMMENT ON FUNCTION annqa.consensus(text[], text[], float8, text[]) IS
    'consensus tags of one item: every label given by at least ceil(quorum * raters) distinct annotators, with support and score = support/raters';

-- ---------------------------------------------------------------- more similarity matrices

CREATE FUNCTION annqa.iou_matrix(a box[], b box[], crowd boolean[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'annqa_iou_matrix_box_crowd'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION annqa.iou_matrix(box[], box[], boolean[]) IS
    'IoU matrix of a (rows) and b (columns); where crowd[j] is true, b[j] is a COCO crowd region and the entry is intersection / area(a[i])';

CREATE FUNCTION annqa.oks_matrix(gold float8[], test float8[], options jsonb DEFAULT '{}') RETURNS float8[]
    AS 'MODULE_PATHNAME', 'annqa_oks_matrix'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION annqa.oks_matrix(float8[], float8[], jsonb) IS
    'COCO OKS of every gold keypoint object (rows: [x, y, v] triples) with every test object (columns); options.sigmas (default 0.09) and options.area (gold areas; default the bounding box of the visible gold keypoints); 0 when no gold keypoint is visible';

-- ---------------------------------------------------------------- masks (annqa.rle[])

CREATE FUNCTION annqa.iou_matrix(a annqa.rle[], b annqa.rle[], crowd boolean[] DEFAULT NULL) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'annqa_iou_matrix_rle'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION annqa.iou_matrix(annqa.rle[], annqa.rle[], boolean[]) IS
    'mask IoU of every mask of a (rows) with every mask of b (columns), each mask decoded once; where crowd[j] is true, b[j] is a COCO crowd region and the entry is intersection / area(a[i]); crowd NULL (the default) means no crowd regions; NULL a or b gives NULL';

CREATE FUNCTION annqa.match(gold annqa.rle[], gold_labels text[], test annqa.rle[], test_labels text[],
                            threshold float8 DEFAULT 0.5, options jsonb DEFAULT '{}')
    RETURNS TABLE (gold_idx int, test_idx int, similarity float8, status text,
                   gold_label text, test_label text, low_overlap boolean)
    AS 'MODULE_PATHNAME', 'annqa_match_rle'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 1000 ROWS 10;
COMMENT ON FUNCTION annqa.match(annqa.rle[], text[], annqa.rle[], text[], float8, jsonb) IS
    'one-to-one matching of masks on mask IoU (COCO RLE, bbox prefilter); same rows and options as the box form (gold_crowd: intersection / area of the test mask; threshold_by_area: over the gold mask area)';

CREATE FUNCTION annqa.object_units(geoms annqa.rle[], labels text[], annotators text[],
                                   threshold float8 DEFAULT 0.5, raters text[] DEFAULT '{}')
    RETURNS TABLE (unit int, annotator text, object_idx int, label text)
    AS 'MODULE_PATHNAME', 'annqa_object_units_rle'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 1000 ROWS 20;
COMMENT ON FUNCTION annqa.object_units(annqa.rle[], text[], text[], float8, text[]) IS
    'object units of masks on mask IoU; see the box form';

CREATE FUNCTION annqa.consensus(geoms annqa.rle[], labels text[], annotators text[],
                                threshold float8 DEFAULT 0.4, quorum float8 DEFAULT 0.5,
                                options jsonb DEFAULT '{}', raters text[] DEFAULT '{}')
    RETURNS TABLE (unit int, label text, geom annqa.rle, support int, score float8,
                   mean_iou float8, members int[], cvat_score float8)
    AS 'MODULE_PATHNAME', 'annqa_consensus_rle'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 1000 ROWS 10;
COMMENT ON FUNCTION annqa.consensus(annqa.rle[], text[], text[], float8, float8, jsonb, text[]) IS
    'consensus masks of one item: object units, majority label (kept with at least ceil(quorum * raters) votes), and the pixel-majority mask of the unit''s members (pixels covered by at least half of them, computed on runs); options.fuse = ''nearest'': the member with the highest IoU with that mask instead';
