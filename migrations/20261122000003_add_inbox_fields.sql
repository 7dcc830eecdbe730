-- What the inbox shows per lead without joining the thread: the last message, when the
-- customer last wrote, when staff last answered (needs-reply = customer spoke last).
ALTER TABLE leads ADD COLUMN last_message_preview TEXT NOT NULL DEFAULT '';
ALTER TABLE leads ADD COLUMN last_inbound_at BIGINT;
ALTER TABLE leads ADD COLUMN last_staff_reply_at BIGINT;
ALTER TABLE leads ADD COLUMN first_staff_response_at BIGINT;
CREATE INDEX leads_org_status_activity_idx ON leads (org_id, status, last_activity_at, id);
