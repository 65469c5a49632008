-- The rules' snapshot: each record's fields the rules read, as last read, kept with the page that read it. Routing and
-- matching decide over the whole book (capacity, tie-breaks), most of it not read in a given run; `rules diff`
-- evaluates a proposed rules file against it without calling an API. object is the pair (accounts, contacts, leads,
-- opportunities) or "users" (the Salesforce users with their role field and HubSpot teams).
CREATE TABLE rule_subject (
    object     TEXT NOT NULL,
    record_id  TEXT NOT NULL,
    fields     TEXT NOT NULL,              -- JSON object: field name -> text value or null
    run_id     BIGINT NULL,
    read_at    TEXT NOT NULL,
    PRIMARY KEY (object, record_id)
);
