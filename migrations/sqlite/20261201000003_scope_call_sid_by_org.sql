-- A call is one org's: its CallSid is unique within the org, and a callback is matched to
-- a call only through the tracked number's org. Before, the CallSid was unique across the
-- instance, so a callback naming another org's CallSid matched (and could touch) that
-- org's call. SQLite cannot drop a table constraint, so the table is rebuilt; no table
-- references calls.
CREATE TABLE calls_scoped (
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
    stir_verstat        TEXT,
    CONSTRAINT calls_pkey PRIMARY KEY (id),
    CONSTRAINT calls_org_call_sid_key UNIQUE (org_id, call_sid),
    CONSTRAINT calls_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs (id),
    CONSTRAINT calls_tracked_number_id_fkey FOREIGN KEY (tracked_number_id) REFERENCES tracked_numbers (id),
    CONSTRAINT calls_lead_id_fkey FOREIGN KEY (lead_id) REFERENCES leads (id)
);
INSERT INTO calls_scoped (id, org_id, tracked_number_id, call_sid, from_number, to_number, status, outcome,
                          dial_call_status, dial_call_duration, last_sequence, lead_id, started_at, ended_at,
                          created_at, updated_at, stir_verstat)
SELECT id, org_id, tracked_number_id, call_sid, from_number, to_number, status, outcome,
       dial_call_status, dial_call_duration, last_sequence, lead_id, started_at, ended_at,
       created_at, updated_at, stir_verstat
FROM calls;
DROP TABLE calls;
ALTER TABLE calls_scoped RENAME TO calls;
CREATE INDEX calls_org_id_idx ON calls (org_id, started_at);
