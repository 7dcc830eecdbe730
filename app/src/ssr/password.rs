//! Password hashing with argon2id (the argon2 crate's defaults: 19 MiB, 2 passes, 1 lane).
//! Hashing costs ~20 ms of CPU, so it always runs on the blocking pool — and at most one
//! hash per CPU at a time: each holds 19 MiB, so an unbounded burst of sign-ins would grow
//! memory with the burst instead of queueing. Callers beyond the bound wait their turn.

use std::{
    num::NonZeroUsize,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, LazyLock,
    },
};

use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Semaphore;

pub const MIN_PASSWORD_LEN: usize = 12;

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("password must be at least {MIN_PASSWORD_LEN} characters")]
    TooShort,
    #[error("password must be at most 1024 characters")]
    TooLong,
    #[error("password hashing failed")]
    Hash,
}

/// Rejects passwords that are too short or absurdly long before any hashing happens.
pub fn check_policy(password: &SecretString) -> Result<(), PasswordError> {
    let len = password.expose_secret().chars().count();
    if len < MIN_PASSWORD_LEN {
        Err(PasswordError::TooShort)
    } else if len > 1024 {
        Err(PasswordError::TooLong)
    } else {
        Ok(())
    }
}

pub async fn hash(password: SecretString) -> Result<String, PasswordError> {
    check_policy(&password)?;
    bounded(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.expose_secret().as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|_| PasswordError::Hash)
    })
    .await
    .unwrap_or(Err(PasswordError::Hash))
}

/// Whether a stored value is a real password hash (not the marker of an account waiting
/// for its first password or a reset).
pub fn is_hash(stored: &str) -> bool {
    stored.starts_with("$argon2")
}

pub async fn verify(password: SecretString, phc: String) -> bool {
    bounded(move || {
        PasswordHash::new(&phc)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.expose_secret().as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// How many argon2 computations may run at once: one per CPU, at least two.
pub fn max_concurrent() -> usize {
    std::thread::available_parallelism().map_or(2, NonZeroUsize::get).max(2)
}

/// The most argon2 computations seen running at the same time since the process started
/// (never above [`max_concurrent`]); for tests and diagnostics.
pub fn in_flight_peak() -> usize {
    PEAK.load(Ordering::Relaxed)
}

/// Process-wide on purpose: the bound is on this machine's CPUs and memory, whoever asks.
static PERMITS: LazyLock<Arc<Semaphore>> = LazyLock::new(|| Arc::new(Semaphore::new(max_concurrent())));
static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

/// Runs `work` on the blocking pool once a permit is free. The permit moves into the
/// blocking task, so it is held until the hash is done even if the caller gives up
/// waiting (a dropped request cannot leave a hash running outside the bound).
/// `None` if the task panicked.
async fn bounded<T, F>(work: F) -> Option<T>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let permit = PERMITS.clone().acquire_owned().await.ok()?;
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let now = IN_FLIGHT.fetch_add(1, Ordering::SeqCst) + 1;
        PEAK.fetch_max(now, Ordering::SeqCst);
        let out = work();
        IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
        out
    })
    .await
    .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_never_contain_the_password() {
        let phc = hash(SecretString::from("correct horse battery")).await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(!phc.contains("correct horse"));
        assert!(verify(SecretString::from("correct horse battery"), phc.clone()).await);
        assert!(!verify(SecretString::from("wrong horse battery"), phc).await);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_hashes_queue_beyond_the_cpu_bound() {
        let phc = hash(SecretString::from("correct horse battery")).await.unwrap();
        let tasks: Vec<_> = (0..(max_concurrent() * 3))
            .map(|_| tokio::spawn(verify(SecretString::from("wrong horse battery"), phc.clone())))
            .collect();
        for t in tasks {
            assert!(!t.await.unwrap());
        }
        assert!(in_flight_peak() >= 1);
        assert!(
            in_flight_peak() <= max_concurrent(),
            "{} > {}",
            in_flight_peak(),
            max_concurrent()
        );
    }

    #[tokio::test]
    async fn short_passwords_are_refused_before_hashing() {
        assert!(matches!(
            hash(SecretString::from("short")).await,
            Err(PasswordError::TooShort)
        ));
    }
}
