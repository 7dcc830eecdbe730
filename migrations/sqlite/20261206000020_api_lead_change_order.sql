-- The /api/v1 lead list walks an org's leads oldest change first by (updated_at, id), so a
-- syncing client can keep the last `updated_at` it saw as its next `updated_since`. These
-- keep every page an index range walk, with or without the status filter.
CREATE INDEX leads_org_updated_idx ON leads (org_id, updated_at, id);
CREATE INDEX leads_org_status_updated_idx ON leads (org_id, status, updated_at, id);
