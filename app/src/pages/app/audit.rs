//! The audit trail (owner and admin): who did what, to what, when and from where, newest
//! first, with the chain's state on top.
//!
//! A server component with no island (no wasm): the filters are a plain GET form, so a
//! filtered view is a URL that can be shared; "Older" is a link carrying the cursor; the
//! export is a plain link to `GET /app/audit.csv` with the same filters. On phones the
//! table becomes one card per record (CSS only).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    domain::{audit_labels::target_kind_label, redirect::encode_path, ActorKind, AuditAction},
    error::AppError,
    models::{AuditChainView, AuditEntryView, AuditPageView},
    server_fns::audit::{audit_chain, list_audit_events},
};

/// The viewer's filters as they are in the URL (`/app/audit?actor=…&action=…&target=…&from=…&to=…&cursor=…`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct AuditQuery {
    actor: String,
    action: String,
    target: String,
    from: String,
    to: String,
    cursor: String,
}

impl AuditQuery {
    fn given(s: &str) -> Option<String> {
        (!s.is_empty()).then(|| s.to_owned())
    }

    async fn fetch(self) -> Result<AuditPageView, AppError> {
        list_audit_events(
            Self::given(&self.actor),
            Self::given(&self.action),
            Self::given(&self.target),
            Self::given(&self.from),
            Self::given(&self.to),
            Self::given(&self.cursor),
        )
        .await
    }

    /// The filters (not the cursor) as a query string, `""` when none.
    fn filters(&self) -> String {
        [
            ("actor", &self.actor),
            ("action", &self.action),
            ("target", &self.target),
            ("from", &self.from),
            ("to", &self.to),
        ]
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", encode_path(v)))
        .collect::<Vec<_>>()
        .join("&")
    }

    fn export_href(&self) -> String {
        match self.filters() {
            f if f.is_empty() => "/app/audit.csv".to_owned(),
            f => format!("/app/audit.csv?{f}"),
        }
    }

    fn older_href(&self, cursor: &str) -> String {
        match self.filters() {
            f if f.is_empty() => format!("/app/audit?cursor={}", encode_path(cursor)),
            f => format!("/app/audit?{f}&cursor={}", encode_path(cursor)),
        }
    }

    fn is_filtered(&self) -> bool {
        !self.filters().is_empty()
    }
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let query = use_query_map().with_untracked(|q| {
        let get = |k: &str| q.get(k).map(|v| v.trim().to_owned()).unwrap_or_default();
        AuditQuery {
            actor: get("actor"),
            action: get("action"),
            target: get("target"),
            from: get("from"),
            to: get("to"),
            cursor: get("cursor"),
        }
    });
    let entries = Resource::new(
        {
            let query = query.clone();
            move || query.clone()
        },
        AuditQuery::fetch,
    );
    // The chain is recomputed in full (every record), so only the first page checks it.
    let first_page = query.cursor.is_empty();
    let chain = Resource::new(
        || (),
        move |_| async move {
            if first_page {
                Some(audit_chain().await)
            } else {
                None
            }
        },
    );
    view! {
        <Title text="Audit trail" />
        <h1>"Audit trail"</h1>
        <Suspense fallback=|| view! { <p class="muted">"Loading the audit trail…"</p> }>
            {move || {
                let query = query.clone();
                Suspend::new(async move {
                    match entries.await {
                        Err(e @ AppError::Validation { .. }) => view! {
                            <p class="form-error" role="alert">{e.to_string()}</p>
                            <AuditFilters query=query.clone() />
                        }
                        .into_any(),
                        Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                        Ok(page) => view! {
                            <Suspense fallback=|| view! { <p class="muted small audit-chain">"Checking the chain…"</p> }>
                                {move || Suspend::new(async move {
                                    chain.await.and_then(Result::ok).map(|c| view! { <ChainBanner chain=c /> })
                                })}
                            </Suspense>
                            <AuditFilters query=query.clone() />
                            <AuditTable page query />
                        }
                        .into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// The chain's state: intact with its head hash, or the first record that is not.
#[component]
fn ChainBanner(chain: AuditChainView) -> impl IntoView {
    if chain.intact {
        let head = match (chain.head_seq, chain.head_hash) {
            (Some(seq), Some(hash)) => format!("Head: record #{seq}, hash {hash}"),
            _ => "No records yet.".to_owned(),
        };
        view! {
            <section class="card audit-chain audit-chain-ok" role="status">
                <p>
                    <strong>"Chain intact."</strong>
                    {format!(
                        " All {} record{} verify, each linked to the one before.",
                        chain.records,
                        if chain.records == 1 { "" } else { "s" },
                    )}
                </p>
                <p class="muted small audit-hash">
                    {head}
                    " Keep this hash somewhere else: if the trail is ever rewritten, it will no longer match."
                </p>
            </section>
        }
        .into_any()
    } else {
        view! {
            <section class="card audit-chain audit-chain-broken" role="alert">
                <p>
                    <strong>"The chain is broken."</strong>
                    {format!(
                        " {} record{} verified before the first problem.",
                        chain.records,
                        if chain.records == 1 { "" } else { "s" },
                    )}
                </p>
                <p class="small audit-hash">{chain.problem.unwrap_or_default()}</p>
            </section>
        }
        .into_any()
    }
}

/// The GET form of filters and the export link.
#[component]
fn AuditFilters(query: AuditQuery) -> impl IntoView {
    let export = query.export_href();
    let filtered = query.is_filtered();
    let AuditQuery {
        actor,
        action,
        target,
        from,
        to,
        ..
    } = query;
    view! {
        <form method="get" action="/app/audit" class="card audit-filters" role="search" aria-label="Filter the audit trail">
            <label>
                "Actor"
                <select name="actor">
                    <option value="" selected=actor.is_empty()>"Anyone"</option>
                    {ActorKind::ALL
                        .iter()
                        .map(|k| view! { <option value=k.as_str() selected=actor == k.as_str()>{k.label()}</option> })
                        .collect_view()}
                </select>
            </label>
            <label>
                "Action"
                <select name="action">
                    <option value="" selected=action.is_empty()>"Any action"</option>
                    {AuditAction::ALL
                        .iter()
                        .map(|a| view! { <option value=a.as_str() selected=action == a.as_str()>{a.label()}</option> })
                        .collect_view()}
                </select>
            </label>
            <label>
                "On what (id)"
                <input type="text" name="target" value=target placeholder="lead_…, usr_…" maxlength="64" autocomplete="off" />
            </label>
            <label>
                "From"
                <input type="date" name="from" value=from />
            </label>
            <label>
                "To"
                <input type="date" name="to" value=to />
            </label>
            <p class="audit-filter-actions">
                <button type="submit" class="button">"Filter"</button>
                {filtered.then(|| view! { <a class="button button-ghost" href="/app/audit">"Clear"</a> })}
                <a class="button button-ghost" href=export>"Export CSV"</a>
            </p>
        </form>
    }
}

#[component]
fn AuditTable(page: AuditPageView, query: AuditQuery) -> impl IntoView {
    let AuditPageView {
        entries,
        next_cursor,
        timezone,
    } = page;
    let older = next_cursor.map(|c| query.older_href(&c));
    let newest = (!query.cursor.is_empty()).then(|| match query.filters() {
        f if f.is_empty() => "/app/audit".to_owned(),
        f => format!("/app/audit?{f}"),
    });
    if entries.is_empty() {
        return view! {
            <p class="muted audit-empty">"No records match these filters."</p>
            {newest.map(|href| view! { <a class="button button-ghost" href=href>"Back to the newest"</a> })}
        }
        .into_any();
    }
    view! {
        <p class="muted small">{format!("Newest first. Times are in {timezone}.")}</p>
        <table class="table audit-table">
            <thead>
                <tr>
                    <th scope="col">"When"</th>
                    <th scope="col">"Who"</th>
                    <th scope="col">"What"</th>
                    <th scope="col">"On what"</th>
                    <th scope="col">"Request"</th>
                </tr>
            </thead>
            <tbody>{entries.into_iter().map(|e| view! { <AuditRow e /> }).collect_view()}</tbody>
        </table>
        <p class="audit-paging">
            {newest.map(|href| view! { <a class="button button-ghost" href=href>"Newest"</a> })}
            {older.map(|href| view! { <a class="button button-ghost" href=href rel="next">"Older"</a> })}
        </p>
    }
    .into_any()
}

#[component]
fn AuditRow(e: AuditEntryView) -> impl IntoView {
    let AuditEntryView {
        id,
        at_label,
        who,
        action,
        what,
        on_what,
        on_what_href,
        target_kind,
        target_id,
        request_id,
        ip,
        changes,
        ..
    } = e;
    let target_filter = target_id
        .filter(|t| t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        .map(|t| format!("/app/audit?target={t}"));
    view! {
        <tr class="audit-row" data-action=action.clone() id=id>
            <td data-label="When">{at_label}</td>
            <td data-label="Who">{who}</td>
            <td data-label="What">
                <span class="audit-what">{what}</span>
                {(!changes.is_empty())
                    .then(|| {
                        view! {
                            <ul class="audit-changes">
                                {changes
                                    .into_iter()
                                    .map(|c| {
                                        view! {
                                            <li>
                                                <span class="audit-field">{c.field}</span>": "
                                                <span class="audit-before">{c.before}</span>" → "
                                                <span class="audit-after">{c.after}</span>
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                            </ul>
                        }
                    })}
            </td>
            <td data-label="On what">
                {target_kind_label(target_kind.as_deref()).map(|k| view! { <span class="muted small">{k}": "</span> })}
                {match on_what_href {
                    Some(href) => view! { <a href=href>{on_what}</a> }.into_any(),
                    None => view! { <span>{on_what}</span> }.into_any(),
                }}
                {target_filter.map(|href| view! { " " <a class="muted small" href=href title="Every record about this">"(all)"</a> })}
            </td>
            <td data-label="Request" class="small">
                <span class="audit-request-id">{request_id.unwrap_or_else(|| "—".to_owned())}</span>
                <br />
                <span class="muted audit-ip">{ip.unwrap_or_default()}</span>
            </td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::AuditQuery;

    #[test]
    fn links_keep_the_filters_and_drop_the_old_cursor() {
        let q = AuditQuery {
            actor: "user".into(),
            action: "settings.changed".into(),
            from: "2026-03-01".into(),
            cursor: "1.aud_x".into(),
            ..AuditQuery::default()
        };
        assert_eq!(
            q.export_href(),
            "/app/audit.csv?actor=user&action=settings.changed&from=2026-03-01"
        );
        assert_eq!(
            q.older_href("2.aud_y"),
            "/app/audit?actor=user&action=settings.changed&from=2026-03-01&cursor=2.aud_y"
        );
        assert_eq!(AuditQuery::default().export_href(), "/app/audit.csv");
        let odd = AuditQuery {
            target: "a&b=c".into(),
            ..AuditQuery::default()
        };
        assert_eq!(odd.export_href(), "/app/audit.csv?target=a%26b%3Dc");
    }
}
