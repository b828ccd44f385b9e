-- Ingestion identity and traceability: an issue keeps the target_repo its request named and the W3C traceparent it
-- arrived with, and records the flow run of its latest dispatch; an enhance log entry names the run that decided it;
-- a run is found by its subject (the issue it dispatched). Columns only: existing rows read as before (all NULL).
ALTER TABLE issues ADD COLUMN target_repo TEXT NULL;
ALTER TABLE issues ADD COLUMN trace_parent TEXT NULL;
ALTER TABLE issues ADD COLUMN run_id TEXT NULL;

ALTER TABLE enhance_log ADD COLUMN run_id TEXT NULL;

CREATE INDEX ix_council_runs_subject ON council_runs (subject, created_at DESC, seq DESC);
