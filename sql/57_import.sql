-- ======================================================================
-- Importers: COCO (instances and results), CVAT for images / video 1.1 XML,
-- Label Studio JSON.  Each runs inside the caller's statement, so a failure
-- leaves nothing behind; each is idempotent through the unique index
-- annotation(item_id, annotator_id, source_ref) of sql/55_model_io.sql.
-- ======================================================================

-- ---------------------------------------------------------------- C helpers

CREATE FUNCTION annqa.ls_brush_bitmap(rle int[], height int, width int) RETURNS bytea
    AS 'MODULE_PATHNAME', 'annqa_ls_brush_bitmap'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION annqa.ls_brush_bitmap(int[], int, int) IS
    'decode a Label Studio brush RLE (rle-pack bit stream of the RGBA image) into one byte per pixel, row-major: 1 where alpha > 0';

CREATE FUNCTION annqa.rle_from_ls_brush(rle int[], height int, width int) RETURNS annqa.rle
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    SELECT annqa.rle_from_bitmap(annqa.ls_brush_bitmap(rle, height, width), height, width);
END;
COMMENT ON FUNCTION annqa.rle_from_ls_brush(int[], int, int) IS
    'a Label Studio brush mask ("format": "rle") as annqa.rle: foreground where the alpha value is non-zero';

CREATE FUNCTION annqa.cvat_mask_bitmap(rle int[], "left" int, top int, mask_width int, mask_height int,
                                       height int, width int) RETURNS bytea
    AS 'MODULE_PATHNAME', 'annqa_cvat_mask_bitmap'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION annqa.cvat_mask_bitmap(int[], int, int, int, int, int, int) IS
    'decode a CVAT mask RLE (runs over the mask box, row by row, background first) into one byte per pixel of the whole image, row-major';

CREATE FUNCTION annqa.rle_from_cvat(rle int[], "left" int, top int, mask_width int, mask_height int,
                                    height int, width int) RETURNS annqa.rle
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    SELECT annqa.rle_from_bitmap(annqa.cvat_mask_bitmap(rle, "left", top, mask_width, mask_height, height, width),
                                 height, width);
END;
COMMENT ON FUNCTION annqa.rle_from_cvat(int[], int, int, int, int, int, int) IS
    'a CVAT <mask rle left top width height> as annqa.rle of the whole height x width image';

-- ---------------------------------------------------------------- PostGIS bridges
-- SQL-standard bodies bind PostGIS at install time, wherever it lives.

CREATE FUNCTION annqa.io_geometry(wkt text) RETURNS geometry
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    SELECT ST_GeomFromText(wkt);
END;
COMMENT ON FUNCTION annqa.io_geometry(text) IS 'importer helper: WKT to geometry (SRID 0)';

CREATE FUNCTION annqa.io_area(g geometry) RETURNS float8
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    SELECT ST_Area(g);
END;
COMMENT ON FUNCTION annqa.io_area(geometry) IS 'exporter helper: planar area of a polygon (0 for lines)';

CREATE FUNCTION annqa.io_bbox(g geometry) RETURNS box
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    SELECT box(point(ST_XMin(g), ST_YMin(g)), point(ST_XMax(g), ST_YMax(g)));
END;
COMMENT ON FUNCTION annqa.io_bbox(geometry) IS 'importer helper: the axis-aligned extent of a geometry';

CREATE FUNCTION annqa.io_is_areal(g geometry) RETURNS boolean
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    SELECT GeometryType(g) IN ('POLYGON', 'MULTIPOLYGON');
END;
COMMENT ON FUNCTION annqa.io_is_areal(geometry) IS 'exporter helper: whether a geometry is a polygon or multipolygon';

CREATE FUNCTION annqa.io_box_within(b box, w float8, h float8) RETURNS boolean
    AS 'MODULE_PATHNAME', 'annqa_io_box_within'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION annqa.io_box_within(box, float8, float8) IS 'export check helper: whether a box lies in the image [0, w] x [0, h] (low corner >= 0, low <= high, high corner <= (w, h)), with SQL''s float8 comparison semantics (NaN sorts above every number)';

-- The exterior rings of a (multi)polygon as a COCO polygon list [[x1,y1,...],...]
-- (without the closing point).
CREATE FUNCTION annqa.io_coco_polygons(g geometry) RETURNS jsonb
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    SELECT coalesce(jsonb_agg(r.ring ORDER BY r.k), '[]'::jsonb)
    FROM (SELECT d.path AS k,
                 (SELECT jsonb_agg(xy.v ORDER BY p.path, xy.o)
                  FROM ST_DumpPoints(ST_ExteriorRing(d.geom)) p,
                       LATERAL (VALUES (1, ST_X(p.geom)), (2, ST_Y(p.geom))) xy(o, v)
                  WHERE p.path[1] < ST_NPoints(ST_ExteriorRing(d.geom))) AS ring
          FROM ST_Dump(g) d
          WHERE GeometryType(d.geom) = 'POLYGON') r;
END;
COMMENT ON FUNCTION annqa.io_coco_polygons(geometry) IS
    'exporter helper: the exterior rings of a polygon or multipolygon as a COCO polygon list';

-- ---------------------------------------------------------------- shared plumbing

CREATE FUNCTION annqa.io_dataset(name text) RETURNS bigint
    LANGUAGE plpgsql VOLATILE STRICT
    SET search_path = pg_catalog, annqa, pg_temp
AS $$
DECLARE
    id bigint;
BEGIN
    SELECT d.dataset_id INTO id FROM annqa.dataset d WHERE d.name = io_dataset.name;
    IF id IS NULL THEN
        INSERT INTO annqa.dataset (name) VALUES (io_dataset.name) RETURNING dataset_id INTO id;
    END IF;
    RETURN id;
END $$;
COMMENT ON FUNCTION annqa.io_dataset(text) IS 'importer helper: the id of a dataset, created when new';

CREATE FUNCTION annqa.io_annotator(name text, kind text) RETURNS bigint
    LANGUAGE plpgsql VOLATILE STRICT
    SET search_path = pg_catalog, annqa, pg_temp
AS $$
DECLARE
    id bigint;
BEGIN
    IF name IS NULL OR name = '' THEN
        RAISE EXCEPTION 'annotator name is empty' USING ERRCODE = '22023';
    END IF;
    SELECT a.annotator_id INTO id FROM annqa.annotator a WHERE a.name = io_annotator.name;
    IF id IS NULL THEN
        INSERT INTO annqa.annotator (name, kind) VALUES (io_annotator.name, io_annotator.kind)
        RETURNING annotator_id INTO id;
    END IF;
    RETURN id;
END $$;
COMMENT ON FUNCTION annqa.io_annotator(text, text) IS
    'importer helper: the id of an annotator, created with the given kind when new (an existing annotator keeps its kind)';

CREATE FUNCTION annqa.io_batch(dataset_id bigint, name text) RETURNS bigint
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, annqa, pg_temp
AS $$
DECLARE
    id bigint;
BEGIN
    IF name IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT b.batch_id INTO id FROM annqa.batch b WHERE b.dataset_id = io_batch.dataset_id AND b.name = io_batch.name;
    IF id IS NULL THEN
        INSERT INTO annqa.batch (dataset_id, name) VALUES (io_batch.dataset_id, io_batch.name) RETURNING batch_id INTO id;
    END IF;
    RETURN id;
END $$;
COMMENT ON FUNCTION annqa.io_batch(bigint, text) IS 'importer helper: the id of a batch of a dataset, created when new; NULL for a NULL name';

CREATE FUNCTION annqa.io_class(dataset_id bigint, name text) RETURNS bigint
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, annqa, pg_temp
AS $$
DECLARE
    id bigint;
BEGIN
    IF name IS NULL OR name = '' THEN
        RAISE EXCEPTION 'missing label' USING ERRCODE = '22023';
    END IF;
    SELECT c.class_id INTO id FROM annqa.label_class c WHERE c.dataset_id = io_class.dataset_id AND c.name = io_class.name;
    IF id IS NULL THEN
        INSERT INTO annqa.label_class (dataset_id, name) VALUES (io_class.dataset_id, io_class.name) RETURNING class_id INTO id;
    END IF;
    RETURN id;
END $$;
COMMENT ON FUNCTION annqa.io_class(bigint, text) IS 'importer helper: the id of a label class of a dataset, created when new';

-- The id of an item; created when new; an existing item must have the same size.
CREATE FUNCTION annqa.io_item(dataset_id bigint, batch_id bigint, uri text, width int, height int,
                              video text DEFAULT NULL, frame int DEFAULT NULL, source_id text DEFAULT NULL)
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, annqa, pg_temp
AS $$
DECLARE
    r record;
BEGIN
    IF uri IS NULL OR uri = '' THEN
        RAISE EXCEPTION 'missing image name' USING ERRCODE = '22023';
    END IF;
    IF width <= 0 OR height <= 0 OR (width IS NULL) <> (height IS NULL) THEN
        RAISE EXCEPTION 'image "%" has no positive width and height', uri USING ERRCODE = '22023';
    END IF;
    SELECT i.item_id, i.width, i.height, i.batch_id INTO r FROM annqa.item i
    WHERE i.dataset_id = io_item.dataset_id AND i.uri = io_item.uri;
    IF r.item_id IS NULL THEN
        INSERT INTO annqa.item (dataset_id, batch_id, uri, width, height, video, frame, source_id)
        VALUES (io_item.dataset_id, io_item.batch_id, io_item.uri, io_item.width, io_item.height,
                io_item.video, io_item.frame, io_item.source_id)
        RETURNING item_id INTO r.item_id;
        RETURN r.item_id;
    END IF;
    IF width IS NOT NULL AND r.width IS NULL THEN
        UPDATE annqa.item SET width = io_item.width, height = io_item.height WHERE item_id = r.item_id;
    ELSIF width IS NOT NULL AND (r.width <> width OR r.height <> height) THEN
        RAISE EXCEPTION 'image "%" is % x % here but % x % in the dataset', uri, width, height, r.width, r.height
            USING ERRCODE = '22000';
    END IF;
    IF r.batch_id IS NULL AND io_item.batch_id IS NOT NULL THEN
        UPDATE annqa.item SET batch_id = io_item.batch_id WHERE item_id = r.item_id;
    END IF;
    RETURN r.item_id;
END $$;
COMMENT ON FUNCTION annqa.io_item(bigint, bigint, text, int, int, text, int, text) IS
    'importer helper: the id of an item, created when new; an existing item must have the same size (a NULL size is unknown)';

CREATE FUNCTION annqa.io_check_on_error(on_error text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE
AS $$
BEGIN
    IF on_error IS NULL OR on_error NOT IN ('raise', 'skip') THEN
        RAISE EXCEPTION 'on_error must be ''raise'' or ''skip'', not %', coalesce(quote_literal(on_error), 'NULL')
            USING ERRCODE = '22023';
    END IF;
END $$;
COMMENT ON FUNCTION annqa.io_check_on_error(text) IS 'importer helper: on_error is raise or skip';

-- Whether a jsonb value is an integral number.
CREATE FUNCTION annqa.io_is_int(v jsonb) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT coalesce(jsonb_typeof(v) = 'number' AND (v::text)::numeric = trunc((v::text)::numeric)
                    AND abs((v::text)::numeric) < 9e15, false);
END;
COMMENT ON FUNCTION annqa.io_is_int(jsonb) IS 'importer helper: the value is an integral JSON number';

-- The key of a COCO id: an integral number without its fraction (1.0 and 1 are the
-- same id, as in Python), other values as they print.
CREATE FUNCTION annqa.io_coco_key(v jsonb) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT CASE WHEN annqa.io_is_int(v) THEN trunc((v::text)::numeric)::text ELSE v #>> '{}' END;
END;
COMMENT ON FUNCTION annqa.io_coco_key(jsonb) IS 'importer helper: the key of a COCO id (1.0 and 1 are one id)';
CREATE FUNCTION annqa.io_coco_key(v text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT CASE WHEN v ~ '^\s*-?[0-9]+(\.0*)?\s*$' THEN trunc(v::numeric)::text ELSE v END;
END;
COMMENT ON FUNCTION annqa.io_coco_key(text) IS 'importer helper: the key of a COCO id sent as text by the CLI (1.0 and 1 are one id)';

-- Whether a jsonb value is an array of numbers.
CREATE FUNCTION annqa.io_is_numbers(v jsonb) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT coalesce(jsonb_typeof(v) = 'array'
                    AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(v) e WHERE jsonb_typeof(e) <> 'number'), false);
END;
COMMENT ON FUNCTION annqa.io_is_numbers(jsonb) IS 'importer helper: the value is an array of JSON numbers';

CREATE FUNCTION annqa.io_float8s(v jsonb) RETURNS float8[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    SELECT array_agg((e.x)::float8 ORDER BY e.n) FROM jsonb_array_elements_text(v) WITH ORDINALITY e(x, n);
END;
COMMENT ON FUNCTION annqa.io_float8s(jsonb) IS 'importer helper: a JSON array of numbers as float8[]';

-- A COCO polygon list [[x1,y1,x2,y2,...],...] as MULTIPOLYGON WKT.
CREATE FUNCTION annqa.io_coco_poly_wkt(seg jsonb) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    SELECT 'MULTIPOLYGON(' || string_agg(
               -- the JSON numbers' own text (no float8 text, which follows extra_float_digits)
               '((' || (SELECT string_agg(p.x || ' ' || p.y, ',' ORDER BY p.k)
                        FROM (SELECT k, r.part->>(2 * k) AS x, r.part->>(2 * k + 1) AS y
                              FROM generate_series(0, jsonb_array_length(r.part) / 2 - 1) k
                              UNION ALL
                              SELECT jsonb_array_length(r.part), r.part->>0, r.part->>1) p)
               || '))', ',' ORDER BY r.n) || ')'
    FROM jsonb_array_elements(seg) WITH ORDINALITY r(part, n);
END;
COMMENT ON FUNCTION annqa.io_coco_poly_wkt(jsonb) IS 'importer helper: a COCO polygon list as closed MULTIPOLYGON WKT';

-- ---------------------------------------------------------------- COCO

-- What is wrong with one COCO annotation (NULL when nothing); iw, ih: its image.
CREATE FUNCTION annqa.io_coco_ann_problem(a jsonb, results boolean, iw int, ih int) RETURNS text
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
    seg jsonb;
    part jsonb;
BEGIN
    IF jsonb_typeof(a) IS DISTINCT FROM 'object' THEN
        RETURN 'not an object';
    END IF;
    IF NOT results THEN
        IF NOT a ? 'id' THEN RETURN 'missing field "id"'; END IF;
        IF NOT annqa.io_is_int(a->'id') THEN RETURN 'field "id" is not an integer'; END IF;
    END IF;
    IF NOT a ? 'image_id' THEN RETURN 'missing field "image_id"'; END IF;
    IF NOT annqa.io_is_int(a->'image_id') THEN RETURN 'field "image_id" is not an integer'; END IF;
    IF NOT a ? 'category_id' THEN RETURN 'missing field "category_id"'; END IF;
    IF NOT annqa.io_is_int(a->'category_id') THEN RETURN 'field "category_id" is not an integer'; END IF;
    IF iw IS NULL THEN
        RETURN format('image_id %s is not %s', a->'image_id', CASE WHEN results THEN 'an image of the dataset' ELSE 'in "images"' END);
    END IF;
    IF a ? 'bbox' AND jsonb_typeof(a->'bbox') <> 'null' THEN
        IF NOT annqa.io_is_numbers(a->'bbox') OR jsonb_array_length(a->'bbox') <> 4 THEN
            RETURN 'field "bbox" is not an array of 4 numbers';
        END IF;
        IF (a->'bbox'->>2)::float8 < 0 OR (a->'bbox'->>3)::float8 < 0 THEN
            RETURN 'field "bbox" has a negative width or height';
        END IF;
    END IF;
    seg := a->'segmentation';
    IF jsonb_typeof(seg) = 'array' THEN
        FOR part IN SELECT * FROM jsonb_array_elements(seg) LOOP
            IF NOT annqa.io_is_numbers(part) THEN
                RETURN 'field "segmentation" is not a list of polygons of numbers';
            END IF;
            IF jsonb_array_length(part) < 6 OR jsonb_array_length(part) % 2 <> 0 THEN
                RETURN format('a polygon of "segmentation" has %s numbers, not an even number >= 6', jsonb_array_length(part));
            END IF;
        END LOOP;
    ELSIF jsonb_typeof(seg) = 'object' THEN
        IF NOT annqa.io_is_numbers(seg->'size') OR jsonb_array_length(seg->'size') <> 2 THEN
            RETURN 'RLE "size" is not [height, width]';
        END IF;
        IF (seg->'size'->>0)::float8 <> ih OR (seg->'size'->>1)::float8 <> iw THEN
            RETURN format('mask size %s does not fit its image (height %s, width %s)', seg->'size', ih, iw);
        END IF;
        IF jsonb_typeof(seg->'counts') NOT IN ('string', 'array') THEN
            RETURN 'RLE "counts" is neither a string nor an array';
        END IF;
    ELSIF seg IS NOT NULL AND jsonb_typeof(seg) <> 'null' THEN
        RETURN 'field "segmentation" is neither a polygon list nor an RLE object';
    END IF;
    IF a ? 'keypoints' AND (NOT annqa.io_is_numbers(a->'keypoints') OR jsonb_array_length(a->'keypoints') % 3 <> 0) THEN
        RETURN 'field "keypoints" is not an array of x, y, v triples';
    END IF;
    IF a ? 'score' AND (jsonb_typeof(a->'score') <> 'number' OR (a->>'score')::float8 NOT BETWEEN 0 AND 1) THEN
        RETURN 'field "score" is not a number between 0 and 1';
    END IF;
    IF results AND NOT a ? 'score' THEN
        RETURN 'missing field "score" (a results file)';
    END IF;
    IF a ? 'iscrowd' AND NOT (a->'iscrowd' IN ('0', '1', 'true', 'false')) THEN
        RETURN 'field "iscrowd" is not 0 or 1';
    END IF;
    IF a ? 'area' AND (jsonb_typeof(a->'area') <> 'number' OR (a->>'area')::float8 < 0) THEN
        RETURN 'field "area" is not a number >= 0';
    END IF;
    IF NOT (a ? 'bbox' OR jsonb_typeof(seg) = 'object' OR (jsonb_typeof(seg) = 'array' AND jsonb_array_length(seg) > 0)
            OR jsonb_array_length(coalesce(a->'keypoints', '[]')) > 0) THEN
        RETURN 'no geometry: none of "bbox", "segmentation", "keypoints"';
    END IF;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION annqa.io_coco_ann_problem(jsonb, boolean, int, int) IS
    'importer helper: what is wrong with one COCO annotation object, NULL when nothing';

-- The staging tables of a COCO import: one row per object with its position in
-- its array (pos, 0-based) and, from the CLI, its byte offset in the file (at).
-- An annotation comes either as JSON (obj), or, from the CLI when it is a box
-- or a box with polygons that passed the CLI's checks, as typed columns with a
-- NULL obj: fid, img, cat (the id, image_id, category_id as jsonb prints
-- them; fid NULL in a results list), the box x, y, bw, bh, crowd, score, area
-- and the polygons as closed MULTIPOLYGON WKT.
CREATE FUNCTION annqa.coco_staging() RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET client_min_messages = warning
AS $$
BEGIN
    CREATE TEMP TABLE IF NOT EXISTS annqa_coco_images (pos bigint, at bigint, obj jsonb);
    CREATE TEMP TABLE IF NOT EXISTS annqa_coco_categories (pos bigint, at bigint, obj jsonb);
    CREATE TEMP TABLE IF NOT EXISTS annqa_coco_annotations (pos bigint, at bigint, obj jsonb,
        fid text, img text, cat text, x float8, y float8, bw float8, bh float8, crowd boolean, score float8,
        area float8, wkt text);
    TRUNCATE pg_temp.annqa_coco_images, pg_temp.annqa_coco_categories, pg_temp.annqa_coco_annotations;
END $$;
COMMENT ON FUNCTION annqa.coco_staging() IS
    'create (or empty) the temporary staging tables annqa_coco_images, _categories, _annotations (pos, at, obj jsonb; annotations also the typed columns of the CLI''s fast path) that annqa.coco_load reads';

-- Load what the staging tables hold.  results: the annotations are a COCO
-- results list (no ids, a score each, images and categories already in the dataset).
--
-- Set-based throughout, and built for files of millions of objects (see
-- "Import and export" under "Performance" in the README):
--   * each field of an annotation is taken out of its jsonb once, in one pass
--     that also joins the image and category maps and checks the common
--     shapes (a box, with or without a polygon list or an RLE mask) with
--     plain SQL; only an unusual object goes through io_coco_ann_problem;
--   * clashing ids are found with one hash aggregate (ids as bigint), not a sort;
--   * the annotation rows are inserted with one INSERT ... SELECT (see
--     io_coco_insert_bulk for how a big load avoids a foreign-key trigger per row);
--   * work_mem is raised (for this call only) to at least 128MB for the hash joins.
CREATE FUNCTION annqa.coco_load(dataset text, annotator text, batch text DEFAULT NULL,
                                results boolean DEFAULT false, on_error text DEFAULT 'raise')
    RETURNS jsonb
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, annqa, pg_temp
    SET client_min_messages = warning
AS $$
DECLARE
    ds bigint;
    ann bigint;
    bt bigint;
    problems jsonb := '[]';
    n_img bigint := 0;
    n_cat bigint := 0;
    n_ann bigint := 0;
    n_total bigint;
    n_bad bigint := 0;
    n_problem bigint;
    rec record;
    old_work_mem text := current_setting('work_mem');
    bulk_rows bigint := coalesce(nullif(current_setting('annqa.coco_bulk_rows', true), '')::bigint, 100000);
    has_items boolean;
BEGIN
    PERFORM annqa.io_check_on_error(on_error);
    IF pg_size_bytes(old_work_mem) < pg_size_bytes('128MB') THEN
        PERFORM set_config('work_mem', '128MB', true);
    END IF;
    ds := annqa.io_dataset(dataset);
    bt := annqa.io_batch(ds, batch);
    ann := annqa.io_annotator(annotator, CASE WHEN results THEN 'model' ELSE 'human' END);
    -- a new dataset has no item whose size an image could contradict
    has_items := EXISTS (SELECT 1 FROM annqa.item it WHERE it.dataset_id = ds);

    RAISE DEBUG 'annqa.import_coco: step %, %', 'images and categories: checks', clock_timestamp();
    -- images: checks, then clashing ids and file names (one hash aggregate each)
    CREATE TEMP TABLE IF NOT EXISTS annqa_coco_problems (what text, pos bigint, at bigint, oid text, problem text);
    TRUNCATE pg_temp.annqa_coco_problems;
    INSERT INTO annqa_coco_problems
    SELECT 'images', s.pos, s.at, s.obj->>'id', s.problem FROM (
        SELECT i.pos, i.at, i.obj, CASE
            WHEN jsonb_typeof(i.obj) IS DISTINCT FROM 'object' THEN 'not an object'
            WHEN NOT i.obj ? 'id' THEN 'missing field "id"'
            WHEN NOT annqa.io_is_int(i.obj->'id') THEN 'field "id" is not an integer'
            WHEN jsonb_typeof(i.obj->'file_name') IS DISTINCT FROM 'string' OR i.obj->>'file_name' = '' THEN 'missing field "file_name"'
            WHEN NOT annqa.io_is_int(i.obj->'width') OR NOT annqa.io_is_int(i.obj->'height') THEN 'fields "width" and "height" are not integers'
            WHEN (i.obj->>'width')::bigint <= 0 OR (i.obj->>'height')::bigint <= 0 OR (i.obj->>'width')::bigint > 2147483647
                 OR (i.obj->>'height')::bigint > 2147483647 THEN 'width or height is not positive'
            WHEN di.n > 1 THEN format('image id %s appears %s times', i.obj->'id', di.n)
            WHEN dn.n > 1 THEN format('file_name %s appears twice', i.obj->'file_name')
            WHEN has_items AND EXISTS (SELECT 1 FROM annqa.item it WHERE it.dataset_id = ds AND it.uri = i.obj->>'file_name'
                                       AND (it.width <> (i.obj->>'width')::int OR it.height <> (i.obj->>'height')::int))
                 THEN format('image %s has another size in the dataset', i.obj->'file_name')
        END AS problem
        FROM pg_temp.annqa_coco_images i
        LEFT JOIN (SELECT x.obj->'id' AS k, count(*) AS n FROM pg_temp.annqa_coco_images x
                   GROUP BY 1 HAVING count(*) > 1) di ON di.k = i.obj->'id'
        LEFT JOIN (SELECT x.obj->'file_name' AS k, count(*) AS n FROM pg_temp.annqa_coco_images x
                   GROUP BY 1 HAVING count(*) > 1) dn ON dn.k = i.obj->'file_name') s
    WHERE s.problem IS NOT NULL;
    INSERT INTO annqa_coco_problems
    SELECT 'categories', s.pos, s.at, s.obj->>'id', s.problem FROM (
        SELECT c.*, CASE
            WHEN jsonb_typeof(c.obj) IS DISTINCT FROM 'object' THEN 'not an object'
            WHEN NOT c.obj ? 'id' THEN 'missing field "id"'
            WHEN NOT annqa.io_is_int(c.obj->'id') THEN 'field "id" is not an integer'
            WHEN jsonb_typeof(c.obj->'name') IS DISTINCT FROM 'string' OR c.obj->>'name' = '' THEN 'missing field "name"'
            WHEN c.obj ? 'keypoints' AND jsonb_typeof(c.obj->'keypoints') <> 'array' THEN 'field "keypoints" is not an array of names'
            WHEN c.obj ? 'skeleton' AND (jsonb_typeof(c.obj->'skeleton') <> 'array' OR EXISTS (
                 SELECT 1 FROM jsonb_array_elements(c.obj->'skeleton') e
                 WHERE NOT annqa.io_is_numbers(e) OR jsonb_array_length(e) <> 2
                    OR (e->>0)::int NOT BETWEEN 1 AND jsonb_array_length(coalesce(c.obj->'keypoints', '[]'))
                    OR (e->>1)::int NOT BETWEEN 1 AND jsonb_array_length(coalesce(c.obj->'keypoints', '[]'))))
                 THEN 'field "skeleton" is not a list of [i, j] pairs of 1-based keypoint indexes'
            WHEN count(*) OVER (PARTITION BY c.obj->'id') > 1 THEN format('category id %s appears %s times', c.obj->'id', count(*) OVER (PARTITION BY c.obj->'id'))
            WHEN count(*) OVER (PARTITION BY c.obj->'name') > 1 THEN format('category name %s appears twice', c.obj->'name')
        END AS problem
        FROM pg_temp.annqa_coco_categories c) s
    WHERE s.problem IS NOT NULL;
    IF EXISTS (SELECT 1 FROM annqa_coco_problems) THEN
        IF on_error = 'raise' THEN
            SELECT * INTO rec FROM annqa_coco_problems ORDER BY what DESC, pos LIMIT 1;
            RAISE EXCEPTION '%', format('annqa.import_coco: %s[%s]%s%s: %s', rec.what, rec.pos, coalesce(' (id ' || rec.oid || ')', ''),
                  coalesce(' at byte ' || rec.at, ''), rec.problem)
                USING ERRCODE = '22000', HINT = 'Nothing was loaded.';
        END IF;
        DELETE FROM pg_temp.annqa_coco_images i USING annqa_coco_problems p WHERE p.what = 'images' AND p.pos = i.pos;
        DELETE FROM pg_temp.annqa_coco_categories c USING annqa_coco_problems p WHERE p.what = 'categories' AND p.pos = c.pos;
    END IF;

    RAISE DEBUG 'annqa.import_coco: step %, %', 'categories', clock_timestamp();
    -- categories -> label classes
    WITH ins AS (
        INSERT INTO annqa.label_class AS lc (dataset_id, name, source_id, supercategory, keypoint_names, skeleton)
        SELECT ds, c.obj->>'name', annqa.io_coco_key(c.obj->'id'), c.obj->>'supercategory',
               CASE WHEN c.obj ? 'keypoints' THEN ARRAY(SELECT jsonb_array_elements_text(c.obj->'keypoints')) END,
               CASE WHEN jsonb_array_length(coalesce(c.obj->'skeleton', '[]')) > 0 THEN
                   ARRAY(SELECT ARRAY[(e->>0)::int, (e->>1)::int] FROM jsonb_array_elements(c.obj->'skeleton') e) END
        FROM pg_temp.annqa_coco_categories c
        ON CONFLICT (dataset_id, name) DO UPDATE
           SET source_id = coalesce(lc.source_id, EXCLUDED.source_id),
               supercategory = coalesce(lc.supercategory, EXCLUDED.supercategory),
               keypoint_names = coalesce(lc.keypoint_names, EXCLUDED.keypoint_names),
               skeleton = coalesce(lc.skeleton, EXCLUDED.skeleton)
        RETURNING (xmax = 0) AS fresh)
    SELECT count(*) FILTER (WHERE fresh) INTO n_cat FROM ins;

    RAISE DEBUG 'annqa.import_coco: step %, %', 'images -> items', clock_timestamp();
    -- images -> items
    WITH ins AS (
        INSERT INTO annqa.item AS it (dataset_id, batch_id, uri, width, height, source_id)
        SELECT ds, bt, i.obj->>'file_name', (i.obj->>'width')::int, (i.obj->>'height')::int, annqa.io_coco_key(i.obj->'id')
        FROM pg_temp.annqa_coco_images i
        ON CONFLICT (dataset_id, uri) DO UPDATE
           SET batch_id = coalesce(it.batch_id, EXCLUDED.batch_id),
               source_id = coalesce(it.source_id, EXCLUDED.source_id)
        RETURNING (xmax = 0) AS fresh)
    SELECT count(*) FILTER (WHERE fresh) INTO n_img FROM ins;

    RAISE DEBUG 'annqa.import_coco: step %, %', 'id maps', clock_timestamp();
    -- maps from file ids to database ids
    CREATE TEMP TABLE IF NOT EXISTS annqa_coco_imap (fid text PRIMARY KEY, item_id bigint, w int, h int);
    CREATE TEMP TABLE IF NOT EXISTS annqa_coco_cmap (fid text PRIMARY KEY, class_id bigint);
    TRUNCATE pg_temp.annqa_coco_imap, pg_temp.annqa_coco_cmap;
    IF results THEN
        INSERT INTO annqa_coco_imap SELECT DISTINCT ON (it.source_id) it.source_id, it.item_id, it.width, it.height
        FROM annqa.item it WHERE it.dataset_id = ds AND it.source_id IS NOT NULL ORDER BY it.source_id, it.item_id;
        INSERT INTO annqa_coco_cmap SELECT DISTINCT ON (c.source_id) c.source_id, c.class_id
        FROM annqa.label_class c WHERE c.dataset_id = ds AND c.source_id IS NOT NULL ORDER BY c.source_id, c.class_id;
    ELSE
        INSERT INTO annqa_coco_imap SELECT annqa.io_coco_key(i.obj->'id'), it.item_id, it.width, it.height
        FROM pg_temp.annqa_coco_images i JOIN annqa.item it ON it.dataset_id = ds AND it.uri = i.obj->>'file_name';
        INSERT INTO annqa_coco_cmap SELECT annqa.io_coco_key(c.obj->'id'), lc.class_id
        FROM pg_temp.annqa_coco_categories c JOIN annqa.label_class lc ON lc.dataset_id = ds AND lc.name = c.obj->>'name';
    END IF;
    ANALYZE pg_temp.annqa_coco_imap;
    ANALYZE pg_temp.annqa_coco_cmap;

    RAISE DEBUG 'annqa.import_coco: step %, %', 'annotations: one pass (fields, ids, checks)', clock_timestamp();
    -- annotations: one pass.  Level x takes each field out of the jsonb once
    -- (OFFSET 0 keeps the planner from copying the expressions into level y);
    -- level y normalises the ids and takes the bbox numbers; the last level
    -- joins the maps, checks, and keeps the typed values for the insert.
    -- A "fast" object (every common shape) needs no function call; any other
    -- goes through io_coco_ann_problem, which names the problem.
    CREATE TEMP TABLE IF NOT EXISTS annqa_coco_rows (
        pos bigint, at bigint, jid jsonb, item_id bigint, class_id bigint, w int, h int, problem text,
        kind text, bb float8[], seg jsonb, kp jsonb, crowd boolean, score float8, area float8, attrs jsonb, wkt text,
        idn bigint);
    TRUNCATE pg_temp.annqa_coco_rows;
    INSERT INTO annqa_coco_rows (pos, at, jid, item_id, class_id, w, h, problem, kind, bb, seg, kp, crowd, score, area, attrs, idn)
    SELECT y.pos, y.at, y.jid, im.item_id, cm.class_id, im.w, im.h,
           coalesce(
               CASE WHEN y.isobj AND im.w IS NOT NULL AND cm.class_id IS NOT NULL AND (results OR y.id_ok) AND y.bb_ok
                         AND (y.seg IS NULL OR y.seg IN ('[]', 'null')
                              OR (y.segt = 'array' AND y.poly_ok)
                              OR (y.segt = 'object' AND y.seg->'size' = jsonb_build_array(im.h, im.w)
                                  AND jsonb_typeof(y.seg->'counts') IN ('string', 'array')))
                         AND y.kp IS NULL
                         AND (CASE WHEN results THEN jsonb_typeof(y.sc) = 'number' AND y.sc::float8 BETWEEN 0 AND 1
                                   ELSE y.sc IS NULL END)
                         AND (y.cr IS NULL OR y.cr IN ('0', '1', 'true', 'false'))
                         AND (y.ar IS NULL OR (jsonb_typeof(y.ar) = 'number' AND y.ar::float8 >= 0))
                    THEN NULL
                    ELSE annqa.io_coco_ann_problem(y.obj, results, im.w, im.h) END,
               CASE WHEN cm.class_id IS NULL THEN format('category_id %s is not %s', y.jcat,
                                                         CASE WHEN results THEN 'a category of the dataset' ELSE 'in "categories"' END)
               END),
           CASE WHEN jsonb_typeof(y.kp) = 'array' AND jsonb_array_length(y.kp) > 0 THEN 'keypoints'
                WHEN y.segt = 'object' THEN 'mask'
                WHEN y.segt = 'array' AND jsonb_array_length(y.seg) > 0 THEN 'polygon'
                ELSE 'box' END,
           y.bb,
           CASE WHEN y.segt = 'object' OR (y.segt = 'array' AND jsonb_array_length(y.seg) > 0) THEN y.seg END,
           CASE WHEN jsonb_typeof(y.kp) = 'array' AND jsonb_array_length(y.kp) > 0 THEN y.kp END,
           coalesce(y.cr IN ('1', 'true'), false),
           CASE WHEN jsonb_typeof(y.sc) = 'number' THEN y.sc::float8 END,
           CASE WHEN jsonb_typeof(y.ar) = 'number' THEN y.ar::float8 END,
           -- the annotation's attributes, and the file's own num_keypoints (COCOeval skips a
           -- ground truth whose num_keypoints is 0, so the export writes it back)
           nullif(coalesce(CASE WHEN jsonb_typeof(y.att) = 'object' THEN y.att END, '{}')
                  || CASE WHEN jsonb_typeof(y.obj->'num_keypoints') = 'number'
                          THEN jsonb_build_object('num_keypoints', y.obj->'num_keypoints') ELSE '{}' END, '{}'),
           -- an integral id as bigint (io_is_int: below 9e15), for the clashing ids
           CASE WHEN y.id_ok THEN (y.jid::numeric)::bigint WHEN annqa.io_is_int(y.jid) THEN ((y.jid::text)::numeric)::bigint END
    FROM (SELECT x.*,
                 CASE WHEN jsonb_typeof(x.jid) = 'number' THEN scale(x.jid::numeric) = 0 AND abs(x.jid::numeric) < 1e15 ELSE false END AS id_ok,
                 CASE WHEN jsonb_typeof(x.jimg) = 'number' AND scale(x.jimg::numeric) = 0 AND abs(x.jimg::numeric) < 1e15 THEN x.jimg::text
                      WHEN annqa.io_is_int(x.jimg) THEN annqa.io_coco_key(x.jimg) END AS kimg,
                 CASE WHEN jsonb_typeof(x.jcat) = 'number' AND scale(x.jcat::numeric) = 0 AND abs(x.jcat::numeric) < 1e15 THEN x.jcat::text
                      WHEN annqa.io_is_int(x.jcat) THEN annqa.io_coco_key(x.jcat) END AS kcat,
                 -- an array of numbers only: nothing but digits, signs, points, commas and blanks in its text
                 CASE WHEN jsonb_typeof(x.bbj) = 'array' AND jsonb_array_length(x.bbj) = 4
                           AND translate(x.bbj::text, '0123456789.-, ', '') = '[]'
                      THEN translate(x.bbj::text, '[]', '{}')::float8[] END AS bb,
                 CASE WHEN jsonb_typeof(x.bbj) = 'array' AND jsonb_array_length(x.bbj) = 4
                           AND translate(x.bbj::text, '0123456789.-, ', '') = '[]'
                      THEN NOT (x.bbj->2)::text LIKE '-%' AND NOT (x.bbj->3)::text LIKE '-%' ELSE false END AS bb_ok,
                 CASE WHEN x.segt = 'array' AND jsonb_array_length(x.seg) > 0
                      THEN translate(x.seg::text, '0123456789.-, ', '') = '[' || repeat('[]', jsonb_array_length(x.seg)) || ']'
                           AND NOT jsonb_path_exists(x.seg, 'strict $[*] ? (@.size() < 6 || @.size() % 2 != 0)')
                      ELSE false END AS poly_ok
          FROM (SELECT a.pos, a.at, a.obj, jsonb_typeof(a.obj) = 'object' AS isobj,
                       a.obj->'id' AS jid, a.obj->'image_id' AS jimg, a.obj->'category_id' AS jcat, a.obj->'bbox' AS bbj,
                       a.obj->'segmentation' AS seg, jsonb_typeof(a.obj->'segmentation') AS segt, a.obj->'keypoints' AS kp,
                       a.obj->'score' AS sc, a.obj->'iscrowd' AS cr, a.obj->'area' AS ar, a.obj->'attributes' AS att
                FROM pg_temp.annqa_coco_annotations a WHERE a.obj IS NOT NULL OFFSET 0) x
          OFFSET 0) y
    LEFT JOIN annqa_coco_imap im ON im.fid = y.kimg
    LEFT JOIN annqa_coco_cmap cm ON cm.fid = y.kcat;
    GET DIAGNOSTICS n_total = ROW_COUNT;
    -- the annotations the CLI sent typed: only the ids are left to check
    -- (the messages are those of io_coco_ann_problem and the category check)
    INSERT INTO annqa_coco_rows (pos, at, jid, item_id, class_id, w, h, problem, kind, bb, crowd, score, area, wkt, idn)
    SELECT a.pos, a.at, a.fid::jsonb, im.item_id, cm.class_id, im.w, im.h,
           CASE WHEN im.item_id IS NULL THEN format('image_id %s is not %s', a.img,
                                                    CASE WHEN results THEN 'an image of the dataset' ELSE 'in "images"' END)
                WHEN cm.class_id IS NULL THEN format('category_id %s is not %s', a.cat,
                                                     CASE WHEN results THEN 'a category of the dataset' ELSE 'in "categories"' END)
           END,
           CASE WHEN a.wkt IS NULL THEN 'box' ELSE 'polygon' END,
           ARRAY[a.x, a.y, a.bw, a.bh], a.crowd, a.score, a.area, a.wkt, a.fid::bigint
    FROM pg_temp.annqa_coco_annotations a
    LEFT JOIN annqa_coco_imap im ON im.fid = annqa.io_coco_key(a.img)
    LEFT JOIN annqa_coco_cmap cm ON cm.fid = annqa.io_coco_key(a.cat)
    WHERE a.obj IS NULL;
    GET DIAGNOSTICS n_problem = ROW_COUNT;
    n_total := n_total + n_problem;

    RAISE DEBUG 'annqa.import_coco: step %, %', 'annotations: clashing ids', clock_timestamp();
    TRUNCATE annqa_coco_problems;
    INSERT INTO annqa_coco_problems
    SELECT 'annotations', r.pos, r.at, r.jid #>> '{}', r.problem FROM pg_temp.annqa_coco_rows r WHERE r.problem IS NOT NULL;
    IF NOT results THEN
        INSERT INTO annqa_coco_problems
        SELECT 'annotations', r.pos, r.at, r.jid #>> '{}', format('annotation id %s appears %s times', r.jid, d.n)
        FROM pg_temp.annqa_coco_rows r
        JOIN (SELECT x.idn, count(*) AS n FROM pg_temp.annqa_coco_rows x WHERE x.idn IS NOT NULL
              GROUP BY 1 HAVING count(*) > 1) d ON d.idn = r.idn
        WHERE r.problem IS NULL;
    END IF;
    SELECT count(*) INTO n_problem FROM annqa_coco_problems;
    IF n_problem > 0 THEN
        IF on_error = 'raise' THEN
            SELECT * INTO rec FROM annqa_coco_problems ORDER BY pos LIMIT 1;
            RAISE EXCEPTION '%', format('annqa.import_coco: %s[%s]%s%s: %s', rec.what, rec.pos, coalesce(' (id ' || rec.oid || ')', ''),
                  coalesce(' at byte ' || rec.at, ''), rec.problem)
                USING ERRCODE = '22000', HINT = 'Nothing was loaded.';
        END IF;
        DELETE FROM pg_temp.annqa_coco_rows a USING annqa_coco_problems p WHERE p.pos = a.pos;
        n_total := n_total - n_problem;
    END IF;
    SELECT coalesce(jsonb_agg(jsonb_build_object('at', format('%s[%s]', p.what, p.pos) || coalesce(' at byte ' || p.at, ''),
                                                 'id', p.oid, 'problem', p.problem) ORDER BY p.what DESC, p.pos), '[]')
    INTO problems FROM annqa_coco_problems p;

    RAISE DEBUG 'annqa.import_coco: step %, %', 'annotations: insert', clock_timestamp();
    -- annotations: one statement.  When a type constructor rejects a value (a
    -- bad RLE string), the objects that have such a value -- a mask, polygons,
    -- keypoints, or a box beyond 1e300 -- are inserted one by one to name the
    -- bad ones (the first one raises; with on_error => 'skip' each is listed),
    -- and the rest in one statement again (ON CONFLICT skips those already in).
    -- Any other object cannot fail, so a big file with one bad mask costs one
    -- subtransaction per risky object, not per object.
    BEGIN
        IF n_total >= bulk_rows THEN
            n_ann := annqa.io_coco_insert_bulk(ann, results);
        ELSE
            n_ann := annqa.io_coco_insert(ann, results, NULL);
        END IF;
    EXCEPTION WHEN OTHERS THEN
        n_ann := 0;
        CREATE INDEX IF NOT EXISTS annqa_coco_rows_pos ON pg_temp.annqa_coco_rows (pos);
        FOR rec IN SELECT r.pos, r.at, r.jid FROM pg_temp.annqa_coco_rows r
                   WHERE NOT (r.kind = 'box' AND r.seg IS NULL AND r.kp IS NULL AND r.wkt IS NULL
                              AND abs(r.bb[1]) < 1e300 AND abs(r.bb[2]) < 1e300 AND r.bb[3] < 1e300 AND r.bb[4] < 1e300)
                      OR r.bb IS NULL
                   ORDER BY r.pos LOOP
            BEGIN
                n_ann := n_ann + annqa.io_coco_insert(ann, results, rec.pos);
            EXCEPTION WHEN OTHERS THEN
                IF on_error = 'raise' THEN
                    RAISE EXCEPTION '%', format('annqa.import_coco: annotations[%s]%s%s: %s', rec.pos, coalesce(' (id ' || (rec.jid #>> '{}') || ')', ''),
                          coalesce(' at byte ' || rec.at, ''), SQLERRM)
                        USING ERRCODE = SQLSTATE, HINT = 'Nothing was loaded.';
                END IF;
                n_bad := n_bad + 1;
                problems := problems || jsonb_build_array(jsonb_build_object(
                    'at', format('annotations[%s]', rec.pos) || coalesce(' at byte ' || rec.at, ''), 'id', rec.jid #>> '{}', 'problem', SQLERRM));
                DELETE FROM pg_temp.annqa_coco_rows r WHERE r.pos = rec.pos;
            END;
        END LOOP;
        DROP INDEX pg_temp.annqa_coco_rows_pos;
        IF n_total >= bulk_rows THEN
            n_ann := n_ann + annqa.io_coco_insert_bulk(ann, results);
        ELSE
            n_ann := n_ann + annqa.io_coco_insert(ann, results, NULL);
        END IF;
    END;
    RAISE DEBUG 'annqa.import_coco: step %, %', 'done', clock_timestamp();
    PERFORM set_config('work_mem', old_work_mem, true);
    RETURN jsonb_build_object('dataset', dataset, 'annotator', annotator,
                              'images', n_img, 'categories', n_cat, 'annotations', n_ann,
                              'already_loaded', n_total - n_ann - n_bad,
                              'problems', problems);
END $$;
COMMENT ON FUNCTION annqa.coco_load(text, text, text, boolean, text) IS
    'finish a COCO import from the staging tables of annqa.coco_staging (used by import_coco and the annqa CLI); set-based; a load of at least annqa.coco_bulk_rows (default 100000) annotations by a superuser checks the foreign keys set-based (see io_coco_insert_bulk)';

-- Insert the checked annotations (all, or the one at position only_pos); returns how many were new.
-- on_conflict => false leaves out ON CONFLICT DO NOTHING (io_coco_insert_bulk, when nothing of the
-- annotator can conflict): the one place the staged rows become annotation rows.
CREATE FUNCTION annqa.io_coco_insert(p_annotator bigint, results boolean, only_pos bigint,
                                     on_conflict boolean DEFAULT true) RETURNS bigint
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, annqa, pg_temp
    SET extra_float_digits = 3      -- attributes.coco_bbox is written from float8 text
AS $$
DECLARE
    n bigint;
BEGIN
    EXECUTE $q$
    INSERT INTO annqa.annotation (item_id, annotator_id, class_id, kind, box, mask, polygon, keypoints,
                                  is_crowd, score, area, attributes, source_ref)
    SELECT g.item_id, $1, g.class_id, g.kind,
           coalesce(g.bbox, annqa.bbox(g.mask), annqa.io_bbox(g.poly), g.kpbox),
           g.mask, g.poly, g.kp, g.crowd, g.score,
           -- a results file gets pycocotools loadRes's area: the box's w h, else the mask's
           -- pixels, else the keypoints' box (a given area is not kept there)
           CASE WHEN NOT $2 THEN g.area
                WHEN g.bbox IS NOT NULL THEN g.bb[3] * g.bb[4]
                WHEN g.mask IS NOT NULL THEN annqa.area(g.mask)::float8
                WHEN g.kpbox IS NOT NULL THEN width(g.kpbox) * height(g.kpbox) END,
           g.attrs, g.ref
    FROM (SELECT r.item_id, r.class_id, r.kind, r.bb,
                 CASE WHEN r.bb IS NOT NULL THEN annqa.xywh(r.bb[1], r.bb[2], r.bb[3], r.bb[4]) END AS bbox,
                 -- loadRes: a keypoints result's box spans all its points (v = 0 too)
                 CASE WHEN $2 AND r.kp IS NOT NULL AND jsonb_array_length(r.kp) >= 3 THEN
                     (SELECT box(point(min(x), min(y)), point(max(x), max(y)))
                      FROM (SELECT (r.kp->>(3 * k))::float8 AS x, (r.kp->>(3 * k + 1))::float8 AS y
                            FROM generate_series(0, jsonb_array_length(r.kp) / 3 - 1) k) q) END AS kpbox,
                 CASE WHEN jsonb_typeof(r.seg) = 'object' THEN annqa.rle_from_coco(r.seg, r.h, r.w) END AS mask,
                 CASE WHEN r.wkt IS NOT NULL THEN annqa.io_geometry(r.wkt)
                      WHEN jsonb_typeof(r.seg) = 'array' THEN annqa.io_geometry(annqa.io_coco_poly_wkt(r.seg)) END AS poly,
                 CASE WHEN r.kp IS NOT NULL THEN annqa.io_float8s(r.kp) END AS kp,
                 CASE WHEN $2 THEN false ELSE r.crowd END AS crowd,   -- loadRes: iscrowd 0
                 r.score, r.area,
                 -- the file's bbox where corners and back do not give it exactly
                 -- ((0.1 + 0.3) - 0.1 is 0.30000000000000004): the export writes it back
                 coalesce(r.attrs, '{}')
                 || CASE WHEN r.bb IS NOT NULL AND annqa.to_xywh(annqa.xywh(r.bb[1], r.bb[2], r.bb[3], r.bb[4])) <> r.bb
                         THEN jsonb_build_object('coco_bbox', to_jsonb(r.bb)) ELSE '{}' END AS attrs,
                 CASE WHEN $2 THEN 'coco-result:' || r.pos ELSE 'coco:' || r.jid::text END AS ref
          FROM pg_temp.annqa_coco_rows r
          WHERE $3 IS NULL OR r.pos = $3) g
    $q$ || CASE WHEN on_conflict THEN ' ON CONFLICT (item_id, annotator_id, source_ref) DO NOTHING' ELSE '' END
    USING p_annotator, results, only_pos;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;
COMMENT ON FUNCTION annqa.io_coco_insert(bigint, boolean, bigint, boolean) IS 'importer helper: insert staged COCO annotations (ON CONFLICT DO NOTHING unless on_conflict is false)';

-- A big load (annqa.coco_bulk_rows annotations or more): the three foreign
-- keys of annqa.annotation are checked set-based instead of by a trigger per
-- row, which is most of the cost of inserting a million rows.
--   1. The referenced items, classes and the annotator are locked FOR KEY SHARE
--      and counted: exactly what each row's RI_FKey_check_ins trigger does
--      (same lock, so a concurrent DELETE or key UPDATE of them waits for this
--      transaction and then cascades onto the new rows), once per referenced row.
--   2. The foreign-key check triggers of annqa.annotation are disabled, the rows
--      inserted, and the triggers enabled again, all inside this transaction:
--      no other session ever sees them disabled (catalog changes are
--      transactional), and an error rolls the whole step back.  ALTER TABLE
--      takes a SHARE ROW EXCLUSIVE lock on annqa.annotation until commit:
--      readers go on, other writers of annotations wait for the import.
-- Disabling a system trigger needs a superuser; for anybody else, or when the
-- table is in use by a query of this session, the plain INSERT runs instead.
CREATE FUNCTION annqa.io_coco_insert_bulk(p_annotator bigint, results boolean) RETURNS bigint
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, annqa, pg_temp
AS $$
DECLARE
    want bigint;
    got bigint;
    trig text[];
    t text;
    n bigint;
BEGIN
    IF NOT coalesce((SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = current_user), false) THEN
        RETURN annqa.io_coco_insert(p_annotator, results, NULL);
    END IF;
    -- 1. the referenced rows: lock them as the triggers would, and count them
    SELECT count(DISTINCT r.item_id) INTO want FROM pg_temp.annqa_coco_rows r;
    SELECT count(*) INTO got FROM (SELECT 1 FROM annqa.item it WHERE it.item_id IN (SELECT r.item_id FROM pg_temp.annqa_coco_rows r)
                                   FOR KEY SHARE OF it) x;
    IF got <> want THEN
        RAISE EXCEPTION 'annqa.import_coco: % of % items are gone (deleted concurrently)', want - got, want
            USING ERRCODE = '23503', HINT = 'Nothing was loaded.';
    END IF;
    SELECT count(DISTINCT r.class_id) INTO want FROM pg_temp.annqa_coco_rows r;
    SELECT count(*) INTO got FROM (SELECT 1 FROM annqa.label_class c WHERE c.class_id IN (SELECT r.class_id FROM pg_temp.annqa_coco_rows r)
                                   FOR KEY SHARE OF c) x;
    IF got <> want THEN
        RAISE EXCEPTION 'annqa.import_coco: % of % label classes are gone (deleted concurrently)', want - got, want
            USING ERRCODE = '23503', HINT = 'Nothing was loaded.';
    END IF;
    PERFORM 1 FROM annqa.annotator a WHERE a.annotator_id = p_annotator FOR KEY SHARE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'annqa.import_coco: the annotator is gone (deleted concurrently)'
            USING ERRCODE = '23503', HINT = 'Nothing was loaded.';
    END IF;
    -- 2. the check triggers of annotation's own foreign keys (not those of
    -- tables that refer to annotation), where they are enabled as usual
    SELECT array_agg(tg.tgname::text ORDER BY tg.tgname) INTO trig
    FROM pg_trigger tg JOIN pg_constraint c ON c.oid = tg.tgconstraint
    WHERE tg.tgrelid = 'annqa.annotation'::regclass AND c.conrelid = 'annqa.annotation'::regclass
      AND c.contype = 'f' AND tg.tgenabled = 'O';
    BEGIN
        FOREACH t IN ARRAY coalesce(trig, '{}') LOOP
            EXECUTE format('ALTER TABLE annqa.annotation DISABLE TRIGGER %I', t);
        END LOOP;
    EXCEPTION WHEN object_in_use OR insufficient_privilege THEN
        RETURN annqa.io_coco_insert(p_annotator, results, NULL);
    END;
    -- 3. the SHARE ROW EXCLUSIVE lock keeps other writers out: when the
    -- annotator has no annotation yet, nothing can conflict, and a plain
    -- INSERT saves the speculative insertion of ON CONFLICT (an index probe and
    -- a WAL record per row).
    n := annqa.io_coco_insert(p_annotator, results, NULL,
                              EXISTS (SELECT 1 FROM annqa.annotation a WHERE a.annotator_id = p_annotator));
    FOREACH t IN ARRAY coalesce(trig, '{}') LOOP
        EXECUTE format('ALTER TABLE annqa.annotation ENABLE TRIGGER %I', t);
    END LOOP;
    RETURN n;
END $$;
COMMENT ON FUNCTION annqa.io_coco_insert_bulk(bigint, boolean) IS
    'importer helper: insert staged COCO annotations with the foreign keys checked set-based (referenced rows locked FOR KEY SHARE) and annotation''s foreign-key check triggers disabled inside the transaction only (a plain INSERT, without ON CONFLICT, when the annotator has no annotation yet); superusers only, else the plain insert';

CREATE FUNCTION annqa.import_coco(dataset text, annotator text, coco jsonb, batch text DEFAULT NULL,
                                  on_error text DEFAULT 'raise')
    RETURNS jsonb
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, annqa, pg_temp
AS $$
DECLARE
    results boolean;
    k text;
BEGIN
    IF dataset IS NULL OR annotator IS NULL OR coco IS NULL THEN
        RAISE EXCEPTION 'annqa.import_coco: dataset, annotator and the file must not be NULL' USING ERRCODE = '22004';
    END IF;
    results := jsonb_typeof(coco) = 'array';
    IF NOT results THEN
        IF jsonb_typeof(coco) <> 'object' THEN
            RAISE EXCEPTION 'annqa.import_coco: the file is a JSON %, not a COCO object or results list', jsonb_typeof(coco)
                USING ERRCODE = '22023';
        END IF;
        FOREACH k IN ARRAY ARRAY['images', 'categories', 'annotations'] LOOP
            IF NOT coco ? k THEN
                RAISE EXCEPTION 'annqa.import_coco: missing field "%"', k USING ERRCODE = '22023', HINT = 'Nothing was loaded.';
            END IF;
            IF jsonb_typeof(coco->k) <> 'array' THEN
                RAISE EXCEPTION 'annqa.import_coco: field "%" is a JSON %, not an array', k, jsonb_typeof(coco->k)
                    USING ERRCODE = '22023', HINT = 'Nothing was loaded.';
            END IF;
        END LOOP;
    END IF;
    PERFORM annqa.coco_staging();
    IF results THEN
        INSERT INTO pg_temp.annqa_coco_annotations SELECT e.n - 1, NULL, e.o FROM jsonb_array_elements(coco) WITH ORDINALITY e(o, n);
    ELSE
        INSERT INTO pg_temp.annqa_coco_images SELECT e.n - 1, NULL, e.o FROM jsonb_array_elements(coco->'images') WITH ORDINALITY e(o, n);
        INSERT INTO pg_temp.annqa_coco_categories SELECT e.n - 1, NULL, e.o FROM jsonb_array_elements(coco->'categories') WITH ORDINALITY e(o, n);
        INSERT INTO pg_temp.annqa_coco_annotations SELECT e.n - 1, NULL, e.o FROM jsonb_array_elements(coco->'annotations') WITH ORDINALITY e(o, n);
    END IF;
    RETURN annqa.coco_load(dataset, annotator, batch, results, on_error);
END $$;
COMMENT ON FUNCTION annqa.import_coco(text, text, jsonb, text, text) IS
    'load a COCO instances file (images, categories, annotations: bbox, polygons, RLE, iscrowd, keypoints with skeleton) or a COCO results list (model annotations with score) for one annotator; idempotent; returns counts and, with on_error => ''skip'', the problems';

-- ---------------------------------------------------------------- CVAT for images / video 1.1

CREATE FUNCTION annqa.io_xattr(e xml, name text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    SELECT (xpath('/*/@' || name, e))[1]::text;
END;
COMMENT ON FUNCTION annqa.io_xattr(xml, text) IS 'importer helper: the value of an attribute of an XML element, NULL when absent';

CREATE FUNCTION annqa.io_xnum(e xml, name text, required boolean DEFAULT true) RETURNS float8
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
    v text := annqa.io_xattr(e, name);
BEGIN
    IF v IS NULL THEN
        IF required THEN
            RAISE EXCEPTION 'missing attribute "%"', name USING ERRCODE = '22023';
        END IF;
        RETURN NULL;
    END IF;
    IF v !~ '^\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\s*$' THEN
        RAISE EXCEPTION 'attribute "%" is "%", not a number', name, v USING ERRCODE = '22P02';
    END IF;
    RETURN v::float8;
END $$;
COMMENT ON FUNCTION annqa.io_xnum(xml, text, boolean) IS 'importer helper: a numeric attribute of an XML element';

-- CVAT "x1,y1;x2,y2;..." as [x1,y1,x2,y2,...].
CREATE FUNCTION annqa.io_cvat_points(s text) RETURNS float8[]
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
BEGIN
    IF s IS NULL THEN
        RAISE EXCEPTION 'missing attribute "points"' USING ERRCODE = '22023';
    END IF;
    IF s !~ '^\s*[-+0-9.eE]+\s*,\s*[-+0-9.eE]+\s*(;\s*[-+0-9.eE]+\s*,\s*[-+0-9.eE]+\s*)*$' THEN
        RAISE EXCEPTION 'attribute "points" is not "x1,y1;x2,y2;...": "%"', left(s, 60) USING ERRCODE = '22P02';
    END IF;
    RETURN ARRAY(SELECT v::float8 FROM regexp_split_to_table(s, '\s*[;,]\s*') WITH ORDINALITY t(v, n) ORDER BY n);
END $$;
COMMENT ON FUNCTION annqa.io_cvat_points(text) IS 'importer helper: CVAT points "x1,y1;x2,y2" as a flat float8[]';

-- A CVAT shape element as (kind, coords, rle):
--   box: [xtl, ytl, xbr, ybr, rotation]; polygon/polyline/points: [x1,y1,...];
--   mask: [left, top, width, height] and the RLE text; tag: no coords.
CREATE FUNCTION annqa.io_cvat_parse(e xml, name text, OUT kind text, OUT coords float8[], OUT rle text)
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
BEGIN
    CASE name
    WHEN 'box' THEN
        kind := 'box';
        coords := ARRAY[annqa.io_xnum(e, 'xtl'), annqa.io_xnum(e, 'ytl'), annqa.io_xnum(e, 'xbr'), annqa.io_xnum(e, 'ybr'),
                        coalesce(annqa.io_xnum(e, 'rotation', false), 0)];
        IF coords[3] < coords[1] OR coords[4] < coords[2] THEN
            RAISE EXCEPTION 'box has xbr < xtl or ybr < ytl' USING ERRCODE = '22000';
        END IF;
    WHEN 'polygon', 'polyline', 'points' THEN
        kind := name;
        coords := annqa.io_cvat_points(annqa.io_xattr(e, 'points'));
        IF name = 'polygon' AND cardinality(coords) < 6 THEN
            RAISE EXCEPTION 'polygon has % points, fewer than 3', cardinality(coords) / 2 USING ERRCODE = '22000';
        END IF;
        IF name = 'polyline' AND cardinality(coords) < 4 THEN
            RAISE EXCEPTION 'polyline has fewer than 2 points' USING ERRCODE = '22000';
        END IF;
    WHEN 'mask' THEN
        kind := 'mask';
        coords := ARRAY[annqa.io_xnum(e, 'left'), annqa.io_xnum(e, 'top'), annqa.io_xnum(e, 'width'), annqa.io_xnum(e, 'height')];
        rle := annqa.io_xattr(e, 'rle');
        IF rle IS NULL THEN
            RAISE EXCEPTION 'missing attribute "rle"' USING ERRCODE = '22023';
        END IF;
        IF rle !~ '^\s*[0-9]+(\s*,\s*[0-9]+)*\s*$' THEN
            RAISE EXCEPTION 'attribute "rle" is not a comma-separated list of run lengths' USING ERRCODE = '22P02';
        END IF;
    WHEN 'tag' THEN
        kind := 'tag';
    ELSE
        RAISE EXCEPTION 'unsupported element <%>', name USING ERRCODE = '0A000',
            HINT = 'annqa reads box, polygon, polyline, points, mask and tag.';
    END CASE;
END $$;
COMMENT ON FUNCTION annqa.io_cvat_parse(xml, text) IS 'importer helper: a CVAT shape element as kind and coordinates';

-- The attributes of a CVAT shape (<attribute name="...">value</attribute>) as jsonb.
CREATE FUNCTION annqa.io_cvat_attributes(e xml) RETURNS jsonb
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    SELECT coalesce(jsonb_object_agg((xpath('/*/@name', a))[1]::text, coalesce((xpath('/*/text()', a))[1]::text, '')), '{}'::jsonb)
    FROM unnest(xpath('/*/attribute', e)) a;
END;
COMMENT ON FUNCTION annqa.io_cvat_attributes(xml) IS 'importer helper: the attribute children of a CVAT shape as a jsonb object';

-- Insert one parsed CVAT shape; returns 1 when new, 0 when already loaded.
CREATE FUNCTION annqa.io_cvat_insert(p_annotator bigint, p_item bigint, p_class bigint, kind text, c float8[], rle text,
                                     w int, h int, attrs jsonb, occluded boolean, z int, grp int, track bigint,
                                     keyframe boolean, ref text)
    RETURNS int
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, annqa, pg_temp
    SET extra_float_digits = 3      -- the WKT below is built from float8 text: exact whatever the session sets
AS $$
DECLARE
    n int;
    rb annqa.rbox;
    bx box;
    m annqa.rle;
    g text;
BEGIN
    IF kind = 'box' THEN
        bx := box(point(c[1], c[2]), point(c[3], c[4]));
        IF c[5] <> 0 THEN
            rb := annqa.rbox((c[1] + c[3]) / 2, (c[2] + c[4]) / 2, c[3] - c[1], c[4] - c[2], c[5]);
            kind := 'rbox';
            bx := annqa.io_bbox(annqa.rbox_geometry(rb));
        END IF;
    ELSIF kind = 'polygon' THEN
        g := 'POLYGON((' || (SELECT string_agg(c[2 * k + 1] || ' ' || c[2 * k + 2], ',' ORDER BY k)
                             FROM generate_series(0, cardinality(c) / 2 - 1) k) || ',' || c[1] || ' ' || c[2] || '))';
    ELSIF kind = 'polyline' THEN
        g := 'LINESTRING(' || (SELECT string_agg(c[2 * k + 1] || ' ' || c[2 * k + 2], ',' ORDER BY k)
                               FROM generate_series(0, cardinality(c) / 2 - 1) k) || ')';
    ELSIF kind = 'mask' THEN
        m := annqa.rle_from_cvat(string_to_array(regexp_replace(rle, '\s', '', 'g'), ',')::int[],
                                 c[1]::int, c[2]::int, c[3]::int, c[4]::int, h, w);
        bx := annqa.bbox(m);
    ELSIF kind = 'points' THEN
        bx := box(point((SELECT min(c[2 * k + 1]) FROM generate_series(0, cardinality(c) / 2 - 1) k),
                        (SELECT min(c[2 * k + 2]) FROM generate_series(0, cardinality(c) / 2 - 1) k)),
                  point((SELECT max(c[2 * k + 1]) FROM generate_series(0, cardinality(c) / 2 - 1) k),
                        (SELECT max(c[2 * k + 2]) FROM generate_series(0, cardinality(c) / 2 - 1) k)));
    END IF;
    INSERT INTO annqa.annotation (item_id, annotator_id, class_id, kind, box, rbox, mask, polygon, keypoints,
                                  attributes, occluded, z_order, group_id, track_id, keyframe, source_ref)
    VALUES (p_item, p_annotator, p_class, kind, coalesce(bx, annqa.io_bbox(annqa.io_geometry(g))), rb, m,
            annqa.io_geometry(g), CASE WHEN kind = 'points' THEN c END,
            coalesce(attrs, '{}'), coalesce(occluded, false), CASE WHEN kind = 'tag' THEN z ELSE coalesce(z, 0) END, grp, track, keyframe, ref)
    ON CONFLICT (item_id, annotator_id, source_ref) DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;
COMMENT ON FUNCTION annqa.io_cvat_insert(bigint, bigint, bigint, text, float8[], text, int, int, jsonb, boolean, int, int, bigint, boolean, text) IS
    'importer helper: insert one parsed CVAT shape';

CREATE FUNCTION annqa.io_bool(v text) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT CASE WHEN v IS NULL THEN NULL ELSE v = '1' END;
END;
COMMENT ON FUNCTION annqa.io_bool(text) IS 'importer helper: CVAT 0/1 flags (only "1" is true, as CVAT''s reader has it)';

-- The annotator of a frame: the assignee of the job segment holding it.
CREATE FUNCTION annqa.io_cvat_user(frame int, default_user text) RETURNS text
    LANGUAGE plpgsql STABLE
AS $$
BEGIN
    RETURN coalesce((SELECT s.username FROM pg_temp.annqa_cvat_segments s WHERE io_cvat_user.frame BETWEEN s.start AND s.stop
                     ORDER BY s.start LIMIT 1), default_user);
END $$;
COMMENT ON FUNCTION annqa.io_cvat_user(int, text) IS 'importer helper: the assignee of the CVAT job segment holding a frame';

CREATE FUNCTION annqa.import_cvat(dataset text, xml text, batch text DEFAULT NULL, on_error text DEFAULT 'raise')
    RETURNS jsonb
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, annqa, pg_temp
    SET client_min_messages = warning
AS $$
DECLARE
    doc xml;
    meta xml;
    ds bigint;
    bt bigint;
    problems jsonb := '[]';
    n_img bigint := 0;
    n_ann bigint := 0;
    n_seen bigint := 0;
    n_bad bigint := 0;
    default_user text;
    task_name text;
    vw int;
    vh int;
    stop_frame int;
    start_frame int := 0;
    frame_step int := 1;
    mask_track boolean := false;
    spec jsonb;            -- the track label's declared attributes: name -> mutable
    immut jsonb;           -- its immutable attributes (from the track's last shape)
    mut jsonb;             -- its mutable attributes so far (carried forward)
    shp_attrs jsonb;       -- the attributes of the current keyframe
    prev_attrs jsonb;      -- ... and of the previous one (for the frames in between)
    img xml;
    el record;
    trk xml;
    shp record;
    prev record;
    item bigint;
    cls bigint;
    ann bigint;
    iw int;
    ih int;
    f int;
    t float8;
    c float8[];
    where_ text;
    last_frame int;
    has_prev boolean;
    prev_visible boolean;
BEGIN
    PERFORM annqa.io_check_on_error(on_error);
    IF dataset IS NULL OR xml IS NULL THEN
        RAISE EXCEPTION 'annqa.import_cvat: dataset and the file must not be NULL' USING ERRCODE = '22004';
    END IF;
    BEGIN
        doc := xmlparse(document xml);
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS where_ = PG_EXCEPTION_DETAIL;
        RAISE EXCEPTION '%', format('annqa.import_cvat: the file is not well-formed XML: %s%s', SQLERRM,
                        coalesce(' (' || nullif(split_part(trim(where_), E'\n', 1), '') || ')', ''))
            USING ERRCODE = '22P02', HINT = 'Nothing was loaded.';
    END;
    IF NOT xpath_exists('/annotations', doc) THEN
        RAISE EXCEPTION 'annqa.import_cvat: the root element is not <annotations>' USING ERRCODE = '22023', HINT = 'Nothing was loaded.';
    END IF;
    IF coalesce((xpath('/annotations/version/text()', doc))[1]::text, '1.1') <> '1.1' THEN
        RAISE EXCEPTION 'annqa.import_cvat: version % is not 1.1', (xpath('/annotations/version/text()', doc))[1]::text
            USING ERRCODE = '0A000', HINT = 'annqa reads CVAT for images 1.1 and CVAT for video 1.1.';
    END IF;
    meta := coalesce((xpath('/annotations/meta/task', doc))[1], (xpath('/annotations/meta/job', doc))[1],
                     (xpath('/annotations/meta/project', doc))[1]);
    task_name := coalesce((xpath('/*/name/text()', meta))[1]::text, 'cvat');
    default_user := coalesce((xpath('/*/assignee/username/text()', meta))[1]::text,
                             (xpath('/*/owner/username/text()', meta))[1]::text, 'cvat');
    ds := annqa.io_dataset(dataset);
    bt := annqa.io_batch(ds, batch);
    -- the labels of the task, as classes (also those with no shape)
    PERFORM annqa.io_class(ds, l::text) FROM unnest(xpath('//labels/label/name/text()', meta)) l;

    CREATE TEMP TABLE IF NOT EXISTS annqa_cvat_segments (start int, stop int, username text);
    TRUNCATE pg_temp.annqa_cvat_segments;
    INSERT INTO pg_temp.annqa_cvat_segments
    SELECT (xpath('/*/start/text()', s))[1]::text::int, (xpath('/*/stop/text()', s))[1]::text::int,
           coalesce((xpath('/*/assignee/username/text()', s))[1]::text, (xpath('/*/assignee/text()', s))[1]::text, default_user)
    FROM unnest(xpath('/*/segments/segment', meta)) s;

    -- CVAT for images: <image> with shapes
    FOR img IN SELECT * FROM unnest(xpath('/annotations/image', doc)) LOOP
        where_ := format('<image id="%s" name="%s">', annqa.io_xattr(img, 'id'), annqa.io_xattr(img, 'name'));
        BEGIN
            iw := annqa.io_xnum(img, 'width');
            ih := annqa.io_xnum(img, 'height');
            f := annqa.io_xnum(img, 'id');
            IF (SELECT count(*) = 0 FROM annqa.item it WHERE it.dataset_id = ds AND it.uri = annqa.io_xattr(img, 'name')) THEN
                n_img := n_img + 1;
            END IF;
            item := annqa.io_item(ds, bt, annqa.io_xattr(img, 'name'), iw, ih, NULL, NULL, annqa.io_xattr(img, 'id'));
            ann := annqa.io_annotator(coalesce((SELECT s.username FROM pg_temp.annqa_cvat_segments s WHERE f BETWEEN s.start AND s.stop
                                                ORDER BY s.start LIMIT 1), default_user), 'human');
        EXCEPTION WHEN OTHERS THEN
            IF on_error = 'raise' THEN
                RAISE EXCEPTION '%', format('annqa.import_cvat: %s: %s', where_, SQLERRM) USING ERRCODE = SQLSTATE, HINT = 'Nothing was loaded.';
            END IF;
            n_bad := n_bad + 1;
            problems := problems || jsonb_build_array(jsonb_build_object('at', where_, 'problem', SQLERRM));
            CONTINUE;
        END;
        FOR el IN SELECT e, n, (xpath('name(/*)', e))[1]::text AS name FROM unnest(xpath('/*/*', img)) WITH ORDINALITY x(e, n) LOOP
            BEGIN
                n_seen := n_seen + 1;
                SELECT * INTO shp FROM annqa.io_cvat_parse(el.e, el.name);
                cls := annqa.io_class(ds, annqa.io_xattr(el.e, 'label'));
                n_ann := n_ann + annqa.io_cvat_insert(ann, item, cls, shp.kind, shp.coords, shp.rle, iw, ih,
                    annqa.io_cvat_attributes(el.e), annqa.io_bool(annqa.io_xattr(el.e, 'occluded')),
                    annqa.io_xnum(el.e, 'z_order', false)::int, annqa.io_xnum(el.e, 'group_id', false)::int, NULL, NULL,
                    format('cvat:image%s/%s', annqa.io_xattr(img, 'id'), el.n));
            EXCEPTION WHEN OTHERS THEN
                IF on_error = 'raise' THEN
                    RAISE EXCEPTION '%', format('annqa.import_cvat: %s, shape %s <%s>: %s', where_, el.n, el.name, SQLERRM)
                        USING ERRCODE = SQLSTATE, HINT = 'Nothing was loaded.';
                END IF;
                n_bad := n_bad + 1;
                problems := problems || jsonb_build_array(jsonb_build_object('at', format('%s, shape %s <%s>', where_, el.n, el.name),
                                                                             'problem', SQLERRM));
            END;
        END LOOP;
    END LOOP;

    -- CVAT for video: <track> with per-frame shapes
    IF xpath_exists('/annotations/track', doc) THEN
        -- a task export has original_size in meta/task, a job export beside meta/job
        vw := coalesce((xpath('/*/original_size/width/text()', meta))[1]::text::int,
                       (xpath('/annotations/meta/original_size/width/text()', doc))[1]::text::int);
        vh := coalesce((xpath('/*/original_size/height/text()', meta))[1]::text::int,
                       (xpath('/annotations/meta/original_size/height/text()', doc))[1]::text::int);
        IF vw IS NULL OR vh IS NULL THEN
            RAISE EXCEPTION 'annqa.import_cvat: a video file without meta/task/original_size width and height'
                USING ERRCODE = '22023', HINT = 'Nothing was loaded.';
        END IF;
        stop_frame := coalesce((xpath('/*/stop_frame/text()', meta))[1]::text::int, (xpath('/*/size/text()', meta))[1]::text::int - 1);
        -- the task's frames are start_frame + k * step (meta frame_filter "step=N"); the
        -- segments' start/stop are relative frame numbers
        start_frame := coalesce((xpath('/*/start_frame/text()', meta))[1]::text::int, 0);
        frame_step := coalesce(substring((xpath('/*/frame_filter/text()', meta))[1]::text FROM 'step\s*=\s*(\d+)')::int, 1);
        IF frame_step < 1 THEN
            frame_step := 1;
        END IF;
        FOR trk IN SELECT * FROM unnest(xpath('/annotations/track', doc)) LOOP
            where_ := format('<track id="%s" label="%s">', annqa.io_xattr(trk, 'id'), annqa.io_xattr(trk, 'label'));
            BEGIN
                cls := annqa.io_class(ds, annqa.io_xattr(trk, 'label'));
                -- CVAT's reader keeps only the attributes the label declares (meta
                -- labels/label/attributes), takes the immutable ones from the track's
                -- last shape, and carries a mutable one missing on a keyframe forward;
                -- a file whose meta declares no labels keeps every attribute as written
                spec := NULL;
                IF xpath_exists('//labels/label', meta) THEN
                    SELECT coalesce(jsonb_object_agg((xpath('/*/name/text()', at))[1]::text,
                                                     lower(coalesce((xpath('/*/mutable/text()', at))[1]::text, 'false')) = 'true'), '{}')
                    INTO spec
                    FROM unnest(xpath('//labels/label', meta)) lb, unnest(xpath('/*/attributes/attribute', lb)) at
                    WHERE (xpath('/*/name/text()', lb))[1]::text = annqa.io_xattr(trk, 'label');
                    SELECT coalesce(jsonb_object_agg(x.key, x.value), '{}') INTO immut
                    FROM jsonb_each(annqa.io_cvat_attributes(
                             (SELECT e FROM unnest(xpath('/*/*', trk)) WITH ORDINALITY z(e, n) ORDER BY n DESC LIMIT 1))) x
                    WHERE spec->x.key = 'false'::jsonb;
                END IF;
                mut := '{}';
                prev_attrs := NULL;
                has_prev := false;
                mask_track := false;
                prev_visible := false;
                last_frame := NULL;
                -- the shapes in frame order, then one pass that writes each shape and fills the gap before the next
                FOR shp IN
                    SELECT s.e, s.n, s.name, annqa.io_xnum(s.e, 'frame')::int AS frame, p.kind, p.coords, p.rle,
                           coalesce(annqa.io_bool(annqa.io_xattr(s.e, 'outside')), false) AS outside,
                           coalesce(annqa.io_bool(annqa.io_xattr(s.e, 'keyframe')), true) AS keyframe
                    FROM (SELECT e, n, (xpath('name(/*)', e))[1]::text AS name FROM unnest(xpath('/*/*', trk)) WITH ORDINALITY x(e, n)) s,
                         LATERAL annqa.io_cvat_parse(s.e, s.name) p
                    -- only keyframes define a track (CVAT's reader drops the others and
                    -- interpolates those frames again)
                    WHERE coalesce(annqa.io_bool(annqa.io_xattr(s.e, 'keyframe')), true)
                    ORDER BY 4, s.n
                LOOP
                    IF shp.frame = last_frame THEN
                        RAISE EXCEPTION 'frame % appears twice', shp.frame USING ERRCODE = '22000';
                    END IF;
                    IF shp.frame < 0 THEN
                        RAISE EXCEPTION 'frame % is negative', shp.frame USING ERRCODE = '22000';
                    END IF;
                    IF spec IS NULL THEN
                        shp_attrs := annqa.io_cvat_attributes(shp.e);
                    ELSE
                        SELECT mut || coalesce(jsonb_object_agg(x.key, x.value), '{}') INTO mut
                        FROM jsonb_each(annqa.io_cvat_attributes(shp.e)) x WHERE spec->x.key = 'true'::jsonb;
                        shp_attrs := immut || mut;
                    END IF;
                    -- interpolated frames between the previous shape and this one
                    IF prev_visible AND NOT mask_track THEN
                        FOR f IN prev.frame + 1 .. shp.frame - 1 LOOP
                            CONTINUE WHEN (f - start_frame) % frame_step <> 0;   -- not a frame of the task
                            t := (f - prev.frame)::float8 / (shp.frame - prev.frame);
                            c := prev.coords;
                            -- CVAT's interpolation (annqa.cvat_interpolate); masks and tags repeat the earlier shape
                            IF shp.kind = prev.kind AND shp.kind IN ('box', 'points', 'polyline', 'polygon') THEN
                                c := annqa.cvat_interpolate(shp.kind, prev.coords, shp.coords, t);
                            END IF;
                            n_seen := n_seen + 1;
                            n_ann := n_ann + annqa.io_cvat_insert(
                                annqa.io_annotator(annqa.io_cvat_user((f - start_frame) / frame_step, default_user), 'human'),
                                annqa.io_item(ds, bt, format('%s/frame_%s', task_name, lpad(f::text, 6, '0')), vw, vh, task_name, f, f::text),
                                cls, prev.kind, c, prev.rle, vw, vh, prev_attrs,
                                annqa.io_bool(annqa.io_xattr(prev.e, 'occluded')), annqa.io_xnum(prev.e, 'z_order', false)::int,
                                annqa.io_xnum(trk, 'group_id', false)::int, annqa.io_xnum(trk, 'id')::bigint, false,
                                format('cvat:track%s/%s', annqa.io_xattr(trk, 'id'), f));
                        END LOOP;
                    END IF;
                    IF NOT shp.outside AND NOT (mask_track AND has_prev) THEN
                        n_seen := n_seen + 1;
                        n_ann := n_ann + annqa.io_cvat_insert(
                            annqa.io_annotator(annqa.io_cvat_user((shp.frame - start_frame) / frame_step, default_user), 'human'),
                            annqa.io_item(ds, bt, format('%s/frame_%s', task_name, lpad(shp.frame::text, 6, '0')), vw, vh, task_name, shp.frame, shp.frame::text),
                            cls, shp.kind, shp.coords, shp.rle, vw, vh, shp_attrs,
                            annqa.io_bool(annqa.io_xattr(shp.e, 'occluded')), annqa.io_xnum(shp.e, 'z_order', false)::int,
                            annqa.io_xnum(trk, 'group_id', false)::int, annqa.io_xnum(trk, 'id')::bigint, shp.keyframe,
                            format('cvat:track%s/%s', annqa.io_xattr(trk, 'id'), shp.frame));
                    END IF;
                    IF NOT has_prev THEN
                        -- CVAT makes a mask track one plain mask, its first keyframe's
                        mask_track := shp.kind = 'mask';
                    END IF;
                    prev := shp;
                    prev_attrs := shp_attrs;
                    has_prev := true;
                    prev_visible := NOT shp.outside;
                    last_frame := shp.frame;
                END LOOP;
                -- a track still visible at its last shape goes on to the end of the task, as CVAT's exporter writes it
                IF prev_visible AND stop_frame IS NOT NULL AND NOT mask_track THEN
                    FOR f IN prev.frame + 1 .. stop_frame LOOP
                        CONTINUE WHEN (f - start_frame) % frame_step <> 0;   -- not a frame of the task
                        n_seen := n_seen + 1;
                        n_ann := n_ann + annqa.io_cvat_insert(
                            annqa.io_annotator(annqa.io_cvat_user((f - start_frame) / frame_step, default_user), 'human'),
                            annqa.io_item(ds, bt, format('%s/frame_%s', task_name, lpad(f::text, 6, '0')), vw, vh, task_name, f, f::text),
                            cls, prev.kind, prev.coords, prev.rle, vw, vh, prev_attrs,
                            annqa.io_bool(annqa.io_xattr(prev.e, 'occluded')), annqa.io_xnum(prev.e, 'z_order', false)::int,
                            annqa.io_xnum(trk, 'group_id', false)::int, annqa.io_xnum(trk, 'id')::bigint, false,
                            format('cvat:track%s/%s', annqa.io_xattr(trk, 'id'), f));
                    END LOOP;
                END IF;
            EXCEPTION WHEN OTHERS THEN
                IF on_error = 'raise' THEN
                    RAISE EXCEPTION '%', format('annqa.import_cvat: %s: %s', where_, SQLERRM) USING ERRCODE = SQLSTATE, HINT = 'Nothing was loaded.';
                END IF;
                n_bad := n_bad + 1;
                problems := problems || jsonb_build_array(jsonb_build_object('at', where_, 'problem', SQLERRM));
            END;
        END LOOP;
    END IF;
    RETURN jsonb_build_object('dataset', dataset, 'images', n_img,
                              'items', (SELECT count(*) FROM annqa.item it WHERE it.dataset_id = ds),
                              'annotations', n_ann, 'already_loaded', n_seen - n_ann - n_bad, 'problems', problems);
END $$;
COMMENT ON FUNCTION annqa.import_cvat(text, text, text, text) IS
    'load a CVAT for images 1.1 or CVAT for video 1.1 XML file (boxes with rotation, polygons, polylines, points, masks, tags, attributes, tracks with interpolated frames materialised); one annotator per job segment assignee; idempotent; returns counts';

-- ---------------------------------------------------------------- Label Studio

CREATE FUNCTION annqa.io_ls_user(completed_by jsonb) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT CASE jsonb_typeof(completed_by)
           WHEN 'object' THEN coalesce(nullif(completed_by->>'email', ''), 'ls-user-' || (completed_by->>'id'))
           WHEN 'number' THEN 'ls-user-' || (completed_by #>> '{}')
           WHEN 'string' THEN completed_by #>> '{}'
           END;
END;
COMMENT ON FUNCTION annqa.io_ls_user(jsonb) IS
    'importer helper: the annotator name of a Label Studio completed_by (the e-mail of a user object, ls-user-N for a user id)';

-- Insert one Label Studio result; returns the number of new annotations.
CREATE FUNCTION annqa.io_ls_result(ds bigint, p_annotator bigint, p_item bigint, r jsonb, score float8, ref text)
    RETURNS int
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, annqa, pg_temp
    SET extra_float_digits = 3      -- the polygon WKT is built from float8 text: exact whatever the session sets
AS $$
DECLARE
    v jsonb := r->'value';
    typ text := r->>'type';
    ow float8;
    oh float8;
    x float8;
    y float8;
    w float8;
    h float8;
    th float8;
    lbl text;
    kind text;
    bx box;
    rb annqa.rbox;
    m annqa.rle;
    g text;
    kp float8[];
    attrs jsonb;
    cnt int := 0;
    k int;
BEGIN
    IF jsonb_typeof(r) IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION 'result is not an object' USING ERRCODE = '22023';
    END IF;
    IF typ IS NULL THEN
        RAISE EXCEPTION 'missing field "type"' USING ERRCODE = '22023';
    END IF;
    IF typ = 'labels' AND jsonb_typeof(v) = 'object' THEN
        -- the generic <Labels> tag next to a drawing tool: the region's kind comes
        -- from its value, the labels from value.labels (the converter does the same)
        typ := CASE WHEN v ? 'rle' OR v ? 'format' THEN 'brushlabels'
                    WHEN v ? 'points' THEN 'polygonlabels'
                    WHEN v ? 'width' OR v ? 'height' THEN 'rectanglelabels'
                    WHEN v ? 'x' AND v ? 'y' THEN 'keypointlabels' END;
        IF typ IS NULL THEN
            RETURN -1;
        END IF;
        v := v || jsonb_build_object(typ, v->'labels');
    END IF;
    IF typ NOT IN ('rectanglelabels', 'polygonlabels', 'brushlabels', 'keypointlabels', 'choices') THEN
        RETURN -1;      -- not an annotation of an image region (textarea, relation, ...): ignored
    END IF;
    IF jsonb_typeof(v) IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION 'missing field "value"' USING ERRCODE = '22023';
    END IF;
    attrs := jsonb_strip_nulls(jsonb_build_object('from_name', r->'from_name', 'to_name', r->'to_name', 'result_id', r->'id'));
    score := coalesce((r->>'score')::float8, score);     -- the result's own score first
    IF typ = 'choices' THEN
        IF jsonb_typeof(v->'choices') IS DISTINCT FROM 'array' THEN
            RAISE EXCEPTION 'field "value.choices" is not an array' USING ERRCODE = '22023';
        END IF;
        FOR k IN 0 .. jsonb_array_length(v->'choices') - 1 LOOP
            INSERT INTO annqa.annotation (item_id, annotator_id, class_id, kind, attributes, score, source_ref)
            VALUES (p_item, p_annotator, annqa.io_class(ds, v->'choices'->>k), 'tag', attrs, score, ref || '/' || k)
            ON CONFLICT (item_id, annotator_id, source_ref) DO NOTHING;
        END LOOP;
        RETURN jsonb_array_length(v->'choices');
    END IF;
    IF NOT annqa.io_is_numbers(jsonb_build_array(r->'original_width', r->'original_height')) THEN
        RAISE EXCEPTION 'missing or non-numeric "original_width" / "original_height"' USING ERRCODE = '22023';
    END IF;
    ow := (r->>'original_width')::float8;
    oh := (r->>'original_height')::float8;
    lbl := v->typ->>0;
    IF lbl IS NULL THEN
        RAISE EXCEPTION 'field "value.%" has no label', typ USING ERRCODE = '22023';
    END IF;
    IF jsonb_array_length(v->typ) > 1 THEN
        attrs := attrs || jsonb_build_object('labels', v->typ);   -- the class is the first (the converter's COCO export)
    END IF;
    CASE typ
    WHEN 'rectanglelabels' THEN
        IF NOT annqa.io_is_numbers(jsonb_build_array(v->'x', v->'y', v->'width', v->'height')) THEN
            RAISE EXCEPTION 'rectangle without numeric x, y, width, height' USING ERRCODE = '22023';
        END IF;
        x := (v->>'x')::float8 * ow / 100;
        y := (v->>'y')::float8 * oh / 100;
        w := (v->>'width')::float8 * ow / 100;
        h := (v->>'height')::float8 * oh / 100;
        th := coalesce((v->>'rotation')::float8, 0);
        IF w < 0 OR h < 0 THEN
            RAISE EXCEPTION 'rectangle with a negative width or height' USING ERRCODE = '22000';
        END IF;
        IF th = 0 THEN
            kind := 'box';
            bx := annqa.xywh(x, y, w, h);
        ELSE
            -- Label Studio turns the rectangle about its top-left corner (x, y), clockwise on screen
            kind := 'rbox';
            rb := annqa.rbox(x + (w * cosd(th) - h * sind(th)) / 2, y + (w * sind(th) + h * cosd(th)) / 2, w, h, th);
            bx := annqa.io_bbox(annqa.rbox_geometry(rb));
        END IF;
    WHEN 'polygonlabels' THEN
        IF jsonb_typeof(v->'points') IS DISTINCT FROM 'array' OR jsonb_array_length(v->'points') < 3 OR EXISTS (
            SELECT 1 FROM jsonb_array_elements(v->'points') p WHERE NOT annqa.io_is_numbers(p) OR jsonb_array_length(p) <> 2) THEN
            RAISE EXCEPTION 'field "value.points" is not a list of at least 3 [x, y] points' USING ERRCODE = '22023';
        END IF;
        kind := 'polygon';
        g := 'POLYGON((' || (SELECT string_agg(((p->>0)::float8 * ow / 100) || ' ' || ((p->>1)::float8 * oh / 100), ',' ORDER BY n)
                             FROM jsonb_array_elements(v->'points' || jsonb_build_array(v->'points'->0)) WITH ORDINALITY e(p, n)) || '))';
        bx := annqa.io_bbox(annqa.io_geometry(g));
    WHEN 'brushlabels' THEN
        IF v->>'format' IS DISTINCT FROM 'rle' OR NOT annqa.io_is_numbers(v->'rle') THEN
            RAISE EXCEPTION 'brush mask is not "format": "rle" with an "rle" array of bytes' USING ERRCODE = '22023';
        END IF;
        IF ow <> trunc(ow) OR oh <> trunc(oh) OR ow <= 0 OR oh <= 0 THEN
            RAISE EXCEPTION 'original_width / original_height are not positive integers' USING ERRCODE = '22023';
        END IF;
        kind := 'mask';
        m := annqa.rle_from_ls_brush(ARRAY(SELECT e::int FROM jsonb_array_elements_text(v->'rle') WITH ORDINALITY t(e, n) ORDER BY n),
                                     oh::int, ow::int);
        bx := annqa.bbox(m);
    WHEN 'keypointlabels' THEN
        IF NOT annqa.io_is_numbers(jsonb_build_array(v->'x', v->'y')) THEN
            RAISE EXCEPTION 'keypoint without numeric x, y' USING ERRCODE = '22023';
        END IF;
        kind := 'points';
        kp := ARRAY[(v->>'x')::float8 * ow / 100, (v->>'y')::float8 * oh / 100];
        bx := box(point(kp[1], kp[2]), point(kp[1], kp[2]));
    END CASE;
    INSERT INTO annqa.annotation (item_id, annotator_id, class_id, kind, box, rbox, mask, polygon, keypoints, attributes, score, source_ref)
    VALUES (p_item, p_annotator, annqa.io_class(ds, lbl), kind, bx, rb, m, annqa.io_geometry(g), kp, attrs,
            score, ref)
    ON CONFLICT (item_id, annotator_id, source_ref) DO NOTHING;
    GET DIAGNOSTICS cnt = ROW_COUNT;
    RETURN cnt;
END $$;
COMMENT ON FUNCTION annqa.io_ls_result(bigint, bigint, bigint, jsonb, float8, text) IS
    'importer helper: insert one Label Studio result (-1: a result type that is not an image annotation, ignored)';

CREATE FUNCTION annqa.import_label_studio(dataset text, export jsonb, batch text DEFAULT NULL, on_error text DEFAULT 'raise',
                                          gold_annotator text DEFAULT 'gold')
    RETURNS jsonb
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, annqa, pg_temp
AS $$
DECLARE
    ds bigint;
    bt bigint;
    task record;
    a record;
    r record;
    v_item bigint;
    ann bigint;
    ow int;
    oh int;
    uri text;
    where_ text;
    is_pred boolean;
    got int;
    problems jsonb := '[]';
    n_tasks bigint := 0;
    n_ann bigint := 0;
    n_ignored bigint := 0;
    n_before bigint;
BEGIN
    PERFORM annqa.io_check_on_error(on_error);
    IF dataset IS NULL OR export IS NULL THEN
        RAISE EXCEPTION 'annqa.import_label_studio: dataset and the file must not be NULL' USING ERRCODE = '22004';
    END IF;
    IF jsonb_typeof(export) = 'object' THEN
        export := jsonb_build_array(export);
    END IF;
    IF jsonb_typeof(export) <> 'array' THEN
        RAISE EXCEPTION 'annqa.import_label_studio: the file is a JSON %, not a list of tasks', jsonb_typeof(export)
            USING ERRCODE = '22023', HINT = 'Nothing was loaded.';
    END IF;
    ds := annqa.io_dataset(dataset);
    bt := annqa.io_batch(ds, batch);
    SELECT count(*) INTO n_before FROM annqa.annotation n JOIN annqa.item i USING (item_id) WHERE i.dataset_id = ds;
    FOR task IN SELECT t.o, t.n - 1 AS pos FROM jsonb_array_elements(export) WITH ORDINALITY t(o, n) LOOP
        where_ := format('task %s (tasks[%s])', coalesce(task.o->>'id', '?'), task.pos);
        BEGIN
            IF jsonb_typeof(task.o) IS DISTINCT FROM 'object' THEN
                RAISE EXCEPTION 'not an object' USING ERRCODE = '22023';
            END IF;
            IF NOT annqa.io_is_int(task.o->'id') THEN
                RAISE EXCEPTION 'missing or non-integer field "id"' USING ERRCODE = '22023';
            END IF;
            IF jsonb_typeof(task.o->'data') IS DISTINCT FROM 'object' THEN
                RAISE EXCEPTION 'missing field "data"' USING ERRCODE = '22023';
            END IF;
            -- the image: data.image, else the string field that looks like an image
            -- (an image file name or a URL), else the first string field by name
            uri := coalesce(task.o->'data'->>'image',
                            (SELECT e.value #>> '{}' FROM jsonb_each(task.o->'data') e
                             WHERE jsonb_typeof(e.value) = 'string'
                             ORDER BY (e.value #>> '{}') ~* '\.(jpe?g|png|bmp|gif|webp|tiff?)([?#].*)?$' DESC,
                                      (e.value #>> '{}') ~* '^(https?|s3|gs|azure-blob)://|^/data/|^data:image/' DESC,
                                      e.key
                             LIMIT 1));
            IF uri IS NULL THEN
                RAISE EXCEPTION 'field "data" has no image' USING ERRCODE = '22023';
            END IF;
            IF task.o ? 'annotations' AND jsonb_typeof(task.o->'annotations') <> 'array'
               OR task.o ? 'predictions' AND jsonb_typeof(task.o->'predictions') <> 'array' THEN
                RAISE EXCEPTION '"annotations" or "predictions" is not an array' USING ERRCODE = '22023';
            END IF;
            -- exports of Label Studio before 1.0 call the annotations "completions"
            IF NOT task.o ? 'annotations' AND jsonb_typeof(task.o->'completions') = 'array' THEN
                task.o := task.o || jsonb_build_object('annotations', task.o->'completions');
            END IF;
            -- the image size, from the first result that has one
            SELECT (x.r->>'original_width')::numeric::int, (x.r->>'original_height')::numeric::int INTO ow, oh
            FROM jsonb_array_elements(coalesce(task.o->'annotations', '[]') || coalesce(task.o->'predictions', '[]')) y(a),
                 jsonb_array_elements(CASE WHEN jsonb_typeof(y.a->'result') = 'array' THEN y.a->'result' ELSE '[]' END) x(r)
            WHERE annqa.io_is_numbers(jsonb_build_array(x.r->'original_width', x.r->'original_height'))
            LIMIT 1;
            v_item := annqa.io_item(ds, bt, uri, ow, oh, NULL, NULL, task.o->>'id');
            FOR a IN SELECT false AS pred, e.o, e.n - 1 AS pos FROM jsonb_array_elements(coalesce(task.o->'annotations', '[]')) WITH ORDINALITY e(o, n)
                     UNION ALL
                     SELECT true, e.o, e.n - 1 FROM jsonb_array_elements(coalesce(task.o->'predictions', '[]')) WITH ORDINALITY e(o, n)
            LOOP
                where_ := format('task %s (tasks[%s]), %s %s', task.o->>'id', task.pos,
                                 CASE WHEN a.pred THEN 'prediction' ELSE 'annotation' END, coalesce(a.o->>'id', '[' || a.pos || ']'));
                IF jsonb_typeof(a.o) IS DISTINCT FROM 'object' OR jsonb_typeof(a.o->'result') IS DISTINCT FROM 'array' THEN
                    RAISE EXCEPTION 'no "result" list' USING ERRCODE = '22023';
                END IF;
                IF coalesce((a.o->>'was_cancelled')::boolean, false) OR coalesce((a.o->>'skipped')::boolean, false) THEN
                    CONTINUE;   -- cancelled or skipped: not an answer (the converter drops both)
                END IF;
                IF a.pred THEN
                    ann := annqa.io_annotator(coalesce(nullif(a.o->>'model_version', ''), 'label-studio-model'), 'model');
                ELSIF coalesce((a.o->>'ground_truth')::boolean, false) THEN
                    ann := annqa.io_annotator(gold_annotator, 'gold');
                    UPDATE annqa.item it SET in_gold_set = true WHERE it.item_id = v_item AND NOT it.in_gold_set;
                ELSE
                    IF annqa.io_ls_user(a.o->'completed_by') IS NULL THEN
                        RAISE EXCEPTION 'missing field "completed_by"' USING ERRCODE = '22023';
                    END IF;
                    ann := annqa.io_annotator(annqa.io_ls_user(a.o->'completed_by'), 'human');
                END IF;
                -- regions first; a choices result with the id of a region classifies that
                -- region (a per-region attribute), it is not a tag of the image
                FOR r IN SELECT e.o, e.n - 1 AS pos,
                                e.o->>'type' = 'choices' AND EXISTS (
                                    SELECT 1 FROM jsonb_array_elements(a.o->'result') f(o)
                                    WHERE f.o->>'type' IS DISTINCT FROM 'choices' AND f.o->>'id' = e.o->>'id') AS per_region
                         FROM jsonb_array_elements(a.o->'result') WITH ORDINALITY e(o, n)
                         ORDER BY 3, 2 LOOP
                    IF r.per_region THEN
                        IF jsonb_typeof(r.o->'value'->'choices') IS DISTINCT FROM 'array' THEN
                            RAISE EXCEPTION 'field "value.choices" is not an array' USING ERRCODE = '22023';
                        END IF;
                        UPDATE annqa.annotation n
                           SET attributes = n.attributes || jsonb_build_object(coalesce(r.o->>'from_name', 'choices'), r.o->'value'->'choices')
                         WHERE n.item_id = v_item AND n.annotator_id = ann AND n.attributes->>'result_id' = r.o->>'id'
                           AND n.source_ref LIKE format('ls:task%s/%s%s/%%', task.o->>'id', CASE WHEN a.pred THEN 'prediction' ELSE 'annotation' END,
                                                        coalesce(a.o->>'id', '[' || a.pos || ']'));
                        CONTINUE;
                    END IF;
                    where_ := format('task %s (tasks[%s]), %s %s, result %s', task.o->>'id', task.pos,
                                     CASE WHEN a.pred THEN 'prediction' ELSE 'annotation' END, coalesce(a.o->>'id', '[' || a.pos || ']'),
                                     coalesce(r.o->>'id', '[' || r.pos || ']'));
                    got := annqa.io_ls_result(ds, ann, v_item, r.o, CASE WHEN a.pred THEN (a.o->>'score')::float8 END,
                                              format('ls:task%s/%s%s/%s', task.o->>'id', CASE WHEN a.pred THEN 'prediction' ELSE 'annotation' END,
                                                     coalesce(a.o->>'id', '[' || a.pos || ']'), r.pos));
                    IF got < 0 THEN
                        n_ignored := n_ignored + 1;
                    END IF;
                END LOOP;
            END LOOP;
            n_tasks := n_tasks + 1;
        EXCEPTION WHEN OTHERS THEN
            IF on_error = 'raise' THEN
                RAISE EXCEPTION '%', format('annqa.import_label_studio: %s: %s', where_, SQLERRM) USING ERRCODE = SQLSTATE, HINT = 'Nothing was loaded.';
            END IF;
            problems := problems || jsonb_build_array(jsonb_build_object('at', where_, 'problem', SQLERRM));
        END;
    END LOOP;
    SELECT count(*) - n_before INTO n_ann FROM annqa.annotation n JOIN annqa.item i USING (item_id) WHERE i.dataset_id = ds;
    RETURN jsonb_build_object('dataset', dataset, 'tasks', n_tasks, 'annotations', n_ann, 'ignored_results', n_ignored,
                              'problems', problems);
END $$;
COMMENT ON FUNCTION annqa.import_label_studio(text, jsonb, text, text, text) IS
    'load a Label Studio JSON export: annotations per completed_by annotator, predictions as a model annotator, ground_truth as gold; rectangles (with rotation), polygons, brush masks, keypoints and choices; idempotent; returns counts';

-- ---------------------------------------------------------------- privileges
-- The importers write: only roles granted EXECUTE may run them.
REVOKE EXECUTE ON FUNCTION annqa.import_coco(text, text, jsonb, text, text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION annqa.import_cvat(text, text, text, text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION annqa.import_label_studio(text, jsonb, text, text, text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION annqa.coco_load(text, text, text, boolean, text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION annqa.coco_staging() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION annqa.io_dataset(text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION annqa.io_annotator(text, text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION annqa.io_batch(bigint, text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION annqa.io_class(bigint, text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION annqa.io_item(bigint, bigint, text, int, int, text, int, text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION annqa.io_coco_insert(bigint, boolean, bigint, boolean) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION annqa.io_coco_insert_bulk(bigint, boolean) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION annqa.io_cvat_insert(bigint, bigint, bigint, text, float8[], text, int, int, jsonb, boolean, int, int, bigint, boolean, text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION annqa.io_ls_result(bigint, bigint, bigint, jsonb, float8, text) FROM PUBLIC;
