-- A run proves it is alive by renewing its lease; the run log keeps the last renewal and until when it holds, so
-- that a run whose process died shows as abandoned (with when it was last seen) instead of running forever.
ALTER TABLE sync_run ADD COLUMN heartbeat_at TEXT NULL;
ALTER TABLE sync_run ADD COLUMN lease_expires_at TEXT NULL;
