-- A run's graph holds the flow it runs (its "blueprint" member), the same text for every run of a flow version. It is
-- kept once here under the SHA-256 of its text; council_runs.graph then has null in the member's place and graph_part
-- names the text. Rows written before this version keep their whole graph (graph_part NULL) and read as before.
-- A part no run names any more is removed when runs are purged.
CREATE TABLE council_graph_parts (
    hash     TEXT NOT NULL PRIMARY KEY,
    content  TEXT NOT NULL
);

ALTER TABLE council_runs ADD COLUMN graph_part TEXT NULL;
