use leptos::prelude::*;

use crate::error::AppError;

/// Public: whether the first-run setup page is open (no organisation exists yet).
#[server(prefix = "/rpc", endpoint = "setup/status")]
pub async fn setup_needed() -> Result<bool, AppError> {
    use crate::ssr::{
        context::{db, internal},
        db::orgs,
    };
    let mut conn = db().acquire().await.map_err(internal)?;
    Ok(orgs::count(&mut conn).await.map_err(internal)? == 0)
}

/// Public but gated by the one-time setup token from the server log: creates the first
/// organisation and its owner, then signs the owner in.
#[server(prefix = "/rpc", endpoint = "setup/complete")]
pub async fn complete_setup(
    setup_token: String,
    org_name: String,
    slug: String,
    timezone: String,
    email: String,
    password: String,
) -> Result<(), AppError> {
    use secrecy::SecretString;

    use crate::{
        domain::{EmailAddress, OrgSlug, OrgTimezone},
        ssr::{
            auth::tokens,
            context::{fail, internal, start_session},
            db::{orgs, users},
            services::onboarding::{create_org, CreateOrgError, NewOrg},
            state::AppState,
        },
    };

    let state = expect_context::<AppState>();
    let db = state.db.clone();
    // Parsed before the token is claimed, so a typo does not spend it.
    let new = NewOrg {
        name: org_name,
        slug: OrgSlug::parse(slug.trim()).map_err(|e| fail(AppError::validation("slug", e.to_string())))?,
        timezone: OrgTimezone::parse(timezone.trim())
            .map_err(|e| fail(AppError::validation("timezone", e.to_string())))?,
        owner_email: EmailAddress::parse(&email).map_err(|e| fail(AppError::validation("email", e.to_string())))?,
    };
    // Claimed atomically: the check and the take happen under one lock, so of several
    // concurrent requests with the valid token exactly one goes on to create an org.
    let claimed = {
        let mut guard = state.setup_token.lock().map_err(internal)?;
        match guard.as_deref() {
            Some(t) if tokens::equal(t, setup_token.trim()) => guard.take(),
            _ => None,
        }
    };
    let Some(claimed) = claimed else {
        return Err(fail(AppError::validation(
            "setup_token",
            "That setup token is not valid. Use the one printed in the server log.",
        )));
    };
    // Hands the token back when setup did not happen, so the operator can correct the form.
    let give_back = |state: &AppState| {
        if let Ok(mut guard) = state.setup_token.lock() {
            if guard.is_none() {
                *guard = Some(claimed.clone());
            }
        }
    };
    {
        let mut conn = db.acquire().await.map_err(internal)?;
        if orgs::count(&mut conn).await.map_err(internal)? > 0 {
            return Err(fail(AppError::Conflict("Setup is already complete.".into())));
        }
    }
    let owner_email = new.owner_email.clone();
    if let Err(e) = create_org(&db, new, Some(SecretString::from(password))).await {
        give_back(&state);
        return Err(match e {
            CreateOrgError::BadName => fail(AppError::validation("org_name", e.to_string())),
            CreateOrgError::SlugTaken(_) => fail(AppError::Conflict(e.to_string())),
            CreateOrgError::PasswordRequired | CreateOrgError::Password(_) => {
                fail(AppError::validation("password", e.to_string()))
            }
            CreateOrgError::Db(err) => internal(err),
        });
    }
    let user = {
        let mut conn = db.acquire().await.map_err(internal)?;
        users::find_by_email(&mut conn, owner_email.as_str())
            .await
            .map_err(internal)?
            .ok_or_else(|| fail(AppError::Internal))?
    };
    start_session(&user.into()).await?;
    leptos_axum::redirect("/app");
    Ok(())
}
