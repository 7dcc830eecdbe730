//! The signed-in user's own account: changing the password.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    components::{
        form::{FormError, UrlFormError},
        hydrated::mark_hydrated,
    },
    domain::limits::PASSWORD_MAX,
    server_fns::auth::ChangePassword,
};

#[component]
pub fn AccountPage() -> impl IntoView {
    view! {
        <Title text="Account" />
        <h1>"Account"</h1>
        <section class="card narrow">
            <h2>"Change password"</h2>
            <p class="muted small">"Changing your password signs you out everywhere else."</p>
            // Posted before the wasm loaded (or without JavaScript) and refused.
            <UrlFormError endpoint="auth/change_password" />
            <ChangePasswordForm />
        </section>
    }
}

/// Posts without a reload and says whether it worked (a plain form post before the wasm
/// has loaded: errors then come back through `?form_error=`).
#[island]
pub fn ChangePasswordForm() -> impl IntoView {
    mark_hydrated();
    let change = ServerAction::<ChangePassword>::new();
    let done = move || matches!(change.value().get(), Some(Ok(())));
    view! {
        <ActionForm action=change>
            <label>
                "Current password"
                <input type="password" name="current_password" autocomplete="current-password" maxlength=PASSWORD_MAX required />
            </label>
            <label>
                "New password (at least 12 characters)"
                <input type="password" name="new_password" autocomplete="new-password" minlength="12" maxlength=PASSWORD_MAX required />
            </label>
            <FormError result=change.value() />
            {move || done().then(|| view! { <p class="form-ok" role="status">"Password changed."</p> })}
            <button type="submit" class="button" disabled=move || change.pending().get()>
                "Change password"
            </button>
        </ActionForm>
    }
}
