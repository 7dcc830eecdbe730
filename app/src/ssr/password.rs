//! Password hashing with argon2id (the argon2 crate's defaults: 19 MiB, 2 passes, 1 lane).
//! Hashing costs ~20 ms of CPU, so it always runs on the blocking pool.

use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};
use secrecy::{ExposeSecret, SecretString};

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
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.expose_secret().as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|_| PasswordError::Hash)
    })
    .await
    .map_err(|_| PasswordError::Hash)?
}

pub async fn verify(password: SecretString, phc: String) -> bool {
    tokio::task::spawn_blocking(move || {
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

    #[tokio::test]
    async fn short_passwords_are_refused_before_hashing() {
        assert!(matches!(
            hash(SecretString::from("short")).await,
            Err(PasswordError::TooShort)
        ));
    }
}
