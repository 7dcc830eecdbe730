-- The routing settings page: closure dates (holidays) on which the office is closed all
-- day, whatever the weekly hours say. A JSON array of local dates in the org's timezone,
-- "YYYY-MM-DD", sorted; empty when none.
ALTER TABLE routing_settings ADD COLUMN closure_dates TEXT NOT NULL DEFAULT '[]';
