-- Series affinity: a claim skips issues whose series holds a live lease, looked up by series among running issues.
CREATE INDEX ix_issues_running_series ON issues (blueprint_id, lease_expires_at) WHERE state = 'running';
