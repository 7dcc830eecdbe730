//! The app shell every page sits in: header with navigation, main area, footer.

use leptos::prelude::*;

#[component]
pub fn SiteLayout(children: Children) -> impl IntoView {
    view! {
        <div class="site">
            <header class="site-header">
                <a class="brand" href="/">
                    <span class="brand-mark" aria-hidden="true">"☎"</span>
                    "CallSnare"
                </a>
                <nav class="site-nav" aria-label="Main">
                    <a href="/#how-it-works">"How it works"</a>
                    <a href="/docs/security">"Security"</a>
                    <a class="button button-small" href="/login">"Sign in"</a>
                </nav>
            </header>
            <main class="site-main" id="main">{children()}</main>
            <footer class="site-footer">
                <p>"CallSnare · Residential HVAC missed-call recovery"</p>
                <p class="muted">"Keep working. We'll handle the callback."</p>
            </footer>
        </div>
    }
}
