-- The visual report: annqa.report_html and annqa.item_svg on a tiny hand-built
-- dataset.  Structure is asserted, not byte-exact HTML.
--
-- Dataset rep_ds, batch b1, classes car and '<script>' (a name that must be escaped);
-- annotators rep_gold (gold), rep_a and 'rep_b<&>' (humans).  Items 20 x 10:
--   rep/1 (gold set): gold, rep_a: car box (0,0,5,5); rep_b: '<script>' box (0,0,5,5)
--   rep/2"x: rep_a: an rbox (10,5,4,2,0): corners (8,4) (12,4) (12,6) (8,6);
--            a mask h 4 w 3 counts [1,2,3,2,4]: foreground runs at pixel 1 (column 0,
--            rows 1-2) and pixel 6 (column 1, rows 2-3): 2 rectangles;
--            a mask counts [3,2,7]: one run at pixel 3 of length 2 that crosses from
--            column 0 row 3 into column 1 row 0: 2 rectangles of height 1;
--            keypoints (1,1,v2) (3,3,v0) (5,5,v1): 2 visible circles;
--            a triangle polygon (0 0, 4 0, 4 3);
--          rep_b: a car box (0,0,5,5).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS annqa CASCADE;
RESET client_min_messages;

SELECT annqa.html_escape('<a href="x">Tom & Jerry''s</a>') AS escaped;

INSERT INTO annqa.annotator (name, kind) VALUES ('rep_gold', 'gold'), ('rep_a', 'human'), ('rep_b<&>', 'human');
INSERT INTO annqa.dataset (name) VALUES ('rep_ds');
INSERT INTO annqa.batch (dataset_id, name) SELECT dataset_id, 'b1' FROM annqa.dataset WHERE name = 'rep_ds';
INSERT INTO annqa.label_class (dataset_id, name)
SELECT dataset_id, c FROM annqa.dataset, unnest(ARRAY['car', '<script>']) c WHERE name = 'rep_ds';
INSERT INTO annqa.item (dataset_id, batch_id, uri, width, height, in_gold_set)
SELECT d.dataset_id, b.batch_id, u, 20, 10, u = 'rep/1'
FROM annqa.dataset d JOIN annqa.batch b USING (dataset_id), unnest(ARRAY['rep/1', 'rep/2"x']) u
WHERE d.name = 'rep_ds';
CREATE TEMP VIEW ids AS
SELECT (SELECT item_id FROM annqa.item WHERE uri = 'rep/1') AS i1,
       (SELECT item_id FROM annqa.item WHERE uri = 'rep/2"x') AS i2,
       (SELECT class_id FROM annqa.label_class WHERE name = 'car') AS car,
       (SELECT class_id FROM annqa.label_class WHERE name = '<script>') AS script,
       (SELECT annotator_id FROM annqa.annotator WHERE name = 'rep_gold') AS g,
       (SELECT annotator_id FROM annqa.annotator WHERE name = 'rep_a') AS a,
       (SELECT annotator_id FROM annqa.annotator WHERE name = 'rep_b<&>') AS b;
INSERT INTO annqa.annotation (item_id, annotator_id, class_id, kind, box, rbox, mask, polygon, keypoints)
SELECT x.* FROM ids, LATERAL (VALUES
    (i1, g, car, 'box', annqa.xywh(0, 0, 5, 5), NULL::annqa.rbox, NULL::annqa.rle, NULL::geometry, NULL::float8[]),
    (i1, a, car, 'box', annqa.xywh(0, 0, 5, 5), NULL, NULL, NULL, NULL),
    (i1, b, script, 'box', annqa.xywh(0, 0, 5, 5), NULL, NULL, NULL, NULL),
    (i2, a, car, 'rbox', NULL, '(10,5,4,2,0)', NULL, NULL, NULL),
    (i2, a, car, 'mask', NULL, NULL, '{"size":[4,3],"counts":[1,2,3,2,4]}', NULL, NULL),
    (i2, a, car, 'mask', NULL, NULL, '{"size":[4,3],"counts":[3,2,7]}', NULL, NULL),
    (i2, a, car, 'keypoints', NULL, NULL, NULL, NULL, '{1,1,2,3,3,0,5,5,1}'),
    (i2, a, car, 'polygon', NULL, NULL, NULL, 'POLYGON((0 0,4 0,4 3,0 0))', NULL),
    (i2, b, car, 'box', annqa.xywh(0, 0, 5, 5), NULL, NULL, NULL, NULL)) x;

-- the mask paths, hand-derived from the runs (see the header)
SELECT annqa.mask_svg_path('{"size":[4,3],"counts":[1,2,3,2,4]}') AS two_runs,
       annqa.mask_svg_path('{"size":[4,3],"counts":[3,2,7]}') AS run_across_columns,
       annqa.mask_svg_path('{"size":[4,3],"counts":[12]}') AS empty;
SELECT annqa.svg_path('POLYGON((0 0,4 0,4 3,0 0))') AS triangle,
       annqa.svg_path('POINT(1 2)') IS NULL AS point_is_null;

-- item_svg: counts of each element kind
CREATE TEMP TABLE s AS SELECT annqa.item_svg(i1) AS s1, annqa.item_svg(i2) AS s2 FROM ids;
CREATE FUNCTION pg_temp.occ(hay text, needle text) RETURNS int LANGUAGE sql IMMUTABLE
    RETURN (length(hay) - length(replace(hay, needle, ''))) / length(needle);
SELECT pg_temp.occ(s1, '<svg') AS svg1, pg_temp.occ(s1, '<rect class="box"') AS boxes1,
       pg_temp.occ(s1, 'data-legend=') AS legend1, s1 LIKE '%&lt;script&gt;%' AS script_escaped,
       s1 NOT LIKE '%<script>%' AS no_raw_script, s1 LIKE '%rep_b&lt;&amp;&gt;%' AS annotator_escaped,
       s1 LIKE '%stroke="#000000"%' AS gold_black
FROM s;
SELECT pg_temp.occ(s2, '<rect class="box"') AS boxes2,
       pg_temp.occ(s2, '<polygon class="rbox" points="8.00,4.00 12.00,4.00 12.00,6.00 8.00,6.00"/>') AS rbox,
       pg_temp.occ(s2, '<path class="mask"') AS masks, pg_temp.occ(s2, 'h1v') AS mask_rectangles,
       pg_temp.occ(s2, '<circle class="keypoint"') AS keypoints,
       pg_temp.occ(s2, '<path class="polygon"') AS polygons,
       s2 LIKE '%rep/2&quot;x%' AS uri_escaped,
       s2 LIKE '<svg xmlns="http://www.w3.org/2000/svg" %' AND s2 LIKE '%</svg>' AS wrapped
FROM s;
SELECT annqa.item_svg(-1) IS NULL AS unknown_item;
-- both overlays are well-formed XML; shown 400 pixels wide (20 x 10 image units plus the legend)
SELECT xml_is_well_formed_document(s1) AS s1_xml, xml_is_well_formed_document(s2) AS s2_xml,
       s1 LIKE '<svg xmlns="http://www.w3.org/2000/svg" class="item" width="400" %' AS shown_400_wide
FROM s;

-- the page before any gate decision: a preview of the release checks
-- the quality views read stored match rows: fill them first (sql/60_views.sql)
SELECT annqa.refresh_matches('rep_ds') AS refreshed;
CREATE TEMP TABLE p AS SELECT annqa.report_html('rep_ds', 'b1') AS h;
SELECT left(h, 15) AS start, h LIKE '%</html>' || E'\n' AS ends,
       pg_temp.occ(h, '<svg') AS svgs, pg_temp.occ(h, 'class="chart"') AS charts,
       pg_temp.occ(h, 'class="item"') AS items,
       h LIKE '%no decision yet%' AS preview,
       pg_temp.occ(h, '<tr><td>agreement</td>') AS agreement_check_rows,
       h NOT LIKE '%<script>%' AS no_raw_script, h LIKE '%&lt;script&gt;%' AS script_escaped,
       pg_temp.occ(h, '<section') AS sections
FROM p;
-- every section opened is closed; the checklist has its 18 rows; the page after its
-- doctype is well-formed XML (so every tag is closed and every entity is valid)
SELECT xml_is_well_formed_document(substr(h, 16)) AS page_xml,
       pg_temp.occ(h, '<section') = pg_temp.occ(h, '</section>') AS sections_closed,
       pg_temp.occ(h, '<svg') = pg_temp.occ(h, '</svg>') AS svgs_closed,
       pg_temp.occ(substring(h FROM '<section id="checklist">.*?</section>'), '<tr><td>') AS checklist_rows
FROM p;

-- after a (failing) gate decision the page shows the decision, and the default batch is its batch
CALL annqa.release_gate('b1', 'v1', 'tester', NULL, NULL, 'rep_ds', 1);
SELECT h LIKE '%Gate verdict: <span class="fail">failed</span>%' AS verdict_shown,
       h LIKE '%version v1, decided by tester%' AS decision_shown,
       pg_temp.occ(substring(h FROM '<section id="gate">.*?</section>'), '<tr><td>') AS check_rows,
       pg_temp.occ(h, 'audit sample item') AS audit_items
FROM (SELECT annqa.report_html('rep_ds') AS h) x;

-- agreement by class with its 95 % interval: the estimate of annqa.agreement over the same
-- yes/no rating is the view's kappa, the interval is estimate +- z(0.975) * SE, and every class
-- with a defined interval gets one whisker (<path class="ci">) in the chart
CREATE TEMP TABLE ci AS
SELECT a.class, a.fleiss_kappa, e.*
FROM annqa.agreement_by_class a
JOIN (SELECT k.class_id, (annqa.agreement(u.unit_key, u.annotator_id, CASE WHEN u.class_id = k.class_id THEN 'yes' ELSE 'no' END,
                                          'fleiss_kappa')).*
      FROM annqa.unit_rows u JOIN (SELECT DISTINCT class_id, batch_id FROM annqa.agreement_by_class) k ON k.batch_id = u.batch_id
      GROUP BY k.class_id) e USING (class_id)
JOIN annqa.batch b ON b.batch_id = a.batch_id AND b.name = 'b1';
SELECT class, estimate IS NOT DISTINCT FROM fleiss_kappa AS same_kappa,
       se > 0 AS se_positive,
       abs(ci_lower - (estimate - 1.959963984540054 * se)) < 1e-12 AND abs(ci_upper - (estimate + 1.959963984540054 * se)) < 1e-12 AS wald_95
FROM ci ORDER BY class;
SELECT pg_temp.occ(h, '<path class="ci"') = (SELECT count(*) FROM ci WHERE ci_lower IS NOT NULL) AS one_whisker_per_interval,
       pg_temp.occ(h, '<path class="ci"') AS whiskers, h LIKE '%95% CI%' AS interval_in_tooltip
FROM (SELECT annqa.report_html('rep_ds', 'b1') AS h OFFSET 0) x;

-- pictures under the overlays (annqa.item_image, annqa.item_image_uri)
-- media types from the files' first bytes (the JPEG, PNG, GIF and WebP signatures)
SELECT annqa.image_media_type('\xffd8ffe000104a464946'::bytea) AS jpeg,
       annqa.image_media_type('\x89504e470d0a1a0a0000000d49484452'::bytea) AS png,
       annqa.image_media_type(convert_to('GIF89a....', 'UTF8')) AS gif,
       annqa.image_media_type(convert_to('RIFF....WEBPVP8 ', 'UTF8')) AS webp,
       annqa.image_media_type(convert_to('<svg xmlns=', 'UTF8')) IS NULL AS svg_not_embedded,
       annqa.image_media_type('\x'::bytea) IS NULL AS empty;
-- a real picture, read on the client: LabelMe image 000000.jpg (its size from stat)
\set img `base64 -w0 shared/data/labelme_cars_3annotators/images/000000.jpg`
\set img_bytes `stat -c %s shared/data/labelme_cars_3annotators/images/000000.jpg`
SELECT octet_length(decode(:'img', 'base64')) = :img_bytes AS read_whole_file,
       annqa.image_media_type(decode(:'img', 'base64')) AS labelme_type;
-- no picture yet: the overlay has no <image>; item uris here are relative, so nothing is read
SELECT annqa.item_image_uri(i1) IS NULL AS no_picture, annqa.item_svg(i1) NOT LIKE '%<image%' AS no_image_element FROM ids;
INSERT INTO annqa.item_image (item_id, media_type, bytes) SELECT i1, 'image/jpeg', decode(:'img', 'base64') FROM ids;
-- the overlay draws it first, over the whole 20 x 10 canvas, as a data: URI of the same bytes
SELECT x.s LIKE '%<rect class="canvas"%/><image class="photo" x="0" y="0" width="20" height="10" preserveAspectRatio="none" href="data:image/jpeg;base64,%' AS drawn_first,
       decode(substring(x.s FROM 'href="data:image/jpeg;base64,([^"]*)"'), 'base64') = decode(:'img', 'base64') AS same_bytes,
       xml_is_well_formed_document(x.s) AS still_xml
FROM (SELECT annqa.item_svg(i1) AS s FROM ids) x;
SELECT pg_temp.occ(annqa.report_html('rep_ds', 'b1'), '<image class="photo"') AS pictures_in_report;
-- the media type is checked; an empty file is refused
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE q;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
SELECT pg_temp.err($$UPDATE annqa.item_image SET media_type = 'text/html'$$) AS bad_type;
SELECT pg_temp.err($$UPDATE annqa.item_image SET bytes = '\x'$$) AS empty_file;
-- an absolute local path the server can read: a GIF written by the server into its data directory
SELECT lo_from_bytea(0, '\x47494638396101000100800000ffffff00000021f90401000000002c00000000010001000002024401003b'::bytea) AS gif_oid \gset
SELECT lo_export(:gif_oid, current_setting('data_directory') || '/annqa_report_test.gif') AS exported, lo_unlink(:gif_oid) AS unlinked;
INSERT INTO annqa.item (dataset_id, batch_id, uri, width, height)
SELECT d.dataset_id, b.batch_id, x.u, 1, 1
FROM annqa.dataset d JOIN annqa.batch b USING (dataset_id),
     (VALUES (current_setting('data_directory') || '/annqa_report_test.gif'),
             ('file://' || current_setting('data_directory') || '/annqa_report_test.gif'),
             (current_setting('data_directory') || '/no_such_file.png'),
             (current_setting('data_directory')),
             (current_setting('data_directory') || '/PG_VERSION')) x(u)
WHERE d.name = 'rep_ds';
SELECT replace(i.uri, current_setting('data_directory'), '$PGDATA') AS uri, annqa.item_image_uri(i.item_id) AS picture
FROM annqa.item i WHERE i.uri LIKE '/%' OR i.uri LIKE 'file://%' ORDER BY i.item_id;
-- a caller who may not read server files gets no picture from a path, but does from annqa.item_image
CREATE ROLE regress_annqa_viewer;
GRANT annqa_reviewer TO regress_annqa_viewer;
SET ROLE regress_annqa_viewer;
SELECT count(*) FILTER (WHERE annqa.item_image_uri(i.item_id) IS NOT NULL) AS pictures_for_viewer
FROM annqa.item i WHERE i.uri LIKE '%annqa_report_test.gif' OR i.uri = 'rep/1';
RESET ROLE;
DROP ROLE regress_annqa_viewer;
DELETE FROM annqa.item WHERE uri LIKE '/%' OR uri LIKE 'file://%';

-- stale stored rows: any statement on annotation marks the dataset stale (even one that
-- changes no row); the report then warns once, for its own dataset only, and says so on the page
UPDATE annqa.annotation SET attributes = attributes WHERE false;
SELECT pg_temp.occ(h, '<p id="stale" class="fail">') AS stale_banner, h LIKE '%changed since%' AS says_why
FROM (SELECT annqa.report_html('rep_ds', 'b1') AS h OFFSET 0) x;
SELECT annqa.refresh_matches('rep_ds') AS refreshed;
SELECT pg_temp.occ(annqa.report_html('rep_ds', 'b1'), 'id="stale"') AS no_banner_when_fresh;

-- errors
\set VERBOSITY terse
SELECT annqa.report_html('no such dataset');
SELECT annqa.report_html('rep_ds', 'no such batch');
\set VERBOSITY default
