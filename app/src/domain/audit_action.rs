//! What an audit record says happened: stable `resource.verb_past` codes stored in
//! `audit_events.action`. In the domain so pages can name actions by the same codes.

use super::text_code::text_code;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditAction {
    OrgCreated,
    MemberAdded,
    MemberInvited,
    InvitationAccepted,
    InvitationRevoked,
    MemberRemoved,
    RoleChanged,
    NumberAdded,
    SignedIn,
    SignInFailed,
    SignedOut,
    PasswordChanged,
    PasswordResetIssued,
    PasswordResetRequested,
    PasswordSet,
    LeadReplied,
    LeadStatusChanged,
    LeadEdited,
    LeadBooked,
    LeadAssigned,
    LeadEscalated,
    EscalationSettingsChanged,
    /// The routing settings page saved a change (metadata: each changed field's before → after).
    SettingsChanged,
    /// A tracked number's label, forward-to numbers or ring timeout changed (metadata: the
    /// number and each changed field's before → after).
    NumberUpdated,
    /// A tracked number was removed (its history stays; its calls get the unknown-number answer).
    NumberRemoved,
    /// A booking was moved to a new arrival window (metadata: the booking, before → after).
    BookingRescheduled,
    /// A booking was cancelled (it no longer counts as recovered revenue).
    BookingCancelled,
    /// The org's quick replies (the lead page's one-tap texts) were edited.
    QuickRepliesChanged,
    /// An API key was created (metadata: name, visible prefix, scopes, expiry, mode; never
    /// the secret).
    ApiKeyCreated,
    /// An API key got a new secret; the earlier one works until the grace ends (metadata:
    /// the new and earlier prefixes, grace hours).
    ApiKeyRotated,
    /// An API key was revoked: refused from now on.
    ApiKeyRevoked,
    /// The org's billing state changed through a Stripe event (actor: the Stripe webhook;
    /// metadata: the event's id and type and each changed field's before → after).
    BillingChanged,
    /// A payment failed (metadata: the invoice, its amount; the grace period starts).
    BillingPaymentFailed,
    /// An invoice was paid (metadata: the invoice, its amount).
    BillingInvoicePaid,
    /// An owner started a Stripe Checkout to subscribe (metadata: the session id).
    BillingCheckoutStarted,
    /// An owner opened Stripe's billing portal (metadata: the session id).
    BillingPortalOpened,
}

text_code!(AuditAction, "audit action");

impl AuditAction {
    pub const ALL: [AuditAction; 36] = [
        AuditAction::OrgCreated,
        AuditAction::MemberAdded,
        AuditAction::MemberInvited,
        AuditAction::InvitationAccepted,
        AuditAction::InvitationRevoked,
        AuditAction::MemberRemoved,
        AuditAction::RoleChanged,
        AuditAction::NumberAdded,
        AuditAction::SignedIn,
        AuditAction::SignInFailed,
        AuditAction::SignedOut,
        AuditAction::PasswordChanged,
        AuditAction::PasswordResetIssued,
        AuditAction::PasswordResetRequested,
        AuditAction::PasswordSet,
        AuditAction::LeadReplied,
        AuditAction::LeadStatusChanged,
        AuditAction::LeadEdited,
        AuditAction::LeadBooked,
        AuditAction::LeadAssigned,
        AuditAction::LeadEscalated,
        AuditAction::EscalationSettingsChanged,
        AuditAction::SettingsChanged,
        AuditAction::NumberUpdated,
        AuditAction::NumberRemoved,
        AuditAction::BookingRescheduled,
        AuditAction::BookingCancelled,
        AuditAction::QuickRepliesChanged,
        AuditAction::ApiKeyCreated,
        AuditAction::ApiKeyRotated,
        AuditAction::ApiKeyRevoked,
        AuditAction::BillingChanged,
        AuditAction::BillingPaymentFailed,
        AuditAction::BillingInvoicePaid,
        AuditAction::BillingCheckoutStarted,
        AuditAction::BillingPortalOpened,
    ];

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|action| action.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::OrgCreated => "org.created",
            AuditAction::MemberAdded => "member.added",
            AuditAction::MemberInvited => "member.invited",
            AuditAction::InvitationAccepted => "invitation.accepted",
            AuditAction::InvitationRevoked => "invitation.revoked",
            AuditAction::NumberAdded => "tracked_number.added",
            AuditAction::MemberRemoved => "member.removed",
            AuditAction::RoleChanged => "member.role_changed",
            AuditAction::SignedIn => "auth.signed_in",
            AuditAction::SignInFailed => "auth.sign_in_failed",
            AuditAction::SignedOut => "auth.signed_out",
            AuditAction::PasswordChanged => "auth.password_changed",
            AuditAction::PasswordResetIssued => "auth.password_reset_issued",
            AuditAction::PasswordResetRequested => "auth.password_reset_requested",
            AuditAction::PasswordSet => "auth.password_set",
            AuditAction::LeadReplied => "lead.replied",
            AuditAction::LeadStatusChanged => "lead.status_changed",
            AuditAction::LeadEdited => "lead.edited",
            AuditAction::LeadBooked => "lead.booked",
            AuditAction::LeadAssigned => "lead.assigned",
            AuditAction::LeadEscalated => "lead.escalated",
            AuditAction::EscalationSettingsChanged => "routing.escalation_changed",
            AuditAction::SettingsChanged => "settings.changed",
            AuditAction::NumberUpdated => "tracked_number.updated",
            AuditAction::NumberRemoved => "tracked_number.removed",
            AuditAction::BookingRescheduled => "booking.rescheduled",
            AuditAction::BookingCancelled => "booking.cancelled",
            AuditAction::QuickRepliesChanged => "quick_replies.changed",
            AuditAction::ApiKeyCreated => "api_key.created",
            AuditAction::ApiKeyRotated => "api_key.rotated",
            AuditAction::ApiKeyRevoked => "api_key.revoked",
            AuditAction::BillingChanged => "billing.changed",
            AuditAction::BillingPaymentFailed => "billing.payment_failed",
            AuditAction::BillingInvoicePaid => "billing.invoice_paid",
            AuditAction::BillingCheckoutStarted => "billing.checkout_started",
            AuditAction::BillingPortalOpened => "billing.portal_opened",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_its_own_code_and_parses_back() {
        let mut codes: Vec<&str> = AuditAction::ALL.iter().map(|a| a.as_str()).collect();
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.as_str()), Some(action));
        }
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), AuditAction::ALL.len());
    }
}
