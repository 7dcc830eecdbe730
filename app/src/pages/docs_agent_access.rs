//! Public documentation: how machines (partners' software, AI agents) find CallSnare's API,
//! how they are let in, and what is deliberately not exposed.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::docs_layout::{ContinueReading, OPENAPI_PATH};

const NEXT: &[&str] = &["/docs/api", "/docs/permissions", "/docs/actions"];

#[component]
pub fn AgentAccessDocPage() -> impl IntoView {
    view! {
        <Title text="Agent access" />
        <article class="doc">
            <p class="eyebrow">"Docs / Agent access"</p>
            <h1>"Public discovery, protected work"</h1>
            <p class="lede">
                "Machines are welcome to read how CallSnare works, so partners and agents never need to scrape the app. Acting on an organisation's leads, texts or bookings takes a Bearer key that an owner or admin created, limited to explicit scopes."
            </p>

            <section>
                <h2 id="discover">"Discover: public, no key needed"</h2>
                <ul>
                    <li>
                        <a href="/llms.txt"><code>"/llms.txt"</code></a>
                        " \u{2014} a short plain-text map of these docs and the API description, for language-model agents."
                    </li>
                    <li>
                        <a href="/.well-known/api-catalog"><code>"/.well-known/api-catalog"</code></a>
                        " \u{2014} the API catalog (RFC 9727, " <code>"application/linkset+json"</code>
                        "): it points at the OpenAPI description (" <code>"service-desc"</code>
                        ") and the API reference (" <code>"service-doc"</code> ")."
                    </li>
                    <li>
                        <a href=OPENAPI_PATH><code>{OPENAPI_PATH}</code></a>
                        " \u{2014} the OpenAPI 3.1 description of every " <code>"/api/v1"</code>
                        " endpoint, its scope, parameters, errors and schemas, generated from the code that serves them. The "
                        <a href="/docs/api">"API reference"</a> " is the same description, for people."
                    </li>
                    <li>
                        "Every docs page names the description in a "
                        <code>"Link: </api/v1/openapi.json>; rel=\"service-desc\""</code>
                        " header and a matching " <code>"<link rel=\"service-desc\">"</code> " in its head."
                    </li>
                    <li>
                        <a href="/robots.txt"><code>"/robots.txt"</code></a>
                        " keeps crawlers off the signed-in app (" <code>"/app"</code> ") and the API ("
                        <code>"/api"</code> "), apart from the OpenAPI description, and welcomes them to the docs."
                    </li>
                </ul>
            </section>

            <section>
                <h2 id="keys">"Get a key"</h2>
                <ul>
                    <li>
                        "An owner or admin creates the key on the API keys page of the app, or the operator runs "
                        <code>"callsnare api-key create --org SLUG --name NAME --scopes leads:read,messages:send"</code>
                        " (optionally " <code>"--expires-in-days N"</code>
                        "). Give each system its own key, with only the scopes it needs: the "
                        <a href="/docs/permissions#scopes">"scope table"</a> " says what each allows."
                    </li>
                    <li>"The secret is shown once, when the key is created, and never again. CallSnare keeps only a keyed hash of it, never the secret itself (until that one display, for at most 10 minutes, it waits encrypted), and never writes it to a log."</li>
                    <li>
                        "Live keys start " <code>"cs_live_"</code> ", sandbox keys " <code>"cs_test_"</code>
                        ". The rest is random, ending in a checksum, so a mistyped key is refused before any lookup and secret scanners can recognise a leaked one. The first few characters (for example "
                        <code>"cs_live_Ab3x"</code> ") identify the key in lists and records without revealing it."
                    </li>
                    <li>"A key never gets a scope its creator's own role could not use, and it only ever sees its own organisation."</li>
                    <li>"Rotating a key issues a new secret; the old one keeps working for a grace period (24 hours unless chosen otherwise) so the new one can be deployed. A revoked key is refused. A key can also be made to expire."</li>
                    <li>"Creating, rotating and revoking a key are audit records, and so is every change made with a key: the audit trail names the key, just as it names a person."</li>
                </ul>
            </section>

            <section>
                <h2 id="use">"Use the API"</h2>
                <ul>
                    <li>
                        "Send the key on every request, over https: "
                        <code>"Authorization: Bearer cs_live_\u{2026}"</code> "."
                    </li>
                    <li>
                        "Requests and answers are JSON. Lists answer "
                        <code>"{\"data\": [\u{2026}], \"next_cursor\": \"\u{2026}\" | null}"</code>
                        ": ask for up to 100 at a time with " <code>"limit"</code> " and pass " <code>"next_cursor"</code>
                        " back as " <code>"cursor"</code>
                        " for the next page. Ids are prefixed strings; times are RFC 3339, in UTC."
                    </li>
                    <li>
                        "Every " <code>"POST"</code> " honours an " <code>"Idempotency-Key"</code>
                        " header: the same key with the same body within 24 hours gets the first answer back and nothing is done twice, even when the two requests race; the same key with a different body is refused with 422."
                    </li>
                    <li>"Texts sent through the API follow every rule the inbox follows: never to someone who replied STOP (refused with its own error code), and not during quiet hours unless the request asks for the text to be scheduled."</li>
                    <li>
                        "Requests are rate-limited per key: over the limit the answer is 429 with "
                        <code>"Retry-After"</code> ", the seconds to wait. Bodies over 64 KiB are refused with 413."
                    </li>
                </ul>
                <p>"Every error has one shape, " <code>"{\"error\": {\"code\": \"\u{2026}\", \"message\": \"\u{2026}\"}}"</code> ":"</p>
                <div class="doc-table-wrap">
                    <table class="table doc-table">
                        <thead>
                            <tr>
                                <th scope="col">"Status"</th>
                                <th scope="col">"Code"</th>
                                <th scope="col">"When"</th>
                            </tr>
                        </thead>
                        <tbody>
                            <tr>
                                <td>"401"</td>
                                <td><code>"unauthorized"</code></td>
                                <td>"The key is missing, malformed, unknown, expired or revoked. The answer carries " <code>"WWW-Authenticate: Bearer"</code> "."</td>
                            </tr>
                            <tr>
                                <td>"403"</td>
                                <td><code>"insufficient_scope"</code></td>
                                <td>"The key lacks the scope the endpoint needs; the message names it."</td>
                            </tr>
                            <tr>
                                <td>"404"</td>
                                <td><code>"not_found"</code></td>
                                <td>"No such record in the key's organisation \u{2014} including ids that belong to another organisation."</td>
                            </tr>
                            <tr>
                                <td>"413"</td>
                                <td><code>"payload_too_large"</code></td>
                                <td>"The body is over 64 KiB."</td>
                            </tr>
                            <tr>
                                <td>"422"</td>
                                <td><code>"invalid"</code></td>
                                <td>"Bad input; the message names the field. Business refusals, such as texting someone who opted out, have codes of their own."</td>
                            </tr>
                            <tr>
                                <td>"429"</td>
                                <td><code>"rate_limited"</code></td>
                                <td>"Too many requests with this key; wait the " <code>"Retry-After"</code> " seconds."</td>
                            </tr>
                        </tbody>
                    </table>
                </div>
            </section>

            <section>
                <h2 id="not-exposed">"Deliberately not exposed"</h2>
                <p>"The broadest machine-facing surface is not public. These stay out of reach of every key, by design:"</p>
                <ul>
                    <li>"Anonymous access to any organisation's data, and keys that span organisations."</li>
                    <li>"People: sign-in, passwords, invitations, roles and the team's email addresses are handled only by people in the app."</li>
                    <li>"Keys themselves: a key cannot create, rotate, widen or revoke keys."</li>
                    <li>"Routing, tracked numbers and the office phones they ring: the API can read the routing settings, not change them."</li>
                    <li>
                        "Provider callbacks: the routes under " <code>"/api/twilio/"</code>
                        " accept only signed traffic from the phone provider and are no integration point ("
                        <a href="/docs/webhooks">"Webhooks"</a> ")."
                    </li>
                    <li>"An outbound event feed: there are no event subscriptions today. Follow changes by asking for leads updated since your last look."</li>
                    <li>
                        "The app's own server functions (" <code>"/rpc/\u{2026}"</code>
                        ") and its pages: they need a signed-in session and a request from CallSnare's own pages, change with any release, and are not an API. Please do not scrape the app; everything a connected system may do is in the "
                        <a href="/docs/api">"API reference"</a> "."
                    </li>
                </ul>
            </section>

            <ContinueReading
                intro="From here, most readers want the endpoints themselves, the scopes they need, or the boundary between protected, internal and planned actions."
                next=NEXT
            />
        </article>
    }
}
