-- Requeue: an operator sends a failed or rejected issue back to the queue. Each requeue begins a new round: the issue
-- counts its rounds and where the current round's attempts began (attempts keep counting, so fencing tokens are never
-- reused), every requeue is kept in the issue's history, and the enhance log holds one entry per issue and round.
ALTER TABLE {schema}.issues ADD COLUMN round integer NOT NULL DEFAULT 0;
ALTER TABLE {schema}.issues ADD COLUMN round_start_attempts integer NOT NULL DEFAULT 0;

CREATE TABLE {schema}.issue_requeues (
    issue_id           text         NOT NULL,
    round              integer      NOT NULL,
    requested_by       text         NOT NULL,
    requeued_at        timestamptz  NOT NULL,
    previous_state     smallint     NOT NULL,   -- 3 rejected, 4 failed
    previous_reason    text         NULL,
    previous_attempts  integer      NOT NULL,
    PRIMARY KEY (issue_id, round)
);

ALTER TABLE {schema}.enhance_log ADD COLUMN round integer NOT NULL DEFAULT 0;
ALTER TABLE {schema}.enhance_log DROP CONSTRAINT enhance_log_one_entry_per_issue;
ALTER TABLE {schema}.enhance_log ADD CONSTRAINT enhance_log_one_entry_per_issue_round UNIQUE (issue_id, round);
