-- Sign-in refusal is keyed on the email and the source address together (a lock an
-- attacker who only knows an email cannot impose), and old failures are pruned.
CREATE INDEX login_failures_email_source_idx ON login_failures (email, ip, occurred_at);
CREATE INDEX login_failures_occurred_idx ON login_failures (occurred_at);

-- Where each account last signed in successfully. When an account is under a wide attack
-- (many sources), sign-in stays open from the places its owner is known to use.
CREATE TABLE sign_in_sources (
    user_id          TEXT    NOT NULL,
    -- the client address as failures are counted (an IPv6 /64 as a whole)
    source           TEXT    NOT NULL,
    last_success_at  BIGINT  NOT NULL,
    CONSTRAINT sign_in_sources_pkey PRIMARY KEY (user_id, source),
    CONSTRAINT sign_in_sources_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id)
);
