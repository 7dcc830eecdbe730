//! API keys for connected systems (`/app/api-keys` for owners and admins, and
//! `callsnare api-key …` for the operator): create, list, rotate and revoke. Each change
//! runs in one write (a writer job, or the command's transaction) with one audit record,
//! whose metadata names the key (name, visible prefix, scopes) and never holds its secret.
//!
//! Rules kept here, so the page, its server functions and the command line share them:
//! only roles that may manage keys manage them; a key never gets a scope its creator's
//! role could not use ([`Scope::grantable_by`]), and for the same reason nobody rotates a
//! key (and so obtains its new secret) holding a scope their role could not give; another
//! org's key is "not found". A key keeps its id through rotations: the new secret works at
//! once and the earlier one until the grace ends (default 24 h, 0 = at once); rotating
//! again ends an earlier grace at once. Revocation is final.
//!
//! How a request's key is checked, the in-memory parts (cache, last use) and the seal of
//! one-time reveals are in [`keyring`]. A secret made on the key page waits, sealed, in
//! `api_key_reveals` for the page view that shows it ([`stash_reveal`] in the write that
//! made it, [`take_reveal`] by whichever instance answers that view).

pub mod keyring;

use secrecy::SecretString;
use serde_json::json;

pub use self::keyring::{Keyring, Reveal};
use crate::{
    domain::{
        api_key::{self, ApiKeyFormError, KeyMode, KeyState},
        ids::{ApiKeyId, OrgId},
        permission::Action,
        scope::Scope,
        OrgTimezone, Role,
    },
    models::api_keys::{ApiKeyView, ApiKeysView, ScopeChoiceView},
    ssr::{
        actor::{Acting, StaffActor},
        audit::{self, view::utc_time, AuditAction, Target},
        auth::tokens,
        cluster,
        core::Core,
        db::{
            api_key_reveals::{self as reveals, NewReveal},
            api_keys::{self as store, ApiKeyRow, NewApiKey, NewSecret},
            is_unique_violation, orgs, Conn,
        },
        live::Effects,
        writer::WriteError,
    },
};

/// Who manages keys: a member (with their role there) or the operator at the command line.
#[derive(Debug, Clone)]
pub struct KeyAdmin {
    pub org_id: OrgId,
    /// What the scopes of keys they make or rotate are checked against.
    pub role: Role,
    /// The member (`None` at the command line).
    pub user_id: Option<String>,
    /// How their audit records name them.
    pub acting: Acting,
}

impl KeyAdmin {
    /// A member, in the org and with the role of their session.
    pub fn staff(a: &StaffActor) -> Self {
        Self {
            org_id: a.org_id.clone(),
            role: a.role,
            user_id: Some(a.user_id.clone()),
            acting: a.acting(),
        }
    }

    /// The operator at the command line: they run the server and may give any scope.
    pub fn cli(org_id: OrgId) -> Self {
        Self {
            acting: Acting::cli(org_id.clone()),
            org_id,
            role: Role::Owner,
            user_id: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiKeysError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("{0}")]
    Invalid(ApiKeyFormError),
    /// The scope is one the acting role could not use itself.
    #[error("Your role can't give a key the {0} scope: only an owner can.")]
    ScopeNotAllowed(Scope),
    #[error("A key named \"{0}\" already exists: revoke it or choose another name.")]
    NameTaken(String),
    /// The key is revoked or expired (rotation), or revoked already.
    #[error("{0}")]
    Refused(&'static str),
    #[error("database error")]
    Db(#[from] sqlx::Error),
}

impl ApiKeysError {
    /// The form field the refusal is about, if any.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            ApiKeysError::Invalid(e) => Some(e.field()),
            ApiKeysError::ScopeNotAllowed(_) => Some("scopes"),
            ApiKeysError::NameTaken(_) => Some("name"),
            _ => None,
        }
    }
}

impl crate::ssr::core::Refusal for ApiKeysError {
    fn into_db_error(self) -> Result<sqlx::Error, Self> {
        match self {
            ApiKeysError::Db(e) => Ok(e),
            refused => Err(refused),
        }
    }
}

/// A key to create.
#[derive(Debug, Clone)]
pub struct NewKey {
    pub name: String,
    pub scopes: Vec<Scope>,
    /// `None`: it does not expire.
    pub expires_in_days: Option<u32>,
}

/// A key just created or rotated, with its secret (to hand out once, never to store).
#[derive(Debug)]
pub struct IssuedKey {
    pub id: ApiKeyId,
    pub name: String,
    pub prefix: String,
    pub scopes: Vec<Scope>,
    pub mode: KeyMode,
    pub expires_at: Option<i64>,
    /// After a rotation: until when the earlier secret works (`None`: it stopped at once).
    pub previous_until: Option<i64>,
    pub token: SecretString,
}

const DAY_MS: i64 = 86_400_000;
const HOUR_MS: i64 = 3_600_000;

fn codes(scopes: &[Scope]) -> Vec<&'static str> {
    scopes.iter().map(|s| s.as_str()).collect()
}

fn allowed(who: &KeyAdmin) -> Result<(), ApiKeysError> {
    if who.role.can(Action::ManageApiKeys) {
        Ok(())
    } else {
        Err(ApiKeysError::Forbidden)
    }
}

/// The first of `scopes` the acting role could not give, as the refusal.
fn grantable(who: &KeyAdmin, scopes: &[Scope]) -> Result<(), ApiKeysError> {
    match scopes.iter().find(|s| !s.grantable_by(who.role)) {
        Some(s) => Err(ApiKeysError::ScopeNotAllowed(*s)),
        None => Ok(()),
    }
}

/// Creates a key for the acting org and answers it with its secret. Run it in one write.
pub async fn issue(
    conn: &mut Conn,
    who: &KeyAdmin,
    keyring: &Keyring,
    new: &NewKey,
    now: i64,
) -> Result<IssuedKey, ApiKeysError> {
    allowed(who)?;
    let name = api_key::parse_name(&new.name).map_err(ApiKeysError::Invalid)?;
    let mut scopes = new.scopes.clone();
    scopes.sort();
    scopes.dedup();
    if scopes.is_empty() {
        return Err(ApiKeysError::Invalid(ApiKeyFormError::NoScopes));
    }
    grantable(who, &scopes)?;
    let expires_at = new.expires_in_days.map(|days| now + i64::from(days) * DAY_MS);
    let minted = keyring.mint();
    let id = ApiKeyId::new();
    store::insert(
        conn,
        NewApiKey {
            id: &id,
            org_id: &who.org_id,
            name: &name,
            secret_hash: &minted.hash,
            prefix: &minted.prefix,
            mode: minted.mode,
            scopes: &scopes,
            created_by: who.user_id.as_deref(),
            expires_at,
        },
        now,
    )
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            ApiKeysError::NameTaken(name.clone())
        } else {
            e.into()
        }
    })?;
    audit::record(
        conn,
        &who.acting,
        AuditAction::ApiKeyCreated,
        Target::ApiKey(id.as_str()),
        json!({
            "name": name,
            "prefix": minted.prefix,
            "mode": minted.mode.as_str(),
            "scopes": codes(&scopes),
            "expires_at": expires_at.map(utc_time),
        }),
        now,
    )
    .await?;
    Ok(IssuedKey {
        id,
        name,
        prefix: minted.prefix,
        scopes,
        mode: minted.mode,
        expires_at,
        previous_until: None,
        token: minted.token,
    })
}

/// The acting org's keys, revoked ones too, newest first.
pub async fn list(conn: &mut Conn, who: &KeyAdmin) -> Result<Vec<ApiKeyRow>, ApiKeysError> {
    allowed(who)?;
    Ok(store::list_for_org(conn, &who.org_id).await?)
}

/// Gives the acting org's key `id` a new secret; the current one keeps working for
/// `grace_hours` (never past the key's own expiry; 0 = it stops at once). Refused for a
/// revoked or expired key, and when the key holds a scope the acting role could not give.
pub async fn rotate(
    conn: &mut Conn,
    who: &KeyAdmin,
    keyring: &Keyring,
    id: &ApiKeyId,
    grace_hours: u32,
    now: i64,
) -> Result<IssuedKey, ApiKeysError> {
    allowed(who)?;
    if grace_hours > api_key::GRACE_HOURS_MAX {
        return Err(ApiKeysError::Invalid(ApiKeyFormError::GraceHours));
    }
    let row = store::find_for_org(conn, &who.org_id, id)
        .await?
        .ok_or(ApiKeysError::NotFound)?;
    let scopes = store::scopes_from_stored(&row.scopes);
    grantable(who, &scopes)?;
    let state = KeyState::at(row.revoked_at, row.expires_at, row.previous_expires_at, now);
    match state {
        KeyState::Revoked => {
            return Err(ApiKeysError::Refused(
                "A revoked key can't be rotated: create a new one.",
            ))
        }
        KeyState::Expired => {
            return Err(ApiKeysError::Refused(
                "An expired key can't be rotated: create a new one.",
            ))
        }
        KeyState::Active | KeyState::Rotating => {}
    }
    let previous_until = (grace_hours > 0)
        .then(|| now + i64::from(grace_hours) * HOUR_MS)
        .map(|until| row.expires_at.map_or(until, |expires| until.min(expires)));
    let minted = keyring.mint();
    let rotated = store::rotate(
        conn,
        &who.org_id,
        id,
        NewSecret {
            secret_hash: &minted.hash,
            prefix: &minted.prefix,
            mode: minted.mode,
            previous_until,
        },
        now,
    )
    .await?;
    if !rotated {
        return Err(ApiKeysError::NotFound);
    }
    // Other instances (PostgreSQL) drop the key from their cache as this commits.
    cluster::key_changed(conn, id.as_str()).await?;
    audit::record(
        conn,
        &who.acting,
        AuditAction::ApiKeyRotated,
        Target::ApiKey(id.as_str()),
        json!({
            "name": row.name,
            "prefix": minted.prefix,
            "mode": minted.mode.as_str(),
            "previous_prefix": row.prefix,
            "grace_hours": grace_hours,
            "previous_until": previous_until.map(utc_time),
            // an earlier rotation's secret still in its grace stops now
            "grace_ended_for": (state == KeyState::Rotating).then_some(row.previous_prefix.clone()).flatten(),
        }),
        now,
    )
    .await?;
    Ok(IssuedKey {
        id: id.clone(),
        name: row.name,
        prefix: minted.prefix,
        scopes,
        mode: minted.mode,
        expires_at: row.expires_at,
        previous_until,
        token: minted.token,
    })
}

/// Revokes the acting org's key `id`: every request with it (either secret) is refused
/// from the commit on. Answers the key's name. Another org's key is not found; a revoked
/// one is refused.
pub async fn revoke(conn: &mut Conn, who: &KeyAdmin, id: &ApiKeyId, now: i64) -> Result<String, ApiKeysError> {
    allowed(who)?;
    let row = store::find_for_org(conn, &who.org_id, id)
        .await?
        .ok_or(ApiKeysError::NotFound)?;
    if row.revoked_at.is_some() {
        return Err(ApiKeysError::Refused("That key is revoked already."));
    }
    let before = KeyState::at(row.revoked_at, row.expires_at, row.previous_expires_at, now);
    if !store::revoke(conn, &who.org_id, id, now).await? {
        return Err(ApiKeysError::NotFound);
    }
    // Other instances (PostgreSQL) drop the key from their cache as this commits.
    cluster::key_changed(conn, id.as_str()).await?;
    audit::record(
        conn,
        &who.acting,
        AuditAction::ApiKeyRevoked,
        Target::ApiKey(id.as_str()),
        json!({
            "name": row.name,
            "prefix": row.prefix,
            "scopes": codes(&store::scopes_from_stored(&row.scopes)),
            "changes": { "state": { "before": before.as_str(), "after": KeyState::Revoked.as_str() } },
        }),
        now,
    )
    .await?;
    Ok(row.name)
}

/// How long a stored reveal waits for the page view that shows it, in ms.
pub const REVEAL_TTL_MS: i64 = keyring::REVEAL_TTL.as_millis() as i64;

/// Stores `reveal` for the one page view that shows it, sealed (see [`keyring`]): run it in
/// the write that made the key, so the key and its reveal commit together. Answers the
/// token that view names (random; only its SHA-256 is stored). It waits [`REVEAL_TTL_MS`].
pub async fn stash_reveal(
    conn: &mut Conn,
    keyring: &Keyring,
    reveal: &Reveal,
    now: i64,
) -> Result<String, sqlx::Error> {
    let shown = tokens::generate();
    let id = tokens::hash(&shown);
    let sealed_secret = keyring.seal_reveal(&id, &reveal.org_id, &reveal.user_id, &reveal.token);
    reveals::insert(
        conn,
        NewReveal {
            id: &id,
            org_id: &reveal.org_id,
            user_id: &reveal.user_id,
            key_id: &reveal.key_id,
            name: &reveal.name,
            prefix: &reveal.prefix,
            rotated: reveal.rotated,
            previous_until: reveal.previous_until,
            sealed_secret,
            expires_at: now + REVEAL_TTL_MS,
        },
        now,
    )
    .await?;
    Ok(shown)
}

/// Why a reveal could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum RevealError {
    #[error("taking the reveal failed: {0}")]
    Write(#[from] WriteError),
    /// Sealed with another key or altered: the row is gone, and nothing is shown.
    #[error("a stored reveal did not open")]
    Unopened,
}

/// The secret stored under `shown` for the member `user_id` in `org_id`, taken out of the
/// store (one `DELETE … RETURNING` through the writer, so it is handed out once, whichever
/// instance asks, and even to two asking at once), then opened. `None` for a token that
/// holds nothing, another member's or org's reveal (left in place), one shown already or
/// one past [`REVEAL_TTL_MS`].
pub async fn take_reveal(
    core: &Core,
    keyring: &Keyring,
    shown: &str,
    org_id: &str,
    user_id: &str,
    now: i64,
) -> Result<Option<Reveal>, RevealError> {
    let id = tokens::hash(shown);
    let taken = {
        let (id, org_id, user_id) = (id.clone(), org_id.to_owned(), user_id.to_owned());
        core.commit(move |conn| {
            Box::pin(async move {
                let taken = reveals::take(conn, &id, &org_id, &user_id, now).await?;
                Ok((taken, Effects::default()))
            })
        })
        .await?
    };
    let Some(row) = taken else {
        return Ok(None);
    };
    let token = keyring
        .open_reveal(&id, org_id, user_id, &row.sealed_secret)
        .ok_or(RevealError::Unopened)?;
    Ok(Some(Reveal {
        user_id: user_id.to_owned(),
        org_id: org_id.to_owned(),
        key_id: row.key_id,
        name: row.name,
        prefix: row.prefix,
        token,
        rotated: row.rotated,
        previous_until: row.previous_until,
    }))
}

/// An instant in the org's timezone, for people.
pub fn local_label(ms: i64, tz: chrono_tz::Tz) -> String {
    use chrono::TimeZone;
    chrono::Utc
        .timestamp_millis_opt(ms)
        .single()
        .map(|t| t.with_timezone(&tz).format("%b %-d, %Y, %-I:%M %p %Z").to_string())
        .unwrap_or_default()
}

/// A stored key as the page shows it to someone with `role`; `pending_last_used` is a use
/// marked in memory and not yet written.
pub fn view(row: ApiKeyRow, role: Role, tz: chrono_tz::Tz, now: i64, pending_last_used: Option<i64>) -> ApiKeyView {
    let state = KeyState::at(row.revoked_at, row.expires_at, row.previous_expires_at, now);
    let scopes = store::scopes_from_stored(&row.scopes);
    let last_used_at = match (row.last_used_at, pending_last_used) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    let rotating = state == KeyState::Rotating;
    ApiKeyView {
        id: row.id.as_str().to_owned(),
        can_rotate: state.usable() && scopes.iter().all(|s| s.grantable_by(role)),
        scopes: codes(&scopes).into_iter().map(str::to_owned).collect(),
        name: row.name,
        prefix: row.prefix,
        mode: row.mode,
        created_at: row.created_at,
        created_label: local_label(row.created_at, tz),
        created_by: row.created_by_email.unwrap_or_else(|| "the command line".to_owned()),
        last_used_at,
        last_used_label: last_used_at.map(|t| local_label(t, tz)),
        expires_at: row.expires_at,
        expires_label: row.expires_at.map(|t| local_label(t, tz)),
        state,
        previous_prefix: row.previous_prefix.filter(|_| rotating),
        previous_until_label: row.previous_expires_at.filter(|_| rotating).map(|t| local_label(t, tz)),
        revoked_label: row.revoked_at.map(|t| local_label(t, tz)),
    }
}

/// Every scope for the creation form, and whether `role` may give it.
pub fn scope_choices(role: Role) -> Vec<ScopeChoiceView> {
    Scope::ALL
        .into_iter()
        .map(|s| ScopeChoiceView {
            code: s.as_str().to_owned(),
            field: api_key::scope_field(s).to_owned(),
            description: s.describe().to_owned(),
            grantable: s.grantable_by(role),
        })
        .collect()
}

/// The key page: the org's keys (with uses marked in `keyring` and not yet written) and
/// the scopes the acting role may give.
pub async fn page(conn: &mut Conn, who: &KeyAdmin, keyring: &Keyring, now: i64) -> Result<ApiKeysView, ApiKeysError> {
    let rows = list(conn, who).await?;
    let timezone = orgs::get_timezone(conn, who.org_id.as_str()).await?;
    let tz = OrgTimezone::parse_or_utc(&timezone);
    Ok(ApiKeysView {
        keys: rows
            .into_iter()
            .map(|row| {
                let pending = keyring.pending_last_used(row.id.as_str());
                view(row, who.role, tz, now, pending)
            })
            .collect(),
        scopes: scope_choices(who.role),
        mode: keyring.mode().as_str().to_owned(),
        timezone,
    })
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::{keyring::KeyRejected, *};
    use crate::{
        domain::{EmailAddress, OrgSlug},
        ssr::{actor::RequestMeta, db, services::onboarding},
    };

    async fn temp_db() -> (tempfile::TempDir, db::Db) {
        let dir = tempfile::tempdir().unwrap();
        let db = db::connect_and_migrate(&format!("sqlite://{}", dir.path().join("k.db").display()))
            .await
            .unwrap();
        (dir, db)
    }

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

    fn key(name: &str, scopes: &[Scope]) -> NewKey {
        NewKey {
            name: name.into(),
            scopes: scopes.to_vec(),
            expires_in_days: None,
        }
    }

    /// Everything the database file holds that a secret could have leaked into.
    async fn everything_stored(db: &db::Db) -> String {
        let rows: Vec<(String, String, String)> =
            crate::ssr::db::query_as("SELECT secret_hash, prefix, COALESCE(previous_secret_hash, '') FROM api_keys")
                .fetch_all(db)
                .await
                .unwrap();
        let audit: Vec<String> = crate::ssr::db::query_scalar("SELECT metadata FROM audit_events")
            .fetch_all(db)
            .await
            .unwrap();
        format!("{rows:?} {audit:?}")
    }

    #[tokio::test]
    async fn create_check_rotate_with_grace_and_revoke() {
        let (_dir, db) = temp_db().await;
        let acme = org(&db, "acme").await;
        let rival = org(&db, "rival").await;
        let ring = Keyring::load(&db, false).await.unwrap();
        let owner = KeyAdmin::staff(&acme);
        let mut conn = db.acquire().await.unwrap();
        let now = 1_800_000_000_000;

        let issued = issue(
            &mut conn,
            &owner,
            &ring,
            &key(" Zapier ", &[Scope::MessagesSend, Scope::LeadsRead]),
            now,
        )
        .await
        .unwrap();
        let first = issued.token.expose_secret().to_owned();
        assert_eq!(issued.name, "Zapier");
        assert_eq!(issued.scopes, [Scope::LeadsRead, Scope::MessagesSend]);
        assert!(first.starts_with("cs_test_") && first.starts_with(&issued.prefix));
        let ok = ring.verify(&db, &first, now).await.unwrap();
        assert_eq!(
            (ok.key_id.as_str(), ok.org_id.as_str(), ok.name.as_str()),
            (issued.id.as_str(), acme.org(), "Zapier")
        );
        assert_eq!(ok.scopes, [Scope::LeadsRead, Scope::MessagesSend]);
        // a key of the other mode, a typo, and a well-formed stranger are refused
        let live = Keyring::load(&db, true).await.unwrap();
        assert!(matches!(
            live.verify(&db, &first, now).await,
            Err(KeyRejected::WrongMode)
        ));
        let stranger = ring.mint();
        assert!(matches!(
            ring.verify(&db, stranger.token.expose_secret(), now).await,
            Err(KeyRejected::Unknown)
        ));
        let mut typo = first.clone();
        typo.replace_range(20..21, if &first[20..21] == "a" { "b" } else { "a" });
        assert!(matches!(
            ring.verify(&db, &typo, now).await,
            Err(KeyRejected::Malformed(_))
        ));

        // Names are unique among the org's keys not revoked; other orgs may reuse them.
        assert!(matches!(
            issue(&mut conn, &owner, &ring, &key("Zapier", &[Scope::LeadsRead]), now).await,
            Err(ApiKeysError::NameTaken(_))
        ));
        issue(
            &mut conn,
            &KeyAdmin::staff(&rival),
            &ring,
            &key("Zapier", &[Scope::LeadsRead]),
            now,
        )
        .await
        .unwrap();

        // Rotated with a grace: both secrets work, the earlier one until the grace ends.
        let rotated = rotate(&mut conn, &owner, &ring, &issued.id, 2, now + 1).await.unwrap();
        ring.forget(issued.id.as_str());
        let second = rotated.token.expose_secret().to_owned();
        assert_eq!(rotated.id, issued.id);
        assert_eq!(rotated.previous_until, Some(now + 1 + 2 * HOUR_MS));
        assert!(ring.verify(&db, &second, now + 2).await.is_ok());
        assert!(ring.verify(&db, &first, now + 2).await.is_ok());
        assert!(matches!(
            ring.verify(&db, &first, now + 1 + 2 * HOUR_MS).await,
            Err(KeyRejected::Expired)
        ));
        assert!(ring.verify(&db, &second, now + 1 + 2 * HOUR_MS).await.is_ok());
        let listed = page(&mut conn, &owner, &ring, now + 3).await.unwrap();
        let ours = listed.keys.iter().find(|k| k.id == issued.id.as_str()).unwrap();
        assert_eq!(ours.state, KeyState::Rotating);
        assert_eq!(ours.previous_prefix.as_deref(), Some(issued.prefix.as_str()));
        assert_eq!(
            ours.last_used_at,
            Some(now + 1 + 2 * HOUR_MS),
            "marked in memory, shown at once"
        );
        assert!(ours.can_rotate);

        // Rotated again without grace: the earlier secrets stop at once.
        let third = rotate(&mut conn, &owner, &ring, &issued.id, 0, now + 4).await.unwrap();
        ring.forget(issued.id.as_str());
        assert_eq!(third.previous_until, None);
        assert!(matches!(
            ring.verify(&db, &first, now + 5).await,
            Err(KeyRejected::Unknown)
        ));
        assert!(matches!(
            ring.verify(&db, &second, now + 5).await,
            Err(KeyRejected::Unknown)
        ));
        assert!(ring.verify(&db, third.token.expose_secret(), now + 5).await.is_ok());

        // Another org's key is not found; revoked is final, and seen at once once forgotten.
        assert!(matches!(
            revoke(&mut conn, &KeyAdmin::staff(&rival), &issued.id, now + 6).await,
            Err(ApiKeysError::NotFound)
        ));
        assert!(matches!(
            rotate(&mut conn, &KeyAdmin::staff(&rival), &ring, &issued.id, 24, now + 6).await,
            Err(ApiKeysError::NotFound)
        ));
        assert_eq!(revoke(&mut conn, &owner, &issued.id, now + 6).await.unwrap(), "Zapier");
        ring.forget(issued.id.as_str());
        assert!(matches!(
            ring.verify(&db, third.token.expose_secret(), now + 7).await,
            Err(KeyRejected::Revoked)
        ));
        assert!(matches!(
            revoke(&mut conn, &owner, &issued.id, now + 8).await,
            Err(ApiKeysError::Refused(_))
        ));
        assert!(matches!(
            rotate(&mut conn, &owner, &ring, &issued.id, 24, now + 8).await,
            Err(ApiKeysError::Refused(_))
        ));
        // the name is free again once revoked
        issue(&mut conn, &owner, &ring, &key("Zapier", &[Scope::LeadsRead]), now + 9)
            .await
            .unwrap();

        // Audited, each naming the key, none holding a secret.
        let actions: Vec<(String, Option<String>, Option<String>)> = crate::ssr::db::query_as(
            "SELECT action, actor_id, target_id FROM audit_events WHERE action LIKE 'api_key.%' AND org_id = $1 \
             ORDER BY chain_seq",
        )
        .bind(acme.org())
        .fetch_all(&db)
        .await
        .unwrap();
        let names: Vec<&str> = actions.iter().map(|(a, _, _)| a.as_str()).collect();
        assert_eq!(
            names,
            [
                "api_key.created",
                "api_key.rotated",
                "api_key.rotated",
                "api_key.revoked",
                "api_key.created"
            ]
        );
        assert!(actions[..4]
            .iter()
            .all(|(_, actor, target)| actor.as_deref() == Some(acme.user_id.as_str())
                && target.as_deref() == Some(issued.id.as_str())));
        let stored = everything_stored(&db).await;
        for secret in [first.as_str(), second.as_str(), third.token.expose_secret()] {
            assert!(!stored.contains(&secret[12..]), "a secret was stored");
        }
        assert!(stored.contains(&issued.prefix));
    }

    #[tokio::test]
    async fn a_key_never_gets_a_scope_its_creators_role_could_not_use() {
        let (_dir, db) = temp_db().await;
        let acme = org(&db, "acme").await;
        let ring = Keyring::load(&db, false).await.unwrap();
        let owner = KeyAdmin::staff(&acme);
        let admin = KeyAdmin::staff(&StaffActor {
            role: Role::Admin,
            ..acme.clone()
        });
        let staff = KeyAdmin::staff(&StaffActor {
            role: Role::Staff,
            ..acme.clone()
        });
        let mut conn = db.acquire().await.unwrap();
        assert!(matches!(
            issue(&mut conn, &staff, &ring, &key("Mine", &[Scope::LeadsRead]), 1).await,
            Err(ApiKeysError::Forbidden)
        ));
        assert!(matches!(list(&mut conn, &staff).await, Err(ApiKeysError::Forbidden)));
        assert!(matches!(
            issue(
                &mut conn,
                &admin,
                &ring,
                &key("Books", &[Scope::LeadsRead, Scope::BillingRead]),
                1
            )
            .await,
            Err(ApiKeysError::ScopeNotAllowed(Scope::BillingRead))
        ));
        assert!(matches!(
            issue(&mut conn, &admin, &ring, &key("Nothing", &[]), 1).await,
            Err(ApiKeysError::Invalid(ApiKeyFormError::NoScopes))
        ));
        assert!(matches!(
            issue(&mut conn, &admin, &ring, &key("", &[Scope::LeadsRead]), 1).await,
            Err(ApiKeysError::Invalid(ApiKeyFormError::Name))
        ));
        let audit = issue(&mut conn, &admin, &ring, &key("Audit", &[Scope::AuditRead]), 1)
            .await
            .unwrap();
        // An owner's billing key: the admin may revoke it, but not rotate it (and so obtain
        // a secret with a scope their role lacks).
        let billing = issue(&mut conn, &owner, &ring, &key("Books", &[Scope::BillingRead]), 1)
            .await
            .unwrap();
        assert!(matches!(
            rotate(&mut conn, &admin, &ring, &billing.id, 24, 2).await,
            Err(ApiKeysError::ScopeNotAllowed(Scope::BillingRead))
        ));
        let shown = page(&mut conn, &admin, &ring, 2).await.unwrap();
        let can_rotate: Vec<(&str, bool)> = shown.keys.iter().map(|k| (k.name.as_str(), k.can_rotate)).collect();
        assert_eq!(can_rotate, [("Books", false), ("Audit", true)]);
        assert!(
            !shown
                .scopes
                .iter()
                .find(|s| s.code == "billing:read")
                .unwrap()
                .grantable
        );
        assert!(rotate(&mut conn, &admin, &ring, &audit.id, 24, 2).await.is_ok());
        assert!(revoke(&mut conn, &admin, &billing.id, 3).await.is_ok());
        // The command line acts for the operator: any scope.
        let cli = KeyAdmin::cli(acme.org_id.clone());
        let all = issue(&mut conn, &cli, &ring, &key("Everything", &Scope::ALL), 4)
            .await
            .unwrap();
        assert_eq!(all.scopes.len(), Scope::ALL.len());
        let made_by: Option<String> = crate::ssr::db::query_scalar("SELECT created_by FROM api_keys WHERE id = $1")
            .bind(all.id.as_str())
            .fetch_one(&db)
            .await
            .unwrap();
        assert_eq!(made_by, None);
    }

    #[tokio::test]
    async fn an_expired_key_is_refused_and_cannot_be_rotated() {
        let (_dir, db) = temp_db().await;
        let acme = org(&db, "acme").await;
        let ring = Keyring::load(&db, false).await.unwrap();
        let owner = KeyAdmin::staff(&acme);
        let mut conn = db.acquire().await.unwrap();
        let mut new = key("Short", &[Scope::LeadsRead]);
        new.expires_in_days = Some(1);
        let issued = issue(&mut conn, &owner, &ring, &new, 0).await.unwrap();
        assert_eq!(issued.expires_at, Some(DAY_MS));
        let token = issued.token.expose_secret().to_owned();
        assert!(ring.verify(&db, &token, DAY_MS - 1).await.is_ok());
        assert!(matches!(
            ring.verify(&db, &token, DAY_MS).await,
            Err(KeyRejected::Expired)
        ));
        // a grace never outlives the key
        let rotated = rotate(&mut conn, &owner, &ring, &issued.id, 720, DAY_MS - 10)
            .await
            .unwrap();
        assert_eq!(rotated.previous_until, Some(DAY_MS));
        assert!(matches!(
            rotate(&mut conn, &owner, &ring, &issued.id, 24, DAY_MS).await,
            Err(ApiKeysError::Refused(_))
        ));
        let shown = page(&mut conn, &owner, &ring, DAY_MS).await.unwrap();
        assert_eq!(shown.keys[0].state, KeyState::Expired);
        assert!(!shown.keys[0].can_rotate);
    }

    #[tokio::test]
    async fn a_reveal_waits_sealed_in_the_store_and_is_taken_once_by_its_maker() {
        let (_dir, db) = temp_db().await;
        let acme = org(&db, "acme").await;
        let rival = org(&db, "rival").await;
        let ring = Keyring::load(&db, false).await.unwrap();
        let now = 1_800_000_000_000;
        let mut conn = db.acquire().await.unwrap();
        let issued = issue(
            &mut conn,
            &KeyAdmin::staff(&acme),
            &ring,
            &key("Zapier", &[Scope::LeadsRead]),
            now,
        )
        .await
        .unwrap();
        let secret = issued.token.expose_secret().to_owned();
        let reveal = Reveal {
            user_id: acme.user_id.clone(),
            org_id: acme.org().to_owned(),
            key_id: issued.id.as_str().to_owned(),
            name: issued.name.clone(),
            prefix: issued.prefix.clone(),
            token: issued.token.clone(),
            rotated: false,
            previous_until: None,
        };
        let shown = stash_reveal(&mut conn, &ring, &reveal, now).await.unwrap();
        assert!(shown.len() == 64 && shown.bytes().all(|b| b.is_ascii_hexdigit()));

        // Stored: the token's hash and the sealed secret; neither the token nor the secret.
        let (id, sealed, expires_at): (String, Vec<u8>, i64) =
            crate::ssr::db::query_as("SELECT id, sealed_secret, expires_at FROM api_key_reveals")
                .fetch_one(&db)
                .await
                .unwrap();
        assert_eq!(id, tokens::hash(&shown));
        assert_ne!(id, shown);
        assert_eq!(expires_at, now + REVEAL_TTL_MS);
        let tail = &secret.as_bytes()[12..];
        assert!(!sealed.windows(16).any(|w| tail.windows(16).any(|t| t == w)));

        let writer = crate::ssr::writer::Writer::spawn(&db).await.unwrap();
        let core = crate::ssr::core::Core::new(db.clone(), writer);
        // Another member, another org, a token that holds nothing: nothing, and it stays.
        let (org_id, user_id) = (acme.org(), acme.user_id.as_str());
        assert!(take_reveal(&core, &ring, &shown, org_id, "usr_other", now)
            .await
            .unwrap()
            .is_none());
        assert!(take_reveal(&core, &ring, &shown, rival.org(), user_id, now)
            .await
            .unwrap()
            .is_none());
        assert!(take_reveal(&core, &ring, &tokens::generate(), org_id, user_id, now)
            .await
            .unwrap()
            .is_none());
        // Another keyring on the same database (another instance) opens it, once.
        let other = Keyring::load(&db, false).await.unwrap();
        let taken = take_reveal(&core, &other, &shown, org_id, user_id, now + 1)
            .await
            .unwrap()
            .expect("its maker sees it");
        assert_eq!(taken.token.expose_secret(), secret);
        assert_eq!(
            (
                taken.key_id.as_str(),
                taken.name.as_str(),
                taken.prefix.as_str(),
                taken.rotated
            ),
            (issued.id.as_str(), "Zapier", issued.prefix.as_str(), false)
        );
        assert!(
            take_reveal(&core, &ring, &shown, org_id, user_id, now + 2)
                .await
                .unwrap()
                .is_none(),
            "only once"
        );

        // A sealed secret moved to another row does not open (and is not shown).
        let moved = tokens::generate();
        reveals::insert(
            &mut conn,
            NewReveal {
                id: &tokens::hash(&moved),
                org_id,
                user_id,
                key_id: issued.id.as_str(),
                name: "Zapier",
                prefix: &issued.prefix,
                rotated: false,
                previous_until: None,
                sealed_secret: sealed,
                expires_at: now + REVEAL_TTL_MS,
            },
            now,
        )
        .await
        .unwrap();
        assert!(matches!(
            take_reveal(&core, &ring, &moved, org_id, user_id, now).await,
            Err(RevealError::Unopened)
        ));

        // Past its time: not shown, and housekeeping's delete takes it away.
        let late = stash_reveal(&mut conn, &ring, &reveal, now).await.unwrap();
        assert!(take_reveal(&core, &ring, &late, org_id, user_id, now + REVEAL_TTL_MS)
            .await
            .unwrap()
            .is_none());
        assert_eq!(
            reveals::prune_expired(&mut conn, now + REVEAL_TTL_MS - 1, 100)
                .await
                .unwrap(),
            0
        );
        assert_eq!(
            reveals::prune_expired(&mut conn, now + REVEAL_TTL_MS, 100)
                .await
                .unwrap(),
            1
        );
        let left: i64 = crate::ssr::db::query_scalar("SELECT COUNT(*) FROM api_key_reveals")
            .fetch_one(&db)
            .await
            .unwrap();
        assert_eq!(left, 0);
    }

    #[tokio::test]
    async fn last_use_is_written_by_the_flush_not_by_the_request() {
        let (_dir, db) = temp_db().await;
        let acme = org(&db, "acme").await;
        let ring = Keyring::load(&db, false).await.unwrap();
        let issued = {
            let mut conn = db.acquire().await.unwrap();
            issue(
                &mut conn,
                &KeyAdmin::staff(&acme),
                &ring,
                &key("Z", &[Scope::LeadsRead]),
                1,
            )
            .await
            .unwrap()
        };
        assert!(ring.verify(&db, issued.token.expose_secret(), 50).await.is_ok());
        let stored = || async {
            let at: Option<i64> = crate::ssr::db::query_scalar("SELECT last_used_at FROM api_keys")
                .fetch_one(&db)
                .await
                .unwrap();
            at
        };
        assert_eq!(stored().await, None);
        let writer = crate::ssr::writer::Writer::spawn(&db).await.unwrap();
        let core = crate::ssr::core::Core::new(db.clone(), writer);
        assert_eq!(ring.flush_last_used(&core).await.unwrap(), 1);
        assert_eq!(stored().await, Some(50));
        assert_eq!(ring.flush_last_used(&core).await.unwrap(), 0, "nothing new");
        assert!(ring.verify(&db, issued.token.expose_secret(), 40).await.is_ok());
        ring.flush_last_used(&core).await.unwrap();
        assert_eq!(stored().await, Some(50), "never moves back");
    }
}
