-- People HubSpot deleted for good (a GDPR delete): a one-way hash of the email, never the email, so that no later
-- sync creates them again from a Salesforce contact or lead with that email.
CREATE TABLE forgotten_person (
    email_hash   TEXT NOT NULL PRIMARY KEY,   -- SHA-256 of the trimmed, lower-case email, hex
    forgotten_at TEXT NOT NULL
);
