-- A run's graph holds the flow it runs (its "blueprint" member), the same text for every run of a flow version. It is
-- kept once here under the SHA-256 of its text; council_runs.graph then has null in the member's place and graph_part
-- names the text. Rows written before this version keep their whole graph (graph_part NULL) and read as before.
-- A part no run names any more is removed when runs are purged.
CREATE TABLE council_graph_parts (
    hash     TEXT NOT NULL PRIMARY KEY,
    content  TEXT NOT NULL
);

ALTER TABLE council_runs ADD COLUMN graph_part TEXT NULL;

-- Most runs end completed, and every run wrote an entry of the status index (with its page splits) although completed
-- runs are listed from ix_council_runs_created as well. The status index now holds the other runs only; the statements
-- that read it say "status <> 'completed'".
DROP INDEX ix_council_runs_status_created;

CREATE INDEX ix_council_runs_status_created ON council_runs (status, created_at DESC, seq DESC) WHERE status <> 'completed';
