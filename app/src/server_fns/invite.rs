//! The invitation link's server functions: public, gated by the token mailed to the
//! invitee. An existing account joins only while signed in as itself.

use leptos::prelude::*;

use crate::{error::AppError, models::InviteView};

/// The signed-in visitor, if any (never an error for a signed-out one).
#[cfg(feature = "ssr")]
async fn visitor() -> Result<Option<crate::ssr::auth::SessionUser>, AppError> {
    use crate::ssr::{auth::principal::session_expired, context::auth_session, state::AppState};
    // context first: during SSR the page's owner may change while this is in flight
    let absolute_ms = expect_context::<AppState>().session_absolute_ms;
    let auth = auth_session().await?;
    let Some(user) = auth.user.clone() else {
        return Ok(None);
    };
    if session_expired(&auth, absolute_ms).await? {
        return Ok(None);
    }
    Ok(Some(user))
}

/// Public: what the invitation page shows for a link, or `None` when it cannot be used.
#[server(prefix = "/rpc", endpoint = "invite/check")]
pub async fn check_invitation(token: String) -> Result<Option<InviteView>, AppError> {
    use crate::ssr::{context::db, services::invitations};
    let db = db();
    let signed_in = visitor().await?;
    Ok(invitations::check_invitation(&db, &token, signed_in.as_ref()).await?)
}

/// Public, gated by the mailed token: joins the invited org. With no account for the
/// invited address, `password` creates it and signs it in; with an account, the visitor
/// must be signed in as it. Either way the session then opens the org just joined.
#[server(prefix = "/rpc", endpoint = "invite/accept")]
pub async fn accept_invitation(token: String, password: Option<String>) -> Result<(), AppError> {
    use secrecy::SecretString;

    use crate::ssr::{
        auth::principal::ORG_KEY,
        context::{auth_session, db, internal, request_meta, start_session},
        services::invitations,
    };

    let db = db();
    let request = request_meta();
    let signed_in = visitor().await?;
    let password = password.filter(|p| !p.is_empty()).map(SecretString::from);
    let accepted = invitations::accept_invitation(&db, &token, password, signed_in.as_ref(), &request).await?;
    if accepted.new_account {
        start_session(&accepted.user).await?;
    }
    let auth = auth_session().await?;
    auth.session.insert(ORG_KEY, &accepted.org_id).await.map_err(internal)?;
    leptos_axum::redirect("/app");
    Ok(())
}
