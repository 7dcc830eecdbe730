//! The org's tracked numbers (`/app/numbers`, owner and admin): list them with their last
//! call, add one, change its label, forward-to numbers and ring timeout, and remove it.
//! Each change runs inside one writer job with one audit record (an edit names each changed
//! field's before → after); a change that changes nothing writes nothing. A removed number
//! is only marked: its calls, leads and audit records stay, and routing no longer finds it,
//! so its calls get the unknown-number answer. The caller forgets the routing cache once
//! the job has committed, so the next call sees the change.

use serde_json::json;

use crate::{
    domain::{
        ids::TrackedNumberId,
        number_form::{voicemail_risk, NumberFormError, NumberSettings},
        permission::Action,
        CallOutcome, E164Phone, OrgTimezone,
    },
    models::{LastCallView, TrackedNumberView},
    ssr::{
        actor::StaffActor,
        audit::{self, AuditAction, Target},
        db::{
            is_unique_violation, orgs,
            tracked_numbers::{self, NewTrackedNumber, NumberUpdate, TrackedNumberRow},
            Conn,
        },
    },
};

#[derive(Debug, thiserror::Error)]
pub enum NumbersError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    /// A field is wrong (the number is already tracked, or rings itself).
    #[error("{0}")]
    Invalid(NumberFormError),
    #[error("database error")]
    Db(#[from] sqlx::Error),
}

impl crate::ssr::core::Refusal for NumbersError {
    fn into_db_error(self) -> Result<sqlx::Error, Self> {
        match self {
            NumbersError::Db(e) => Ok(e),
            refused => Err(refused),
        }
    }
}

/// The stored settings of a number, as the form parses them. Unreadable stored forward-to
/// numbers read as none (the next save must name them again).
fn settings_of(row: &TrackedNumberRow) -> NumberSettings {
    let forward_to: Vec<String> = serde_json::from_str(&row.forward_to).unwrap_or_default();
    NumberSettings {
        label: row.label.clone(),
        forward_to: forward_to.iter().filter_map(|n| E164Phone::parse(n).ok()).collect(),
        ring_timeout_secs: u32::try_from(row.ring_timeout_secs).unwrap_or(0),
    }
}

/// A number in its everyday form, or what was stored when it is not a number.
fn everyday(n: &str) -> String {
    E164Phone::parse(n).map_or_else(|_| n.to_owned(), |p| p.everyday())
}

fn local_label(ms: i64, tz: chrono_tz::Tz) -> String {
    use chrono::TimeZone;
    chrono::Utc
        .timestamp_millis_opt(ms)
        .single()
        .map(|t| t.with_timezone(&tz).format("%b %-d, %-I:%M %p").to_string())
        .unwrap_or_default()
}

fn view(row: TrackedNumberRow, tz: chrono_tz::Tz) -> TrackedNumberView {
    let settings = settings_of(&row);
    let last_call = row.last_call_at.map(|at| LastCallView {
        at,
        at_label: local_label(at, tz),
        from: match row.last_call_from.as_deref() {
            Some(from) if E164Phone::parse(from).is_ok() => everyday(from),
            _ => "Unknown caller".to_owned(),
        },
        outcome: row
            .last_call_outcome
            .as_deref()
            .and_then(CallOutcome::parse)
            .map_or("In progress", CallOutcome::label)
            .to_owned(),
    });
    TrackedNumberView {
        id: row.id.as_str().to_owned(),
        display: everyday(&row.e164),
        e164: row.e164,
        label: settings.label.clone(),
        forward_to: settings.forward_to.iter().map(E164Phone::everyday).collect(),
        ring_timeout_secs: settings.ring_timeout_secs,
        voicemail_risk: voicemail_risk(settings.ring_timeout_secs),
        form: settings.to_form(),
        last_call,
    }
}

/// The actor's org's tracked numbers (not the removed ones), oldest first, with their last
/// call in the org's timezone.
pub async fn list(conn: &mut Conn, a: &StaffActor) -> Result<Vec<TrackedNumberView>, NumbersError> {
    if !a.can(Action::ManageNumbers) {
        return Err(NumbersError::Forbidden);
    }
    let tz = OrgTimezone::parse_or_utc(&orgs::get_timezone(conn, a.org()).await?);
    let rows = tracked_numbers::list_for_org(conn, &a.org_id).await?;
    Ok(rows.into_iter().map(|row| view(row, tz)).collect())
}

/// Tracks `number` for the actor's org, refused when any org (this one included) tracks it
/// already. Run it inside one writer job.
pub async fn add(
    conn: &mut Conn,
    a: &StaffActor,
    number: &E164Phone,
    s: &NumberSettings,
    now: i64,
) -> Result<TrackedNumberId, NumbersError> {
    if !a.can(Action::ManageNumbers) {
        return Err(NumbersError::Forbidden);
    }
    let taken = || NumbersError::Invalid(NumberFormError::NumberTaken(number.everyday()));
    if s.forward_to.contains(number) {
        return Err(NumbersError::Invalid(NumberFormError::ForwardsToItself));
    }
    if tracked_numbers::is_tracked(conn, number).await? {
        return Err(taken());
    }
    let id = TrackedNumberId::new();
    tracked_numbers::insert(
        conn,
        NewTrackedNumber {
            id: &id,
            org_id: &a.org_id,
            e164: number,
            label: &s.label,
            forward_to: &s.forward_to,
            ring_timeout_secs: i64::from(s.ring_timeout_secs),
        },
        now,
    )
    .await
    // another job tracked it since the check
    .map_err(|e| if is_unique_violation(&e) { taken() } else { e.into() })?;
    audit::record(
        conn,
        &a.acting(),
        AuditAction::NumberAdded,
        Target::TrackedNumber(id.as_str()),
        json!({
            "number": number.as_str(),
            "label": s.label,
            "forward_to": s.forward_to,
            "ring_timeout_secs": s.ring_timeout_secs,
        }),
        now,
    )
    .await?;
    Ok(id)
}

/// Sets the label, forward-to numbers and ring timeout of the actor's org's number `id`,
/// with one audit record of what changed, and answers the names of the changed fields
/// (none: nothing was written). Another org's number, or a removed one, is not found.
pub async fn update(
    conn: &mut Conn,
    a: &StaffActor,
    id: &TrackedNumberId,
    s: &NumberSettings,
    now: i64,
) -> Result<Vec<String>, NumbersError> {
    if !a.can(Action::ManageNumbers) {
        return Err(NumbersError::Forbidden);
    }
    let row = tracked_numbers::find_for_org(conn, &a.org_id, id)
        .await?
        .ok_or(NumbersError::NotFound)?;
    if s.forward_to.iter().any(|n| n.as_str() == row.e164) {
        return Err(NumbersError::Invalid(NumberFormError::ForwardsToItself));
    }
    let changes = settings_of(&row).changes_to(s);
    if changes.is_empty() {
        return Ok(Vec::new());
    }
    let updated = tracked_numbers::update(
        conn,
        &a.org_id,
        id,
        NumberUpdate {
            label: &s.label,
            forward_to: &s.forward_to,
            ring_timeout_secs: i64::from(s.ring_timeout_secs),
        },
        now,
    )
    .await?;
    if !updated {
        return Err(NumbersError::NotFound);
    }
    let mut changed: Vec<String> = changes.keys().cloned().collect();
    changed.sort_unstable();
    audit::record(
        conn,
        &a.acting(),
        AuditAction::NumberUpdated,
        Target::TrackedNumber(id.as_str()),
        json!({ "number": row.e164, "changes": changes }),
        now,
    )
    .await?;
    Ok(changed)
}

/// Removes the actor's org's number `id`: marked removed, its history kept. Answers the
/// number. Another org's number, or one already removed, is not found.
pub async fn remove(conn: &mut Conn, a: &StaffActor, id: &TrackedNumberId, now: i64) -> Result<String, NumbersError> {
    if !a.can(Action::ManageNumbers) {
        return Err(NumbersError::Forbidden);
    }
    let row = tracked_numbers::find_for_org(conn, &a.org_id, id)
        .await?
        .ok_or(NumbersError::NotFound)?;
    if !tracked_numbers::mark_removed(conn, &a.org_id, id, now).await? {
        return Err(NumbersError::NotFound);
    }
    let s = settings_of(&row);
    audit::record(
        conn,
        &a.acting(),
        AuditAction::NumberRemoved,
        Target::TrackedNumber(id.as_str()),
        json!({
            "number": row.e164,
            "label": s.label,
            "forward_to": s.forward_to,
            "ring_timeout_secs": s.ring_timeout_secs,
            "changes": { "status": { "before": "tracked", "after": "removed" } },
        }),
        now,
    )
    .await?;
    Ok(row.e164)
}

#[cfg(test)]
mod tests {
    use secrecy::SecretString;

    use super::*;
    use crate::{
        domain::{number_form::NumberForm, EmailAddress, OrgSlug, Role},
        ssr::{actor::RequestMeta, db, services::onboarding},
    };

    async fn org(db: &db::Db, slug: &str) -> StaffActor {
        let created = onboarding::create_org(
            db,
            onboarding::NewOrg {
                name: format!("{slug} HVAC"),
                slug: OrgSlug::parse(slug).unwrap(),
                timezone: OrgTimezone::parse("America/Chicago").unwrap(),
                owner_email: EmailAddress::parse(&format!("owner@{slug}.test")).unwrap(),
            },
            Some(SecretString::from("a long enough password")),
        )
        .await
        .unwrap();
        StaffActor {
            user_id: created.owner_id.as_str().to_owned(),
            org_id: created.org_id,
            role: Role::Owner,
            request: RequestMeta::default(),
        }
    }

    fn settings(forward: &str, secs: &str) -> NumberSettings {
        NumberForm {
            label: "Main line".into(),
            forward_to: forward.into(),
            ring_timeout_secs: secs.into(),
        }
        .parse(None)
        .unwrap()
    }

    async fn audit_rows(db: &db::Db, action: &str) -> Vec<serde_json::Value> {
        let rows: Vec<String> =
            crate::ssr::db::query_scalar("SELECT metadata FROM audit_events WHERE action = $1 ORDER BY chain_seq")
                .bind(action)
                .fetch_all(db)
                .await
                .unwrap();
        rows.iter().map(|m| serde_json::from_str(m).unwrap()).collect()
    }

    #[tokio::test]
    async fn add_edit_remove_and_add_again() {
        let dir = tempfile::tempdir().unwrap();
        let db = db::connect_and_migrate(&format!("sqlite://{}", dir.path().join("n.db").display()))
            .await
            .unwrap();
        let acme = org(&db, "acme").await;
        let rival = org(&db, "rival").await;
        let mut conn = db.acquire().await.unwrap();
        let number = E164Phone::parse_everyday("(512) 555-0134").unwrap();

        let id = add(&mut conn, &acme, &number, &settings("(512) 555-0135", "12"), 1)
            .await
            .unwrap();
        let listed = list(&mut conn, &acme).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(
            (listed[0].e164.as_str(), listed[0].display.as_str()),
            ("+15125550134", "(512) 555-0134")
        );
        assert!(listed[0].last_call.is_none() && !listed[0].voicemail_risk);
        assert!(list(&mut conn, &rival).await.unwrap().is_empty());

        // Tracked already: by this org or another.
        for who in [&acme, &rival] {
            assert!(matches!(
                add(&mut conn, who, &number, &settings("(512) 555-0136", "12"), 2).await,
                Err(NumbersError::Invalid(NumberFormError::NumberTaken(_)))
            ));
        }

        // Another org's number is not found; an unchanged save writes nothing.
        let changed = settings("(512) 555-0135\n(512) 555-0136", "25");
        assert!(matches!(
            update(&mut conn, &rival, &id, &changed, 3).await,
            Err(NumbersError::NotFound)
        ));
        assert!(matches!(
            remove(&mut conn, &rival, &id, 3).await,
            Err(NumbersError::NotFound)
        ));
        let same = settings("(512) 555-0135", "12");
        assert!(update(&mut conn, &acme, &id, &same, 3).await.unwrap().is_empty());
        assert_eq!(
            update(&mut conn, &acme, &id, &changed, 4).await.unwrap(),
            ["forward_to", "ring_timeout_secs"]
        );
        assert_eq!(
            audit_rows(&db, "tracked_number.updated").await,
            [json!({"number": "+15125550134", "changes": {
                "forward_to": {"before": ["+15125550135"], "after": ["+15125550135", "+15125550136"]},
                "ring_timeout_secs": {"before": 12, "after": 25},
            }})]
        );
        assert!(list(&mut conn, &acme).await.unwrap()[0].voicemail_risk);

        // Removed: gone from the list and from routing, kept in the table; tracked again.
        assert_eq!(remove(&mut conn, &acme, &id, 5).await.unwrap(), "+15125550134");
        assert!(list(&mut conn, &acme).await.unwrap().is_empty());
        assert!(tracked_numbers::find_routing(&mut conn, "+15125550134")
            .await
            .unwrap()
            .is_none());
        assert!(matches!(
            remove(&mut conn, &acme, &id, 6).await,
            Err(NumbersError::NotFound)
        ));
        assert_eq!(audit_rows(&db, "tracked_number.removed").await.len(), 1);
        let again = add(&mut conn, &rival, &number, &settings("(512) 555-0137", "12"), 7)
            .await
            .unwrap();
        assert_ne!(again, id);
        let routing = tracked_numbers::find_routing(&mut conn, "+15125550134")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(routing.org_id, rival.org());
        let rows: i64 =
            crate::ssr::db::query_scalar("SELECT COUNT(*) FROM tracked_numbers WHERE e164 = '+15125550134'")
                .fetch_one(&db)
                .await
                .unwrap();
        assert_eq!(rows, 2);
    }

    #[tokio::test]
    async fn staff_may_do_none_of_it() {
        let dir = tempfile::tempdir().unwrap();
        let db = db::connect_and_migrate(&format!("sqlite://{}", dir.path().join("n.db").display()))
            .await
            .unwrap();
        let owner = org(&db, "acme").await;
        let staff = StaffActor {
            role: Role::Staff,
            ..owner.clone()
        };
        let mut conn = db.acquire().await.unwrap();
        let number = E164Phone::parse("+15125550134").unwrap();
        let s = settings("+15125550135", "12");
        assert!(matches!(list(&mut conn, &staff).await, Err(NumbersError::Forbidden)));
        assert!(matches!(
            add(&mut conn, &staff, &number, &s, 1).await,
            Err(NumbersError::Forbidden)
        ));
        let id = add(&mut conn, &owner, &number, &s, 1).await.unwrap();
        assert!(matches!(
            update(&mut conn, &staff, &id, &s, 2).await,
            Err(NumbersError::Forbidden)
        ));
        assert!(matches!(
            remove(&mut conn, &staff, &id, 2).await,
            Err(NumbersError::Forbidden)
        ));
    }
}
