//! axum-login backend. The session auth hash is derived from the password hash (a SHA-256
//! of it: session rows never hold the hash itself), so a password change or reset ends
//! every other session of that user.

use axum_login::{AuthUser, AuthnBackend, UserId};

use crate::ssr::db::{self, Db};

#[derive(Clone)]
pub struct SessionUser {
    pub id: String,
    pub email: String,
    auth_hash: [u8; 32],
}

impl std::fmt::Debug for SessionUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionUser")
            .field("id", &self.id)
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

impl From<db::users::UserRow> for SessionUser {
    fn from(r: db::users::UserRow) -> Self {
        use sha2::{Digest, Sha256};
        // Domain-separated, so the value means nothing outside this use.
        let auth_hash = Sha256::new()
            .chain_update(b"callsnare session auth v1\0")
            .chain_update(r.password_hash.as_bytes())
            .finalize()
            .into();
        Self {
            id: r.id,
            email: r.email,
            auth_hash,
        }
    }
}

impl AuthUser for SessionUser {
    type Id = String;

    fn id(&self) -> String {
        self.id.clone()
    }

    fn session_auth_hash(&self) -> &[u8] {
        &self.auth_hash
    }
}

#[derive(Clone, Debug)]
pub struct Backend {
    pub db: Db,
}

/// Credentials are checked by [`super::sign_in`] (throttling, audit, equal timing); the
/// backend only loads users for sessions.
pub struct NoCredentials;

#[derive(Debug, thiserror::Error)]
#[error("session store error")]
pub struct BackendError(#[from] sqlx::Error);

impl AuthnBackend for Backend {
    type User = SessionUser;
    type Credentials = NoCredentials;
    type Error = BackendError;

    async fn authenticate(&self, _: NoCredentials) -> Result<Option<SessionUser>, BackendError> {
        Ok(None)
    }

    async fn get_user(&self, id: &UserId<Self>) -> Result<Option<SessionUser>, BackendError> {
        let mut conn = self.db.acquire().await?;
        Ok(db::users::find(&mut conn, id).await?.map(SessionUser::from))
    }
}

pub type AuthSession = axum_login::AuthSession<Backend>;
