//! Password sign-in. Unknown emails, accounts still waiting for their first password and
//! wrong passwords look alike: same message, and the same argon2 work (a dummy hash is
//! verified whenever there is no real one). Failures are recorded per typed email and
//! source address. The email's recent failures from anywhere only slow answers down (a
//! delay capped at 3.2 s); refusing outright is keyed on the email *and* the source, so
//! someone who only knows the owner's email cannot lock the owner out from elsewhere. The
//! per-IP limit sits in front of this as a rate-limit layer, so floods never reach the
//! hasher.

use std::{sync::OnceLock, time::Duration};

use secrecy::SecretString;
use serde_json::json;

use crate::{
    domain::EmailAddress,
    ssr::{
        actor::{Acting, Actor, RequestMeta},
        audit::{self, AuditAction, Target},
        auth::SessionUser,
        clock::now_ms,
        db::{self, login_failures, sign_in_sources, Db},
        password,
    },
};

/// Failed attempts per email from one source per hour before sign-in from that source is
/// refused outright.
pub const MAX_FAILURES_PER_HOUR: i64 = 100;
/// Failed attempts per email from anywhere per hour beyond which only sources the account
/// signed in from before (in [`KNOWN_SOURCE_DAYS`]) may try: the ceiling on guessing one
/// password from many addresses, which never shuts the owner out of their usual places.
pub const MAX_FAILURES_PER_EMAIL_PER_HOUR: i64 = 1_000;
pub const KNOWN_SOURCE_DAYS: i64 = 90;
/// The longest typed email kept in failure records (no valid address is longer).
const MAX_STORED_EMAIL: usize = 254;
/// Failures before the growing delay starts.
const FREE_FAILURES: i64 = 5;

#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("invalid email or password")]
    Invalid,
    #[error("too many failed attempts")]
    Throttled,
    #[error("database error")]
    Db(#[from] sqlx::Error),
}

pub struct Attempt<'a> {
    pub email: &'a str,
    pub password: SecretString,
    /// Where the attempt came from (failures are counted by its address).
    pub request: &'a RequestMeta,
}

/// Computes the dummy hash up front so the first unknown-email attempt is not slower.
pub fn warm_up() {
    let _ = dummy_hash();
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        use argon2::{
            password_hash::{rand_core::OsRng, PasswordHasher, SaltString},
            Argon2,
        };
        Argon2::default()
            .hash_password(b"not a real password, only timing", &SaltString::generate(&mut OsRng))
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

/// The delay before answering after `failures` recent failures: none for the first few,
/// then doubling from 100 ms up to 3.2 s.
pub fn delay_for(failures: i64) -> Duration {
    if failures < FREE_FAILURES {
        return Duration::ZERO;
    }
    let steps = (failures - FREE_FAILURES).min(5) as u32;
    Duration::from_millis(100 * 2u64.pow(steps))
}

/// The part of a client address failures are counted by: the address itself for IPv4, its
/// /64 for IPv6 (one subscriber usually holds a whole /64).
pub fn source_key(ip: Option<&str>) -> String {
    match ip.and_then(|ip| ip.parse::<std::net::IpAddr>().ok()) {
        Some(std::net::IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0).to_string() + "/64"
            }
        },
        Some(std::net::IpAddr::V4(v4)) => v4.to_string(),
        None => "unknown".to_owned(),
    }
}

pub async fn sign_in(db: &Db, attempt: Attempt<'_>) -> Result<SessionUser, SignInError> {
    // Bounded before anything is stored: no valid address is longer.
    let typed: String = attempt
        .email
        .trim()
        .to_lowercase()
        .chars()
        .take(MAX_STORED_EMAIL)
        .collect();
    let source = source_key(attempt.request.ip.as_deref());
    let request = attempt.request;
    let now = now_ms();
    let (from_anywhere, from_here) = {
        let mut conn = db.acquire().await?;
        let since = now - 3_600_000;
        (
            login_failures::count_since(&mut conn, &typed, since).await?,
            login_failures::count_from_since(&mut conn, &typed, &source, since).await?,
        )
    };
    if from_here >= MAX_FAILURES_PER_HOUR {
        // Not recorded: a refused attempt is not another failure, and an attacker must not
        // be able to extend the lock (or grow the table) by hammering it.
        tracing::warn!(source = %source, "sign-in refused: too many failures from this source");
        return Err(SignInError::Throttled);
    }
    if from_anywhere >= MAX_FAILURES_PER_EMAIL_PER_HOUR && !known_source(db, &typed, &source, now).await? {
        tracing::warn!(source = %source, "sign-in refused: account under wide attack, source not known");
        return Err(SignInError::Throttled);
    }
    tokio::time::sleep(delay_for(from_anywhere)).await;

    let user = match EmailAddress::parse(&typed) {
        Ok(email) => {
            let mut conn = db.acquire().await?;
            db::users::find_by_email(&mut conn, email.as_str()).await?
        }
        Err(_) => None,
    };
    // An account without a usable password yet (waiting for its link, or reset) costs the
    // same argon2 work as any other, so timing does not tell it apart.
    let real = user.as_ref().filter(|u| password::is_hash(&u.password_hash));
    let phc = real.map_or_else(|| dummy_hash().to_owned(), |u| u.password_hash.clone());
    let ok = password::verify(attempt.password, phc).await && real.is_some();
    match user {
        Some(user) if ok => {
            let mut tx = db::begin_write(db).await?;
            login_failures::clear(&mut tx, &typed, &source).await?;
            sign_in_sources::remember(&mut tx, &user.id, &source, now_ms()).await?;
            let acting = Acting::new(
                Actor::User {
                    user_id: user.id.clone(),
                },
                None,
                request,
            );
            audit::record(
                &mut tx,
                &acting,
                AuditAction::SignedIn,
                Target::User(&user.id),
                json!({ "email": user.email }),
                now_ms(),
            )
            .await?;
            tx.commit().await?;
            Ok(SessionUser::from(user))
        }
        _ => {
            record_failure(db, &typed, &source, request, "invalid_credentials").await?;
            Err(SignInError::Invalid)
        }
    }
}

/// Whether the account behind `typed` signed in from `source` recently.
async fn known_source(db: &Db, typed: &str, source: &str, now: i64) -> Result<bool, sqlx::Error> {
    let mut conn = db.acquire().await?;
    let Some(user) = db::users::find_by_email(&mut conn, typed).await? else {
        return Ok(false);
    };
    sign_in_sources::is_known(&mut conn, &user.id, source, now - KNOWN_SOURCE_DAYS * 86_400_000).await
}

async fn record_failure(
    db: &Db,
    typed: &str,
    source: &str,
    request: &RequestMeta,
    reason: &str,
) -> Result<(), sqlx::Error> {
    let now = now_ms();
    let mut tx = db::begin_write(db).await?;
    login_failures::record(&mut tx, typed, source, now).await?;
    audit::record(
        &mut tx,
        &Acting::new(Actor::Anonymous, None, request),
        AuditAction::SignInFailed,
        Target::None,
        // the typed email (bounded), never the password
        json!({ "email": typed, "reason": reason }),
        now,
    )
    .await?;
    tx.commit().await?;
    tracing::warn!(reason, "sign-in failed");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_grows_and_is_capped() {
        assert_eq!(delay_for(0), Duration::ZERO);
        assert_eq!(delay_for(4), Duration::ZERO);
        assert_eq!(delay_for(5), Duration::from_millis(100));
        assert_eq!(delay_for(6), Duration::from_millis(200));
        assert_eq!(delay_for(50), Duration::from_millis(3200));
    }

    #[test]
    fn sources_are_addresses_and_ipv6_slash_64s() {
        assert_eq!(source_key(Some("203.0.113.7")), "203.0.113.7");
        assert_eq!(source_key(Some("2001:db8:1:2:aaaa::1")), "2001:db8:1:2::/64");
        assert_eq!(source_key(Some("2001:db8:1:2:bbbb::9")), "2001:db8:1:2::/64");
        assert_eq!(source_key(Some("::ffff:203.0.113.7")), "203.0.113.7");
        assert_eq!(source_key(None), "unknown");
    }
}
