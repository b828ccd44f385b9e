-- IssueCore SQLite schema, version 1.
-- Timestamps are UTC ticks (100 ns since 0001-01-01), so they sort and compare as integers.

-- Issues: the claim queue. "seq" gives creation order and keys the pages.
CREATE TABLE issues (
    seq                     INTEGER PRIMARY KEY AUTOINCREMENT,
    id                      TEXT    NOT NULL UNIQUE,
    blueprint_id            TEXT    NOT NULL,
    intent                  TEXT    NOT NULL,
    patch                   TEXT    NULL,
    rationale               TEXT    NULL,
    bump                    INTEGER NOT NULL,
    title                   TEXT    NOT NULL,
    description             TEXT    NULL,
    priority                INTEGER NOT NULL,
    labels                  TEXT    NOT NULL,
    due_at                  INTEGER NULL,
    source_type             INTEGER NULL,
    source_id               TEXT    NULL,
    triggering_event_id     TEXT    NULL,
    activity_definition_id  TEXT    NULL,
    idempotency_key         TEXT    NULL UNIQUE,
    state                   TEXT    NOT NULL CHECK (state IN ('pending', 'running', 'applied', 'rejected', 'failed')),
    new_version             TEXT    NULL,
    reason                  TEXT    NULL,
    attempts                INTEGER NOT NULL DEFAULT 0,
    lease_owner             TEXT    NULL,
    lease_expires_at        INTEGER NULL,
    not_before              INTEGER NULL,
    last_error              TEXT    NULL,
    created_at              INTEGER NOT NULL,
    updated_at              INTEGER NOT NULL
);

-- The claim reads these two partial indexes in claim order; terminal issues are never scanned.
CREATE INDEX ix_issues_pending_claim ON issues (priority DESC, seq) WHERE state = 'pending';
CREATE INDEX ix_issues_running_claim ON issues (priority DESC, seq) WHERE state = 'running';
CREATE INDEX ix_issues_state_seq ON issues (state, seq);

-- Blueprint series: one row per series holding its head, so reading the head is two key lookups
-- however long the history is.
CREATE TABLE blueprint_series (
    blueprint_id   TEXT    NOT NULL PRIMARY KEY,
    head_version   TEXT    NOT NULL,
    head_position  INTEGER NOT NULL,
    archived       INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
) WITHOUT ROWID;

-- Blueprint versions: canonical JSON text addressed by its SHA-256; "position" is 1.. along the chain.
CREATE TABLE blueprint_versions (
    blueprint_id         TEXT    NOT NULL,
    version              TEXT    NOT NULL,
    position             INTEGER NOT NULL,
    content              TEXT    NOT NULL,
    parents              TEXT    NOT NULL,
    rationale            TEXT    NOT NULL,
    epoch_blueprint_id   TEXT    NULL,
    epoch_start_version  TEXT    NULL,
    epoch_started_at     INTEGER NULL,
    patch_hash           TEXT    NULL,
    issue_id             TEXT    NULL,
    origin               TEXT    NOT NULL,
    committed_at         INTEGER NOT NULL,
    PRIMARY KEY (blueprint_id, version)
);

CREATE UNIQUE INDEX ux_blueprint_versions_position ON blueprint_versions (blueprint_id, position);

-- One commit per issue per series: the retry guard is a constraint, not a pre-check.
CREATE UNIQUE INDEX ux_blueprint_versions_issue ON blueprint_versions (blueprint_id, issue_id) WHERE issue_id IS NOT NULL;

-- Enhance settings by name.
CREATE TABLE enhance_settings (
    setting_id          TEXT    NOT NULL PRIMARY KEY,
    orbit_blueprint_id  TEXT    NOT NULL,
    selector            TEXT    NOT NULL,
    verifier_axes       TEXT    NOT NULL,
    ttl_ticks           INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
) WITHOUT ROWID;

-- The append-only enhance log; "seq" breaks timestamp ties in append order.
CREATE TABLE enhance_log (
    seq               INTEGER PRIMARY KEY AUTOINCREMENT,
    issue_id          TEXT    NOT NULL UNIQUE,
    blueprint_id      TEXT    NOT NULL,
    previous_version  TEXT    NULL,
    new_version       TEXT    NULL,
    intent            TEXT    NOT NULL,
    rationale         TEXT    NOT NULL,
    verdicts          TEXT    NOT NULL,
    outcome           TEXT    NOT NULL,
    reasons           TEXT    NOT NULL,
    timestamp         INTEGER NOT NULL
);

CREATE INDEX ix_enhance_log_timestamp ON enhance_log (timestamp, seq);
CREATE INDEX ix_enhance_log_blueprint ON enhance_log (blueprint_id, timestamp, seq);

-- An entry is never changed or removed.
CREATE TRIGGER tr_enhance_log_no_update BEFORE UPDATE ON enhance_log
BEGIN
    SELECT RAISE(ABORT, 'enhance log entries are immutable');
END;

CREATE TRIGGER tr_enhance_log_no_delete BEFORE DELETE ON enhance_log
BEGIN
    SELECT RAISE(ABORT, 'enhance log entries are immutable');
END;

-- Council runs; "last_sequence" is the per-run high-water mark of event numbers, never lowered.
CREATE TABLE council_runs (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id         TEXT    NOT NULL UNIQUE,
    flow_id        TEXT    NOT NULL,
    flow_version   TEXT    NULL,
    subject        TEXT    NULL,
    status         TEXT    NOT NULL CHECK (status IN ('running', 'awaiting_approval', 'interrupted', 'completed', 'failed', 'cancelled')),
    graph          TEXT    NULL,
    last_sequence  INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);

CREATE INDEX ix_council_runs_created ON council_runs (created_at DESC, seq DESC);
CREATE INDEX ix_council_runs_status_created ON council_runs (status, created_at DESC, seq DESC);

CREATE TABLE council_events (
    run_id     TEXT    NOT NULL,
    sequence   INTEGER NOT NULL,
    wave       INTEGER NOT NULL,
    kind       TEXT    NOT NULL,
    node_id    TEXT    NULL,
    payload    TEXT    NOT NULL,
    timestamp  INTEGER NOT NULL,
    PRIMARY KEY (run_id, sequence)
) WITHOUT ROWID;

CREATE INDEX ix_council_events_wave ON council_events (run_id, wave);
