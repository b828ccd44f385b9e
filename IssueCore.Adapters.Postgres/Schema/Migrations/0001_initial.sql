-- IssueCore schema, version 1. {schema} is replaced by the quoted schema name.

-- Issues: the claim queue. "seq" is the creation order (claims: priority desc, then seq).
CREATE TABLE {schema}.issues (
    seq                     bigserial    NOT NULL UNIQUE,
    id                      text         NOT NULL PRIMARY KEY,
    blueprint_id            text         NOT NULL,
    intent                  text         NOT NULL,
    patch                   text         NULL,       -- RFC 8785 canonical JSON
    rationale               text         NULL,
    bump                    smallint     NOT NULL,
    title                   text         NOT NULL,
    description             text         NULL,
    priority                smallint     NOT NULL,
    labels                  text[]       NOT NULL,
    due_at                  timestamptz  NULL,
    source_type             smallint     NULL,
    source_id               text         NULL,
    triggering_event_id     text         NULL,
    activity_definition_id  text         NULL,
    idempotency_key         text         NULL UNIQUE,
    state                   smallint     NOT NULL,   -- 0 pending, 1 running, 2 applied, 3 rejected, 4 failed
    new_version             text         NULL,
    reason                  text         NULL,
    attempts                integer      NOT NULL DEFAULT 0,
    lease_owner             text         NULL,
    lease_expires_at        timestamptz  NULL,
    not_before              timestamptz  NULL,
    last_error              text         NULL,
    created_at              timestamptz  NOT NULL,
    updated_at              timestamptz  NOT NULL
);
-- The claim walks this index in claim order and stops at the first claimable, unlocked row; it holds
-- only live rows (pending and running), so finished issues never slow claims down.
CREATE INDEX issues_claim_order ON {schema}.issues (priority DESC, seq) WHERE state IN (0, 1);
CREATE INDEX issues_state_seq ON {schema}.issues (state, seq);

-- Blueprint series: one row per series holding its head (locked FOR UPDATE by a compare-and-swap).
CREATE TABLE {schema}.blueprints (
    id            text         NOT NULL PRIMARY KEY,
    head_version  text         NOT NULL,
    archived      boolean      NOT NULL DEFAULT false,
    created_at    timestamptz  NOT NULL,
    updated_at    timestamptz  NOT NULL
);

-- Blueprint versions: the canonical JSON text is what the version hashes; it is verified on read.
CREATE TABLE {schema}.blueprint_versions (
    blueprint_id         text         NOT NULL REFERENCES {schema}.blueprints (id),
    version              text         NOT NULL,
    seq                  bigserial    NOT NULL,
    canonical_json       text         NOT NULL,
    version_label        text         NULL,
    parents              text[]       NOT NULL,
    origin               text         NOT NULL,
    rationale            text         NOT NULL,
    epoch_blueprint_id   text         NULL,
    epoch_start_version  text         NULL,
    epoch_started_at     timestamptz  NULL,
    patch_hash           text         NULL,
    issue_id             text         NULL,
    committed_at         timestamptz  NOT NULL,
    PRIMARY KEY (blueprint_id, version),
    -- One commit per issue and series, so a retried dispatch can never commit twice.
    CONSTRAINT blueprint_versions_one_commit_per_issue UNIQUE (blueprint_id, issue_id)
);
CREATE INDEX blueprint_versions_history ON {schema}.blueprint_versions (blueprint_id, seq DESC);

-- Enhance settings by name (canonical JSON).
CREATE TABLE {schema}.enhance_settings (
    id          text         NOT NULL PRIMARY KEY,
    setting     text         NOT NULL,
    updated_at  timestamptz  NOT NULL
);

-- The append-only enhance log: one entry per issue.
CREATE TABLE {schema}.enhance_log (
    seq               bigserial    NOT NULL PRIMARY KEY,
    issue_id          text         NOT NULL,
    blueprint_id      text         NOT NULL,
    previous_version  text         NULL,
    new_version       text         NULL,
    intent            text         NOT NULL,
    rationale         text         NOT NULL,
    verdicts          text         NOT NULL,   -- canonical JSON array
    outcome           smallint     NOT NULL,   -- 0 applied, 1 rejected
    reasons           text[]       NOT NULL,
    logged_at         timestamptz  NOT NULL,
    CONSTRAINT enhance_log_one_entry_per_issue UNIQUE (issue_id)
);
CREATE INDEX enhance_log_order ON {schema}.enhance_log (logged_at, seq);
CREATE INDEX enhance_log_by_blueprint ON {schema}.enhance_log (blueprint_id, logged_at, seq);

-- Flow runs.
CREATE TABLE {schema}.council_runs (
    seq           bigserial    NOT NULL UNIQUE,
    id            text         NOT NULL PRIMARY KEY,
    flow_id       text         NOT NULL,
    flow_version  text         NULL,
    subject       text         NULL,
    status        smallint     NOT NULL,   -- CouncilRunStatus
    graph         text         NULL,       -- canonical JSON
    created_at    timestamptz  NOT NULL,
    updated_at    timestamptz  NOT NULL
);
CREATE INDEX council_runs_newest ON {schema}.council_runs (created_at DESC, seq DESC);
CREATE INDEX council_runs_by_status ON {schema}.council_runs (status, created_at DESC, seq DESC);

-- One counter row per run: event sequence numbers come from here, so they are never reused, also
-- after events are truncated.
CREATE TABLE {schema}.council_run_counters (
    run_id         text    NOT NULL PRIMARY KEY REFERENCES {schema}.council_runs (id),
    last_sequence  bigint  NOT NULL
);

CREATE TABLE {schema}.council_run_events (
    run_id     text         NOT NULL REFERENCES {schema}.council_runs (id),
    sequence   bigint       NOT NULL,
    wave       integer      NOT NULL,
    kind       text         NOT NULL,
    node_id    text         NULL,
    payload    text         NOT NULL,   -- canonical JSON
    logged_at  timestamptz  NOT NULL,
    PRIMARY KEY (run_id, sequence)
);
CREATE INDEX council_run_events_wave ON {schema}.council_run_events (run_id, wave);
