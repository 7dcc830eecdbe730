-- The lead page in an office manager's hand (issue 13): one-use form tokens, bookings that
-- can be moved or cancelled, and the org's quick replies.

-- Each lead-page form carries a one-use token (handed out with the page). The use-case
-- claims it with an insert in the same transaction as what the form does, so the same
-- submission posted twice (double click, retry, back button, a browser's resubmit) finds
-- it taken and changes nothing; a refused submission rolls its claim back with everything
-- else, so the corrected form can be sent again. Claims older than two days are pruned
-- (server/src/maintenance.rs), and tokens that old are refused (their time is in them).
CREATE TABLE form_submissions (
    org_id      TEXT     NOT NULL,
    token       TEXT     NOT NULL,
    -- the server function's endpoint the token was used for (leads/reply, leads/book, …)
    form        TEXT     NOT NULL,
    created_at  BIGINT   NOT NULL,
    CONSTRAINT form_submissions_pkey PRIMARY KEY (org_id, token),
    CONSTRAINT form_submissions_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs (id)
);
-- the pruning scans by age across every org
CREATE INDEX form_submissions_created_at_idx ON form_submissions (created_at);

-- A booking is booked until staff cancel it; a cancelled booking stays (the timeline and the
-- audit trail point at it) but no longer counts as recovered revenue. Moving a booking keeps
-- its row and records when it was last moved.
ALTER TABLE bookings ADD COLUMN status TEXT NOT NULL DEFAULT 'booked'
    CONSTRAINT bookings_status_check CHECK (status IN ('booked', 'cancelled'));
ALTER TABLE bookings ADD COLUMN cancelled_at BIGINT;
ALTER TABLE bookings ADD COLUMN rescheduled_at BIGINT;
-- a lead's bookings, for its page and for "is any booking of this lead still active"
CREATE INDEX bookings_org_lead_idx ON bookings (org_id, lead_id);

-- One-tap replies on the lead page, edited on the settings page. One row per org that has
-- saved its own (a JSON array of strings, in the order shown); an org without a row gets
-- the defaults (domain/quick_replies.rs), so changing the defaults reaches every org that
-- never edited them.
CREATE TABLE quick_replies (
    org_id      TEXT     NOT NULL,
    replies     TEXT     NOT NULL,
    created_at  BIGINT   NOT NULL,
    updated_at  BIGINT   NOT NULL,
    CONSTRAINT quick_replies_pkey PRIMARY KEY (org_id),
    CONSTRAINT quick_replies_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs (id)
);
