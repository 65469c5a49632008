-- Which process ran each run (host/pid): with several workers on one database, the run log says whose run it was,
-- and a run abandoned by a dead worker names that worker.
ALTER TABLE sync_run ADD COLUMN worker TEXT NULL;
