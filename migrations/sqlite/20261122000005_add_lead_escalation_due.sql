-- When an untouched new lead escalates: its escalation window counted in open business
-- minutes from its creation. The scan reads only due leads through this index, so leads
-- waiting for a closed office to open never crowd out another org's due leads.
ALTER TABLE leads ADD COLUMN escalation_due_at BIGINT;
UPDATE leads SET escalation_due_at = created_at + 60000 *
    (SELECT r.escalation_minutes FROM routing_settings r WHERE r.org_id = leads.org_id AND r.escalation_minutes > 0)
  WHERE escalated_at IS NULL AND first_staff_response_at IS NULL AND status = 'new';
DROP INDEX leads_escalation_idx;
CREATE INDEX leads_escalation_due_idx ON leads (escalation_due_at)
  WHERE escalated_at IS NULL AND first_staff_response_at IS NULL AND status = 'new';
