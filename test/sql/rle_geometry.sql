-- rle_from_geometry: PostGIS polygons read through WKB, with PostGIS in a
-- schema that is not on the search_path (the BEGIN ATOMIC wrapper binds
-- ST_AsBinary at install time).  Hand-derived areas: a 9x9 square covers 81
-- pixels (frPoly rule), a 2x2 hole removes 4, two 2x2 squares cover 8.
SELECT current_database() AS regress_db \gset
CREATE DATABASE annqa_rle_gis;
\c annqa_rle_gis
SET client_min_messages = warning;
CREATE SCHEMA gis;
CREATE EXTENSION postgis SCHEMA gis;
CREATE EXTENSION annqa;
RESET client_min_messages;
SET search_path = public;

SELECT annqa.area(annqa.rle_from_geometry(gis.ST_GeomFromText('POLYGON((0 0,0 9,9 9,9 0,0 0))'), 12, 12)) AS square_81,
       annqa.area(annqa.rle_from_geometry(gis.ST_GeomFromText(
           'POLYGON((0 0,0 9,9 9,9 0,0 0),(2 2,2 4,4 4,4 2,2 2))'), 12, 12)) AS with_hole_77,
       annqa.area(annqa.rle_from_geometry(gis.ST_GeomFromText(
           'MULTIPOLYGON(((0 0,0 2,2 2,2 0,0 0)),((5 5,5 7,7 7,7 5,5 5)))'), 12, 12)) AS two_squares_8,
       annqa.area(annqa.rle_from_geometry(gis.ST_GeomFromText('POLYGON Z((0 0 1,0 9 1,9 9 1,9 0 1,0 0 1))'), 12, 12)) AS z_ignored_81,
       annqa.area(annqa.rle_from_geometry(gis.ST_GeomFromText('POLYGON M((0 0 1,0 9 1,9 9 1,9 0 1,0 0 1))'), 12, 12)) AS m_ignored_81,
       annqa.area(annqa.rle_from_geometry(gis.ST_GeomFromText('POLYGON ZM((0 0 1 2,0 9 1 2,9 9 1 2,9 0 1 2,0 0 1 2))'), 12, 12)) AS zm_ignored_81,
       annqa.area(annqa.rle_from_geometry(gis.ST_SetSRID(gis.ST_GeomFromText('POLYGON((0 0,0 9,9 9,9 0,0 0))'), 4326), 12, 12)) AS srid_ignored_81;
-- the hole is subtracted exactly as rle_difference; the parts are unioned
-- exactly as rle_union; either ring orientation gives the same mask
SELECT annqa.rle_from_geometry(gis.ST_GeomFromText('POLYGON((0 0,0 9,9 9,9 0,0 0),(2 2,2 4,4 4,4 2,2 2))'), 12, 12)
         OPERATOR(annqa.=) annqa.rle_difference(annqa.rle_from_polygon('{0,0,0,9,9,9,9,0}', 12, 12),
                                               annqa.rle_from_polygon('{2,2,2,4,4,4,4,2}', 12, 12)) AS hole_is_difference,
       annqa.rle_from_geometry(gis.ST_GeomFromText('MULTIPOLYGON(((0 0,0 5,5 5,5 0,0 0)),((3 3,3 8,8 8,8 3,3 3)))'), 12, 12)
         OPERATOR(annqa.=) annqa.rle_union(annqa.rle_from_polygon('{0,0,0,5,5,5,5,0}', 12, 12),
                                          annqa.rle_from_polygon('{3,3,3,8,8,8,8,3}', 12, 12)) AS parts_are_unioned,
       annqa.rle_from_geometry(gis.ST_GeomFromText('POLYGON((0 0,9 0,9 9,0 9,0 0))'), 12, 12)
         OPERATOR(annqa.=) annqa.rle_from_polygon('{0,0,0,9,9,9,9,0}', 12, 12) AS orientation_free,
       -- big-endian WKB of the 9x9 square: order 0, type 3, 1 ring, 5 points (9.0 = 4022000000000000)
       annqa.rle_from_wkb(decode('00000000030000000100000005'
                                 '00000000000000000000000000000000'
                                 '00000000000000004022000000000000'
                                 '40220000000000004022000000000000'
                                 '40220000000000000000000000000000'
                                 '00000000000000000000000000000000', 'hex'), 12, 12)
         OPERATOR(annqa.=) annqa.rle_from_polygon('{0,0,0,9,9,9,9,0}', 12, 12) AS big_endian_wkb;

\c :regress_db
DROP DATABASE annqa_rle_gis;
