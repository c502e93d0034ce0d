-- ======================================================================
-- Boxes, rotated boxes and keypoints
-- ======================================================================

-- Axis-aligned boxes are PostgreSQL's built-in box (corner form) and COCO
-- [x, y, w, h] float8[] arrays.

CREATE FUNCTION annqa.xywh(x float8, y float8, w float8, h float8) RETURNS box
    AS 'MODULE_PATHNAME', 'annqa_xywh'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION annqa.xywh(float8, float8, float8, float8) IS
    'box from COCO [x, y, w, h]: corners (x, y) and (x + w, y + h); w and h must be >= 0';

CREATE FUNCTION annqa.to_xywh(b box) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'annqa_to_xywh'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION annqa.to_xywh(box) IS
    'COCO [x, y, w, h] of a box: x, y of the low corner, width and height';

CREATE FUNCTION annqa.iou(a box, b box) RETURNS float8
    AS 'MODULE_PATHNAME', 'annqa_box_iou'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION annqa.iou(box, box) IS
    'intersection over union of two boxes in continuous coordinates (pycocotools bbIou); touching boxes give 0';

CREATE FUNCTION annqa.iou(a box, b box, crowd boolean) RETURNS float8
    AS 'MODULE_PATHNAME', 'annqa_box_iou_crowd'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION annqa.iou(box, box, boolean) IS
    'box IoU; when crowd is true, b is a COCO crowd region and the result is intersection / area(a) (a: annotation under test, b: reference)';

CREATE FUNCTION annqa.box_iou(a float8[], b float8[]) RETURNS float8
    AS 'MODULE_PATHNAME', 'annqa_xywh_iou'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION annqa.box_iou(float8[], float8[]) IS
    'IoU of two COCO [x, y, w, h] boxes, bit-exact with pycocotools bbIou';

CREATE FUNCTION annqa.box_iou(a float8[], b float8[], crowd boolean) RETURNS float8
    AS 'MODULE_PATHNAME', 'annqa_xywh_iou_crowd'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION annqa.box_iou(float8[], float8[], boolean) IS
    'IoU of two COCO [x, y, w, h] boxes; when crowd is true, b is a crowd region and the result is intersection / area(a)';

CREATE FUNCTION annqa.giou(a box, b box) RETURNS float8
    AS 'MODULE_PATHNAME', 'annqa_box_giou'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION annqa.giou(box, box) IS
    'generalised IoU: IoU - (C - U) / C, C the smallest enclosing box; in [-1, 1]; 0 when C has no area';

-- ---------------------------------------------------------------- annqa.rbox

CREATE TYPE annqa.rbox;

CREATE FUNCTION annqa.rbox_in(cstring) RETURNS annqa.rbox
    AS 'MODULE_PATHNAME', 'annqa_rbox_in'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION annqa.rbox_out(annqa.rbox) RETURNS cstring
    AS 'MODULE_PATHNAME', 'annqa_rbox_out'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION annqa.rbox_recv(internal) RETURNS annqa.rbox
    AS 'MODULE_PATHNAME', 'annqa_rbox_recv'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION annqa.rbox_send(annqa.rbox) RETURNS bytea
    AS 'MODULE_PATHNAME', 'annqa_rbox_send'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE annqa.rbox (
    INPUT = annqa.rbox_in,
    OUTPUT = annqa.rbox_out,
    RECEIVE = annqa.rbox_recv,
    SEND = annqa.rbox_send,
    INTERNALLENGTH = 40,
    ALIGNMENT = double,
    STORAGE = plain
);
COMMENT ON TYPE annqa.rbox IS
    'rotated box (cx,cy,w,h,angle): centre, width, height, angle in degrees counter-clockwise';
COMMENT ON FUNCTION annqa.rbox_in(cstring) IS 'text input of annqa.rbox: (cx,cy,w,h,angle)';
COMMENT ON FUNCTION annqa.rbox_out(annqa.rbox) IS 'text output of annqa.rbox, shortest exact decimals';
COMMENT ON FUNCTION annqa.rbox_recv(internal) IS 'binary input of annqa.rbox: five float8';
COMMENT ON FUNCTION annqa.rbox_send(annqa.rbox) IS 'binary output of annqa.rbox: five float8';

CREATE FUNCTION annqa.rbox(cx float8, cy float8, w float8, h float8, angle float8 DEFAULT 0)
    RETURNS annqa.rbox
    AS 'MODULE_PATHNAME', 'annqa_rbox_make'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION annqa.rbox(float8, float8, float8, float8, float8) IS
    'rotated box from centre, width, height and angle in degrees counter-clockwise';

CREATE FUNCTION annqa.rbox_from_bytes(bytes bytea) RETURNS annqa.rbox
    AS 'MODULE_PATHNAME', 'annqa_rbox_from_bytes'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION annqa.rbox_from_bytes(bytea) IS
    'rotated box from its binary form (five big-endian float8, as rbox_send gives), validated like binary input';

CREATE FUNCTION annqa.rbox(b box) RETURNS annqa.rbox
    AS 'MODULE_PATHNAME', 'annqa_rbox_from_box'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION annqa.rbox(box) IS 'the rotated box (angle 0) equal to an axis-aligned box';

CREATE CAST (box AS annqa.rbox) WITH FUNCTION annqa.rbox(box) AS ASSIGNMENT;

CREATE FUNCTION annqa.rbox_eq(a annqa.rbox, b annqa.rbox) RETURNS boolean
    AS 'MODULE_PATHNAME', 'annqa_rbox_eq'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION annqa.rbox_eq(annqa.rbox, annqa.rbox) IS
    'true when all five fields are equal (the same representation, not the same region)';

CREATE OPERATOR annqa.= (
    LEFTARG = annqa.rbox, RIGHTARG = annqa.rbox, PROCEDURE = annqa.rbox_eq,
    COMMUTATOR = OPERATOR(annqa.=), NEGATOR = OPERATOR(annqa.<>),
    RESTRICT = eqsel, JOIN = eqjoinsel
);

CREATE FUNCTION annqa.rbox_ne(a annqa.rbox, b annqa.rbox) RETURNS boolean
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN NOT annqa.rbox_eq(a, b);
COMMENT ON FUNCTION annqa.rbox_ne(annqa.rbox, annqa.rbox) IS 'negation of rbox_eq';

CREATE OPERATOR annqa.<> (
    LEFTARG = annqa.rbox, RIGHTARG = annqa.rbox, PROCEDURE = annqa.rbox_ne,
    COMMUTATOR = OPERATOR(annqa.<>), NEGATOR = OPERATOR(annqa.=),
    RESTRICT = neqsel, JOIN = neqjoinsel
);

CREATE FUNCTION annqa.corners(r annqa.rbox) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'annqa_rbox_corners'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION annqa.corners(annqa.rbox) IS
    'the four corners [x1,y1,...,x4,y4], counter-clockwise, starting from the corner at (-w/2, -h/2) before rotation';

CREATE FUNCTION annqa.area(r annqa.rbox) RETURNS float8
    AS 'MODULE_PATHNAME', 'annqa_rbox_area'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION annqa.area(annqa.rbox) IS 'area w * h of a rotated box';

CREATE FUNCTION annqa.iou(a annqa.rbox, b annqa.rbox) RETURNS float8
    AS 'MODULE_PATHNAME', 'annqa_rbox_iou'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION annqa.iou(annqa.rbox, annqa.rbox) IS
    'exact IoU of two rotated boxes by convex polygon clipping; 0 when either has zero area';

-- The corner polygon as a PostGIS geometry (SRID 0).  The SQL-standard body
-- binds the PostGIS functions at install time, wherever PostGIS lives.
CREATE FUNCTION annqa.rbox_geometry(r annqa.rbox) RETURNS geometry
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    SELECT ST_MakePolygon(ST_MakeLine(ARRAY[
        ST_MakePoint(c[1], c[2]), ST_MakePoint(c[3], c[4]),
        ST_MakePoint(c[5], c[6]), ST_MakePoint(c[7], c[8]),
        ST_MakePoint(c[1], c[2])]))
    FROM (SELECT annqa.corners(r) AS c) s;
END;
COMMENT ON FUNCTION annqa.rbox_geometry(annqa.rbox) IS
    'the rotated box as a PostGIS polygon (its four corners, closed), SRID 0';

-- ---------------------------------------------------------------- keypoints

CREATE FUNCTION annqa.oks(gold float8[], pred float8[], sigmas float8[], area float8) RETURNS float8
    AS 'MODULE_PATHNAME', 'annqa_oks'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION annqa.oks(float8[], float8[], float8[], float8) IS
    'COCO object keypoint similarity: mean of exp(-d^2 / (2 s (2 sigma)^2)) over keypoints visible in gold; NULL if none is visible';
