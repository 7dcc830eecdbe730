use leptos::prelude::*;

use crate::{error::AppError, models::SessionView};

/// Signs in with email and password, then redirects to `next` (same-site paths only).
#[server(prefix = "/rpc", endpoint = "auth/login")]
pub async fn login(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use secrecy::SecretString;

    use crate::{
        domain::{
            limits::{EMAIL_MAX, PASSWORD_MAX},
            redirect::safe_next,
        },
        ssr::{
            auth::sign_in::{sign_in, Attempt, SignInError},
            context::{db, fail, internal, request_meta, start_session},
        },
    };

    let request = request_meta();
    // A browser without JavaScript posts the form itself: send it back to the form with a
    // message instead of answering with the typed error body.
    let plain_form = crate::ssr::context::wants_html();
    // No account has a longer email or password: answered like a wrong password, without
    // hashing or recording anything.
    let oversized = email.chars().count() > EMAIL_MAX || password.chars().count() > PASSWORD_MAX;
    let attempt = Attempt {
        email: &email,
        password: SecretString::from(password),
        request: &request,
    };
    let outcome = if oversized {
        Err(SignInError::Invalid)
    } else {
        sign_in(&db(), attempt).await
    };
    let user = match outcome {
        Ok(user) => user,
        Err(SignInError::Invalid | SignInError::Throttled) if plain_form => {
            let next = safe_next(next.as_deref());
            leptos_axum::redirect(&format!(
                "/login?error=1&next={}",
                crate::domain::redirect::encode_path(next.as_str())
            ));
            return Ok(());
        }
        Err(SignInError::Invalid) => {
            return Err(fail(AppError::validation(
                "form",
                "That email and password don't match an account.",
            )))
        }
        Err(SignInError::Throttled) => return Err(fail(AppError::RateLimited)),
        Err(SignInError::Db(err)) => return Err(internal(err)),
    };
    start_session(&user).await?;
    leptos_axum::redirect(safe_next(next.as_deref()).as_str());
    Ok(())
}

/// Ends the session server-side.
#[server(prefix = "/rpc", endpoint = "auth/logout")]
pub async fn logout() -> Result<(), AppError> {
    use serde_json::json;

    use crate::ssr::{
        actor::{Acting, Actor},
        audit::{self, AuditAction, Target},
        clock::now_ms,
        context::{auth_session, db, internal, request_meta},
    };

    let db = db();
    let mut auth = auth_session().await?;
    if let Some(user) = auth.logout().await.map_err(internal)? {
        let acting = Acting::new(
            Actor::User {
                user_id: user.id.clone(),
            },
            None,
            &request_meta(),
        );
        let mut conn = db.acquire().await.map_err(internal)?;
        audit::record(
            &mut conn,
            &acting,
            AuditAction::SignedOut,
            Target::User(&user.id),
            json!({}),
            now_ms(),
        )
        .await
        .map_err(internal)?;
    }
    leptos_axum::redirect("/login");
    Ok(())
}

/// The signed-in user and current org, or `None` when signed out.
#[server(prefix = "/rpc", endpoint = "auth/session")]
pub async fn current_session() -> Result<Option<SessionView>, AppError> {
    use crate::{
        domain::permission::Action,
        models::OrgChoice,
        ssr::{
            clock::now_ms,
            context::{internal, require},
            services::billing,
            state::AppState,
        },
    };

    let state = use_context::<AppState>();
    match require(Action::ViewInbox).await {
        Ok(p) => Ok(Some(SessionView {
            // An owner is told when billing needs them (a failed payment, texts paused).
            billing_notice: match state.filter(|_| p.role.can(Action::ManageBilling)) {
                Some(state) => {
                    let mut conn = state.db.acquire().await.map_err(internal)?;
                    billing::owner_notice(&mut conn, &p.org_id, state.core.billing, now_ms())
                        .await
                        .map_err(internal)?
                }
                None => None,
            },
            orgs: p
                .orgs
                .iter()
                .filter_map(|m| {
                    Some(OrgChoice {
                        org_id: m.org_id.clone(),
                        name: m.org_name.clone(),
                        role: m.role.parse().ok()?,
                    })
                })
                .collect(),
            user_id: p.user_id,
            email: p.email,
            org_id: p.org_id,
            org_name: p.org_name,
            role: p.role,
        })),
        Err(AppError::Unauthorized) | Err(AppError::Forbidden) => {
            // Not an error for the shell: it redirects to sign-in.
            if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
                resp.set_status(axum::http::StatusCode::OK);
            }
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// Switches the session to another org the user belongs to.
#[server(prefix = "/rpc", endpoint = "auth/switch_org")]
pub async fn switch_org(org_id: String) -> Result<(), AppError> {
    use crate::{
        domain::permission::Action,
        ssr::{
            auth::principal::ORG_KEY,
            context::{auth_session, fail, internal, require},
        },
    };

    let p = require(Action::ViewInbox).await?;
    if !p.orgs.iter().any(|m| m.org_id == org_id) {
        return Err(fail(AppError::NotFound));
    }
    let auth = auth_session().await?;
    auth.session.insert(ORG_KEY, &org_id).await.map_err(internal)?;
    leptos_axum::redirect("/app");
    Ok(())
}

/// Changes the signed-in user's password; their other sessions end.
#[server(prefix = "/rpc", endpoint = "auth/change_password")]
pub async fn change_password(current_password: String, new_password: String) -> Result<(), AppError> {
    use secrecy::SecretString;

    use crate::{
        domain::{
            limits::{self, PASSWORD_MAX},
            permission::Action,
        },
        ssr::{
            context::{auth_session, db, fail, internal, require_staff},
            services::team,
        },
    };

    let me = require_staff(Action::ViewInbox).await?;
    limits::check("current_password", "Current password", &current_password, PASSWORD_MAX)
        .map_err(|e| fail(e.into()))?;
    let user = team::change_own_password(
        &db(),
        &me,
        SecretString::from(current_password),
        SecretString::from(new_password),
    )
    .await?;
    // Re-login this session with the new auth hash; every other session is now stale.
    let mut auth = auth_session().await?;
    auth.login(&user).await.map_err(internal)?;
    Ok(())
}

/// Public: "Forgot password?". Always the same answer; when an account uses `email`, a
/// set-password link is mailed to it (the current password keeps working until it is used).
#[server(prefix = "/rpc", endpoint = "auth/forgot_password")]
pub async fn forgot_password(email: String) -> Result<String, AppError> {
    use crate::ssr::{
        context::{db, fail, request_meta},
        services::team::{self, FORGOT_PASSWORD_ANSWER},
        state::AppState,
    };

    // context first: during SSR the page's owner may change while this is in flight
    let state = expect_context::<AppState>();
    let db = db();
    let request = request_meta();
    crate::domain::EmailAddress::parse(&email).map_err(|e| fail(AppError::validation("email", e.to_string())))?;
    // Done after answering: whether the address has an account changes how much is written
    // (and a commit's disk sync is measurable), so the answer must not wait for it.
    let public_base = state.public_base.clone();
    let mail_wake = state.mail_wake.clone();
    tokio::spawn(async move {
        match team::request_password_link(&db, &public_base, &email, &request).await {
            Ok(()) => mail_wake.notify_one(),
            Err(err) => tracing::warn!(error.message = %err, "could not queue a password link"),
        }
    });
    // A browser without JavaScript posted the form itself: show the answer on the page.
    let plain_form = crate::ssr::context::wants_html();
    if plain_form {
        leptos_axum::redirect("/forgot-password?sent=1");
    }
    Ok(FORGOT_PASSWORD_ANSWER.to_owned())
}
