//! Who is asking, in which org, with which role. Resolved from the session; answers with
//! its own [`PrincipalError`], so server functions ([`crate::ssr::context::require`]) and
//! plain axum routes (the server's `RequireStaff` extractor) each turn it into their own
//! response. Another org's ids are answered with "not found" by the repositories, which
//! always filter by the principal's org.

use crate::{
    domain::{ids::OrgId, permission::Action, Role},
    ssr::{
        actor::{RequestMeta, StaffActor},
        auth::{AuthSession, SessionUser},
        clock::now_ms,
        db::{memberships, Db},
    },
};

pub const ORG_KEY: &str = "callsnare.org_id";
pub const SIGNED_IN_AT_KEY: &str = "callsnare.signed_in_at";

#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: String,
    pub email: String,
    pub org_id: String,
    pub org_name: String,
    pub role: Role,
    pub orgs: Vec<memberships::MembershipRow>,
}

#[derive(Debug, thiserror::Error)]
pub enum PrincipalError {
    /// Nobody is signed in, or the session is past its absolute lifetime.
    #[error("not signed in")]
    Unauthorized,
    /// Signed in, but no longer a member of any org, or the role does not allow the action.
    #[error("forbidden")]
    Forbidden,
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("session store error: {0}")]
    Session(String),
}

impl PrincipalError {
    fn session(e: impl std::fmt::Display) -> Self {
        PrincipalError::Session(e.to_string())
    }
}

impl Principal {
    /// The principal, if its role allows `action`.
    pub fn allowed(self, action: Action) -> Result<Principal, PrincipalError> {
        if self.role.can(action) {
            Ok(self)
        } else {
            Err(PrincipalError::Forbidden)
        }
    }

    /// This principal as the actor of a use-case in its current org.
    pub fn staff(&self, request: RequestMeta) -> Result<StaffActor, PrincipalError> {
        let org_id = OrgId::parse(&self.org_id).map_err(|e| PrincipalError::Db(sqlx::Error::Decode(Box::new(e))))?;
        Ok(StaffActor {
            user_id: self.user_id.clone(),
            org_id,
            role: self.role,
            request,
        })
    }
}

/// The principal of a signed-in session, if its role allows `action`.
pub async fn principal_for(
    db: &Db,
    auth: &AuthSession,
    user: SessionUser,
    action: Action,
) -> Result<Principal, PrincipalError> {
    resolve(db, auth, user).await?.allowed(action)
}

/// The session's current org (or the user's first) and the role there.
pub async fn resolve(db: &Db, auth: &AuthSession, user: SessionUser) -> Result<Principal, PrincipalError> {
    let mut conn = db.acquire().await?;
    let orgs = memberships::list_for_user(&mut conn, &user.id).await?;
    let chosen: Option<String> = auth.session.get(ORG_KEY).await.map_err(PrincipalError::session)?;
    let current = chosen
        .and_then(|id| orgs.iter().find(|m| m.org_id == id).cloned())
        .or_else(|| orgs.first().cloned());
    let Some(current) = current else {
        // Signed in but no longer a member of anything.
        return Err(PrincipalError::Forbidden);
    };
    let role: Role = current
        .role
        .parse()
        .map_err(|e| PrincipalError::Db(sqlx::Error::Decode(Box::new(e))))?;
    Ok(Principal {
        user_id: user.id,
        email: user.email,
        org_id: current.org_id,
        org_name: current.org_name,
        role,
        orgs,
    })
}

/// Whether the session is past its absolute lifetime.
pub async fn session_expired(auth: &AuthSession, absolute_ms: i64) -> Result<bool, PrincipalError> {
    let signed_in_at: Option<i64> = auth
        .session
        .get(SIGNED_IN_AT_KEY)
        .await
        .map_err(PrincipalError::session)?;
    Ok(signed_in_at.is_none_or(|t| now_ms() - t > absolute_ms))
}

/// When the session signed in (ms), for checks that outlive the request.
pub async fn signed_in_at(auth: &AuthSession) -> Option<i64> {
    auth.session.get(SIGNED_IN_AT_KEY).await.ok().flatten()
}
