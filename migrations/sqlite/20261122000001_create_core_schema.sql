-- Core schema for CallSnare. Portable between SQLite and PostgreSQL:
-- ids are prefixed, time-sortable TEXT; instants are BIGINT unix milliseconds (UTC);
-- flags are BOOLEAN; structured values are JSON stored as TEXT. Every tenant table
-- carries org_id and its indexes lead with it.

CREATE TABLE orgs (
    id          TEXT    NOT NULL,
    slug        TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    timezone    TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL,
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
    id                 TEXT     NOT NULL,
    org_id             TEXT     NOT NULL,
    e164               TEXT     NOT NULL,
    label              TEXT     NOT NULL DEFAULT '',
    -- JSON array of E.164 strings, rung simultaneously
    forward_to         TEXT     NOT NULL,
    ring_timeout_secs  INTEGER  NOT NULL DEFAULT 12,
    created_at         BIGINT   NOT NULL,
    updated_at         BIGINT   NOT NULL,
    CONSTRAINT tracked_numbers_pkey PRIMARY KEY (id),
    CONSTRAINT tracked_numbers_e164_key UNIQUE (e164),
    CONSTRAINT tracked_numbers_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs (id),
    CONSTRAINT tracked_numbers_ring_timeout_check CHECK (ring_timeout_secs BETWEEN 5 AND 600)
);
CREATE INDEX tracked_numbers_org_id_idx ON tracked_numbers (org_id);

CREATE TABLE routing_settings (
    org_id                  TEXT     NOT NULL,
    -- JSON: weekly schedule in the org timezone; NULL until an admin sets it (always forward)
    business_hours          TEXT,
    text_back_template      TEXT     NOT NULL,
    after_hours_greeting    TEXT     NOT NULL,
    cooldown_minutes        INTEGER  NOT NULL DEFAULT 30,
    -- automated follow-ups go out only between these minutes of the recipient's day (8 am-9 pm)
    send_window_start_minute INTEGER NOT NULL DEFAULT 480,
    send_window_end_minute   INTEGER NOT NULL DEFAULT 1260,
    hold_text_backs_in_quiet_hours BOOLEAN NOT NULL DEFAULT FALSE,
    escalation_minutes      INTEGER  NOT NULL DEFAULT 10,
    escalation_number       TEXT,
    created_at              BIGINT   NOT NULL,
    updated_at              BIGINT   NOT NULL,
    CONSTRAINT routing_settings_pkey PRIMARY KEY (org_id),
    CONSTRAINT routing_settings_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs (id),
    CONSTRAINT routing_settings_cooldown_check CHECK (cooldown_minutes BETWEEN 0 AND 10080)
);

CREATE TABLE leads (
    id                TEXT     NOT NULL,
    org_id            TEXT     NOT NULL,
    caller_number     TEXT     NOT NULL,
    name              TEXT     NOT NULL DEFAULT '',
    address           TEXT     NOT NULL DEFAULT '',
    notes             TEXT     NOT NULL DEFAULT '',
    status            TEXT     NOT NULL DEFAULT 'new',
    source            TEXT     NOT NULL,
    is_open           BOOLEAN  NOT NULL DEFAULT TRUE,
    assigned_user_id  TEXT,
    last_activity_at  BIGINT   NOT NULL,
    created_at        BIGINT   NOT NULL,
    updated_at        BIGINT   NOT NULL,
    CONSTRAINT leads_pkey PRIMARY KEY (id),
    CONSTRAINT leads_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs (id),
    CONSTRAINT leads_assigned_user_id_fkey FOREIGN KEY (assigned_user_id) REFERENCES users (id),
    CONSTRAINT leads_status_check CHECK (status IN ('new', 'contacted', 'booked', 'lost', 'spam')),
    CONSTRAINT leads_source_check CHECK (source IN ('missed_call', 'after_hours', 'abandoned', 'text_first'))
);
-- one open lead per (org, caller): enforced by the database, not by check-then-insert
CREATE UNIQUE INDEX leads_open_caller_key ON leads (org_id, caller_number) WHERE is_open = TRUE;
CREATE INDEX leads_org_activity_idx ON leads (org_id, last_activity_at, id);

CREATE TABLE calls (
    id                  TEXT     NOT NULL,
    org_id              TEXT     NOT NULL,
    tracked_number_id   TEXT     NOT NULL,
    call_sid            TEXT     NOT NULL,
    from_number         TEXT     NOT NULL,
    to_number           TEXT     NOT NULL,
    status              TEXT     NOT NULL,
    -- answered | missed | abandoned | after_hours; never regresses once set
    outcome             TEXT,
    dial_call_status    TEXT,
    dial_call_duration  INTEGER,
    last_sequence       INTEGER,
    lead_id             TEXT,
    started_at          BIGINT   NOT NULL,
    ended_at            BIGINT,
    created_at          BIGINT   NOT NULL,
    updated_at          BIGINT   NOT NULL,
    CONSTRAINT calls_pkey PRIMARY KEY (id),
    CONSTRAINT calls_call_sid_key UNIQUE (call_sid),
    CONSTRAINT calls_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs (id),
    CONSTRAINT calls_tracked_number_id_fkey FOREIGN KEY (tracked_number_id) REFERENCES tracked_numbers (id),
    CONSTRAINT calls_lead_id_fkey FOREIGN KEY (lead_id) REFERENCES leads (id)
);
CREATE INDEX calls_org_id_idx ON calls (org_id, started_at);

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

CREATE TABLE sms_outbox (
    id               TEXT     NOT NULL,
    org_id           TEXT     NOT NULL,
    message_id       TEXT     NOT NULL,
    state            TEXT     NOT NULL DEFAULT 'pending',
    attempts         INTEGER  NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT   NOT NULL,
    last_error       TEXT,
    created_at       BIGINT   NOT NULL,
    updated_at       BIGINT   NOT NULL,
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
    id               TEXT     NOT NULL,
    org_id           TEXT     NOT NULL,
    lead_id          TEXT     NOT NULL,
    window_start     BIGINT   NOT NULL,
    window_end       BIGINT   NOT NULL,
    job_type         TEXT     NOT NULL,
    address          TEXT     NOT NULL DEFAULT '',
    notes            TEXT     NOT NULL DEFAULT '',
    job_value_cents  BIGINT,
    created_by       TEXT,
    created_at       BIGINT   NOT NULL,
    updated_at       BIGINT   NOT NULL,
    CONSTRAINT bookings_pkey PRIMARY KEY (id),
    CONSTRAINT bookings_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs (id),
    CONSTRAINT bookings_lead_id_fkey FOREIGN KEY (lead_id) REFERENCES leads (id),
    CONSTRAINT bookings_window_check CHECK (window_end > window_start)
);
CREATE INDEX bookings_org_window_idx ON bookings (org_id, window_start);

CREATE TABLE webhook_events (
    id                 TEXT     NOT NULL,
    org_id             TEXT,
    provider           TEXT     NOT NULL,
    route              TEXT     NOT NULL,
    -- provider-derived key (CallSid+event, MessageSid+status, Stripe event id)
    idempotency_key    TEXT     NOT NULL,
    signature_verdict  TEXT     NOT NULL,
    headers            TEXT     NOT NULL DEFAULT '{}',
    payload            TEXT     NOT NULL,
    outcome            TEXT     NOT NULL DEFAULT '',
    -- the exact answer given, so a retried delivery gets the same answer without re-applying
    response           TEXT     NOT NULL DEFAULT '',
    duplicate_count    INTEGER  NOT NULL DEFAULT 0,
    received_at        BIGINT   NOT NULL,
    CONSTRAINT webhook_events_pkey PRIMARY KEY (id),
    CONSTRAINT webhook_events_provider_key UNIQUE (provider, idempotency_key),
    CONSTRAINT webhook_events_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs (id)
);
CREATE INDEX webhook_events_org_idx ON webhook_events (org_id, received_at);

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
    CONSTRAINT audit_events_pkey PRIMARY KEY (id),
    CONSTRAINT audit_events_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs (id),
    CONSTRAINT audit_events_actor_kind_check CHECK (actor_kind IN ('user', 'api_key', 'webhook', 'system', 'cli'))
);
CREATE INDEX audit_events_org_idx ON audit_events (org_id, occurred_at);

CREATE TABLE api_keys (
    id           TEXT    NOT NULL,
    org_id       TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    secret_hash  TEXT    NOT NULL,
    -- space-separated stable scope codes
    scopes       TEXT    NOT NULL,
    created_by   TEXT,
    created_at   BIGINT  NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT,
    CONSTRAINT api_keys_pkey PRIMARY KEY (id),
    CONSTRAINT api_keys_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs (id)
);
CREATE INDEX api_keys_org_idx ON api_keys (org_id);

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
    CONSTRAINT org_billing_pkey PRIMARY KEY (org_id),
    CONSTRAINT org_billing_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs (id)
);
