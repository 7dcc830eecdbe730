use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    error::AppError,
    server_fns::setup::{setup_needed, CompleteSetup},
};

/// First run: create the first organisation and owner, with the token from the server log.
/// A plain form post (this page loads no wasm): a refusal comes back as `?form_error=code`.
#[component]
pub fn SetupPage() -> impl IntoView {
    let form_error = use_query_map()
        .read_untracked()
        .get("form_error")
        .and_then(|code| AppError::message_for_code(&code));
    let needed = Resource::new(|| (), |_| setup_needed());
    let setup = ServerAction::<CompleteSetup>::new();
    view! {
        <Title text="Set up CallSnare" />
        <section class="auth-card card">
            <h1>"Set up CallSnare"</h1>
            <Suspense>
                {move || Suspend::new(async move {
                    if needed.await.unwrap_or(false) {
                        view! {
                            <p class="muted small">"Enter the setup token printed in the server log at start-up."</p>
                            <ActionForm action=setup>
                                <label>"Setup token" <input type="text" name="setup_token" required autocomplete="off" /></label>
                                <label>"Business name" <input type="text" name="org_name" required /></label>
                                <label>"Short name (a-z, 0-9, -)" <input type="text" name="slug" required pattern="[a-z0-9-]{2,48}" /></label>
                                <label>"Timezone" <input type="text" name="timezone" value="America/Chicago" required /></label>
                                <label>"Your email" <input type="email" name="email" required /></label>
                                <label>"Password (at least 12 characters)" <input type="password" name="password" minlength="12" required /></label>
                                {form_error.map(|msg| view! { <p class="form-error" role="alert">{msg}</p> })}
                                <button type="submit" class="button">"Create organisation"</button>
                            </ActionForm>
                        }
                        .into_any()
                    } else {
                        view! { <p>"Setup is complete. "<a href="/login">"Sign in"</a>"."</p> }.into_any()
                    }
                })}
            </Suspense>
        </section>
    }
}
