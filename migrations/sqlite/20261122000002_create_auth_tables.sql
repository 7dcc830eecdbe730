-- Staff sign-in support: failed attempts (throttling evidence) and one-time password links.
-- Sessions live in tower-sessions' own table, created by its store at start-up.

CREATE TABLE login_failures (
    id           TEXT    NOT NULL,
    -- the email as typed (lowercased), whether or not an account exists
    email        TEXT    NOT NULL,
    ip           TEXT,
    occurred_at  BIGINT  NOT NULL,
    CONSTRAINT login_failures_pkey PRIMARY KEY (id)
);
CREATE INDEX login_failures_email_idx ON login_failures (email, occurred_at);

CREATE TABLE password_tokens (
    id           TEXT    NOT NULL,
    user_id      TEXT    NOT NULL,
    -- which org's admin issued it (audit context)
    org_id       TEXT    NOT NULL,
    -- SHA-256 hex of the token; the token itself is shown once and never stored
    token_hash   TEXT    NOT NULL,
    expires_at   BIGINT  NOT NULL,
    used_at      BIGINT,
    created_by   TEXT,
    created_at   BIGINT  NOT NULL,
    CONSTRAINT password_tokens_pkey PRIMARY KEY (id),
    CONSTRAINT password_tokens_token_hash_key UNIQUE (token_hash),
    CONSTRAINT password_tokens_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id),
    CONSTRAINT password_tokens_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs (id)
);
CREATE INDEX password_tokens_user_idx ON password_tokens (user_id);

-- Secrets this instance generated for itself (sandbox without CALLSNARE_SESSION_SECRET), so
-- sessions survive restarts without a secret in the environment.
CREATE TABLE instance_secrets (
    name        TEXT    NOT NULL,
    value       TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    CONSTRAINT instance_secrets_pkey PRIMARY KEY (name)
);
