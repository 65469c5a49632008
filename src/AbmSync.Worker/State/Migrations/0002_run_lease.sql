-- One run per (object, direction) at a time across every worker on this database. Hangfire may deliver a job twice
-- and its own locks expire under long runs; this lease is renewed while the run lives and expires if its worker dies.
CREATE TABLE run_lease (
    object      TEXT NOT NULL,
    direction   TEXT NOT NULL,
    holder      TEXT NOT NULL,   -- host name, process id and run id of the holder
    acquired_at TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    PRIMARY KEY (object, direction)
);
