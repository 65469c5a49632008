-- Dead letters that finish: the writes we tried (JSON, field -> value; never a token) and when the next run may try
-- the record again (backoff; NULL is due now). A letter can be discarded: never retried, kept for the record. A
-- discarded letter leaves the unique key like a resolved one, so that a later failure of the same record, after it
-- changed, is a new letter rather than a bump of one a person closed.
ALTER TABLE dead_letter ADD COLUMN payload TEXT NULL;
ALTER TABLE dead_letter ADD COLUMN next_attempt_at TEXT NULL;
DROP INDEX ux_dead_letter_unresolved;
CREATE UNIQUE INDEX ux_dead_letter_unfinished ON dead_letter (object, side, record_id) WHERE status IN ('open', 'parked');
CREATE INDEX ix_dead_letter_due ON dead_letter (object, status, next_attempt_at);
