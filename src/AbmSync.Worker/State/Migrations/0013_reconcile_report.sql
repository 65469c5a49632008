-- The drift each reconciliation left, per pair, for the status page: the last reconcile of a pair, and its history.
CREATE TABLE reconcile_report (
    id          {identity},
    object      TEXT NOT NULL,
    repaired    BOOLEAN NOT NULL,     -- a repair (the counts are what was left after it) or a report only
    finished_at TEXT NOT NULL,        -- UTC, ISO-8601
    drift       TEXT NOT NULL         -- JSON object: category -> count
);
CREATE INDEX reconcile_report_object ON reconcile_report (object, finished_at);
