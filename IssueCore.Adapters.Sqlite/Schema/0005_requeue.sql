-- Requeue: an operator sends a failed or rejected issue back to the queue. Each requeue begins a new round: the issue
-- counts its rounds and where the current round's attempts began (attempts keep counting, so fencing tokens are never
-- reused), every requeue is kept in the issue's history, and the enhance log holds one entry per issue and round.
ALTER TABLE issues ADD COLUMN round INTEGER NOT NULL DEFAULT 0;
ALTER TABLE issues ADD COLUMN round_start_attempts INTEGER NOT NULL DEFAULT 0;

CREATE TABLE issue_requeues (
    issue_id           TEXT    NOT NULL,
    round              INTEGER NOT NULL,
    requested_by       TEXT    NOT NULL,
    requeued_at        INTEGER NOT NULL,
    previous_state     TEXT    NOT NULL CHECK (previous_state IN ('rejected', 'failed')),
    previous_reason    TEXT    NULL,
    previous_attempts  INTEGER NOT NULL,
    PRIMARY KEY (issue_id, round)
) WITHOUT ROWID;

-- SQLite cannot drop the column constraint "issue_id UNIQUE": rebuild the table with the same rows, order and triggers.
DROP TRIGGER tr_enhance_log_no_update;
DROP TRIGGER tr_enhance_log_no_delete;

CREATE TABLE enhance_log_by_round (
    seq               INTEGER PRIMARY KEY AUTOINCREMENT,
    issue_id          TEXT    NOT NULL,
    round             INTEGER NOT NULL DEFAULT 0,
    blueprint_id      TEXT    NOT NULL,
    previous_version  TEXT    NULL,
    new_version       TEXT    NULL,
    intent            TEXT    NOT NULL,
    rationale         TEXT    NOT NULL,
    verdicts          TEXT    NOT NULL,
    outcome           TEXT    NOT NULL,
    reasons           TEXT    NOT NULL,
    timestamp         INTEGER NOT NULL,
    UNIQUE (issue_id, round)
);

INSERT INTO enhance_log_by_round (seq, issue_id, round, blueprint_id, previous_version, new_version, intent, rationale, verdicts, outcome, reasons, timestamp)
SELECT seq, issue_id, 0, blueprint_id, previous_version, new_version, intent, rationale, verdicts, outcome, reasons, timestamp FROM enhance_log;

DROP TABLE enhance_log;
ALTER TABLE enhance_log_by_round RENAME TO enhance_log;

CREATE INDEX ix_enhance_log_timestamp ON enhance_log (timestamp, seq);
CREATE INDEX ix_enhance_log_blueprint ON enhance_log (blueprint_id, timestamp, seq);

CREATE TRIGGER tr_enhance_log_no_update BEFORE UPDATE ON enhance_log
BEGIN
    SELECT RAISE(ABORT, 'enhance log entries are immutable');
END;

CREATE TRIGGER tr_enhance_log_no_delete BEFORE DELETE ON enhance_log
BEGIN
    SELECT RAISE(ABORT, 'enhance log entries are immutable');
END;
