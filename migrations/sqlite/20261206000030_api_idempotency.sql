-- Idempotency-Key on /api/v1 writes (issue 14). A write sent with the header is carried out
-- once per (API key, Idempotency-Key): the first request's claim of the key, its effects and
-- the response it got are written in one writer job, so a second request with the same key
-- (a retry, or two racing requests) finds the row and gets the stored response again, byte
-- for byte and with the same status, doing nothing. `request_hash` is the SHA-256 (hex) of
-- the request's method, path and body: the same key with another request is refused (422
-- idempotency_key_reused). Only requests that changed something are stored: a refused one
-- (404, 409, 422) leaves no row, so the corrected request can reuse its key. Rows older
-- than 24 hours no longer count and are pruned (server/src/maintenance.rs).
CREATE TABLE api_idempotency (
    api_key_id     TEXT     NOT NULL,
    idem_key       TEXT     NOT NULL,
    request_hash   TEXT     NOT NULL,
    -- the HTTP status of the stored response
    status         INTEGER  NOT NULL,
    -- the JSON body of the stored response, exactly as it was sent
    response_body  TEXT     NOT NULL,
    created_at     BIGINT   NOT NULL,
    CONSTRAINT api_idempotency_pkey PRIMARY KEY (api_key_id, idem_key),
    CONSTRAINT api_idempotency_api_key_id_fkey FOREIGN KEY (api_key_id) REFERENCES api_keys (id)
);
-- the pruning scans by age across every key
CREATE INDEX api_idempotency_created_at_idx ON api_idempotency (created_at);
