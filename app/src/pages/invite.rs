//! The invitation link's page (`/invite?token=…`). With no account for the invited
//! address it asks for a password and creates one; with an account, the visitor joins
//! only while signed in as it. Plain form posts (the page loads no wasm): the server
//! redirects to the app, or back here with `?form_error=code`.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    components::app_chrome::role_label,
    domain::{limits::PASSWORD_MAX, redirect::encode_path},
    error::AppError,
    models::InviteView,
    server_fns::invite::{check_invitation, AcceptInvitation},
};

#[component]
pub fn InvitePage() -> impl IntoView {
    let query = use_query_map();
    let token = query.read_untracked().get("token").unwrap_or_default();
    // Set when the form post failed and the server sent it back here.
    let form_error = query
        .read_untracked()
        .get("form_error")
        .and_then(|code| AppError::message_for_code(&code));
    let invite = Resource::new(
        {
            let token = token.clone();
            move || token.clone()
        },
        check_invitation,
    );
    let accept = ServerAction::<AcceptInvitation>::new();
    view! {
        <Title text="Your invitation" />
        <section class="auth-card card">
            <Suspense fallback=|| view! { <p class="muted">"Checking your invitation…"</p> }>
                {move || {
                    let token = token.clone();
                    Suspend::new(async move {
                        match invite.await {
                            Ok(Some(invite)) => view! { <InviteForm invite token accept form_error /> }.into_any(),
                            _ => view! {
                                <h1>"Invitation"</h1>
                                <p class="form-error" role="alert">
                                    "This invitation is invalid, has expired or was withdrawn. Ask your admin to send a new one."
                                </p>
                            }
                            .into_any(),
                        }
                    })
                }}
            </Suspense>
        </section>
    }
}

#[component]
fn InviteForm(
    invite: InviteView,
    token: String,
    accept: ServerAction<AcceptInvitation>,
    form_error: Option<&'static str>,
) -> impl IntoView {
    let intro = format!(
        "You're invited to join {} as {} ({}).",
        invite.org_name,
        role_label(invite.role).to_lowercase(),
        invite.email
    );
    let error = move || form_error.map(|msg| view! { <p class="form-error" role="alert">{msg}</p> });
    let body = if !invite.account_exists {
        view! {
            <p class="muted small">"Choose a password to create your account."</p>
            <ActionForm action=accept>
                <input type="hidden" name="token" value=token />
                <label>
                    "Password (at least 12 characters)"
                    <input type="password" name="password" autocomplete="new-password" minlength="12" maxlength=PASSWORD_MAX required />
                </label>
                {error()}
                <button type="submit" class="button">"Create account and join"</button>
            </ActionForm>
        }
        .into_any()
    } else if invite.signed_in_as_invitee {
        let join = format!("Join {}", invite.org_name);
        view! {
            <ActionForm action=accept>
                <input type="hidden" name="token" value=token />
                {error()}
                <button type="submit" class="button">{join}</button>
            </ActionForm>
        }
        .into_any()
    } else {
        let login = format!("/login?next={}", encode_path(&format!("/invite?token={token}")));
        let other = invite
            .signed_in_as_other
            .map(|email| view! { <p class="muted small">{format!("You're signed in as {email}.")}</p> });
        view! {
            {other}
            <p>
                <a class="button" href=login>{format!("Sign in as {} to accept", invite.email)}</a>
            </p>
            <p class="muted small">"Forgot that password? Use \u{201c}Forgot password?\u{201d} on the sign-in page."</p>
        }
        .into_any()
    };
    view! {
        <h1>{format!("Join {}", invite.org_name)}</h1>
        <p>{intro}</p>
        {body}
    }
}
