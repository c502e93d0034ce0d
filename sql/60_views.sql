-- ======================================================================
-- Quality views.  One shared intermediate, annqa.match_rows (every object
-- of every annotator matched against gold, and against every other
-- annotator, per item), plus annqa.unit_rows (object units for the
-- agreement statistics).  Every other view is a GROUP BY over them.
--
-- All views are security_invoker: they run with the privileges and the
-- row-level security policies of the user who queries them, so an
-- annotator who may not read gold annotations gets no gold through them.
-- ======================================================================

-- The policy of each dataset: the gate_policy row or the column defaults.
CREATE VIEW annqa.policy WITH (security_invoker = true) AS
SELECT d.dataset_id,
       coalesce(p.iou_threshold, 0.5)::float8          AS iou_threshold,
       coalesce(p.min_agreement, 0.6)::float8          AS min_agreement,
       coalesce(p.min_gold_pass_rate, 0.9)::float8     AS min_gold_pass_rate,
       coalesce(p.gold_pass_accuracy, 0.7)::float8     AS gold_pass_accuracy,
       coalesce(p.max_missing_rate, 0.05)::float8      AS max_missing_rate,
       coalesce(p.audit_sample_size, 50)::int          AS audit_sample_size,
       coalesce(p.max_audit_error_rate, 0.05)::float8  AS max_audit_error_rate,
       coalesce(p.require_owner, true)                 AS require_owner,
       coalesce((p.parameters ->> 'low_overlap_threshold')::float8, 0.7) AS low_overlap_threshold,
       coalesce((p.parameters ->> 'crowded_overlaps')::int, 3)           AS crowded_overlaps,
       coalesce((p.parameters ->> 'rare_share')::float8, 0.05)           AS rare_share,
       coalesce((p.parameters ->> 'drift')::float8, 0.1)                 AS drift,
       coalesce(p.parameters ->> 'drift_window', '7 days')::interval     AS drift_window,
       coalesce(p.parameters, '{}'::jsonb)             AS parameters
FROM annqa.dataset d LEFT JOIN annqa.gate_policy p USING (dataset_id);
COMMENT ON VIEW annqa.policy IS 'the effective gate policy of every dataset: its gate_policy row, or the defaults; parameters keys low_overlap_threshold (0.7), crowded_overlaps (3), rare_share (0.05), drift (0.1), drift_window (7 days)';

-- Who takes part: the raters of a batch are the non-gold annotators with at
-- least one annotation on an item of the batch; the gold of a dataset is
-- every annotator of kind gold with an annotation in the dataset.
CREATE VIEW annqa.batch_raters WITH (security_invoker = true) AS
SELECT DISTINCT i.dataset_id, i.batch_id, an.annotator_id, a.name AS annotator, a.kind
FROM annqa.annotation an
JOIN annqa.item i USING (item_id)
JOIN annqa.annotator a USING (annotator_id)
WHERE a.kind <> 'gold';
COMMENT ON VIEW annqa.batch_raters IS 'the raters of each batch: the non-gold annotators with at least one annotation on an item of the batch (an item without a batch belongs to the NULL batch of its dataset)';

-- Objects per item, annotator and geometry family, as parallel arrays.
CREATE VIEW annqa.item_objects WITH (security_invoker = true) AS
SELECT an.item_id, an.annotator_id, f.family,
       array_agg(an.annotation_id ORDER BY an.annotation_id)             AS annotation_ids,
       array_agg(an.class_id ORDER BY an.annotation_id)                  AS class_ids,
       array_agg(coalesce(c.name, '<none>') ORDER BY an.annotation_id)   AS labels,
       array_agg(an.box ORDER BY an.annotation_id) FILTER (WHERE f.family = 'box')   AS boxes,
       array_agg(an.rbox ORDER BY an.annotation_id) FILTER (WHERE f.family = 'rbox') AS rboxes,
       array_agg(an.mask ORDER BY an.annotation_id) FILTER (WHERE f.family = 'mask') AS masks
FROM annqa.annotation an
LEFT JOIN annqa.label_class c USING (class_id)
CROSS JOIN LATERAL (SELECT CASE WHEN an.kind = 'tag' THEN 'tag'
                                WHEN an.kind = 'rbox' THEN 'rbox'
                                WHEN an.mask IS NOT NULL THEN 'mask'
                                WHEN an.box IS NOT NULL THEN 'box' END AS family) f
WHERE f.family IS NOT NULL
GROUP BY an.item_id, an.annotator_id, f.family;
COMMENT ON VIEW annqa.item_objects IS 'the objects of each item, annotator and geometry family (tag, box, rbox, mask) as arrays in annotation_id order: the input of annqa.match and annqa.object_units';

-- ---------------------------------------------------------------- stored matching
-- Matching every item is the expensive part of the QA report, so its result
-- is kept in tables (annqa.match_rows_store, annqa.unit_rows_store and the
-- summaries below), filled per dataset by annqa.refresh_matches().  The views annqa.match_rows
-- and annqa.unit_rows read them.  Staleness is never silent:
--   * annqa.match_refresh holds one stamp per refreshed dataset (when, and
--     whether it is stale);
--   * statement-level triggers on annotation and item record the batches a
--     statement touched in annqa.stale_batch and mark their datasets stale;
--     triggers on the other inputs (annotator, label_class names, gate_policy,
--     TRUNCATE) mark every batch of every dataset stale (whole); a dataset
--     never refreshed has no stamp and counts as stale;
--   * a refresh recomputes only the stale batches of a dataset, or all of it
--     when whole, forced, never refreshed, or when its gold annotators changed;
--   * annqa.match_status shows dataset, refreshed_at, stale, stale_batches;
--   * every query of annqa.match_rows / annqa.unit_rows (so of every quality
--     view) raises a WARNING naming the stale datasets; it does not refresh
--     lazily, because a view query may run in a read-only transaction, on a
--     standby, or as a reviewer who may not write;
--   * both gates refresh the datasets they decide on inside their lock.
-- The tables are derived data: they are NOT registered with
-- pg_extension_config_dump, so pg_dump leaves them (and the stamps) out; after
-- a restore every dataset is stale until SELECT annqa.refresh_matches().
CREATE TABLE annqa.match_rows_store (
    dataset_id bigint NOT NULL, batch_id bigint, item_id bigint NOT NULL, video text, frame int, task_type text,
    comparison text NOT NULL, family text NOT NULL, reference_id bigint NOT NULL, annotator_id bigint NOT NULL,
    gold_idx int, test_idx int, reference_annotation_id bigint, annotation_id bigint,
    reference_class_id bigint, class_id bigint, reference_label text, label text,
    status text NOT NULL, similarity float8, low_overlap boolean
);
CREATE INDEX match_rows_store_dataset ON annqa.match_rows_store (dataset_id, coalesce(batch_id, -9223372036854775808));
COMMENT ON TABLE annqa.match_rows_store IS 'stored rows of annqa.match_rows, filled by annqa.refresh_matches(); derived data, not dumped';

CREATE TABLE annqa.unit_rows_store (
    dataset_id bigint NOT NULL, batch_id bigint, item_id bigint NOT NULL, family text NOT NULL, unit int NOT NULL,
    unit_key text NOT NULL, annotator_id bigint NOT NULL, annotation_id bigint, class_id bigint, label text,
    -- precomputed for the agreement views (a GROUP BY over the stored rows then needs no sort)
    unit_raters int NOT NULL,            -- ratings (rows) of the unit
    class_raters int NOT NULL,           -- rows of the unit with this row's class_id (NULLs together)
    unit_class_first boolean NOT NULL,   -- first row of its (unit, class_id)
    item_class_first boolean NOT NULL    -- first row of its (item, class_id)
);
CREATE INDEX unit_rows_store_dataset ON annqa.unit_rows_store (dataset_id, coalesce(batch_id, -9223372036854775808));
COMMENT ON TABLE annqa.unit_rows_store IS 'stored rows of annqa.unit_rows, filled by annqa.refresh_matches(); derived data, not dumped';

-- Per-item summaries of the stored match rows, filled with them: what
-- annqa.item_agreement, annqa.gold_item_accuracy and the views over them
-- would otherwise recompute with a GROUP BY over every match row.
CREATE TABLE annqa.item_rows_store (
    dataset_id bigint NOT NULL, batch_id bigint, item_id bigint NOT NULL, task_type text,
    pair_rows bigint NOT NULL,           -- pair match rows of the item (0: none, no item_agreement row)
    agreement float8, mean_iou float8,   -- annqa.quality over the pair rows: accuracy, mean_iou
    disagreements bigint NOT NULL,       -- pair rows not matched
    raters bigint,                       -- count(DISTINCT reference_id) + 1 over the pair rows
    gold_conflicts bigint NOT NULL,      -- gold rows not matched
    n_overlaps bigint NOT NULL,          -- most overlapping (&&) box pairs drawn by one non-gold annotator on the item
    conflicts bigint NOT NULL,           -- rows of annqa.conflicts on the item (missing, extra, mismatching_label, low_overlap)
    gold_missing bigint NOT NULL,        -- gold rows with status missing
    gold_objects bigint NOT NULL         -- gold rows with status matched, mismatching_label or missing
);
CREATE INDEX item_rows_store_dataset ON annqa.item_rows_store (dataset_id, coalesce(batch_id, -9223372036854775808));
COMMENT ON TABLE annqa.item_rows_store IS 'per item with match rows or overlapping boxes: summaries of its stored match rows and its most overlapping box pairs by one rater (read by annqa.item_agreement and annqa.review_queue), filled by annqa.refresh_matches(); derived data, not dumped';

CREATE TABLE annqa.gold_item_store (
    dataset_id bigint NOT NULL, batch_id bigint, annotator_id bigint NOT NULL, item_id bigint NOT NULL,
    accuracy float8 NOT NULL,            -- coalesce(annqa.quality over the gold rows).accuracy, 1)
    annotated_at timestamptz             -- the rater's latest annotation on the item (max created_at)
);
CREATE INDEX gold_item_store_dataset ON annqa.gold_item_store (dataset_id, coalesce(batch_id, -9223372036854775808));
COMMENT ON TABLE annqa.gold_item_store IS 'per rater and gold/validation item: CVAT accuracy against gold over its stored match rows and the rater''s latest annotation time (read by annqa.gold_item_accuracy and annqa.calibration_needed), filled by annqa.refresh_matches(); derived data, not dumped';

-- Per item and class: the non-gold annotations (read by annqa.coverage,
-- annqa.review_queue and the gate's class balance).  Class risk and the
-- small-object area are joined live, so min_box_area is kept instead of a flag.
CREATE TABLE annqa.item_class_store (
    dataset_id bigint NOT NULL, batch_id bigint, item_id bigint NOT NULL, class_id bigint,
    objects bigint NOT NULL,             -- non-gold annotations of the class on the item
    raters bigint[] NOT NULL,            -- their annotators, ascending, distinct
    min_box_area float8,                 -- the smallest area(box) among them (NULL: none has a box)
    occluded boolean                     -- bool_or(occluded) among them
);
CREATE INDEX item_class_store_dataset ON annqa.item_class_store (dataset_id, coalesce(batch_id, -9223372036854775808));
COMMENT ON TABLE annqa.item_class_store IS 'per item and class (NULL: annotations without a class): the non-gold annotations, their raters, smallest box area and whether any is occluded (read by annqa.coverage, annqa.review_queue and the release gate''s class balance), filled by annqa.refresh_matches(); derived data, not dumped';

-- The agreement statistics of every batch (class_id NULL) and of every class of
-- a batch, computed from the stored unit and match rows when they are filled
-- (read by annqa.agreement_by_class, annqa.agreement_by_batch and the gates).
CREATE TABLE annqa.agreement_store (
    dataset_id bigint NOT NULL, batch_id bigint, class_id bigint,   -- class_id NULL: the whole batch
    fleiss_kappa float8, krippendorff_alpha float8, percent_agreement float8, mean_iou float8,
    items bigint, units bigint, raters bigint
);
CREATE INDEX agreement_store_dataset ON annqa.agreement_store (dataset_id, coalesce(batch_id, -9223372036854775808));
COMMENT ON TABLE annqa.agreement_store IS 'object-level agreement per batch (class_id NULL) and per batch and class, as annqa.agreement_by_batch and annqa.agreement_by_class show it, filled by annqa.refresh_matches() from the unit and match rows it stores; derived data, not dumped';

-- Per batch and ordered pair of raters (the smaller annotator_id first): what
-- annqa.agreement_matrix shows, computed from the stored pair rows.
CREATE TABLE annqa.pair_agreement_store (
    dataset_id bigint NOT NULL, batch_id bigint, annotator_a bigint NOT NULL, annotator_b bigint NOT NULL,
    kappa float8, percent_agreement float8, mean_iou float8, common_items bigint, objects bigint
);
CREATE INDEX pair_agreement_store_dataset ON annqa.pair_agreement_store (dataset_id, coalesce(batch_id, -9223372036854775808));
COMMENT ON TABLE annqa.pair_agreement_store IS 'per batch and pair of raters (annotator_a < annotator_b): Cohen kappa, percent agreement, mean IoU, common items and objects of their pair match rows (read by annqa.agreement_matrix), filled by annqa.refresh_matches(); derived data, not dumped';

CREATE TABLE annqa.match_refresh (
    dataset_id   bigint PRIMARY KEY REFERENCES annqa.dataset ON DELETE CASCADE,
    refreshed_at timestamptz,
    stale        boolean NOT NULL DEFAULT true,
    match_rows   bigint,
    unit_rows    bigint,
    whole        boolean NOT NULL DEFAULT true,   -- every batch is stale (a change not tied to batches)
    golds        bigint[]                         -- the dataset's gold annotators at the last refresh
);
COMMENT ON TABLE annqa.match_refresh IS 'one refresh stamp per dataset: when annqa.refresh_matches() last filled its stored match and unit rows, whether an input changed since (stale), whether that change concerns every batch (whole) or only the batches listed in annqa.stale_batch, and the gold annotators the rows were computed with; derived data, not dumped';

-- The batches whose stored rows an annotation or item change made stale (a
-- dataset's items without a batch: batch_id NULL).  No foreign key: a row may
-- name a batch or dataset being deleted in the same statement.
CREATE TABLE annqa.stale_batch (
    dataset_id bigint NOT NULL,
    batch_id   bigint,
    UNIQUE NULLS NOT DISTINCT (dataset_id, batch_id)
);
COMMENT ON TABLE annqa.stale_batch IS 'the (dataset, batch) pairs whose stored rows changes to annotations or items made stale since the last refresh (batch_id NULL: the items without a batch); annqa.refresh_matches recomputes only these when nothing else changed; derived data, not dumped';

-- Marks every stamp stale, every batch included (whole).  Statement level, so
-- a bulk change costs one UPDATE; rows already wholly stale are not touched.
CREATE FUNCTION annqa.mark_matches_stale() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, annqa, pg_temp
AS $fn$
BEGIN
    UPDATE annqa.match_refresh SET stale = true, whole = true WHERE NOT whole;
    RETURN NULL;
END
$fn$;
COMMENT ON FUNCTION annqa.mark_matches_stale() IS 'trigger: marks the stored match rows of every dataset stale, every batch of it, after a change to an input of the matching not tied to batches (annotators, class names, gate policies, TRUNCATE)';
REVOKE EXECUTE ON FUNCTION annqa.mark_matches_stale() FROM PUBLIC;

-- Marks the batches a statement on annotation or item touched stale (from its
-- transition tables), and their datasets' stamps.  An item update counts only
-- when it changes an input of the matching.
CREATE FUNCTION annqa.mark_batches_stale() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, annqa, pg_temp
AS $fn$
BEGIN
    IF TG_TABLE_NAME = 'annotation' THEN
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            INSERT INTO annqa.stale_batch (dataset_id, batch_id)
            SELECT DISTINCT i.dataset_id, i.batch_id FROM new_rows n JOIN annqa.item i ON i.item_id = n.item_id
            ON CONFLICT DO NOTHING;
        END IF;
        IF TG_OP IN ('DELETE', 'UPDATE') THEN   -- (an item deleted with its annotations: its own trigger)
            INSERT INTO annqa.stale_batch (dataset_id, batch_id)
            SELECT DISTINCT i.dataset_id, i.batch_id FROM old_rows o JOIN annqa.item i ON i.item_id = o.item_id
            ON CONFLICT DO NOTHING;
        END IF;
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO annqa.stale_batch (dataset_id, batch_id)
        SELECT DISTINCT n.dataset_id, n.batch_id FROM new_rows n ON CONFLICT DO NOTHING;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO annqa.stale_batch (dataset_id, batch_id)
        SELECT DISTINCT o.dataset_id, o.batch_id FROM old_rows o ON CONFLICT DO NOTHING;
    ELSE   -- an item update: the old and the new batch of every item whose inputs changed
        INSERT INTO annqa.stale_batch (dataset_id, batch_id)
        SELECT DISTINCT x.dataset_id, x.batch_id
        FROM old_rows o JOIN new_rows n ON n.item_id = o.item_id
        CROSS JOIN LATERAL (VALUES (o.dataset_id, o.batch_id), (n.dataset_id, n.batch_id)) x(dataset_id, batch_id)
        WHERE (o.dataset_id, o.batch_id, o.in_gold_set, o.is_validation, o.video, o.frame, o.task_type)
              IS DISTINCT FROM (n.dataset_id, n.batch_id, n.in_gold_set, n.is_validation, n.video, n.frame, n.task_type)
        ON CONFLICT DO NOTHING;
    END IF;
    UPDATE annqa.match_refresh r SET stale = true
    WHERE NOT r.stale AND EXISTS (SELECT 1 FROM annqa.stale_batch s WHERE s.dataset_id = r.dataset_id);
    RETURN NULL;
END
$fn$;
COMMENT ON FUNCTION annqa.mark_batches_stale() IS 'trigger: records in annqa.stale_batch the batches whose annotations or items a statement changed (old and new batch of a moved item or annotation; item updates only when dataset, batch, gold or validation flags, video, frame or task type change) and marks their datasets stale';
REVOKE EXECUTE ON FUNCTION annqa.mark_batches_stale() FROM PUBLIC;
CREATE TRIGGER batches_stale_ins AFTER INSERT ON annqa.annotation REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION annqa.mark_batches_stale();
CREATE TRIGGER batches_stale_upd AFTER UPDATE ON annqa.annotation REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION annqa.mark_batches_stale();
CREATE TRIGGER batches_stale_del AFTER DELETE ON annqa.annotation REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION annqa.mark_batches_stale();
CREATE TRIGGER matches_stale AFTER TRUNCATE ON annqa.annotation
    FOR EACH STATEMENT EXECUTE FUNCTION annqa.mark_matches_stale();
CREATE TRIGGER batches_stale_ins AFTER INSERT ON annqa.item REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION annqa.mark_batches_stale();
CREATE TRIGGER batches_stale_upd AFTER UPDATE ON annqa.item REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION annqa.mark_batches_stale();
CREATE TRIGGER batches_stale_del AFTER DELETE ON annqa.item REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION annqa.mark_batches_stale();
CREATE TRIGGER matches_stale AFTER TRUNCATE ON annqa.item
    FOR EACH STATEMENT EXECUTE FUNCTION annqa.mark_matches_stale();
CREATE TRIGGER matches_stale AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE OF name, kind ON annqa.annotator
    FOR EACH STATEMENT EXECUTE FUNCTION annqa.mark_matches_stale();
CREATE TRIGGER matches_stale AFTER DELETE OR TRUNCATE OR UPDATE OF name, dataset_id ON annqa.label_class
    FOR EACH STATEMENT EXECUTE FUNCTION annqa.mark_matches_stale();
CREATE TRIGGER matches_stale AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON annqa.gate_policy
    FOR EACH STATEMENT EXECUTE FUNCTION annqa.mark_matches_stale();

CREATE FUNCTION annqa.refresh_matches(dataset text DEFAULT NULL, force boolean DEFAULT false) RETURNS int
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, annqa, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
    ids bigint[];
    full_ids bigint[];
    n_match bigint;
    n_unit bigint;
    n_match_del bigint;
    n_unit_del bigint;
    n_del bigint;
    store text;
    -- the derived tables refresh_matches fills, per dataset and batch
    stores text[] := '{match_rows_store,unit_rows_store,item_rows_store,gold_item_store,item_class_store,agreement_store,pair_agreement_store}';
BEGIN
    IF dataset IS NOT NULL AND NOT EXISTS (SELECT 1 FROM annqa.dataset d WHERE d.name = refresh_matches.dataset) THEN
        RAISE EXCEPTION 'annqa.refresh_matches: dataset "%" not found', dataset
            USING ERRCODE = 'undefined_object', HINT = 'list the datasets with SELECT name FROM annqa.dataset';
    END IF;
    INSERT INTO annqa.match_refresh (dataset_id)
    SELECT d.dataset_id FROM annqa.dataset d WHERE refresh_matches.dataset IS NULL OR d.name = refresh_matches.dataset
    ON CONFLICT (dataset_id) DO NOTHING;
    IF NOT force AND NOT EXISTS (
           SELECT 1 FROM annqa.match_refresh r JOIN annqa.dataset d USING (dataset_id)
           WHERE r.stale AND (refresh_matches.dataset IS NULL OR d.name = refresh_matches.dataset)) THEN
        ids := NULL;   -- nothing stale: no lock taken
    ELSE
        -- SHARE locks on every input until commit: writers in flight finish first
        -- (their rows are then read), new writers wait until this refresh commits
        -- (their triggers then mark the fresh stamps stale), so no change is lost
        LOCK TABLE annqa.annotation, annqa.item, annqa.annotator, annqa.label_class, annqa.gate_policy
            IN SHARE MODE;
        SELECT array_agg(x.dataset_id ORDER BY x.dataset_id) INTO ids
        FROM (SELECT r.dataset_id, r.stale FROM annqa.match_refresh r JOIN annqa.dataset d USING (dataset_id)
              WHERE refresh_matches.dataset IS NULL OR d.name = refresh_matches.dataset
              ORDER BY r.dataset_id FOR UPDATE OF r) x
        WHERE x.stale OR refresh_matches.force;
    END IF;
    IF dataset IS NULL THEN   -- stored rows of deleted datasets
        FOREACH store IN ARRAY stores || 'stale_batch'::text LOOP
            EXECUTE format('DELETE FROM annqa.%I s WHERE NOT EXISTS (SELECT 1 FROM annqa.dataset d WHERE d.dataset_id = s.dataset_id)', store);
        END LOOP;
    END IF;
    IF ids IS NULL THEN
        RETURN 0;
    END IF;
    -- The gold annotators of each dataset (every annotator of kind gold with an
    -- annotation in it): gold comparisons exist on the gold items of every batch,
    -- so a change of this set makes every batch stale.
    CREATE TEMP TABLE annqa_refresh_golds ON COMMIT DROP AS
    SELECT d.dataset_id, a.annotator_id
    FROM unnest(ids) d(dataset_id)
    JOIN annqa.annotator a ON a.kind = 'gold'
    WHERE EXISTS (SELECT 1 FROM annqa.annotation an JOIN annqa.item i ON i.item_id = an.item_id
                  WHERE an.annotator_id = a.annotator_id AND i.dataset_id = d.dataset_id);
    -- Recomputed wholly: forced, never refreshed, a change not tied to batches, or
    -- other gold annotators; otherwise only the batches in annqa.stale_batch.
    SELECT array_agg(r.dataset_id) INTO full_ids
    FROM annqa.match_refresh r
    WHERE r.dataset_id = ANY (ids)
      AND (refresh_matches.force OR r.whole OR r.golds IS DISTINCT FROM
           (SELECT array_agg(g.annotator_id ORDER BY g.annotator_id) FROM pg_temp.annqa_refresh_golds g
            WHERE g.dataset_id = r.dataset_id));
    full_ids := coalesce(full_ids, '{}');
    -- the (dataset, batch) pairs recomputed; batch_key: batch_id, or -9223372036854775808 for none
    CREATE TEMP TABLE annqa_refresh_scope ON COMMIT DROP AS
    SELECT DISTINCT i.dataset_id, i.batch_id, coalesce(i.batch_id, -9223372036854775808) AS batch_key
    FROM annqa.item i WHERE i.dataset_id = ANY (full_ids)
    UNION
    SELECT s.dataset_id, s.batch_id, coalesce(s.batch_id, -9223372036854775808)
    FROM annqa.stale_batch s WHERE s.dataset_id = ANY (ids) AND s.dataset_id <> ALL (full_ids);
    ANALYZE pg_temp.annqa_refresh_scope;
    -- the previous rows: every row of the datasets recomputed wholly, the rows of the
    -- stale batches of the others (n_match_del / n_unit_del: those deleted from the latter)
    FOREACH store IN ARRAY stores LOOP
        EXECUTE format('DELETE FROM annqa.%I s WHERE s.dataset_id = ANY ($1)', store) USING full_ids;
        EXECUTE format('DELETE FROM annqa.%I s USING pg_temp.annqa_refresh_scope sc '
                       'WHERE s.dataset_id = sc.dataset_id AND coalesce(s.batch_id, -9223372036854775808) = sc.batch_key '
                       'AND s.dataset_id <> ALL ($1)', store) USING full_ids;
        GET DIAGNOSTICS n_del = ROW_COUNT;
        IF store = 'match_rows_store' THEN
            n_match_del := n_del;
        ELSIF store = 'unit_rows_store' THEN
            n_unit_del := n_del;
        END IF;
    END LOOP;

    -- One pass over the annotations of the datasets, kept for the statements below:
    -- each annotator's objects per item and geometry family as parallel arrays in
    -- annotation_id order (family NULL: annotations no family matches), and one row
    -- per (item, annotator) (whole) with the latest annotation time and the number of
    -- overlapping (&&) box pairs among all its boxes.  array_agg keeps the order of
    -- its input, which the subquery sorts.  Dropped at the end (and with the
    -- transaction if anything fails), so a second call in one transaction works.
    CREATE TEMP TABLE annqa_refresh_obj ON COMMIT DROP AS
    SELECT s.item_id, s.annotator_id, s.family, GROUPING(s.family) = 1 AS whole,
           bool_and(s.is_gold) AS is_gold,
           array_agg(s.annotation_id) AS a_ids, array_agg(s.class_id) AS a_cls, array_agg(s.label) AS a_lab,
           array_agg(s.box) FILTER (WHERE s.family = 'box') AS a_box,
           array_agg(s.rbox) FILTER (WHERE s.family = 'rbox') AS a_rbox,
           array_agg(s.mask) FILTER (WHERE s.family = 'mask') AS a_mask,
           CASE WHEN GROUPING(s.family) = 1 THEN max(s.created_at) END AS last_at,
           CASE WHEN GROUPING(s.family) = 1
                THEN annqa.overlap_count(coalesce(array_agg(s.box) FILTER (WHERE s.box IS NOT NULL), '{}')) END AS overlaps
    FROM (SELECT an.item_id, an.annotator_id, a.kind = 'gold' AS is_gold, an.annotation_id, an.class_id,
                 coalesce(c.name, '<none>') AS label, an.box, an.rbox, an.mask, an.created_at,
                 CASE WHEN an.kind = 'tag' THEN 'tag' WHEN an.kind = 'rbox' THEN 'rbox'
                      WHEN an.mask IS NOT NULL THEN 'mask' WHEN an.box IS NOT NULL THEN 'box' END AS family
          FROM annqa.annotation an
          JOIN annqa.item i ON i.item_id = an.item_id
          JOIN annqa.annotator a ON a.annotator_id = an.annotator_id
          LEFT JOIN annqa.label_class c ON c.class_id = an.class_id
          WHERE EXISTS (SELECT 1 FROM pg_temp.annqa_refresh_scope sc WHERE sc.dataset_id = i.dataset_id AND sc.batch_key = coalesce(i.batch_id, -9223372036854775808))
          ORDER BY 1, 2, 11, 4) s
    GROUP BY GROUPING SETS ((s.item_id, s.annotator_id, s.family), (s.item_id, s.annotator_id));
    ANALYZE pg_temp.annqa_refresh_obj;

    INSERT INTO annqa.match_rows_store
    WITH it AS MATERIALIZED (
        SELECT i.item_id, i.dataset_id, i.batch_id, i.video, i.frame, i.task_type,
               (i.in_gold_set OR i.is_validation) AS gold_item
        FROM annqa.item i WHERE EXISTS (SELECT 1 FROM pg_temp.annqa_refresh_scope sc WHERE sc.dataset_id = i.dataset_id AND sc.batch_key = coalesce(i.batch_id, -9223372036854775808))
    ), who AS MATERIALIZED (   -- the gold annotators of each dataset and the raters of each batch
        SELECT it.dataset_id, it.batch_id, o.annotator_id, bool_and(o.is_gold) AS is_gold
        FROM pg_temp.annqa_refresh_obj o JOIN it USING (item_id) WHERE o.whole GROUP BY 1, 2, 3
    ), cmp AS (
        SELECT it.*, 'gold'::text AS comparison, g.annotator_id AS reference_id, r.annotator_id
        FROM it
        JOIN pg_temp.annqa_refresh_golds g ON g.dataset_id = it.dataset_id
        JOIN who r ON r.dataset_id = it.dataset_id AND r.batch_id IS NOT DISTINCT FROM it.batch_id AND NOT r.is_gold
        WHERE it.gold_item
        UNION ALL
        SELECT it.*, 'pair', r1.annotator_id, r2.annotator_id
        FROM it
        JOIN who r1 ON r1.dataset_id = it.dataset_id AND r1.batch_id IS NOT DISTINCT FROM it.batch_id AND NOT r1.is_gold
        JOIN who r2 ON r2.dataset_id = it.dataset_id AND r2.batch_id IS NOT DISTINCT FROM it.batch_id AND NOT r2.is_gold
                   AND r1.annotator_id < r2.annotator_id
    ), cg AS (
        SELECT c.*, g.family, g.a_ids, g.a_cls, g.a_lab, g.a_box, g.a_rbox, g.a_mask
        FROM cmp c JOIN pg_temp.annqa_refresh_obj g
          ON g.item_id = c.item_id AND g.annotator_id = c.reference_id AND NOT g.whole AND g.family IS NOT NULL
    ), ct AS (
        SELECT c.*, t.family, t.a_ids, t.a_cls, t.a_lab, t.a_box, t.a_rbox, t.a_mask
        FROM cmp c JOIN pg_temp.annqa_refresh_obj t
          ON t.item_id = c.item_id AND t.annotator_id = c.annotator_id AND NOT t.whole AND t.family IS NOT NULL
    ), pairs AS (   -- every (comparison, family) where either side has objects
        SELECT coalesce(g.item_id, t.item_id) AS item_id, coalesce(g.dataset_id, t.dataset_id) AS dataset_id,
               coalesce(g.batch_id, t.batch_id) AS batch_id, coalesce(g.video, t.video) AS video,
               coalesce(g.frame, t.frame) AS frame, coalesce(g.task_type, t.task_type) AS task_type,
               coalesce(g.comparison, t.comparison) AS comparison, coalesce(g.reference_id, t.reference_id) AS reference_id,
               coalesce(g.annotator_id, t.annotator_id) AS annotator_id, coalesce(g.family, t.family) AS family,
               coalesce(g.a_ids, '{}') AS g_ids, coalesce(g.a_cls, '{}') AS g_cls, coalesce(g.a_lab, '{}') AS g_lab,
               coalesce(t.a_ids, '{}') AS t_ids, coalesce(t.a_cls, '{}') AS t_cls, coalesce(t.a_lab, '{}') AS t_lab,
               g.a_box AS g_box, t.a_box AS t_box, g.a_rbox AS g_rbox, t.a_rbox AS t_rbox,
               g.a_mask AS g_mask, t.a_mask AS t_mask
        FROM cg g FULL JOIN ct t
          ON t.item_id = g.item_id AND t.comparison = g.comparison AND t.reference_id = g.reference_id
         AND t.annotator_id = g.annotator_id AND t.family = g.family
    )
    SELECT p.dataset_id, p.batch_id, p.item_id, p.video, p.frame, p.task_type,
           p.comparison, p.family, p.reference_id, p.annotator_id,
           x.gold_idx, x.test_idx,
           p.g_ids[x.gold_idx], p.t_ids[x.test_idx], p.g_cls[x.gold_idx], p.t_cls[x.test_idx],
           x.gold_label, x.test_label, x.status, x.similarity,
           (x.status = 'matched' AND x.similarity < pol.low_overlap_threshold)
    FROM pairs p
    JOIN annqa.policy pol ON pol.dataset_id = p.dataset_id
    CROSS JOIN LATERAL (   -- one family per row: the other branches are skipped
        SELECT * FROM annqa.match(coalesce(p.g_box, '{}'), p.g_lab, coalesce(p.t_box, '{}'), p.t_lab, pol.iou_threshold)
        WHERE p.family = 'box'
        UNION ALL
        SELECT * FROM annqa.match(coalesce(p.g_rbox, '{}'), p.g_lab, coalesce(p.t_rbox, '{}'), p.t_lab, pol.iou_threshold)
        WHERE p.family = 'rbox'
        UNION ALL
        SELECT * FROM annqa.match(coalesce(p.g_mask, '{}'), p.g_lab, coalesce(p.t_mask, '{}'), p.t_lab, pol.iou_threshold)
        WHERE p.family = 'mask'
        UNION ALL
        SELECT * FROM annqa.match(p.g_lab, p.t_lab, pol.iou_threshold)
        WHERE p.family = 'tag') x;
    GET DIAGNOSTICS n_match = ROW_COUNT;

    INSERT INTO annqa.unit_rows_store
    WITH it AS MATERIALIZED (
        SELECT i.item_id, i.dataset_id, i.batch_id FROM annqa.item i WHERE EXISTS (SELECT 1 FROM pg_temp.annqa_refresh_scope sc WHERE sc.dataset_id = i.dataset_id AND sc.batch_key = coalesce(i.batch_id, -9223372036854775808))
    ), raters AS (   -- the names of each batch's raters
        SELECT it.dataset_id, it.batch_id, array_agg(DISTINCT a.name ORDER BY a.name) AS names
        FROM pg_temp.annqa_refresh_obj o JOIN it USING (item_id) JOIN annqa.annotator a USING (annotator_id)
        WHERE o.whole AND NOT o.is_gold GROUP BY 1, 2
    ), per_item AS (   -- the raters' objects of an item and family, in (annotator name, annotation_id) order
        SELECT s.item_id, s.family,
               array_agg(s.id) AS ids, array_agg(s.cls) AS cls, array_agg(s.label) AS labels,
               array_agg(s.name) AS who,
               array_agg(s.box) FILTER (WHERE s.family = 'box') AS boxes,
               array_agg(s.rbox) FILTER (WHERE s.family = 'rbox') AS rboxes,
               array_agg(s.mask) FILTER (WHERE s.family = 'mask') AS masks
        FROM (SELECT o.item_id, o.family, a.name,   -- set-returning functions in lockstep (NULL arrays pad)
                     unnest(o.a_ids) AS id, unnest(o.a_cls) AS cls, unnest(o.a_lab) AS label,
                     unnest(o.a_box) AS box, unnest(o.a_rbox) AS rbox, unnest(o.a_mask) AS mask
              FROM pg_temp.annqa_refresh_obj o
              JOIN annqa.annotator a USING (annotator_id)
              WHERE NOT o.whole AND NOT o.is_gold AND o.family IN ('box', 'rbox', 'mask')
              ORDER BY 1, 2, 3, 4) s
        GROUP BY s.item_id, s.family
    ), pi AS MATERIALIZED (   -- a fence: every object_units call gets its own batch's raters (a join
                              -- filter placed above the call would pair it with other batches' first)
        SELECT it.dataset_id, it.batch_id, p.*, r.names, pol.iou_threshold
        FROM per_item p
        JOIN it USING (item_id)
        JOIN annqa.policy pol ON pol.dataset_id = it.dataset_id
        JOIN raters r ON r.dataset_id = it.dataset_id AND r.batch_id IS NOT DISTINCT FROM it.batch_id
    ), u AS (
        SELECT p.dataset_id, p.batch_id, p.item_id, p.family, p.ids, p.cls, cardinality(p.names) AS nr, x.*
        FROM pi p
        CROSS JOIN LATERAL (
            SELECT * FROM annqa.object_units(p.boxes, p.labels, p.who, p.iou_threshold, p.names)
            WHERE p.family = 'box'
            UNION ALL
            SELECT * FROM annqa.object_units(p.rboxes, p.labels, p.who, p.iou_threshold, p.names)
            WHERE p.family = 'rbox'
            UNION ALL
            SELECT * FROM annqa.object_units(p.masks, p.labels, p.who, p.iou_threshold, p.names)
            WHERE p.family = 'mask') x
    )
    -- object_units gives every unit one row per rater of the batch: unit_raters is their number
    SELECT x.dataset_id, x.batch_id, x.item_id, x.family, x.unit, x.unit_key, x.annotator_id, x.annotation_id,
           x.class_id, x.label, x.nr AS unit_raters,
           count(*) OVER (PARTITION BY x.item_id, x.family, x.unit, x.class_id) AS class_raters,
           row_number() OVER (PARTITION BY x.item_id, x.family, x.unit, x.class_id ORDER BY x.annotator_id) = 1 AS unit_class_first,
           row_number() OVER (PARTITION BY x.item_id, x.class_id ORDER BY x.family, x.unit, x.annotator_id) = 1 AS item_class_first
    FROM (SELECT u.dataset_id, u.batch_id, u.item_id, u.family, u.unit,
                 (u.item_id::text || '/' || u.family || '/' || u.unit::text) AS unit_key,
                 a.annotator_id, u.ids[u.object_idx] AS annotation_id, u.cls[u.object_idx] AS class_id,
                 u.label, u.nr
          FROM u JOIN annqa.annotator a ON a.name = u.annotator) x;
    GET DIAGNOSTICS n_unit = ROW_COUNT;

    -- per-item summaries of the match rows just stored (the expressions of the views they serve),
    -- and the crowding of the item: the most overlapping box pairs one rater drew on it
    INSERT INTO annqa.item_rows_store
    WITH crowd AS (
        SELECT o.item_id, max(o.overlaps) AS n_overlaps
        FROM pg_temp.annqa_refresh_obj o
        WHERE o.whole AND NOT o.is_gold
        GROUP BY 1 HAVING max(o.overlaps) > 0
    ), ms AS (   -- a hash aggregate: the distinct reference raters are counted per item afterwards
    SELECT m.dataset_id, m.batch_id, m.item_id, min(m.task_type) AS task_type,
           count(*) FILTER (WHERE m.status IN ('missing', 'extra', 'mismatching_label') OR m.low_overlap) AS conflicts,
           count(*) FILTER (WHERE m.comparison = 'pair') AS pair_rows,
           (annqa.quality(m.status, m.similarity) FILTER (WHERE m.comparison = 'pair')).accuracy::float8 AS agreement,
           (annqa.quality(m.status, m.similarity) FILTER (WHERE m.comparison = 'pair')).mean_iou::float8 AS mean_iou,
           count(*) FILTER (WHERE m.comparison = 'pair' AND m.status <> 'matched') AS disagreements,
           (SELECT count(DISTINCT r) FROM unnest(array_agg(m.reference_id) FILTER (WHERE m.comparison = 'pair')) r) + 1 AS raters,
           count(*) FILTER (WHERE m.comparison = 'gold' AND m.status <> 'matched') AS gold_conflicts,
           count(*) FILTER (WHERE m.comparison = 'gold' AND m.status = 'missing') AS gold_missing,
           count(*) FILTER (WHERE m.comparison = 'gold' AND m.status IN ('matched', 'mismatching_label', 'missing')) AS gold_objects
    FROM annqa.match_rows_store m WHERE EXISTS (SELECT 1 FROM pg_temp.annqa_refresh_scope sc WHERE sc.dataset_id = m.dataset_id AND sc.batch_key = coalesce(m.batch_id, -9223372036854775808))
    GROUP BY m.dataset_id, m.batch_id, m.item_id
    )
    SELECT coalesce(ms.dataset_id, i.dataset_id), CASE WHEN ms.item_id IS NULL THEN i.batch_id ELSE ms.batch_id END,
           coalesce(ms.item_id, crowd.item_id), CASE WHEN ms.item_id IS NULL THEN i.task_type ELSE ms.task_type END,
           coalesce(ms.pair_rows, 0), ms.agreement, ms.mean_iou,
           coalesce(ms.disagreements, 0), ms.raters, coalesce(ms.gold_conflicts, 0), coalesce(crowd.n_overlaps, 0),
           coalesce(ms.conflicts, 0), coalesce(ms.gold_missing, 0), coalesce(ms.gold_objects, 0)
    FROM ms FULL JOIN crowd ON crowd.item_id = ms.item_id
    LEFT JOIN annqa.item i ON i.item_id = crowd.item_id AND ms.item_id IS NULL;

    INSERT INTO annqa.gold_item_store
    SELECT g.dataset_id, g.batch_id, g.annotator_id, g.item_id, g.accuracy, o.last_at
    FROM (SELECT m.dataset_id, m.batch_id, m.annotator_id, m.item_id,
                 coalesce((annqa.quality(m.status, m.similarity)).accuracy, 1)::float8 AS accuracy
          FROM annqa.match_rows_store m WHERE m.comparison = 'gold' AND EXISTS (SELECT 1 FROM pg_temp.annqa_refresh_scope sc WHERE sc.dataset_id = m.dataset_id AND sc.batch_key = coalesce(m.batch_id, -9223372036854775808))
          GROUP BY 1, 2, 3, 4) g
    LEFT JOIN pg_temp.annqa_refresh_obj o ON o.item_id = g.item_id AND o.annotator_id = g.annotator_id AND o.whole;
    DROP TABLE pg_temp.annqa_refresh_obj;

    INSERT INTO annqa.item_class_store
    SELECT min(x.dataset_id), min(x.batch_id), x.item_id, x.class_id, sum(x.n), array_agg(x.annotator_id),
           min(x.min_area), bool_or(x.occluded)
    FROM (SELECT an.item_id, an.class_id, an.annotator_id, min(i.dataset_id) AS dataset_id, min(i.batch_id) AS batch_id,
                 count(*) AS n, min(area(an.box)) AS min_area, bool_or(an.occluded) AS occluded
          FROM annqa.annotation an
          JOIN annqa.item i ON i.item_id = an.item_id
          JOIN annqa.annotator a ON a.annotator_id = an.annotator_id AND a.kind <> 'gold'
          WHERE EXISTS (SELECT 1 FROM pg_temp.annqa_refresh_scope sc WHERE sc.dataset_id = i.dataset_id AND sc.batch_key = coalesce(i.batch_id, -9223372036854775808))
          GROUP BY 1, 2, 3 ORDER BY 1, 2, 3) x   -- raters ascending: array_agg keeps its input order
    GROUP BY x.item_id, x.class_id;

    -- the agreement statistics of every batch and of every class of a batch (see
    -- annqa.agreement_by_class for the per-class formulas)
    INSERT INTO annqa.agreement_store
    SELECT u.dataset_id, u.batch_id, NULL::bigint,
           annqa.fleiss_kappa(u.unit_key, u.annotator_id, coalesce(u.label, '<none>'))::float8,
           annqa.krippendorff_alpha(u.unit_key, u.annotator_id, coalesce(u.label, '<none>'), 'nominal')::float8,
           annqa.percent_agreement(u.unit_key, u.annotator_id, coalesce(u.label, '<none>'))::float8,
           NULL::float8,
           count(DISTINCT u.item_id)::bigint, count(DISTINCT u.unit_key)::bigint,
           count(DISTINCT u.annotator_id)::bigint
    FROM annqa.unit_rows_store u WHERE EXISTS (SELECT 1 FROM pg_temp.annqa_refresh_scope sc WHERE sc.dataset_id = u.dataset_id AND sc.batch_key = coalesce(u.batch_id, -9223372036854775808))
    GROUP BY u.dataset_id, u.batch_id;
    INSERT INTO annqa.agreement_store
    WITH g AS (   -- one pass over the stored unit rows
        SELECT u.dataset_id, u.batch_id, u.class_id, u.unit_raters AS m, u.class_raters AS y,
               count(*) AS n_rows, count(*) FILTER (WHERE u.unit_class_first) AS units,
               count(*) FILTER (WHERE u.item_class_first) AS items
        FROM annqa.unit_rows_store u WHERE EXISTS (SELECT 1 FROM pg_temp.annqa_refresh_scope sc WHERE sc.dataset_id = u.dataset_id AND sc.batch_key = coalesce(u.batch_id, -9223372036854775808))
        GROUP BY 1, 2, 3, 4, 5
    ), bm AS (    -- per batch and m: units (each has m rows)
        SELECT dataset_id, batch_id, m, (sum(n_rows) / m)::bigint AS units FROM g GROUP BY 1, 2, 3
    ), cm AS (    -- per batch, class and m, over the units where some rater drew the class
        SELECT dataset_id, batch_id, class_id, m, sum(units * y) AS ym, sum(units) AS km,
               sum(CASE WHEN m >= 2 THEN units * ((y * (y - 1) + (m - y) * (m - y - 1))::float8 / (m::float8 * (m - 1)::float8)) END) AS pa_m,
               sum(CASE WHEN m >= 2 THEN units * ((2 * y * (m - y))::float8 / (m - 1)::float8) END) AS do_m
        FROM g WHERE class_id IS NOT NULL GROUP BY 1, 2, 3, 4
    ), k AS (
        SELECT dataset_id, batch_id, class_id, sum(units) AS units, sum(items) AS items
        FROM g WHERE class_id IS NOT NULL GROUP BY 1, 2, 3
    ), s AS (     -- the sufficient statistics of each class's yes/no rating over every unit of the batch
        SELECT k.dataset_id, k.batch_id, k.class_id,
               sum(bm.units) AS n_units,
               sum(bm.units) FILTER (WHERE bm.m >= 2) AS n2,
               sum(bm.units * bm.m) FILTER (WHERE bm.m >= 2) AS r2,
               sum(coalesce(cm.ym, 0)) FILTER (WHERE bm.m >= 2) AS y2,
               sum(coalesce(cm.ym, 0)::float8 * (1.0::float8 / bm.m)) AS sum_yes,
               sum((bm.units * bm.m - coalesce(cm.ym, 0))::float8 * (1.0::float8 / bm.m)) AS sum_no,
               sum(coalesce(cm.pa_m, 0) + (bm.units - coalesce(cm.km, 0))) FILTER (WHERE bm.m >= 2) AS pa_sum,
               sum(coalesce(cm.do_m, 0)) FILTER (WHERE bm.m >= 2) AS do_sum
        FROM k
        JOIN bm ON bm.dataset_id = k.dataset_id AND bm.batch_id IS NOT DISTINCT FROM k.batch_id
        LEFT JOIN cm ON cm.dataset_id = k.dataset_id AND cm.batch_id IS NOT DISTINCT FROM k.batch_id
                    AND cm.class_id = k.class_id AND cm.m = bm.m
        GROUP BY 1, 2, 3
    ), st AS (
        SELECT s.*, s.pa_sum / s.n2 AS p_a,
               (s.sum_yes / s.n_units) * (s.sum_yes / s.n_units) + (s.sum_no / s.n_units) * (s.sum_no / s.n_units) AS p_e,
               (s.r2::float8 * s.r2 - (s.y2::float8 * s.y2 + (s.r2 - s.y2)::float8 * (s.r2 - s.y2)))
                   / (s.r2::float8 * (s.r2 - 1)) AS d_e
        FROM s
    ), ag AS (
        SELECT st.dataset_id, st.batch_id, st.class_id,
               CASE WHEN st.n2 > 0 AND 1.0::float8 - st.p_e >= 1e-14::float8
                    THEN (st.p_a - st.p_e) / (1.0::float8 - st.p_e) END AS fleiss_kappa,
               CASE WHEN st.n2 > 0 AND st.d_e > 0 THEN 1 - (st.do_sum / st.r2) / st.d_e END AS krippendorff_alpha,
               CASE WHEN st.n2 > 0 THEN st.p_a END AS percent_agreement
        FROM st
    ), raters AS (
        SELECT dataset_id, batch_id, count(*) AS raters
        FROM (SELECT DISTINCT dataset_id, batch_id, annotator_id FROM annqa.unit_rows_store
              WHERE EXISTS (SELECT 1 FROM pg_temp.annqa_refresh_scope sc WHERE sc.dataset_id = annqa.unit_rows_store.dataset_id AND sc.batch_key = coalesce(annqa.unit_rows_store.batch_id, -9223372036854775808))) r GROUP BY 1, 2
    ), iou AS (
        SELECT dataset_id, batch_id, reference_class_id AS class_id, avg(similarity) AS mean_iou
        FROM annqa.match_rows_store WHERE comparison = 'pair' AND status = 'matched'
         AND EXISTS (SELECT 1 FROM pg_temp.annqa_refresh_scope sc WHERE sc.dataset_id = annqa.match_rows_store.dataset_id AND sc.batch_key = coalesce(annqa.match_rows_store.batch_id, -9223372036854775808))
        GROUP BY 1, 2, 3
    )
    SELECT ag.dataset_id, ag.batch_id, ag.class_id,
           ag.fleiss_kappa::float8, ag.krippendorff_alpha::float8, ag.percent_agreement::float8,
           iou.mean_iou::float8, k.items::bigint, k.units::bigint, r.raters::bigint
    FROM ag
    JOIN k ON k.dataset_id = ag.dataset_id AND k.batch_id IS NOT DISTINCT FROM ag.batch_id AND k.class_id = ag.class_id
    JOIN raters r ON r.dataset_id = ag.dataset_id AND r.batch_id IS NOT DISTINCT FROM ag.batch_id
    JOIN annqa.label_class c ON c.class_id = ag.class_id
    LEFT JOIN iou ON iou.dataset_id = ag.dataset_id AND iou.batch_id IS NOT DISTINCT FROM ag.batch_id
                  AND iou.class_id = ag.class_id;


    -- the rater x rater agreement of every batch (annqa.agreement_matrix)
    INSERT INTO annqa.pair_agreement_store
    SELECT m.dataset_id, m.batch_id, m.reference_id, m.annotator_id,
           annqa.cohen_kappa(coalesce(m.reference_label, '<none>'), coalesce(m.label, '<none>'))::float8,
           avg((m.status = 'matched')::int)::float8,
           avg(m.similarity) FILTER (WHERE m.status = 'matched')::float8,
           count(DISTINCT m.item_id)::bigint, count(*)::bigint
    FROM annqa.match_rows_store m
    WHERE m.comparison = 'pair'
      AND EXISTS (SELECT 1 FROM pg_temp.annqa_refresh_scope sc WHERE sc.dataset_id = m.dataset_id AND sc.batch_key = coalesce(m.batch_id, -9223372036854775808))
    GROUP BY 1, 2, 3, 4;

    UPDATE annqa.match_refresh r
       SET refreshed_at = clock_timestamp(), stale = false, whole = false,
           golds = (SELECT array_agg(g.annotator_id ORDER BY g.annotator_id) FROM pg_temp.annqa_refresh_golds g
                    WHERE g.dataset_id = r.dataset_id),
           -- one dataset: the rows just inserted (plus those kept, when only some batches
           -- were recomputed); several: counted
           match_rows = CASE WHEN cardinality(ids) = 1 AND cardinality(full_ids) = 1 THEN n_match
                             WHEN cardinality(ids) = 1 AND r.match_rows IS NOT NULL THEN r.match_rows - n_match_del + n_match
                             ELSE (SELECT count(*) FROM annqa.match_rows_store s WHERE s.dataset_id = r.dataset_id) END,
           unit_rows = CASE WHEN cardinality(ids) = 1 AND cardinality(full_ids) = 1 THEN n_unit
                            WHEN cardinality(ids) = 1 AND r.unit_rows IS NOT NULL THEN r.unit_rows - n_unit_del + n_unit
                            ELSE (SELECT count(*) FROM annqa.unit_rows_store s WHERE s.dataset_id = r.dataset_id) END
     WHERE r.dataset_id = ANY (ids);
    DELETE FROM annqa.stale_batch s WHERE s.dataset_id = ANY (ids);
    DROP TABLE pg_temp.annqa_refresh_scope;
    DROP TABLE pg_temp.annqa_refresh_golds;
    RETURN cardinality(ids);
END
$fn$;
COMMENT ON FUNCTION annqa.refresh_matches(text, boolean) IS 'fills the stored match rows, unit rows and their summaries (annqa.match_rows_store, unit_rows_store, item_rows_store, gold_item_store, item_class_store, agreement_store; read by every quality view and the gates) for one dataset, or every dataset when NULL: set-based, one statement per table; refreshes only stale datasets unless force, and in them only the batches listed in annqa.stale_batch unless a change concerns every batch (whole), the gold annotators changed, or force; returns the number of datasets refreshed; while refreshing it holds SHARE locks on annotation, item, annotator, label_class and gate_policy until commit (writers wait), so no concurrent change is lost; the gates call it before deciding';

-- Raises one WARNING naming the stale datasets (if any) and returns true:
-- the one-time filter of the views over the stored rows.
CREATE FUNCTION annqa.warn_if_stale(what text) RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, annqa, pg_temp
AS $fn$
DECLARE
    names text;
BEGIN
    IF current_setting('annqa.stale_warning', true) = 'off' THEN
        RETURN true;   -- a gate that has just refreshed the dataset it decides on
    END IF;
    SELECT string_agg(d.name, ', ' ORDER BY d.name) INTO names
    FROM annqa.dataset d LEFT JOIN annqa.match_refresh r USING (dataset_id)
    WHERE r.dataset_id IS NULL OR r.stale;
    IF names IS NOT NULL THEN
        RAISE WARNING 'annqa.%: stored match rows are stale for dataset(s) %', what, names
            USING HINT = 'run SELECT annqa.refresh_matches(); see annqa.match_status';
    END IF;
    RETURN true;
END
$fn$;
COMMENT ON FUNCTION annqa.warn_if_stale(text) IS 'raises a WARNING naming the datasets whose stored match rows are stale or were never refreshed, and returns true (used by annqa.match_rows and annqa.unit_rows); silent when the setting annqa.stale_warning is off (the gates set it after refreshing their dataset)';

CREATE VIEW annqa.match_status WITH (security_invoker = true) AS
SELECT d.dataset_id, d.name AS dataset, r.refreshed_at, coalesce(r.stale, true) AS stale,
       r.match_rows, r.unit_rows,
       CASE WHEN r.dataset_id IS NULL OR r.whole THEN NULL
            ELSE (SELECT count(*) FROM annqa.stale_batch s WHERE s.dataset_id = d.dataset_id) END AS stale_batches
FROM annqa.dataset d LEFT JOIN annqa.match_refresh r USING (dataset_id);
COMMENT ON VIEW annqa.match_status IS 'per dataset: when annqa.refresh_matches() last filled its stored match and unit rows, whether they are stale (an input changed since, or never refreshed), and how many of its batches the next refresh recomputes (stale_batches; NULL: all of them)';

CREATE VIEW annqa.match_rows WITH (security_invoker = true) AS
SELECT s.dataset_id, s.batch_id, s.item_id, s.video, s.frame, s.task_type,
       s.comparison, s.family, s.reference_id, s.annotator_id, s.gold_idx, s.test_idx,
       s.reference_annotation_id, s.annotation_id, s.reference_class_id, s.class_id,
       s.reference_label, s.label, s.status, s.similarity, s.low_overlap
FROM annqa.match_rows_store s
WHERE annqa.warn_if_stale('match_rows');
COMMENT ON VIEW annqa.match_rows IS 'the shared intermediate, stored by annqa.refresh_matches() (WARNING when stale): annqa.match per item and geometry family, for every rater against every gold annotator on gold-set and validation items (comparison gold) and for every pair of raters of the batch (comparison pair, the smaller annotator_id as reference); one row per object or matched pair; the threshold is the policy''s iou_threshold';
COMMENT ON COLUMN annqa.match_rows.dataset_id IS 'dataset of the item';
COMMENT ON COLUMN annqa.match_rows.batch_id IS 'batch of the item (NULL: none)';
COMMENT ON COLUMN annqa.match_rows.item_id IS 'the item';
COMMENT ON COLUMN annqa.match_rows.video IS 'video of the item, NULL for a still image';
COMMENT ON COLUMN annqa.match_rows.frame IS 'frame number within the video';
COMMENT ON COLUMN annqa.match_rows.task_type IS 'task type of the item';
COMMENT ON COLUMN annqa.match_rows.comparison IS 'gold (rater against a gold annotator) or pair (rater against rater)';
COMMENT ON COLUMN annqa.match_rows.family IS 'geometry family matched: box (boxes, polygons and keypoints by their box), rbox, mask, tag';
COMMENT ON COLUMN annqa.match_rows.reference_id IS 'the reference side: the gold annotator, or the first rater of the pair';
COMMENT ON COLUMN annqa.match_rows.annotator_id IS 'the compared rater';
COMMENT ON COLUMN annqa.match_rows.gold_idx IS '1-based index of the reference object in the item''s array, NULL for an extra object';
COMMENT ON COLUMN annqa.match_rows.test_idx IS '1-based index of the rater''s object, NULL for a missing object';
COMMENT ON COLUMN annqa.match_rows.reference_annotation_id IS 'the reference annotation (gold object)';
COMMENT ON COLUMN annqa.match_rows.annotation_id IS 'the rater''s annotation';
COMMENT ON COLUMN annqa.match_rows.reference_class_id IS 'class of the reference object';
COMMENT ON COLUMN annqa.match_rows.class_id IS 'class of the rater''s object';
COMMENT ON COLUMN annqa.match_rows.reference_label IS 'class name of the reference object (<none> for no class)';
COMMENT ON COLUMN annqa.match_rows.label IS 'class name of the rater''s object';
COMMENT ON COLUMN annqa.match_rows.status IS 'matched, mismatching_label, missing (reference object without partner), extra (rater object without partner)';
COMMENT ON COLUMN annqa.match_rows.similarity IS 'IoU (box, rbox, mask) or tag similarity of a kept pair';
COMMENT ON COLUMN annqa.match_rows.low_overlap IS 'a matched pair whose similarity is below the policy''s low_overlap_threshold';

CREATE VIEW annqa.unit_rows WITH (security_invoker = true) AS
SELECT s.dataset_id, s.batch_id, s.item_id, s.family, s.unit, s.unit_key,
       s.annotator_id, s.annotation_id, s.class_id, s.label,
       s.unit_raters, s.class_raters, s.unit_class_first, s.item_class_first
FROM annqa.unit_rows_store s
WHERE annqa.warn_if_stale('unit_rows');
COMMENT ON VIEW annqa.unit_rows IS 'stored by annqa.refresh_matches() (WARNING when stale): object units (annqa.object_units) of the raters of each item and geometry family: one row per unit and rater of the batch, label NULL when the rater has no object in the unit; the input of the object-level agreement statistics';
COMMENT ON COLUMN annqa.unit_rows.dataset_id IS 'dataset of the item';
COMMENT ON COLUMN annqa.unit_rows.batch_id IS 'batch of the item';
COMMENT ON COLUMN annqa.unit_rows.item_id IS 'the item';
COMMENT ON COLUMN annqa.unit_rows.family IS 'geometry family: box, rbox or mask';
COMMENT ON COLUMN annqa.unit_rows.unit IS 'unit number within the item and family';
COMMENT ON COLUMN annqa.unit_rows.unit_key IS 'item/family/unit: the "item" of the agreement statistics';
COMMENT ON COLUMN annqa.unit_rows.annotator_id IS 'the rater';
COMMENT ON COLUMN annqa.unit_rows.annotation_id IS 'the rater''s object in the unit, NULL when none';
COMMENT ON COLUMN annqa.unit_rows.class_id IS 'its class';
COMMENT ON COLUMN annqa.unit_rows.label IS 'its class name; NULL when the rater has no object in the unit';
COMMENT ON COLUMN annqa.unit_rows.unit_raters IS 'rows (ratings) of the unit';
COMMENT ON COLUMN annqa.unit_rows.class_raters IS 'rows of the unit with this row''s class_id (rows without a class counted together)';
COMMENT ON COLUMN annqa.unit_rows.unit_class_first IS 'the first row (by annotator_id) of its unit and class_id';
COMMENT ON COLUMN annqa.unit_rows.item_class_first IS 'the first row (by family, unit, annotator_id) of its item and class_id';

-- ---------------------------------------------------------------- agreement

-- Category-specific agreement of class c: every unit of the batch is rated
-- yes (the rater's object in the unit is a c) or no.  The statistics depend
-- only on how many units have m ratings of which y are yes, so instead of
-- feeding the aggregates every unit row once per class, annqa.refresh_matches
-- counts the units per (class, m, y) in one GROUP BY over the stored unit rows
-- (unit_raters = m, class_raters = y, precomputed with them), evaluates the
-- formulas of annqa.fleiss_kappa, annqa.krippendorff_alpha (nominal) and
-- annqa.percent_agreement (src/core/agree_stats.c) on those counts and stores
-- them in annqa.agreement_store, which the view reads:
--   pi_yes = (1/N) sum_u y/m, pi_no = (1/N) sum_u (m-y)/m over the N units;
--   p_a = mean over the N2 units with m >= 2 of (y(y-1) + (m-y)(m-y-1)) / (m(m-1));
--   kappa = (p_a - p_e) / (1 - p_e), p_e = pi_yes^2 + pi_no^2 (NULL when 1 - p_e < 1e-14);
--   alpha = 1 - D_o / D_e over the n ratings of the pairable units, Y of them yes:
--   D_e = (n^2 - Y^2 - (n-Y)^2) / (n(n-1)), D_o = (1/n) sum_u 2y(m-y)/(m-1) (NULL when D_e = 0);
--   percent agreement = p_a.
-- Each sum over units is a count times a per-(m, y) term, as the C kernels'
-- compensated sums of those identical terms give.
CREATE VIEW annqa.agreement_by_class WITH (security_invoker = true) AS
SELECT s.dataset_id, s.batch_id, b.name AS batch, s.class_id, c.name AS class, c.risk,
       s.fleiss_kappa, s.krippendorff_alpha, s.percent_agreement, s.mean_iou, s.items, s.units, s.raters
FROM annqa.agreement_store s
JOIN annqa.label_class c ON c.class_id = s.class_id
LEFT JOIN annqa.batch b ON b.batch_id = s.batch_id
WHERE s.class_id IS NOT NULL AND annqa.warn_if_stale('match_rows');
COMMENT ON VIEW annqa.agreement_by_class IS 'object-level agreement among the raters per dataset, batch and class (category-specific): over every object unit of the batch, each rater says yes (an object of this class in the unit) or no; Fleiss kappa, Krippendorff alpha (nominal) and pairwise percent agreement of that yes/no rating; items and units where some rater drew the class; mean IoU of same-class matched pairs of raters; where the guideline is weak';

CREATE VIEW annqa.agreement_by_batch WITH (security_invoker = true) AS
SELECT s.dataset_id, s.batch_id, s.fleiss_kappa, s.krippendorff_alpha, s.percent_agreement,
       s.items, s.units, s.raters
FROM annqa.agreement_store s
WHERE s.class_id IS NULL AND annqa.warn_if_stale('match_rows');
COMMENT ON VIEW annqa.agreement_by_batch IS 'object-level agreement among the raters of each batch over all its object units (a missing object is the category <none>): the release gate''s agreement score is fleiss_kappa';

CREATE VIEW annqa.agreement_matrix WITH (security_invoker = true) AS
WITH p AS (   -- stored per batch and pair by annqa.refresh_matches
    SELECT dataset_id, batch_id, annotator_a AS a, annotator_b AS b, kappa, percent_agreement, mean_iou,
           common_items, objects
    FROM annqa.pair_agreement_store WHERE annqa.warn_if_stale('match_rows')
), both_ways AS (
    SELECT * FROM p
    UNION ALL
    SELECT dataset_id, batch_id, b, a, kappa, percent_agreement, mean_iou, common_items, objects FROM p
)
SELECT w.dataset_id, w.batch_id, w.a AS annotator_a, aa.name AS name_a, w.b AS annotator_b, ab.name AS name_b,
       w.kappa, w.percent_agreement, w.mean_iou, w.common_items, w.objects
FROM both_ways w JOIN annqa.annotator aa ON aa.annotator_id = w.a JOIN annqa.annotator ab ON ab.annotator_id = w.b;
COMMENT ON VIEW annqa.agreement_matrix IS 'annotator x annotator, both directions (a heat map): Cohen kappa over the matched objects of the pair (an unmatched object faces <none>), share of objects matched with the same label, mean IoU, common items; the function annqa.agreement_matrix(query, statistic) is a different object';

-- ---------------------------------------------------------------- gold

CREATE VIEW annqa.gold_item_accuracy WITH (security_invoker = true) AS
SELECT g.dataset_id, g.batch_id, g.annotator_id, g.item_id, g.accuracy,
       (g.accuracy >= p.gold_pass_accuracy) AS passed
FROM annqa.gold_item_store g JOIN annqa.policy p USING (dataset_id)
WHERE annqa.warn_if_stale('match_rows');
COMMENT ON VIEW annqa.gold_item_accuracy IS 'each rater''s CVAT accuracy against gold on each gold/validation item (over its match rows, stored per item by annqa.refresh_matches; WARNING when stale), and whether it reaches the policy''s gold_pass_accuracy';

CREATE VIEW annqa.gold_accuracy WITH (security_invoker = true) AS
WITH q AS (
    SELECT dataset_id, batch_id, annotator_id, coalesce(reference_class_id, class_id) AS class_id,
           GROUPING(coalesce(reference_class_id, class_id)) = 1 AS all_classes,
           annqa.quality(status, similarity) AS q, count(DISTINCT item_id) AS gold_items
    FROM annqa.match_rows WHERE comparison = 'gold'
    GROUP BY GROUPING SETS ((dataset_id, batch_id, annotator_id),
                            (dataset_id, batch_id, annotator_id, coalesce(reference_class_id, class_id)))
), pr AS (
    SELECT dataset_id, batch_id, annotator_id, avg(passed::int)::float8 AS pass_rate
    FROM annqa.gold_item_accuracy GROUP BY 1, 2, 3
)
SELECT q.dataset_id, q.batch_id, q.annotator_id, a.name AS annotator,
       CASE WHEN q.all_classes THEN NULL ELSE q.class_id END AS class_id,
       CASE WHEN q.all_classes THEN NULL ELSE c.name END AS class,
       q.all_classes,
       (q.q).valid::bigint AS valid, (q.q).mismatched::bigint AS mismatched,
       (q.q).missing::bigint AS missing, (q.q).extra::bigint AS extra,
       (q.q).precision::float8 AS precision, (q.q).recall::float8 AS recall,
       (q.q).accuracy::float8 AS accuracy, (q.q).f1::float8 AS f1, (q.q).mean_iou::float8 AS mean_iou,
       q.gold_items::bigint,
       CASE WHEN q.all_classes THEN pr.pass_rate END AS gold_pass_rate
FROM q
JOIN annqa.annotator a ON a.annotator_id = q.annotator_id
LEFT JOIN annqa.label_class c ON c.class_id = q.class_id AND NOT q.all_classes
LEFT JOIN pr ON pr.dataset_id = q.dataset_id AND pr.batch_id IS NOT DISTINCT FROM q.batch_id
            AND pr.annotator_id = q.annotator_id;
COMMENT ON VIEW annqa.gold_accuracy IS 'each rater against gold on the gold/validation items of a batch: precision, recall, CVAT accuracy, F1, mean IoU, per class and over all classes (all_classes); gold_pass_rate = share of gold items whose accuracy reaches the policy''s gold_pass_accuracy';

CREATE VIEW annqa.confusion WITH (security_invoker = true) AS
SELECT dataset_id, batch_id, annotator_id,
       coalesce(label, 'unmatched') AS annotator_label,
       coalesce(reference_label, 'unmatched') AS gold_label,
       count(*)::bigint AS n
FROM annqa.match_rows
WHERE comparison = 'gold'
GROUP BY 1, 2, 3, 4, 5;
COMMENT ON VIEW annqa.confusion IS 'confusion of rater labels against gold labels with an unmatched row (missing objects) and column (extra objects), per dataset, batch and rater';

CREATE VIEW annqa.conflicts WITH (security_invoker = true) AS
SELECT dataset_id, batch_id, item_id, video, frame, comparison, family, reference_id, annotator_id,
       CASE status WHEN 'matched' THEN 'low_overlap' ELSE status END AS conflict,
       reference_annotation_id, annotation_id, reference_label, label, similarity
FROM annqa.match_rows
WHERE status IN ('missing', 'extra', 'mismatching_label') OR low_overlap;
COMMENT ON VIEW annqa.conflicts IS 'every disagreement as a row: missing, extra, mismatching_label, or low_overlap (matched below the policy''s low_overlap_threshold), against gold or between raters, with the item, both objects and the similarity';

CREATE VIEW annqa.label_errors WITH (security_invoker = true) AS
SELECT m.dataset_id, m.batch_id, coalesce(m.reference_class_id, m.class_id) AS class_id, c.name AS class,
       count(*) FILTER (WHERE status <> 'extra')::bigint AS gold_objects,
       count(*) FILTER (WHERE status = 'matched')::bigint AS valid,
       count(*) FILTER (WHERE status = 'missing')::bigint AS missing,
       count(*) FILTER (WHERE status = 'extra')::bigint AS extra,
       count(*) FILTER (WHERE status = 'mismatching_label')::bigint AS mismatched,
       count(*) FILTER (WHERE low_overlap)::bigint AS low_overlap,
       (count(*) FILTER (WHERE status IN ('missing', 'extra', 'mismatching_label'))::float8
            / nullif(count(*) FILTER (WHERE status IN ('matched', 'missing', 'extra', 'mismatching_label')), 0)) AS error_rate,
       (count(*) FILTER (WHERE status = 'missing')::float8
            / nullif(count(*) FILTER (WHERE status IN ('matched', 'missing', 'extra', 'mismatching_label')), 0)) AS missing_rate,
       (count(*) FILTER (WHERE status = 'extra')::float8
            / nullif(count(*) FILTER (WHERE status IN ('matched', 'missing', 'extra', 'mismatching_label')), 0)) AS extra_rate,
       (count(*) FILTER (WHERE status = 'mismatching_label')::float8
            / nullif(count(*) FILTER (WHERE status IN ('matched', 'missing', 'extra', 'mismatching_label')), 0)) AS mismatch_rate
FROM annqa.match_rows m LEFT JOIN annqa.label_class c ON c.class_id = coalesce(m.reference_class_id, m.class_id)
WHERE m.comparison = 'gold'
GROUP BY 1, 2, 3, 4;
COMMENT ON VIEW annqa.label_errors IS 'per class against gold: error rate = (missing + extra + mismatched) / all objects (= 1 - CVAT accuracy) and its parts; an extra object counts under its own class, every other row under the gold class';

CREATE VIEW annqa.frame_quality WITH (security_invoker = true) AS
SELECT dataset_id, batch_id, video, frame, item_id, comparison,
       count(*) FILTER (WHERE status = 'matched')::bigint AS matched,
       count(*) FILTER (WHERE status = 'mismatching_label')::bigint AS mismatched,
       count(*) FILTER (WHERE status = 'missing')::bigint AS missing,
       count(*) FILTER (WHERE status = 'extra')::bigint AS extra,
       avg(similarity) FILTER (WHERE status = 'matched')::float8 AS mean_iou
FROM annqa.match_rows
WHERE video IS NOT NULL
GROUP BY 1, 2, 3, 4, 5, 6;
COMMENT ON VIEW annqa.frame_quality IS 'per video frame: matched, mismatched, missing and extra objects and mean IoU, against gold and between raters (comparison)';

-- ---------------------------------------------------------------- rework and coverage

CREATE VIEW annqa.rework WITH (security_invoker = true) AS
WITH r AS (
    SELECT i.dataset_id, i.batch_id, an.class_id, an.annotator_id,
           coalesce(r.reason, 'none') AS reason, r.verdict <> 'accepted' AS reworked
    FROM annqa.review r
    JOIN annqa.item i USING (item_id)
    LEFT JOIN annqa.annotation an ON an.annotation_id = r.annotation_id
), g AS (
    SELECT dataset_id, batch_id, class_id, annotator_id, reason,
           count(*) AS reviews, count(*) FILTER (WHERE reworked) AS reworked
    FROM r GROUP BY 1, 2, 3, 4, 5
)
SELECT g.dataset_id, g.batch_id, g.class_id, c.name AS class, g.annotator_id, a.name AS annotator, g.reason,
       g.reviews::bigint, g.reworked::bigint,
       (sum(g.reviews) OVER w)::bigint AS reviews_in_group,
       (g.reworked::float8 / sum(g.reviews) OVER w) AS rework_rate
FROM g
LEFT JOIN annqa.label_class c ON c.class_id = g.class_id
LEFT JOIN annqa.annotator a ON a.annotator_id = g.annotator_id
WINDOW w AS (PARTITION BY g.dataset_id, g.batch_id, g.class_id, g.annotator_id);
COMMENT ON VIEW annqa.rework IS 'the rework log rolled up by dataset, batch, class, annotator and reason (none: accepted); rework_rate = reviews with this reason that were not accepted / all reviews of the same batch, class and annotator (class and annotator NULL for an item-level review)';

CREATE VIEW annqa.coverage WITH (security_invoker = true) AS
WITH j AS MATERIALIZED (   -- the stored non-gold objects per item and class, with the item's tags
    SELECT s.dataset_id, s.batch_id, i.tags, s.item_id, s.class_id, s.objects AS n, s.raters
    FROM annqa.item_class_store s JOIN annqa.item i ON i.item_id = s.item_id
    WHERE annqa.warn_if_stale('match_rows')
), tg AS (    -- the tags of each tag list, '' (every item) included, with their multiplicity
    SELECT x.tags, t.tag, count(*) AS mult
    FROM (SELECT DISTINCT tags FROM annqa.item) x CROSS JOIN LATERAL unnest(x.tags || ''::text) AS t(tag)
    GROUP BY 1, 2
), rl AS (    -- the raters of each batch, tag list and class
    SELECT DISTINCT j.dataset_id, j.batch_id, j.tags, j.class_id, r.annotator_id
    FROM j CROSS JOIN LATERAL unnest(j.raters) AS r(annotator_id)
), rt AS (    -- the raters of each batch, tag and class (class NULL: objects without a class)
    SELECT DISTINCT rl.dataset_id, rl.batch_id, tg.tag, rl.class_id, rl.annotator_id
    FROM rl JOIN tg ON tg.tags = rl.tags
), agg AS (   -- per class: items with an object of the class; objects / raters who drew it
    SELECT x.dataset_id, x.batch_id, x.tag, x.class_id, false AS any_class, x.items,
           x.n::float8 / greatest(coalesce(r.raters, 0), 1) AS objects
    FROM (SELECT j.dataset_id, j.batch_id, tg.tag, j.class_id, count(*) AS items, sum(j.n * tg.mult) AS n
          FROM j JOIN tg ON tg.tags = j.tags
          WHERE j.class_id IS NOT NULL GROUP BY 1, 2, 3, 4) x
    LEFT JOIN (SELECT dataset_id, batch_id, tag, class_id, count(*) AS raters FROM rt GROUP BY 1, 2, 3, 4) r
           ON r.dataset_id = x.dataset_id AND r.batch_id IS NOT DISTINCT FROM x.batch_id AND r.tag = x.tag
          AND r.class_id = x.class_id
    UNION ALL     -- any class: every item with the tag; all objects / all raters
    SELECT x.dataset_id, x.batch_id, x.tag, NULL, true, x.items,
           coalesce(o.n, 0)::float8 / greatest(coalesce(r.raters, 0), 1)
    FROM (SELECT i.dataset_id, i.batch_id, tg.tag, sum(i.items) AS items
          FROM (SELECT dataset_id, batch_id, tags, count(*) AS items FROM annqa.item GROUP BY 1, 2, 3) i
          JOIN tg ON tg.tags = i.tags GROUP BY 1, 2, 3) x
    LEFT JOIN (SELECT j.dataset_id, j.batch_id, tg.tag, sum(j.n * tg.mult) AS n
               FROM j JOIN tg ON tg.tags = j.tags GROUP BY 1, 2, 3) o
           ON o.dataset_id = x.dataset_id AND o.batch_id IS NOT DISTINCT FROM x.batch_id AND o.tag = x.tag
    LEFT JOIN (SELECT dataset_id, batch_id, tag, count(DISTINCT annotator_id) AS raters FROM rt GROUP BY 1, 2, 3) r
           ON r.dataset_id = x.dataset_id AND r.batch_id IS NOT DISTINCT FROM x.batch_id AND r.tag = x.tag
), obs_keys AS (
    SELECT dataset_id, batch_id, tag, CASE WHEN any_class THEN NULL ELSE class_id END AS class_id
    FROM agg WHERE any_class OR class_id IS NOT NULL
), keys AS (
    SELECT * FROM obs_keys
    UNION
    SELECT b.dataset_id, b.batch_id, t.tag, t.class_id
    FROM annqa.batch b JOIN annqa.coverage_target t USING (dataset_id)
)
SELECT k.dataset_id, k.batch_id, nullif(k.tag, '') AS tag, k.class_id, c.name AS class,
       coalesce(a.items, 0)::bigint AS items, coalesce(a.objects, 0)::float8 AS objects,
       t.min_items, t.min_objects,
       CASE WHEN t.dataset_id IS NULL THEN NULL
            ELSE coalesce(a.items, 0) >= t.min_items AND coalesce(a.objects, 0) >= t.min_objects END AS meets_target
FROM keys k
LEFT JOIN agg a ON a.dataset_id = k.dataset_id AND a.batch_id IS NOT DISTINCT FROM k.batch_id AND a.tag = k.tag
               AND a.any_class = (k.class_id IS NULL) AND a.class_id IS NOT DISTINCT FROM k.class_id
LEFT JOIN annqa.coverage_target t ON t.dataset_id = k.dataset_id AND t.tag = k.tag
                                 AND t.class_id IS NOT DISTINCT FROM k.class_id
LEFT JOIN annqa.label_class c ON c.class_id = k.class_id;
COMMENT ON VIEW annqa.coverage IS 'per batch, edge-case tag (NULL: all items) and class (NULL: any class): items, and objects per rater (non-gold annotations / raters), against the declared minimum in annqa.coverage_target (meets_target NULL when none is declared)';

-- ---------------------------------------------------------------- review queue

CREATE VIEW annqa.item_agreement WITH (security_invoker = true) AS
SELECT s.dataset_id, s.batch_id, s.item_id, s.agreement, s.mean_iou, s.disagreements, s.raters
FROM annqa.item_rows_store s
WHERE s.pair_rows > 0 AND annqa.warn_if_stale('match_rows');
COMMENT ON VIEW annqa.item_agreement IS 'agreement among the raters of each item: CVAT accuracy over all pair match rows (matched / all objects), mean IoU of matched pairs, number of unmatched or mismatched objects (stored per item by annqa.refresh_matches; WARNING when stale)';

CREATE VIEW annqa.review_queue WITH (security_invoker = true) AS
WITH oi AS (   -- the non-gold objects per item and class (stored by annqa.refresh_matches); class risk
               -- and small-object area live
    SELECT s.item_id, s.class_id,
           c.risk = 'safety_critical' AS safety,
           c.risk = 'hard' AS hard,
           coalesce(s.min_box_area < c.small_object_area, false) AS small,
           s.occluded,
           s.objects AS n
    FROM annqa.item_class_store s
    LEFT JOIN annqa.label_class c ON c.class_id = s.class_id
    WHERE annqa.warn_if_stale('match_rows')
), share AS (
    SELECT i.dataset_id, o.class_id, sum(o.n)::bigint::float8 / sum(sum(o.n)) OVER (PARTITION BY i.dataset_id) AS share
    FROM oi o JOIN annqa.item i USING (item_id) WHERE o.class_id IS NOT NULL GROUP BY 1, 2
), per_item AS (
    SELECT i.dataset_id, i.batch_id, i.item_id, i.uri, x.safety, x.hard, x.small, x.occluded, x.rare,
           coalesce(x.objects, 0) AS objects
    FROM annqa.item i
    JOIN annqa.policy p USING (dataset_id)
    LEFT JOIN (SELECT o.item_id, bool_or(o.safety) AS safety, bool_or(o.hard) AS hard, bool_or(o.small) AS small,
                      bool_or(o.occluded) AS occluded, bool_or(s.share < p2.rare_share) AS rare, sum(o.n) AS objects
               FROM oi o JOIN annqa.item i2 USING (item_id) JOIN annqa.policy p2 ON p2.dataset_id = i2.dataset_id
               LEFT JOIN share s ON s.dataset_id = i2.dataset_id AND s.class_id = o.class_id
               GROUP BY o.item_id) x ON x.item_id = i.item_id
), flags AS (   -- crowding, agreement and gold conflicts are stored per item by annqa.refresh_matches
    SELECT pi.*, p.min_agreement,
           coalesce(st.n_overlaps, 0) >= p.crowded_overlaps AS crowded,
           CASE WHEN st.pair_rows > 0 THEN st.agreement END AS agreement,
           coalesce(st.pair_rows > 0 AND st.agreement < p.min_agreement, false) AS low_agreement,
           coalesce(st.gold_conflicts, 0) AS gold_conflicts,
           EXISTS (SELECT 1 FROM annqa.review r WHERE r.item_id = pi.item_id) AS reviewed
    FROM per_item pi
    JOIN annqa.policy p USING (dataset_id)
    LEFT JOIN annqa.item_rows_store st ON st.item_id = pi.item_id   -- (oi warned when stale)
), scored AS (
    SELECT f.*,
           (3 * coalesce(safety, false)::int + 2 * coalesce(hard, false)::int + coalesce(small, false)::int
            + crowded::int + coalesce(occluded, false)::int + coalesce(rare, false)::int
            + 2 * low_agreement::int + 2 * (gold_conflicts > 0)::int) AS risk_score,
           array_remove(ARRAY[CASE WHEN safety THEN 'safety_critical_class' END,
                              CASE WHEN hard THEN 'hard_class' END,
                              CASE WHEN small THEN 'small_object' END,
                              CASE WHEN crowded THEN 'crowded' END,
                              CASE WHEN occluded THEN 'occluded' END,
                              CASE WHEN rare THEN 'rare_class' END,
                              CASE WHEN low_agreement THEN 'low_agreement' END,
                              CASE WHEN gold_conflicts > 0 THEN 'gold_conflict' END], NULL) AS reasons
    FROM flags f
)
SELECT dataset_id, batch_id, item_id, uri, risk_score::int, reasons, agreement,
       gold_conflicts::bigint, objects::bigint, reviewed,
       row_number() OVER (PARTITION BY dataset_id ORDER BY reviewed, risk_score DESC, item_id)::bigint AS rank
FROM scored;
COMMENT ON VIEW annqa.review_queue IS 'every item ranked for review (unreviewed first, then by risk_score): 3 safety-critical class, 2 hard class, 1 small object (box area below the class''s small_object_area), 1 crowded (a rater drew at least crowded_overlaps overlapping box pairs), 1 occluded object, 1 rare class (share below rare_share), 2 low agreement among raters, 2 a conflict with gold; reasons lists them';

CREATE VIEW annqa.low_agreement_items WITH (security_invoker = true) AS
SELECT ia.dataset_id, ia.batch_id, ia.item_id, i.uri, i.video, i.frame, ia.agreement, ia.mean_iou,
       ia.disagreements, ia.raters::bigint, p.min_agreement
FROM annqa.item_agreement ia
JOIN annqa.item i USING (item_id)
JOIN annqa.policy p ON p.dataset_id = ia.dataset_id
WHERE ia.agreement < p.min_agreement;
COMMENT ON VIEW annqa.low_agreement_items IS 'the targeted QA queue: items whose agreement among raters (annqa.item_agreement) is below the policy''s min_agreement';

-- ---------------------------------------------------------------- calibration and monitoring

CREATE VIEW annqa.calibration_needed WITH (security_invoker = true) AS
WITH item_time AS (   -- the rater's latest annotation time on the item is stored with its gold accuracy
    SELECT g.dataset_id, g.annotator_id, g.item_id, g.accuracy, (g.accuracy >= p.gold_pass_accuracy) AS passed,
           g.annotated_at AS at
    FROM annqa.gold_item_store g JOIN annqa.policy p USING (dataset_id)
    WHERE annqa.warn_if_stale('match_rows')
), overall AS (
    SELECT dataset_id, annotator_id, avg(accuracy) AS accuracy, avg(passed::int)::float8 AS pass_rate,
           max(at) AS last_at
    FROM item_time GROUP BY 1, 2
), windows AS (
    SELECT t.dataset_id, t.annotator_id, date_bin(p.drift_window, t.at, '2000-01-03') AS window_start,
           avg(t.accuracy) AS accuracy, count(*) AS gold_items
    FROM item_time t JOIN annqa.policy p USING (dataset_id)
    WHERE t.at IS NOT NULL
    GROUP BY 1, 2, 3
), latest AS (
    SELECT DISTINCT ON (dataset_id, annotator_id) dataset_id, annotator_id, accuracy AS latest_accuracy
    FROM windows ORDER BY dataset_id, annotator_id, window_start DESC
), verdict AS (
    SELECT o.*, l.latest_accuracy,
           array_remove(ARRAY[CASE WHEN o.accuracy < p.gold_pass_accuracy THEN 'accuracy_below_policy' END,
                              CASE WHEN o.pass_rate < p.min_gold_pass_rate THEN 'pass_rate_below_policy' END,
                              CASE WHEN l.latest_accuracy < o.accuracy - p.drift THEN 'drifting' END], NULL) AS reasons
    FROM overall o JOIN annqa.policy p USING (dataset_id)
    LEFT JOIN latest l USING (dataset_id, annotator_id)
)
SELECT v.dataset_id, v.annotator_id, a.name AS annotator, v.reasons,
       v.accuracy::float8 AS accuracy, v.pass_rate, v.latest_accuracy::float8,
       w.window_start, w.accuracy::float8 AS window_accuracy, w.gold_items::bigint AS window_gold_items
FROM verdict v
JOIN annqa.annotator a ON a.annotator_id = v.annotator_id
LEFT JOIN windows w ON w.dataset_id = v.dataset_id AND w.annotator_id = v.annotator_id
WHERE cardinality(v.reasons) > 0;
COMMENT ON VIEW annqa.calibration_needed IS 'raters who need calibration: gold accuracy below gold_pass_accuracy, gold pass rate below min_gold_pass_rate, or drifting (accuracy of the latest drift_window more than drift below their overall accuracy); one row per time window with the accuracy in it';

CREATE VIEW annqa.monitoring WITH (security_invoker = true) AS
WITH t AS (
    SELECT dataset_id, 'rework_by_class'::text AS topic, coalesce(class, '<item>') AS subject,
           sum(reworked)::float8 / nullif(sum(reviews), 0) AS value, sum(reworked)::bigint AS n
    FROM annqa.rework GROUP BY 1, 2, 3
    UNION ALL
    SELECT DISTINCT ON (dataset_id, annotator_id) dataset_id, 'needs_calibration', annotator, accuracy, NULL::bigint
    FROM annqa.calibration_needed
    UNION ALL     -- the rows of annqa.conflicts and of the pair match rows are counted per item by refresh_matches
    SELECT i.dataset_id, 'repeating_edge_case', tag,
           sum(coalesce(c.conflicts, 0))::bigint::float8 / count(DISTINCT i.item_id), sum(coalesce(c.conflicts, 0))::bigint
    FROM annqa.item i CROSS JOIN LATERAL unnest(i.tags) AS tag
    LEFT JOIN (SELECT s.item_id, s.conflicts FROM annqa.item_rows_store s WHERE annqa.warn_if_stale('match_rows')) c
           ON c.item_id = i.item_id
    GROUP BY 1, 2, 3
    UNION ALL
    SELECT dataset_id, 'task_type_disagreement', coalesce(task_type, '<none>'),
           1 - ((sum(pair_rows) - sum(disagreements)) / sum(pair_rows))::float8, sum(disagreements)::bigint
    FROM annqa.item_rows_store WHERE pair_rows > 0 AND annqa.warn_if_stale('match_rows') GROUP BY 1, 2, 3
)
SELECT dataset_id, topic, subject, value::float8, n,
       rank() OVER (PARTITION BY dataset_id, topic ORDER BY value DESC NULLS LAST)::int AS rank
FROM t;
COMMENT ON VIEW annqa.monitoring IS 'after release: rework_by_class (rework rate), needs_calibration (overall gold accuracy), repeating_edge_case (conflicts per item with the tag), task_type_disagreement (share of rater-pair objects not matched); rank 1 is the worst of each topic';

-- ---------------------------------------------------------------- checklist and maturity

CREATE VIEW annqa.checklist WITH (security_invoker = true) AS
WITH d AS (
    SELECT d.dataset_id, d.name,
           (SELECT count(*) FROM annqa.label_class c WHERE c.dataset_id = d.dataset_id) AS classes,
           (SELECT count(*) FROM annqa.item i WHERE i.dataset_id = d.dataset_id) AS items
    FROM annqa.dataset d
), cls AS (
    SELECT d.dataset_id,
           count(c.class_id) FILTER (WHERE c.frozen_in IS NULL) AS not_frozen,
           count(c.class_id) FILTER (WHERE coalesce(c.definition, '') = '') AS undefined,
           count(c.class_id) FILTER (WHERE cardinality(c.positive_examples) = 0 OR cardinality(c.negative_examples) = 0) AS no_examples,
           count(c.class_id) FILTER (WHERE coalesce(c.occlusion_rule, '') = '') AS no_occlusion,
           count(c.class_id) FILTER (WHERE coalesce(c.truncation_rule, '') = '') AS no_truncation,
           count(c.class_id) FILTER (WHERE coalesce(c.small_object_policy, '') = '' AND c.small_object_area IS NULL) AS no_small,
           count(c.class_id) FILTER (WHERE coalesce(c.skip_rule, '') = '') AS no_skip,
           count(c.class_id) FILTER (WHERE coalesce(c.escalation_rule, '') = '') AS no_escalation,
           count(c.class_id) FILTER (WHERE c.risk <> 'normal') AS risky
    FROM annqa.dataset d LEFT JOIN annqa.label_class c USING (dataset_id)
    GROUP BY 1
), ev AS MATERIALIZED (   -- each count once (inlined, a count used twice in the list below runs twice)
    SELECT d.classes, d.items, cls.*,
           (SELECT count(*) FROM annqa.item i
             WHERE i.dataset_id = d.dataset_id AND i.in_gold_set
               AND EXISTS (SELECT 1 FROM annqa.annotation an JOIN annqa.annotator a USING (annotator_id)
                           WHERE an.item_id = i.item_id AND a.kind = 'gold')) AS gold_items,
           (SELECT count(*) FROM annqa.item i WHERE i.dataset_id = d.dataset_id AND i.is_validation) AS validation_items,
           (SELECT count(*) FROM (SELECT 1 FROM annqa.annotation an JOIN annqa.item i USING (item_id)
                                    JOIN annqa.annotator a USING (annotator_id)
                                  WHERE i.dataset_id = d.dataset_id AND a.kind <> 'gold' AND an.kind <> 'tag'
                                  -- two or more raters (min <> max: a hash aggregate, no sort)
                                  GROUP BY an.item_id HAVING min(an.annotator_id) <> max(an.annotator_id)) x) AS agreement_rows,
           (SELECT count(*) FROM annqa.review r JOIN annqa.item i USING (item_id)
             WHERE i.dataset_id = d.dataset_id) AS reviews,
           (SELECT count(*) FROM annqa.review r JOIN annqa.item i USING (item_id)
             WHERE i.dataset_id = d.dataset_id AND r.reason IS NOT NULL) AS reviews_with_reason,
           (SELECT count(*) FROM annqa.release r WHERE r.dataset_id = d.dataset_id
               AND r.checks @> '[{"check": "export_format", "passed": true}]') AS export_checked,
           (SELECT count(*) FROM annqa.audit_sample s JOIN annqa.batch b USING (batch_id)
             WHERE b.dataset_id = d.dataset_id) AS audit_rows,
           (SELECT count(*) FROM annqa.audit_sample s JOIN annqa.batch b USING (batch_id)
             WHERE b.dataset_id = d.dataset_id AND s.verdict IS NOT NULL) AS audit_reviewed,
           (SELECT count(*) FROM annqa.release r WHERE r.dataset_id = d.dataset_id) AS versions,
           (SELECT count(*) FROM annqa.guideline g WHERE g.dataset_id = d.dataset_id) AS guidelines,
           (SELECT count(*) FROM annqa.guideline g WHERE g.dataset_id = d.dataset_id
               AND cardinality(g.changed_because) > 0) AS guideline_updates,
           (SELECT max(n) FROM (SELECT count(*) AS n FROM annqa.review r JOIN annqa.item i USING (item_id)
             WHERE i.dataset_id = d.dataset_id AND r.reason IS NOT NULL GROUP BY r.reason) x) AS top_reason_count,
           (SELECT max(r.decided_by) FROM annqa.release r WHERE r.dataset_id = d.dataset_id AND r.decided_by <> '') AS owner,
           (SELECT p.parameters ->> 'release_owner' FROM annqa.policy p WHERE p.dataset_id = d.dataset_id) AS policy_owner
    FROM d JOIN cls USING (dataset_id)
)
SELECT ev.dataset_id, x.n::int AS n, x.item, x.status, x.evidence
FROM ev CROSS JOIN LATERAL (VALUES
  (1, 'class list frozen',
      CASE WHEN ev.classes = 0 OR ev.not_frozen > 0 THEN 'fail' ELSE 'pass' END,
      format('%s of %s classes not frozen in a release', ev.not_frozen, ev.classes)),
  (2, 'every class defined',
      CASE WHEN ev.classes = 0 OR ev.undefined > 0 THEN 'fail' ELSE 'pass' END,
      format('%s of %s classes without a definition', ev.undefined, ev.classes)),
  (3, 'positive and negative examples',
      CASE WHEN ev.classes = 0 OR ev.no_examples > 0 THEN 'fail' ELSE 'pass' END,
      format('%s of %s classes lack a positive or a negative example', ev.no_examples, ev.classes)),
  (4, 'occlusion policy',
      CASE WHEN ev.classes = 0 OR ev.no_occlusion > 0 THEN 'fail' ELSE 'pass' END,
      format('%s of %s classes without an occlusion rule', ev.no_occlusion, ev.classes)),
  (5, 'truncation policy',
      CASE WHEN ev.classes = 0 OR ev.no_truncation > 0 THEN 'fail' ELSE 'pass' END,
      format('%s of %s classes without a truncation rule', ev.no_truncation, ev.classes)),
  (6, 'small-object policy',
      CASE WHEN ev.classes = 0 OR ev.no_small > 0 THEN 'fail' ELSE 'pass' END,
      format('%s of %s classes without a small-object policy or area', ev.no_small, ev.classes)),
  (7, 'skip rule',
      CASE WHEN ev.classes = 0 OR ev.no_skip > 0 THEN 'fail' ELSE 'pass' END,
      format('%s of %s classes without a skip rule', ev.no_skip, ev.classes)),
  (8, 'escalation rule',
      CASE WHEN ev.classes = 0 OR ev.no_escalation > 0 THEN 'fail' ELSE 'pass' END,
      format('%s of %s classes without an escalation rule', ev.no_escalation, ev.classes)),
  (9, 'gold set exists',
      CASE WHEN ev.gold_items > 0 THEN 'pass' ELSE 'fail' END,
      format('%s gold-set items with gold annotations', ev.gold_items)),
  (10, 'validation subset',
      CASE WHEN ev.validation_items > 0 THEN 'pass' ELSE 'fail' END,
      format('%s validation items', ev.validation_items)),
  (11, 'high-risk classes marked',
      CASE WHEN ev.classes = 0 THEN 'fail' WHEN ev.risky > 0 THEN 'pass' ELSE 'unknown' END,
      format('%s of %s classes marked hard or safety_critical', ev.risky, ev.classes)),
  (12, 'agreement tracked by class',
      CASE WHEN ev.agreement_rows > 0 THEN 'pass' ELSE 'fail' END,
      format('%s items with objects from two or more raters (rows of annqa.agreement_by_class)', ev.agreement_rows)),
  (13, 'rework logged by reason',
      CASE WHEN ev.reviews_with_reason > 0 THEN 'pass' WHEN ev.reviews > 0 THEN 'unknown' ELSE 'fail' END,
      format('%s reviews, %s with a reason', ev.reviews, ev.reviews_with_reason)),
  (14, 'export format checked',
      CASE WHEN ev.export_checked > 0 THEN 'pass' ELSE 'fail' END,
      format('%s gate decisions with a passing export_format check', ev.export_checked)),
  (15, 'random audit reviewed',
      CASE WHEN ev.audit_rows > 0 AND ev.audit_reviewed = ev.audit_rows THEN 'pass' ELSE 'fail' END,
      format('%s of %s audit-sample items reviewed', ev.audit_reviewed, ev.audit_rows)),
  (16, 'dataset version recorded',
      CASE WHEN ev.versions > 0 THEN 'pass' ELSE 'fail' END,
      format('%s gate decisions with a dataset version', ev.versions)),
  (17, 'guideline updated after recurring errors',
      CASE WHEN ev.guidelines = 0 THEN 'fail' WHEN ev.guideline_updates > 0 THEN 'pass'
           WHEN coalesce(ev.top_reason_count, 0) >= 3 THEN 'fail' ELSE 'unknown' END,
      format('%s guideline versions, %s changed because of errors; most frequent review reason seen %s times',
             ev.guidelines, ev.guideline_updates, coalesce(ev.top_reason_count, 0))),
  (18, 'release owner named',
      CASE WHEN coalesce(ev.policy_owner, ev.owner) IS NOT NULL THEN 'pass' ELSE 'fail' END,
      format('owner: %s', coalesce(ev.policy_owner, ev.owner, 'none')))
) AS x(n, item, status, evidence);
COMMENT ON VIEW annqa.checklist IS 'the 18-item pre-release checklist of each dataset, each item evaluated from the data: pass, fail or unknown, with its evidence';

CREATE VIEW annqa.maturity WITH (security_invoker = true) AS
SELECT c.dataset_id, d.name AS dataset,
       count(*) FILTER (WHERE c.status = 'pass')::int AS passed,
       count(*) FILTER (WHERE c.status <> 'pass')::int AS missing,
       array_agg(c.item ORDER BY c.n) FILTER (WHERE c.status <> 'pass') AS missing_items,
       CASE WHEN count(*) FILTER (WHERE c.status <> 'pass') >= 3 THEN 'not mature enough for scale'
            ELSE 'mature enough for scale' END AS verdict
FROM annqa.checklist c JOIN annqa.dataset d USING (dataset_id)
GROUP BY c.dataset_id, d.name;
COMMENT ON VIEW annqa.maturity IS 'counts the checklist items that do not pass (fail or unknown); three or more missing: not mature enough for scale';

-- ---------------------------------------------------------------- column comments
-- One description per column name (a view-specific one where the meaning
-- differs); the install fails if a view column is left without a comment.
DO $do$
DECLARE
    r record;
    descr text;
BEGIN
    FOR r IN
        WITH doc(v, col, descr) AS (VALUES
      (NULL, 'dataset_id', 'the dataset'), (NULL, 'dataset', 'dataset name'),
      (NULL, 'batch_id', 'the batch (NULL: items without a batch)'), (NULL, 'batch', 'batch name'),
      (NULL, 'item_id', 'the item'), (NULL, 'uri', 'the item''s URI'),
      (NULL, 'video', 'video of the item, NULL for a still image'), (NULL, 'frame', 'frame number within the video'),
      (NULL, 'annotator_id', 'the rater (annotator)'), (NULL, 'annotator', 'the rater''s name'),
      (NULL, 'class_id', 'the class'), (NULL, 'class', 'class name'), (NULL, 'risk', 'the class''s risk: normal, hard, safety_critical'),
      (NULL, 'annotation_id', 'the rater''s annotation'), (NULL, 'kind', 'annotator kind: human, model, gold'),
      (NULL, 'family', 'geometry family: tag, box, rbox, mask'),
      (NULL, 'comparison', 'gold (rater against gold) or pair (rater against rater)'),
      (NULL, 'reference_id', 'the reference annotator: gold, or the first rater of the pair'),
      (NULL, 'reference_annotation_id', 'the reference (gold) annotation'),
      (NULL, 'reference_label', 'class name of the reference object'), (NULL, 'label', 'class name of the rater''s object'),
      (NULL, 'similarity', 'IoU (or tag similarity) of the pair'),
      (NULL, 'fleiss_kappa', 'Fleiss kappa'), (NULL, 'krippendorff_alpha', 'Krippendorff alpha, nominal'),
      (NULL, 'percent_agreement', 'pairwise percent agreement'), (NULL, 'kappa', 'Cohen kappa'),
      (NULL, 'mean_iou', 'mean IoU of matched pairs'),
      (NULL, 'items', 'number of items'), (NULL, 'units', 'number of object units'), (NULL, 'raters', 'number of raters'),
      (NULL, 'annotator_a', 'first rater'), (NULL, 'annotator_b', 'second rater'),
      (NULL, 'name_a', 'first rater''s name'), (NULL, 'name_b', 'second rater''s name'),
      (NULL, 'common_items', 'items both raters labelled'), (NULL, 'objects', 'number of objects'),
      (NULL, 'accuracy', 'CVAT accuracy: valid / (valid + mismatched + missing + extra)'),
      (NULL, 'passed', 'whether the accuracy reaches the policy''s gold_pass_accuracy'),
      (NULL, 'all_classes', 'true: the row sums every class; false: one class'),
      (NULL, 'valid', 'matched objects'), (NULL, 'mismatched', 'matched with another label'),
      (NULL, 'missing', 'gold objects the rater did not draw'), (NULL, 'extra', 'rater objects with no gold partner'),
      (NULL, 'matched', 'matched objects'),
      (NULL, 'precision', 'valid / rater objects'), (NULL, 'recall', 'valid / gold objects'),
      (NULL, 'f1', '2 valid / (rater objects + gold objects)'),
      (NULL, 'gold_items', 'gold/validation items compared'), (NULL, 'gold_pass_rate', 'share of gold items whose accuracy reaches gold_pass_accuracy'),
      (NULL, 'annotator_label', 'the rater''s label, unmatched for a missing object'),
      (NULL, 'gold_label', 'the gold label, unmatched for an extra object'),
      (NULL, 'n', 'number of objects'), (NULL, 'conflict', 'missing, extra, mismatching_label or low_overlap'),
      (NULL, 'gold_objects', 'gold objects of the class (every row but extra)'),
      (NULL, 'low_overlap', 'matched pairs below the low_overlap_threshold'),
      (NULL, 'error_rate', '(missing + extra + mismatched) / all objects'), (NULL, 'missing_rate', 'missing / all objects'),
      (NULL, 'extra_rate', 'extra / all objects'), (NULL, 'mismatch_rate', 'mismatched / all objects'),
      (NULL, 'reason', 'review reason (none: accepted)'), (NULL, 'reviews', 'reviews'), (NULL, 'reworked', 'reviews not accepted'),
      (NULL, 'reviews_in_group', 'all reviews of the batch, class and annotator'),
      (NULL, 'rework_rate', 'reworked / reviews_in_group'),
      (NULL, 'tag', 'edge-case tag, NULL: every item'), (NULL, 'min_items', 'declared minimum items'),
      (NULL, 'min_objects', 'declared minimum objects per rater'), (NULL, 'meets_target', 'the declared minimum is met (NULL: none declared)'),
      (NULL, 'risk_score', 'weighted sum of the risk reasons'), (NULL, 'reasons', 'the reasons, by name'),
      (NULL, 'agreement', 'agreement among the raters on the item (accuracy over pair match rows)'),
      (NULL, 'gold_conflicts', 'unmatched or mismatched objects against gold'), (NULL, 'reviewed', 'the item has a review'),
      (NULL, 'rank', 'rank (1 first)'), (NULL, 'disagreements', 'unmatched or mismatched objects between raters'),
      (NULL, 'pass_rate', 'gold pass rate over all gold items'), (NULL, 'latest_accuracy', 'accuracy in the latest time window'),
      (NULL, 'window_start', 'start of the time window (policy drift_window)'), (NULL, 'window_accuracy', 'accuracy in the window'),
      (NULL, 'window_gold_items', 'gold items in the window'),
      (NULL, 'topic', 'rework_by_class, needs_calibration, repeating_edge_case or task_type_disagreement'),
      (NULL, 'subject', 'the class, annotator, tag or task type'), (NULL, 'value', 'the topic''s measure (higher is worse, except needs_calibration: accuracy)'),
      (NULL, 'item', 'checklist item'), (NULL, 'status', 'pass, fail or unknown'), (NULL, 'evidence', 'what the data shows'),
      (NULL, 'missing_items', 'checklist items that do not pass'), (NULL, 'verdict', 'mature enough for scale, or not'),
      (NULL, 'task_type', 'task type of the item'),
      (NULL, 'annotation_ids', 'annotation ids in order'), (NULL, 'class_ids', 'class ids in order'),
      (NULL, 'labels', 'class names in order'), (NULL, 'boxes', 'boxes (family box)'), (NULL, 'rboxes', 'rotated boxes (family rbox)'),
      (NULL, 'masks', 'masks (family mask)'),
      (NULL, 'parameters', 'the policy''s parameters jsonb'),
      ('match_status', 'refreshed_at', 'when annqa.refresh_matches() last filled the dataset (NULL: never)'),
      ('match_status', 'stale', 'an input changed since the last refresh, or never refreshed'),
      ('match_status', 'match_rows', 'stored match rows of the dataset'),
      ('match_status', 'unit_rows', 'stored unit rows of the dataset'),
      ('match_status', 'stale_batches', 'batches the next refresh recomputes (annqa.stale_batch); NULL: every batch (a change not tied to batches, or never refreshed)'),
      ('policy', 'iou_threshold', 'effective iou_threshold'),
      ('policy', 'min_agreement', 'effective min_agreement'),
      ('policy', 'min_gold_pass_rate', 'effective min_gold_pass_rate'),
      ('policy', 'gold_pass_accuracy', 'effective gold_pass_accuracy'),
      ('policy', 'max_missing_rate', 'effective max_missing_rate'),
      ('policy', 'audit_sample_size', 'effective audit_sample_size'),
      ('policy', 'max_audit_error_rate', 'effective max_audit_error_rate'),
      ('policy', 'require_owner', 'effective require_owner'),
      ('policy', 'low_overlap_threshold', 'effective low_overlap_threshold'),
      ('policy', 'crowded_overlaps', 'effective crowded_overlaps'),
      ('policy', 'rare_share', 'effective rare_share'),
      ('policy', 'drift', 'effective drift'),
      ('policy', 'drift_window', 'effective drift_window'),
      ('item_agreement', 'raters', 'raters compared on the item'),
      ('checklist', 'n', 'checklist item number, 1 to 18'),
      ('maturity', 'passed', 'checklist items that pass'), ('maturity', 'missing', 'checklist items that fail or are unknown'),
      ('monitoring', 'n', 'count behind the value'),
      ('confusion', 'n', 'number of objects'),
      ('low_agreement_items', 'min_agreement', 'the policy''s min_agreement'),
      ('calibration_needed', 'reasons', 'accuracy_below_policy, pass_rate_below_policy, drifting'),
      ('calibration_needed', 'accuracy', 'mean gold accuracy over all gold items'),
      ('agreement_matrix', 'objects', 'pair match rows'), ('agreement_matrix', 'percent_agreement', 'share of pair objects matched with the same label'),
      ('review_queue', 'objects', 'non-gold objects on the item'),
      ('coverage', 'objects', 'non-gold objects per rater'),
      ('frame_quality', 'mismatched', 'matched with another label'),
      ('gold_accuracy', 'mismatched', 'matched with another label'))
        SELECT c.relname, a.attname,
               (SELECT d.descr FROM doc d WHERE d.col = a.attname AND (d.v = c.relname OR d.v IS NULL)
                ORDER BY d.v NULLS LAST LIMIT 1) AS descr
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
        WHERE n.nspname = 'annqa' AND c.relkind = 'v' AND col_description(c.oid, a.attnum) IS NULL
    LOOP
        descr := r.descr;
        IF descr IS NULL THEN
            RAISE EXCEPTION 'annqa: view column annqa.%.% has no description', r.relname, r.attname;
        END IF;
        EXECUTE format('COMMENT ON COLUMN annqa.%I.%I IS %L', r.relname, r.attname, descr);
    END LOOP;
END
$do$;
