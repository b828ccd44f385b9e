-- Approval: an enhance setting can require a person to approve a change before it is committed. The issue waits in
-- state 5 (awaiting approval: no lease, never claimed) with the proposal kept in issue_approvals, one row per issue and
-- round, until a decision is recorded on that row; the enhance log entry names the approver and the note.
CREATE TABLE {schema}.issue_approvals (
    issue_id          text         NOT NULL,
    round             integer      NOT NULL,
    run_id            text         NULL,
    previous_version  text         NOT NULL,
    proposed          text         NOT NULL,   -- canonical JSON of the Blueprint an approval commits
    patch_hash        text         NULL,
    rationale         text         NOT NULL,
    verdicts          text         NOT NULL,   -- canonical JSON array
    epoch_started_at  timestamptz  NOT NULL,
    requested_at      timestamptz  NOT NULL,
    expires_at        timestamptz  NOT NULL,
    verdict           smallint     NULL,       -- 0 approved, 1 rejected, 2 expired; NULL while waiting
    decided_by        text         NULL,
    note              text         NULL,
    decided_at        timestamptz  NULL,
    PRIMARY KEY (issue_id, round)
);

-- The expiry sweep reads waiting approvals in expiry order; decided ones are never scanned.
CREATE INDEX issue_approvals_waiting ON {schema}.issue_approvals (expires_at, issue_id) WHERE verdict IS NULL;

ALTER TABLE {schema}.enhance_log ADD COLUMN approver text NULL;
ALTER TABLE {schema}.enhance_log ADD COLUMN approval_note text NULL;
