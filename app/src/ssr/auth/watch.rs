//! Re-checking access for connections that outlive their first request (the live event
//! stream). A request is authorised once; a stream stays open for hours, so it asks again
//! every few seconds whether the session still exists, the password (hence the session's
//! auth hash) is unchanged, and the user's role in the org still allows the action.

use axum_login::AuthUser;
use subtle::ConstantTimeEq;

use crate::{
    domain::{permission::Action, Role},
    ssr::{
        auth::SessionUser,
        clock::now_ms,
        db::{memberships, sessions, users, Db},
    },
};

#[derive(Clone)]
pub struct AccessWatch {
    db: Db,
    user: SessionUser,
    org_id: String,
    session_id: Option<String>,
    action: Action,
    /// The absolute session lifetime ends here (ms).
    deadline: i64,
}

impl AccessWatch {
    pub fn new(
        db: Db,
        user: SessionUser,
        org_id: String,
        session_id: Option<String>,
        action: Action,
        deadline: i64,
    ) -> Self {
        Self {
            db,
            user,
            org_id,
            session_id,
            action,
            deadline,
        }
    }

    /// Whether access still holds. Errors count as "no": a stream that cannot be
    /// re-authorised closes, and the browser reconnects through the normal checks.
    pub async fn still_allowed(&self) -> bool {
        if now_ms() > self.deadline {
            return false;
        }
        let Ok(mut conn) = self.db.acquire().await else {
            return false;
        };
        if let Some(id) = &self.session_id {
            if !sessions::exists(&mut conn, id).await.unwrap_or(false) {
                return false;
            }
        }
        let current = match users::find(&mut conn, &self.user.id).await {
            Ok(Some(row)) => SessionUser::from(row),
            _ => return false,
        };
        let same_password: bool = current.session_auth_hash().ct_eq(self.user.session_auth_hash()).into();
        if !same_password {
            return false;
        }
        match memberships::find_role(&mut conn, &self.org_id, &self.user.id).await {
            Ok(Some(role)) => role.parse::<Role>().is_ok_and(|r| r.can(self.action)),
            _ => false,
        }
    }
}
