//! The append-only audit trail. Records are written inside the same transaction as the
//! change they describe, so a change without its record cannot commit. Metadata holds ids
//! and names, never secrets or raw provider bodies. Every record is written through
//! [`record`], with the caller's [`Acting`].

use serde_json::Value;

use crate::domain::ids::AuditEventId;
use crate::ssr::{
    actor::Acting,
    db::{
        audit_events::{self, NewAuditEvent},
        Conn,
    },
};

/// Stable `resource.verb_past` codes stored in the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
}

impl AuditAction {
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
        }
    }
}

/// What a record is about (`target_kind`, `target_id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target<'a> {
    /// Nothing identified (a failed sign-in).
    None,
    User(&'a str),
    Lead(&'a str),
    Invitation(&'a str),
    Org(&'a str),
    TrackedNumber(&'a str),
}

impl<'a> Target<'a> {
    /// The stable `target_kind` string and the id.
    fn parts(self) -> (Option<&'static str>, Option<&'a str>) {
        match self {
            Target::None => (None, None),
            Target::User(id) => (Some("user"), Some(id)),
            Target::Lead(id) => (Some("lead"), Some(id)),
            Target::Invitation(id) => (Some("invitation"), Some(id)),
            Target::Org(id) => (Some("org"), Some(id)),
            Target::TrackedNumber(id) => (Some("tracked_number"), Some(id)),
        }
    }
}

/// Appends one record: who acted (in which org, from where), what they did, to what.
pub async fn record(
    conn: &mut Conn,
    acting: &Acting,
    action: AuditAction,
    target: Target<'_>,
    metadata: Value,
    now: i64,
) -> Result<AuditEventId, sqlx::Error> {
    let id = AuditEventId::new();
    let metadata = metadata.to_string();
    let (target_kind, target_id) = target.parts();
    audit_events::insert(
        conn,
        NewAuditEvent {
            id: &id,
            org_id: acting.org_id.as_ref(),
            actor_kind: acting.actor.kind(),
            actor_id: acting.actor.id(),
            action: action.as_str(),
            target_kind,
            target_id,
            request_id: acting.request.request_id.as_deref(),
            ip: acting.request.ip.as_deref(),
            metadata: &metadata,
        },
        now,
    )
    .await?;
    Ok(id)
}

/// Deletes up to `limit` failed-sign-in records older than `before`. They belong to no org
/// (anyone can cause one), so they are kept only as long as they help explain an attack,
/// and unauthenticated requests cannot grow the trail without bound. Org records are never
/// deleted.
pub async fn prune_failed_sign_ins_before(conn: &mut Conn, before: i64, limit: i64) -> Result<u64, sqlx::Error> {
    audit_events::delete_orgless_before(conn, AuditAction::SignInFailed.as_str(), before, limit).await
}
