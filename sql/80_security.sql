-- ======================================================================
-- Security: three roles and row-level security.
--   annqa_annotator      sees and writes only their own annotations (the
--                        annotator rows whose db_role is their login), never
--                        gold and never another rater's labels, not even
--                        through a view (the views are security_invoker);
--                        cannot see which items are gold or validation items.
--   annqa_reviewer       reads everything, writes reviews and audit verdicts.
--   annqa_release_owner  reads everything and is the only role that may CALL
--                        the gates (SECURITY DEFINER, search_path pinned).
-- The roles are cluster-wide and are not dropped with the extension.  Grant
-- them to login roles: GRANT annqa_annotator TO alice; and map the login to
-- its annotator row: UPDATE annqa.annotator SET db_role = 'alice' WHERE ...
-- ======================================================================

DO $do$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['annqa_annotator', 'annqa_reviewer', 'annqa_release_owner'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', r);
        END IF;
    END LOOP;
END
$do$;

GRANT USAGE ON SCHEMA annqa TO annqa_annotator, annqa_reviewer, annqa_release_owner;

-- annotators: the rulebook, the items without their gold/validation flags, their own annotations
GRANT SELECT ON annqa.dataset, annqa.batch, annqa.label_class, annqa.guideline, annqa.annotator TO annqa_annotator;
GRANT SELECT (item_id, dataset_id, batch_id, uri, width, height, video, frame, task_type, tags)
    ON annqa.item TO annqa_annotator;
GRANT SELECT, INSERT, UPDATE, DELETE ON annqa.annotation TO annqa_annotator;
GRANT USAGE ON SEQUENCE annqa.annotation_annotation_id_seq TO annqa_annotator;
GRANT SELECT ON annqa.item_objects, annqa.item_image TO annqa_annotator;

-- reviewers and release owners read everything
GRANT SELECT ON ALL TABLES IN SCHEMA annqa TO annqa_reviewer, annqa_release_owner;
GRANT INSERT ON annqa.review TO annqa_reviewer;
GRANT USAGE ON SEQUENCE annqa.review_review_id_seq TO annqa_reviewer;
GRANT UPDATE (reviewer, verdict, errors, note) ON annqa.audit_sample TO annqa_reviewer;

ALTER TABLE annqa.annotation ENABLE ROW LEVEL SECURITY;
CREATE POLICY annotation_own ON annqa.annotation FOR ALL TO annqa_annotator
    USING (annotator_id IN (SELECT a.annotator_id FROM annqa.annotator a
                            WHERE a.db_role = current_user AND a.kind <> 'gold'))
    WITH CHECK (annotator_id IN (SELECT a.annotator_id FROM annqa.annotator a
                                 WHERE a.db_role = current_user AND a.kind <> 'gold'));
CREATE POLICY annotation_read_all ON annqa.annotation FOR SELECT TO annqa_reviewer, annqa_release_owner
    USING (true);
COMMENT ON POLICY annotation_own ON annqa.annotation IS 'an annotator reads and writes only the annotations of the non-gold annotator rows mapped to their login (annotator.db_role)';
COMMENT ON POLICY annotation_read_all ON annqa.annotation IS 'reviewers and release owners read every annotation, gold included';

-- the stored match rows hold gold: never for annotators (reviewers and owners read them above);
-- reviewers and release owners may refresh them (SECURITY DEFINER, search_path pinned)
REVOKE ALL ON annqa.match_rows_store, annqa.unit_rows_store, annqa.item_rows_store, annqa.gold_item_store,
    annqa.item_class_store, annqa.agreement_store, annqa.pair_agreement_store, annqa.match_refresh, annqa.stale_batch
    FROM annqa_annotator;
REVOKE EXECUTE ON FUNCTION annqa.refresh_matches(text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION annqa.refresh_matches(text, boolean) TO annqa_reviewer, annqa_release_owner;

-- the gates run as the extension owner; only release owners may call them
ALTER PROCEDURE annqa.release_gate(text, text, text, boolean, text[], text, bigint) SECURITY DEFINER;
ALTER PROCEDURE annqa.calibration_gate(text, text, boolean, text[], text) SECURITY DEFINER;
GRANT EXECUTE ON PROCEDURE annqa.release_gate(text, text, text, boolean, text[], text, bigint) TO annqa_release_owner;
GRANT EXECUTE ON PROCEDURE annqa.calibration_gate(text, text, boolean, text[], text) TO annqa_release_owner;
