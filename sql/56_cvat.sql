-- ======================================================================
-- CVAT track interpolation: the shape CVAT's exporter writes for a frame
-- between two keyframes.  annqa.import_cvat materialises a track's
-- in-between frames with it.
-- ======================================================================

CREATE FUNCTION annqa.cvat_interpolate(kind text, earlier float8[], later float8[], "offset" float8)
    RETURNS float8[]
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'annqa_cvat_interpolate';
COMMENT ON FUNCTION annqa.cvat_interpolate(text, float8[], float8[], float8) IS
    'the shape CVAT writes at "offset" (0..1) between two keyframes of a track: box [xtl,ytl,xbr,ybr(,rotation)] linear with the rotation along the shorter arc (mod 360); points: linear for one point each, else the earlier shape; polyline and polygon: points matched by relative arc length, interpolated pairwise and thinned (a polygon is closed for the computation and its closing point dropped); x,y interleaved';
