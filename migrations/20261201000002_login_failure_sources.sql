-- Sign-in refusal is keyed on the email and the source address together (a lock an
-- attacker who only knows an email cannot impose), and old failures are pruned.
CREATE INDEX login_failures_email_source_idx ON login_failures (email, ip, occurred_at);
CREATE INDEX login_failures_occurred_idx ON login_failures (occurred_at);
