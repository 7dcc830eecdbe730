//! "Page not found": the public one (inside the site's layout), and the one a signed-in
//! user gets for an unknown address under `/app` (inside the app frame, with a way back to
//! the inbox). Both answer 404.

use leptos::prelude::*;
use leptos_meta::Title;

/// The response is a 404 (the fallback handler says so too; this keeps it true wherever
/// the page is rendered).
fn set_not_found_status() {
    #[cfg(feature = "ssr")]
    {
        if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
            resp.set_status(axum::http::StatusCode::NOT_FOUND);
        }
    }
}

#[component]
pub fn NotFoundPage() -> impl IntoView {
    set_not_found_status();
    view! {
        <Title text="Not found" />
        <section class="narrow">
            <h1>"Page not found"</h1>
            <p>"That page does not exist. "<a href="/">"Back to the start"</a>"."</p>
        </section>
    }
}

/// Rendered inside the app frame (`AppFrame not_found=true`).
#[component]
pub fn AppNotFoundPage() -> impl IntoView {
    set_not_found_status();
    view! {
        <Title text="Not found" />
        <h1>"Page not found"</h1>
        <p>"There is no page at this address. It may have moved, or the link is mistyped."</p>
        <p><a class="button" href="/app">"Back to the inbox"</a></p>
    }
}
