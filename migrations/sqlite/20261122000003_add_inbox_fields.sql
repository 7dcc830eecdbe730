-- What the inbox shows per lead without joining the thread: the last message, when the
-- customer last wrote, when staff last answered (needs-reply = customer spoke last).
ALTER TABLE leads ADD COLUMN last_message_preview TEXT NOT NULL DEFAULT '';
ALTER TABLE leads ADD COLUMN last_inbound_at BIGINT;
ALTER TABLE leads ADD COLUMN last_staff_reply_at BIGINT;
ALTER TABLE leads ADD COLUMN first_staff_response_at BIGINT;
-- set once when nobody responded within the org's escalation window
ALTER TABLE leads ADD COLUMN escalated_at BIGINT;
CREATE INDEX leads_org_status_activity_idx ON leads (org_id, status, last_activity_at, id);
-- Recovery figures count the last 30 days; these keep them index range scans.
CREATE INDEX leads_org_created_idx ON leads (org_id, created_at);
CREATE INDEX messages_org_purpose_created_idx ON messages (org_id, purpose, created_at);
-- The escalation scan only ever looks at untouched new leads.
CREATE INDEX leads_escalation_idx ON leads (created_at) WHERE escalated_at IS NULL AND first_staff_response_at IS NULL AND status = 'new';
