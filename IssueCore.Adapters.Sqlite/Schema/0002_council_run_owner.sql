-- Runs record which launcher executes them, so a starting host marks only runs that are really abandoned
-- (owner known dead, or no activity since a cutoff) instead of every running run, including live peers' runs.
ALTER TABLE council_runs ADD COLUMN owner TEXT NULL;

CREATE INDEX ix_council_runs_status_updated ON council_runs (status, updated_at);
