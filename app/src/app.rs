//! The router and the HTML document shell.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path,
};

use crate::{
    components::layout::SiteLayout,
    pages::{landing::LandingPage, not_found::NotFoundPage},
};

/// The whole HTML document rendered on the server; the browser hydrates `<App/>` in it.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="description" content="Missed-call recovery for residential HVAC contractors." />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/callsnare.css" />
        <Title formatter=|text: String| {
            if text.is_empty() { "CallSnare".to_owned() } else { format!("{text} · CallSnare") }
        } />
        <Router>
            <SiteLayout>
                <Routes fallback=NotFoundPage>
                    <Route path=path!("") view=LandingPage />
                </Routes>
            </SiteLayout>
        </Router>
    }
}
