-- A link has a status: active, or converted (a lead's link once its contact took over the HubSpot record). A
-- converted link stays, unique on both sides as before, so that the lead's HubSpot record is never linked or created
-- again from the lead side.
ALTER TABLE record_link ADD COLUMN status TEXT NOT NULL DEFAULT 'active';
