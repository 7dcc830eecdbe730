//! Public documentation: who may do what. Every table on this page is generated from the
//! tables the server enforces — the role table ([`Action::ALL`] × [`Role::can`]), the scope
//! table ([`Scope::ALL`], [`Scope::action`]) and the API's endpoint table
//! ([`API_ENDPOINTS`]) — so the page cannot drift from what is checked. The server's
//! integration tests (`server/tests/api/docs.rs`) read the rendered page back against the
//! same tables.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    components::docs_layout::ContinueReading,
    domain::{
        api_endpoints::{ApiEndpoint, API_ENDPOINTS},
        permission::Action,
        scope::Scope,
        Role,
    },
};

/// The roles, least powerful first: the permission table's columns.
pub const ROLES: [Role; 3] = [Role::Staff, Role::Admin, Role::Owner];

/// How the page names a role. Exhaustive on purpose: a new role fails to compile here until
/// it is named, and then belongs in [`ROLES`] as well.
pub fn role_label(role: Role) -> &'static str {
    match role {
        Role::Staff => "Staff",
        Role::Admin => "Admin",
        Role::Owner => "Owner",
    }
}

fn role_plural(role: Role) -> &'static str {
    match role {
        Role::Staff => "staff",
        Role::Admin => "admins",
        Role::Owner => "owners",
    }
}

/// How the docs describe one action of the role table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionDoc {
    /// A stable code for the action (the page's `data-action` attribute).
    pub code: &'static str,
    pub label: &'static str,
    /// What the action covers in the product.
    pub covers: &'static str,
    /// Said next to the action when nothing in the product uses it yet.
    pub note: Option<&'static str>,
}

/// The docs' words for `action`. Exhaustive: a new action fails to compile until it is
/// documented here.
pub fn action_doc(action: Action) -> ActionDoc {
    let (code, label, covers, note) = match action {
        Action::ViewInbox => (
            "view_inbox",
            "See the inbox",
            "Read leads, their calls and texts, and booked jobs.",
            None,
        ),
        Action::WorkLeads => (
            "work_leads",
            "Work leads",
            "Reply to callers; change a lead's status, name, notes and assignee.",
            None,
        ),
        Action::BookJobs => ("book_jobs", "Book jobs", "Book a job on a lead.", None),
        Action::ManageRouting => (
            "manage_routing",
            "Change routing",
            "Business hours, closure dates, the after-hours greeting, text-back wording, cooldown, quiet hours and escalation.",
            None,
        ),
        Action::ManageNumbers => (
            "manage_numbers",
            "Manage tracked numbers",
            "Add, edit and remove tracked business numbers and the phones they ring.",
            None,
        ),
        Action::ManageStaff => (
            "manage_staff",
            "Manage staff",
            "Invite and remove staff members, reset their passwords, see the whole team list.",
            None,
        ),
        Action::ManageApiKeys => (
            "manage_api_keys",
            "Manage API keys",
            "Create, rotate and revoke the organisation's API keys.",
            None,
        ),
        Action::ViewAudit => (
            "view_audit",
            "Read the audit trail",
            "Browse and export the audit trail and see whether its chain is intact.",
            None,
        ),
        Action::ViewWebhookEvidence => (
            "view_webhook_evidence",
            "Read webhook evidence",
            "Stored provider callbacks, recently refused callbacks, and how long payloads are kept.",
            None,
        ),
        Action::ManageAdmins => (
            "manage_admins",
            "Manage admins and owners",
            "Make someone an admin or owner, or take that away.",
            None,
        ),
        Action::ManageBilling => (
            "manage_billing",
            "Manage billing",
            "See the subscription, its status and invoices; subscribe through Stripe Checkout, and manage the payment method or cancel in Stripe's billing portal.",
            None,
        ),
        Action::ManageOrgSettings => (
            "manage_org_settings",
            "Organisation settings",
            "Settings that belong to the whole organisation rather than its routing.",
            Some("Reserved for owners; nothing in the product uses it yet."),
        ),
    };
    ActionDoc {
        code,
        label,
        covers,
        note,
    }
}

/// An endpoint's path as the page shows it: under `/api/v1` even if the table lists it
/// relative to that prefix.
pub fn endpoint_path(e: &ApiEndpoint) -> String {
    if e.path.starts_with("/api/") {
        e.path.to_owned()
    } else {
        format!("/api/v1{}", e.path)
    }
}

/// The scope an endpoint needs as the page's `data-needs` attribute says it (`none` for
/// endpoints answered without a key).
pub fn endpoint_scope_code(e: &ApiEndpoint) -> &'static str {
    e.scope.map_or("none", Scope::as_str)
}

/// Who may put `scope` on a key: the roles that manage API keys and could use the scope
/// themselves.
pub fn scope_grantors(scope: Scope) -> Vec<Role> {
    ROLES
        .into_iter()
        .filter(|r| r.can(Action::ManageApiKeys) && scope.grantable_by(*r))
        .collect()
}

fn list_roles(roles: &[Role]) -> String {
    let names: Vec<&str> = roles.iter().rev().map(|r| role_plural(*r)).collect();
    match names.as_slice() {
        [] => "nobody".to_owned(),
        [one] => capitalise(one),
        [init @ .., last] => capitalise(&format!("{} and {last}", init.join(", "))),
    }
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Where readers of this page usually go next.
const NEXT: &[&str] = &["/docs/actions", "/docs/agent-access", "/docs/security"];

#[component]
pub fn PermissionsDocPage() -> impl IntoView {
    let key_managers = list_roles(
        &ROLES
            .into_iter()
            .filter(|r| r.can(Action::ManageApiKeys))
            .collect::<Vec<_>>(),
    );
    view! {
        <Title text="Permissions" />
        <article class="doc doc-wide">
            <p class="eyebrow">"Docs / Permissions"</p>
            <h1>"Roles decide what people can do. Scopes decide what connected systems can do."</h1>
            <p class="lede">
                "Your team signs in and acts with its role. Approved external systems use organisation-scoped Bearer keys, limited to the scopes an owner or admin gave them. Both are checked on the server for every request, against the tables below."
            </p>
            <p class="muted">
                "These tables are generated from the permission and scope tables the server enforces, so this page shows exactly what is checked \u{2014} no more, no less."
            </p>

            <section>
                <h2>"Tenant boundaries"</h2>
                <ul>
                    <li>"Every person, key, lead, call, text and record belongs to one organisation. A person with several locations belongs to each separately and switches between them; their role can differ per location."</li>
                    <li>"An API key belongs to one organisation and only ever sees that organisation's data. There is no key that spans organisations."</li>
                    <li>"Asking for another organisation's records gets \u{201c}not found\u{201d} (a 404 from the API), exactly as if they did not exist."</li>
                </ul>
            </section>

            <section>
                <h2 id="roles">"Roles \u{00d7} actions"</h2>
                <p>
                    "Each role can do everything the roles before it can, and more: staff work the inbox, admins also run the office setup, the team and the records, owners also manage admins and other owners, and billing."
                </p>
                <div class="doc-table-wrap" tabindex="0">
                    <table class="table doc-table permission-matrix" data-testid="role-matrix">
                        <thead>
                            <tr>
                                <th scope="col">"Action"</th>
                                {ROLES
                                    .into_iter()
                                    .map(|r| view! { <th scope="col" data-role=r.as_str()>{role_label(r)}</th> })
                                    .collect_view()}
                            </tr>
                        </thead>
                        <tbody>
                            {Action::ALL
                                .into_iter()
                                .map(|a| {
                                    let d = action_doc(a);
                                    view! {
                                        <tr data-action=d.code>
                                            <th scope="row">
                                                <span class="doc-term">{d.label}</span>
                                                <span class="muted small doc-term-detail">{d.covers}</span>
                                                {d.note.map(|n| view! { <span class="doc-note small">{n}</span> })}
                                            </th>
                                            {ROLES
                                                .into_iter()
                                                .map(move |r| {
                                                    let allowed = r.can(a);
                                                    let (class, flag, word) = if allowed {
                                                        ("cell-yes", "true", "Yes")
                                                    } else {
                                                        ("cell-no", "false", "No")
                                                    };
                                                    view! {
                                                        <td
                                                            class=class
                                                            data-cell=format!("{}:{}", d.code, r.as_str())
                                                            data-allowed=flag
                                                        >
                                                            {word}
                                                        </td>
                                                    }
                                                })
                                                .collect_view()}
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                </div>
            </section>

            <section>
                <h2 id="scopes">"API scopes"</h2>
                <p>
                    {format!(
                        "{} create API keys, on the API keys page or with the command line. A key gets only the scopes it was given, and never a scope its creator's own role could not use: each scope stands for one action in the role table above.",
                        key_managers,
                    )}
                </p>
                <div class="doc-table-wrap" tabindex="0">
                    <table class="table doc-table" data-testid="scope-table">
                        <thead>
                            <tr>
                                <th scope="col">"Scope"</th>
                                <th scope="col">"Lets a connected system"</th>
                                <th scope="col">"Stands for"</th>
                                <th scope="col">"Can be given by"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {Scope::ALL
                                .into_iter()
                                .map(|s| {
                                    let d = action_doc(s.action());
                                    let grantors = scope_grantors(s);
                                    let codes = grantors.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(",");
                                    view! {
                                        <tr data-scope-row=s.as_str() data-stands-for=d.code data-grantors=codes>
                                            <td>
                                                <code>{s.as_str()}</code>
                                            </td>
                                            <td>{s.describe()}</td>
                                            <td>{d.label}</td>
                                            <td>{list_roles(&grantors)}</td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                </div>
            </section>

            <section>
                <h2 id="endpoints">"Scopes \u{00d7} endpoints"</h2>
                <p>
                    "Every " <code>"/api/v1"</code>
                    " endpoint and the one scope it needs. A key without it is refused with 403 "
                    <code>"insufficient_scope"</code>
                    ", naming the scope; a missing, malformed, unknown, expired or revoked key is refused with 401. The full reference, with parameters and response shapes, is the "
                    <a href="/docs/api">"API reference"</a> "."
                </p>
                <div class="doc-table-wrap" tabindex="0">
                    <table class="table doc-table" data-testid="endpoint-table">
                        <thead>
                            <tr>
                                <th scope="col">"Method"</th>
                                <th scope="col">"Path"</th>
                                <th scope="col">"Scope needed"</th>
                                <th scope="col">"What it does"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {API_ENDPOINTS
                                .iter()
                                .map(|e| {
                                    let path = endpoint_path(e);
                                    let scope_cell = match e.scope {
                                        Some(s) => view! { <code>{s.as_str()}</code> }.into_any(),
                                        None => view! { <span class="muted">"None: public"</span> }.into_any(),
                                    };
                                    view! {
                                        <tr
                                            data-endpoint=format!("{} {}", e.method, path)
                                            data-needs=endpoint_scope_code(e)
                                        >
                                            <td>
                                                <code class="http-method">{e.method}</code>
                                            </td>
                                            <td>
                                                <code>{path.clone()}</code>
                                            </td>
                                            <td>{scope_cell}</td>
                                            <td>{e.summary}</td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                </div>
            </section>

            <section>
                <h2>"What is checked, and where"</h2>
                <ul>
                    <li>"The web app asks the role table on the server for every page and every change; buttons a role cannot use are hidden, but hiding is a convenience, never the check."</li>
                    <li>"The API checks the key (its checksum, then its stored hash, expiry and revocation), then the scope the endpoint needs, then that every id named belongs to the key's organisation."</li>
                    <li>"Changes made with a key are audit records naming the key, just as changes made in the app name the person."</li>
                </ul>
            </section>

            <ContinueReading
                intro="Roles and scopes decide who may act; the next pages say what there is to act on and how machines find it."
                next=NEXT
            />
        </article>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_codes_are_distinct() {
        let mut codes: Vec<&str> = Action::ALL.into_iter().map(|a| action_doc(a).code).collect();
        let n = codes.len();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), n);
    }

    #[test]
    fn roles_are_listed_least_powerful_first() {
        assert!(ROLES.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn grantors_read_like_prose() {
        assert_eq!(list_roles(&[Role::Admin, Role::Owner]), "Owners and admins");
        assert_eq!(list_roles(&[Role::Owner]), "Owners");
        assert_eq!(
            list_roles(&[Role::Staff, Role::Admin, Role::Owner]),
            "Owners, admins and staff"
        );
        assert_eq!(scope_grantors(Scope::BillingRead), vec![Role::Owner]);
        assert_eq!(scope_grantors(Scope::LeadsRead), vec![Role::Admin, Role::Owner]);
    }

    #[test]
    fn endpoint_paths_are_shown_under_the_api_prefix() {
        for e in API_ENDPOINTS {
            assert!(endpoint_path(e).starts_with("/api/v1/"), "{}", e.path);
        }
    }
}
