-- ======================================================================
-- The visual report: one self-contained HTML page per dataset and batch
-- (inline SVG charts, no external assets) and an SVG overlay per item.
-- Every text that comes from the data goes through annqa.html_escape.
-- ======================================================================

CREATE FUNCTION annqa.html_escape(s text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN replace(replace(replace(replace(replace(s, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;'), '''', '&#39;');
COMMENT ON FUNCTION annqa.html_escape(text) IS
    'text escaped for HTML and SVG content and attribute values: & < > " and '' become entities';

-- The SQL-standard body binds the PostGIS functions at install time, wherever PostGIS lives.
CREATE FUNCTION annqa.svg_path(g geometry) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN CASE WHEN ST_GeometryType(g) IN ('ST_Polygon', 'ST_MultiPolygon', 'ST_LineString', 'ST_MultiLineString')
                THEN ST_AsSVG(ST_Scale(g, 1, -1), 0, 2) END;
COMMENT ON FUNCTION annqa.svg_path(geometry) IS
    'SVG path data (absolute, 2 decimals) of a polygon, multipolygon or linestring in pixel coordinates (y down); NULL for other geometry types';

CREATE FUNCTION annqa.mask_svg_path(m annqa.rle) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $fn$
    -- runs alternate background / foreground starting with background (column-major);
    -- a foreground run [start, stop) is cut at every column boundary (multiples of h)
    WITH r AS (
        SELECT u.o, u.c, (sum(u.c) OVER (ORDER BY u.o))::bigint - u.c AS start
        FROM unnest(annqa.counts(m)) WITH ORDINALITY AS u(c, o)
    ), fg AS (
        SELECT r.start, r.start + r.c AS stop, annqa.height(m)::bigint AS h
        FROM r WHERE r.o % 2 = 0 AND r.c > 0 AND annqa.height(m) > 0
    ), piece AS (
        SELECT col, greatest(fg.start, col * fg.h) AS a, least(fg.stop, (col + 1) * fg.h) AS b, fg.h
        FROM fg, generate_series(fg.start / fg.h, (fg.stop - 1) / fg.h) AS col
    )
    SELECT coalesce(string_agg(format('M%s %sh1v%sh-1z', col, a - col * h, b - a), ' ' ORDER BY a), '')
    FROM piece
$fn$;
COMMENT ON FUNCTION annqa.mask_svg_path(annqa.rle) IS
    'SVG path data of a mask: one 1-pixel-wide rectangle (M x y h1 v len h-1 z) per foreground run and column, traced from the column-major RLE runs';

CREATE FUNCTION annqa.report_colour(n int) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN (ARRAY['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f'])[1 + abs(n) % 10];
COMMENT ON FUNCTION annqa.report_colour(int) IS
    'the n-th colour of the report palette (10 colours, cycling); gold is drawn in black';

CREATE FUNCTION annqa.image_media_type(bytes bytea) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN CASE WHEN substr(bytes, 1, 3) = '\xffd8ff'::bytea THEN 'image/jpeg'
                WHEN substr(bytes, 1, 8) = '\x89504e470d0a1a0a'::bytea THEN 'image/png'
                WHEN substr(bytes, 1, 6) IN ('GIF87a'::bytea, 'GIF89a'::bytea) THEN 'image/gif'
                WHEN substr(bytes, 1, 4) = 'RIFF'::bytea AND substr(bytes, 9, 4) = 'WEBP'::bytea THEN 'image/webp' END;
COMMENT ON FUNCTION annqa.image_media_type(bytea) IS
    'the media type of an image file from its first bytes (JPEG, PNG, GIF, WebP); NULL for anything else';

-- VOLATILE and PARALLEL RESTRICTED: it may read a server file, inside a subtransaction.
CREATE FUNCTION annqa.item_image_uri(item_id bigint) RETURNS text
    LANGUAGE plpgsql VOLATILE STRICT PARALLEL RESTRICTED
AS $fn$
DECLARE
    mt text;
    b bytea;
    path text;
BEGIN
    SELECT x.media_type, x.bytes INTO mt, b FROM annqa.item_image x WHERE x.item_id = item_image_uri.item_id;
    IF NOT FOUND THEN
        -- the item's uri, when it names an absolute local path the server can read and the
        -- caller may read server files (superuser or pg_read_server_files)
        SELECT regexp_replace(i.uri, '^file://', '') INTO path FROM annqa.item i WHERE i.item_id = item_image_uri.item_id;
        IF path IS NULL OR left(path, 1) <> '/'
           OR NOT pg_catalog.pg_has_role(current_user, 'pg_read_server_files', 'MEMBER') THEN
            RETURN NULL;
        END IF;
        BEGIN
            b := pg_catalog.pg_read_binary_file(path, 0, 16777217, true);
        EXCEPTION WHEN OTHERS THEN
            RETURN NULL;   -- unreadable (permissions, a directory, ...): no picture
        END;
        IF b IS NULL OR octet_length(b) > 16777216 THEN
            RETURN NULL;
        END IF;
        mt := annqa.image_media_type(b);
        IF mt IS NULL THEN
            RETURN NULL;
        END IF;
    END IF;
    RETURN 'data:' || mt || ';base64,' || translate(encode(b, 'base64'), E'\n', '');
END
$fn$;
COMMENT ON FUNCTION annqa.item_image_uri(bigint) IS
    'the picture of an item as a data: URI: its annqa.item_image row, else its uri when that is an absolute local path (or file:// URI) of a JPEG, PNG, GIF or WebP file of at most 16 MB that the server can read and the caller may read (superuser or pg_read_server_files); NULL otherwise';

-- PARALLEL RESTRICTED: it calls annqa.item_image_uri.
CREATE FUNCTION annqa.item_svg(item_id bigint) RETURNS text
    LANGUAGE plpgsql STABLE STRICT PARALLEL RESTRICTED
AS $fn$
DECLARE
    it annqa.item;
    w float8;
    h float8;
    body text := '';
    legend text := '';
    r record;
    g text;
    col text;
    u float8;
    lh float8;
    nleg int := 0;
    img text;
BEGIN
    SELECT * INTO it FROM annqa.item x WHERE x.item_id = item_svg.item_id;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    -- the canvas: the item's size, else the extent of its objects
    SELECT coalesce(it.width, greatest(max((an.box[0])[0]), max(annqa.width(an.mask)), 1))::float8,
           coalesce(it.height, greatest(max((an.box[0])[1]), max(annqa.height(an.mask)), 1))::float8
      INTO w, h
    FROM annqa.annotation an WHERE an.item_id = it.item_id;
    -- u: one display pixel in image units (the overlay is shown 400 pixels on its longer side),
    -- so strokes, labels and the legend keep their size whatever the image size
    u := greatest(w, h) / 400;
    lh := 16 * u;
    -- the picture under the overlays, when the item's size is known and its image is available
    IF it.width IS NOT NULL AND it.height IS NOT NULL THEN
        img := annqa.item_image_uri(it.item_id);
        IF img IS NOT NULL THEN
            body := format('<image class="photo" x="0" y="0" width="%s" height="%s" preserveAspectRatio="none" href="%s"/>', w, h, img);
        END IF;
    END IF;

    FOR r IN
        SELECT a.annotator_id, a.name AS annotator, a.kind AS akind,
               dense_rank() OVER (ORDER BY a.kind = 'gold' DESC, a.annotator_id)::int - 1 AS rk,
               bool_or(a.kind = 'gold') OVER () AS has_gold,
               an.annotation_id, an.kind, an.box, an.rbox, an.mask, an.polygon, an.keypoints,
               coalesce(c.name, '<none>') AS label
        FROM annqa.annotation an
        JOIN annqa.annotator a ON a.annotator_id = an.annotator_id
        LEFT JOIN annqa.label_class c ON c.class_id = an.class_id
        WHERE an.item_id = it.item_id
        ORDER BY a.kind = 'gold' DESC, a.annotator_id, an.annotation_id
    LOOP
        col := CASE WHEN r.akind = 'gold' THEN '#000000'
                    ELSE annqa.report_colour(r.rk - CASE WHEN r.has_gold THEN 1 ELSE 0 END) END;
        g := NULL;
        IF r.kind = 'rbox' THEN
            SELECT format('<polygon class="rbox" points="%s"/>',
                          string_agg(format('%s,%s', round(c.v[2 * k - 1]::numeric, 2), round(c.v[2 * k]::numeric, 2)), ' ' ORDER BY k))
              INTO g
            FROM (SELECT annqa.corners(r.rbox) AS v) c, generate_series(1, 4) k;
        ELSIF r.kind = 'mask' THEN
            g := format('<path class="mask" fill="%s" fill-opacity="0.2" stroke="none" d="%s"/>', col, annqa.mask_svg_path(r.mask));
        ELSIF r.kind IN ('polygon', 'polyline') AND annqa.svg_path(r.polygon) IS NOT NULL THEN
            g := format('<path class="%s" d="%s"%s/>', r.kind, annqa.svg_path(r.polygon),
                        CASE WHEN r.kind = 'polygon' THEN ' fill-rule="evenodd"' ELSE '' END);
        ELSIF r.kind = 'keypoints' THEN
            SELECT string_agg(format('<circle class="keypoint" cx="%s" cy="%s" r="%s" fill="%s"/>',
                                     round(r.keypoints[3 * k - 2]::numeric, 2), round(r.keypoints[3 * k - 1]::numeric, 2), round((3 * u)::numeric, 3), col), '' ORDER BY k)
              INTO g
            FROM generate_series(1, coalesce(array_length(r.keypoints, 1), 0) / 3) k
            WHERE r.keypoints[3 * k] > 0;
        ELSIF r.kind = 'points' THEN
            SELECT string_agg(format('<circle class="point" cx="%s" cy="%s" r="%s" fill="%s"/>',
                                     round(r.keypoints[2 * k - 1]::numeric, 2), round(r.keypoints[2 * k]::numeric, 2), round((3 * u)::numeric, 3), col), '' ORDER BY k)
              INTO g
            FROM generate_series(1, coalesce(array_length(r.keypoints, 1), 0) / 2) k;
        END IF;
        IF g IS NULL AND r.box IS NOT NULL AND r.kind <> 'tag' THEN
            g := format('<rect class="box" x="%s" y="%s" width="%s" height="%s"/>',
                        round((r.box[1])[0]::numeric, 2), round((r.box[1])[1]::numeric, 2),
                        round(pg_catalog.width(r.box)::numeric, 2), round(pg_catalog.height(r.box)::numeric, 2));
        END IF;
        IF g IS NOT NULL THEN
            body := body || format('<g stroke="%s" fill="none" stroke-width="%s" data-annotator="%s"><title>%s: %s</title>%s',
                                   col, round((2 * u)::numeric, 3), annqa.html_escape(r.annotator), annqa.html_escape(r.annotator), annqa.html_escape(r.label), g);
            IF r.box IS NOT NULL THEN
                body := body || format('<text x="%s" y="%s" fill="%s" stroke="none" font-size="%s">%s</text>',
                                       round((r.box[1])[0]::numeric, 2), round(((r.box[1])[1] - 2 * u)::numeric, 2), col, round((12 * u)::numeric, 3),
                                       annqa.html_escape(r.label));
            END IF;
            body := body || '</g>';
        END IF;
        IF position(format('data-legend="%s"', r.annotator_id) IN legend) = 0 THEN
            legend := legend || format('<g data-legend="%s"><rect x="%s" y="%s" width="%s" height="%s" fill="%s"/><text x="%s" y="%s" font-size="%s">%s%s</text></g>',
                                       r.annotator_id, round((4 * u)::numeric, 3), round((h + 6 * u + nleg * lh)::numeric, 3),
                                       round((10 * u)::numeric, 3), round((10 * u)::numeric, 3), col,
                                       round((18 * u)::numeric, 3), round((h + 15 * u + nleg * lh)::numeric, 3), round((12 * u)::numeric, 3),
                                       annqa.html_escape(r.annotator), CASE WHEN r.akind = 'gold' THEN ' (gold)' ELSE '' END);
            nleg := nleg + 1;
        END IF;
    END LOOP;
    RETURN format('<svg xmlns="http://www.w3.org/2000/svg" class="item" width="%s" height="%s" viewBox="0 0 %s %s">'
                  '<title>item %s: %s</title><rect class="canvas" x="0" y="0" width="%s" height="%s" fill="#f4f4f4" stroke="#999999" stroke-width="%s"/>%s%s</svg>',
                  round((w / u)::numeric), round(((h + 8 * u + nleg * lh) / u)::numeric),
                  w, round((h + 8 * u + nleg * lh)::numeric, 3), it.item_id, annqa.html_escape(it.uri), w, h, round(u::numeric, 3), body, legend);
END
$fn$;
COMMENT ON FUNCTION annqa.item_svg(bigint) IS
    'an SVG overlay of one item, drawn over its picture (annqa.item_image_uri) when there is one: gold (black) and each annotator''s boxes (rect), rotated boxes (polygon), polygons and polylines (path), masks (path traced from the RLE runs), keypoints (circle), with labels and a legend; NULL when the item does not exist';

CREATE FUNCTION annqa.report_num(x float8, digits int DEFAULT 3) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN x IS NULL THEN '&#8211;'
                WHEN x = 'NaN'::float8 THEN 'NaN'
                ELSE round(x::numeric, digits)::text END;
COMMENT ON FUNCTION annqa.report_num(float8, int) IS
    'a number for the report, rounded to digits decimals; an en dash for NULL';

-- PARALLEL RESTRICTED: it calls annqa.release_checks, which is not marked parallel safe.
-- The views' staleness warnings name every stale dataset, once per view reference; the
-- report checks its own dataset instead: one WARNING, and a banner on the page.
CREATE FUNCTION annqa.report_html(dataset text, batch text DEFAULT NULL) RETURNS text
    LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
    SET annqa.stale_warning = 'off'
AS $fn$
DECLARE
    did bigint;
    bid bigint;
    bname text;
    p annqa.policy;
    rel annqa.release;
    out text;
    part text;
    n int;
    names text[];
    mx float8;
    cell int := 36;
    lab int := 120;
    refreshed timestamptz;
    is_stale boolean;
BEGIN
    IF dataset IS NULL THEN
        RAISE EXCEPTION 'annqa.report_html: dataset is NULL' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT d.dataset_id INTO did FROM annqa.dataset d WHERE d.name = report_html.dataset;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'annqa.report_html: dataset "%" not found', dataset USING ERRCODE = 'undefined_object';
    END IF;
    IF batch IS NOT NULL THEN
        bid := annqa.batch_id(batch, dataset);
    ELSE
        -- the batch of the latest gate decision, else the latest batch
        SELECT coalesce((SELECT r.batch_id FROM annqa.release r WHERE r.dataset_id = did
                         ORDER BY r.decided_at DESC, r.release_id DESC LIMIT 1),
                        (SELECT max(b.batch_id) FROM annqa.batch b WHERE b.dataset_id = did))
          INTO bid;
    END IF;
    SELECT b.name INTO bname FROM annqa.batch b WHERE b.batch_id = bid;
    SELECT * INTO p FROM annqa.policy x WHERE x.dataset_id = did;
    SELECT r.refreshed_at, coalesce(r.stale, true) INTO refreshed, is_stale
    FROM annqa.dataset d LEFT JOIN annqa.match_refresh r ON r.dataset_id = d.dataset_id
    WHERE d.dataset_id = did;
    IF is_stale THEN
        RAISE WARNING 'annqa.report_html: stored match rows of dataset "%" are stale (%): the report shows them as stored',
            dataset, CASE WHEN refreshed IS NULL THEN 'never refreshed' ELSE 'changed since the last refresh' END
            USING HINT = 'run SELECT annqa.refresh_matches(); see annqa.match_status';
    END IF;

    out := format('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"/>'
                  '<meta http-equiv="Content-Security-Policy" content="default-src ''none''; img-src data:; style-src ''unsafe-inline''"/><title>annqa report: %s / %s</title>'
                  '<style>body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:0.5em 0}'
                  'td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}.pass{color:#1a7f37}.fail{color:#c62828}'
                  '.unknown{color:#8a6d00}.gallery{display:flex;flex-wrap:wrap;gap:1em}figure{margin:0}svg{max-width:100%%;height:auto}</style>'
                  '</head><body><h1>annqa report: %s / %s</h1>',
                  annqa.html_escape(dataset), annqa.html_escape(coalesce(bname, 'no batch')),
                  annqa.html_escape(dataset), annqa.html_escape(coalesce(bname, 'no batch')));
    out := out || E'\n';
    IF is_stale THEN
        out := out || format(E'<p id="stale" class="fail">The stored match rows of this dataset are stale (%s): the figures below '
                             'do not include the latest changes. Run <code>SELECT annqa.refresh_matches()</code> and write the report again.</p>\n',
                             annqa.html_escape(coalesce('refreshed at ' || refreshed::text || ', changed since', 'never refreshed')));
    END IF;

    -- 1. the gate verdict, each check against its threshold
    SELECT * INTO rel FROM annqa.release r WHERE r.batch_id = bid
    ORDER BY r.decided_at DESC, r.release_id DESC LIMIT 1;
    IF FOUND THEN
        out := out || format(E'<section id="gate"><h2>Gate verdict: <span class="%s">%s</span></h2>\n<p>%s gate, version %s, decided by %s at %s</p>\n',
                             CASE WHEN rel.passed THEN 'pass' ELSE 'fail' END,
                             CASE WHEN rel.passed THEN 'passed' ELSE 'failed' END,
                             annqa.html_escape(rel.gate), annqa.html_escape(rel.dataset_version),
                             annqa.html_escape(rel.decided_by), annqa.html_escape(rel.decided_at::text));
        SELECT string_agg(format('<tr><td>%s</td><td>%s</td><td>%s</td><td class="%s">%s</td><td>%s</td></tr>',
                                 annqa.html_escape(coalesce(e ->> 'check', '')),
                                 annqa.report_num((e ->> 'value')::float8), annqa.report_num((e ->> 'threshold')::float8),
                                 CASE WHEN (e ->> 'passed')::boolean THEN 'pass' ELSE 'fail' END,
                                 CASE WHEN (e ->> 'passed')::boolean THEN 'pass' ELSE 'fail' END,
                                 annqa.html_escape(coalesce(e ->> 'detail', ''))), E'\n' ORDER BY o)
          INTO part
        FROM jsonb_array_elements(CASE WHEN jsonb_typeof(rel.checks) = 'array' THEN rel.checks ELSE '[]' END) WITH ORDINALITY AS x(e, o);
    ELSIF bid IS NOT NULL THEN
        out := out || E'<section id="gate"><h2>Gate verdict: <span class="unknown">no decision yet</span></h2>\n<p>preview of annqa.release_checks</p>\n';
        SELECT string_agg(format('<tr><td>%s</td><td>%s</td><td>%s</td><td class="%s">%s</td><td>%s</td></tr>',
                                 annqa.html_escape(c.check_name), annqa.report_num(c.value), annqa.report_num(c.threshold),
                                 CASE WHEN c.passed THEN 'pass' ELSE 'fail' END,
                                 CASE WHEN c.passed THEN 'pass' ELSE 'fail' END,
                                 annqa.html_escape(coalesce(c.detail, ''))), E'\n')
          INTO part
        FROM annqa.release_checks(bid) c;
    ELSE
        out := out || E'<section id="gate"><h2>Gate verdict: <span class="unknown">no batch</span></h2>\n';
        part := NULL;
    END IF;
    out := out || E'<table><tr><th>check</th><th>value</th><th>threshold</th><th>verdict</th><th>detail</th></tr>\n'
               || coalesce(part, '') || E'</table></section>\n';

    -- 2. agreement by class: a bar chart of Fleiss kappa, the policy's min_agreement as a line
    SELECT count(*) INTO n FROM annqa.agreement_by_class a WHERE a.batch_id = bid;
    out := out || E'<section id="agreement-by-class"><h2>Agreement by class (Fleiss kappa)</h2>\n';
    IF n = 0 THEN
        out := out || E'<p>no object units rated by two or more raters</p>\n';
    ELSE
        -- the 95 % interval of each class's kappa: annqa.agreement over the same yes/no rating of
        -- the batch's object units as annqa.agreement_by_class (estimate +- 1.96 SE, Fleiss-Nee-Landis)
        SELECT string_agg(format('<g class="bar"><title>%s: kappa %s (95%% CI %s to %s), alpha %s, percent agreement %s, mean IoU %s, %s units</title>'
                                 '<text x="%s" y="%s" text-anchor="end" font-size="12">%s</text>'
                                 '<rect x="%s" y="%s" width="%s" height="16" fill="%s"/>%s'
                                 '<text x="%s" y="%s" font-size="12">%s</text></g>',
                                 annqa.html_escape(a.class), annqa.report_num(a.fleiss_kappa), annqa.report_num(a.ci_lower),
                                 annqa.report_num(a.ci_upper), annqa.report_num(a.krippendorff_alpha),
                                 annqa.report_num(a.percent_agreement), annqa.report_num(a.mean_iou), a.units,
                                 lab - 6, 34 + 22 * (o - 1), annqa.html_escape(a.class),
                                 lab + 150 + 150 * least(0, greatest(-1, coalesce(a.fleiss_kappa, 0))), 21 + 22 * (o - 1),
                                 150 * abs(greatest(-1, least(1, coalesce(a.fleiss_kappa, 0)))),
                                 CASE WHEN a.fleiss_kappa >= p.min_agreement THEN '#2ca02c' ELSE '#d62728' END,
                                 CASE WHEN a.ci_lower IS NOT NULL AND a.ci_upper IS NOT NULL THEN
                                     format('<path class="ci" stroke="#000000" stroke-width="1.5" fill="none" d="M%s %sv8M%s %sH%sM%s %sv8"/>',
                                            round((lab + 150 + 150 * greatest(-1, least(1, a.ci_lower)))::numeric, 1), 25 + 22 * (o - 1),
                                            round((lab + 150 + 150 * greatest(-1, least(1, a.ci_lower)))::numeric, 1), 29 + 22 * (o - 1),
                                            round((lab + 150 + 150 * greatest(-1, least(1, a.ci_upper)))::numeric, 1),
                                            round((lab + 150 + 150 * greatest(-1, least(1, a.ci_upper)))::numeric, 1), 25 + 22 * (o - 1))
                                     ELSE '' END,
                                 lab + 456, 34 + 22 * (o - 1), annqa.report_num(a.fleiss_kappa)), '' ORDER BY o)
          INTO part
        FROM (SELECT a.*, e.ci_lower, e.ci_upper, row_number() OVER (ORDER BY a.class, a.class_id) AS o
              FROM annqa.agreement_by_class a
              LEFT JOIN (SELECT k.class_id, (annqa.agreement(u.unit_key, u.annotator_id,
                                                             CASE WHEN u.class_id = k.class_id THEN 'yes' ELSE 'no' END,
                                                             'fleiss_kappa')).*
                         FROM annqa.unit_rows u
                         JOIN (SELECT DISTINCT x.class_id FROM annqa.agreement_by_class x WHERE x.batch_id = bid) k ON true
                         WHERE u.batch_id = bid
                         GROUP BY k.class_id) e ON e.class_id = a.class_id
              WHERE a.batch_id = bid) a;
        out := out || format('<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="%s" height="%s" viewBox="0 0 %s %s">'
                             '<text x="%s" y="12" font-size="11" text-anchor="middle">-1</text>'
                             '<text x="%s" y="12" font-size="11" text-anchor="middle">0</text>'
                             '<text x="%s" y="12" font-size="11" text-anchor="middle">1</text>'
                             '<line x1="%s" y1="16" x2="%s" y2="%s" stroke="#999999"/>%s'
                             '<line x1="%s" y1="16" x2="%s" y2="%s" stroke="#000000" stroke-dasharray="4 3"><title>min_agreement %s</title></line>'
                             '</svg><p>bars: Fleiss kappa per class (green: at least the policy''s min_agreement %s, dashed line); whiskers: its 95%% confidence interval (estimate &#177; 1.96 SE, Fleiss-Nee-Landis SE under H0)</p>',
                             lab + 500, 26 + 22 * n, lab + 500, 26 + 22 * n,
                             lab, lab + 150, lab + 300,
                             lab + 150, lab + 150, 20 + 22 * n, part,
                             lab + 150 + 150 * p.min_agreement, lab + 150 + 150 * p.min_agreement, 20 + 22 * n,
                             annqa.report_num(p.min_agreement), annqa.report_num(p.min_agreement));
    END IF;
    out := out || E'</section>\n';

    -- 3. annotator x annotator heat map of Cohen kappa (90 pixels right of the grid for the slanted column names)
    SELECT array_agg(DISTINCT m.name_a ORDER BY m.name_a) INTO names FROM annqa.agreement_matrix m WHERE m.batch_id = bid;
    out := out || E'<section id="agreement-matrix"><h2>Annotator &#215; annotator agreement (Cohen kappa)</h2>\n';
    IF names IS NULL THEN
        out := out || E'<p>no pair of raters with common items</p>\n';
    ELSE
        n := cardinality(names);
        SELECT string_agg(format('<rect x="%s" y="%s" width="%s" height="%s" fill="%s"><title>%s &#215; %s: kappa %s, percent agreement %s, mean IoU %s, %s common items</title></rect>'
                                 '<text x="%s" y="%s" font-size="11" text-anchor="middle">%s</text>',
                                 lab + cell * (ja - 1), lab + cell * (ia - 1), cell, cell,
                                 CASE WHEN m.kappa IS NULL THEN '#dddddd'
                                      ELSE format('hsl(%s,70%%,60%%)', round(120 * greatest(0, least(1, m.kappa))::numeric)) END,
                                 annqa.html_escape(m.name_a), annqa.html_escape(m.name_b), annqa.report_num(m.kappa),
                                 annqa.report_num(m.percent_agreement), annqa.report_num(m.mean_iou), m.common_items,
                                 lab + cell * (ja - 1) + cell / 2, lab + cell * (ia - 1) + cell / 2 + 4, annqa.report_num(m.kappa, 2)), '')
          INTO part
        FROM (SELECT m.*, array_position(names, m.name_a) AS ia, array_position(names, m.name_b) AS ja
              FROM annqa.agreement_matrix m WHERE m.batch_id = bid) m;
        SELECT part || string_agg(format('<text x="%s" y="%s" font-size="12" text-anchor="end">%s</text>'
                                         '<text x="%s" y="%s" font-size="12" text-anchor="start" transform="rotate(-45 %s %s)">%s</text>',
                                         lab - 4, lab + cell * (k - 1) + cell / 2 + 4, annqa.html_escape(names[k]),
                                         lab + cell * (k - 1) + cell / 2, lab - 4, lab + cell * (k - 1) + cell / 2, lab - 4,
                                         annqa.html_escape(names[k])), '' ORDER BY k)
          INTO part
        FROM generate_series(1, n) k;
        out := out || format(E'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="%s" height="%s" viewBox="0 0 %s %s">%s</svg>\n',
                             lab + cell * n + 100, lab + cell * n + 10, lab + cell * n + 100, lab + cell * n + 10, part);
    END IF;
    out := out || E'</section>\n';

    -- 4. confusion against gold, all raters of the batch summed, with the unmatched row and column
    SELECT array_agg(DISTINCT l ORDER BY l) INTO names
    FROM (SELECT c.gold_label AS l FROM annqa.confusion c WHERE c.batch_id = bid AND c.gold_label <> 'unmatched'
          UNION SELECT c.annotator_label FROM annqa.confusion c WHERE c.batch_id = bid AND c.annotator_label <> 'unmatched') x;
    out := out || E'<section id="confusion"><h2>Confusion against gold (rows: gold label, columns: annotator label)</h2>\n';
    IF NOT EXISTS (SELECT 1 FROM annqa.confusion c WHERE c.batch_id = bid) THEN
        out := out || E'<p>no gold comparisons in this batch</p>\n';
    ELSE
        names := coalesce(names, '{}') || ARRAY['unmatched'];
        n := cardinality(names);
        SELECT max(s) INTO mx FROM (SELECT sum(c.n) AS s FROM annqa.confusion c WHERE c.batch_id = bid GROUP BY c.gold_label, c.annotator_label) x;
        SELECT string_agg(format('<rect x="%s" y="%s" width="%s" height="%s" fill="%s" fill-opacity="%s" stroke="#cccccc"><title>gold %s, annotator %s: %s</title></rect>'
                                 '<text x="%s" y="%s" font-size="11" text-anchor="middle">%s</text>',
                                 lab + cell * (ja - 1), lab + cell * (ia - 1), cell, cell,
                                 CASE WHEN ia = ja THEN '#2ca02c' ELSE '#d62728' END,
                                 round((0.15 + 0.85 * s / mx)::numeric, 3),
                                 annqa.html_escape(gl), annqa.html_escape(al), s,
                                 lab + cell * (ja - 1) + cell / 2, lab + cell * (ia - 1) + cell / 2 + 4, s), '')
          INTO part
        FROM (SELECT c.gold_label AS gl, c.annotator_label AS al, sum(c.n) AS s,
                     array_position(names, c.gold_label) AS ia, array_position(names, c.annotator_label) AS ja
              FROM annqa.confusion c WHERE c.batch_id = bid GROUP BY 1, 2) c;
        SELECT part || string_agg(format('<text x="%s" y="%s" font-size="12" text-anchor="end">%s</text>'
                                         '<text x="%s" y="%s" font-size="12" text-anchor="start" transform="rotate(-45 %s %s)">%s</text>',
                                         lab - 4, lab + cell * (k - 1) + cell / 2 + 4, annqa.html_escape(names[k]),
                                         lab + cell * (k - 1) + cell / 2, lab - 4, lab + cell * (k - 1) + cell / 2, lab - 4,
                                         annqa.html_escape(names[k])), '' ORDER BY k)
          INTO part
        FROM generate_series(1, n) k;
        out := out || format(E'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="%s" height="%s" viewBox="0 0 %s %s">%s</svg>\n',
                             lab + cell * n + 100, lab + cell * n + 10, lab + cell * n + 100, lab + cell * n + 10, part);
    END IF;
    out := out || E'</section>\n';

    -- 5. per-annotator gold accuracy
    SELECT string_agg(format('<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>',
                             annqa.html_escape(g.annotator), g.gold_items, annqa.report_num(g.accuracy), annqa.report_num(g.precision),
                             annqa.report_num(g.recall), annqa.report_num(g.f1), annqa.report_num(g.mean_iou),
                             g.missing, g.extra, annqa.report_num(g.gold_pass_rate)), E'\n' ORDER BY g.annotator)
      INTO part
    FROM annqa.gold_accuracy g WHERE g.batch_id = bid AND g.all_classes;
    out := out || E'<section id="gold-accuracy"><h2>Gold accuracy per annotator</h2>\n'
               || CASE WHEN part IS NULL THEN E'<p>no gold or validation items in this batch</p>\n'
                       ELSE E'<table><tr><th>annotator</th><th>gold items</th><th>accuracy</th><th>precision</th><th>recall</th><th>F1</th><th>mean IoU</th><th>missing</th><th>extra</th><th>gold pass rate</th></tr>\n'
                            || part || E'</table>\n' END || E'</section>\n';

    -- 6. rework reasons
    SELECT string_agg(format('<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>',
                             annqa.html_escape(x.reason), x.reviews, x.reworked,
                             annqa.report_num(x.reworked::float8 / nullif(x.reviews, 0))), E'\n' ORDER BY x.reworked DESC, x.reason)
      INTO part
    FROM (SELECT r.reason, sum(r.reviews)::bigint AS reviews, sum(r.reworked)::bigint AS reworked
          FROM annqa.rework r WHERE r.batch_id = bid GROUP BY r.reason) x;
    out := out || E'<section id="rework"><h2>Rework reasons</h2>\n'
               || CASE WHEN part IS NULL THEN E'<p>no reviews in this batch</p>\n'
                       ELSE E'<table><tr><th>reason</th><th>reviews</th><th>not accepted</th><th>share not accepted</th></tr>\n'
                            || part || E'</table>\n' END || E'</section>\n';

    -- 7. the pre-release checklist of the dataset
    SELECT string_agg(format('<tr><td>%s</td><td>%s</td><td class="%s">%s</td><td>%s</td></tr>',
                             c.n, annqa.html_escape(c.item), annqa.html_escape(c.status), annqa.html_escape(c.status),
                             annqa.html_escape(coalesce(c.evidence, ''))), E'\n' ORDER BY c.n)
      INTO part
    FROM annqa.checklist c WHERE c.dataset_id = did;
    out := out || E'<section id="checklist"><h2>Pre-release checklist</h2>\n<table><tr><th>#</th><th>item</th><th>status</th><th>evidence</th></tr>\n'
               || coalesce(part, '') || E'</table></section>\n';

    -- 8. the overlay gallery: the audit sample, then the items with the lowest agreement among raters
    SELECT string_agg(format(E'<figure>%s<figcaption>%s item %s: %s</figcaption></figure>\n',
                             annqa.item_svg(g.item_id), g.why, g.item_id, annqa.html_escape(g.uri)), '' ORDER BY g.o, g.item_id)
      INTO part
    FROM (SELECT DISTINCT ON (x.item_id) x.item_id, x.why, x.o, i.uri
          FROM (SELECT s.item_id, 'audit sample' AS why, 1 AS o FROM annqa.audit_sample s WHERE s.batch_id = bid
                UNION ALL
                SELECT w.item_id, format('agreement %s', annqa.report_num(w.agreement)), 2
                FROM (SELECT a.item_id, a.agreement FROM annqa.item_agreement a WHERE a.batch_id = bid
                      ORDER BY a.agreement ASC NULLS LAST, a.item_id LIMIT 6) w) x
          JOIN annqa.item i ON i.item_id = x.item_id
          ORDER BY x.item_id, x.o) g;
    out := out || E'<section id="gallery"><h2>Overlays: audit sample and worst items</h2>\n<div class="gallery">\n'
               || coalesce(part, E'<p>no items</p>\n') || E'</div></section>\n</body></html>\n';
    RETURN out;
END
$fn$;
COMMENT ON FUNCTION annqa.report_html(text, text) IS
    'a self-contained HTML page (inline SVG, no external assets) for a dataset and batch (default: the batch of the latest gate decision, else the latest batch): the gate verdict with each check against its threshold (a preview of annqa.release_checks when no decision yet), agreement by class, the annotator x annotator heat map, the confusion heat map against gold, gold accuracy, rework reasons, the checklist and an overlay gallery of the audit sample and the worst items';
