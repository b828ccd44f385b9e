-- Series affinity: a claim skips issues whose series holds a live lease, looked up by series among running issues.
CREATE INDEX issues_running_by_series ON {schema}.issues (blueprint_id, lease_expires_at) WHERE state = 1;
