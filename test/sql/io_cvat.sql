-- CVAT for images 1.1 and CVAT for video 1.1 import.
-- The fixtures test/fixtures/io/cvat_images.xml and cvat_video.xml were written
-- by hand from KSCGR ham-egg frames (boxes of annotator_1.txt, frame 0:
-- knife (30,105,29,65), ham (62,177,30,28), cutting_board (10,113,55,64)).
-- Expected values are derived by hand in the comments.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS annqa CASCADE;
RESET client_min_messages;

CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE q;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

\set images `cat fixtures/io/cvat_images.xml`
\set video `cat fixtures/io/cvat_video.xml`

-- images: 2 images, 8 shapes (7 on image 0 by annotator_1's job, 1 on image 1 by annotator_2's)
SELECT annqa.import_cvat('kscgr', :'images', 'b1') - 'problems' AS images;
SELECT annqa.import_cvat('kscgr', :'images', 'b1') - 'problems' AS images_again;
-- Hand derivations:
--  knife box xtl 30 ytl 105 xbr 59 ybr 170, occluded, z_order 2, group 1, attribute state=clean
--  ham box 62..92 x 177..205 rotated 30 degrees -> rbox centre (77, 191), 30 x 28, angle 30;
--    its extent: half-widths 15 cos30 + 14 sin30 = 19.99, 15 sin30 + 14 cos30 = 19.62
--  mask rle "1, 2, 3, 6" over a 4 x 3 box at (0, 149): rows 0110 / 0011 / 1111 -> 8 pixels, bbox [0,149,4,3]
SELECT a.name AS annotator, i.uri, c.name AS label, n.kind, n.box, n.rbox, annqa.area(n.mask) AS mask_area,
       annqa.bbox_xywh(n.mask) AS mask_bbox, ST_AsText(n.polygon) AS polygon, n.keypoints, n.attributes,
       n.occluded, n.z_order, n.group_id
FROM annqa.annotation n JOIN annqa.item i USING (item_id) JOIN annqa.annotator a USING (annotator_id)
JOIN annqa.label_class c USING (class_id) ORDER BY n.source_ref;
-- the mask's pixels row by row inside its box (1 byte per pixel of the 256 x 256 image)
SELECT y, string_agg(get_byte(annqa.rle_to_bitmap(n.mask), y * 256 + x)::text, '' ORDER BY x) AS row
FROM annqa.annotation n, generate_series(149, 151) y, generate_series(0, 3) x
WHERE n.kind = 'mask' GROUP BY y ORDER BY y;
-- classes from meta/labels, also the unused "plate"
SELECT string_agg(name, ',' ORDER BY name) AS classes FROM annqa.label_class;

-- video: track 0 (knife box) keyframes at 0 and 4, outside at 5 -> frames 0..4, 1..3 interpolated:
--   xtl 30 -> 34 and ybr 170 -> 174 in 4 steps: 31/171, 32/172, 33/173
-- track 1 (ham polygon) keyframes at 0 and 2 (moved 2 px right): frame 1 interpolated (+1 px);
--   no outside: it goes on to stop_frame 5 with the shape of frame 2
SELECT annqa.import_cvat('kscgr-video', :'video') - 'problems' AS video;
SELECT annqa.import_cvat('kscgr-video', :'video') - 'problems' AS video_again;
SELECT i.uri, i.video, i.frame, c.name AS label, n.kind, n.box, ST_AsText(n.polygon) AS polygon, n.track_id, n.keyframe,
       n.occluded, n.group_id, a.name AS annotator
FROM annqa.annotation n JOIN annqa.item i USING (item_id) JOIN annqa.annotator a USING (annotator_id)
JOIN annqa.label_class c USING (class_id) JOIN annqa.dataset d ON d.dataset_id = i.dataset_id
WHERE d.name = 'kscgr-video' ORDER BY n.track_id, i.frame;

-- CVAT's interpolation of the frames between keyframes (annqa.cvat_interpolate), on the
-- hand-derived cases of test/unit/test_cvat.c:
-- a box's corners are linear and its rotation takes the shorter arc: 350 -> 10 at 1/2 is 0;
-- a difference of exactly 180 degrees counts as 1 degree, as in CVAT (10 -> 190 at 1/2: 10.5)
SELECT annqa.cvat_interpolate('box', '{0,0,10,10,350}', '{10,20,30,40,10}', 0.5) AS box_wraps,
       annqa.cvat_interpolate('box', '{0,0,10,10,10}', '{0,0,10,10,190}', 0.5) AS half_turn,
       annqa.cvat_interpolate('box', '{0,0,10,10}', '{4,4,14,14}', 0.25) AS no_rotation;
-- points: one point each is linear; otherwise the earlier shape is repeated
SELECT annqa.cvat_interpolate('points', '{0,0}', '{10,20}', 0.5) AS one_point,
       annqa.cvat_interpolate('points', '{0,0,1,1}', '{10,20,11,21}', 0.5) AS two_points_repeat;
-- polylines: (0,0)-(10,0) to (0,10)-(5,10)-(10,10) at 1/2 gains the middle point at 2.5
-- (the new right point ties between both left points by arc length and goes to the first);
-- (0,0)-(0.1,0)-(10,0) to (0,10)-(10,10) at 0.9 merges the two close points into (0.005,9)
SELECT annqa.cvat_interpolate('polyline', '{0,0,10,0}', '{0,10,5,10,10,10}', 0.5) AS gains_point,
       (SELECT array_agg(round(v::numeric, 9) ORDER BY o) FROM unnest(
            annqa.cvat_interpolate('polyline', '{0,0,0.1,0,10,0}', '{0,10,10,10}', 0.9)) WITH ORDINALITY u(v, o)) AS merges;
-- polygons are closed for the computation and the closing point dropped: the square
-- (0,0),(10,0),(10,10),(0,10) to the same square with (5,0) added gives, at 1/2,
-- (0,0),(2.5,0),(10,0),(10,10),(0,10); identical shapes give themselves back
SELECT annqa.cvat_interpolate('polygon', '{0,0,10,0,10,10,0,10}', '{0,0,5,0,10,0,10,10,0,10}', 0.5) AS square_gains_point,
       annqa.cvat_interpolate('polygon', '{1,2,7,3,4,9}', '{1,2,7,3,4,9}', 0.3) AS same_shape;
-- errors
SELECT pg_temp.err($$SELECT annqa.cvat_interpolate('ellipse', '{0,0}', '{1,1}', 0.5)$$) AS unknown_kind,
       pg_temp.err($$SELECT annqa.cvat_interpolate('polygon', '{0,0,1,1}', '{0,0,1,1,2,2}', 0.5)$$) AS two_point_polygon,
       pg_temp.err($$SELECT annqa.cvat_interpolate('polyline', '{0,0,1}', '{0,0,1,1}', 0.5)$$) AS odd_length,
       pg_temp.err($$SELECT annqa.cvat_interpolate('box', '{0,0,1,1,0}', '{0,0,1,1}', 0.5)$$) AS box_lengths,
       pg_temp.err($$SELECT annqa.cvat_interpolate('box', '{0,0,1,1}', '{0,0,1,1}', 'NaN')$$) AS nan_offset,
       pg_temp.err($$SELECT annqa.cvat_interpolate('polyline', '{0,0,1,NULL}', '{0,0,1,1}', 0.5)$$) AS null_element;
SELECT pg_temp.err($$SELECT annqa.cvat_interpolate('polyline', (SELECT array_agg(i) FROM generate_series(1, 30000) i)::float8[],
                                                    (SELECT array_agg(i) FROM generate_series(1, 30000) i)::float8[], 0.5)$$) AS too_large;
-- one shape of more than 1,000,000 points, even against a single point (54000, not an allocation failure)
SELECT pg_temp.err($$SELECT annqa.cvat_interpolate('polyline', (SELECT array_agg(i % 1000) FROM generate_series(1, 2000002) i)::float8[],
                                                    '{0,0,1,1}', 0.5)$$) AS too_many_points;

-- the importer uses it: a video with a polygon that gains a point (frames 0 and 2), a
-- rotated box 350 -> 10 degrees and a two-point "points" shape (repeated, not moved)
\set interp '<annotations><version>1.1</version><meta><task><id>9</id><name>interp</name><size>3</size><mode>interpolation</mode><start_frame>0</start_frame><stop_frame>2</stop_frame><labels><label><name>ham</name></label></labels><original_size><width>256</width><height>256</height></original_size></task></meta><track id="0" label="ham"><polygon frame="0" keyframe="1" outside="0" occluded="0" points="100,100;110,100;110,110;100,110"/><polygon frame="2" keyframe="1" outside="1" occluded="0" points="100,100;105,100;110,100;110,110;100,110"/></track><track id="1" label="ham"><box frame="0" keyframe="1" outside="0" occluded="0" xtl="10" ytl="10" xbr="30" ybr="20" rotation="350"/><box frame="2" keyframe="1" outside="1" occluded="0" xtl="20" ytl="10" xbr="40" ybr="20" rotation="10"/></track><track id="2" label="ham"><points frame="0" keyframe="1" outside="0" occluded="0" points="1,1;2,2"/><points frame="2" keyframe="1" outside="1" occluded="0" points="5,5;6,6"/></track></annotations>'
SELECT annqa.import_cvat('cvat-interp', :'interp') - 'problems' AS interp;
SELECT n.track_id, i.frame, n.kind, n.keyframe, ST_AsText(n.polygon) AS polygon, CASE WHEN n.kind <> 'rbox' THEN n.box END AS box, n.rbox, n.keypoints
FROM annqa.annotation n JOIN annqa.item i USING (item_id) JOIN annqa.dataset d ON d.dataset_id = i.dataset_id
WHERE d.name = 'cvat-interp' ORDER BY n.track_id, i.frame;

-- bad files: a clear error naming the element, and nothing loaded
SELECT count(*) AS before FROM annqa.annotation \gset
SELECT pg_temp.err(format('SELECT annqa.import_cvat(%L, %L)', 'bad', left(:'images', 900))) AS truncated;
SELECT pg_temp.err(format('SELECT annqa.import_cvat(%L, %L)', 'bad', replace(:'images', 'xtl="31"', 'xtl="thirty"'))) AS wrong_type;
SELECT pg_temp.err(format('SELECT annqa.import_cvat(%L, %L)', 'bad', replace(:'images', 'width="256" height="256">
    <box label="knife" source="manual" occluded="0"', 'height="256">
    <box label="knife" source="manual" occluded="0"'))) AS missing_width;
SELECT pg_temp.err(format('SELECT annqa.import_cvat(%L, %L)', 'bad', replace(:'images', 'left="0" top="149"', 'left="254" top="149"'))) AS mask_outside;
SELECT pg_temp.err(format('SELECT annqa.import_cvat(%L, %L)', 'bad', replace(:'images', 'rle="1, 2, 3, 6"', 'rle="1, 2, 3"'))) AS mask_runs;
SELECT pg_temp.err(format('SELECT annqa.import_cvat(%L, %L)', 'bad', replace(:'images', '<polyline ', '<cuboid '))) AS unsupported;
SELECT pg_temp.err(format('SELECT annqa.import_cvat(%L, %L)', 'bad', replace(:'images', 'points="26,170;36,186;47,202"', 'points="26,170"'))) AS short_polyline;
SELECT pg_temp.err(format('SELECT annqa.import_cvat(%L, %L)', 'bad', replace(:'video', 'frame="4"', 'frame="0"'))) AS clashing_frames;
SELECT pg_temp.err(format('SELECT annqa.import_cvat(%L, %L)', 'bad', replace(:'video', '<original_size><width>256</width><height>256</height></original_size>', ''))) AS video_without_size;
SELECT pg_temp.err($$SELECT annqa.import_cvat('bad', '<annotations><version>2.0</version></annotations>')$$) AS version;
SELECT pg_temp.err($$SELECT annqa.import_cvat('bad', '<html/>')$$) AS not_cvat;
SELECT count(*) - :before AS loaded, (SELECT count(*) FROM annqa.dataset WHERE name = 'bad') AS bad_datasets FROM annqa.annotation;
-- on_error => 'skip': the good shapes load, the bad ones are listed
SELECT r - 'problems' AS counts, jsonb_pretty(r->'problems') AS problems
FROM annqa.import_cvat('skipped', replace(replace(:'images', '<polyline ', '<cuboid '), 'rle="1, 2, 3, 6"', 'rle="1, 2, 3"'),
                       on_error => 'skip') r;

-- ---------------------------------------------------------------- found by a differential run against CVAT's own reader (2026-11-28)
-- A task of frames 0, 2, 4, 6, 8 (frame_filter step=2); segments in relative
-- frames: alice 0-1 (frames 0, 2), bob 2-4 (frames 4, 6, 8).  Track 0:
--   frame 0 keyframe (0,0)-(10,10); frame 2 keyframe="0" (50,50)-(60,60): CVAT's
--   reader drops it and interpolates frame 2 again: t = 1/2 -> (2,2)-(12,12);
--   frame 4 keyframe (4,4)-(14,14) with occluded="true" (CVAT reads only "1": not occluded);
--   frame 8 keyframe outside at (8,8)-(18,18): frame 6 = t 1/2 -> (6,6)-(16,16).
--   Frames 1, 3, 5, 7 are not frames of the task: none.
-- Track 1, a mask track at frames 2 and 6: CVAT makes it one plain mask, frame 2's.
SELECT annqa.import_cvat('cvat-edge', $x$<annotations><version>1.1</version><meta><task><name>v</name><size>5</size>
  <start_frame>0</start_frame><stop_frame>8</stop_frame><frame_filter>step=2</frame_filter>
  <original_size><width>100</width><height>100</height></original_size>
  <segments><segment><start>0</start><stop>1</stop><assignee><username>alice</username></assignee></segment>
            <segment><start>2</start><stop>4</stop><assignee><username>bob</username></assignee></segment></segments>
  </task></meta>
  <track id="0" label="car">
    <box frame="0" keyframe="1" outside="0" occluded="0" xtl="0" ytl="0" xbr="10" ybr="10" z_order="0"/>
    <box frame="2" keyframe="0" outside="0" occluded="0" xtl="50" ytl="50" xbr="60" ybr="60" z_order="0"/>
    <box frame="4" keyframe="1" outside="0" occluded="true" xtl="4" ytl="4" xbr="14" ybr="14" z_order="0"/>
    <box frame="8" keyframe="1" outside="1" occluded="0" xtl="8" ytl="8" xbr="18" ybr="18" z_order="0"/>
  </track>
  <track id="1" label="car">
    <mask frame="2" keyframe="1" outside="0" occluded="0" rle="0, 4" left="0" top="0" width="2" height="2" z_order="0"/>
    <mask frame="6" keyframe="1" outside="0" occluded="0" rle="0, 6" left="0" top="0" width="3" height="2" z_order="0"/>
  </track></annotations>$x$) - 'problems' AS counts;
SELECT i.frame, a.name AS annotator, n.track_id, n.kind, n.box, n.keyframe, n.occluded, annqa.area(n.mask) AS mask_area
FROM annqa.annotation n JOIN annqa.item i USING (item_id) JOIN annqa.dataset d ON d.dataset_id = i.dataset_id
JOIN annqa.annotator a USING (annotator_id)
WHERE d.name = 'cvat-edge' ORDER BY n.track_id, i.frame;
-- attributes of a track as CVAT's reader keeps them: only the label's declared
-- attributes (foo is dropped); the immutable one (model) from the track's last
-- shape, the outside one at frame 5 (c) on every frame; the mutable one (color)
-- missing at the frame-3 keyframe carried forward from frame 0 (red)
SELECT annqa.import_cvat('cvat-attrs', $x$<annotations><version>1.1</version><meta><task><name>a</name><size>6</size>
  <start_frame>0</start_frame><stop_frame>5</stop_frame><original_size><width>100</width><height>100</height></original_size>
  <labels><label><name>car</name><attributes>
    <attribute><name>model</name><mutable>False</mutable><input_type>select</input_type></attribute>
    <attribute><name>color</name><mutable>True</mutable><input_type>select</input_type></attribute>
  </attributes></label></labels></task></meta>
  <track id="0" label="car">
    <box frame="0" keyframe="1" outside="0" occluded="0" xtl="0" ytl="0" xbr="10" ybr="10" z_order="0">
      <attribute name="model">a</attribute><attribute name="color">red</attribute><attribute name="foo">x</attribute></box>
    <box frame="3" keyframe="1" outside="0" occluded="0" xtl="3" ytl="3" xbr="13" ybr="13" z_order="0">
      <attribute name="model">b</attribute></box>
    <box frame="5" keyframe="1" outside="1" occluded="0" xtl="5" ytl="5" xbr="15" ybr="15" z_order="0">
      <attribute name="model">c</attribute></box>
  </track></annotations>$x$) - 'problems' AS counts;
SELECT i.frame, n.keyframe, n.attributes
FROM annqa.annotation n JOIN annqa.item i USING (item_id) JOIN annqa.dataset d ON d.dataset_id = i.dataset_id
WHERE d.name = 'cvat-attrs' ORDER BY i.frame;
-- a job export keeps original_size beside <job>, not inside it
SELECT annqa.import_cvat('cvat-job', $x$<annotations><version>1.1</version><meta><job><name>j</name><size>2</size>
  <start_frame>0</start_frame><stop_frame>1</stop_frame></job><original_size><width>10</width><height>10</height></original_size></meta>
  <track id="0" label="car"><box frame="0" keyframe="1" outside="0" occluded="0" xtl="1" ytl="1" xbr="3" ybr="3" z_order="0"/></track>
  </annotations>$x$) - 'problems' AS job_export;
-- polygon coordinates do not depend on the session's extra_float_digits (the
-- WKT was built from float8 text: 15 digits at 0)
SET extra_float_digits = 0;
SELECT annqa.import_cvat('cvat-digits', $x$<annotations><version>1.1</version><meta><task><name>d</name></task></meta>
  <image id="0" name="d.jpg" width="50" height="50">
    <polygon label="car" occluded="0" points="10.987654321098764,1;20,1;20,20" z_order="0"/></image></annotations>$x$) - 'problems' AS digits;
RESET extra_float_digits;
SELECT ST_XMin(n.polygon) = 10.987654321098764::float8 AS exact_x
FROM annqa.annotation n JOIN annqa.item i USING (item_id) JOIN annqa.dataset d ON d.dataset_id = i.dataset_id WHERE d.name = 'cvat-digits';

-- clean up for the tests that follow
DELETE FROM annqa.release;
DELETE FROM annqa.dataset;
DELETE FROM annqa.annotator;
