-- ======================================================================
-- Additions to the data model for the quality views and the gates.
-- ======================================================================

-- The calibration gate decides on a dataset (its gold set), not on a batch.
ALTER TABLE annqa.release ALTER COLUMN batch_id DROP NOT NULL;
ALTER TABLE annqa.release ADD CONSTRAINT release_batch_or_calibration
    CHECK (batch_id IS NOT NULL OR gate = 'calibration');
CREATE UNIQUE INDEX release_calibration_once ON annqa.release (dataset_id, dataset_version)
    WHERE gate = 'calibration';
COMMENT ON COLUMN annqa.release.batch_id IS 'the batch decided on; NULL for a calibration decision, which is on the dataset''s gold set';

-- The declared minimum coverage of edge cases (annqa.coverage compares against it).
CREATE TABLE annqa.coverage_target (
    dataset_id  bigint NOT NULL REFERENCES annqa.dataset ON DELETE CASCADE,
    tag         text NOT NULL DEFAULT '' ,
    class_id    bigint REFERENCES annqa.label_class ON DELETE CASCADE,
    min_items   int NOT NULL DEFAULT 0 CHECK (min_items >= 0),
    min_objects int NOT NULL DEFAULT 0 CHECK (min_objects >= 0),
    UNIQUE NULLS NOT DISTINCT (dataset_id, tag, class_id)
);
COMMENT ON TABLE annqa.coverage_target IS 'declared minimum number of items and objects per edge-case tag (empty tag: any item) and class (NULL: any class) in each batch';

SELECT pg_catalog.pg_extension_config_dump('annqa.coverage_target', '');
