-- Invitations, self-service password links and the mail outbox.
--
-- Adding someone to an org creates an invitation, never a membership: the invitee joins by
-- opening the link mailed to them (and, if they already have an account, only while signed
-- in as it). Links travel by mail only; admins never see them.

CREATE TABLE invitations (
    id           TEXT    NOT NULL,
    org_id       TEXT    NOT NULL,
    -- lowercased, as EmailAddress keeps it; compared with users.email on acceptance
    email        TEXT    NOT NULL,
    role         TEXT    NOT NULL,
    -- SHA-256 hex of the token; the token itself is only ever in the mail
    token_hash   TEXT    NOT NULL,
    expires_at   BIGINT  NOT NULL,
    accepted_at  BIGINT,
    revoked_at   BIGINT,
    created_by   TEXT,
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL,
    CONSTRAINT invitations_pkey PRIMARY KEY (id),
    CONSTRAINT invitations_token_hash_key UNIQUE (token_hash),
    CONSTRAINT invitations_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs (id),
    CONSTRAINT invitations_created_by_fkey FOREIGN KEY (created_by) REFERENCES users (id),
    CONSTRAINT invitations_role_check CHECK (role IN ('owner', 'admin', 'staff'))
);
CREATE INDEX invitations_org_id_email_idx ON invitations (org_id, email);

-- Set-password links the account holder asks for ("Forgot password?") belong to no org, so
-- password_tokens.org_id becomes nullable, and a link can now be revoked (member removed,
-- role changed, newer link) as well as used. SQLite cannot alter a column's nullability,
-- so the table is rebuilt under the same constraint and index names. (PostgreSQL would
-- say ALTER COLUMN org_id DROP NOT NULL and ADD COLUMN revoked_at instead.)
CREATE TABLE password_tokens_new (
    id           TEXT    NOT NULL,
    user_id      TEXT    NOT NULL,
    -- the org whose admin issued it; NULL when the account holder asked for it
    org_id       TEXT,
    -- SHA-256 hex of the token; the token itself is only ever in the mail
    token_hash   TEXT    NOT NULL,
    expires_at   BIGINT  NOT NULL,
    used_at      BIGINT,
    revoked_at   BIGINT,
    created_by   TEXT,
    created_at   BIGINT  NOT NULL,
    CONSTRAINT password_tokens_pkey PRIMARY KEY (id),
    CONSTRAINT password_tokens_token_hash_key UNIQUE (token_hash),
    CONSTRAINT password_tokens_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id),
    CONSTRAINT password_tokens_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs (id)
);
INSERT INTO password_tokens_new (id, user_id, org_id, token_hash, expires_at, used_at, created_by, created_at)
    SELECT id, user_id, org_id, token_hash, expires_at, used_at, created_by, created_at FROM password_tokens;
DROP TABLE password_tokens;
ALTER TABLE password_tokens_new RENAME TO password_tokens;
CREATE INDEX password_tokens_user_idx ON password_tokens (user_id);
-- Every link issued before this change was shown to the admin who asked for it, which is
-- how an admin of one org could take over another org's owner: none of them stays usable.
UPDATE password_tokens SET revoked_at = created_at WHERE used_at IS NULL;

-- Mail waiting to go out (invitations, set-password links). Written in the same
-- transaction as the token it carries; a worker delivers it over SMTP when one is
-- configured, otherwise it waits for the operator (`callsnare mail list`).
CREATE TABLE mail_outbox (
    id               TEXT     NOT NULL,
    to_address       TEXT     NOT NULL,
    subject          TEXT     NOT NULL,
    -- invitation | reset_by_admin | reset_requested (limits count per kind)
    kind             TEXT     NOT NULL,
    -- a short sentence and a link; blanked once delivered, and once the link is used,
    -- revoked or expired, so a live link does not linger in the store
    body             TEXT     NOT NULL,
    -- the SHA-256 of the token the link carries, and when that link expires
    token_hash       TEXT     NOT NULL,
    expires_at       BIGINT   NOT NULL,
    attempts         INTEGER  NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT   NOT NULL,
    sent_at          BIGINT,
    -- given up (refused for good, or too many attempts); the body stays for the operator
    failed_at        BIGINT,
    last_error       TEXT,
    created_at       BIGINT   NOT NULL,
    updated_at       BIGINT   NOT NULL,
    CONSTRAINT mail_outbox_pkey PRIMARY KEY (id)
);
CREATE INDEX mail_outbox_due_idx ON mail_outbox (sent_at, failed_at, next_attempt_at);
CREATE INDEX mail_outbox_to_address_idx ON mail_outbox (to_address, kind, created_at);
CREATE INDEX mail_outbox_token_hash_idx ON mail_outbox (token_hash);
