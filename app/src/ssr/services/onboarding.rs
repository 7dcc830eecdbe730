//! Creating organisations and tracked numbers. Each use-case is one write transaction:
//! it either lands whole, with its audit record, or not at all.

use secrecy::SecretString;
use serde_json::json;

use crate::{
    domain::{
        ids::{OrgId, TrackedNumberId, UserId},
        E164Phone, EmailAddress, OrgSlug, OrgTimezone, Role,
    },
    ssr::{
        actor::Acting,
        audit::{self, AuditAction, Target},
        clock::now_ms,
        db::{self, is_unique_violation, memberships, orgs, routing_settings, tracked_numbers, Db},
        password,
    },
};

pub struct NewOrg {
    pub name: String,
    pub slug: OrgSlug,
    pub timezone: OrgTimezone,
    pub owner_email: EmailAddress,
}

#[derive(Debug)]
pub struct CreatedOrg {
    pub org_id: OrgId,
    pub owner_id: UserId,
    /// False when the owner already had an account (kept their password).
    pub owner_created: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum CreateOrgError {
    #[error("organisation name must be 1-120 characters")]
    BadName,
    #[error("an organisation with slug '{0}' already exists")]
    SlugTaken(String),
    #[error("a password is required for a new owner account")]
    PasswordRequired,
    #[error(transparent)]
    Password(#[from] password::PasswordError),
    #[error("database error")]
    Db(#[from] sqlx::Error),
}

/// Creates an org, its default routing settings and its owner. An existing user with the
/// owner's email becomes owner of the new org too (multi-location contractors), keeping
/// their password; a new user needs `owner_password`.
pub async fn create_org(
    db: &Db,
    new: NewOrg,
    owner_password: Option<SecretString>,
) -> Result<CreatedOrg, CreateOrgError> {
    let name = new.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 120 {
        return Err(CreateOrgError::BadName);
    }

    // Hash outside the transaction: it is slow and needs no lock.
    let existing_owner = {
        let mut conn = db.acquire().await?;
        db::users::find_id_by_email(&mut conn, &new.owner_email).await?
    };
    let owner_hash = match (&existing_owner, owner_password) {
        (Some(_), _) => None,
        (None, Some(pw)) => Some(password::hash(pw).await?),
        (None, None) => return Err(CreateOrgError::PasswordRequired),
    };

    let now = now_ms();
    let org_id = OrgId::new();
    let mut tx = db::begin_write(db).await?;
    orgs::insert(&mut tx, &org_id, &new.slug, &name, &new.timezone, now)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                CreateOrgError::SlugTaken(new.slug.to_string())
            } else {
                e.into()
            }
        })?;
    routing_settings::insert_defaults(&mut tx, &org_id, now).await?;

    let (owner_id, owner_created) = match (existing_owner, owner_hash) {
        (Some(id), _) => (UserId::parse(&id).map_err(|e| sqlx::Error::Decode(Box::new(e)))?, false),
        (None, Some(hash)) => {
            let id = UserId::new();
            db::users::insert(&mut tx, &id, &new.owner_email, &hash, now).await?;
            (id, true)
        }
        (None, None) => return Err(CreateOrgError::PasswordRequired),
    };
    memberships::insert(&mut tx, &org_id, &owner_id, Role::Owner, now).await?;

    // Recorded as an operator action, also when the first-run setup page creates the org.
    let acting = Acting::cli(org_id.clone());
    audit::record(
        &mut tx,
        &acting,
        AuditAction::OrgCreated,
        Target::Org(org_id.as_str()),
        json!({ "slug": new.slug.as_str(), "name": name, "timezone": new.timezone.as_str() }),
        now,
    )
    .await?;
    audit::record(
        &mut tx,
        &acting,
        AuditAction::MemberAdded,
        Target::User(owner_id.as_str()),
        json!({ "role": "owner", "email": new.owner_email.as_str(), "new_account": owner_created }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(CreatedOrg {
        org_id,
        owner_id,
        owner_created,
    })
}

pub struct NewNumber {
    pub org_slug: OrgSlug,
    pub e164: E164Phone,
    pub forward_to: Vec<E164Phone>,
    pub label: String,
    pub ring_timeout_secs: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum AddNumberError {
    #[error("no organisation with slug '{0}'")]
    UnknownOrg(String),
    #[error("{0} is already tracked")]
    NumberTaken(String),
    #[error("a number cannot forward to itself")]
    ForwardsToItself,
    #[error("at least one forward-to number is required (at most 10)")]
    BadForwardList,
    #[error("ring timeout must be between 5 and 600 seconds")]
    BadRingTimeout,
    #[error("label must be at most 80 characters")]
    BadLabel,
    #[error("database error")]
    Db(#[from] sqlx::Error),
}

pub async fn add_number(db: &Db, new: NewNumber) -> Result<TrackedNumberId, AddNumberError> {
    if new.forward_to.is_empty() || new.forward_to.len() > 10 {
        return Err(AddNumberError::BadForwardList);
    }
    if new.forward_to.contains(&new.e164) {
        return Err(AddNumberError::ForwardsToItself);
    }
    let ring_timeout_secs = new
        .ring_timeout_secs
        .unwrap_or(tracked_numbers::DEFAULT_RING_TIMEOUT_SECS);
    if !(5..=600).contains(&ring_timeout_secs) {
        return Err(AddNumberError::BadRingTimeout);
    }
    let label = new.label.trim();
    if label.chars().count() > 80 {
        return Err(AddNumberError::BadLabel);
    }

    let now = now_ms();
    let mut tx = db::begin_write(db).await?;
    let org = orgs::find_by_slug(&mut tx, &new.org_slug)
        .await?
        .ok_or_else(|| AddNumberError::UnknownOrg(new.org_slug.to_string()))?;
    let org_id = OrgId::parse(&org.id).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
    let id = TrackedNumberId::new();
    tracked_numbers::insert(
        &mut tx,
        tracked_numbers::NewTrackedNumber {
            id: &id,
            org_id: &org_id,
            e164: &new.e164,
            label,
            forward_to: &new.forward_to,
            ring_timeout_secs,
        },
        now,
    )
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            AddNumberError::NumberTaken(new.e164.to_string())
        } else {
            e.into()
        }
    })?;
    audit::record(
        &mut tx,
        &Acting::cli(org_id.clone()),
        AuditAction::NumberAdded,
        Target::TrackedNumber(id.as_str()),
        json!({ "number": new.e164.as_str(), "forward_to": new.forward_to, "label": label, "ring_timeout_secs": ring_timeout_secs }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Sets the escalation window and number for an org (operator command).
pub async fn set_escalation(
    db: &Db,
    slug: &OrgSlug,
    number: Option<&E164Phone>,
    minutes: i64,
) -> Result<(), AddNumberError> {
    if !(0..=1440).contains(&minutes) {
        return Err(AddNumberError::BadRingTimeout);
    }
    let now = now_ms();
    let mut tx = db::begin_write(db).await?;
    let org = orgs::find_by_slug(&mut tx, slug)
        .await?
        .ok_or_else(|| AddNumberError::UnknownOrg(slug.to_string()))?;
    let org_id = OrgId::parse(&org.id).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
    routing_settings::update_escalation(&mut tx, &org_id, number.map(E164Phone::as_str), minutes, now).await?;
    audit::record(
        &mut tx,
        &Acting::cli(org_id.clone()),
        AuditAction::EscalationSettingsChanged,
        Target::Org(org_id.as_str()),
        json!({ "escalation_number": number.map(E164Phone::as_str), "escalation_minutes": minutes }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn test_db() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let db = db::connect_and_migrate(&url).await.unwrap();
        (dir, db)
    }

    fn acme() -> NewOrg {
        NewOrg {
            name: "Acme Heating & Air".into(),
            slug: OrgSlug::parse("acme").unwrap(),
            timezone: OrgTimezone::parse("America/Chicago").unwrap(),
            owner_email: EmailAddress::parse("owner@acme.test").unwrap(),
        }
    }

    async fn count(db: &Db, table: &str) -> i64 {
        crate::ssr::db::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(db)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn duplicate_slug_is_rejected_and_writes_nothing() {
        let (_dir, db) = test_db().await;
        create_org(&db, acme(), Some(SecretString::from("a long enough password")))
            .await
            .unwrap();
        let before = (
            count(&db, "orgs").await,
            count(&db, "audit_events").await,
            count(&db, "memberships").await,
        );
        let mut again = acme();
        again.owner_email = EmailAddress::parse("other@acme.test").unwrap();
        let err = create_org(&db, again, Some(SecretString::from("a long enough password")))
            .await
            .unwrap_err();
        assert!(matches!(err, CreateOrgError::SlugTaken(_)), "{err:?}");
        let after = (
            count(&db, "orgs").await,
            count(&db, "audit_events").await,
            count(&db, "memberships").await,
        );
        assert_eq!(before, after);
        assert_eq!(count(&db, "users").await, 1, "the second owner must not be left behind");
    }

    #[tokio::test]
    async fn existing_user_becomes_owner_of_a_second_location() {
        let (_dir, db) = test_db().await;
        let first = create_org(&db, acme(), Some(SecretString::from("a long enough password")))
            .await
            .unwrap();
        let mut second = acme();
        second.slug = OrgSlug::parse("acme-north").unwrap();
        let created = create_org(&db, second, None).await.unwrap();
        assert_eq!(created.owner_id, first.owner_id);
        assert!(!created.owner_created);
        assert_eq!(count(&db, "memberships").await, 2);
    }

    #[tokio::test]
    async fn number_rules_are_enforced() {
        let (_dir, db) = test_db().await;
        create_org(&db, acme(), Some(SecretString::from("a long enough password")))
            .await
            .unwrap();
        let num = |e164: &str, fwd: &str| NewNumber {
            org_slug: OrgSlug::parse("acme").unwrap(),
            e164: E164Phone::parse(e164).unwrap(),
            forward_to: E164Phone::parse_list(fwd).unwrap(),
            label: "Main line".into(),
            ring_timeout_secs: None,
        };
        add_number(&db, num("+14155550100", "+14155550101")).await.unwrap();
        assert!(matches!(
            add_number(&db, num("+14155550100", "+14155550102")).await,
            Err(AddNumberError::NumberTaken(_))
        ));
        assert!(matches!(
            add_number(&db, num("+14155550103", "+14155550103")).await,
            Err(AddNumberError::ForwardsToItself)
        ));
        let mut unknown = num("+14155550104", "+14155550101");
        unknown.org_slug = OrgSlug::parse("nobody").unwrap();
        assert!(matches!(
            add_number(&db, unknown).await,
            Err(AddNumberError::UnknownOrg(_))
        ));
        assert_eq!(count(&db, "tracked_numbers").await, 1);
    }
}
