//! The webhook evidence viewer (owner and admin): every stored provider callback of the org,
//! filtered and paged newest first; one callback in full (`?event=…`) with its kept headers,
//! payload and answer, linked to its lead; the server's recent refused callbacks; and how
//! long payloads are kept.
//!
//! A server component with no island (no wasm of its own): the filters are a plain GET form
//! back to this page, the retention setting a plain post to `/rpc/evidence/retention`. Every
//! payload, header and answer is customer or provider text and is rendered as text only.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    domain::evidence::{
        query_string, verdict_label, OUTCOME_SUGGESTIONS, RETENTION_MAX_DAYS, RETENTION_MIN_DAYS, ROUTES, VERDICTS,
    },
    models::evidence::{EvidenceDetailView, EvidenceListView, EvidenceRowView, PayloadView, RejectedCallbackView},
    server_fns::evidence::{get_evidence, list_evidence, list_rejected_callbacks},
};

/// The list's filters as they arrived in the URL (empty: any).
#[derive(Debug, Clone, Default)]
struct Filters {
    route: String,
    outcome: String,
    verdict: String,
    from: String,
    to: String,
    phone: String,
    sid: String,
    cursor: String,
}

impl Filters {
    fn pairs(&self) -> [(&'static str, &str); 7] {
        [
            ("route", self.route.as_str()),
            ("outcome", self.outcome.as_str()),
            ("verdict", self.verdict.as_str()),
            ("from", self.from.as_str()),
            ("to", self.to.as_str()),
            ("phone", self.phone.as_str()),
            ("sid", self.sid.as_str()),
        ]
    }

    /// This list (same filters, first page).
    fn list_href(&self) -> String {
        format!("/app/evidence{}", query_string(&self.pairs()))
    }

    /// The next (older) page.
    fn page_href(&self, cursor: &str) -> String {
        let mut pairs = self.pairs().to_vec();
        pairs.push(("cursor", cursor));
        format!("/app/evidence{}", query_string(&pairs))
    }

    /// One callback in full, coming back to this list.
    fn event_href(&self, id: &str) -> String {
        let mut pairs = self.pairs().to_vec();
        pairs.push(("event", id));
        format!("/app/evidence{}", query_string(&pairs))
    }

    fn is_filtered(&self) -> bool {
        self.pairs().iter().any(|(_, v)| !v.is_empty())
    }
}

fn opt(s: String) -> Option<String> {
    Some(s).filter(|s| !s.is_empty())
}

#[component]
pub fn EvidencePage() -> impl IntoView {
    let (filters, event, retention_saved, retention_refused) = use_query_map().with_untracked(|q| {
        let get = |k: &str| q.get(k).unwrap_or_default();
        let filters = Filters {
            route: get("route"),
            outcome: get("outcome"),
            verdict: get("verdict"),
            from: get("from"),
            to: get("to"),
            phone: get("phone"),
            sid: get("sid"),
            cursor: get("cursor"),
        };
        let refused = q.get("form_error").is_some();
        (
            filters,
            opt(get("event")),
            q.get("retention_saved").is_some() && !refused,
            refused,
        )
    });
    view! {
        <Title text="Evidence" />
        <h1>"Webhook evidence"</h1>
        {match event {
            Some(id) => view! { <EvidenceDetailPanel id filters /> }.into_any(),
            None => view! { <EvidenceListPanel filters retention_saved retention_refused /> }.into_any(),
        }}
    }
}

#[component]
fn EvidenceListPanel(filters: Filters, retention_saved: bool, retention_refused: bool) -> impl IntoView {
    // Like the other app pages: a plain resource (a blocking one left responses streaming).
    let f = filters.clone();
    let list = Resource::new(
        || (),
        move |_| {
            let f = f.clone();
            list_evidence(
                opt(f.route),
                opt(f.outcome),
                opt(f.verdict),
                opt(f.from),
                opt(f.to),
                opt(f.phone),
                opt(f.sid),
                opt(f.cursor),
            )
        },
    );
    let rejected = Resource::new(|| (), |_| list_rejected_callbacks());
    view! {
        <p class="muted">
            "Every callback Twilio sent about your numbers, as it arrived: what it said, whether its signature was valid, what CallSnare did with it and the answer it gave. Retries of the same callback are counted, not applied again."
        </p>
        <Suspense fallback=|| view! { <p class="muted">"Loading evidence…"</p> }>
            {move || {
                let filters = filters.clone();
                Suspend::new(async move {
                    // One refusal message for the page (staff are refused both).
                    let page = list.await;
                    let rejected = rejected.await;
                    match page {
                        // A filter the server refused: say which, and keep the form to fix it.
                        Err(e @ crate::error::AppError::Validation { .. }) => view! {
                            <p class="form-error" role="alert">{e.to_string()}</p>
                            <FilterForm filters=filters.clone() />
                        }
                        .into_any(),
                        Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                        Ok(page) => {
                            view! {
                                <FilterForm filters=filters.clone() />
                                <EvidenceList page=page.clone() filters />
                                <RejectedList rejected />
                                <RetentionForm days=page.retention_days saved=retention_saved refused=retention_refused />
                            }
                                .into_any()
                        }
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn FilterForm(filters: Filters) -> impl IntoView {
    let Filters {
        route,
        outcome,
        verdict,
        from,
        to,
        phone,
        sid,
        ..
    } = filters.clone();
    let filtered = filters.is_filtered();
    view! {
        <form method="get" action="/app/evidence" class="card evidence-filters" role="search" aria-label="Filter evidence">
            <label>
                "Route"
                <select name="route">
                    <option value="" selected=route.is_empty()>"Any route"</option>
                    {ROUTES
                        .iter()
                        .map(|(path, label)| {
                            view! { <option value=*path selected={route == *path}>{*label}</option> }
                        })
                        .collect_view()}
                </select>
            </label>
            <label>
                "Outcome contains"
                <input type="text" name="outcome" value=outcome maxlength="60" list="evidence-outcomes" autocomplete="off" />
            </label>
            <datalist id="evidence-outcomes">
                {OUTCOME_SUGGESTIONS.iter().map(|o| view! { <option value=*o></option> }).collect_view()}
            </datalist>
            <label>
                "Signature"
                <select name="verdict">
                    <option value="" selected=verdict.is_empty()>"Any verdict"</option>
                    {VERDICTS
                        .iter()
                        .map(|(code, label)| {
                            view! { <option value=*code selected={verdict == *code}>{*label}</option> }
                        })
                        .collect_view()}
                </select>
            </label>
            <label>"From" <input type="date" name="from" value=from /></label>
            <label>"To" <input type="date" name="to" value=to /></label>
            <label>
                "Phone number"
                <input type="tel" name="phone" value=phone placeholder="+14155550123" autocomplete="off" />
            </label>
            <label>
                "Call or message id"
                <input type="text" name="sid" value=sid placeholder="CA… or SM…" maxlength="64" autocomplete="off" />
            </label>
            <p class="evidence-filter-actions">
                <button type="submit" class="button">"Filter"</button>
                {filtered.then(|| view! { <a href="/app/evidence">"Clear filters"</a> })}
            </p>
        </form>
    }
}

#[component]
fn EvidenceList(page: EvidenceListView, filters: Filters) -> impl IntoView {
    let EvidenceListView {
        rows,
        next_cursor,
        timezone,
        ..
    } = page;
    if rows.is_empty() {
        let text = if filters.is_filtered() || !filters.cursor.is_empty() {
            "No stored callbacks match these filters."
        } else {
            "No callbacks stored yet. They appear here as soon as Twilio calls about one of your numbers."
        };
        return view! { <p class="muted evidence-empty">{text}</p> }.into_any();
    }
    let next = next_cursor.map(|c| filters.page_href(&c));
    let first = (!filters.cursor.is_empty()).then(|| filters.list_href());
    view! {
        <p class="muted small">{format!("Newest first. Times are in {timezone}.")}</p>
        <table class="table evidence-table">
            <thead>
                <tr>
                    <th scope="col">"Received"</th>
                    <th scope="col">"Route"</th>
                    <th scope="col">"Signature"</th>
                    <th scope="col">"Outcome"</th>
                    <th scope="col">"Retries"</th>
                    <th scope="col">"Key"</th>
                    <th scope="col">"Lead"</th>
                </tr>
            </thead>
            <tbody>
                {rows
                    .into_iter()
                    .map(|r| {
                        let href = filters.event_href(&r.id);
                        view! { <EvidenceRow r href /> }
                    })
                    .collect_view()}
            </tbody>
        </table>
        <nav class="evidence-pages" aria-label="Pages">
            {first.map(|href| view! { <a href=href>"← Newest"</a> })}
            {next.map(|href| view! { <a href=href rel="next">"Older →"</a> })}
        </nav>
    }
    .into_any()
}

#[component]
fn EvidenceRow(r: EvidenceRowView, href: String) -> impl IntoView {
    let verdict = verdict_label(&r.signature_verdict);
    view! {
        <tr class="evidence-row" data-evidence-id=r.id.clone()>
            <td data-label="Received">
                <a href=href>
                    <time>{r.received_label.clone()}</time>
                </a>
            </td>
            <td data-label="Route">
                {r.route_label.clone()}
                <span class="muted small evidence-path">{format!(" {} · {}", r.provider, r.route)}</span>
            </td>
            <td data-label="Signature">
                <span class=format!("verdict verdict-{}", r.signature_verdict)>{verdict}</span>
            </td>
            <td data-label="Outcome">{r.outcome.clone()}</td>
            <td data-label="Retries">{r.duplicate_count}</td>
            <td data-label="Key">
                <code class="evidence-key">{r.idempotency_key.clone()}</code>
                {r.pruned.then(|| view! { <span class="muted small">" (payload pruned)"</span> })}
            </td>
            <td data-label="Lead">
                {match r.lead_id.clone() {
                    Some(lead) => view! { <a href=format!("/app/leads/{lead}")>"Open lead"</a> }.into_any(),
                    None => view! { <span class="muted">"—"</span> }.into_any(),
                }}
            </td>
        </tr>
    }
}

#[component]
fn RejectedList(rejected: Result<Vec<RejectedCallbackView>, crate::error::AppError>) -> impl IntoView {
    let body = match rejected {
        Err(e) => view! { <p class="muted">{e.to_string()}</p> }.into_any(),
        Ok(list) if list.is_empty() => {
            view! { <p class="muted">"No callbacks have been refused since the server started."</p> }.into_any()
        }
        Ok(list) => view! {
            <table class="table evidence-rejections">
                <thead>
                    <tr>
                        <th scope="col">"When"</th>
                        <th scope="col">"Reason"</th>
                        <th scope="col">"Route"</th>
                    </tr>
                </thead>
                <tbody>
                    {list
                        .into_iter()
                        .map(|r| {
                            view! {
                                <tr class="rejection-row" data-reason=r.reason.clone()>
                                    <td data-label="When"><time>{r.at_label}</time></td>
                                    <td data-label="Reason">{r.reason_label}</td>
                                    <td data-label="Route">{format!("{} · {}", r.provider, r.route)}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        }
        .into_any(),
    };
    view! {
        <section class="card evidence-refused" aria-labelledby="refused-heading">
            <h2 id="refused-heading">"Refused callbacks"</h2>
            <p class="muted small">
                "Callbacks turned away before anything was stored: a bad or missing signature, too large, malformed, or rate-limited. "
                "They are refused before CallSnare knows which business they concern, so this is the whole server's list, not only yours: "
                "the most recent 200 since the server last started. Only the reason, route and time are kept, never what they said."
            </p>
            {body}
        </section>
    }
}

#[component]
fn RetentionForm(days: i64, saved: bool, refused: bool) -> impl IntoView {
    view! {
        <section class="card evidence-retention" aria-labelledby="retention-heading">
            <h2 id="retention-heading">"Retention"</h2>
            <p class="muted small">
                "Stored callbacks' payloads and headers are blanked once they are older than this; the rest of each record (route, time, verdict, outcome, answer) stays, and the audit trail is never pruned."
            </p>
            {saved.then(|| view! { <p class="form-ok" role="status">"Retention saved."</p> })}
            {refused
                .then(|| {
                    view! {
                        <p class="form-error" role="alert" id="retention_days-error">
                            {format!(
                                "Nothing was saved. Keep payloads from {RETENTION_MIN_DAYS} to {RETENTION_MAX_DAYS} days (a whole number).",
                            )}
                        </p>
                    }
                })}
            <form method="post" action="/rpc/evidence/retention" class="row evidence-retention-form">
                <label>
                    "Keep payloads for (days)"
                    <input type="number" name="retention_days" value=days min=RETENTION_MIN_DAYS max=RETENTION_MAX_DAYS step="1" required
                        aria-invalid=refused.then_some("true") />
                </label>
                <button type="submit" class="button">"Save retention"</button>
            </form>
        </section>
    }
}

#[component]
fn EvidenceDetailPanel(id: String, filters: Filters) -> impl IntoView {
    let detail = Resource::new(
        || (),
        move |_| {
            let id = id.clone();
            get_evidence(id)
        },
    );
    let back = filters.list_href();
    view! {
        <p><a href=back>"← All callbacks"</a></p>
        <Suspense fallback=|| view! { <p class="muted">"Loading the callback…"</p> }>
            {move || {
                Suspend::new(async move {
                    match detail.await {
                        Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                        Ok(d) => view! { <EvidenceDetail d /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn EvidenceDetail(d: EvidenceDetailView) -> impl IntoView {
    let EvidenceDetailView {
        row,
        headers,
        payload,
        answer,
        pruned_label,
    } = d;
    let verdict = verdict_label(&row.signature_verdict);
    let sid_link = row.sid.clone().map(|sid| {
        let href = format!("/app/evidence{}", query_string(&[("sid", sid.as_str())]));
        view! { <a href=href>{format!("{sid} (all its callbacks)")}</a> }
    });
    let lead = match row.lead_id.clone() {
        Some(lead) => {
            view! { <a href=format!("/app/leads/{lead}") class="evidence-lead">"Open the lead"</a> }.into_any()
        }
        None => view! { <span class="muted">"None (no lead for this call or text)"</span> }.into_any(),
    };
    view! {
        <section class="card evidence-detail" aria-labelledby="evidence-heading">
            <h2 id="evidence-heading">{row.route_label.clone()}</h2>
            <dl class="evidence-facts">
                <dt>"Received"</dt>
                <dd><time>{row.received_label.clone()}</time></dd>
                <dt>"Provider"</dt>
                <dd>{row.provider.clone()}</dd>
                <dt>"Route"</dt>
                <dd><code>{row.route.clone()}</code></dd>
                <dt>"Signature"</dt>
                <dd>{verdict}</dd>
                <dt>"Outcome"</dt>
                <dd>{row.outcome.clone()}</dd>
                <dt>"Retries"</dt>
                <dd>{row.duplicate_count}</dd>
                <dt>"Idempotency key"</dt>
                <dd><code class="evidence-key">{row.idempotency_key.clone()}</code></dd>
                <dt>"Call or message"</dt>
                <dd>{sid_link}</dd>
                <dt>"Lead"</dt>
                <dd>{lead}</dd>
            </dl>
        </section>
        <section class="card" aria-labelledby="payload-heading">
            <h2 id="payload-heading">"Payload"</h2>
            <PayloadBody payload pruned_label />
        </section>
        <section class="card" aria-labelledby="headers-heading">
            <h2 id="headers-heading">"Headers kept"</h2>
            {if headers.is_empty() {
                view! { <p class="muted">"None kept."</p> }.into_any()
            } else {
                view! {
                    <table class="table evidence-fields">
                        <tbody>
                            {headers
                                .into_iter()
                                .map(|(name, value)| {
                                    view! {
                                        <tr>
                                            <th scope="row">{name}</th>
                                            <td><code>{value}</code></td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                }
                    .into_any()
            }}
        </section>
        <section class="card" aria-labelledby="answer-heading">
            <h2 id="answer-heading">"Answer given"</h2>
            <p class="muted small">"Exactly what CallSnare answered; every retry got the same answer."</p>
            <pre class="evidence-pre">{answer}</pre>
        </section>
    }
}

#[component]
fn PayloadBody(payload: PayloadView, pruned_label: Option<String>) -> impl IntoView {
    match payload {
        PayloadView::Form(fields) => view! {
            <table class="table evidence-fields" aria-label="Form fields">
                <thead>
                    <tr>
                        <th scope="col">"Field"</th>
                        <th scope="col">"Value"</th>
                    </tr>
                </thead>
                <tbody>
                    {fields
                        .into_iter()
                        .map(|(name, value)| {
                            view! {
                                <tr>
                                    <th scope="row">{name}</th>
                                    <td class="evidence-value">{value}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        }
        .into_any(),
        PayloadView::Json(pretty) => view! { <pre class="evidence-pre">{pretty}</pre> }.into_any(),
        PayloadView::Text(text) => view! { <pre class="evidence-pre">{text}</pre> }.into_any(),
        PayloadView::Pruned => view! {
            <p class="muted">
                {format!(
                    "Blanked by the retention setting{}.",
                    pruned_label.map(|at| format!(" on {at}")).unwrap_or_default(),
                )}
            </p>
        }
        .into_any(),
        PayloadView::Empty => view! { <p class="muted">"Empty."</p> }.into_any(),
    }
}
