-- Billing (issue 15): Stripe subscriptions, invoices and the order their events are applied in.
--
-- `org_billing` has existed since the core schema with nothing writing to it; these columns
-- complete it. One row per org once Stripe has named it (an org never linked to Stripe has
-- no row and is not billed). `status` is the subscription's Stripe status (`none` before
-- any); `payment_failed_at` is when the grace period started: the first failed payment
-- (or the first `past_due`) since the subscription was last in good standing, cleared when
-- it is active or trialing again. Instants are unix milliseconds; Stripe's own are seconds
-- and are stored ×1000.
ALTER TABLE org_billing ADD COLUMN price_id TEXT;
ALTER TABLE org_billing ADD COLUMN trial_end BIGINT;
ALTER TABLE org_billing ADD COLUMN payment_failed_at BIGINT;
ALTER TABLE org_billing ADD COLUMN customer_email TEXT;
ALTER TABLE org_billing ADD COLUMN customer_deleted_at BIGINT;
-- A Stripe customer belongs to one org at most (SQLite and PostgreSQL both allow many NULLs).
CREATE UNIQUE INDEX org_billing_stripe_customer_id_key ON org_billing (stripe_customer_id);

-- The org's invoices as Stripe last described them, keyed by Stripe's invoice id (`in_…`).
-- Amounts are in the currency's smallest unit, as Stripe sends them.
CREATE TABLE billing_invoices (
    id                      TEXT     NOT NULL,
    org_id                  TEXT     NOT NULL,
    stripe_customer_id      TEXT,
    stripe_subscription_id  TEXT,
    number                  TEXT,
    -- draft | open | paid | uncollectible | void
    status                  TEXT     NOT NULL,
    currency                TEXT     NOT NULL,
    amount_due              BIGINT   NOT NULL,
    amount_paid             BIGINT   NOT NULL,
    amount_remaining        BIGINT   NOT NULL,
    total                   BIGINT   NOT NULL,
    period_start            BIGINT,
    period_end              BIGINT,
    hosted_invoice_url      TEXT,
    -- when Stripe created the invoice
    stripe_created          BIGINT   NOT NULL,
    created_at              BIGINT   NOT NULL,
    updated_at              BIGINT   NOT NULL,
    CONSTRAINT billing_invoices_pkey PRIMARY KEY (id),
    CONSTRAINT billing_invoices_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs (id)
);
-- the billing page lists an org's invoices newest first
CREATE INDEX billing_invoices_org_created_idx ON billing_invoices (org_id, stripe_created, id);

-- Stripe does not deliver events in order. Every billing object (customer `cus_…`,
-- subscription `sub_…`, invoice `in_…`, checkout session `cs_…`) remembers the newest
-- event applied to it: its `created` instant (ms; Stripe's resolution is one second) and
-- its rank, which orders two events of the same second (a `*.created` event ranks below an
-- update, which ranks below `*.deleted`, and an invoice's `finalized` below
-- `payment_failed` below `paid`). An event older than the newest applied, or of the same
-- second and a lower rank, is kept as evidence and changes nothing. Equal second and rank:
-- the later delivery is applied. The event itself is claimed once by its id through
-- `webhook_events` (UNIQUE (provider, idempotency_key), the key being Stripe's event id).
CREATE TABLE billing_object_versions (
    object_id        TEXT     NOT NULL,
    org_id           TEXT     NOT NULL,
    last_event_at    BIGINT   NOT NULL,
    last_event_rank  INTEGER  NOT NULL,
    last_event_id    TEXT     NOT NULL,
    updated_at       BIGINT   NOT NULL,
    CONSTRAINT billing_object_versions_pkey PRIMARY KEY (object_id),
    CONSTRAINT billing_object_versions_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs (id)
);
CREATE INDEX billing_object_versions_org_idx ON billing_object_versions (org_id);
