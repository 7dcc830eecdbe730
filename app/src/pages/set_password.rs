use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    domain::limits::PASSWORD_MAX,
    error::AppError,
    server_fns::team::{check_password_link, SetPassword},
};

/// A plain form post (this page loads no wasm): the server signs in and redirects to the
/// app, or sends the browser back here with `?form_error=code`.
#[component]
pub fn SetPasswordPage() -> impl IntoView {
    let query = use_query_map();
    let token = query.read_untracked().get("token").unwrap_or_default();
    let form_error = query
        .read_untracked()
        .get("form_error")
        .and_then(|code| AppError::message_for_code(&code));
    let usable = Resource::new(
        {
            let token = token.clone();
            move || token.clone()
        },
        check_password_link,
    );
    let set = ServerAction::<SetPassword>::new();
    view! {
        <Title text="Set your password" />
        <section class="auth-card card">
            <h1>"Set your password"</h1>
            <Suspense fallback=|| view! { <p class="muted">"Checking your link…"</p> }>
                {move || {
                    let token = token.clone();
                    Suspend::new(async move {
                        if usable.await.unwrap_or(false) {
                            view! {
                                <ActionForm action=set>
                                    <input type="hidden" name="token" value=token />
                                    <label>
                                        "New password (at least 12 characters)"
                                        <input type="password" name="password" autocomplete="new-password" minlength="12" maxlength=PASSWORD_MAX required />
                                    </label>
                                    {form_error.map(|msg| view! { <p class="form-error" role="alert">{msg}</p> })}
                                    <button type="submit" class="button">"Set password and sign in"</button>
                                </ActionForm>
                            }
                            .into_any()
                        } else {
                            view! {
                                <p class="form-error" role="alert">
                                    "This link is invalid or has expired."
                                </p>
                                <p class="muted small">
                                    <a href="/forgot-password">"Get a new link"</a>
                                    " (or ask your admin)."
                                </p>
                            }
                            .into_any()
                        }
                    })
                }}
            </Suspense>
        </section>
    }
}
