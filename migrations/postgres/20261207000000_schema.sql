-- The whole CallSnare schema on PostgreSQL, as one migration: the state that applying
-- every migration in migrations/sqlite/ in order leaves behind (the SQLite ones are the
-- history of existing installs; a PostgreSQL store starts here). Constraint and index
-- names are the SQLite ones, so error mapping and ON CONFLICT targets read the same on
-- both engines, and server/tests/api/schema_parity.rs fails when the two drift apart.
--
-- A schema change from now on is two migrations, one per engine directory, leaving the
-- same shape behind.
--
-- Types: ids and JSON are TEXT; every integer is BIGINT (the Rust side reads i64);
-- flags are BOOLEAN (SQLite declares them BOOLEAN and stores 0/1). Columns keep the
-- order SQLite gives them (ADD COLUMN appends; rebuilt tables list theirs anew).
-- The SQLite data backfills (escalation due times, chain numbers, preview sides, revoked
-- legacy password links) have nothing to work on in a new store and are left out.
-- tower_sessions is created by the session store at start-up, as on SQLite.

CREATE TABLE orgs (
    id                       TEXT    NOT NULL,
    slug                     TEXT    NOT NULL,
    name                     TEXT    NOT NULL,
    timezone                 TEXT    NOT NULL,
    created_at               BIGINT  NOT NULL,
    updated_at               BIGINT  NOT NULL,
    -- days a stored callback keeps its payload and headers (the evidence page sets it)
    evidence_retention_days  BIGINT  NOT NULL DEFAULT 180,
    CONSTRAINT orgs_pkey PRIMARY KEY (id),
    CONSTRAINT orgs_slug_key UNIQUE (slug)
);

CREATE TABLE users (
    id                   TEXT    NOT NULL,
    email                TEXT    NOT NULL,
    name                 TEXT    NOT NULL DEFAULT '',
    password_hash        TEXT    NOT NULL,
    password_changed_at  BIGINT  NOT NULL,
    created_at           BIGINT  NOT NULL,
    updated_at           BIGINT  NOT NULL,
    CONSTRAINT users_pkey PRIMARY KEY (id),
    CONSTRAINT users_email_key UNIQUE (email)
);

CREATE TABLE memberships (
    org_id      TEXT    NOT NULL,
    user_id     TEXT    NOT NULL,
    role        TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL,
    CONSTRAINT memberships_pkey PRIMARY KEY (org_id, user_id),
    CONSTRAINT memberships_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs (id),
    CONSTRAINT memberships_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id),
    CONSTRAINT memberships_role_check CHECK (role IN ('owner', 'admin', 'staff'))
);
CREATE INDEX memberships_user_id_idx ON memberships (user_id);

CREATE TABLE tracked_numbers (
    id                 TEXT    NOT NULL,
    org_id             TEXT    NOT NULL,
    e164               TEXT    NOT NULL,
    label              TEXT    NOT NULL DEFAULT '',
    -- JSON array of E.164 strings, rung simultaneously
    forward_to         TEXT    NOT NULL,
    ring_timeout_secs  BIGINT  NOT NULL DEFAULT 12,
    created_at         BIGINT  NOT NULL,
    updated_at         BIGINT  NOT NULL,
    -- set when an owner or admin removes the number; NULL while it is tracked
    removed_at         BIGINT,
    CONSTRAINT tracked_numbers_pkey PRIMARY KEY (id),
    CONSTRAINT tracked_numbers_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs (id),
    CONSTRAINT tracked_numbers_ring_timeout_check CHECK (ring_timeout_secs BETWEEN 5 AND 600)
);
-- one active row per number, across every org (routing finds a call's org by it)
CREATE UNIQUE INDEX tracked_numbers_active_e164_key ON tracked_numbers (e164) WHERE removed_at IS NULL;
CREATE INDEX tracked_numbers_org_id_idx ON tracked_numbers (org_id);

CREATE TABLE routing_settings (
    org_id                          TEXT     NOT NULL,
    -- JSON: weekly schedule in the org timezone; NULL until an admin sets it (always forward)
    business_hours                  TEXT,
    text_back_template              TEXT     NOT NULL,
    after_hours_greeting            TEXT     NOT NULL,
    cooldown_minutes                BIGINT   NOT NULL DEFAULT 30,
    -- automated follow-ups go out only between these minutes of the recipient's day (8 am-9 pm)
    send_window_start_minute        BIGINT   NOT NULL DEFAULT 480,
    send_window_end_minute          BIGINT   NOT NULL DEFAULT 1260,
    hold_text_backs_in_quiet_hours  BOOLEAN  NOT NULL DEFAULT FALSE,
    escalation_minutes              BIGINT   NOT NULL DEFAULT 10,
    escalation_number               TEXT,
    created_at                      BIGINT   NOT NULL,
    updated_at                      BIGINT   NOT NULL,
    -- JSON array of local dates ("YYYY-MM-DD", sorted) the office is closed all day
    closure_dates                   TEXT     NOT NULL DEFAULT '[]',
    CONSTRAINT routing_settings_pkey PRIMARY KEY (org_id),
    CONSTRAINT routing_settings_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs (id),
    CONSTRAINT routing_settings_cooldown_check CHECK (cooldown_minutes BETWEEN 0 AND 10080)
);

CREATE TABLE leads (
    id                       TEXT     NOT NULL,
    org_id                   TEXT     NOT NULL,
    caller_number            TEXT     NOT NULL,
    name                     TEXT     NOT NULL DEFAULT '',
    address                  TEXT     NOT NULL DEFAULT '',
    notes                    TEXT     NOT NULL DEFAULT '',
    status                   TEXT     NOT NULL DEFAULT 'new',
    source                   TEXT     NOT NULL,
    is_open                  BOOLEAN  NOT NULL DEFAULT TRUE,
    assigned_user_id         TEXT,
    last_activity_at         BIGINT   NOT NULL,
    created_at               BIGINT   NOT NULL,
    updated_at               BIGINT   NOT NULL,
    last_message_preview     TEXT     NOT NULL DEFAULT '',
    last_inbound_at          BIGINT,
    last_staff_reply_at      BIGINT,
    first_staff_response_at  BIGINT,
    -- set once when nobody responded within the org's escalation window
    escalated_at             BIGINT,
    -- the customer's own timezone when Twilio told us their state or province
    caller_timezone          TEXT,
    -- when an untouched new lead escalates (open business minutes from its creation)
    escalation_due_at        BIGINT,
    -- who wrote the text the inbox preview shows; NULL while the lead has no text
    last_message_side        TEXT,
    CONSTRAINT leads_pkey PRIMARY KEY (id),
    CONSTRAINT leads_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs (id),
    CONSTRAINT leads_assigned_user_id_fkey FOREIGN KEY (assigned_user_id) REFERENCES users (id),
    CONSTRAINT leads_status_check CHECK (status IN ('new', 'contacted', 'booked', 'lost', 'spam')),
    CONSTRAINT leads_source_check CHECK (source IN ('missed_call', 'after_hours', 'abandoned', 'text_first')),
    CONSTRAINT leads_last_message_side_check CHECK (last_message_side IN ('customer', 'staff', 'automatic'))
);
-- one open lead per (org, caller): enforced by the database, not by check-then-insert
CREATE UNIQUE INDEX leads_open_caller_key ON leads (org_id, caller_number) WHERE is_open = TRUE;
CREATE INDEX leads_org_activity_idx ON leads (org_id, last_activity_at, id);
CREATE INDEX leads_org_status_activity_idx ON leads (org_id, status, last_activity_at, id);
CREATE INDEX leads_org_created_idx ON leads (org_id, created_at);
CREATE INDEX leads_escalation_due_idx ON leads (escalation_due_at)
    WHERE escalated_at IS NULL AND first_staff_response_at IS NULL AND status = 'new';
-- the last four digits as an expression index; a query uses it only when it spells the
-- expression the same way
CREATE INDEX leads_org_last4_idx ON leads (org_id, substr(caller_number, length(caller_number) - 3));
CREATE INDEX leads_org_caller_idx ON leads (org_id, caller_number);
CREATE INDEX leads_org_updated_idx ON leads (org_id, updated_at, id);

CREATE TABLE calls (
    id                  TEXT    NOT NULL,
    org_id              TEXT    NOT NULL,
    tracked_number_id   TEXT    NOT NULL,
    call_sid            TEXT    NOT NULL,
    from_number         TEXT    NOT NULL,
    to_number           TEXT    NOT NULL,
    status              TEXT    NOT NULL,
    -- answered | missed | abandoned | after_hours; never regresses once set
    outcome             TEXT,
    dial_call_status    TEXT,
    dial_call_duration  BIGINT,
    last_sequence       BIGINT,
    lead_id             TEXT,
    started_at          BIGINT  NOT NULL,
    ended_at            BIGINT,
    created_at          BIGINT  NOT NULL,
    updated_at          BIGINT  NOT NULL,
    -- Twilio's STIR/SHAKEN verdict on the caller ID (inbound webhook only)
    stir_verstat        TEXT,
    CONSTRAINT calls_pkey PRIMARY KEY (id),
    CONSTRAINT calls_org_call_sid_key UNIQUE (org_id, call_sid),
    CONSTRAINT calls_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs (id),
    CONSTRAINT calls_tracked_number_id_fkey FOREIGN KEY (tracked_number_id) REFERENCES tracked_numbers (id),
    CONSTRAINT calls_lead_id_fkey FOREIGN KEY (lead_id) REFERENCES leads (id)
);
CREATE INDEX calls_org_id_idx ON calls (org_id, started_at);
CREATE INDEX calls_tracked_number_id_idx ON calls (tracked_number_id, started_at);

CREATE TABLE lead_events (
    id           TEXT    NOT NULL,
    org_id       TEXT    NOT NULL,
    lead_id      TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    actor_kind   TEXT    NOT NULL,
    actor_id     TEXT,
    -- JSON facts for the timeline; never secrets
    detail       TEXT    NOT NULL DEFAULT '{}',
    occurred_at  BIGINT  NOT NULL,
    CONSTRAINT lead_events_pkey PRIMARY KEY (id),
    CONSTRAINT lead_events_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs (id),
    CONSTRAINT lead_events_lead_id_fkey FOREIGN KEY (lead_id) REFERENCES leads (id)
);
CREATE INDEX lead_events_org_lead_idx ON lead_events (org_id, lead_id, occurred_at);

CREATE TABLE messages (
    id            TEXT    NOT NULL,
    org_id        TEXT    NOT NULL,
    lead_id       TEXT    NOT NULL,
    direction     TEXT    NOT NULL,
    purpose       TEXT    NOT NULL,
    from_number   TEXT    NOT NULL,
    to_number     TEXT    NOT NULL,
    body          TEXT    NOT NULL,
    status        TEXT    NOT NULL,
    provider_sid  TEXT,
    error_code    TEXT,
    -- e.g. 'text_back:<org>:<caller>:<window>' so one text-back per cooldown window is a constraint
    dedupe_key    TEXT,
    call_id       TEXT,
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL,
    CONSTRAINT messages_pkey PRIMARY KEY (id),
    CONSTRAINT messages_provider_sid_key UNIQUE (provider_sid),
    CONSTRAINT messages_dedupe_key_key UNIQUE (dedupe_key),
    CONSTRAINT messages_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs (id),
    CONSTRAINT messages_lead_id_fkey FOREIGN KEY (lead_id) REFERENCES leads (id),
    CONSTRAINT messages_direction_check CHECK (direction IN ('inbound', 'outbound'))
);
CREATE INDEX messages_org_lead_idx ON messages (org_id, lead_id, created_at);
CREATE INDEX messages_org_to_purpose_idx ON messages (org_id, to_number, purpose, created_at);
CREATE INDEX messages_org_purpose_created_idx ON messages (org_id, purpose, created_at);

CREATE TABLE sms_outbox (
    id               TEXT    NOT NULL,
    org_id           TEXT    NOT NULL,
    message_id       TEXT    NOT NULL,
    state            TEXT    NOT NULL DEFAULT 'pending',
    attempts         BIGINT  NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT  NOT NULL,
    last_error       TEXT,
    created_at       BIGINT  NOT NULL,
    updated_at       BIGINT  NOT NULL,
    CONSTRAINT sms_outbox_pkey PRIMARY KEY (id),
    CONSTRAINT sms_outbox_message_id_key UNIQUE (message_id),
    CONSTRAINT sms_outbox_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs (id),
    CONSTRAINT sms_outbox_message_id_fkey FOREIGN KEY (message_id) REFERENCES messages (id),
    CONSTRAINT sms_outbox_state_check CHECK (state IN ('pending', 'sent', 'failed', 'canceled'))
);
CREATE INDEX sms_outbox_due_idx ON sms_outbox (state, next_attempt_at);

CREATE TABLE opt_outs (
    org_id      TEXT     NOT NULL,
    phone       TEXT     NOT NULL,
    opted_out   BOOLEAN  NOT NULL,
    source      TEXT     NOT NULL,
    created_at  BIGINT   NOT NULL,
    updated_at  BIGINT   NOT NULL,
    CONSTRAINT opt_outs_pkey PRIMARY KEY (org_id, phone),
    CONSTRAINT opt_outs_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs (id)
);

CREATE TABLE bookings (
    id               TEXT    NOT NULL,
    org_id           TEXT    NOT NULL,
    lead_id          TEXT    NOT NULL,
    window_start     BIGINT  NOT NULL,
    window_end       BIGINT  NOT NULL,
    job_type         TEXT    NOT NULL,
    address          TEXT    NOT NULL DEFAULT '',
    notes            TEXT    NOT NULL DEFAULT '',
    job_value_cents  BIGINT,
    created_by       TEXT,
    created_at       BIGINT  NOT NULL,
    updated_at       BIGINT  NOT NULL,
    -- booked until staff cancel it; a cancelled booking stays but is no longer revenue
    status           TEXT    NOT NULL DEFAULT 'booked',
    cancelled_at     BIGINT,
    rescheduled_at   BIGINT,
    CONSTRAINT bookings_pkey PRIMARY KEY (id),
    CONSTRAINT bookings_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs (id),
    CONSTRAINT bookings_lead_id_fkey FOREIGN KEY (lead_id) REFERENCES leads (id),
    CONSTRAINT bookings_window_check CHECK (window_end > window_start),
    CONSTRAINT bookings_status_check CHECK (status IN ('booked', 'cancelled'))
);
CREATE INDEX bookings_org_window_idx ON bookings (org_id, window_start);
CREATE INDEX bookings_org_lead_idx ON bookings (org_id, lead_id);

CREATE TABLE webhook_events (
    id                 TEXT    NOT NULL,
    org_id             TEXT,
    provider           TEXT    NOT NULL,
    route              TEXT    NOT NULL,
    -- provider-derived key (CallSid+event, MessageSid+status, Stripe event id)
    idempotency_key    TEXT    NOT NULL,
    signature_verdict  TEXT    NOT NULL,
    headers            TEXT    NOT NULL DEFAULT '{}',
    payload            TEXT    NOT NULL,
    outcome            TEXT    NOT NULL DEFAULT '',
    -- the exact answer given, so a retried delivery gets the same answer without re-applying
    response           TEXT    NOT NULL DEFAULT '',
    duplicate_count    BIGINT  NOT NULL DEFAULT 0,
    received_at        BIGINT  NOT NULL,
    -- when housekeeping blanked payload and headers (the org's evidence retention)
    pruned_at          BIGINT,
    CONSTRAINT webhook_events_pkey PRIMARY KEY (id),
    CONSTRAINT webhook_events_provider_key UNIQUE (provider, idempotency_key),
    CONSTRAINT webhook_events_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs (id)
);
CREATE INDEX webhook_events_org_received_idx ON webhook_events (org_id, received_at, id);

CREATE TABLE audit_events (
    id           TEXT    NOT NULL,
    -- NULL only for events before a tenant is known (e.g. a failed sign-in for an unknown email)
    org_id       TEXT,
    occurred_at  BIGINT  NOT NULL,
    actor_kind   TEXT    NOT NULL,
    actor_id     TEXT,
    action       TEXT    NOT NULL,
    target_kind  TEXT,
    target_id    TEXT,
    request_id   TEXT,
    ip           TEXT,
    metadata     TEXT    NOT NULL DEFAULT '{}',
    -- the org's hash chain (app/src/ssr/audit/chain.rs); NULL for org-less records
    chain_seq    BIGINT,
    prev_hash    TEXT,
    hash         TEXT,
    CONSTRAINT audit_events_pkey PRIMARY KEY (id),
    CONSTRAINT audit_events_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs (id),
    CONSTRAINT audit_events_actor_kind_check CHECK (actor_kind IN ('user', 'api_key', 'webhook', 'system', 'cli'))
);
-- two writers cannot both append record n of an org's chain; NULLs are distinct, so
-- org-less records are unaffected
CREATE UNIQUE INDEX audit_events_org_id_chain_seq_key ON audit_events (org_id, chain_seq);
CREATE INDEX audit_events_org_occurred_idx ON audit_events (org_id, occurred_at, id);
CREATE INDEX audit_events_org_action_idx ON audit_events (org_id, action, occurred_at, id);
CREATE INDEX audit_events_org_actor_kind_idx ON audit_events (org_id, actor_kind, occurred_at, id);
CREATE INDEX audit_events_org_target_idx ON audit_events (org_id, target_id, occurred_at, id);

CREATE TABLE api_keys (
    id                    TEXT    NOT NULL,
    org_id                TEXT    NOT NULL,
    name                  TEXT    NOT NULL,
    -- keyed hash (HMAC-SHA256) of the whole key; the key itself is never stored
    secret_hash           TEXT    NOT NULL,
    -- space-separated stable scope codes
    scopes                TEXT    NOT NULL,
    created_by            TEXT,
    created_at            BIGINT  NOT NULL,
    last_used_at          BIGINT,
    revoked_at            BIGINT,
    -- the key's first 12 characters, which name it in lists and audit records
    prefix                TEXT    NOT NULL DEFAULT '',
    mode                  TEXT    NOT NULL DEFAULT 'test',
    expires_at            BIGINT,
    -- the secret before the last rotation, accepted until previous_expires_at
    previous_secret_hash  TEXT,
    previous_prefix       TEXT,
    previous_expires_at   BIGINT,
    rotated_at            BIGINT,
    updated_at            BIGINT  NOT NULL DEFAULT 0,
    CONSTRAINT api_keys_pkey PRIMARY KEY (id),
    CONSTRAINT api_keys_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs (id),
    CONSTRAINT api_keys_mode_check CHECK (mode IN ('live', 'test'))
);
-- a request finds its key by the hash of what it presented (either secret)
CREATE UNIQUE INDEX api_keys_secret_hash_key ON api_keys (secret_hash);
CREATE UNIQUE INDEX api_keys_previous_secret_hash_key ON api_keys (previous_secret_hash);
-- names tell keys apart in the audit trail: unique among an org's keys not revoked
CREATE UNIQUE INDEX api_keys_org_id_name_key ON api_keys (org_id, name) WHERE revoked_at IS NULL;
CREATE INDEX api_keys_org_created_idx ON api_keys (org_id, created_at, id);

CREATE TABLE org_billing (
    org_id                  TEXT     NOT NULL,
    stripe_customer_id      TEXT,
    stripe_subscription_id  TEXT,
    plan                    TEXT,
    status                  TEXT     NOT NULL DEFAULT 'none',
    current_period_end      BIGINT,
    cancel_at_period_end    BOOLEAN  NOT NULL DEFAULT FALSE,
    -- created time of the newest Stripe event applied; older events never regress state
    last_event_created      BIGINT,
    created_at              BIGINT   NOT NULL,
    updated_at              BIGINT   NOT NULL,
    price_id                TEXT,
    trial_end               BIGINT,
    -- when the grace period started (first failed payment since good standing)
    payment_failed_at       BIGINT,
    customer_email          TEXT,
    customer_deleted_at     BIGINT,
    CONSTRAINT org_billing_pkey PRIMARY KEY (org_id),
    CONSTRAINT org_billing_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs (id)
);
-- a Stripe customer belongs to one org at most
CREATE UNIQUE INDEX org_billing_stripe_customer_id_key ON org_billing (stripe_customer_id);

CREATE TABLE login_failures (
    id           TEXT    NOT NULL,
    -- the email as typed (lowercased), whether or not an account exists
    email        TEXT    NOT NULL,
    ip           TEXT,
    occurred_at  BIGINT  NOT NULL,
    CONSTRAINT login_failures_pkey PRIMARY KEY (id)
);
CREATE INDEX login_failures_email_idx ON login_failures (email, occurred_at);
CREATE INDEX login_failures_email_source_idx ON login_failures (email, ip, occurred_at);
CREATE INDEX login_failures_occurred_idx ON login_failures (occurred_at);

CREATE TABLE password_tokens (
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
CREATE INDEX password_tokens_user_idx ON password_tokens (user_id);

-- Secrets this instance generated for itself (sandbox without CALLSNARE_SESSION_SECRET).
CREATE TABLE instance_secrets (
    name        TEXT    NOT NULL,
    value       TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    CONSTRAINT instance_secrets_pkey PRIMARY KEY (name)
);

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

-- Mail waiting to go out (invitations, set-password links).
CREATE TABLE mail_outbox (
    id               TEXT    NOT NULL,
    to_address       TEXT    NOT NULL,
    subject          TEXT    NOT NULL,
    -- invitation | reset_by_admin | reset_requested (limits count per kind)
    kind             TEXT    NOT NULL,
    -- blanked once delivered, and once the link is used, revoked or expired
    body             TEXT    NOT NULL,
    token_hash       TEXT    NOT NULL,
    expires_at       BIGINT  NOT NULL,
    attempts         BIGINT  NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT  NOT NULL,
    sent_at          BIGINT,
    failed_at        BIGINT,
    last_error       TEXT,
    created_at       BIGINT  NOT NULL,
    updated_at       BIGINT  NOT NULL,
    CONSTRAINT mail_outbox_pkey PRIMARY KEY (id)
);
CREATE INDEX mail_outbox_due_idx ON mail_outbox (sent_at, failed_at, next_attempt_at);
CREATE INDEX mail_outbox_to_address_idx ON mail_outbox (to_address, kind, created_at);
CREATE INDEX mail_outbox_token_hash_idx ON mail_outbox (token_hash);

-- Where each account last signed in successfully.
CREATE TABLE sign_in_sources (
    user_id          TEXT    NOT NULL,
    -- the client address as failures are counted (an IPv6 /64 as a whole)
    source           TEXT    NOT NULL,
    last_success_at  BIGINT  NOT NULL,
    CONSTRAINT sign_in_sources_pkey PRIMARY KEY (user_id, source),
    CONSTRAINT sign_in_sources_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id)
);

-- The newest record of each org's audit chain.
CREATE TABLE audit_chain_heads (
    org_id      TEXT    NOT NULL,
    seq         BIGINT  NOT NULL,
    hash        TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL,
    CONSTRAINT audit_chain_heads_pkey PRIMARY KEY (org_id),
    CONSTRAINT audit_chain_heads_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs (id)
);

-- One-use lead-page form tokens, claimed in the same transaction as what the form does.
CREATE TABLE form_submissions (
    org_id      TEXT    NOT NULL,
    token       TEXT    NOT NULL,
    -- the server function's endpoint the token was used for (leads/reply, leads/book, …)
    form        TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    CONSTRAINT form_submissions_pkey PRIMARY KEY (org_id, token),
    CONSTRAINT form_submissions_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs (id)
);
CREATE INDEX form_submissions_created_at_idx ON form_submissions (created_at);

-- An org's own quick replies (a JSON array of strings); no row: the defaults.
CREATE TABLE quick_replies (
    org_id      TEXT    NOT NULL,
    replies     TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL,
    CONSTRAINT quick_replies_pkey PRIMARY KEY (org_id),
    CONSTRAINT quick_replies_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs (id)
);

-- Idempotency-Key claims of /api/v1 writes and the responses they got.
CREATE TABLE api_idempotency (
    api_key_id     TEXT    NOT NULL,
    idem_key       TEXT    NOT NULL,
    request_hash   TEXT    NOT NULL,
    -- the HTTP status of the stored response
    status         BIGINT  NOT NULL,
    -- the JSON body of the stored response, exactly as it was sent
    response_body  TEXT    NOT NULL,
    created_at     BIGINT  NOT NULL,
    CONSTRAINT api_idempotency_pkey PRIMARY KEY (api_key_id, idem_key),
    CONSTRAINT api_idempotency_api_key_id_fkey FOREIGN KEY (api_key_id) REFERENCES api_keys (id)
);
CREATE INDEX api_idempotency_created_at_idx ON api_idempotency (created_at);

-- The org's invoices as Stripe last described them, keyed by Stripe's invoice id.
CREATE TABLE billing_invoices (
    id                      TEXT    NOT NULL,
    org_id                  TEXT    NOT NULL,
    stripe_customer_id      TEXT,
    stripe_subscription_id  TEXT,
    number                  TEXT,
    -- draft | open | paid | uncollectible | void
    status                  TEXT    NOT NULL,
    currency                TEXT    NOT NULL,
    amount_due              BIGINT  NOT NULL,
    amount_paid             BIGINT  NOT NULL,
    amount_remaining        BIGINT  NOT NULL,
    total                   BIGINT  NOT NULL,
    period_start            BIGINT,
    period_end              BIGINT,
    hosted_invoice_url      TEXT,
    -- when Stripe created the invoice
    stripe_created          BIGINT  NOT NULL,
    created_at              BIGINT  NOT NULL,
    updated_at              BIGINT  NOT NULL,
    CONSTRAINT billing_invoices_pkey PRIMARY KEY (id),
    CONSTRAINT billing_invoices_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs (id)
);
CREATE INDEX billing_invoices_org_created_idx ON billing_invoices (org_id, stripe_created, id);

-- The newest Stripe event applied to each billing object (events arrive out of order).
CREATE TABLE billing_object_versions (
    object_id        TEXT    NOT NULL,
    org_id           TEXT    NOT NULL,
    last_event_at    BIGINT  NOT NULL,
    last_event_rank  BIGINT  NOT NULL,
    last_event_id    TEXT    NOT NULL,
    updated_at       BIGINT  NOT NULL,
    CONSTRAINT billing_object_versions_pkey PRIMARY KEY (object_id),
    CONSTRAINT billing_object_versions_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs (id)
);
CREATE INDEX billing_object_versions_org_idx ON billing_object_versions (org_id);
