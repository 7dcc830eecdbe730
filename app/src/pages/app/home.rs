//! The inbox: the org's leads, most recent activity first, live.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::Form,
    hooks::{use_location, use_query_map},
};

use crate::{
    components::live::{mark_seen, LiveVersion, Unread},
    domain::Figure,
    models::BookingView,
    models::{LeadSummary, RecoveryStats},
    server_fns::inbox::{get_recovery_stats, list_leads, upcoming_bookings},
};

pub fn source_label(source: &str) -> &'static str {
    match source {
        "missed_call" => "Missed call",
        "after_hours" => "After hours",
        "abandoned" => "Hung up",
        "text_first" => "Texted first",
        _ => "Lead",
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

#[component]
pub fn HomePage() -> impl IntoView {
    let LiveVersion(version) = expect_context::<LiveVersion>();
    let Unread(unread) = expect_context::<Unread>();
    let query = use_query_map();
    let params = move || {
        query.with(|q| {
            (
                q.get("status").filter(|s| !s.is_empty()),
                q.get("needs_reply").is_some_and(|v| v == "true"),
                q.get("q").filter(|s| !s.is_empty()),
                q.get("cursor").filter(|s| !s.is_empty()),
                q.get("figure").filter(|s| !s.is_empty()),
            )
        })
    };
    let leads = Resource::new(
        move || (params(), version.get()),
        |((status, needs, q, cursor, figure), _)| list_leads(status, Some(needs), q, cursor, figure),
    );
    let figure = move || params().4.as_deref().and_then(Figure::parse);
    let search = use_location().search;
    let stats = Resource::new(move || version.get(), |_| get_recovery_stats());
    let bookings = Resource::new(move || version.get(), |_| upcoming_bookings());
    let title = move || match unread.get() {
        0 => "Inbox".to_owned(),
        n => format!("({n}) Inbox"),
    };
    view! {
        <Title text=title />
        <div on:click=move |_| mark_seen() on:keydown=move |_| mark_seen()>
            <h1>"Inbox"</h1>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move { stats.await.ok().map(|s| view! { <Stats s /> }) })}
            </Suspense>
            <Form method="GET" action="" attr:class="filters">
                <label>
                    "Status"
                    <select name="status">
                        <option value="">"Any"</option>
                        {["new", "contacted", "booked", "lost", "spam"]
                            .into_iter()
                            .map(|s| view! { <option value=s selected=move || params().0.as_deref() == Some(s)>{s}</option> })
                            .collect_view()}
                    </select>
                </label>
                <label class="check">
                    <input type="checkbox" name="needs_reply" value="true" prop:checked=move || params().1 />
                    "Needs reply"
                </label>
                <label>
                    "Search"
                    <input type="search" name="q" placeholder="Phone or name" prop:value=move || params().2.unwrap_or_default() />
                </label>
                <button type="submit" class="button button-small">"Filter"</button>
            </Form>
            {move || figure().map(|f| view! {
                <p class="figure-banner">{f.describe()}" · "<a href="/app">"Show all leads"</a></p>
            })}
            <Transition fallback=|| view! { <p class="muted">"Loading leads…"</p> }>
                {move || Suspend::new(async move {
                    match leads.await {
                        Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                        Ok(page) if page.leads.is_empty() => view! {
                            <p class="empty card">"No leads here yet. Missed calls and customer texts show up the moment they happen."</p>
                        }
                        .into_any(),
                        Ok(page) => {
                            let now = page.server_now;
                            let next = page.next_cursor.clone();
                            view! {
                                <ul class="lead-list" aria-label="Leads" aria-describedby="lead-keys">
                                    {page.leads.into_iter().map(|l| view! { <LeadRow l now /> }).collect_view()}
                                </ul>
                                <p id="lead-keys" class="muted small">"Keys: j / k or ↓ / ↑ move through the leads, Enter opens one."</p>
                                {next.map(|c| view! { <a class="button button-ghost" href=older(&search.get_untracked(), &c)>"Older leads"</a> })}
                            }
                            .into_any()
                        }
                    }
                })}
            </Transition>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move { bookings.await.ok().map(|b| view! { <Bookings b /> }) })}
            </Suspense>
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
