-- ======================================================================
-- Columns and indexes the importers and the COCO exporter need on top of the
-- data model (sql/50_model.sql).
-- ======================================================================

-- The id an object had in the file it was imported from (COCO image and
-- category ids, CVAT label names, Label Studio task ids).  COCO results files
-- refer to images and categories by these ids.
ALTER TABLE annqa.item ADD COLUMN source_id text;
COMMENT ON COLUMN annqa.item.source_id IS 'the id of the image in the file it was first imported from (COCO image id, Label Studio task id, CVAT frame)';
CREATE INDEX item_source_idx ON annqa.item (dataset_id, source_id);

ALTER TABLE annqa.label_class ADD COLUMN source_id text;
COMMENT ON COLUMN annqa.label_class.source_id IS 'the id of the class in the file it was first imported from (COCO category id)';
ALTER TABLE annqa.label_class ADD COLUMN supercategory text;
COMMENT ON COLUMN annqa.label_class.supercategory IS 'COCO supercategory';
ALTER TABLE annqa.label_class ADD COLUMN keypoint_names text[];
COMMENT ON COLUMN annqa.label_class.keypoint_names IS 'COCO keypoints: the names of the keypoints of this class, in order';
ALTER TABLE annqa.label_class ADD COLUMN skeleton int[];
COMMENT ON COLUMN annqa.label_class.skeleton IS 'COCO skeleton: pairs of 1-based keypoint indexes, as a k x 2 array';

-- The area as the source file gave it (COCO "area"); NULL when the importer
-- computed nothing.  export_coco writes it back, or computes one.
ALTER TABLE annqa.annotation ADD COLUMN area float8 CHECK (area >= 0);
COMMENT ON COLUMN annqa.annotation.area IS 'area as given by the source file (COCO area), NULL when not given';
-- The frame of a CVAT track shape, and whether it was a keyframe or interpolated.
ALTER TABLE annqa.annotation ADD COLUMN keyframe boolean;
COMMENT ON COLUMN annqa.annotation.keyframe IS 'for a shape of a video track: true on a keyframe, false on a materialised interpolated frame';

-- Idempotent imports: one object of one file per item and annotator.
CREATE UNIQUE INDEX annotation_source_idx ON annqa.annotation (item_id, annotator_id, source_ref);
