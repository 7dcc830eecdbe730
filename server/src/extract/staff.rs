//! `RequireStaff<P>`: a signed-in staff session whose role allows `P::ACTION`, for plain
//! axum routes (the live feed; `/api/v1` next) — the same session checks server functions
//! make through `app::ssr::context::require`. Answers 401 when nobody is signed in or the
//! session is past its absolute lifetime, 403 when the role does not allow the action or
//! the user belongs to no org, 500 (logged) when the store fails.

use std::marker::PhantomData;

use app::{
    domain::permission::Action,
    ssr::{
        auth::{
            principal::{self, Principal, PrincipalError},
            AuthSession, SessionUser,
        },
        state::AppState,
    },
};
use axum::{
    extract::{FromRef, FromRequestParts},
    http::{request::Parts, StatusCode},
    response::{IntoResponse, Response},
};

/// A permission as a type, so a handler's signature can name it: `RequireStaff<can::ViewInbox>`.
pub trait Permission {
    const ACTION: Action;
}

/// One marker per action a route requires (add one here when a route needs another).
pub mod can {
    use super::{Action, Permission};

    pub struct ViewAudit;

    impl Permission for ViewAudit {
        const ACTION: Action = Action::ViewAudit;
    }

    pub struct ViewInbox;

    impl Permission for ViewInbox {
        const ACTION: Action = Action::ViewInbox;
    }
}

pub struct RequireStaff<P: Permission> {
    pub principal: Principal,
    pub user: SessionUser,
    /// The session it was resolved from (its id and sign-in time, for checks that outlive
    /// the request).
    pub session: AuthSession,
    permission: PhantomData<fn() -> P>,
}

impl<P: Permission> RequireStaff<P> {
    /// The action this extractor checked.
    pub fn action(&self) -> Action {
        P::ACTION
    }
}

impl<S, P> FromRequestParts<S> for RequireStaff<P>
where
    S: Send + Sync,
    AppState: FromRef<S>,
    P: Permission,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        let session = AuthSession::from_request_parts(parts, &state)
            .await
            .map_err(IntoResponse::into_response)?;
        let Some(user) = session.user.clone() else {
            return Err(StatusCode::UNAUTHORIZED.into_response());
        };
        // A session whose sign-in time cannot be read counts as expired.
        if principal::session_expired(&session, state.session_absolute_ms)
            .await
            .unwrap_or(true)
        {
            return Err(StatusCode::UNAUTHORIZED.into_response());
        }
        match principal::principal_for(&state.db, &session, user.clone(), P::ACTION).await {
            Ok(principal) => Ok(Self {
                principal,
                user,
                session,
                permission: PhantomData,
            }),
            Err(PrincipalError::Unauthorized) => Err(StatusCode::UNAUTHORIZED.into_response()),
            Err(PrincipalError::Forbidden) => Err(StatusCode::FORBIDDEN.into_response()),
            Err(err) => {
                tracing::error!(error.message = %err, "could not resolve the session's principal");
                Err(StatusCode::INTERNAL_SERVER_ERROR.into_response())
            }
        }
    }
}
