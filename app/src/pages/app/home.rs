//! The inbox: the org's leads, most recent activity first, live.
//!
//! The page is rendered on the server with the filters from the URL (filtering, search and
//! paging are plain links and a GET form: full page loads). Its body is one island,
//! [`LiveInbox`], which gets the first page of leads as props and refetches them, the
//! figures and the bookings whenever the live feed says something changed.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_query_map};
use serde::{Deserialize, Serialize};

use crate::{
    components::{
        hydrated::mark_hydrated,
        live::{live_updates, set_document_title, Latest},
    },
    domain::{Figure, LeadSource, LeadStatus},
    models::BookingView,
    models::{LeadPage, LeadSummary, RecoveryStats},
    server_fns::inbox::{get_recovery_stats, list_leads, upcoming_bookings},
};

pub fn source_label(source: &str) -> &'static str {
    LeadSource::parse(source).map_or("Lead", LeadSource::label)
}

pub fn age(now: i64, then: i64) -> String {
    let mins = ((now - then).max(0)) / 60_000;
    match mins {
        0 => "just now".into(),
        m if m < 60 => format!("{m} min ago"),
        m if m < 60 * 24 => format!("{} h ago", m / 60),
        m => format!("{} d ago", m / (60 * 24)),
    }
}

/// The inbox filters as they are in the URL (`/app?status=…&needs_reply=true&q=…&cursor=…&figure=…`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct InboxFilter {
    pub status: Option<String>,
    pub needs_reply: bool,
    pub q: Option<String>,
    pub cursor: Option<String>,
    pub figure: Option<String>,
}

impl InboxFilter {
    /// One page of leads for these filters.
    pub async fn fetch(self) -> Result<LeadPage, crate::error::AppError> {
        list_leads(self.status, Some(self.needs_reply), self.q, self.cursor, self.figure).await
    }
}

#[component]
pub fn HomePage() -> impl IntoView {
    let query = use_query_map();
    let filter = query.with_untracked(|q| InboxFilter {
        status: q.get("status").filter(|s| !s.is_empty()),
        needs_reply: q.get("needs_reply").is_some_and(|v| v == "true"),
        q: q.get("q").filter(|s| !s.is_empty()),
        cursor: q.get("cursor").filter(|s| !s.is_empty()),
        figure: q.get("figure").filter(|s| !s.is_empty()),
    });
    let search = use_location().search.get_untracked();
    let leads = Resource::new(
        {
            let filter = filter.clone();
            move || filter.clone()
        },
        InboxFilter::fetch,
    );
    let stats = Resource::new(|| (), |_| get_recovery_stats());
    let bookings = Resource::new(|| (), |_| upcoming_bookings());
    view! {
        <Title text="Inbox" />
        <h1>"Inbox"</h1>
        <Suspense fallback=|| view! { <p class="muted">"Loading leads…"</p> }>
            {move || {
                let (filter, search) = (filter.clone(), search.clone());
                Suspend::new(async move {
                    let stats = stats.await.ok();
                    let bookings = bookings.await.ok();
                    match leads.await {
                        Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                        Ok(page) => view! { <LiveInbox filter search page stats bookings /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// The inbox below its heading. Rendered on the server from the props, then kept live in the browser:
/// every live event refetches the leads (same filters), the figures and the bookings
/// without a reload, and counts as unread in the tab title until the page is touched.
#[island]
pub fn LiveInbox(
    filter: InboxFilter,
    /// `location.search` of the page, for the "Older leads" link.
    search: String,
    page: LeadPage,
    stats: Option<RecoveryStats>,
    bookings: Option<Vec<BookingView>>,
) -> impl IntoView {
    mark_hydrated();
    let live = live_updates();
    let page = RwSignal::new(page);
    let stats = RwSignal::new(stats);
    let bookings = RwSignal::new(bookings);
    let (latest_leads, latest_stats, latest_bookings) = (Latest::new(), Latest::new(), Latest::new());
    let refetch_filter = filter.clone();
    Effect::watch(
        move || live.version.get(),
        move |_, _, _| {
            latest_leads.run(refetch_filter.clone().fetch(), move |r| {
                if let Ok(p) = r {
                    page.set(p);
                }
            });
            latest_stats.run(get_recovery_stats(), move |r| {
                if let Ok(s) = r {
                    stats.set(Some(s));
                }
            });
            latest_bookings.run(upcoming_bookings(), move |r| {
                if let Ok(b) = r {
                    bookings.set(Some(b));
                }
            });
        },
        false,
    );
    Effect::new(move |_| match live.unread.get() {
        0 => set_document_title("Inbox"),
        n => set_document_title(&format!("({n}) Inbox")),
    });
    let figure = filter.figure.as_deref().and_then(Figure::parse);
    let status = filter.status.clone();
    view! {
        <div on:click=move |_| live.mark_seen() on:keydown=move |_| live.mark_seen()>
            {move || stats.get().map(|s| view! { <Stats s /> })}
            <form method="get" action="/app" class="filters">
                <label>
                    "Status"
                    <select name="status">
                        <option value="">"Any"</option>
                        {LeadStatus::ALL
                            .into_iter()
                            .map(|s| s.as_str())
                            .map(|s| view! { <option value=s selected=status.as_deref() == Some(s)>{s}</option> })
                            .collect_view()}
                    </select>
                </label>
                <label class="check">
                    <input type="checkbox" name="needs_reply" value="true" checked=filter.needs_reply />
                    "Needs reply"
                </label>
                <label>
                    "Search"
                    <input type="search" name="q" placeholder="Phone or name" value=filter.q.clone().unwrap_or_default() />
                </label>
                <button type="submit" class="button button-small">"Filter"</button>
            </form>
            {figure.map(|f| view! {
                <p class="figure-banner">{f.describe()}" · "<a href="/app">"Show all leads"</a></p>
            })}
            {move || {
                let p = page.get();
                if p.leads.is_empty() {
                    view! {
                        <p class="empty card">"No leads here yet. Missed calls and customer texts show up the moment they happen."</p>
                    }
                    .into_any()
                } else {
                    let now = p.server_now;
                    let next = p.next_cursor.map(|c| older(&search, &c));
                    view! {
                        <ul class="lead-list" aria-label="Leads" aria-describedby="lead-keys">
                            {p.leads.into_iter().map(|l| view! { <LeadRow l now /> }).collect_view()}
                        </ul>
                        <p id="lead-keys" class="muted small">"Keys: j / k or ↓ / ↑ move through the leads, Enter opens one."</p>
                        {next.map(|href| view! { <a class="button button-ghost" href=href>"Older leads"</a> })}
                    }
                    .into_any()
                }
            }}
            {move || bookings.get().map(|b| view! { <Bookings b /> })}
        </div>
    }
}

/// The next page's link: the current filters as they are in the URL, with the new cursor.
fn older(search: &str, cursor: &str) -> String {
    let mut href = String::from("?");
    for pair in search.trim_start_matches('?').split('&') {
        if !pair.is_empty() && !pair.starts_with("cursor=") {
            href.push_str(pair);
            href.push('&');
        }
    }
    href.push_str("cursor=");
    href.push_str(cursor);
    href
}

#[component]
fn Bookings(b: Vec<BookingView>) -> impl IntoView {
    view! {
        <section class="card bookings" aria-label="Upcoming bookings">
            <h2>"Coming up"</h2>
            {if b.is_empty() {
                view! { <p class="muted">"No upcoming jobs booked."</p> }.into_any()
            } else {
                view! {
                    <ul>
                        {b
                            .into_iter()
                            .map(|b| {
                                let who = if b.name.is_empty() { b.caller_number.clone() } else { b.name.clone() };
                                view! {
                                    <li>
                                        <a href=format!("/app/leads/{}", b.lead_id)>{who}</a>
                                        {format!(" · {} · {}", b.job_type.replace('_', " "), b.window_label)}
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                .into_any()
            }}
        </section>
    }
}

#[component]
fn LeadRow(l: LeadSummary, now: i64) -> impl IntoView {
    let who = if l.name.is_empty() {
        l.caller_number.clone()
    } else {
        format!("{} · {}", l.name, l.caller_number)
    };
    view! {
        <li class="lead-row" class:needs-reply=l.needs_reply class:escalated=l.escalated data-status=l.status.clone()>
            <a href=format!("/app/leads/{}", l.id)>
                <span class="lead-who">{who}</span>
                <span class="lead-source">{source_label(&l.source)}</span>
                <span class=format!("lead-status status-{}", l.status)>{l.status.clone()}</span>
                <span class="lead-preview">{l.last_message_preview.clone()}</span>
                <span class="lead-age muted small">{age(now, l.last_activity_at)}</span>
                {l.needs_reply.then(|| view! { <span class="badge">"Customer waiting"</span> })}
                {l.escalated.then(|| view! { <span class="badge badge-alert">"Escalated"</span> })}
            </a>
        </li>
    }
}

#[component]
fn Stats(s: RecoveryStats) -> impl IntoView {
    let value = format!("${}", s.booked_value_cents_30d / 100);
    let median = s
        .median_first_response_min
        .map_or("—".to_owned(), |m| format!("{m} min"));
    let link = |f: Figure| format!("/app?figure={}", f.as_str());
    view! {
        <section class="stats" aria-label="Recovery">
            <a href=link(Figure::MissedToday) class="stat"><strong>{s.missed_calls_today}</strong><span>"missed calls today"</span></a>
            <a href=link(Figure::Missed30d) class="stat"><strong>{s.missed_calls_30d}</strong><span>"missed calls, 30 days"</span></a>
            <a href=link(Figure::TextBacks30d) class="stat"><strong>{s.text_backs_30d}</strong><span>"text-backs sent"</span></a>
            <a href=link(Figure::Replied30d) class="stat"><strong>{s.replied_30d}</strong><span>"customers replied"</span></a>
            <a href=link(Figure::Booked30d) class="stat"><strong>{s.booked_from_missed_30d}</strong><span>{format!("booked from missed calls · {value}")}</span></a>
            <a href=link(Figure::Responded30d) class="stat"><strong>{median}</strong><span>"median first response"</span></a>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::older;

    #[test]
    fn the_next_page_keeps_the_filters_and_replaces_the_cursor() {
        assert_eq!(older("", "17.lead_a"), "?cursor=17.lead_a");
        assert_eq!(
            older("?status=new&q=Jane%20Doe&cursor=99.lead_z", "17.lead_a"),
            "?status=new&q=Jane%20Doe&cursor=17.lead_a"
        );
        assert_eq!(older("?figure=missed_30d", "1.x"), "?figure=missed_30d&cursor=1.x");
    }
}
