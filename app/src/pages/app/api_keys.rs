//! API keys (owner and admin): the Bearer keys connected systems use on `/api/v1`, each
//! limited to its scopes and to this org. Lists every key (name, visible prefix, scopes,
//! created, last used, expiry, state) with rotate and revoke, and a form to create one.
//!
//! A server component with no island (no wasm of its own): every form is a plain post to
//! `/rpc/api_keys/…`. A creation or rotation redirects back here with `?shown=<id>`, and
//! this page view takes the new secret from the server's memory and shows it once (the id
//! is not the secret, and is useless after that view or to anyone else). A refused post
//! comes back with `?form_error=…&form_field=…` naming each wrong field (never echoing what
//! was typed). Rotating and revoking ask first, in a `<details>`, no script.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    domain::api_key::{KeyState, EXPIRES_IN_DAYS_MAX, GRACE_HOURS_DEFAULT, GRACE_HOURS_MAX, NAME_MAX},
    models::api_keys::{ApiKeyView, ApiKeysView, RevealedKeyView, ScopeChoiceView},
    server_fns::api_keys::{list_api_keys, reveal_api_key},
};

/// What the URL says about the last post (only our own codes and field names survive).
#[derive(Clone, Default)]
struct PageQuery {
    /// Fields the last post refused.
    bad: Vec<&'static str>,
    /// What the last post did, when it did something other than show a secret.
    notice: Option<&'static str>,
    /// The id of a new secret waiting to be shown (64 hex characters).
    shown: Option<String>,
}

#[component]
pub fn ApiKeysPage() -> impl IntoView {
    let query = use_query_map().with_untracked(|q| {
        let refused = q.get("form_error").is_some();
        let bad: Vec<&'static str> = q
            .get("form_field")
            .map(|f| f.split(',').filter_map(field_name).collect())
            .unwrap_or_default();
        let notice = (!refused && q.get("revoked").is_some())
            .then_some("Key revoked. Every request made with it is refused from now on.");
        // A refused post comes back to the URL it was made from: a secret named there was
        // shown already.
        let shown = q
            .get("shown")
            .filter(|id| !refused && id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit()));
        PageQuery { bad, notice, shown }
    });
    let keys = Resource::new(|| (), |_| list_api_keys());
    // Not a resource: the secret is fetched once, straight into this view, and never kept
    // anywhere a later render or the page's data could pick it up again.
    let shown = query.shown.clone();
    view! {
        <Title text="API keys" />
        <h1>"API keys"</h1>
        <p class="muted">
            "Keys let approved systems (a CRM, a scheduling tool, your own scripts) read and change this organisation's data through the API, "
            "limited to the scopes you choose. Each sends its key as "<code>"Authorization: Bearer <key>"</code>" to "<code>"/api/v1"</code>
            ". A key only ever sees this organisation. See the "<a href="/docs/api">"API reference"</a>"."
        </p>
        <Suspense fallback=|| ()>
            {move || {
                let shown = shown.clone();
                Suspend::new(async move {
                    let id = shown?;
                    Some(match reveal_api_key(id).await {
                        // `None`: its secret was shown already.
                        Ok(found) => view! { <NewSecret found /> }.into_any(),
                        Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                    })
                })
            }}
        </Suspense>
        <Suspense fallback=|| view! { <p class="muted">"Loading keys…"</p> }>
            {move || {
                let query = query.clone();
                Suspend::new(async move {
                    match keys.await {
                        Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                        Ok(page) => view! { <ApiKeys page query /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// A field name from the URL, as our own `&'static str` (anything else is dropped).
fn field_name(f: &str) -> Option<&'static str> {
    ["name", "scopes", "expires_in_days", "grace_hours"]
        .into_iter()
        .find(|known| *known == f)
}

fn field_label(f: &str) -> &'static str {
    match f {
        "name" => "Name",
        "scopes" => "Scopes",
        "expires_in_days" => "Expires after",
        _ => "Grace",
    }
}

/// What each field wants, shown under a field the last post refused (fixed text only).
fn field_hint(field: &str) -> &'static str {
    match field {
        "name" => "A name of 1 to 80 characters that no other key here (not revoked) has.",
        "scopes" => "Choose at least one scope.",
        "expires_in_days" => "A whole number of days from 1 to 3650, or empty for a key that does not expire.",
        _ => "A whole number of hours from 0 to 720.",
    }
}

fn field_error(bad: &[&'static str], field: &'static str) -> Option<impl IntoView> {
    bad.contains(&field).then(|| {
        view! { <p class="field-error" id=format!("{field}-error")>{field_hint(field)}</p> }
    })
}

fn invalid(bad: &[&'static str], field: &str) -> Option<&'static str> {
    bad.contains(&field).then_some("true")
}

/// The secret made by the last creation or rotation, shown this once.
#[component]
fn NewSecret(found: Option<RevealedKeyView>) -> impl IntoView {
    let Some(key) = found else {
        return view! {
            <p class="warning" role="note" id="new-key">
                "That key's secret was shown once already and can't be shown again: CallSnare keeps only a hash of it. "
                "If it wasn't copied, rotate the key (with no grace) to get a new one."
            </p>
        }
        .into_any();
    };
    let RevealedKeyView {
        name,
        prefix,
        secret,
        rotated,
        previous_until_label,
        ..
    } = key;
    let heading = if rotated {
        format!("New secret for “{name}”")
    } else {
        format!("Key “{name}” created")
    };
    let earlier = rotated.then(|| match previous_until_label {
        Some(until) => format!("The earlier secret keeps working until {until}, then it is refused."),
        None => "The earlier secret was refused at once.".to_owned(),
    });
    view! {
        <section class="card api-key-new" id="new-key" role="status" aria-labelledby="new-key-heading">
            <h2 id="new-key-heading">{heading}</h2>
            <p>
                <strong>"Copy it now: this is the only time it is shown."</strong>
                " CallSnare keeps only a hash of it. Put it in the connected system's secret settings, not in an email or a chat."
            </p>
            <code class="api-key-secret" data-api-key-secret="">{secret}</code>
            <p class="muted small">{format!("It is listed below as {prefix}…")}</p>
            {earlier.map(|line| view! { <p class="small">{line}</p> })}
        </section>
    }
    .into_any()
}

#[component]
fn ApiKeys(page: ApiKeysView, query: PageQuery) -> impl IntoView {
    let ApiKeysView {
        keys,
        scopes,
        mode,
        timezone,
    } = page;
    let PageQuery { bad, notice, .. } = query;
    let notice = notice.map(|text| view! { <p class="form-ok" role="status">{text}</p> });
    let grace_refused = bad.contains(&"grace_hours").then(|| {
        view! { <p class="form-error" role="alert">{format!("Nothing was rotated. {}", field_hint("grace_hours"))}</p> }
    });
    view! {
        {notice}
        {grace_refused}
        <KeyList keys timezone />
        <CreateKey scopes mode bad />
    }
}

#[component]
fn KeyList(keys: Vec<ApiKeyView>, timezone: String) -> impl IntoView {
    if keys.is_empty() {
        return view! { <p class="empty">"No API keys yet. Create one below for each system that needs access."</p> }
            .into_any();
    }
    view! {
        <p class="muted small">
            {format!(
                "Newest first. Times are in {timezone}. \"Last used\" is accurate to within a minute."
            )}
        </p>
        <table class="table api-keys-table">
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Key"</th>
                    <th scope="col">"Scopes"</th>
                    <th scope="col">"Created"</th>
                    <th scope="col">"Last used"</th>
                    <th scope="col">"Expires"</th>
                    <th scope="col">"State"</th>
                    <th scope="col">"Actions"</th>
                </tr>
            </thead>
            <tbody>{keys.into_iter().map(|key| view! { <KeyRow key /> }).collect_view()}</tbody>
        </table>
    }
    .into_any()
}

#[component]
fn KeyRow(key: ApiKeyView) -> impl IntoView {
    let ApiKeyView {
        id,
        name,
        prefix,
        mode,
        scopes,
        created_label,
        created_by,
        last_used_label,
        expires_label,
        state,
        previous_prefix,
        previous_until_label,
        revoked_label,
        can_rotate,
        ..
    } = key;
    let state_detail = match state {
        KeyState::Rotating => previous_prefix
            .zip(previous_until_label)
            .map(|(p, until)| format!("The earlier secret {p}… works until {until}.")),
        KeyState::Revoked => revoked_label.map(|at| format!("Revoked {at}.")),
        KeyState::Expired => Some("Refused: create a new key.".to_owned()),
        KeyState::Active => None,
    };
    let rotate = can_rotate.then(|| view! { <RotateForm id=id.clone() name=name.clone() /> });
    let revoke = (state != KeyState::Revoked)
        .then(|| view! { <RevokeForm id=id.clone() name=name.clone() prefix=prefix.clone() /> });
    view! {
        <tr class="api-key-row" id=id.clone() data-key-id=id.clone() data-state=state.as_str()>
            <td data-label="Name">
                <strong>{name}</strong>
                <span class="muted small api-key-by">{format!(" by {created_by}")}</span>
            </td>
            <td data-label="Key">
                <code>{format!("{prefix}…")}</code>
                <span class="muted small">{format!(" {mode}")}</span>
            </td>
            <td data-label="Scopes">
                <ul class="api-key-scopes">
                    {scopes.into_iter().map(|s| view! { <li><code>{s}</code></li> }).collect_view()}
                </ul>
            </td>
            <td data-label="Created">{created_label}</td>
            <td data-label="Last used">{last_used_label.unwrap_or_else(|| "Never".to_owned())}</td>
            <td data-label="Expires">{expires_label.unwrap_or_else(|| "Never".to_owned())}</td>
            <td data-label="State">
                <span class=format!("api-key-state api-key-state-{}", state.as_str())>{state.label()}</span>
                {state_detail.map(|d| view! { <span class="muted small api-key-state-detail">{d}</span> })}
            </td>
            <td data-label="Actions">
                <div class="row-actions api-key-actions">{rotate} {revoke}</div>
            </td>
        </tr>
    }
}

#[component]
fn RotateForm(id: String, name: String) -> impl IntoView {
    view! {
        <details class="api-key-rotate">
            <summary class="button button-small button-ghost">"Rotate…"</summary>
            <form method="post" action="/rpc/api_keys/rotate">
                <input type="hidden" name="key_id" value=id />
                <label>
                    "Earlier secret keeps working for (hours)"
                    <input type="number" name="grace_hours" value=GRACE_HOURS_DEFAULT min="0" max=GRACE_HOURS_MAX
                        step="1" required />
                </label>
                <p class="small">
                    "You get a new secret, shown once. Until the hours above have passed both secrets work, "
                    "so the connected system can switch without an outage; 0 refuses the earlier one at once."
                </p>
                <button type="submit" class="button button-small">{format!("Rotate {name}")}</button>
            </form>
        </details>
    }
}

#[component]
fn RevokeForm(id: String, name: String, prefix: String) -> impl IntoView {
    view! {
        <details class="api-key-revoke">
            <summary class="button button-small button-ghost">"Revoke…"</summary>
            <form method="post" action="/rpc/api_keys/revoke">
                <input type="hidden" name="key_id" value=id />
                <p class="small">
                    {format!(
                        "Every request made with {name} ({prefix}…) will be refused from now on. This can't be undone."
                    )}
                </p>
                <button type="submit" class="button button-small button-danger">{format!("Revoke {name}")}</button>
            </form>
        </details>
    }
}

#[component]
fn ScopeChoice(choice: ScopeChoiceView) -> impl IntoView {
    let ScopeChoiceView {
        code,
        field,
        description,
        grantable,
    } = choice;
    let locked = !grantable;
    view! {
        <label class="check api-key-scope">
            <input type="checkbox" name=field value="1" disabled=locked />
            <code>{code}</code>
            <span class="small">{description}</span>
            {locked.then(|| view! { <span class="muted small">" (only an owner can give this)"</span> })}
        </label>
    }
}

#[component]
fn CreateKey(scopes: Vec<ScopeChoiceView>, mode: String, bad: Vec<&'static str>) -> impl IntoView {
    let refused: Vec<&'static str> = bad
        .iter()
        .copied()
        .filter(|f| *f != "grace_hours")
        .map(field_label)
        .collect();
    let summary = (!refused.is_empty()).then(|| {
        view! {
            <p class="form-error" role="alert">{format!("No key was created. Please check: {}.", refused.join(", "))}</p>
        }
    });
    let mode_note = if mode == "live" {
        "This server runs in live mode: new keys start with cs_live_, and test keys are refused."
    } else {
        "This server runs in sandbox mode: new keys start with cs_test_, and live keys are refused."
    };
    let b = &bad;
    view! {
        <section class="card api-key-add" id="create-key">
            <h2>"Create a key"</h2>
            <p class="muted small">{mode_note}</p>
            {summary}
            <form method="post" action="/rpc/api_keys/create" class="api-key-form">
                <label>
                    "Name"
                    <span class="muted small">"Who or what will use it, e.g. Zapier or Office dashboard."</span>
                    <input type="text" name="name" required maxlength=NAME_MAX autocomplete="off"
                        aria-invalid=invalid(b, "name") />
                </label>
                {field_error(b, "name")}
                <fieldset class="api-key-scope-list" aria-invalid=invalid(b, "scopes")>
                    <legend>"Scopes"</legend>
                    <p class="muted small">"Give each system only what it needs."</p>
                    {scopes.into_iter().map(|choice| view! { <ScopeChoice choice /> }).collect_view()}
                </fieldset>
                {field_error(b, "scopes")}
                <label>
                    "Expires after (days)"
                    <span class="muted small">"Optional: leave empty for a key that does not expire."</span>
                    <input type="number" name="expires_in_days" min="1" max=EXPIRES_IN_DAYS_MAX step="1"
                        aria-invalid=invalid(b, "expires_in_days") />
                </label>
                {field_error(b, "expires_in_days")}
                <p class="settings-actions">
                    <button type="submit" class="button">"Create key"</button>
                </p>
            </form>
        </section>
    }
}
