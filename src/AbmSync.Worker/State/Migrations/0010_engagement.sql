-- The state the engagement rules need: the dated signals they score, the HubSpot counters as last read (a rise since
-- then is a signal), and an append-only ledger of every rule decision with its reason, for `explain`.

-- One row per dated signal. source_key is what the signal was read from, so that reading it again adds nothing:
-- meetings/12345 for an activity (and the contact or account it is about), counter/{contactId}/{type}/{at} for a
-- counter's rise. amount is DOUBLE PRECISION on both databases (SQLite gives it REAL affinity): one binary format, so
-- a value reads back the same from either, where NUMERIC would be exact on PostgreSQL and a double on SQLite.
CREATE TABLE engagement_signal (
    id         {identity},
    source_key TEXT NOT NULL UNIQUE,
    type       TEXT NOT NULL,              -- meeting | call | email | note | page-view | ... | backfill
    at         TEXT NOT NULL,
    amount     DOUBLE PRECISION NOT NULL,
    contact_id TEXT NULL,                  -- HubSpot contact id
    account_id TEXT NULL,                  -- Salesforce account id, once the company is linked
    company_id TEXT NULL,                  -- HubSpot company id
    read_at    TEXT NOT NULL
);
CREATE INDEX ix_engagement_signal_account ON engagement_signal (account_id, at);
CREATE INDEX ix_engagement_signal_contact ON engagement_signal (contact_id, at);
-- Signals that knew only their company wait here for the company's link.
CREATE INDEX ix_engagement_signal_company ON engagement_signal (company_id) WHERE account_id IS NULL;

-- Each contact's HubSpot counters as last read: the next read's increase over these is what happened in between.
CREATE TABLE counter_baseline (
    contact_id TEXT NOT NULL,
    type       TEXT NOT NULL,
    value      DOUBLE PRECISION NOT NULL,
    read_at    TEXT NOT NULL,
    PRIMARY KEY (contact_id, type)
);

-- Every rule decision, appended and never changed: a record's current decision of a kind is its latest row. Only
-- retention deletes, and never a record's latest row of a kind.
CREATE TABLE decision_ledger (
    id         {identity},
    object     TEXT NOT NULL,              -- accounts | contacts | ... | engagement
    record_id  TEXT NOT NULL,
    kind       TEXT NOT NULL,              -- tier | engagement | surge | buying-role | coverage | stage | stalled | influence | ...
    value      TEXT NULL,
    previous   TEXT NULL,
    reason     TEXT NOT NULL,
    inputs     TEXT NULL,                  -- JSON: what the rule looked at
    rules_hash TEXT NOT NULL,              -- the rules file the decision was made under
    rule_id    TEXT NULL,
    run_id     BIGINT NULL,
    decided_at TEXT NOT NULL
);
CREATE INDEX ix_decision_ledger_record ON decision_ledger (object, record_id, kind, id);
