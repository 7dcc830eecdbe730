//! An audit record as people read it, shared by the viewer's server function and its CSV
//! export: who (by email or key name), what (the action's label), on what (named, with the
//! page it lives on), when (in the org's timezone), and before → after for settings and
//! role changes.

use chrono::TimeZone;
use serde_json::Value;

use crate::{
    domain::{routing_form::field_label, ActorKind, AuditAction},
    models::{AuditChangeView, AuditEntryView},
    ssr::db::audit_events::AuditListRow,
};

/// The record as the viewer shows it; `tz` is the org's timezone.
pub fn entry_view(row: AuditListRow, tz: chrono_tz::Tz) -> AuditEntryView {
    let metadata: Value = serde_json::from_str(&row.metadata).unwrap_or(Value::Null);
    let action = AuditAction::parse(&row.action);
    let who = who(&row);
    let (on_what, on_what_href) = on_what(&row, action);
    AuditEntryView {
        at_label: local_time(row.occurred_at, tz),
        who,
        what: action.map_or_else(|| row.action.clone(), |a| a.label().to_owned()),
        on_what,
        on_what_href,
        changes: changes(action, &metadata),
        id: row.id,
        at: row.occurred_at,
        actor_kind: row.actor_kind,
        action: row.action,
        target_kind: row.target_kind,
        target_id: row.target_id,
        request_id: row.request_id,
        ip: row.ip,
    }
}

/// An instant in `tz`, to the second, with the zone's abbreviation.
pub fn local_time(ms: i64, tz: chrono_tz::Tz) -> String {
    chrono::Utc
        .timestamp_millis_opt(ms)
        .single()
        .map(|t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S %Z").to_string())
        .unwrap_or_default()
}

/// An instant in UTC, RFC 3339 with milliseconds (the CSV's machine-readable column).
pub fn utc_time(ms: i64) -> String {
    chrono::Utc
        .timestamp_millis_opt(ms)
        .single()
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_default()
}

fn who(row: &AuditListRow) -> String {
    let id = row.actor_id.as_deref();
    match ActorKind::parse(&row.actor_kind) {
        Some(ActorKind::User) => match (&row.actor_name, id) {
            (Some(email), _) => email.clone(),
            (None, Some(id)) => format!("Former user {id}"),
            (None, None) => "Someone not signed in".to_owned(),
        },
        Some(ActorKind::ApiKey) => match (&row.actor_name, id) {
            (Some(name), _) => format!("API key “{name}”"),
            (None, Some(id)) => format!("API key {id}"),
            (None, None) => "An API key".to_owned(),
        },
        Some(ActorKind::Webhook) => match id {
            Some("twilio") | None => "Twilio".to_owned(),
            Some("stripe") => "Stripe".to_owned(),
            Some(provider) => format!("Webhook ({provider})"),
        },
        Some(ActorKind::System) => "System".to_owned(),
        Some(ActorKind::Cli) => "CLI".to_owned(),
        None => row.actor_kind.clone(),
    }
}

/// What the record is about, by its name (a lead's name or number, an email, a number; the
/// id when it is gone), and the page it lives on. Ids become links only when they are plain
/// (letters, digits, `_`), as the app writes them.
fn on_what(row: &AuditListRow, action: Option<AuditAction>) -> (String, Option<String>) {
    let id = row.target_id.as_deref().unwrap_or_default();
    let plain = !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    let name = |fallback: &str| row.target_name.clone().unwrap_or_else(|| format!("{fallback} {id}"));
    match row.target_kind.as_deref() {
        Some("lead") => (name("lead"), plain.then(|| format!("/app/leads/{id}"))),
        Some("user") => (name("former member"), Some("/app/team".to_owned())),
        Some("invitation") => (name("invitation"), Some("/app/team".to_owned())),
        Some("tracked_number") => (name("number"), Some("/app/numbers".to_owned())),
        Some("api_key") => (
            row.target_name
                .as_ref()
                .map_or_else(|| format!("API key {id}"), |n| format!("API key “{n}”")),
            Some("/app/api-keys".to_owned()),
        ),
        Some("org") => match action {
            Some(AuditAction::SettingsChanged | AuditAction::EscalationSettingsChanged) => {
                ("Routing settings".to_owned(), Some("/app/settings".to_owned()))
            }
            Some(
                AuditAction::BillingChanged
                | AuditAction::BillingPaymentFailed
                | AuditAction::BillingInvoicePaid
                | AuditAction::BillingCheckoutStarted
                | AuditAction::BillingPortalOpened,
            ) => ("Billing".to_owned(), Some("/app/billing".to_owned())),
            _ => ("The organisation".to_owned(), None),
        },
        Some(other) => (format!("{other} {id}"), None),
        None => ("—".to_owned(), None),
    }
}

/// Before → after: each field of a settings change (`metadata.changes`), or a role change
/// (`metadata.before`/`after`).
fn changes(action: Option<AuditAction>, metadata: &Value) -> Vec<AuditChangeView> {
    match action {
        Some(AuditAction::SettingsChanged | AuditAction::BillingChanged) => metadata
            .get("changes")
            .and_then(Value::as_object)
            .map(|fields| {
                fields
                    .iter()
                    .map(|(field, change)| AuditChangeView {
                        field: settings_field_label(field),
                        before: shown(change.get("before")),
                        after: shown(change.get("after")),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        Some(AuditAction::RoleChanged) if metadata.get("before").is_some() || metadata.get("after").is_some() => {
            vec![AuditChangeView {
                field: "Role".to_owned(),
                before: shown(metadata.get("before")),
                after: shown(metadata.get("after")),
            }]
        }
        _ => Vec::new(),
    }
}

fn settings_field_label(field: &str) -> String {
    match field {
        "quiet_start" => "Quiet hours from".to_owned(),
        "quiet_end" => "Quiet hours until".to_owned(),
        // billing.changed (see services::billing)
        "status" => "Subscription status".to_owned(),
        "plan" => "Plan".to_owned(),
        "price_id" => "Stripe price".to_owned(),
        "stripe_customer_id" => "Stripe customer".to_owned(),
        "stripe_subscription_id" => "Stripe subscription".to_owned(),
        "current_period_end" => "Current period ends".to_owned(),
        "cancel_at_period_end" => "Cancels at period end".to_owned(),
        "trial_end" => "Trial ends".to_owned(),
        "payment_failed_at" => "Grace period started".to_owned(),
        "customer_deleted_at" => "Stripe customer deleted".to_owned(),
        _ => field_label(field).map_or_else(|| field.to_owned(), str::to_owned),
    }
}

/// A stored value as text: strings as they are, numbers, on/off, "(none)".
fn shown(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "(none)".to_owned(),
        Some(Value::String(s)) if s.is_empty() => "(empty)".to_owned(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(b)) => (if *b { "on" } else { "off" }).to_owned(),
        Some(other) => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::domain::audit_labels::target_kind_label;

    fn row(actor_kind: &str, action: &str, target_kind: Option<&str>, metadata: Value) -> AuditListRow {
        AuditListRow {
            id: "aud_1".into(),
            occurred_at: 1_772_344_800_000,
            actor_kind: actor_kind.into(),
            actor_id: Some("usr_1".into()),
            action: action.into(),
            target_kind: target_kind.map(Into::into),
            target_id: Some("lead_abc".into()),
            request_id: Some("req-1".into()),
            ip: Some("203.0.113.9".into()),
            metadata: metadata.to_string(),
            actor_name: Some("owner@acme.test".into()),
            target_name: Some("Jane".into()),
        }
    }

    #[test]
    fn a_settings_change_reads_as_who_what_on_what_when_and_before_after() {
        let v = entry_view(
            row(
                "user",
                "settings.changed",
                Some("org"),
                json!({"changes": {
                    "cooldown_minutes": {"before": 30, "after": 45},
                    "quiet_start": {"before": "21:00", "after": "22:00"},
                    "hold_text_backs": {"before": false, "after": true},
                    "escalation_number": {"before": "", "after": "+14155550123"},
                }}),
            ),
            chrono_tz::America::Chicago,
        );
        assert_eq!(v.who, "owner@acme.test");
        assert_eq!(v.what, "Settings changed");
        assert_eq!(v.on_what, "Routing settings");
        assert_eq!(v.on_what_href.as_deref(), Some("/app/settings"));
        assert_eq!(v.at_label, "2026-03-01 00:00:00 CST");
        let shown: Vec<String> = v
            .changes
            .iter()
            .map(|c| format!("{}: {} → {}", c.field, c.before, c.after))
            .collect();
        assert_eq!(
            shown,
            vec![
                "Cooldown: 30 → 45",
                "Escalation number: (empty) → +14155550123",
                "Hold text-backs in quiet hours: off → on",
                "Quiet hours from: 21:00 → 22:00",
            ]
        );
    }

    #[test]
    fn actors_and_targets_are_named_and_linked() {
        let lead = entry_view(row("user", "lead.replied", Some("lead"), json!({})), chrono_tz::UTC);
        assert_eq!(lead.on_what, "Jane");
        assert_eq!(target_kind_label(lead.target_kind.as_deref()), Some("Lead"));
        assert_eq!(lead.on_what_href.as_deref(), Some("/app/leads/lead_abc"));
        let mut key = row("api_key", "lead.replied", Some("tracked_number"), json!({}));
        key.actor_name = Some("Zapier".into());
        let key = entry_view(key, chrono_tz::UTC);
        assert_eq!(key.who, "API key “Zapier”");
        assert_eq!(key.on_what_href.as_deref(), Some("/app/numbers"));
        let mut hook = row("webhook", "lead.escalated", None, json!({}));
        hook.actor_id = Some("twilio".into());
        assert_eq!(entry_view(hook, chrono_tz::UTC).who, "Twilio");
        assert_eq!(
            entry_view(row("system", "x.y", None, json!({})), chrono_tz::UTC).who,
            "System"
        );
        assert_eq!(
            entry_view(row("cli", "x.y", None, json!({})), chrono_tz::UTC).who,
            "CLI"
        );
        let role = entry_view(
            row(
                "user",
                "member.role_changed",
                Some("user"),
                json!({"before": "staff", "after": "admin"}),
            ),
            chrono_tz::UTC,
        );
        assert_eq!(role.on_what_href.as_deref(), Some("/app/team"));
        assert_eq!(role.changes[0].before, "staff");
        assert_eq!(role.changes[0].after, "admin");
        let mut gone = row("user", "lead.replied", Some("lead"), json!({}));
        gone.actor_name = None;
        gone.target_name = None;
        let gone = entry_view(gone, chrono_tz::UTC);
        assert_eq!(gone.who, "Former user usr_1");
        assert_eq!(gone.on_what, "lead lead_abc");
    }
}
