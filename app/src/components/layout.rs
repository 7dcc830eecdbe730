//! The public pages' shell: a skip link, then header with navigation, main area, footer
//! (every piece of content inside a landmark).

use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::components::app_chrome::current_for;

#[component]
pub fn SiteLayout(children: Children) -> impl IntoView {
    let path = use_location().pathname.get_untracked();
    let here = |href: &str| current_for(&path, href);
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <div class="site">
            <header class="site-header">
                <a class="brand" href="/" aria-current=here("/")>
                    <span class="brand-mark" aria-hidden="true">"☎"</span>
                    "CallSnare"
                </a>
                <nav class="site-nav" aria-label="Main">
                    <a href="/#how-it-works">"How it works"</a>
                    <a href="/docs" aria-current=here("/docs")>"Docs"</a>
                    <a class="button button-small" href="/login" aria-current=here("/login")>"Sign in"</a>
                </nav>
            </header>
            <main class="site-main" id="main" tabindex="-1">{children()}</main>
            <footer class="site-footer">
                <p>"CallSnare · Residential HVAC missed-call recovery"</p>
                <p class="muted">"Keep working. We'll handle the callback."</p>
            </footer>
        </div>
    }
}
