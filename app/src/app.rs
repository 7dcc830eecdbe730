//! The router and the HTML document shell.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Outlet, ParentRoute, Route, Router, Routes},
    hooks::use_location,
    path, SsrMode,
};

use crate::pages::app::api_keys::ApiKeysPage;
use crate::pages::app::billing::BillingPage;
use crate::pages::app::numbers::NumbersPage;
use crate::{
    components::{
        app_chrome::{AppFrame, AppLayout},
        docs_layout::DocsLayout,
        layout::SiteLayout,
    },
    pages::{
        app::audit::AuditPage,
        app::evidence::EvidencePage,
        app::{account::AccountPage, home::HomePage, lead::LeadPage, settings::SettingsPage, team::TeamPage},
        docs_actions::ActionsDocPage,
        docs_agent_access::AgentAccessDocPage,
        docs_index::DocsIndexPage,
        docs_permissions::PermissionsDocPage,
        docs_security::SecurityDocPage,
        docs_webhooks::WebhooksDocPage,
        forgot_password::ForgotPasswordPage,
        invite::InvitePage,
        landing::LandingPage,
        login::LoginPage,
        not_found::NotFoundPage,
        set_password::SetPasswordPage,
        setup::SetupPage,
    },
};

/// The whole HTML document rendered on the server.
///
/// Islands mode: only `#[island]` components are compiled into the wasm and hydrated; the
/// rest of every page is plain server-rendered HTML. Only pages under `/app` have islands,
/// so only they get the hydration scripts: the public pages (landing, sign-in, docs, …)
/// load no wasm at all.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    // Outside islands nothing is hydrated: no hydration ids, no serialized resources.
    // (`HydrationScripts islands=true` does the same; pages without it need it too.)
    #[cfg(feature = "ssr")]
    if let Some(sc) = Owner::current_shared_context() {
        sc.set_is_hydrating(false);
    }
    let islands = request_has_islands();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="description" content="Missed-call recovery for residential HVAC contractors." />
                <AutoReload options=options.clone() />
                {islands.then(|| view! { <HydrationScripts options islands=true /> })}
                <script src="/keys.js" defer></script>
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// Whether the page being rendered can hold islands: the signed-in app under `/app`,
/// except its pages that have none.
fn request_has_islands() -> bool {
    #[cfg(feature = "ssr")]
    {
        use_context::<axum::http::request::Parts>().is_some_and(|parts| has_islands(parts.uri.path()))
    }
    #[cfg(not(feature = "ssr"))]
    {
        true
    }
}

/// Signed-in pages made of server components and plain forms only: they load no wasm
/// (the settings page's live text count is `public/sms-preview.js`).
const APP_PAGES_WITHOUT_ISLANDS: &[&str] = &[
    "/app/settings",
    "/app/audit",
    "/app/numbers",
    "/app/evidence",
    "/app/api-keys",
    "/app/billing",
];

/// Whether the page at `path` may hold islands (and so gets the hydration scripts).
pub fn has_islands(path: &str) -> bool {
    is_app_path(path) && !APP_PAGES_WITHOUT_ISLANDS.contains(&path)
}

/// `/app` and everything under it (not `/apps` or `/application`).
pub fn is_app_path(path: &str) -> bool {
    path == "/app" || path.starts_with("/app/")
}

/// The document title for a page's own title (`<Title>` uses it; islands that change the
/// title at run time use it too, so both read the same).
pub fn page_title(text: &str) -> String {
    if text.is_empty() {
        "CallSnare".to_owned()
    } else {
        format!("{text} · CallSnare")
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/callsnare.css" />
        <Title formatter=|text: String| page_title(&text) />
        <Router>
            <Routes fallback=not_found>
                // In order, not out of order: every page must work without JavaScript, and
                // out-of-order streaming leaves each <Suspense>'s content in a <template> that
                // only a script moves into place.
                <ParentRoute path=path!("/app") view=AppLayout ssr=SsrMode::InOrder>
                    <Route path=path!("") view=HomePage />
                    <Route path=path!("team") view=TeamPage />
                    <Route path=path!("account") view=AccountPage />
                    <Route path=path!("settings") view=SettingsPage />
                    <Route path=path!("audit") view=AuditPage />
                    <Route path=path!("numbers") view=NumbersPage />
                    <Route path=path!("evidence") view=EvidencePage />
                    <Route path=path!("api-keys") view=ApiKeysPage />
                    <Route path=path!("billing") view=BillingPage />
                    <Route path=path!("leads/:id") view=LeadPage />
                </ParentRoute>
                <ParentRoute path=path!("") view=PublicLayout ssr=SsrMode::InOrder>
                    <Route path=path!("") view=LandingPage />
                    <Route path=path!("login") view=LoginPage />
                    <Route path=path!("set-password") view=SetPasswordPage />
                    <Route path=path!("forgot-password") view=ForgotPasswordPage />
                    <Route path=path!("invite") view=InvitePage />
                    <Route path=path!("setup") view=SetupPage />
                    // Public docs: plain server-rendered pages (no islands, no wasm). The API
                    // reference at /docs/api is rendered by the server from the OpenAPI
                    // description (server/src/routes/discovery.rs).
                    <ParentRoute path=path!("docs") view=DocsLayout>
                        <Route path=path!("") view=DocsIndexPage />
                        <Route path=path!("security") view=SecurityDocPage />
                        <Route path=path!("permissions") view=PermissionsDocPage />
                        <Route path=path!("actions") view=ActionsDocPage />
                        <Route path=path!("webhooks") view=WebhooksDocPage />
                        <Route path=path!("agent-access") view=AgentAccessDocPage />
                    </ParentRoute>
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// An address no route answers: under `/app` inside the app frame (a signed-in user keeps
/// the navigation and gets a way back to the inbox; a signed-out one is sent to sign in),
/// the public "Page not found" elsewhere. Both answer 404 (the fallback handler's status).
fn not_found() -> AnyView {
    let path = use_location().pathname.get_untracked();
    if is_app_path(&path) {
        view! { <AppFrame not_found=true /> }.into_any()
    } else {
        view! { <SiteLayout><NotFoundPage /></SiteLayout> }.into_any()
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

#[cfg(test)]
mod tests {
    use super::{has_islands, is_app_path, page_title};

    #[test]
    fn only_the_signed_in_app_loads_the_islands() {
        assert!(is_app_path("/app"));
        assert!(is_app_path("/app/"));
        assert!(is_app_path("/app/leads/lead_1"));
        assert!(!is_app_path("/"));
        assert!(!is_app_path("/login"));
        assert!(!is_app_path("/apps"));
        assert!(!is_app_path("/application"));
        assert!(!is_app_path("/docs/security"));
        assert!(!has_islands("/docs") && !has_islands("/docs/permissions") && !has_islands("/docs/api"));
        assert!(has_islands("/app") && has_islands("/app/team") && has_islands("/app/leads/lead_1"));
        assert!(!has_islands("/app/settings") && !has_islands("/login"));
        assert!(!has_islands("/app/audit"));
        assert!(!has_islands("/app/numbers"));
        assert!(!has_islands("/app/evidence"));
        assert!(!has_islands("/app/api-keys"));
        assert!(!has_islands("/app/billing"));
    }

    #[test]
    fn titles_name_the_page_then_the_product() {
        assert_eq!(page_title(""), "CallSnare");
        assert_eq!(page_title("(2) Inbox"), "(2) Inbox · CallSnare");
    }
}
