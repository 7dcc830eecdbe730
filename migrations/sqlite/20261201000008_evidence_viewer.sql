-- The webhook evidence viewer (/app/evidence).
--
-- Each org keeps a stored callback's payload and headers this many days (7 to 3650, set on
-- the evidence page); the hourly housekeeping then blanks them and stamps `pruned_at`. The
-- row itself (provider, route, time, verdict, outcome, duplicate count, key, answer) stays,
-- and the audit trail is never pruned.
ALTER TABLE orgs ADD COLUMN evidence_retention_days INTEGER NOT NULL DEFAULT 180;
ALTER TABLE webhook_events ADD COLUMN pruned_at BIGINT;

-- The viewer pages newest first by (received_at, id) within an org; this replaces the
-- (org_id, received_at) index it extends.
DROP INDEX webhook_events_org_idx;
CREATE INDEX webhook_events_org_received_idx ON webhook_events (org_id, received_at, id);
