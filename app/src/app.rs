//! The router and the HTML document shell.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Outlet, ParentRoute, Route, Router, Routes},
    path,
};

use crate::{
    components::{app_chrome::AppLayout, layout::SiteLayout},
    pages::{
        app::{account::AccountPage, home::HomePage, lead::LeadPage, team::TeamPage},
        docs_security::SecurityDocPage,
        forgot_password::ForgotPasswordPage,
        invite::InvitePage,
        landing::LandingPage,
        login::LoginPage,
        not_found::NotFoundPage,
        set_password::SetPasswordPage,
        setup::SetupPage,
    },
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
                <script src="/keys.js" defer></script>
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
            <Routes fallback=|| view! { <SiteLayout><NotFoundPage /></SiteLayout> }>
                <ParentRoute path=path!("/app") view=AppLayout>
                    <Route path=path!("") view=HomePage />
                    <Route path=path!("team") view=TeamPage />
                    <Route path=path!("account") view=AccountPage />
                    <Route path=path!("leads/:id") view=LeadPage />
                </ParentRoute>
                <ParentRoute path=path!("") view=PublicLayout>
                    <Route path=path!("") view=LandingPage />
                    <Route path=path!("login") view=LoginPage />
                    <Route path=path!("set-password") view=SetPasswordPage />
                    <Route path=path!("forgot-password") view=ForgotPasswordPage />
                    <Route path=path!("invite") view=InvitePage />
                    <Route path=path!("setup") view=SetupPage />
                    <Route path=path!("docs/security") view=SecurityDocPage />
                </ParentRoute>
            </Routes>
        </Router>
    }
}

#[component]
fn PublicLayout() -> impl IntoView {
    view! {
        <SiteLayout>
            <Outlet />
        </SiteLayout>
    }
}
