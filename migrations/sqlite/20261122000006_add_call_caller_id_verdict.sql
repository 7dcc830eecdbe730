-- Twilio's STIR/SHAKEN verdict on the caller ID (`StirVerstat`, inbound webhook only). A
-- caller ID that failed verification is likely spoofed: no text-back goes to it.
ALTER TABLE calls ADD COLUMN stir_verstat TEXT;
