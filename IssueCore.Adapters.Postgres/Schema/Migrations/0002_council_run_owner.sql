-- Runs record which launcher executes them, so a starting host marks only runs that are really abandoned
-- (owner known dead, or no activity since a cutoff) instead of every running run, including live peers' runs.
ALTER TABLE {schema}.council_runs ADD COLUMN owner text NULL;
CREATE INDEX council_runs_by_status_activity ON {schema}.council_runs (status, updated_at);
