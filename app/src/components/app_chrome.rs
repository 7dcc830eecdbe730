//! The signed-in app's frame: who you are, which org, navigation by role, sign-out.
//! Server-rendered only: switching the org and signing out are plain form posts that the
//! server answers with a redirect.

use leptos::prelude::*;
use leptos_router::{
    components::{Outlet, Redirect},
    hooks::use_location,
};

use crate::{
    domain::{permission::Action, Role},
    models::SessionView,
    server_fns::auth::{current_session, Logout, SwitchOrg},
};

pub type SessionResource = Resource<Result<Option<SessionView>, crate::error::AppError>>;

/// Route layout for everything under `/app`: redirects to sign-in when signed out.
#[component]
pub fn AppLayout() -> impl IntoView {
    let session: SessionResource = Resource::new_blocking(|| (), |_| current_session());
    provide_context(session);
    let location = use_location();
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match session.await {
                    Ok(Some(s)) => view! { <AppChrome session=s /> }.into_any(),
                    Ok(None) => {
                        let next = location.pathname.get_untracked();
                        view! { <Redirect path=format!("/login?next={}", crate::domain::redirect::encode_path(&next)) /> }.into_any()
                    }
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn AppChrome(session: SessionView) -> impl IntoView {
    let logout = ServerAction::<Logout>::new();
    let switch = ServerAction::<SwitchOrg>::new();
    let is_admin = session.role.can(Action::ManageStaff);
    let manages_routing = session.role.can(Action::ManageRouting);
    let many_orgs = session.orgs.len() > 1;
    let orgs = session.orgs.clone();
    let current = session.org_id.clone();
    view! {
        <div class="app-frame">
            <aside class="app-nav" aria-label="App">
                <p class="app-org">
                    <strong>{session.org_name.clone()}</strong>
                    <span class="muted small">{format!(" · {}", role_label(session.role))}</span>
                </p>
                <nav>
                    <a href="/app">"Inbox"</a>
                    {is_admin.then(|| view! { <a href="/app/team">"Team"</a> })}
                    {manages_routing.then(|| view! { <a href="/app/settings">"Settings"</a> })}
                    {session.role.can(Action::ViewAudit).then(|| view! { <a href="/app/audit">"Audit trail"</a> })}
                    {session.role.can(Action::ManageNumbers).then(|| view! { <a href="/app/numbers">"Numbers"</a> })}
                    {session.role.can(Action::ViewWebhookEvidence).then(|| view! { <a href="/app/evidence">"Evidence"</a> })}
                    {session.role.can(Action::ManageApiKeys).then(|| view! { <a href="/app/api-keys">"API keys"</a> })}
                    <a href="/app/account">"Account"</a>
                </nav>
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
                                <button type="submit" class="button button-small button-ghost">"Switch"</button>
                            </ActionForm>
                        }
                    })}
                <p class="muted small app-user">{session.email.clone()}</p>
                <ActionForm action=logout>
                    <button type="submit" class="button button-small button-ghost">"Sign out"</button>
                </ActionForm>
            </aside>
            <div class="app-main">
                <FormErrorFromUrl />
                <Outlet />
            </div>
        </div>
    }
}

pub fn role_label(role: Role) -> &'static str {
    match role {
        Role::Owner => "Owner",
        Role::Admin => "Admin",
        Role::Staff => "Staff",
    }
}

/// Shows the error a form posted without JavaScript came back with (`?form_error=code`).
/// Only fixed messages are shown, never text from the URL.
#[component]
fn FormErrorFromUrl() -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    move || {
        query
            .with(|q| q.get("form_error"))
            .and_then(|code| crate::error::AppError::message_for_code(&code))
            .map(|msg| view! { <p class="form-error" role="alert">{msg}</p> })
    }
}
