use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    components::form::FormError,
    domain::limits::{EMAIL_MAX, PASSWORD_MAX},
    server_fns::auth::Login,
};

/// Works as a plain form post without JavaScript and as an action after hydration.
#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let query = use_query_map();
    let next = query.read_untracked().get("next").unwrap_or_default();
    // Set when a plain (no-JavaScript) form post failed and was sent back here.
    let failed_without_js = query.read_untracked().get("error").is_some();
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
                {move || {
                    (failed_without_js && login.value().with(Option::is_none)).then(|| {
                        view! { <p class="form-error" role="alert">"That email and password don't match an account, or there were too many attempts. Please try again."</p> }
                    })
                }}
                <FormError result=login.value() />
                <button type="submit" class="button" disabled=move || login.pending().get()>
                    "Sign in"
                </button>
            </ActionForm>
            <p class="muted small"><a href="/forgot-password">"Forgot password?"</a></p>
        </section>
    }
}
