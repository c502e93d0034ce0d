-- ======================================================================
-- Gates: the calibration gate (can the team agree on gold?) and the release
-- gate (may this batch ship?).  Both read the same views an analyst reads,
-- record every decision in annqa.release with each check's value, threshold
-- and verdict, and lock the row they decide on so that concurrent calls
-- give exactly one decision per (batch or dataset, version).
-- ======================================================================

-- Resolve a batch by name (and dataset name when the batch name is not unique).
CREATE FUNCTION annqa.batch_id(batch text, dataset text DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, annqa, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
    ids bigint[];
BEGIN
    SELECT array_agg(b.batch_id ORDER BY b.batch_id) INTO ids
    FROM annqa.batch b JOIN annqa.dataset d ON d.dataset_id = b.dataset_id
    WHERE b.name = batch_id.batch AND (batch_id.dataset IS NULL OR d.name = batch_id.dataset);
    IF ids IS NULL THEN
        RAISE EXCEPTION 'annqa.batch_id: batch "%" not found', batch
            USING ERRCODE = 'undefined_object',
                  DETAIL = CASE WHEN dataset IS NULL THEN 'no batch has this name'
                                ELSE format('dataset "%s" has no batch of this name', dataset) END,
                  HINT = 'list the batches with SELECT name FROM annqa.batch';
    ELSIF cardinality(ids) > 1 THEN
        RAISE EXCEPTION 'annqa.batch_id: batch name "%" is ambiguous', batch
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('%s datasets have a batch of this name', cardinality(ids)),
                  HINT = 'pass the dataset name as well';
    END IF;
    RETURN ids[1];
END
$fn$;
COMMENT ON FUNCTION annqa.batch_id(text, text) IS 'the batch_id of a batch name (and dataset name); 42704 when none, 22023 when ambiguous';

-- The seeded, reproducible audit sample: the audit_sample_size items of the
-- batch with the smallest md5(seed:item_id).  Drawn once per batch; a batch
-- that already has a sample keeps it (and its verdicts).
CREATE FUNCTION annqa.draw_audit_sample(batch_id bigint, seed bigint DEFAULT NULL) RETURNS int
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, annqa, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
    n int;
    s bigint;
    size int;
BEGIN
    IF EXISTS (SELECT 1 FROM annqa.audit_sample a WHERE a.batch_id = draw_audit_sample.batch_id) THEN
        SELECT count(*) INTO n FROM annqa.audit_sample a WHERE a.batch_id = draw_audit_sample.batch_id;
        RETURN n;
    END IF;
    SELECT coalesce(draw_audit_sample.seed, (p.parameters ->> 'audit_seed')::bigint, b.batch_id), p.audit_sample_size
      INTO s, size
    FROM annqa.batch b JOIN annqa.policy p ON p.dataset_id = b.dataset_id
    WHERE b.batch_id = draw_audit_sample.batch_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'annqa.draw_audit_sample: batch % not found', batch_id
            USING ERRCODE = 'undefined_object', HINT = 'pass a batch_id of annqa.batch';
    END IF;
    INSERT INTO annqa.audit_sample (batch_id, item_id, seed)
    SELECT i.batch_id, i.item_id, s
    FROM annqa.item i
    WHERE i.batch_id = draw_audit_sample.batch_id
    ORDER BY md5(s::text || ':' || i.item_id::text), i.item_id
    LIMIT size;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$fn$;
COMMENT ON FUNCTION annqa.draw_audit_sample(bigint, bigint) IS 'draws the batch''s random audit sample into annqa.audit_sample: the policy''s audit_sample_size items with the smallest md5(seed || '':'' || item_id); seed defaults to parameters.audit_seed, then the batch_id; a batch keeps a sample once drawn; returns the sample size';

-- ---------------------------------------------------------------- export validity, relationally
-- The release gate's export_format check used to build the whole dataset's
-- COCO export as one jsonb value and walk it with annqa.validate_coco: at 1M
-- annotations that is most of the gate's time.  annqa.coco_export_problems
-- checks the same rows relationally: exactly the images, categories and
-- annotations annqa.export_coco(dataset) writes, with the rules of
-- annqa.validate_coco, giving the same path and problem text.  Annotations
-- whose segmentation is a polygon list (polygons, and rotated boxes as their
-- corners) are rare and need PostGIS: they go through the validator's own
-- per-annotation check on the object built as the exporter builds it.  Rows
-- the exporter cannot write at all (it raises an error) are reported as
-- "export fails: ..." instead of aborting the gate.

-- One exported polygon-list annotation, checked by validate_coco's own rule
-- (annqa.io_coco_check_annotation) on the object the exporter writes.
CREATE FUNCTION annqa.io_coco_check_exported(n annqa.annotation, w float8, h float8, has_cat boolean)
RETURNS SETOF text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, annqa, pg_temp
SET extra_float_digits = 3      -- the object's numbers go through float8out, as in the export
AS $fn$
DECLARE
    o jsonb;
BEGIN
    BEGIN
        -- the exporter's own object (annqa.io_coco_object, sql/58_export.sql)
        o := annqa.io_coco_object(n, w::int, h::int);
    EXCEPTION WHEN data_exception THEN
        RETURN NEXT 'export fails: ' || SQLERRM;
        RETURN;
    END;
    RETURN QUERY SELECT x FROM annqa.io_coco_check_annotation(o, w, h, has_cat, 1) x;
END
$fn$;
COMMENT ON FUNCTION annqa.io_coco_check_exported(annqa.annotation, float8, float8, boolean) IS 'annqa.coco_export_problems helper: the validate_coco problems of one annotation as the exporter writes it (used for polygon-list segmentations); "export fails: ..." when the exporter would raise an error on it';

CREATE FUNCTION annqa.coco_export_scan(dataset_id bigint)
RETURNS TABLE (path text, problem text, kind text, item_id bigint)
LANGUAGE sql STABLE
SET search_path = pg_catalog, annqa, pg_temp
AS $fn$
WITH imgs AS NOT MATERIALIZED (   -- the images export_coco(dataset) writes
    SELECT i.item_id, i.width, i.height,
           -- validate_coco links an annotation to an image only when its id, width and height are integers
           CASE WHEN i.height IS NOT NULL AND abs(i.item_id) < 9000000000000000 THEN i.width::float8 END AS w,
           i.height::float8 AS h
    FROM annqa.item i WHERE i.dataset_id = coco_export_scan.dataset_id AND i.width IS NOT NULL
), cats AS (
    SELECT c.class_id, c.name FROM annqa.label_class c WHERE c.dataset_id = coco_export_scan.dataset_id
), exported AS (   -- the annotations it writes: gold, of an exported kind, with a class
    -- (narrow rows: the geometry of the few rows checked in detail is read again by id)
    SELECT n.annotation_id AS id, n.item_id, n.class_id, n.kind, i.w, i.h, (c.class_id IS NOT NULL) AS has_cat,
           -- certainly valid: a plain box (no mask, polygon, rotated box or stored area) with a
           -- non-zero id, in an image and category of the file, inside the image (NaN fails the
           -- comparisons); x + w of its COCO bbox then stays within 1e-6 of the corner
           coalesce(n.kind IN ('box', 'keypoints') AND n.mask IS NULL AND n.polygon IS NULL AND n.rbox IS NULL
            AND n.area IS NULL AND n.annotation_id <> 0 AND abs(n.annotation_id) < 9000000000000000
            AND i.w IS NOT NULL AND c.class_id IS NOT NULL
            AND annqa.io_box_within(n.box, i.w, i.h) AND i.w < 1e9 AND i.h < 1e9, false) AS certainly_valid
    FROM annqa.annotation n
    JOIN imgs i USING (item_id)
    JOIN annqa.annotator a USING (annotator_id)
    LEFT JOIN cats c ON c.class_id = n.class_id
    WHERE n.kind IN ('box', 'rbox', 'polygon', 'mask', 'keypoints') AND n.class_id IS NOT NULL AND a.kind = 'gold'
), anns AS (   -- the others, checked in detail
    SELECT x.id, x.item_id, x.class_id, x.kind, n.box, n.mask, n.area AS stored_area, n.polygon, n.rbox,
           x.w, x.h, x.has_cat, x.certainly_valid,
           CASE WHEN n.mask IS NOT NULL THEN 'rle'
                WHEN (n.polygon IS NOT NULL AND annqa.io_is_areal(n.polygon)) OR n.rbox IS NOT NULL THEN 'polygons'
                ELSE 'none' END AS seg
    FROM exported x
    CROSS JOIN LATERAL (SELECT n.* FROM annqa.annotation n WHERE n.annotation_id = x.id OFFSET 0) n   -- by id, row by row
    WHERE NOT x.certainly_valid
), ar AS (
    SELECT y.*,
           -- area as written
           CASE WHEN y.fails IS NOT NULL OR y.seg = 'polygons' THEN NULL
                WHEN y.stored_area IS NOT NULL THEN y.stored_area
                WHEN y.kind = 'mask' THEN annqa.area(y.mask)::float8
                WHEN y.b IS NOT NULL AND greatest(y.b[3], y.b[4]) > 1e150::float8
                     AND y.b[3]::numeric * y.b[4]::numeric > 1.7976931348623157e308 THEN NULL
                ELSE y.b[3] * y.b[4] END AS area,
           y.b IS NOT NULL AND y.stored_area IS NULL AND y.kind <> 'mask' AND greatest(y.b[3], y.b[4]) > 1e150::float8
               AND y.b[3]::numeric * y.b[4]::numeric > 1.7976931348623157e308 AS area_overflow
    FROM (SELECT g.*, CASE WHEN g.fails IS NULL AND g.seg <> 'polygons' AND g.box IS NOT NULL
                           THEN annqa.to_xywh(g.box) END AS b      -- the bbox as written
          FROM (SELECT x.*,   -- why the exporter cannot write the row, if it cannot (OFFSET 0: computed once)
                       CASE WHEN x.box IS NULL OR x.seg = 'polygons' THEN NULL
                            WHEN NOT ((x.box[0])[0] > '-Infinity'::float8 AND (x.box[0])[0] < 'Infinity'::float8
                                  AND (x.box[0])[1] > '-Infinity'::float8 AND (x.box[0])[1] < 'Infinity'::float8
                                  AND (x.box[1])[0] > '-Infinity'::float8 AND (x.box[1])[0] < 'Infinity'::float8
                                  AND (x.box[1])[1] > '-Infinity'::float8 AND (x.box[1])[1] < 'Infinity'::float8)
                                 THEN 'export fails: annqa.to_xywh: box coordinates must be finite'
                            WHEN (x.box[0])[0] / 2 - (x.box[1])[0] / 2 >= 8.98846567431158e307::float8
                              OR (x.box[0])[1] / 2 - (x.box[1])[1] / 2 >= 8.98846567431158e307::float8
                                 THEN 'export fails: annqa.to_xywh: result is out of range' END AS fails
                FROM anns x OFFSET 0) g OFFSET 0) y
), ann_problems AS (
    SELECT x.id, 1::bigint AS ord, coalesce(x.fails, 'export fails: value out of range: overflow') AS problem
    FROM ar x WHERE x.fails IS NOT NULL OR x.area_overflow
    UNION ALL
    SELECT x.id, p.ord, p.problem
    FROM (SELECT z.*, z.area >= 0 AND z.area < 'Infinity'::float8 AS area_ok,
                 z.seg = 'rle' AND z.w IS NOT NULL
                     AND (annqa.height(z.mask) <> z.h OR annqa.width(z.mask) <> z.w) AS bad_rle_size
          FROM ar z WHERE z.seg <> 'polygons' AND z.fails IS NULL AND NOT z.area_overflow OFFSET 0) x
    CROSS JOIN LATERAL unnest(ARRAY[
        CASE WHEN abs(x.id) >= 9000000000000000 THEN 'id is missing or not an integer'
             WHEN x.id = 0 THEN 'id is 0' END,
        CASE WHEN x.w IS NULL THEN format('image_id %s is not an image of the file', x.item_id) END,
        CASE WHEN NOT x.has_cat THEN format('category_id %s is not a category of the file', x.class_id) END,
        CASE WHEN x.b IS NULL THEN 'bbox is missing or not 4 numbers'
             WHEN x.w IS NOT NULL AND (x.b[1] < -1e-6::float8 OR x.b[2] < -1e-6::float8
                  OR x.b[1] + x.b[3] > x.w + 1e-6::float8 OR x.b[2] + x.b[4] > x.h + 1e-6::float8)
             THEN format('bbox %s is not inside its %s x %s image', to_jsonb(x.b), x.w, x.h) END,
        CASE WHEN NOT coalesce(x.area_ok, false) THEN 'area is missing or not a number >= 0' END,
        -- an RLE: its size against the image, then its pixel count against the area
        CASE WHEN x.bad_rle_size
             THEN format('RLE size [%s, %s] is not the image size [%s, %s]',
                         annqa.height(x.mask), annqa.width(x.mask), x.h, x.w)
             WHEN x.seg = 'rle' AND x.area_ok AND abs(annqa.area(x.mask) - x.area) > 1e-6
             THEN format('area %s is not the RLE''s %s pixels', x.area, annqa.area(x.mask)::float8) END,
        -- no segmentation (an empty list): the area fits in the bbox; an RLE: the same, with a 1e-6 slack
        CASE WHEN x.seg = 'none' AND x.b IS NOT NULL AND x.area_ok AND x.area > x.b[3] * x.b[4] * (1 + 1e-9::float8) + 1e-9::float8
             THEN format('area %s is larger than its bbox', x.area)
             WHEN x.seg = 'rle' AND x.b IS NOT NULL AND x.area_ok AND NOT x.bad_rle_size AND x.area > x.b[3] * x.b[4] + 1e-6::float8
             THEN format('area %s is larger than its bbox', x.area) END]) WITH ORDINALITY p(problem, ord)
    WHERE p.problem IS NOT NULL
    UNION ALL
    -- a polygon list: the validator's own check of the object the exporter writes
    SELECT x.id, 100 + v.k, v.problem
    FROM ar x JOIN annqa.annotation n ON n.annotation_id = x.id
    CROSS JOIN LATERAL annqa.io_coco_check_exported(n, x.w, x.h, x.has_cat) WITH ORDINALITY v(problem, k)
    WHERE x.seg = 'polygons'
), pos AS (   -- array positions, computed only when some annotation has a problem
    SELECT x.id, row_number() OVER (ORDER BY x.id) - 1 AS k
    FROM exported x WHERE EXISTS (SELECT 1 FROM ann_problems)
), img_pos AS (
    SELECT i.*, row_number() OVER (ORDER BY i.item_id) - 1 AS k
    FROM imgs i WHERE EXISTS (SELECT 1 FROM imgs j WHERE j.item_id = 0 OR abs(j.item_id) >= 9000000000000000 OR j.height IS NULL)
), cat_pos AS (
    SELECT c.*, row_number() OVER (ORDER BY c.class_id) - 1 AS k FROM cats c
)
SELECT r.path, r.problem, r.kind, r.item_id FROM (
    SELECT 1 AS part, i.k AS k, 0 AS ord, format('images[%s]', i.k) AS path,
           CASE WHEN abs(i.item_id) >= 9000000000000000 THEN 'id is missing or not an integer'
                WHEN i.item_id = 0 THEN 'id is 0'
                WHEN i.height IS NULL THEN 'width and height are not positive integers' END AS problem,
           NULL::text AS kind, NULL::bigint AS item_id
    FROM img_pos i
    UNION ALL
    SELECT 2, c.k, 0, format('categories[%s]', c.k),
           CASE WHEN abs(c.class_id) >= 9000000000000000 THEN 'id is missing or not an integer'
                WHEN c.class_id = 0 THEN 'id is 0' END, NULL, NULL
    FROM cat_pos c
    UNION ALL
    SELECT 3, q.k, a.ord, format('annotations[%s]', q.k), a.problem, NULL, NULL
    FROM ann_problems a JOIN pos q USING (id)
    UNION ALL   -- the item of the first exported annotation of each kind (path and problem NULL)
    SELECT 4, 0, 0, NULL, NULL, x.kind, x.item_id
    FROM exported x WHERE x.id IN (SELECT min(e.id) FROM exported e GROUP BY e.kind)
) r
WHERE r.problem IS NOT NULL OR r.part = 4
ORDER BY r.part, r.k, r.ord, r.kind;
$fn$;
COMMENT ON FUNCTION annqa.coco_export_scan(bigint) IS 'the pass behind annqa.coco_export_problems: its rows (kind and item_id NULL), then for each kind of exported annotation the item of the first one (path and problem NULL), which the release gate adds to the sample it exports for real';

CREATE FUNCTION annqa.coco_export_problems(dataset_id bigint)
RETURNS TABLE (path text, problem text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, annqa, pg_temp
AS $fn$
SELECT s.path, s.problem FROM annqa.coco_export_scan(coco_export_problems.dataset_id) s WHERE s.path IS NOT NULL;
$fn$;
COMMENT ON FUNCTION annqa.coco_export_problems(bigint) IS 'the problems annqa.validate_coco(annqa.export_coco(dataset)) would report, found relationally without building the export: the images, categories and gold annotations the exporter writes, checked with the validator''s rules (ids, image and category exist, bbox inside the image, area present and consistent with the bbox and the RLE, RLE size = image size; polygon lists through the validator''s own per-annotation check); rows the exporter cannot write are reported as "export fails: ..."; same paths and problem texts as validate_coco';

-- Every check of the release gate, computed under ONE snapshot: a STABLE
-- function sees the snapshot of the statement that calls it.
CREATE FUNCTION annqa.release_checks(batch_id bigint, dataset_version text DEFAULT 'preview',
                                     decided_by text DEFAULT current_user)
RETURNS TABLE (check_name text, value float8, threshold float8, passed boolean, detail text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, annqa, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
    b annqa.batch;
    p annqa.policy;
    v float8;
    d text;
    k bigint;
    k2 bigint;
    d2 text;
    sample bigint[];
    kinds bigint[];
BEGIN
    SELECT * INTO b FROM annqa.batch x WHERE x.batch_id = release_checks.batch_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'annqa.release_checks: batch % not found', release_checks.batch_id
            USING ERRCODE = 'undefined_object', HINT = 'pass a batch_id of annqa.batch';
    END IF;
    SELECT * INTO p FROM annqa.policy x WHERE x.dataset_id = b.dataset_id;

    -- 1. agreement among the raters (Fleiss kappa over object units)
    SELECT a.fleiss_kappa INTO v FROM annqa.agreement_by_batch a WHERE a.batch_id = b.batch_id;
    SELECT string_agg(format('%s %s', c.class, round(c.fleiss_kappa::numeric, 3)), ', ' ORDER BY c.class) INTO d
    FROM annqa.agreement_by_class c WHERE c.batch_id = b.batch_id AND c.fleiss_kappa < p.min_agreement;
    RETURN QUERY SELECT 'agreement', v, p.min_agreement, coalesce(v >= p.min_agreement, false),
        CASE WHEN v IS NULL THEN 'no object units rated by two or more raters'
             WHEN d IS NULL THEN 'Fleiss kappa over object units' ELSE 'weak classes: ' || d END;

    -- 2. gold-set pass rate
    SELECT avg(g.passed::int)::float8, count(*) INTO v, k FROM annqa.gold_item_accuracy g WHERE g.batch_id = b.batch_id;
    RETURN QUERY SELECT 'gold_pass_rate', v, p.min_gold_pass_rate, coalesce(v >= p.min_gold_pass_rate, false),
        CASE WHEN k = 0 THEN 'no gold or validation items with gold annotations in the batch'
             ELSE format('%s (rater, gold item) pairs with accuracy >= %s', k, p.gold_pass_accuracy) END;

    -- 3. missing-label rate: gold objects no rater's object matched or mismatched
    -- (counted per item when the match rows are stored: annqa.item_rows_store)
    SELECT sum(s.gold_missing)::float8 / nullif(sum(s.gold_objects), 0), coalesce(sum(s.gold_objects), 0)
      INTO v, k
    FROM annqa.item_rows_store s WHERE s.batch_id = b.batch_id AND annqa.warn_if_stale('match_rows');
    RETURN QUERY SELECT 'missing_label_rate', v, p.max_missing_rate, coalesce(v <= p.max_missing_rate, false),
        CASE WHEN k = 0 THEN 'no gold objects to compare against'
             ELSE format('missing gold objects / %s gold objects (over every rater)', k) END;

    -- 4. class balance: every class present, each within its expected share
    -- (the non-gold annotations per item and class are stored with the match rows: annqa.item_class_store)
    WITH n AS (
        SELECT c.name, c.expected_share_min AS lo, c.expected_share_max AS hi, coalesce(x.n, 0) AS n
        FROM annqa.label_class c
        LEFT JOIN (SELECT s.class_id, sum(s.objects) AS n FROM annqa.item_class_store s
                   WHERE s.batch_id = b.batch_id AND annqa.warn_if_stale('match_rows') GROUP BY 1) x
               ON x.class_id = c.class_id
        WHERE c.dataset_id = b.dataset_id
    ), s AS (
        SELECT n.*, n.n::float8 / nullif(sum(n.n) OVER (), 0) AS share FROM n
    )
    SELECT count(*) FILTER (WHERE s.n = 0 OR s.share < s.lo OR s.share > s.hi),
           string_agg(CASE WHEN s.n = 0 THEN format('%s empty', s.name)
                           WHEN s.share < s.lo OR s.share > s.hi
                           THEN format('%s share %s outside [%s, %s]', s.name, round(s.share::numeric, 3),
                                       coalesce(s.lo, 0), coalesce(s.hi, 1)) END, '; ' ORDER BY s.name)
      INTO k, d
    FROM s;
    RETURN QUERY SELECT 'class_balance', k::float8, 0::float8, k = 0,
        coalesce(d, 'every class present and within its expected share');

    -- 5. export format validity: every row annqa.export_coco(dataset) writes, checked
    -- relationally with validate_coco's rules (annqa.coco_export_problems), plus the real
    -- annqa.validate_coco on the export (same exporter code) of a bounded sample of items:
    -- the audit sample of the batch (or the items the draw would pick, in a preview) and,
    -- for each kind of exported annotation, the item of its first annotation
    SELECT count(*) FILTER (WHERE x.path IS NOT NULL), string_agg(x.path || ': ' || x.problem, '; '),
           array_agg(x.item_id) FILTER (WHERE x.path IS NULL)
      INTO k, d, kinds
    FROM annqa.coco_export_scan(b.dataset_id) x;
    WITH audit AS (
        SELECT s.item_id FROM annqa.audit_sample s WHERE s.batch_id = b.batch_id
    ), planned AS (
        SELECT i.item_id FROM annqa.item i
        WHERE i.batch_id = b.batch_id AND NOT EXISTS (SELECT 1 FROM audit)
        ORDER BY md5(coalesce((p.parameters ->> 'audit_seed')::bigint, b.batch_id)::text || ':' || i.item_id::text), i.item_id
        LIMIT p.audit_sample_size
    ), per_kind AS (   -- found by the same pass (annqa.coco_export_scan)
        SELECT unnest(coalesce(kinds, '{}')) AS item_id
    )
    SELECT array_agg(DISTINCT x.item_id ORDER BY x.item_id) INTO sample
    FROM (SELECT * FROM audit UNION ALL SELECT * FROM planned UNION ALL SELECT * FROM per_kind) x;
    SELECT count(*), string_agg(x.path || ': ' || x.problem, '; ')
      INTO k2, d2
    FROM annqa.validate_coco(annqa.io_coco_export((SELECT ds.name FROM annqa.dataset ds WHERE ds.dataset_id = b.dataset_id),
                                                  NULL, NULL, coalesce(sample, '{}'))) x;
    RETURN QUERY SELECT 'export_format', (k + k2)::float8, 0::float8, k + k2 = 0,
        format('relational check of every row annqa.export_coco(dataset) writes (annqa.coco_export_problems): %s problems; '
               'annqa.validate_coco on the export of %s sample items: %s problems',
               k, coalesce(cardinality(sample), 0), k2)
        || CASE WHEN d IS NULL AND d2 IS NULL THEN ''
                ELSE ': ' || left(concat_ws('; ', d, 'sample ' || d2), 500) END;

    -- 6. random sample audit
    SELECT count(*), count(s.verdict), count(*) FILTER (WHERE s.verdict = 'error')
      INTO k, v, d
    FROM annqa.audit_sample s WHERE s.batch_id = b.batch_id;
    RETURN QUERY SELECT 'audit',
        CASE WHEN k > 0 AND v = k THEN d::float8 / k END, p.max_audit_error_rate,
        coalesce(k > 0 AND v = k AND d::float8 / k <= p.max_audit_error_rate, false),
        CASE WHEN k = 0 THEN 'no audit sample drawn'
             WHEN v < k THEN format('%s of %s sampled items not reviewed', k - v::bigint, k)
             ELSE format('%s errors in %s sampled items', d, k) END;

    -- 7. a dataset version recorded
    RETURN QUERY SELECT 'dataset_version', NULL::float8, NULL::float8,
        coalesce(btrim(release_checks.dataset_version) <> '', false),
        coalesce('version ' || release_checks.dataset_version, 'no version');

    -- 8. an owner named
    RETURN QUERY SELECT 'release_owner', NULL::float8, NULL::float8,
        coalesce(btrim(release_checks.decided_by) <> '', false)
          AND (NOT p.require_owner OR p.parameters ->> 'release_owner' IS NULL
               OR p.parameters ->> 'release_owner' = release_checks.decided_by),
        format('decided by %s; policy owner %s', coalesce(release_checks.decided_by, 'nobody'),
               coalesce(p.parameters ->> 'release_owner', 'not set'));
END
$fn$;
COMMENT ON FUNCTION annqa.release_checks(bigint, text, text) IS 'the release gate''s checks of a batch without deciding anything (a preview): agreement, gold_pass_rate, missing_label_rate, class_balance, export_format, audit, dataset_version, release_owner, each with value, threshold, passed and detail; all under one snapshot';

CREATE PROCEDURE annqa.release_gate(batch text, dataset_version text, decided_by text,
                                    OUT passed boolean, OUT failing text[],
                                    dataset text DEFAULT NULL, seed bigint DEFAULT NULL)
LANGUAGE plpgsql
SET search_path = pg_catalog, annqa, pg_temp
SET annqa.stale_warning = 'off'
AS $pr$
#variable_conflict use_column
DECLARE
    bid bigint;
    b annqa.batch;
    r annqa.release;
    checks jsonb;
    rid bigint;
    ver text;
BEGIN
    IF dataset_version IS NULL OR btrim(dataset_version) = '' THEN
        RAISE EXCEPTION 'annqa.release_gate: a dataset version is required'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = 'dataset_version is NULL or empty',
                  HINT = 'pass the version this release will carry, e.g. ''v1.0''';
    END IF;
    IF decided_by IS NULL OR btrim(decided_by) = '' THEN
        RAISE EXCEPTION 'annqa.release_gate: a release owner is required'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = 'decided_by is NULL or empty',
                  HINT = 'pass the name of the release owner who takes the decision';
    END IF;
    bid := annqa.batch_id(batch, dataset);
    -- one decision per (batch, version): serialise the gates of a batch on its row
    SELECT * INTO b FROM annqa.batch x WHERE x.batch_id = bid FOR UPDATE;
    SELECT * INTO r FROM annqa.release x
    WHERE x.batch_id = bid AND x.dataset_version = release_gate.dataset_version AND x.gate = 'release';
    IF FOUND THEN
        passed := r.passed;
        failing := r.failing_checks;
        RAISE NOTICE 'annqa.release_gate: batch "%" version "%" was already decided (release %)', batch, dataset_version, r.release_id
            USING DETAIL = format('decided by %s at %s: %s', r.decided_by, r.decided_at,
                                  CASE WHEN r.passed THEN 'passed' ELSE 'failed' END);
        RETURN;
    END IF;
    IF b.status = 'released' THEN
        SELECT x.dataset_version INTO ver FROM annqa.release x
        WHERE x.batch_id = bid AND x.gate = 'release' AND x.passed ORDER BY x.release_id DESC LIMIT 1;
        RAISE EXCEPTION 'annqa.release_gate: batch "%" is already released', batch
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('released as version %s', coalesce(ver, '?')),
                  HINT = 'a released batch is not decided again; create a new batch for new work';
    END IF;

    PERFORM annqa.draw_audit_sample(bid, seed);
    -- the stored match rows of the dataset, refreshed inside the batch lock when stale
    PERFORM annqa.refresh_matches((SELECT ds.name FROM annqa.dataset ds WHERE ds.dataset_id = b.dataset_id));

    -- every check in one statement: one snapshot
    SELECT jsonb_agg(jsonb_build_object('check', c.check_name, 'value', c.value, 'threshold', c.threshold,
                                        'passed', c.passed, 'detail', c.detail) ORDER BY c.ord),
           coalesce(array_agg(c.check_name ORDER BY c.ord) FILTER (WHERE NOT c.passed), '{}')
      INTO checks, failing
    FROM annqa.release_checks(bid, release_gate.dataset_version, release_gate.decided_by)
         WITH ORDINALITY AS c(check_name, value, threshold, passed, detail, ord);
    passed := cardinality(failing) = 0;

    INSERT INTO annqa.release (batch_id, dataset_id, dataset_version, gate, decided_by, passed, checks,
                               failing_checks, parameters, extension_version)
    SELECT bid, b.dataset_id, release_gate.dataset_version, 'release', release_gate.decided_by, passed, checks,
           failing, to_jsonb(p) || jsonb_build_object('audit_seed', (SELECT min(s.seed) FROM annqa.audit_sample s WHERE s.batch_id = bid),
                                         'called_by', session_user::text),
           (SELECT e.extversion FROM pg_catalog.pg_extension e WHERE e.extname = 'annqa')
    FROM annqa.policy p WHERE p.dataset_id = b.dataset_id
    RETURNING release_id INTO rid;
    UPDATE annqa.audit_sample s SET release_id = rid WHERE s.batch_id = bid AND s.release_id IS NULL;
    UPDATE annqa.batch x SET status = CASE WHEN passed THEN 'released' ELSE 'returned' END WHERE x.batch_id = bid;
    IF passed THEN
        UPDATE annqa.label_class c SET frozen_in = rid WHERE c.dataset_id = b.dataset_id AND c.frozen_in IS NULL;
    ELSE
        RAISE WARNING 'annqa.release_gate: batch "%" version "%" failed: %', batch, dataset_version, array_to_string(failing, ', ')
            USING DETAIL = (SELECT string_agg(format('%s: %s', e ->> 'check', e ->> 'detail'), E'\n')
                            FROM jsonb_array_elements(checks) e WHERE NOT (e ->> 'passed')::boolean),
                  HINT = 'the batch is returned; fix it and call the gate again with a new dataset version';
    END IF;
END
$pr$;
COMMENT ON PROCEDURE annqa.release_gate(text, text, text, boolean, text[], text, bigint) IS 'the release gate: locks the batch, draws the audit sample if none, refreshes the stored match rows of the dataset when stale, evaluates annqa.release_checks under one snapshot, records the decision in annqa.release, sets the batch released (all checks pass) or returned, freezes the class list on a pass, and returns passed and the failing checks (WARNING when failing); a second call for the same (batch, version) returns the recorded decision';

CREATE PROCEDURE annqa.calibration_gate(dataset text, decided_by text,
                                        OUT passed boolean, OUT weak_classes text[],
                                        dataset_version text DEFAULT 'calibration')
LANGUAGE plpgsql
SET search_path = pg_catalog, annqa, pg_temp
SET annqa.stale_warning = 'off'
AS $pr$
#variable_conflict use_column
DECLARE
    did bigint;
    r annqa.release;
    p annqa.policy;
    kappa float8;
    units bigint;
    checks jsonb;
BEGIN
    IF decided_by IS NULL OR btrim(decided_by) = '' THEN
        RAISE EXCEPTION 'annqa.calibration_gate: decided_by is required'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = 'decided_by is NULL or empty',
                  HINT = 'pass the name of the person taking the decision';
    END IF;
    SELECT d.dataset_id INTO did FROM annqa.dataset d WHERE d.name = calibration_gate.dataset FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'annqa.calibration_gate: dataset "%" not found', dataset
            USING ERRCODE = 'undefined_object', HINT = 'list the datasets with SELECT name FROM annqa.dataset';
    END IF;
    SELECT * INTO r FROM annqa.release x
    WHERE x.dataset_id = did AND x.gate = 'calibration' AND x.dataset_version = calibration_gate.dataset_version;
    IF FOUND THEN
        passed := r.passed;
        SELECT array_agg(e) INTO weak_classes FROM jsonb_array_elements_text(r.checks -> 0 -> 'weak_classes') e;
        weak_classes := coalesce(weak_classes, '{}');
        RAISE NOTICE 'annqa.calibration_gate: dataset "%" version "%" was already decided (release %)', dataset, dataset_version, r.release_id;
        RETURN;
    END IF;
    SELECT * INTO p FROM annqa.policy x WHERE x.dataset_id = did;
    -- the stored unit rows of the dataset, refreshed inside the dataset lock when stale
    PERFORM annqa.refresh_matches(calibration_gate.dataset);

    -- agreement among the raters on the gold set, overall and per class (one statement)
    WITH g AS (
        SELECT u.* FROM annqa.unit_rows u JOIN annqa.item i ON i.item_id = u.item_id
        WHERE u.dataset_id = did AND i.in_gold_set
    ), per_class AS (
        SELECT c.name, annqa.fleiss_kappa(g.unit_key, g.annotator_id,
                                          CASE WHEN g.class_id = c.class_id THEN 'yes' ELSE 'no' END)::float8 AS k
        FROM g CROSS JOIN annqa.label_class c
        WHERE c.class_id IN (SELECT g2.class_id FROM g g2)
        GROUP BY c.name
    )
    SELECT (SELECT annqa.fleiss_kappa(g.unit_key, g.annotator_id, coalesce(g.label, '<none>'))::float8 FROM g),
           (SELECT count(DISTINCT g.unit_key) FROM g),
           coalesce((SELECT array_agg(pc.name ORDER BY pc.name) FROM per_class pc
                     WHERE pc.k IS NULL OR pc.k < p.min_agreement), '{}'),
           (SELECT jsonb_object_agg(pc.name, pc.k) FROM per_class pc)
      INTO kappa, units, weak_classes, checks;
    passed := kappa IS NOT NULL AND kappa >= p.min_agreement AND cardinality(weak_classes) = 0;
    checks := jsonb_build_array(jsonb_build_object(
        'check', 'gold_agreement', 'value', kappa, 'threshold', p.min_agreement, 'passed', passed,
        'units', units, 'by_class', coalesce(checks, '{}'), 'weak_classes', to_jsonb(weak_classes),
        'detail', CASE WHEN kappa IS NULL THEN 'no gold-set object units rated by two or more raters'
                       ELSE 'Fleiss kappa over the object units of the gold-set items' END));
    INSERT INTO annqa.release (batch_id, dataset_id, dataset_version, gate, decided_by, passed, checks,
                               failing_checks, parameters, extension_version)
    VALUES (NULL, did, calibration_gate.dataset_version, 'calibration', calibration_gate.decided_by, passed, checks,
            CASE WHEN passed THEN '{}'::text[] ELSE ARRAY['gold_agreement'] END,
            (SELECT to_jsonb(x) FROM annqa.policy x WHERE x.dataset_id = did),
            (SELECT e.extversion FROM pg_catalog.pg_extension e WHERE e.extname = 'annqa'));
    IF NOT passed THEN
        RAISE WARNING 'annqa.calibration_gate: the team does not agree on the gold set of "%": do not scale', dataset
            USING DETAIL = format('Fleiss kappa %s (policy %s); weak classes: %s', coalesce(round(kappa::numeric, 3)::text, 'none'),
                                  p.min_agreement, coalesce(nullif(array_to_string(weak_classes, ', '), ''), 'none')),
                  HINT = 'rewrite the guideline for the weak classes and relabel the gold set';
    END IF;
END
$pr$;
COMMENT ON PROCEDURE annqa.calibration_gate(text, text, boolean, text[], text) IS 'the calibration gate, before scaling (refreshes the stored match rows of the dataset when stale): Fleiss kappa among the raters over the object units of the gold-set items, overall and per class (category-specific yes/no over every unit); records the decision (gate calibration) and fails, naming the weak classes, when the team does not reach the policy''s min_agreement';

REVOKE EXECUTE ON PROCEDURE annqa.release_gate(text, text, text, boolean, text[], text, bigint) FROM PUBLIC;
REVOKE EXECUTE ON PROCEDURE annqa.calibration_gate(text, text, boolean, text[], text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION annqa.draw_audit_sample(bigint, bigint) FROM PUBLIC;
