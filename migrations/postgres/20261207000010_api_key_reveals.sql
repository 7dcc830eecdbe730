-- One-time reveals of new API key secrets (the page after /app/api-keys creates or rotates a
-- key), kept in the database so whichever instance answers that page can show the secret.
--
-- The redirect names a random token (`shown`); the row is keyed by its SHA-256 (hex), never
-- the token itself. The secret is sealed (ChaCha20-Poly1305, a random 96-bit nonce per row,
-- stored as nonce || ciphertext || tag) with a key kept in instance_secrets
-- (`api_key_reveal_seal`), and the seal is bound to the row's id, org and member, so it opens
-- for that row only. A reveal is taken with one DELETE … RETURNING (shown at most once, even
-- when two instances race); rows past expires_at (10 minutes after they were made) are
-- deleted by housekeeping (server/src/maintenance.rs). Keep in step with
-- migrations/sqlite/20261207000010_api_key_reveals.sql.
CREATE TABLE api_key_reveals (
    -- SHA-256 hex of the token the redirect names
    id              TEXT     NOT NULL,
    org_id          TEXT     NOT NULL,
    -- the member who made the key: the only one it is shown to
    user_id         TEXT     NOT NULL,
    key_id          TEXT     NOT NULL,
    name            TEXT     NOT NULL,
    -- the key's visible prefix (its first 12 characters)
    prefix          TEXT     NOT NULL,
    -- made by a rotation (not a creation)
    rotated         BOOLEAN  NOT NULL,
    -- after a rotation: until when the earlier secret works
    previous_until  BIGINT,
    -- nonce || ciphertext || tag of the secret; the secret itself is never stored
    sealed_secret   BYTEA    NOT NULL,
    expires_at      BIGINT   NOT NULL,
    created_at      BIGINT   NOT NULL,
    CONSTRAINT api_key_reveals_pkey PRIMARY KEY (id),
    CONSTRAINT api_key_reveals_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs (id) ON DELETE CASCADE
);
-- housekeeping deletes by age
CREATE INDEX api_key_reveals_expires_at_idx ON api_key_reveals (expires_at);
