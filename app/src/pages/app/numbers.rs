//! Tracked numbers (owner and admin): the business numbers customers call, what each rings
//! and for how long, its last call, and the addresses to paste into Twilio's console for it.
//!
//! A server component with no island (no wasm of its own): every form is a plain post to
//! `/rpc/numbers/…` that redirects back here (`?added=1`, `?saved=1`, `?removed=1`), or,
//! when refused, comes back with `?form_error=invalid&form_field=…&form_for=numbers/…` naming
//! each wrong field (never echoing what was typed) and the form it came from. A number is edited at `/app/numbers?edit=<id>`, so a
//! refused edit comes back to its own form; removing asks first in a `<details>`, no script.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    domain::{
        ids::TrackedNumberId,
        number_form::{
            field_label, NumberForm, LABEL_MAX, RING_TIMEOUT_DEFAULT, RING_TIMEOUT_MAX, RING_TIMEOUT_MIN,
            VOICEMAIL_RISK_SECS,
        },
        twilio_webhooks::WebhookUrls,
    },
    error::AppError,
    models::{NumbersView, TrackedNumberView},
    server_fns::numbers::list_numbers,
};

/// What the URL says about the last post (only our own codes and field names survive).
#[derive(Clone, Default)]
struct PageQuery {
    /// Fields the last post refused.
    bad: Vec<&'static str>,
    /// What the last post did, when it did something.
    notice: Option<&'static str>,
    /// The number being edited (a well-formed id; the page checks it is one of the org's).
    edit: Option<String>,
    /// A refused post's form (`numbers/add`, `numbers/update`, `numbers/remove`) and fixed message.
    refused: Option<(String, &'static str)>,
}

impl PageQuery {
    /// The refused post's message when it came from the form posting to `endpoint` and
    /// no field says more.
    fn message_for(&self, endpoint: &str) -> Option<&'static str> {
        self.refused
            .as_ref()
            .filter(|(e, _)| e == endpoint && self.bad.is_empty())
            .map(|(_, message)| *message)
    }
}

#[component]
pub fn NumbersPage() -> impl IntoView {
    let numbers = Resource::new(|| (), |_| list_numbers());
    let query = use_query_map().with_untracked(|q| {
        let refused = q.get("form_error").is_some();
        let bad: Vec<&'static str> = q
            .get("form_field")
            .map(|f| f.split(',').filter_map(field_name).collect())
            .unwrap_or_default();
        let notice = if refused {
            None
        } else if q.get("added").is_some() {
            Some("Number added. Its calls are forwarded from now on; paste the Twilio addresses below into Twilio's console for it.")
        } else if q.get("saved").is_some() {
            Some("Changes saved. The next call uses them.")
        } else if q.get("removed").is_some() {
            Some("Number removed. Its calls and leads stay in the inbox; new calls to it hear that the number is not in service.")
        } else {
            None
        };
        let edit = q.get("edit").filter(|id| TrackedNumberId::parse(id).is_ok());
        let refused = q
            .get("form_for")
            .zip(q.get("form_error").and_then(|code| AppError::message_for_code(&code)));
        PageQuery {
            bad,
            notice,
            edit,
            refused,
        }
    });
    view! {
        <Title text="Numbers" />
        <h1>"Tracked numbers"</h1>
        <Suspense fallback=|| view! { <p class="muted">"Loading numbers…"</p> }>
            {move || {
                let query = query.clone();
                Suspend::new(async move {
                    match numbers.await {
                        Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                        Ok(page) => view! { <Numbers page query /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// A field name from the URL, as our own `&'static str` (anything else is dropped).
fn field_name(f: &str) -> Option<&'static str> {
    ["number", "label", "forward_to", "ring_timeout_secs"]
        .into_iter()
        .find(|known| *known == f)
}

/// What each field wants, shown under a field the last post refused (fixed text only).
fn field_hint(field: &str) -> &'static str {
    match field {
        "number" => "Write a dialable number such as (512) 555-0134 that no account tracks yet.",
        "label" => "At most 80 characters.",
        "forward_to" => {
            "One to ten dialable numbers, one per line, such as (512) 555-0134; not the tracked number itself."
        }
        _ => "A whole number of seconds from 5 to 600.",
    }
}

/// The error line under a field the last post refused.
fn field_error(bad: &[&'static str], field: &'static str) -> Option<impl IntoView> {
    bad.contains(&field).then(|| {
        view! { <p class="field-error" id=format!("{field}-error")>{field_hint(field)}</p> }
    })
}

/// `aria-invalid` for a field the last post refused.
fn invalid(bad: &[&'static str], field: &str) -> Option<&'static str> {
    bad.contains(&field).then_some("true")
}

/// "Nothing was … Please check: Number, Forward to." when the last post was refused.
fn refused_summary(bad: &[&'static str], what: &'static str) -> Option<impl IntoView> {
    let labels: Vec<&'static str> = bad.iter().filter_map(|f| field_label(f)).collect();
    (!labels.is_empty()).then(|| {
        view! {
            <p class="form-error" role="alert">
                {format!("Nothing was {what}. Please check: {}.", labels.join(", "))}
            </p>
        }
    })
}

/// The carrier-voicemail warning for a saved ring timeout above the safe limit.
fn voicemail_warning(secs: u32) -> impl IntoView {
    view! {
        <p class="warning" role="note" data-voicemail-warning="">
            {format!(
                "Rings for {secs} seconds: above about {VOICEMAIL_RISK_SECS} seconds the office phone's own voicemail \
                 usually answers first. The call then counts as answered and the caller gets no text-back. \
                 Set {VOICEMAIL_RISK_SECS} seconds or less."
            )}
        </p>
    }
}

#[component]
fn Numbers(page: NumbersView, query: PageQuery) -> impl IntoView {
    let NumbersView { numbers, webhooks } = page;
    let alert = |message: Option<&'static str>| message.map(|m| view! { <p class="form-error" role="alert">{m}</p> });
    let (add_error, update_error, remove_error) = (
        alert(query.message_for("numbers/add")),
        alert(query.message_for("numbers/update")),
        alert(query.message_for("numbers/remove")),
    );
    let PageQuery { bad, notice, edit, .. } = query;
    let notice = notice.map(|text| view! { <p class="form-ok" role="status">{text}</p> });
    // `Some(None)`: an id that is not one of the org's numbers (or no longer is).
    let editing = edit.map(|id| numbers.iter().find(|n| n.id == id).cloned());
    match editing {
        Some(Some(number)) => view! {
            {notice}
            {update_error}
            <EditNumber number bad />
        }
        .into_any(),
        Some(None) => view! {
            <p class="form-error" role="alert">"That number was not found. It may have been removed."</p>
            <NumberList numbers webhooks />
            <AddNumber bad=Vec::new() />
        }
        .into_any(),
        None => view! {
            {notice}
            {remove_error}
            <NumberList numbers webhooks />
            {add_error}
            <AddNumber bad />
        }
        .into_any(),
    }
}

#[component]
fn NumberList(numbers: Vec<TrackedNumberView>, webhooks: WebhookUrls) -> impl IntoView {
    let warning = webhooks
        .warning
        .map(|w| view! { <p class="warning" role="note" id="public-url-warning">{w.message()}</p> });
    if numbers.is_empty() {
        return view! {
            <p class="empty">"No tracked numbers yet. Add the business number your customers call below."</p>
            {warning}
        }
        .into_any();
    }
    view! {
        {warning}
        <ul class="numbers">
            {numbers
                .into_iter()
                .map(|number| view! { <NumberCard number webhooks=webhooks.clone() /> })
                .collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
fn NumberCard(number: TrackedNumberView, webhooks: WebhookUrls) -> impl IntoView {
    let TrackedNumberView {
        id,
        e164,
        display,
        label,
        forward_to,
        ring_timeout_secs,
        voicemail_risk,
        last_call,
        ..
    } = number;
    let last_call = match last_call {
        Some(c) => format!("{} · {} · {}", c.at_label, c.from, c.outcome),
        None => "No calls yet".to_owned(),
    };
    let label = if label.is_empty() {
        view! { <p class="muted number-label">"No label"</p> }.into_any()
    } else {
        view! { <p class="number-label">{label}</p> }.into_any()
    };
    let WebhookUrls {
        voice,
        status_callback,
        messaging,
        warning,
    } = webhooks;
    let heading_id = format!("{id}-heading");
    view! {
        <li class="card number-card" id=id.clone() aria-labelledby=heading_id.clone()>
            <div class="number-head">
                <h2 id=heading_id.clone()>{display.clone()}</h2>
                {label}
            </div>
            <dl class="number-facts">
                <div>
                    <dt>"Rings"</dt>
                    <dd>{forward_to.join(", ")}</dd>
                </div>
                <div>
                    <dt>"Ring timeout"</dt>
                    <dd>{format!("{ring_timeout_secs} seconds")}</dd>
                </div>
                <div>
                    <dt>"Last call"</dt>
                    <dd data-last-call="">{last_call}</dd>
                </div>
            </dl>
            {voicemail_risk.then(|| voicemail_warning(ring_timeout_secs))}
            <details class="webhooks">
                <summary>"Twilio webhook addresses"</summary>
                <p class="small">
                    "In Twilio's console, open Phone Numbers → Manage → Active numbers → "<strong>{e164}</strong>
                    " and set these, each as HTTP POST:"
                </p>
                <dl class="webhook-urls">
                    <dt>"Voice: \"A call comes in\" (Webhook)"</dt>
                    <dd><code data-webhook="voice">{voice}</code></dd>
                    <dt>"Voice: \"Call status changes\""</dt>
                    <dd><code data-webhook="status">{status_callback}</code></dd>
                    <dt>"Messaging: \"A message comes in\" (Webhook)"</dt>
                    <dd><code data-webhook="messaging">{messaging}</code></dd>
                </dl>
                {warning.map(|_| view! { <p class="small">"These addresses are not ready yet: see the warning above."</p> })}
            </details>
            <div class="row-actions number-actions">
                <a class="button button-small button-ghost" href=format!("/app/numbers?edit={id}#{id}")>
                    "Edit"
                </a>
                <details class="number-remove">
                    <summary class="button button-small button-ghost">"Remove…"</summary>
                    <form method="post" action="/rpc/numbers/remove">
                        <input type="hidden" name="number_id" value=id.clone() />
                        <p class="small">
                            {format!(
                                "Calls to {display} will hear that the number is not in service, and get no text-back. \
                                 Its calls and leads stay in the inbox, and you can add it again later."
                            )}
                        </p>
                        <button type="submit" class="button button-small button-danger">
                            {format!("Remove {display}")}
                        </button>
                    </form>
                </details>
            </div>
        </li>
    }
}

/// The label, forward-to and ring-timeout fields both forms share.
#[component]
fn NumberFields(form: NumberForm, bad: Vec<&'static str>) -> impl IntoView {
    let NumberForm {
        label,
        forward_to,
        ring_timeout_secs,
    } = form;
    let b = &bad;
    view! {
        <label>
            "Label"
            <span class="muted small">"Optional: where this number is advertised, e.g. Main line or Google Ads."</span>
            <input type="text" name="label" value=label maxlength=LABEL_MAX autocomplete="off"
                aria-invalid=invalid(b, "label") />
        </label>
        {field_error(b, "label")}
        <label>
            "Forward to"
            <span class="muted small">"The office phones to ring, one per line; they all ring at once and the first to pick up takes the call."</span>
            <textarea name="forward_to" rows="3" maxlength="400" required placeholder="(512) 555-0100"
                aria-invalid=invalid(b, "forward_to")>{forward_to}</textarea>
        </label>
        {field_error(b, "forward_to")}
        <label>
            "Ring timeout (seconds)"
            <span class="muted small">
                {format!(
                    "How long they ring before the caller hears that we'll text them back. Keep it at \
                     {VOICEMAIL_RISK_SECS} seconds or less: most carriers send an unanswered call to the office \
                     phone's own voicemail after about 20–25 seconds, and a call voicemail answers counts as \
                     answered, so no text-back goes out."
                )}
            </span>
            <input type="number" name="ring_timeout_secs" value=ring_timeout_secs min=RING_TIMEOUT_MIN
                max=RING_TIMEOUT_MAX step="1" required aria-invalid=invalid(b, "ring_timeout_secs") />
        </label>
        {field_error(b, "ring_timeout_secs")}
    }
}

#[component]
fn EditNumber(number: TrackedNumberView, bad: Vec<&'static str>) -> impl IntoView {
    let summary = refused_summary(&bad, "saved");
    let TrackedNumberView {
        id,
        display,
        form,
        ring_timeout_secs,
        voicemail_risk,
        ..
    } = number;
    view! {
        <section class="card number-card number-edit" id=id.clone()>
            <h2>{format!("Edit {display}")}</h2>
            {summary}
            {voicemail_risk.then(|| voicemail_warning(ring_timeout_secs))}
            <form method="post" action="/rpc/numbers/update" class="number-form">
                <input type="hidden" name="number_id" value=id.clone() />
                <NumberFields form bad />
                <p class="settings-actions">
                    <button type="submit" class="button">"Save changes"</button>
                    <a href="/app/numbers">"Cancel"</a>
                </p>
            </form>
        </section>
    }
}

#[component]
fn AddNumber(bad: Vec<&'static str>) -> impl IntoView {
    let summary = refused_summary(&bad, "added");
    let blank = NumberForm {
        label: String::new(),
        forward_to: String::new(),
        ring_timeout_secs: RING_TIMEOUT_DEFAULT.to_string(),
    };
    let number_error = field_error(&bad, "number");
    let number_invalid = invalid(&bad, "number");
    view! {
        <section class="card number-add" id="add-number">
            <h2>"Add a number"</h2>
            <p class="muted small">
                "The business number customers call, bought in Twilio. Any everyday format works: "
                "(512) 555-0134, 512-555-0134 or +1 512 555 0134."
            </p>
            {summary}
            <form method="post" action="/rpc/numbers/add" class="number-form">
                <label>
                    "Number"
                    <input type="tel" name="number" required autocomplete="off" placeholder="(512) 555-0134"
                        maxlength="40" aria-invalid=number_invalid />
                </label>
                {number_error}
                <NumberFields form=blank bad />
                <p class="settings-actions">
                    <button type="submit" class="button">"Add number"</button>
                </p>
            </form>
        </section>
    }
}
