-- Merges. A link whose HubSpot record was merged into another record's twin (hubspot-merged), or whose Salesforce
-- record was merged into its master (salesforce-merged), stays as a tombstone and names the HubSpot record it went
-- into: a child still pointing at the merged-away record is translated to the record that exists. The HubSpot id
-- stays unique per link, so the merged-away id is kept in hubspot_id.
ALTER TABLE record_link ADD COLUMN merged_into TEXT NULL;
