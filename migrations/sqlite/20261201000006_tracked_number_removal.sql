-- Tracked numbers page (/app/numbers): a number is removed by marking it (removed_at), so
-- its calls, leads and audit records keep pointing at it, while routing ignores it (calls
-- to it get the unknown-number answer). A removed number can be tracked again, by the
-- same org or another: the e164 is unique among active numbers only.
--
-- SQLite cannot drop the table's UNIQUE (e164) constraint, so the table is rebuilt.
-- calls references tracked_numbers (id) and foreign keys are on: dropping the table would
-- orphan every call for a moment, so the check is deferred to the commit, by which time
-- every row is back under the same id (the rows are copied aside, the table is dropped and
-- created anew, and the rows are put back; inserting a parent row settles the deferred
-- violations of its calls). SQLite-only, like the calls rebuild before it.
PRAGMA defer_foreign_keys = ON;

CREATE TABLE tracked_numbers_before_removal AS SELECT * FROM tracked_numbers;
DROP TABLE tracked_numbers;

CREATE TABLE tracked_numbers (
    id                 TEXT     NOT NULL,
    org_id             TEXT     NOT NULL,
    e164               TEXT     NOT NULL,
    label              TEXT     NOT NULL DEFAULT '',
    -- JSON array of E.164 strings, rung simultaneously
    forward_to         TEXT     NOT NULL,
    ring_timeout_secs  INTEGER  NOT NULL DEFAULT 12,
    created_at         BIGINT   NOT NULL,
    updated_at         BIGINT   NOT NULL,
    -- set when an owner or admin removes the number; NULL while it is tracked
    removed_at         BIGINT,
    CONSTRAINT tracked_numbers_pkey PRIMARY KEY (id),
    CONSTRAINT tracked_numbers_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs (id),
    CONSTRAINT tracked_numbers_ring_timeout_check CHECK (ring_timeout_secs BETWEEN 5 AND 600)
);
INSERT INTO tracked_numbers (id, org_id, e164, label, forward_to, ring_timeout_secs, created_at, updated_at)
SELECT id, org_id, e164, label, forward_to, ring_timeout_secs, created_at, updated_at
FROM tracked_numbers_before_removal;
DROP TABLE tracked_numbers_before_removal;

-- one active row per number, across every org (routing finds a call's org by it)
CREATE UNIQUE INDEX tracked_numbers_active_e164_key ON tracked_numbers (e164) WHERE removed_at IS NULL;
CREATE INDEX tracked_numbers_org_id_idx ON tracked_numbers (org_id);

-- each number's last call, for the numbers page (one index entry per call, written once)
CREATE INDEX calls_tracked_number_id_idx ON calls (tracked_number_id, started_at);
