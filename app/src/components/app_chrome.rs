//! The signed-in app's frame: who you are, which org, navigation by role, sign-out.
//! Server-rendered only: switching the org and signing out are plain form posts that the
//! server answers with a redirect.
//!
//! Landmarks: a skip link first, the frame's `<header>` (org, the `Main` navigation with
//! the current page marked, account) and the page in `<main id="main">`, so everything is
//! inside a landmark and a keyboard user reaches the page in one key press.

use leptos::prelude::*;
use leptos_router::{
    components::{Outlet, Redirect},
    hooks::use_location,
};

use crate::{
    components::form::{shown_by_its_form, UrlFormError},
    domain::{permission::Action, Role},
    error::AppError,
    models::SessionView,
    pages::not_found::AppNotFoundPage,
    server_fns::auth::{current_session, Logout, SwitchOrg},
};

pub type SessionResource = Resource<Result<Option<SessionView>, crate::error::AppError>>;

/// Route layout for everything under `/app`: redirects to sign-in when signed out.
#[component]
pub fn AppLayout() -> impl IntoView {
    view! { <AppFrame /> }
}

/// The app frame around the routed page, or (`not_found`) around "Page not found" for an
/// address under `/app` that no page answers, so a signed-in user keeps the navigation.
///
/// The routed page is rendered beside the session's `<Suspense>`, not inside it: a page
/// creates its own resources, and resources created by a child of a pending `<Suspense>` are
/// what Leptos's maintainers advise against (the suspense re-walks its children and can wait
/// on resources it made itself; see leptos-rs/leptos#4866). Under load that showed as an
/// occasional page whose response never finished. The session is a blocking resource, so a
/// signed-out visitor is still redirected before anything is sent.
#[component]
pub fn AppFrame(#[prop(optional)] not_found: bool) -> impl IntoView {
    let session: SessionResource = Resource::new_blocking(|| (), |_| current_session());
    provide_context(session);
    let location = use_location();
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <div class="app-frame">
            <Suspense fallback=|| view! { <header class="app-nav"><p class="muted">"Loading…"</p></header> }>
                {move || Suspend::new(async move {
                    match session.await {
                        Ok(Some(s)) => view! { <AppHeader session=s /> }.into_any(),
                        Ok(None) => {
                            let next = format!(
                                "/login?next={}",
                                crate::domain::redirect::encode_path(&location.pathname.get_untracked())
                            );
                            if not_found {
                                // The router's fallback sits outside any matched route, where
                                // <Redirect> cannot resolve its path: answer the redirect directly.
                                #[cfg(feature = "ssr")]
                                leptos_axum::redirect(&next);
                                ().into_any()
                            } else {
                                view! { <Redirect path=next /> }.into_any()
                            }
                        }
                        Err(e) => view! {
                            <header class="app-nav"><p class="form-error" role="alert">{e.to_string()}</p></header>
                        }
                        .into_any(),
                    }
                })}
            </Suspense>
            <main class="app-main" id="main" tabindex="-1">
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        session.await.ok().flatten().and_then(|s| s.billing_notice).map(|text| {
                            view! {
                                <p class="warning billing-banner" role="status">
                                    {text} " " <a href="/app/billing">"Billing"</a>
                                </p>
                            }
                        })
                    })}
                </Suspense>
                <FormErrorFromUrl />
                {if not_found { view! { <AppNotFoundPage /> }.into_any() } else { view! { <Outlet /> }.into_any() }}
            </main>
        </div>
    }
}

/// Who is signed in, where, and the navigation their role may use.
#[component]
fn AppHeader(session: SessionView) -> impl IntoView {
    let logout = ServerAction::<Logout>::new();
    let switch = ServerAction::<SwitchOrg>::new();
    let role = session.role;
    let many_orgs = session.orgs.len() > 1;
    let orgs = session.orgs.clone();
    let current = session.org_id.clone();
    let path = use_location().pathname.get_untracked();
    // The pages this role may open, in the navigation's order.
    let links = NAV
        .iter()
        .filter(|(_, _, action)| action.is_none_or(|a| role.can(a)))
        .map(|&(href, label, _)| {
            view! { <a href=href aria-current=current_for(&path, href)>{label}</a> }
        })
        .collect_view();
    view! {
        <header class="app-nav">
            <p class="app-org">
                <strong>{session.org_name.clone()}</strong>
                <span class="muted small">{format!(" · {}", role_label(session.role))}</span>
            </p>
            <nav aria-label="Main">{links}</nav>
            {many_orgs
                .then(|| {
                    view! {
                        <ActionForm action=switch attr:class="org-switch">
                            <label>
                                "Location"
                                <select name="org_id">
                                    {orgs
                                        .iter()
                                        .map(|o| {
                                            view! {
                                                <option value=o.org_id.clone() selected=o.org_id == current>
                                                    {o.name.clone()}
                                                </option>
                                            }
                                        })
                                        .collect_view()}
                                </select>
                            </label>
                            <UrlFormError endpoint="auth/switch_org" />
                            <button type="submit" class="button button-small button-ghost">"Switch"</button>
                        </ActionForm>
                    }
                })}
            <p class="muted small app-user">{session.email.clone()}</p>
            <ActionForm action=logout attr:class="app-signout">
                <button type="submit" class="button button-small button-ghost">"Sign out"</button>
            </ActionForm>
        </header>
    }
}

/// The navigation: address, label, and the action a role needs to see it (`None`: everyone).
const NAV: [(&str, &str, Option<Action>); 9] = [
    ("/app", "Inbox", None),
    ("/app/team", "Team", Some(Action::ManageStaff)),
    ("/app/settings", "Settings", Some(Action::ManageRouting)),
    ("/app/audit", "Audit trail", Some(Action::ViewAudit)),
    ("/app/numbers", "Numbers", Some(Action::ManageNumbers)),
    ("/app/evidence", "Evidence", Some(Action::ViewWebhookEvidence)),
    ("/app/api-keys", "API keys", Some(Action::ManageApiKeys)),
    ("/app/billing", "Billing", Some(Action::ManageBilling)),
    ("/app/account", "Account", None),
];

/// `aria-current` for the link to `href` on the page at `path`: "page" on that page, "true"
/// on the inbox link while a lead (a page inside the inbox) is open.
pub fn current_for(path: &str, href: &str) -> Option<&'static str> {
    let path = if path.len() > 1 {
        path.trim_end_matches('/')
    } else {
        path
    };
    if path == href {
        Some("page")
    } else if href == "/app" && path.starts_with("/app/leads/") {
        Some("true")
    } else {
        None
    }
}

pub fn role_label(role: Role) -> &'static str {
    match role {
        Role::Owner => "Owner",
        Role::Admin => "Admin",
        Role::Staff => "Staff",
    }
}

/// Shows the error a form posted without JavaScript came back with (`?form_error=code`),
/// unless its page shows it by the form (`form_for`, see [`shown_by_its_form`]). Only
/// fixed messages are shown, never text from the URL.
#[component]
fn FormErrorFromUrl() -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    move || {
        query
            .with(|q| {
                let by_its_form = q.get("form_for").is_some_and(|f| shown_by_its_form(&f));
                q.get("form_error").filter(|_| !by_its_form)
            })
            .and_then(|code| AppError::message_for_code(&code))
            .map(|msg| view! { <p class="form-error" role="alert">{msg}</p> })
    }
}

#[cfg(test)]
mod tests {
    use super::current_for;

    #[test]
    fn the_navigation_marks_the_page_it_is_on() {
        assert_eq!(current_for("/app", "/app"), Some("page"));
        assert_eq!(current_for("/app/", "/app"), Some("page"));
        assert_eq!(current_for("/app/team", "/app"), None);
        assert_eq!(current_for("/app/team", "/app/team"), Some("page"));
        assert_eq!(current_for("/app/team/", "/app/team"), Some("page"));
        assert_eq!(current_for("/app/leads/lead_1", "/app"), Some("true"));
        assert_eq!(current_for("/app/leads/lead_1", "/app/team"), None);
        assert_eq!(current_for("/app/nope", "/app"), None);
        assert_eq!(current_for("/", "/"), Some("page"));
    }
}
