-- The inbox row marks a preview we wrote ("You: …"): who wrote the text the preview shows.
-- 'customer' (an inbound text), 'staff' (a reply or a booking confirmation) or 'automatic'
-- (the missed-call text-back); NULL while the lead has no text.
ALTER TABLE leads ADD COLUMN last_message_side TEXT
    CONSTRAINT leads_last_message_side_check CHECK (last_message_side IN ('customer', 'staff', 'automatic'));

-- Existing leads: the side of their newest text of the kinds that set the preview.
UPDATE leads SET last_message_side = (
    SELECT CASE
               WHEN m.direction = 'inbound' THEN 'customer'
               WHEN m.purpose = 'text_back' THEN 'automatic'
               ELSE 'staff'
           END
    FROM messages m
    WHERE m.org_id = leads.org_id AND m.lead_id = leads.id
      AND (m.direction = 'inbound' OR m.purpose IN ('reply', 'confirmation', 'text_back'))
    ORDER BY m.created_at DESC, m.id DESC
    LIMIT 1
)
WHERE last_message_preview <> '';
