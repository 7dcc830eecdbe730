-- Every provider callback updates its lead's `updated_at`, so each index over it costs the
-- webhook path a write. The /api/v1 status filter walks `leads_org_updated_idx` and skips the
-- other statuses (a page of 100 reads a few hundred rows at most); its own index cost the
-- callback path more than it saved the API (back-to-back webhook bench, 2026-12-06).
DROP INDEX leads_org_status_updated_idx;
