-- Staff look a customer up by the last four digits of their number, or the whole number:
-- both become index lookups instead of a scan of every lead. The last four digits are an
-- expression index, not a stored column, so there is nothing to keep in step.
CREATE INDEX leads_org_last4_idx ON leads (org_id, substr(caller_number, length(caller_number) - 3));
CREATE INDEX leads_org_caller_idx ON leads (org_id, caller_number);
