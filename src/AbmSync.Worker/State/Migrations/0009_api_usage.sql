-- One API budget for every run and process on this database: the calls AbmSync made, per system and hour (UTC). A
-- Salesforce day is the last 24 hours (the org's allocation is rolling); a HubSpot day starts at the portal's midnight.
CREATE TABLE api_usage (
    system TEXT NOT NULL,        -- salesforce | hubspot
    hour   TEXT NOT NULL,        -- the hour's start, UTC, ISO-8601
    calls  BIGINT NOT NULL,
    PRIMARY KEY (system, hour)
);
-- What a run expected to spend, beside what it spent (salesforce_calls, hubspot_calls).
ALTER TABLE sync_run ADD COLUMN estimated_salesforce_calls BIGINT NULL;
ALTER TABLE sync_run ADD COLUMN estimated_hubspot_calls BIGINT NULL;
