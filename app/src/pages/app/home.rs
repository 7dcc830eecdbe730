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
    domain::{form_return::without_params, E164Phone, Figure, LeadSource, LeadStatus},
    models::{BookingView, LeadPage, LeadSummary, NextStepsView, RecoveryStats},
    server_fns::{
        inbox::{get_recovery_stats, list_leads, upcoming_bookings},
        next_steps::next_steps,
    },
};

pub fn source_label(source: &str) -> &'static str {
    LeadSource::parse(source).map_or("Lead", LeadSource::label)
}

/// How long a customer has waited for a reply: "waiting 12 min".
pub fn waiting(now: i64, since: i64) -> String {
    let mins = ((now - since).max(0)) / 60_000;
    match mins {
        0 => "waiting under a minute".into(),
        m if m < 60 => format!("waiting {m} min"),
        m if m < 60 * 24 && m % 60 == 0 => format!("waiting {} h", m / 60),
        m if m < 60 * 24 => format!("waiting {} h {} min", m / 60, m % 60),
        m => format!("waiting {} d", m / (60 * 24)),
    }
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
    let steps = Resource::new(|| (), |_| next_steps());
    view! {
        <Title text="Inbox" />
        <h1>"Inbox"</h1>
        <Suspense fallback=|| view! { <p class="muted">"Loading leads…"</p> }>
            {move || {
                let (filter, search) = (filter.clone(), search.clone());
                Suspend::new(async move {
                    let stats = stats.await.ok();
                    let bookings = bookings.await.ok();
                    let steps = steps.await.ok().flatten();
                    match leads.await {
                        Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                        Ok(page) => {
                            // First run: the steps come first while there is no lead to show,
                            // after the leads once there are (the first lead row stays on a
                            // phone's first screen).
                            let first = page.leads.is_empty() && filter == InboxFilter::default();
                            let (above, below) = if first { (steps, None) } else { (None, steps) };
                            view! {
                                {above.map(|steps| view! { <NextSteps steps /> })}
                                <LiveInbox filter search page stats bookings />
                                {below.map(|steps| view! { <NextSteps steps /> })}
                            }
                            .into_any()
                        }
                    }
                })
            }}
        </Suspense>
    }
}

/// A new org's first steps, each ticked from what it has done (server-rendered: no wasm).
#[component]
fn NextSteps(steps: NextStepsView) -> impl IntoView {
    let call = match steps.test_number.clone() {
        Some(number) => format!(
            "Call {number} from your mobile and let it ring out: the missed call shows up here, and you get the text-back."
        ),
        None => "Once a number is added, call it and let it ring out: the missed call shows up here.".to_owned(),
    };
    let step = |done: bool, title: &'static str, href: Option<&'static str>, hint: String| {
        let state = if done { "Done: " } else { "To do: " };
        view! {
            <li class="next-step" class:done=done>
                <span class="visually-hidden">{state}</span>
                <span class="next-step-mark" aria-hidden="true">{if done { "✓" } else { "○" }}</span>
                <span>
                    {match href.filter(|_| !done) {
                        Some(href) => view! { <a href=href>{title}</a> }.into_any(),
                        None => view! { <strong>{title}</strong> }.into_any(),
                    }}
                    <span class="muted small next-step-hint">{hint}</span>
                </span>
            </li>
        }
    };
    view! {
        <section class="card next-steps" aria-labelledby="next-steps-heading">
            <h2 id="next-steps-heading">"Next steps"</h2>
            <ol>
                {step(
                    steps.number_added,
                    "Add a number",
                    Some("/app/numbers"),
                    "The business number your customers call, and the phones it rings.".to_owned(),
                )}
                {step(steps.test_call_made, "Make a test call", None, call)}
                {step(
                    steps.team_invited,
                    "Invite the team",
                    Some("/app/team"),
                    "Whoever answers the phones and works the leads.".to_owned(),
                )}
            </ol>
        </section>
    }
}

/// The inbox below its heading. Rendered on the server from the props, then kept live in the browser:
/// every live event refetches the leads (same filters), the figures and the bookings
/// without a reload, and the tab title counts the leads with news until the page is touched.
#[island]
pub fn LiveInbox(
    filter: InboxFilter,
    /// `location.search` of the page, for the "Older leads" and "Clear search" links.
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
    // Open while a filter is on, so what narrows the list is in view (on a phone too).
    let narrowed = filter.status.is_some() || filter.needs_reply || filter.q.is_some();
    let empty = Empty::of(&filter, &search);
    view! {
        <div on:click=move |_| live.mark_seen() on:keydown=move |_| live.mark_seen()>
            {move || stats.get().map(|s| view! { <Stats s /> })}
            // On a phone the filters fold away behind this toggle (CSS: the form right after
            // a closed toggle is hidden); on a wider screen the toggle is hidden and the form
            // always shown. No script, and the same in every browser.
            <details class="filters-toggle" open=narrowed>
                <summary class="button button-small button-ghost">"Filters"</summary>
            </details>
            <form method="get" action="/app" class="filters" role="search" aria-label="Filter leads">
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
                    empty.clone().render()
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

/// What an empty list says: no match for the search, none for the filters, or no lead yet.
#[derive(Clone)]
enum Empty {
    /// With the link that drops the search (and the cursor) and keeps the other filters.
    NoMatch(String),
    Filtered,
    NoLeads,
}

impl Empty {
    fn of(filter: &InboxFilter, search: &str) -> Self {
        if filter.q.is_some() {
            let query = search.trim_start_matches('?');
            let clear = without_params(&format!("/app?{query}"), &["q", "cursor"]);
            Empty::NoMatch(clear)
        } else if *filter != InboxFilter::default() {
            Empty::Filtered
        } else {
            Empty::NoLeads
        }
    }

    fn render(self) -> AnyView {
        match self {
            Empty::NoMatch(clear) => view! {
                <p class="empty card">"No leads match your search. "<a href=clear>"Clear search"</a></p>
            }
            .into_any(),
            Empty::Filtered => view! {
                <p class="empty card">"No leads match these filters. "<a href="/app">"Show all leads"</a></p>
            }
            .into_any(),
            Empty::NoLeads => view! {
                <p class="empty card">"No leads here yet. Missed calls and customer texts show up the moment they happen."</p>
            }
            .into_any(),
        }
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
                                let who = if b.name.is_empty() {
                                    E164Phone::parse(&b.caller_number).map_or_else(|_| b.caller_number.clone(), |p| p.everyday())
                                } else {
                                    b.name.clone()
                                };
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

/// One lead: the row opens it; the call button dials the customer (one tap on a phone).
#[component]
fn LeadRow(l: LeadSummary, now: i64) -> impl IntoView {
    let who = if l.name.is_empty() {
        l.caller_display.clone()
    } else {
        format!("{} · {}", l.name, l.caller_display)
    };
    let preview = if l.last_from_us && !l.last_message_preview.is_empty() {
        format!("You: {}", l.last_message_preview)
    } else {
        l.last_message_preview.clone()
    };
    // Only a dialable E.164 number gets a call button.
    let call = l.caller_number.starts_with('+').then(|| {
        view! {
            <a class="lead-call button button-ghost" href=format!("tel:{}", l.caller_number)
                aria-label=format!("Call {}", l.caller_display)>"Call"</a>
        }
    });
    view! {
        <li class="lead-row" class:needs-reply=l.needs_reply class:escalated=l.escalated data-status=l.status.clone()>
            <a class="lead-open" href=format!("/app/leads/{}", l.id)>
                <span class="lead-who">{who}</span>
                <span class="lead-source">{source_label(&l.source)}</span>
                <span class=format!("lead-status status-{}", l.status)>{l.status.clone()}</span>
                <span class="lead-preview">{preview}</span>
                <span class="lead-age muted small">{age(now, l.last_activity_at)}</span>
                {l.waiting_since.map(|since| view! {
                    <span class="badge">"Customer "<span class="lead-waiting">{waiting(now, since)}</span></span>
                })}
                {l.escalated.then(|| view! { <span class="badge badge-alert">"Escalated"</span> })}
            </a>
            {call}
        </li>
    }
}

/// The recovery figures: a grid on a wide screen, one scrolling line on a phone.
#[component]
fn Stats(s: RecoveryStats) -> impl IntoView {
    let value = format!("${}", s.booked_value_cents_30d / 100);
    let median = s
        .median_first_response_min
        .map_or("—".to_owned(), |m| format!("{m} min"));
    let link = |f: Figure| format!("/app?figure={}", f.as_str());
    view! {
        <section class="stats figures" aria-label="Recovery">
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
    use super::{older, waiting, Empty, InboxFilter};

    #[test]
    fn waiting_says_how_long() {
        let min = 60_000;
        assert_eq!(waiting(30 * min, 30 * min), "waiting under a minute");
        assert_eq!(waiting(12 * min, 0), "waiting 12 min");
        assert_eq!(waiting(120 * min, 0), "waiting 2 h");
        assert_eq!(waiting(135 * min, 0), "waiting 2 h 15 min");
        assert_eq!(waiting(3 * 24 * 60 * min, 0), "waiting 3 d");
        assert_eq!(waiting(0, 5 * min), "waiting under a minute");
    }

    #[test]
    fn clearing_a_search_keeps_the_other_filters() {
        let searched = InboxFilter {
            q: Some("jane".into()),
            status: Some("new".into()),
            ..InboxFilter::default()
        };
        match Empty::of(&searched, "?status=new&q=jane&cursor=1.x") {
            Empty::NoMatch(clear) => assert_eq!(clear, "/app?status=new"),
            _ => panic!("a search with no match says so"),
        }
        let only_search = InboxFilter {
            q: Some("x".into()),
            ..InboxFilter::default()
        };
        match Empty::of(&only_search, "?q=x") {
            Empty::NoMatch(clear) => assert_eq!(clear, "/app"),
            _ => panic!("a search with no match says so"),
        }
        let filtered = InboxFilter {
            needs_reply: true,
            ..InboxFilter::default()
        };
        assert!(matches!(Empty::of(&filtered, "?needs_reply=true"), Empty::Filtered));
        assert!(matches!(Empty::of(&InboxFilter::default(), ""), Empty::NoLeads));
    }

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
