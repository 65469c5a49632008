-- The Salesforce org and HubSpot portal this state belongs to, bound on the first run. Links, baselines and cursors
-- mean nothing against another org or portal (a sandbox refreshed from production has other ids, or the same ids for
-- other records): a run against a different pair stops instead of writing.
CREATE TABLE system_binding (
    id                INTEGER NOT NULL PRIMARY KEY,   -- always 1: one binding per state store
    salesforce_org_id TEXT NOT NULL,
    hubspot_portal_id TEXT NOT NULL,
    bound_at          TEXT NOT NULL
);
