-- Ingestion identity and traceability: an issue keeps the target_repo its request named and the W3C traceparent it
-- arrived with, and records the flow run of its latest dispatch; an enhance log entry names the run that decided it;
-- a run is found by its subject (the issue it dispatched). Columns only: existing rows read as before (all NULL).
ALTER TABLE {schema}.issues ADD COLUMN target_repo text NULL;
ALTER TABLE {schema}.issues ADD COLUMN trace_parent text NULL;
ALTER TABLE {schema}.issues ADD COLUMN run_id text NULL;

ALTER TABLE {schema}.enhance_log ADD COLUMN run_id text NULL;

CREATE INDEX council_runs_by_subject ON {schema}.council_runs (subject, created_at DESC, seq DESC);
