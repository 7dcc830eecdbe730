-- The audit viewer (/app/audit and its CSV export) reads an org's records newest first,
-- a page at a time by keyset on (occurred_at, id), optionally filtered by action, actor
-- kind or target. Each index serves one filter with the order already right, so a page
-- (and a date range within a filter) is an index range walk however many records the org
-- has. `audit_events_org_idx` (org_id, occurred_at) lacked the id tie-break and is replaced
-- by the first of these.
CREATE INDEX audit_events_org_occurred_idx ON audit_events (org_id, occurred_at, id);
CREATE INDEX audit_events_org_action_idx ON audit_events (org_id, action, occurred_at, id);
CREATE INDEX audit_events_org_actor_kind_idx ON audit_events (org_id, actor_kind, occurred_at, id);
CREATE INDEX audit_events_org_target_idx ON audit_events (org_id, target_id, occurred_at, id);
DROP INDEX audit_events_org_idx;
