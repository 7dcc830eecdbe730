//! "Forgot password?" (`/forgot-password`): asks for an email and always gives the same
//! answer, so nobody learns from it whether an account exists. A plain form post (the page
//! loads no wasm): the server redirects back here with `?sent=1` or `?form_error=code`.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{domain::limits::EMAIL_MAX, error::AppError, server_fns::auth::ForgotPassword};

/// The answer shown after a request; the same words the server function answers with.
const ANSWER: &str = "If an account exists for that address, we've emailed it a link to set a new password.";

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let forgot = ServerAction::<ForgotPassword>::new();
    let query = use_query_map();
    // Set when the server took the request.
    let sent = query.read_untracked().get("sent").is_some();
    let form_error = query
        .read_untracked()
        .get("form_error")
        .and_then(|code| AppError::message_for_code(&code));
    view! {
        <Title text="Forgot password" />
        <section class="auth-card card">
            <h1>"Forgot your password?"</h1>
            {if sent {
                view! {
                    <p class="form-ok" role="status">{ANSWER}</p>
                    <p class="muted small">"The link works once and expires in 2 hours. Your current password keeps working until you set a new one."</p>
                    <p><a href="/login">"Back to sign in"</a></p>
                }
                .into_any()
            } else {
                view! {
                    <p class="muted">"Enter your email and we'll send you a link to set a new password."</p>
                    <ActionForm action=forgot>
                        <label>
                            "Email"
                            <input type="email" name="email" autocomplete="username" maxlength=EMAIL_MAX required />
                        </label>
                        {form_error.map(|msg| view! { <p class="form-error" role="alert">{msg}</p> })}
                        <button type="submit" class="button">"Email me a link"</button>
                    </ActionForm>
                    <p class="muted small"><a href="/login">"Back to sign in"</a></p>
                }
                .into_any()
            }}
        </section>
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    #[test]
    fn the_page_says_what_the_server_answers() {
        assert_eq!(super::ANSWER, crate::ssr::services::team::FORGOT_PASSWORD_ANSWER);
    }
}
