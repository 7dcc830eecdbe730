use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    domain::limits::{EMAIL_MAX, PASSWORD_MAX},
    error::AppError,
    server_fns::auth::Login,
};

/// A plain form post (this page loads no wasm): the server signs in and redirects to `next`,
/// or sends the browser back here with `?error=1`.
#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let query = use_query_map();
    let next = query.read_untracked().get("next").unwrap_or_default();
    // Set when the sign-in failed and the server sent the form back here.
    let failed = query.read_untracked().get("error").is_some();
    // Any other refusal comes back as a fixed code (`?form_error=`), never as free text.
    let form_error = query
        .read_untracked()
        .get("form_error")
        .and_then(|code| AppError::message_for_code(&code))
        .filter(|_| !failed);
    view! {
        <Title text="Sign in" />
        <section class="auth-card card">
            <h1>"Sign in"</h1>
            <p class="muted">"Staff sign in to work the lead inbox."</p>
            <ActionForm action=login>
                <input type="hidden" name="next" value=next />
                <label>
                    "Email"
                    <input type="email" name="email" autocomplete="username" maxlength=EMAIL_MAX required />
                </label>
                <label>
                    "Password"
                    <input type="password" name="password" autocomplete="current-password" maxlength=PASSWORD_MAX required />
                </label>
                {failed.then(|| {
                    view! { <p class="form-error" role="alert">"That email and password don't match an account, or there were too many attempts. Please try again."</p> }
                })}
                {form_error.map(|msg| view! { <p class="form-error" role="alert">{msg}</p> })}
                <button type="submit" class="button">"Sign in"</button>
            </ActionForm>
            <p class="muted small"><a href="/forgot-password">"Forgot password?"</a></p>
        </section>
    }
}
