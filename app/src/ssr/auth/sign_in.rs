//! Password sign-in. Unknown emails and wrong passwords look alike: same message, and the
//! same argon2 work (a dummy hash is verified when there is no account). Failures are
//! recorded per typed email, which drives a growing delay and an hourly cap; the per-IP
//! limit sits in front of this as a rate-limit layer, so floods never reach the hasher.

use std::{sync::OnceLock, time::Duration};

use secrecy::SecretString;
use serde_json::json;

use crate::{
    domain::EmailAddress,
    ssr::{
        audit::{self, ActorKind, AuditAction, AuditEntry},
        auth::SessionUser,
        clock::now_ms,
        db::{self, login_failures, Db},
        password,
    },
};

/// Failed attempts per email per hour before sign-in is refused outright.
pub const MAX_FAILURES_PER_HOUR: i64 = 100;
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
    pub ip: Option<&'a str>,
    pub request_id: Option<&'a str>,
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

/// The parts of an attempt that go into records (never the password).
struct Meta<'a> {
    ip: Option<&'a str>,
    request_id: Option<&'a str>,
}

pub async fn sign_in(db: &Db, attempt: Attempt<'_>) -> Result<SessionUser, SignInError> {
    let typed = attempt.email.trim().to_lowercase();
    let meta = Meta {
        ip: attempt.ip,
        request_id: attempt.request_id,
    };
    let now = now_ms();
    let recent = {
        let mut conn = db.acquire().await?;
        login_failures::count_since(&mut conn, &typed, now - 3_600_000).await?
    };
    if recent >= MAX_FAILURES_PER_HOUR {
        record_failure(db, &typed, &meta, "throttled").await?;
        return Err(SignInError::Throttled);
    }
    tokio::time::sleep(delay_for(recent)).await;

    let user = match EmailAddress::parse(&typed) {
        Ok(email) => {
            let mut conn = db.acquire().await?;
            db::users::find_by_email(&mut conn, email.as_str()).await?
        }
        Err(_) => None,
    };
    let phc = user
        .as_ref()
        .map_or_else(|| dummy_hash().to_owned(), |u| u.password_hash.clone());
    let ok = password::verify(attempt.password, phc).await && user.is_some();
    match user {
        Some(user) if ok => {
            let mut tx = db::begin_write(db).await?;
            login_failures::clear(&mut tx, &typed).await?;
            audit::record(
                &mut tx,
                AuditEntry {
                    org_id: None,
                    actor_kind: ActorKind::User,
                    actor_id: Some(&user.id),
                    action: AuditAction::SignedIn,
                    target_kind: Some("user"),
                    target_id: Some(&user.id),
                    request_id: meta.request_id,
                    ip: meta.ip,
                    metadata: json!({ "email": user.email }),
                },
                now_ms(),
            )
            .await?;
            tx.commit().await?;
            Ok(SessionUser::from(user))
        }
        _ => {
            record_failure(db, &typed, &meta, "invalid_credentials").await?;
            Err(SignInError::Invalid)
        }
    }
}

async fn record_failure(db: &Db, typed: &str, attempt: &Meta<'_>, reason: &str) -> Result<(), sqlx::Error> {
    let now = now_ms();
    let mut tx = db::begin_write(db).await?;
    login_failures::record(&mut tx, typed, attempt.ip, now).await?;
    audit::record(
        &mut tx,
        AuditEntry {
            org_id: None,
            actor_kind: ActorKind::User,
            actor_id: None,
            action: AuditAction::SignInFailed,
            target_kind: None,
            target_id: None,
            request_id: attempt.request_id,
            ip: attempt.ip,
            // the typed email (bounded), never the password
            metadata: json!({ "email": typed.chars().take(254).collect::<String>(), "reason": reason }),
        },
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
}
