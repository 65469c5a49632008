-- AbmSync state, version 1. Migrations only ever add: never edit a released file, write the next one.
-- One file for SQLite and PostgreSQL: timestamps are ISO-8601 UTC text (it sorts in time order), ids BIGINT, and
-- {identity} becomes each database's auto-numbered primary key.

-- The twin of each record on the other side.
CREATE TABLE record_link (
    object              TEXT NOT NULL,   -- accounts | contacts | opportunities
    salesforce_id       TEXT NOT NULL,
    hubspot_id          TEXT NOT NULL,
    link_reason         TEXT NOT NULL,   -- created | linked-id | domain | ...
    linked_at           TEXT NOT NULL,
    salesforce_modstamp TEXT NULL,       -- SystemModstamp of the last version processed: de-duplicates overlap reads
    PRIMARY KEY (object, salesforce_id)
);
CREATE UNIQUE INDEX ux_record_link_hubspot ON record_link (object, hubspot_id);

-- What we last wrote, per record and side: reading back our own write changes nothing (no echo).
CREATE TABLE written_values (
    object      TEXT NOT NULL,
    side        TEXT NOT NULL,           -- salesforce | hubspot
    record_id   TEXT NOT NULL,           -- the id on that side
    values_json TEXT NOT NULL,
    hash        TEXT NOT NULL,
    written_at  TEXT NOT NULL,
    PRIMARY KEY (object, side, record_id)
);

-- Incremental read position per object and side: (modified time, id), read again with an overlap window.
CREATE TABLE sync_cursor (
    object      TEXT NOT NULL,
    side        TEXT NOT NULL,
    modified_at TEXT NOT NULL,
    record_id   TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (object, side)
);

CREATE TABLE sync_run (
    id                      {identity},
    object                  TEXT NOT NULL,
    direction               TEXT NOT NULL,
    mode                    TEXT NOT NULL,  -- incremental | full | dry-run
    started_at              TEXT NOT NULL,
    finished_at             TEXT NULL,
    status                  TEXT NOT NULL,  -- running | succeeded | failed | stopped
    records_read            INTEGER NOT NULL DEFAULT 0,
    hubspot_records_written INTEGER NOT NULL DEFAULT 0,
    salesforce_records_written INTEGER NOT NULL DEFAULT 0,
    dead_lettered           INTEGER NOT NULL DEFAULT 0,
    salesforce_calls        INTEGER NOT NULL DEFAULT 0,
    hubspot_calls           INTEGER NOT NULL DEFAULT 0,
    message                 TEXT NULL
);

-- Records that failed, with why; retried on later runs, parked after too many attempts.
CREATE TABLE dead_letter (
    id              {identity},
    object          TEXT NOT NULL,
    side            TEXT NOT NULL,         -- the side whose write failed
    record_id       TEXT NOT NULL,         -- the Salesforce id of the record being synced
    code            TEXT NOT NULL,
    message         TEXT NOT NULL,
    fields          TEXT NULL,
    attempts        INTEGER NOT NULL,
    status          TEXT NOT NULL,         -- open | parked | resolved
    first_failed_at TEXT NOT NULL,
    last_failed_at  TEXT NOT NULL,
    last_run_id     BIGINT NULL
);
CREATE UNIQUE INDEX ux_dead_letter_unresolved ON dead_letter (object, side, record_id) WHERE status <> 'resolved';

-- Every rule decision with its reason; the tier rows are also the population that tier caps are counted over.
CREATE TABLE decision (
    object     TEXT NOT NULL,
    record_id  TEXT NOT NULL,
    kind       TEXT NOT NULL,              -- tier | ...
    value      TEXT NULL,
    score      INTEGER NULL,
    detail     TEXT NULL,                  -- JSON: what the rule looked at (criteria hits, ...)
    reason     TEXT NOT NULL,
    owner_id   TEXT NULL,
    locked     INTEGER NOT NULL DEFAULT 0,
    run_id     BIGINT NULL,
    decided_at TEXT NOT NULL,
    PRIMARY KEY (object, record_id, kind)
);

-- Salesforce users and the HubSpot owner with the same email.
CREATE TABLE owner_identity (
    salesforce_user_id TEXT PRIMARY KEY,
    email              TEXT NOT NULL,
    salesforce_active  INTEGER NOT NULL,
    hubspot_owner_id   TEXT NULL,
    matched_at         TEXT NOT NULL
);
