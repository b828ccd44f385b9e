-- Approval: an enhance setting can require a person to approve a change before it is committed. The issue waits in the
-- state 'awaiting_approval' (holding no lease, never claimed) with the proposal kept in issue_approvals, one row per
-- issue and round, until a decision is recorded on that row; the enhance log entry names the approver and the note.

-- Widen the state check of issues in place. The check only grows (every stored row satisfies the new one), so the
-- documented writable_schema procedure for constraint changes applies: no row is rewritten, and columns added to
-- issues by other migrations are kept. RESET makes this connection reparse the schema; the CREATE TABLE below bumps
-- the schema cookie so every other connection does too.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
SET sql = replace(sql, '''rejected'', ''failed'')', '''rejected'', ''failed'', ''awaiting_approval'')')
WHERE type = 'table' AND name = 'issues' AND instr(sql, '''awaiting_approval''') = 0;
PRAGMA writable_schema = RESET;

CREATE TABLE issue_approvals (
    issue_id          TEXT    NOT NULL,
    round             INTEGER NOT NULL,
    run_id            TEXT    NULL,
    previous_version  TEXT    NOT NULL,
    proposed          TEXT    NOT NULL,
    patch_hash        TEXT    NULL,
    rationale         TEXT    NOT NULL,
    verdicts          TEXT    NOT NULL,
    epoch_started_at  INTEGER NOT NULL,
    requested_at      INTEGER NOT NULL,
    expires_at        INTEGER NOT NULL,
    verdict           TEXT    NULL CHECK (verdict IN ('approved', 'rejected', 'expired')),
    decided_by        TEXT    NULL,
    note              TEXT    NULL,
    decided_at        INTEGER NULL,
    PRIMARY KEY (issue_id, round)
) WITHOUT ROWID;

-- The expiry sweep reads waiting approvals in expiry order; decided ones are never scanned.
CREATE INDEX ix_issue_approvals_waiting ON issue_approvals (expires_at, issue_id) WHERE verdict IS NULL;

ALTER TABLE enhance_log ADD COLUMN approver TEXT NULL;
ALTER TABLE enhance_log ADD COLUMN approval_note TEXT NULL;

ALTER TABLE enhance_settings ADD COLUMN require_approval INTEGER NOT NULL DEFAULT 0;

-- The setting history keeps the flag with each change (NULL for a delete and for changes made before it existed).
ALTER TABLE enhance_setting_history ADD COLUMN require_approval INTEGER NULL;
