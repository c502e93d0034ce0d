-- ======================================================================
-- COCO export and validation.
--
-- The released label source is gold: export_coco writes the annotations of
-- the dataset's gold annotators (annotator.kind = 'gold'), or of one named
-- annotator when asked.  Consensus labels are not a stored layer of the data
-- model, so they are not a source here.
-- ======================================================================

-- The exporter itself, optionally restricted to some items (items NULL: all):
-- export_coco is this with items NULL; the release gate validates the export of
-- a bounded sample of items through it (the same code path as a full export).
-- The bbox an annotation is exported with: the imported COCO file's own
-- (attributes.coco_bbox) while the stored box is still the one it gave (corners
-- and back can differ in the last digit: (0.1 + 0.3) - 0.1), else the box's.
CREATE FUNCTION annqa.io_coco_bbox(attributes jsonb, b box) RETURNS float8[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN jsonb_typeof(attributes->'coco_bbox') = 'array' AND jsonb_array_length(attributes->'coco_bbox') = 4
                 AND annqa.io_is_numbers(attributes->'coco_bbox')
                 AND annqa.to_xywh(annqa.xywh((attributes->'coco_bbox'->>0)::float8, (attributes->'coco_bbox'->>1)::float8,
                                             (attributes->'coco_bbox'->>2)::float8, (attributes->'coco_bbox'->>3)::float8))
                     = annqa.to_xywh(b)
            THEN annqa.io_float8s(attributes->'coco_bbox') ELSE annqa.to_xywh(b) END;
COMMENT ON FUNCTION annqa.io_coco_bbox(jsonb, box) IS
    'exporter helper: the COCO bbox of an annotation (the imported file''s own while the stored box is unchanged)';

-- The number of keypoints with v > 0 in a flat [x, y, v, ...] array.
CREATE FUNCTION annqa.io_coco_visible(kp float8[]) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (SELECT count(*) FROM generate_series(3, cardinality(kp), 3) k WHERE kp[k] > 0);
COMMENT ON FUNCTION annqa.io_coco_visible(float8[]) IS 'exporter helper: COCO num_keypoints, the keypoints with v > 0';

-- The COCO object of one annotation on an iw x ih image: what export_coco writes,
-- and what the gate's export check validates (one definition for both).  The
-- callers pin extra_float_digits (float8 -> JSON goes through float8out).  One
-- expression without subqueries, so that the planner inlines it into the export
-- (called, it cost about 80 us a row).
CREATE FUNCTION annqa.io_coco_object(n annqa.annotation, iw int, ih int) RETURNS jsonb
    LANGUAGE sql STABLE PARALLEL SAFE
RETURN jsonb_strip_nulls(jsonb_build_object(
    'id', n.annotation_id, 'image_id', n.item_id, 'category_id', n.class_id,
    'bbox', to_jsonb(annqa.io_coco_bbox(n.attributes, n.box)),
    -- no area given: the mask's pixels (a polygon rasterised as pycocotools does,
    -- its parts unioned), or the box's w h
    'area', coalesce(n.area,
                     CASE n.kind WHEN 'mask' THEN annqa.area(n.mask)::float8
                                 WHEN 'polygon' THEN CASE WHEN annqa.io_is_areal(n.polygon) AND iw > 0 AND ih > 0
                                                               AND iw::bigint * ih <= 4294967295   -- an annqa.rle's limit
                                                          THEN annqa.area(annqa.rle_from_geometry(n.polygon, ih, iw))::float8
                                                          ELSE annqa.io_area(n.polygon) END
                                 WHEN 'rbox' THEN annqa.area(n.rbox)
                                 ELSE (annqa.io_coco_bbox(n.attributes, n.box))[3] * (annqa.io_coco_bbox(n.attributes, n.box))[4] END),
    'score', n.score,
    'iscrowd', n.is_crowd::int,
    'segmentation', CASE WHEN n.mask IS NOT NULL THEN annqa.rle_jsonb(n.mask)
                         WHEN n.polygon IS NOT NULL AND annqa.io_is_areal(n.polygon) THEN annqa.io_coco_polygons(n.polygon)
                         WHEN n.rbox IS NOT NULL THEN jsonb_build_array(to_jsonb(annqa.corners(n.rbox)))
                         ELSE '[]'::jsonb END,
    'keypoints', CASE WHEN n.kind = 'keypoints' THEN to_jsonb(n.keypoints) END,
    'num_keypoints', CASE WHEN n.kind = 'keypoints' THEN coalesce(
        CASE WHEN jsonb_typeof(n.attributes->'num_keypoints') = 'number' THEN n.attributes->'num_keypoints' END,
        to_jsonb(annqa.io_coco_visible(n.keypoints))) END,
    'attributes', nullif(n.attributes - 'coco_bbox' - 'num_keypoints', '{}'::jsonb)));
COMMENT ON FUNCTION annqa.io_coco_object(annqa.annotation, int, int) IS
    'exporter helper: the COCO annotation object export_coco writes for one annotation (also validated by the gate''s export check)';

CREATE FUNCTION annqa.io_coco_export(dataset text, release bigint, annotator text, items bigint[])
    RETURNS jsonb
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, annqa, pg_temp
    SET extra_float_digits = 3      -- float8 -> JSON goes through float8out: exact whatever the session sets
AS $$
DECLARE
    ds bigint;
    rel record;
    ver text;
    src bigint;
    rel_batch bigint;
BEGIN
    SELECT d.dataset_id INTO ds FROM annqa.dataset d WHERE d.name = io_coco_export.dataset;
    IF ds IS NULL THEN
        RAISE EXCEPTION 'annqa.export_coco: no dataset "%"', dataset USING ERRCODE = '22023';
    END IF;
    IF annotator IS NOT NULL THEN
        SELECT a.annotator_id INTO src FROM annqa.annotator a WHERE a.name = io_coco_export.annotator;
        IF src IS NULL THEN
            RAISE EXCEPTION 'annqa.export_coco: no annotator "%"', annotator USING ERRCODE = '22023';
        END IF;
    END IF;
    IF release IS NOT NULL THEN
        SELECT r.* INTO rel FROM annqa.release r WHERE r.release_id = io_coco_export.release;
        IF rel.release_id IS NULL OR rel.dataset_id <> ds THEN
            RAISE EXCEPTION 'annqa.export_coco: release % is not a release of dataset "%"', release, dataset USING ERRCODE = '22023';
        END IF;
        IF NOT rel.passed THEN
            RAISE EXCEPTION 'annqa.export_coco: release % (version %) did not pass its gate', release, rel.dataset_version
                USING ERRCODE = '22023', HINT = 'Only a passed release is exported.';
        END IF;
        ver := rel.dataset_version;
        rel_batch := rel.batch_id;
    ELSE
        SELECT r.dataset_version INTO ver FROM annqa.release r
        WHERE r.dataset_id = ds AND r.passed AND r.gate = 'release' ORDER BY r.decided_at DESC, r.release_id DESC LIMIT 1;
    END IF;
    RETURN (
    WITH imgs AS (
        SELECT i.* FROM annqa.item i
        WHERE i.dataset_id = ds AND i.width IS NOT NULL
          AND (release IS NULL OR i.batch_id = rel_batch)
          AND (items IS NULL OR i.item_id = ANY (items))),
    anns AS (
        SELECT n AS a, n.annotation_id, i.width AS iw, i.height AS ih
        FROM annqa.annotation n JOIN imgs i USING (item_id) JOIN annqa.annotator a USING (annotator_id)
        WHERE n.kind IN ('box', 'rbox', 'polygon', 'mask', 'keypoints') AND n.class_id IS NOT NULL
          AND (CASE WHEN src IS NULL THEN a.kind = 'gold' ELSE a.annotator_id = src END)),
    out AS (
        SELECT n.annotation_id, annqa.io_coco_object(n.a, n.iw, n.ih) AS o FROM anns n)
    SELECT jsonb_build_object(
        'info', jsonb_build_object('description', format('annqa export of dataset %s', dataset),
                                   'version', coalesce(ver, 'unreleased'),
                                   'release', release,
                                   'label_source', coalesce('annotator ' || annotator, 'gold'),
                                   'date_created', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')),
        'licenses', '[]'::jsonb,
        'images', coalesce((SELECT jsonb_agg(jsonb_build_object('id', i.item_id, 'file_name', i.uri,
                                                                'width', i.width, 'height', i.height) ORDER BY i.item_id)
                            FROM imgs i), '[]'),
        'categories', coalesce((SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                                    'id', c.class_id, 'name', c.name, 'supercategory', coalesce(c.supercategory, ''),
                                    'keypoints', to_jsonb(c.keypoint_names), 'skeleton', to_jsonb(c.skeleton))) ORDER BY c.class_id)
                                FROM annqa.label_class c WHERE c.dataset_id = ds), '[]'),
        'annotations', coalesce((SELECT jsonb_agg(o ORDER BY annotation_id) FROM out), '[]')));
END $$;
COMMENT ON FUNCTION annqa.io_coco_export(text, bigint, text, bigint[]) IS
    'exporter: annqa.export_coco restricted to the given items (NULL: every item); the release gate validates the export of a bounded sample through it';

CREATE FUNCTION annqa.export_coco(dataset text, release bigint DEFAULT NULL, annotator text DEFAULT NULL)
    RETURNS jsonb
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, annqa, pg_temp
AS $$
    SELECT annqa.io_coco_export(dataset, release, annotator, NULL);
$$;
COMMENT ON FUNCTION annqa.export_coco(text, bigint, text) IS
    'a COCO instances file of a dataset (or of the batch of a passed release): images, categories, gold annotations (or one named annotator''s) with bbox, area, iscrowd, RLE or polygons, keypoints; info.version = the dataset version';

-- Not PARALLEL SAFE: the RLE check runs in a subtransaction.
CREATE FUNCTION annqa.validate_coco(doc jsonb) RETURNS TABLE (path text, problem text)
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, annqa, pg_temp
AS $$
DECLARE
    k text;
BEGIN
    IF jsonb_typeof(doc) IS DISTINCT FROM 'object' THEN
        RETURN QUERY SELECT '$'::text, format('the document is a JSON %s, not an object', coalesce(jsonb_typeof(doc), 'NULL'));
        RETURN;
    END IF;
    FOREACH k IN ARRAY ARRAY['images', 'categories', 'annotations'] LOOP
        IF jsonb_typeof(doc->k) IS DISTINCT FROM 'array' THEN
            RETURN QUERY SELECT k, CASE WHEN doc ? k THEN 'not an array' ELSE 'missing' END;
        END IF;
    END LOOP;
    IF EXISTS (SELECT 1 FROM unnest(ARRAY['images', 'categories', 'annotations']) x WHERE jsonb_typeof(doc->x) IS DISTINCT FROM 'array') THEN
        RETURN;
    END IF;
    -- images
    RETURN QUERY
    SELECT format('images[%s]', i.n - 1), p.problem
    FROM (SELECT e.o, e.n, count(*) OVER (PARTITION BY e.o->'id') AS dup
          FROM jsonb_array_elements(doc->'images') WITH ORDINALITY e(o, n)) i,
         LATERAL (SELECT CASE
             WHEN jsonb_typeof(i.o) IS DISTINCT FROM 'object' THEN 'not an object'
             WHEN NOT annqa.io_is_int(i.o->'id') THEN 'id is missing or not an integer'
             WHEN (i.o->>'id')::numeric = 0 THEN 'id is 0'
             WHEN i.dup > 1 THEN format('image id %s is not unique', i.o->'id')
             WHEN NOT annqa.io_is_int(i.o->'width') OR NOT annqa.io_is_int(i.o->'height')
                  OR (i.o->>'width')::numeric <= 0 OR (i.o->>'height')::numeric <= 0 THEN 'width and height are not positive integers'
             WHEN jsonb_typeof(i.o->'file_name') IS DISTINCT FROM 'string' THEN 'file_name is missing'
             END AS problem) p
    WHERE p.problem IS NOT NULL;
    -- categories
    RETURN QUERY
    SELECT format('categories[%s]', c.n - 1), p.problem
    FROM (SELECT e.o, e.n, count(*) OVER (PARTITION BY e.o->'id') AS dup
          FROM jsonb_array_elements(doc->'categories') WITH ORDINALITY e(o, n)) c,
         LATERAL (SELECT CASE
             WHEN jsonb_typeof(c.o) IS DISTINCT FROM 'object' THEN 'not an object'
             WHEN NOT annqa.io_is_int(c.o->'id') THEN 'id is missing or not an integer'
             WHEN (c.o->>'id')::numeric = 0 THEN 'id is 0'
             WHEN c.dup > 1 THEN format('category id %s is not unique', c.o->'id')
             WHEN jsonb_typeof(c.o->'name') IS DISTINCT FROM 'string' THEN 'name is missing'
             END AS problem) p
    WHERE p.problem IS NOT NULL;
    -- annotations
    RETURN QUERY
    WITH img AS (
        SELECT DISTINCT ON (i.o->'id') i.o->'id' AS id, (i.o->>'width')::float8 AS w, (i.o->>'height')::float8 AS h
        FROM jsonb_array_elements(doc->'images') i(o)
        WHERE annqa.io_is_int(i.o->'id') AND annqa.io_is_int(i.o->'width') AND annqa.io_is_int(i.o->'height')),
    cat AS (SELECT DISTINCT c.o->'id' AS id FROM jsonb_array_elements(doc->'categories') c(o)),
    a AS (
        SELECT a.o, a.n - 1 AS pos, img.w, img.h, cat.id IS NOT NULL AS has_cat, count(*) OVER (PARTITION BY a.o->'id') AS dup
        FROM jsonb_array_elements(doc->'annotations') WITH ORDINALITY a(o, n)
        LEFT JOIN img ON img.id = a.o->'image_id'
        LEFT JOIN cat ON cat.id = a.o->'category_id')
    SELECT format('annotations[%s]', a.pos), p.problem
    FROM a, LATERAL annqa.io_coco_check_annotation(a.o, a.w, a.h, a.has_cat, a.dup) p(problem)
    WHERE p.problem IS NOT NULL;
END $$;
COMMENT ON FUNCTION annqa.validate_coco(jsonb) IS
    'the problems of a COCO instances file, one row per problem (none when valid): ids unique and non-zero, every annotation''s image and category exist, bbox inside its image, area consistent with the RLE, polygon or bbox, RLE size = image size, polygons of at least 3 points';

-- The problems of one annotation of a COCO file (w, h: its image, NULL when missing).
CREATE FUNCTION annqa.io_coco_check_annotation(a jsonb, w float8, h float8, has_cat boolean, dup bigint)
    RETURNS SETOF text
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, annqa, pg_temp
AS $$
DECLARE
    seg jsonb;
    part jsonb;
    bx float8[];
    area float8;
    parea float8 := 0;
    perim float8 := 0;
    rle_area float8;
    g text;
    polys boolean := false;
BEGIN
    IF jsonb_typeof(a) IS DISTINCT FROM 'object' THEN
        RETURN NEXT 'not an object';
        RETURN;
    END IF;
    IF NOT annqa.io_is_int(a->'id') THEN
        RETURN NEXT 'id is missing or not an integer';
    ELSIF (a->>'id')::numeric = 0 THEN
        RETURN NEXT 'id is 0';
    ELSIF dup > 1 THEN
        RETURN NEXT format('annotation id %s is not unique', a->'id');
    END IF;
    IF w IS NULL THEN
        RETURN NEXT format('image_id %s is not an image of the file', coalesce(a->>'image_id', 'null'));
    END IF;
    IF NOT has_cat THEN
        RETURN NEXT format('category_id %s is not a category of the file', coalesce(a->>'category_id', 'null'));
    END IF;
    IF NOT annqa.io_is_numbers(a->'bbox') OR jsonb_array_length(a->'bbox') <> 4 THEN
        RETURN NEXT 'bbox is missing or not 4 numbers';
    ELSE
        bx := annqa.io_float8s(a->'bbox');
        IF bx[3] < 0 OR bx[4] < 0 THEN
            RETURN NEXT 'bbox has a negative width or height';
        ELSIF w IS NOT NULL AND (bx[1] < -1e-6 OR bx[2] < -1e-6 OR bx[1] + bx[3] > w + 1e-6 OR bx[2] + bx[4] > h + 1e-6) THEN
            RETURN NEXT format('bbox %s is not inside its %s x %s image', a->'bbox', w, h);
        END IF;
    END IF;
    IF a ? 'iscrowd' AND NOT (a->'iscrowd' IN ('0', '1')) THEN
        RETURN NEXT 'iscrowd is not 0 or 1';
    END IF;
    IF jsonb_typeof(a->'area') IS DISTINCT FROM 'number' OR (a->>'area')::float8 < 0 THEN
        RETURN NEXT 'area is missing or not a number >= 0';
    ELSE
        area := (a->>'area')::float8;
    END IF;
    seg := a->'segmentation';
    IF jsonb_typeof(seg) = 'object' THEN
        IF NOT annqa.io_is_numbers(seg->'size') OR jsonb_array_length(seg->'size') <> 2 THEN
            RETURN NEXT 'RLE size is not [height, width]';
        ELSIF w IS NOT NULL AND ((seg->'size'->>0)::float8 <> h OR (seg->'size'->>1)::float8 <> w) THEN
            RETURN NEXT format('RLE size %s is not the image size [%s, %s]', seg->'size', h, w);
        ELSE
            BEGIN
                rle_area := annqa.area(annqa.rle_from_coco(seg, (seg->'size'->>0)::int, (seg->'size'->>1)::int));
            EXCEPTION WHEN OTHERS THEN
                RETURN NEXT 'RLE: ' || SQLERRM;
            END;
            IF rle_area IS NOT NULL AND area IS NOT NULL AND abs(rle_area - area) > 1e-6 THEN
                RETURN NEXT format('area %s is not the RLE''s %s pixels', area, rle_area);
            END IF;
        END IF;
    ELSIF jsonb_typeof(seg) = 'array' THEN
        FOR part IN SELECT * FROM jsonb_array_elements(seg) LOOP
            IF NOT annqa.io_is_numbers(part) OR jsonb_array_length(part) % 2 <> 0 THEN
                RETURN NEXT 'a polygon is not an even list of numbers';
            ELSIF jsonb_array_length(part) < 6 THEN
                RETURN NEXT format('a polygon has %s points, fewer than 3', jsonb_array_length(part) / 2);
            ELSE
                g := annqa.io_coco_poly_wkt(jsonb_build_array(part));
                parea := parea + annqa.io_area(annqa.io_geometry(g));
                perim := perim + annqa.io_perimeter(annqa.io_geometry(g));
                polys := true;
            END IF;
        END LOOP;
        -- a COCO polygon area is a pixel count (pycocotools) or the polygon's own area;
        -- the two differ by less than the perimeter
        IF polys AND area IS NOT NULL AND abs(area - parea) > perim + 1 THEN
            RETURN NEXT format('area %s is far from the polygons'' area %s', area, round(parea::numeric, 2));
        END IF;
    ELSIF seg IS NOT NULL AND jsonb_typeof(seg) <> 'null' THEN
        RETURN NEXT 'segmentation is neither a polygon list nor an RLE object';
    END IF;
    IF area IS NOT NULL AND bx IS NOT NULL AND NOT polys AND jsonb_typeof(seg) IS DISTINCT FROM 'object'
       AND area > bx[3] * bx[4] * (1 + 1e-9) + 1e-9 THEN
        RETURN NEXT format('area %s is larger than its bbox', area);
    END IF;
    IF jsonb_typeof(seg) = 'object' AND rle_area IS NOT NULL AND bx IS NOT NULL AND area > bx[3] * bx[4] + 1e-6 THEN
        RETURN NEXT format('area %s is larger than its bbox', area);
    END IF;
END $$;
COMMENT ON FUNCTION annqa.io_coco_check_annotation(jsonb, float8, float8, boolean, bigint) IS
    'validate_coco helper: the problems of one annotation';

CREATE FUNCTION annqa.io_perimeter(g geometry) RETURNS float8
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    SELECT ST_Perimeter(g);
END;
COMMENT ON FUNCTION annqa.io_perimeter(geometry) IS 'validate_coco helper: the perimeter of a polygon';
