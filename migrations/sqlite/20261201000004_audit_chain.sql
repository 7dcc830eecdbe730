-- Each org's audit records form a hash chain (see app/src/ssr/audit/chain.rs): record n of
-- an org stores its number, the hash of record n-1 and its own hash. Org-less records
-- (failed sign-ins, password-reset requests for unknown addresses) are not chained: their
-- chain columns stay NULL and they may be pruned.
ALTER TABLE audit_events ADD COLUMN chain_seq BIGINT;
ALTER TABLE audit_events ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_events ADD COLUMN hash TEXT;

-- Records written before the chain are numbered here in the order they happened. SQL cannot
-- compute SHA-256 in SQLite, so their hashes are filled in by db::audit_events::chain_backfill,
-- which runs right after migrations (db::connect_and_migrate) before anything else writes.
UPDATE audit_events
SET chain_seq = numbered.n
FROM (
    SELECT id, ROW_NUMBER() OVER (PARTITION BY org_id ORDER BY occurred_at, id) AS n
    FROM audit_events
    WHERE org_id IS NOT NULL
) AS numbered
WHERE numbered.id = audit_events.id;

-- What keeps each chain linear: two writers cannot both append record n. (SQLite runs one
-- writer at a time anyway; on PostgreSQL the second insert fails and its transaction retries.)
-- NULLs are distinct, so org-less records are unaffected.
CREATE UNIQUE INDEX audit_events_org_id_chain_seq_key ON audit_events (org_id, chain_seq);

-- The newest record of each org's chain, so an append reads one row instead of scanning,
-- and so losing the last records is noticed. Written in the same transaction as the record.
CREATE TABLE audit_chain_heads (
    org_id      TEXT    NOT NULL,
    seq         BIGINT  NOT NULL,
    hash        TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL,
    CONSTRAINT audit_chain_heads_pkey PRIMARY KEY (org_id),
    CONSTRAINT audit_chain_heads_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs (id)
);
