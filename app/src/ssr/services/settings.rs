//! The org's routing settings (`/app/settings`, owner and admin): timezone, weekly hours and
//! closure dates, the after-hours greeting, the text-back, cooldown, quiet hours and
//! escalation. A save writes everything or nothing, in one writer job, with one audit
//! record naming each changed field's before → after; a save that changes nothing writes
//! nothing. The caller forgets the routing cache once the job has committed, so the next
//! call uses the new settings.

use serde_json::json;

use crate::{
    domain::{
        business_hours::BusinessHours,
        closure_dates::ClosureDates,
        permission::Action,
        routing_form::{day_texts, hhmm, RoutingSettings, RoutingSettingsForm},
    },
    models::RoutingSettingsView,
    ssr::{
        actor::StaffActor,
        audit::{self, AuditAction, Target},
        db::{
            orgs,
            routing_settings::{self, RoutingSettingsRow},
            Conn,
        },
    },
};

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("database error")]
    Db(#[from] sqlx::Error),
}

impl crate::ssr::core::Refusal for SettingsError {
    fn into_db_error(self) -> Result<sqlx::Error, Self> {
        match self {
            SettingsError::Db(e) => Ok(e),
            refused => Err(refused),
        }
    }
}

/// The stored settings as the form shows them, in the same canonical text a save produces
/// (so an untouched form compares equal). Unreadable stored hours or dates read as the
/// routing reads them: no hours (always open), no closures.
pub fn form_from_row(row: &RoutingSettingsRow) -> RoutingSettingsForm {
    let hours = row
        .business_hours
        .as_deref()
        .and_then(|h| BusinessHours::parse_json(h).ok());
    let minute = |m: i64| hhmm(m.clamp(0, 1440) as u16);
    RoutingSettingsForm {
        timezone: row.timezone.clone(),
        hours: day_texts(hours.as_ref()),
        closure_dates: ClosureDates::parse_json(&row.closure_dates)
            .unwrap_or_default()
            .to_string(),
        after_hours_greeting: row.after_hours_greeting.clone(),
        text_back_template: row.text_back_template.clone(),
        cooldown_minutes: row.cooldown_minutes.to_string(),
        quiet_start: minute(row.send_window_end_minute),
        quiet_end: minute(row.send_window_start_minute),
        hold_text_backs: row.hold_text_backs_in_quiet_hours,
        escalation_number: row.escalation_number.clone().unwrap_or_default(),
        escalation_minutes: row.escalation_minutes.to_string(),
    }
}

/// The actor's org's settings, for the page.
pub async fn load(conn: &mut Conn, a: &StaffActor) -> Result<RoutingSettingsView, SettingsError> {
    if !a.can(Action::ManageRouting) {
        return Err(SettingsError::Forbidden);
    }
    let row = routing_settings::find(conn, &a.org_id)
        .await?
        .ok_or(SettingsError::NotFound)?;
    Ok(RoutingSettingsView {
        business_name: row.org_name.clone(),
        form: form_from_row(&row),
    })
}

/// Writes `s` as the actor's org's settings with one audit record of what changed, and
/// answers the names of the changed fields (none: nothing was written). Run it inside one
/// writer job, so a failure anywhere keeps nothing.
pub async fn save(
    conn: &mut Conn,
    a: &StaffActor,
    s: &RoutingSettings,
    now: i64,
) -> Result<Vec<String>, SettingsError> {
    if !a.can(Action::ManageRouting) {
        return Err(SettingsError::Forbidden);
    }
    let row = routing_settings::find(conn, &a.org_id)
        .await?
        .ok_or(SettingsError::NotFound)?;
    let before = form_from_row(&row);
    let after = s.to_form();
    let changes = before.changes_to(&after);
    if changes.is_empty() {
        return Ok(Vec::new());
    }
    if before.timezone != after.timezone {
        orgs::update_timezone(conn, &a.org_id, &s.timezone, now).await?;
    }
    routing_settings::update(conn, &a.org_id, s, now).await?;
    let mut changed: Vec<String> = changes.keys().cloned().collect();
    changed.sort_unstable();
    audit::record(
        conn,
        &a.acting(),
        AuditAction::SettingsChanged,
        Target::Org(a.org()),
        json!({ "changes": changes }),
        now,
    )
    .await?;
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use secrecy::SecretString;

    use super::*;
    use crate::{
        domain::{EmailAddress, OrgSlug, OrgTimezone, Role},
        ssr::{actor::RequestMeta, db, services::onboarding},
    };

    async fn acme() -> (tempfile::TempDir, db::Db, StaffActor) {
        let dir = tempfile::tempdir().unwrap();
        let db = db::connect_and_migrate(&format!("sqlite://{}", dir.path().join("s.db").display()))
            .await
            .unwrap();
        let created = onboarding::create_org(
            &db,
            onboarding::NewOrg {
                name: "Acme Heating & Air".into(),
                slug: OrgSlug::parse("acme").unwrap(),
                timezone: OrgTimezone::parse("America/Chicago").unwrap(),
                owner_email: EmailAddress::parse("owner@acme.test").unwrap(),
            },
            Some(SecretString::from("a long enough password")),
        )
        .await
        .unwrap();
        let owner = StaffActor {
            user_id: created.owner_id.as_str().to_owned(),
            org_id: created.org_id,
            role: Role::Owner,
            request: RequestMeta::default(),
        };
        (dir, db, owner)
    }

    async fn audit_rows(db: &db::Db) -> Vec<String> {
        crate::ssr::db::query_scalar("SELECT metadata FROM audit_events WHERE action = 'settings.changed'")
            .fetch_all(db)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn a_save_records_before_and_after_of_exactly_the_changed_fields() {
        let (_dir, db, owner) = acme().await;
        let mut conn = db.acquire().await.unwrap();
        let shown = load(&mut conn, &owner).await.unwrap();
        assert_eq!(shown.business_name, "Acme Heating & Air");
        assert_eq!(shown.form.hours[0], "00:00-24:00");
        assert_eq!(
            (shown.form.quiet_start.as_str(), shown.form.quiet_end.as_str()),
            ("21:00", "08:00")
        );

        // The page's own values, saved untouched: nothing is written.
        let same = shown.form.parse().unwrap();
        assert!(save(&mut conn, &owner, &same, 1).await.unwrap().is_empty());
        assert!(audit_rows(&db).await.is_empty());

        let mut form = shown.form.clone();
        form.timezone = "America/Denver".into();
        form.hours[6] = "closed".into();
        form.cooldown_minutes = "60".into();
        let changed = save(&mut conn, &owner, &form.parse().unwrap(), 2).await.unwrap();
        assert_eq!(changed, ["cooldown_minutes", "hours_sun", "timezone"]);
        let rows = audit_rows(&db).await;
        assert_eq!(rows.len(), 1);
        let meta: serde_json::Value = serde_json::from_str(&rows[0]).unwrap();
        assert_eq!(
            meta,
            json!({"changes": {
                "timezone": {"before": "America/Chicago", "after": "America/Denver"},
                "hours_sun": {"before": "00:00-24:00", "after": "closed"},
                "cooldown_minutes": {"before": 30, "after": 60},
            }})
        );
        let now = load(&mut conn, &owner).await.unwrap().form;
        assert_eq!(now, form.parse().unwrap().to_form());
    }

    #[tokio::test]
    async fn staff_may_neither_read_nor_save() {
        let (_dir, db, owner) = acme().await;
        let mut conn = db.acquire().await.unwrap();
        let form = load(&mut conn, &owner).await.unwrap().form;
        let staff = StaffActor {
            role: Role::Staff,
            ..owner
        };
        assert!(matches!(load(&mut conn, &staff).await, Err(SettingsError::Forbidden)));
        let mut changed = form.clone();
        changed.cooldown_minutes = "5".into();
        assert!(matches!(
            save(&mut conn, &staff, &changed.parse().unwrap(), 1).await,
            Err(SettingsError::Forbidden)
        ));
        assert!(audit_rows(&db).await.is_empty());
    }
}
