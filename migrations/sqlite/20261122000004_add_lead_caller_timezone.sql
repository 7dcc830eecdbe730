-- The customer's own timezone when Twilio told us their state or province; quiet hours are
-- read in it (NULL: the business's timezone stands in).
ALTER TABLE leads ADD COLUMN caller_timezone TEXT;
