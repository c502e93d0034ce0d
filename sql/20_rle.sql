-- ======================================================================
-- Masks: the annqa.rle type (COCO run-length encoding)
-- ======================================================================

CREATE TYPE annqa.rle;

CREATE FUNCTION annqa.rle_in(cstring) RETURNS annqa.rle
    AS 'MODULE_PATHNAME', 'annqa_rle_in'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION annqa.rle_out(annqa.rle) RETURNS cstring
    AS 'MODULE_PATHNAME', 'annqa_rle_out'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION annqa.rle_recv(internal) RETURNS annqa.rle
    AS 'MODULE_PATHNAME', 'annqa_rle_recv'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION annqa.rle_send(annqa.rle) RETURNS bytea
    AS 'MODULE_PATHNAME', 'annqa_rle_send'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE annqa.rle (
    INPUT = annqa.rle_in,
    OUTPUT = annqa.rle_out,
    RECEIVE = annqa.rle_recv,
    SEND = annqa.rle_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = int4,
    STORAGE = extended
);
COMMENT ON TYPE annqa.rle IS
    'COCO run-length-encoded binary mask: text form {"size":[h,w],"counts":"<COCO string>"}, column-major runs starting with background';
COMMENT ON FUNCTION annqa.rle_in(cstring) IS
    'text input of annqa.rle: COCO RLE JSON with counts as the compressed string or an integer array; validated and canonicalised';
COMMENT ON FUNCTION annqa.rle_out(annqa.rle) IS
    'text output of annqa.rle: canonical COCO JSON with the compressed counts string (byte-identical to pycocotools)';
COMMENT ON FUNCTION annqa.rle_recv(internal) IS
    'binary input of annqa.rle: int4 version 1, height, width, run count m, then m uint32 run lengths';
COMMENT ON FUNCTION annqa.rle_send(annqa.rle) IS
    'binary output of annqa.rle: int4 version 1, height, width, run count m, then m uint32 run lengths';

CREATE FUNCTION annqa.rle_eq(a annqa.rle, b annqa.rle) RETURNS boolean
    AS 'MODULE_PATHNAME', 'annqa_rle_eq'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION annqa.rle_eq(annqa.rle, annqa.rle) IS
    'true when two masks have the same size and the same pixels';
CREATE OPERATOR annqa.= (
    LEFTARG = annqa.rle, RIGHTARG = annqa.rle, PROCEDURE = annqa.rle_eq,
    COMMUTATOR = OPERATOR(annqa.=)
);
COMMENT ON OPERATOR annqa.= (annqa.rle, annqa.rle) IS 'same size and same pixels';

-- ---------------------------------------------------------------- jsonb casts

CREATE FUNCTION annqa.rle(segmentation jsonb) RETURNS annqa.rle
    AS 'MODULE_PATHNAME', 'annqa_rle_from_jsonb'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION annqa.rle(jsonb) IS
    'a COCO RLE object {"size":[h,w],"counts":...} as annqa.rle (the jsonb -> annqa.rle cast)';
CREATE FUNCTION annqa.rle_jsonb(r annqa.rle) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'annqa_rle_to_jsonb'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION annqa.rle_jsonb(annqa.rle) IS
    'the mask as COCO RLE jsonb {"size":[h,w],"counts":"..."} (the annqa.rle -> jsonb cast)';
CREATE CAST (jsonb AS annqa.rle) WITH FUNCTION annqa.rle(jsonb);
CREATE CAST (annqa.rle AS jsonb) WITH FUNCTION annqa.rle_jsonb(annqa.rle);

-- ---------------------------------------------------------------- constructors

CREATE FUNCTION annqa.rle_from_coco(segmentation jsonb, height int, width int) RETURNS annqa.rle
    AS 'MODULE_PATHNAME', 'annqa_rle_from_coco'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION annqa.rle_from_coco(jsonb, int, int) IS
    'pycocotools annToRLE: a polygon list is rasterised part by part (frPoly) and unioned (a first part of 4 numbers makes every part a box); RLE objects, compressed or uncompressed, are taken as they are';

CREATE FUNCTION annqa.rle_from_polygon(xy float8[], height int, width int) RETURNS annqa.rle
    AS 'MODULE_PATHNAME', 'annqa_rle_from_polygon'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION annqa.rle_from_polygon(float8[], int, int) IS
    'pycocotools frPoly, bit-exact: a pixel is set when its centre is inside the polygon [x1,y1,x2,y2,...] snapped to the 0.2 px grid (even-odd rule)';

CREATE FUNCTION annqa.rle_from_box(b box, height int, width int) RETURNS annqa.rle
    AS 'MODULE_PATHNAME', 'annqa_rle_from_box'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION annqa.rle_from_box(box, int, int) IS
    'pycocotools frBbox of a box: x, y of the low corner and its width and height, rasterised with the frPoly rule';

CREATE FUNCTION annqa.rle_from_box(xywh float8[], height int, width int) RETURNS annqa.rle
    AS 'MODULE_PATHNAME', 'annqa_rle_from_xywh'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION annqa.rle_from_box(float8[], int, int) IS
    'pycocotools frBbox of a COCO [x, y, w, h] box, bit-exact';

CREATE FUNCTION annqa.rle_from_wkb(wkb bytea, height int, width int) RETURNS annqa.rle
    AS 'MODULE_PATHNAME', 'annqa_rle_from_wkb'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION annqa.rle_from_wkb(bytea, int, int) IS
    'a WKB Polygon or MultiPolygon in pixel coordinates rasterised with the frPoly pixel-centre rule; holes subtracted, parts unioned';

-- The SQL-standard body binds ST_AsBinary at install time, wherever PostGIS lives.
CREATE FUNCTION annqa.rle_from_geometry(g geometry, height int, width int) RETURNS annqa.rle
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    SELECT annqa.rle_from_wkb(ST_AsBinary(g), height, width);
END;
COMMENT ON FUNCTION annqa.rle_from_geometry(geometry, int, int) IS
    'a PostGIS Polygon or MultiPolygon in pixel coordinates rasterised with the frPoly pixel-centre rule; holes subtracted; other types raise 0A000';

CREATE FUNCTION annqa.rle_from_bitmap(bits bytea, height int, width int) RETURNS annqa.rle
    AS 'MODULE_PATHNAME', 'annqa_rle_from_bitmap'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION annqa.rle_from_bitmap(bytea, int, int) IS
    'mask from one byte per pixel (0 or 1), row-major: byte y * width + x is pixel (x, y)';

CREATE FUNCTION annqa.rle_to_bitmap(r annqa.rle) RETURNS bytea
    AS 'MODULE_PATHNAME', 'annqa_rle_to_bitmap'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION annqa.rle_to_bitmap(annqa.rle) IS
    'one byte per pixel (0 or 1), row-major: byte y * width + x is pixel (x, y)';

-- ---------------------------------------------------------------- accessors

CREATE FUNCTION annqa.area(r annqa.rle) RETURNS bigint
    AS 'MODULE_PATHNAME', 'annqa_rle_area'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION annqa.area(annqa.rle) IS 'number of foreground pixels (stored in the datum: O(1))';

CREATE FUNCTION annqa.bbox(r annqa.rle) RETURNS box
    AS 'MODULE_PATHNAME', 'annqa_rle_bbox'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION annqa.bbox(annqa.rle) IS
    'pixel bounding box of the foreground, corners (x, y) and (x + w, y + h); ((0,0),(0,0)) when empty';

CREATE FUNCTION annqa.bbox_xywh(r annqa.rle) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'annqa_rle_bbox_xywh'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION annqa.bbox_xywh(annqa.rle) IS
    'COCO [x, y, w, h] of the foreground (pycocotools toBbox without its bugs B1/B2); [0,0,0,0] when empty';

CREATE FUNCTION annqa.height(r annqa.rle) RETURNS int
    AS 'MODULE_PATHNAME', 'annqa_rle_height'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION annqa.height(annqa.rle) IS 'mask height h (rows)';

CREATE FUNCTION annqa.width(r annqa.rle) RETURNS int
    AS 'MODULE_PATHNAME', 'annqa_rle_width'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION annqa.width(annqa.rle) IS 'mask width w (columns)';

CREATE FUNCTION annqa.counts(r annqa.rle) RETURNS bigint[]
    AS 'MODULE_PATHNAME', 'annqa_rle_counts'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION annqa.counts(annqa.rle) IS
    'canonical run lengths, column-major, starting with a background run (COCO uncompressed counts)';

-- ---------------------------------------------------------------- IoU

CREATE FUNCTION annqa.iou(a annqa.rle, b annqa.rle) RETURNS float8
    AS 'MODULE_PATHNAME', 'annqa_rle_iou'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION annqa.iou(annqa.rle, annqa.rle) IS
    'mask IoU |a and b| / |a or b| on runs, bit-exact with pycocotools rleIou; 0 when the intersection is empty; different sizes raise 22023';

CREATE FUNCTION annqa.iou(a annqa.rle, b annqa.rle, crowd boolean) RETURNS float8
    AS 'MODULE_PATHNAME', 'annqa_rle_iou_crowd'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION annqa.iou(annqa.rle, annqa.rle, boolean) IS
    'mask IoU; when crowd is true, b is a COCO crowd region and the result is |a and b| / |a|';

CREATE FUNCTION annqa.iou(a annqa.rle, b box) RETURNS float8
    AS 'MODULE_PATHNAME', 'annqa_rle_box_iou'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION annqa.iou(annqa.rle, box) IS
    'IoU of a mask and a box rasterised at the mask''s size (frBbox), as CVAT compares mixed shapes';

CREATE FUNCTION annqa.iou(a box, b annqa.rle) RETURNS float8
    AS 'MODULE_PATHNAME', 'annqa_box_rle_iou'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION annqa.iou(box, annqa.rle) IS
    'IoU of a box rasterised at the mask''s size (frBbox) and a mask';

-- ---------------------------------------------------------------- set operations

CREATE FUNCTION annqa.rle_union(a annqa.rle, b annqa.rle) RETURNS annqa.rle
    AS 'MODULE_PATHNAME', 'annqa_rle_union'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION annqa.rle_union(annqa.rle, annqa.rle) IS
    'pixels in a or b (pycocotools merge); different sizes raise 22023';

CREATE FUNCTION annqa.rle_intersection(a annqa.rle, b annqa.rle) RETURNS annqa.rle
    AS 'MODULE_PATHNAME', 'annqa_rle_intersection'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION annqa.rle_intersection(annqa.rle, annqa.rle) IS
    'pixels in a and b (pycocotools merge with intersect); different sizes raise 22023';

CREATE FUNCTION annqa.rle_difference(a annqa.rle, b annqa.rle) RETURNS annqa.rle
    AS 'MODULE_PATHNAME', 'annqa_rle_difference'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION annqa.rle_difference(annqa.rle, annqa.rle) IS
    'pixels in a and not in b; different sizes raise 22023';

-- The state is an annqa.rle itself (its text form round-trips exactly), so
-- parallel workers and Citus workers combine partial states with the same
-- function.  NULL inputs are skipped; no rows give NULL.
CREATE AGGREGATE annqa.rle_union_agg(annqa.rle) (
    SFUNC = annqa.rle_union,
    STYPE = annqa.rle,
    COMBINEFUNC = annqa.rle_union,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE annqa.rle_union_agg(annqa.rle) IS
    'union of all masks (all of the same size; 22023 otherwise); NULL for no rows';

CREATE AGGREGATE annqa.rle_intersection_agg(annqa.rle) (
    SFUNC = annqa.rle_intersection,
    STYPE = annqa.rle,
    COMBINEFUNC = annqa.rle_intersection,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE annqa.rle_intersection_agg(annqa.rle) IS
    'intersection of all masks (all of the same size; 22023 otherwise); NULL for no rows';
