-- Council events in append order. A rowid table keeps new events at the right edge of the table, payloads of up to
-- about a page stay on their page (a WITHOUT ROWID table spills any payload over a quarter of a page into overflow
-- pages), and one unique index on (run_id, sequence) serves reads in sequence order, the duplicate check, rewinds
-- (by run, then wave) and purges. An append writes three pages instead of six to nine.
CREATE TABLE council_events_v4 (
    id         INTEGER PRIMARY KEY,
    run_id     TEXT    NOT NULL,
    sequence   INTEGER NOT NULL,
    wave       INTEGER NOT NULL,
    kind       TEXT    NOT NULL,
    node_id    TEXT    NULL,
    payload    TEXT    NOT NULL,
    timestamp  INTEGER NOT NULL
);

INSERT INTO council_events_v4 (run_id, sequence, wave, kind, node_id, payload, timestamp)
SELECT run_id, sequence, wave, kind, node_id, payload, timestamp FROM council_events ORDER BY run_id, sequence;

DROP TABLE council_events;

ALTER TABLE council_events_v4 RENAME TO council_events;

CREATE UNIQUE INDEX ux_council_events_run_sequence ON council_events (run_id, sequence);

-- Every status change, graph write and activity refresh of a run rewrote an entry of this index too. Finding abandoned
-- runs reads the running runs through ix_council_runs_status_created instead (few runs are running at once).
DROP INDEX ix_council_runs_status_updated;
