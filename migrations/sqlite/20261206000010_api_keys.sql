-- Scoped API keys (/app/api-keys and `callsnare api-key …`).
--
-- The api_keys table has existed since the core schema with nothing writing to it; these
-- columns make it usable. Only a keyed hash of each key is stored (HMAC-SHA256 of the
-- whole key, keyed with a secret this instance keeps in instance_secrets), never the key
-- itself; `prefix` is its first 12 characters (`cs_live_Ab3x`), which name it in lists
-- and audit records. A rotation keeps the key's id and scopes, gives it a new secret, and
-- keeps the earlier secret's hash in `previous_secret_hash` until `previous_expires_at`
-- (the grace period; NULL when there is none). `scopes` holds the stable scope codes,
-- space-separated. `last_used_at` is written from memory about every 30 seconds, not on
-- each request.
ALTER TABLE api_keys ADD COLUMN prefix TEXT NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN mode TEXT NOT NULL DEFAULT 'test' CONSTRAINT api_keys_mode_check CHECK (mode IN ('live', 'test'));
ALTER TABLE api_keys ADD COLUMN expires_at BIGINT;
ALTER TABLE api_keys ADD COLUMN previous_secret_hash TEXT;
ALTER TABLE api_keys ADD COLUMN previous_prefix TEXT;
ALTER TABLE api_keys ADD COLUMN previous_expires_at BIGINT;
ALTER TABLE api_keys ADD COLUMN rotated_at BIGINT;
ALTER TABLE api_keys ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;

-- A request finds its key by the hash of what it presented (either secret).
CREATE UNIQUE INDEX api_keys_secret_hash_key ON api_keys (secret_hash);
CREATE UNIQUE INDEX api_keys_previous_secret_hash_key ON api_keys (previous_secret_hash);
-- Names tell keys apart in the audit trail: unique among an org's keys not revoked.
CREATE UNIQUE INDEX api_keys_org_id_name_key ON api_keys (org_id, name) WHERE revoked_at IS NULL;
-- The key page lists an org's keys newest first; this replaces the (org_id) index.
DROP INDEX api_keys_org_idx;
CREATE INDEX api_keys_org_created_idx ON api_keys (org_id, created_at, id);
