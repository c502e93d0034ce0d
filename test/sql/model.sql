-- The data model: tables, keys and CHECK constraints, and registration with
-- pg_extension_config_dump so that pg_dump keeps user data.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS annqa CASCADE;
RESET client_min_messages;

-- every table of the model is a configuration table of the extension, and so is its identity sequence
SELECT c.relname, c.relkind
FROM pg_extension e, unnest(e.extconfig) AS t(oid) JOIN pg_class c ON c.oid = t.oid
WHERE e.extname = 'annqa' ORDER BY c.relkind DESC, c.relname;

CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE q;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

INSERT INTO annqa.dataset (name) VALUES ('cars');
INSERT INTO annqa.annotator (name, kind) VALUES ('ann', 'human'), ('gold', 'gold');
INSERT INTO annqa.label_class (dataset_id, name, risk) SELECT dataset_id, 'car', 'normal' FROM annqa.dataset;
INSERT INTO annqa.item (dataset_id, uri, width, height) SELECT dataset_id, 'img/1.jpg', 64, 64 FROM annqa.dataset;
INSERT INTO annqa.annotation (item_id, annotator_id, class_id, kind, box)
SELECT i.item_id, a.annotator_id, c.class_id, 'box', annqa.xywh(1, 2, 10, 20)
FROM annqa.item i, annqa.annotator a, annqa.label_class c;
SELECT count(*) AS annotations FROM annqa.annotation;

-- constraints say no
SELECT pg_temp.err($$INSERT INTO annqa.annotator (name, kind) VALUES ('x', 'robot')$$);
SELECT pg_temp.err($$INSERT INTO annqa.label_class (dataset_id, name, risk) SELECT dataset_id, 'bus', 'deadly' FROM annqa.dataset$$);
SELECT pg_temp.err($$INSERT INTO annqa.label_class (dataset_id, name) SELECT dataset_id, 'car' FROM annqa.dataset$$);
SELECT pg_temp.err($$INSERT INTO annqa.item (dataset_id, uri, width) SELECT dataset_id, 'img/2.jpg', 0 FROM annqa.dataset$$);
SELECT pg_temp.err($$INSERT INTO annqa.annotation (item_id, annotator_id, kind) SELECT item_id, 1, 'box' FROM annqa.item$$);
SELECT pg_temp.err($$INSERT INTO annqa.annotation (item_id, annotator_id, kind) SELECT item_id, 1, 'ellipse' FROM annqa.item$$);
SELECT pg_temp.err($$INSERT INTO annqa.annotation (item_id, annotator_id, kind, box, score) SELECT item_id, 1, 'box', box '((0,0),(1,1))', 1.5 FROM annqa.item$$);
SELECT pg_temp.err($$INSERT INTO annqa.review (item_id, verdict) SELECT item_id, 'rejected' FROM annqa.item$$);
SELECT pg_temp.err($$INSERT INTO annqa.batch (dataset_id, name, status) SELECT dataset_id, 'b1', 'shipped' FROM annqa.dataset$$);
SELECT pg_temp.err($$INSERT INTO annqa.gate_policy (dataset_id, min_gold_pass_rate) SELECT dataset_id, 1.5 FROM annqa.dataset$$);
-- an annotator with annotations cannot be deleted
SELECT pg_temp.err($$DELETE FROM annqa.annotator WHERE name = 'ann'$$);
-- deleting a dataset removes everything under it (items, classes, annotations)
DELETE FROM annqa.dataset;
SELECT (SELECT count(*) FROM annqa.item) AS items, (SELECT count(*) FROM annqa.annotation) AS annotations,
       (SELECT count(*) FROM annqa.label_class) AS classes;
DELETE FROM annqa.annotator;
