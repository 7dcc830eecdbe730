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
///
/// Without JavaScript a refusal goes back to `/setup` with the error, the fields to fix and
/// what was typed in the other fields (business name, short name, timezone, email), so
/// nothing has to be typed again but the secrets: the token and the password never travel
/// in a URL. (The redirect keeps the page a plain GET that a reload does not re-post;
/// `/setup` is `no-store`, and the referrer policy keeps its query on this origin.)
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
            context::{fail, fail_keeping, internal, start_session},
            db::{orgs, users},
            services::onboarding::{create_org, CreateOrgError, NewOrg},
            state::AppState,
        },
    };

    let state = expect_context::<AppState>();
    let db = state.db.clone();
    let typed = [
        ("org_name", org_name.clone()),
        ("slug", slug.clone()),
        ("timezone", timezone.clone()),
        ("email", email.clone()),
    ];
    // Refused over `field`: what was typed goes back with it (never the token or password).
    let refuse = |err: AppError, field: &str| {
        let keep: Vec<(&str, &str)> = typed.iter().map(|(k, v)| (*k, v.as_str())).collect();
        fail_keeping(err, &[field], &keep)
    };
    // Parsed before the token is claimed, so a typo does not spend it.
    let new = NewOrg {
        name: org_name,
        slug: OrgSlug::parse(slug.trim()).map_err(|e| refuse(AppError::validation("slug", e.to_string()), "slug"))?,
        timezone: OrgTimezone::parse(timezone.trim())
            .map_err(|e| refuse(AppError::validation("timezone", e.to_string()), "timezone"))?,
        owner_email: EmailAddress::parse(&email)
            .map_err(|e| refuse(AppError::validation("email", e.to_string()), "email"))?,
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
        return Err(refuse(
            AppError::validation(
                "setup_token",
                "That setup token is not valid. Use the one printed in the server log.",
            ),
            "setup_token",
        ));
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
            CreateOrgError::BadName => refuse(AppError::validation("org_name", e.to_string()), "org_name"),
            CreateOrgError::SlugTaken(_) => refuse(AppError::Conflict(e.to_string()), "slug"),
            CreateOrgError::PasswordRequired | CreateOrgError::Password(_) => {
                refuse(AppError::validation("password", e.to_string()), "password")
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
