//! The append-only audit trail. Records are written inside the same transaction as the
//! change they describe, so a change without its record cannot commit. Metadata holds ids
//! and names, never secrets or raw provider bodies.

use serde_json::Value;

use crate::domain::ids::{AuditEventId, OrgId};
use crate::ssr::db::{
    audit_events::{self, NewAuditEvent},
    Conn,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActorKind {
    User,
    ApiKey,
    Webhook,
    System,
    Cli,
}

impl ActorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActorKind::User => "user",
            ActorKind::ApiKey => "api_key",
            ActorKind::Webhook => "webhook",
            ActorKind::System => "system",
            ActorKind::Cli => "cli",
        }
    }
}

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
        }
    }
}

pub struct AuditEntry<'a> {
    pub org_id: Option<&'a OrgId>,
    pub actor_kind: ActorKind,
    pub actor_id: Option<&'a str>,
    pub action: AuditAction,
    pub target_kind: Option<&'a str>,
    pub target_id: Option<&'a str>,
    pub request_id: Option<&'a str>,
    pub ip: Option<&'a str>,
    pub metadata: Value,
}

pub async fn record(conn: &mut Conn, entry: AuditEntry<'_>, now: i64) -> Result<AuditEventId, sqlx::Error> {
    let id = AuditEventId::new();
    let metadata = entry.metadata.to_string();
    audit_events::insert(
        conn,
        NewAuditEvent {
            id: &id,
            org_id: entry.org_id,
            actor_kind: entry.actor_kind.as_str(),
            actor_id: entry.actor_id,
            action: entry.action.as_str(),
            target_kind: entry.target_kind,
            target_id: entry.target_id,
            request_id: entry.request_id,
            ip: entry.ip,
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
