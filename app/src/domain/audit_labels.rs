//! What the audit viewer calls each action and each kind of actor: plain words for the
//! filter selects, the table and the CSV export (the stored codes stay as they are).

use super::{ActorKind, AuditAction};

impl AuditAction {
    /// The action in a few words, for people.
    pub fn label(self) -> &'static str {
        match self {
            AuditAction::OrgCreated => "Organisation created",
            AuditAction::MemberAdded => "Member added",
            AuditAction::MemberInvited => "Member invited",
            AuditAction::InvitationAccepted => "Invitation accepted",
            AuditAction::InvitationRevoked => "Invitation revoked",
            AuditAction::MemberRemoved => "Member removed",
            AuditAction::RoleChanged => "Role changed",
            AuditAction::NumberAdded => "Number added",
            AuditAction::NumberUpdated => "Number changed",
            AuditAction::NumberRemoved => "Number removed",
            AuditAction::SignedIn => "Signed in",
            AuditAction::SignInFailed => "Sign-in failed",
            AuditAction::SignedOut => "Signed out",
            AuditAction::PasswordChanged => "Password changed",
            AuditAction::PasswordResetIssued => "Password reset sent",
            AuditAction::PasswordResetRequested => "Password reset requested",
            AuditAction::PasswordSet => "Password set",
            AuditAction::LeadReplied => "Replied to a lead",
            AuditAction::LeadStatusChanged => "Lead status changed",
            AuditAction::LeadEdited => "Lead edited",
            AuditAction::LeadBooked => "Job booked",
            AuditAction::LeadAssigned => "Lead assigned",
            AuditAction::LeadEscalated => "Lead escalated",
            AuditAction::EscalationSettingsChanged => "Escalation changed",
            AuditAction::SettingsChanged => "Settings changed",
            AuditAction::BookingRescheduled => "Booking moved",
            AuditAction::BookingCancelled => "Booking cancelled",
            AuditAction::QuickRepliesChanged => "Quick replies changed",
            AuditAction::ApiKeyCreated => "API key created",
            AuditAction::ApiKeyRotated => "API key rotated",
            AuditAction::ApiKeyRevoked => "API key revoked",
            AuditAction::BillingChanged => "Billing changed",
            AuditAction::BillingPaymentFailed => "Payment failed",
            AuditAction::BillingInvoicePaid => "Invoice paid",
            AuditAction::BillingCheckoutStarted => "Checkout started",
            AuditAction::BillingPortalOpened => "Billing portal opened",
        }
    }
}

impl ActorKind {
    /// The kind of actor, for the actor filter.
    pub fn label(self) -> &'static str {
        match self {
            ActorKind::User => "A person",
            ActorKind::ApiKey => "An API key",
            ActorKind::Webhook => "A webhook (Twilio, Stripe)",
            ActorKind::System => "The system",
            ActorKind::Cli => "The command line",
        }
    }
}

/// What kind of thing a record is about (its stored `target_kind`), for people.
pub fn target_kind_label(kind: Option<&str>) -> Option<&'static str> {
    Some(match kind? {
        "lead" => "Lead",
        "user" => "Member",
        "invitation" => "Invitation",
        "tracked_number" => "Number",
        "api_key" => "API key",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_and_actor_kind_has_its_own_label() {
        let mut labels: Vec<&str> = AuditAction::ALL.iter().map(|a| a.label()).collect();
        labels.sort_unstable();
        labels.dedup();
        assert_eq!(labels.len(), AuditAction::ALL.len());
        let mut kinds: Vec<&str> = ActorKind::ALL.iter().map(|k| k.label()).collect();
        kinds.sort_unstable();
        kinds.dedup();
        assert_eq!(kinds.len(), ActorKind::ALL.len());
    }
}
