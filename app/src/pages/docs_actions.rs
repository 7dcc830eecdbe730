//! Public documentation: the action surface — what is protected (and by what), what stays
//! internal, and what is only planned. The protected lists are generated from the role and
//! scope tables, like the permissions page.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    components::docs_layout::ContinueReading,
    domain::{permission::Action, scope::Scope, Role},
    pages::docs_permissions::action_doc,
};

const NEXT: &[&str] = &["/docs/permissions", "/docs/webhooks", "/docs/agent-access"];

/// Who may take an action whose least role is `role`, for people.
fn from_role(role: Role) -> &'static str {
    match role {
        Role::Staff => "Staff, admins and owners",
        Role::Admin => "Admins and owners",
        Role::Owner => "Owners",
    }
}

#[component]
pub fn ActionsDocPage() -> impl IntoView {
    view! {
        <Title text="Actions" />
        <article class="doc">
            <p class="eyebrow">"Docs / Actions"</p>
            <h1>"Every action is protected, internal, or only planned"</h1>
            <p class="lede">
                "Public pages explain; they never change anything. Whatever changes an account or reaches a customer is behind sign-in or a scoped key, some work never leaves the server, and what is not built yet is said to be planned."
            </p>

            <section>
                <h2 id="protected">"Protected: in the app, behind sign-in"</h2>
                <p>
                    "Your office controls setup, routing, booking, messaging and the rest of the account from the signed-in app. Each action needs the role shown; the server checks it on every request."
                </p>
                <ul class="doc-defs" data-testid="app-actions">
                    {Action::ALL
                        .into_iter()
                        .map(|a| {
                            let d = action_doc(a);
                            view! {
                                <li data-action=d.code>
                                    <strong>{d.label}</strong>
                                    " \u{2014} "
                                    {d.covers}
                                    " "
                                    <span class="muted">{format!("({})", from_role(a.min_role()))}</span>
                                    {d.note.map(|n| view! { <span class="doc-note small">{n}</span> })}
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            </section>

            <section>
                <h2 id="api">"Protected: through the API, behind a scoped key"</h2>
                <p>
                    "Approved external systems act through " <code>"/api/v1"</code>
                    " with an organisation-scoped Bearer key, and only within the scopes an owner or admin gave that key. Each scope stands for one action above, so a key can never do more than its creator could."
                </p>
                <ul class="doc-defs" data-testid="api-scopes">
                    {Scope::ALL
                        .into_iter()
                        .map(|s| {
                            view! {
                                <li data-scope=s.as_str()>
                                    <code>{s.as_str()}</code>
                                    " \u{2014} "
                                    {s.describe()}
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
                <p>
                    "Texts sent through the API follow every rule the inbox's reply box follows, and every change made with a key is an audit record naming the key. Which endpoint needs which scope is on the "
                    <a href="/docs/permissions#endpoints">"permissions page"</a> "."
                </p>
            </section>

            <section>
                <h2 id="internal">"Internal: never exposed"</h2>
                <p>"Some work has no public or machine-facing route at all, on purpose."</p>
                <ul>
                    <li>
                        <strong>"Team and sign-in."</strong>
                        " Invitations, roles, password resets, sessions and the team's email addresses are handled only by people in the app. No API key can add a member, change a role or read who is on the team."
                    </li>
                    <li>
                        <strong>"API keys themselves."</strong>
                        " Keys are created, rotated and revoked only by owners and admins in the app, or by the operator on the server's command line \u{2014} never with another key."
                    </li>
                    <li>
                        <strong>"Routing and tracked numbers."</strong>
                        " Hours, greetings, text-back wording, tracked numbers and the phones they ring change only in the app (or on the operator's command line). The API can read the routing settings (with "
                        <code>"settings:read"</code> "), not change them."
                    </li>
                    <li>
                        <strong>"Background work."</strong>
                        " Sending queued texts, escalating leads nobody answered, delivering invitation mail and clearing old webhook payloads run inside the server. No route starts them."
                    </li>
                    <li>
                        <strong>"The operator's command line."</strong>
                        " " <code>"callsnare org create"</code> ", " <code>"number add"</code> ", "
                        <code>"audit verify"</code> ", " <code>"audit head"</code> ", " <code>"mail list"</code>
                        ", " <code>"api-key \u{2026}"</code>
                        " and the rest run on the server itself, next to the database; they are not reachable over the network."
                    </li>
                    <li>
                        <strong>"The app's own calls."</strong>
                        " The web app's pages talk to the server through server functions under "
                        <code>"/rpc/"</code>
                        ". They need a signed-in session and a request from CallSnare's own pages, and they change with any release: they are not an API. Use "
                        <code>"/api/v1"</code> "."
                    </li>
                    <li>
                        <strong>"Provider callbacks."</strong>
                        " The routes under " <code>"/api/twilio/"</code>
                        " accept only signed traffic from the phone provider, and " <code>"/api/stripe/webhook"</code>
                        " only signed events from the payment provider; they are not an integration point for anyone else (see "
                        <a href="/docs/webhooks">"Webhooks"</a> ")."
                    </li>
                    <li>
                        <strong>"Billing."</strong>
                        " Owners subscribe and manage billing on the billing page in the app, which sends them to Stripe's own Checkout and Billing Portal pages; Stripe's events at "
                        <code>"/api/stripe/webhook"</code>
                        " keep subscriptions, checkout, invoices and customers in sync, each change an audit record. The API can read the billing state with "
                        <code>"billing:read"</code> " (" <code>"GET /api/v1/billing"</code>
                        "), never change it. When the subscription lapses, automated texts pause; calls, leads and the inbox do not."
                    </li>
                    <li>
                        <strong>"Health checks."</strong>
                        " " <code>"/healthz"</code> " and " <code>"/readyz"</code>
                        " tell the operator's monitoring that the server is up and its database ready; they say nothing about any customer."
                    </li>
                </ul>
            </section>

            <section>
                <h2 id="planned">"Only planned: not available today"</h2>
                <ul>
                    <li>
                        <strong>"Outbound events."</strong>
                        " There is no way to subscribe to lead or booking events today. Systems that need to follow changes ask the API for leads updated since their last look. If CallSnare ever delivers events outward, they will be tied to the same durable, organisation-scoped, attributable records as the API."
                    </li>
                    <li>
                        <strong>"Organisation-wide settings."</strong>
                        " The role table reserves an owner-only action for them; nothing uses it yet."
                    </li>
                </ul>
                <p class="muted">
                    "No public, general-purpose action layer is exposed today, and none is planned: actions stay narrow, permissioned and recorded."
                </p>
            </section>

            <ContinueReading
                intro="Actions are only as safe as the rules behind them: see who may take them, how provider events arrive, and how machines are let in."
                next=NEXT
            />
        </article>
    }
}
