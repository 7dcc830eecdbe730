-- Staff look a customer up by the last four digits of their number, or the whole number:
-- both become index lookups instead of a scan of every lead.
ALTER TABLE leads ADD COLUMN caller_last4 TEXT;
UPDATE leads SET caller_last4 = substr(caller_number, length(caller_number) - 3);
CREATE INDEX leads_org_last4_idx ON leads (org_id, caller_last4);
CREATE INDEX leads_org_caller_idx ON leads (org_id, caller_number);
