//! The org's quick replies: read for the lead page (anyone who works leads) and the settings
//! page, saved from the settings page by those who manage routing, with an audit record.

use serde_json::json;

use crate::{
    domain::{permission::Action, quick_replies::QuickReplies},
    ssr::{
        actor::StaffActor,
        audit::{self, AuditAction, Target},
        db::{quick_replies, Conn},
        services::settings::SettingsError,
    },
};

/// The org's quick replies: its own if it saved some (possibly none at all), else the defaults.
pub async fn load(conn: &mut Conn, org_id: &str) -> Result<Vec<String>, sqlx::Error> {
    Ok(quick_replies::find(conn, org_id)
        .await?
        .unwrap_or_else(QuickReplies::defaults))
}

/// Saves the actor's org's quick replies; `false` (nothing written) when they are what the
/// org has already. Run it inside one writer job with its audit record.
pub async fn save(conn: &mut Conn, a: &StaffActor, replies: &QuickReplies, now: i64) -> Result<bool, SettingsError> {
    if !a.can(Action::ManageRouting) {
        return Err(SettingsError::Forbidden);
    }
    let before = load(conn, a.org()).await?;
    if before.as_slice() == replies.as_slice() {
        return Ok(false);
    }
    quick_replies::upsert(conn, a.org(), replies.as_slice(), now).await?;
    audit::record(
        conn,
        &a.acting(),
        AuditAction::QuickRepliesChanged,
        Target::Org(a.org()),
        json!({ "count": replies.as_slice().len(), "count_before": before.len() }),
        now,
    )
    .await?;
    Ok(true)
}
