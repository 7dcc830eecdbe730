//! One lead: the whole thread and timeline, reply, details and status, booking.
//!
//! The page loads the lead on the server; its body is one island, [`LiveLead`], which gets
//! the lead as props, keeps the timeline live and runs the reply, details and booking forms
//! without a reload (they post as plain forms before the wasm has loaded, or without it).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::{
    components::{
        form::FormError,
        hydrated::mark_hydrated,
        live::{live_updates, Latest},
    },
    domain::{
        limits::{ADDRESS_MAX, LEAD_NAME_MAX, NOTES_MAX, REPLY_BODY_MAX},
        JobType, LeadStatus,
    },
    models::{Assignee, LeadDetail, LeadSummary, TimelineItem},
    pages::app::home::source_label,
    server_fns::inbox::{get_lead, BookLead, ReplyToLead, UpdateLead},
};

#[component]
pub fn LeadPage() -> impl IntoView {
    let params = use_params_map();
    let id = params.with_untracked(|p| p.get("id").unwrap_or_default());
    let lead = Resource::new(
        {
            let id = id.clone();
            move || id.clone()
        },
        get_lead,
    );
    view! {
        <Title text="Lead" />
        <p><a href="/app">"← Inbox"</a></p>
        <Suspense fallback=|| view! { <p class="muted">"Loading lead…"</p> }>
            {move || {
                let lead_id = id.clone();
                Suspend::new(async move {
                    match lead.await {
                        Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                        Ok(detail) => view! { <LiveLead lead_id detail /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// The lead, kept current: a live event about anything, or a form of this page completing,
/// refetches it. The heading and timeline follow every refetch; each form is rendered again
/// only when what it shows changed on the server or it just succeeded (which clears it), so
/// a live update never wipes what someone is typing.
#[island]
pub fn LiveLead(lead_id: String, detail: LeadDetail) -> impl IntoView {
    mark_hydrated();
    let live = live_updates();
    let detail = RwSignal::new(detail);
    let reply = ServerAction::<ReplyToLead>::new();
    let update = ServerAction::<UpdateLead>::new();
    let book = ServerAction::<BookLead>::new();
    let latest = Latest::new();
    Effect::watch(
        move || {
            (
                live.version.get(),
                reply.version().get(),
                update.version().get(),
                book.version().get(),
            )
        },
        move |_, _, _| {
            latest.run(get_lead(lead_id.clone()), move |r| {
                if let Ok(d) = r {
                    detail.set(d);
                }
            });
        },
        false,
    );
    let replies_sent = successes(reply.version(), move || {
        matches!(reply.value().get_untracked(), Some(Ok(())))
    });
    let jobs_booked = successes(book.version(), move || {
        matches!(book.value().get_untracked(), Some(Ok(())))
    });
    let reply_form = Memo::new(move |_| {
        detail.with(|d| ReplyFormData {
            lead_id: d.lead.id.clone(),
            opted_out: d.opted_out,
            quiet: d.in_quiet_hours,
            sent: replies_sent.get(),
        })
    });
    let details_form = Memo::new(move |_| {
        detail.with(|d| DetailsFormData {
            lead_id: d.lead.id.clone(),
            status: d.lead.status.clone(),
            assigned: d.lead.assigned_to.clone().unwrap_or_default(),
            assignees: d.assignees.clone(),
            name: d.lead.name.clone(),
            address: d.address.clone(),
            notes: d.notes.clone(),
        })
    });
    let book_form = Memo::new(move |_| {
        detail.with(|d| BookFormData {
            lead_id: d.lead.id.clone(),
            address: d.address.clone(),
            opted_out: d.opted_out,
            booked: jobs_booked.get(),
        })
    });
    view! {
        <h1>{move || detail.with(|d| heading(&d.lead))}</h1>
        <p class="muted">
            {move || detail.with(|d| format!("{} · status: {}", source_label(&d.lead.source), d.lead.status))}
        </p>
        {move || {
            detail
                .with(|d| d.lead.escalated)
                .then(|| view! { <p class="warning" role="status">"Escalated: nobody responded within the escalation window."</p> })
        }}
        <div class="lead-grid">
            <section class="card timeline-card">
                <h2>"Timeline"</h2>
                <ol class="timeline" aria-label="Timeline">
                    {move || {
                        detail
                            .with(|d| d.timeline.clone())
                            .into_iter()
                            .map(|i| view! { <TimelineEntry i /> })
                            .collect_view()
                    }}
                </ol>
                <h3>"Reply"</h3>
                {move || view! { <ReplyForm f=reply_form.get() reply /> }}
            </section>
            <aside>
                <section class="card">
                    <h2>"Details"</h2>
                    {move || view! { <DetailsForm f=details_form.get() update /> }}
                </section>
                <section class="card">
                    <h2>"Book a job"</h2>
                    {move || view! { <BookForm f=book_form.get() book /> }}
                </section>
            </aside>
        </div>
    }
}

/// Counts an action's successful completions (`succeeded` reads its latest value).
fn successes(version: RwSignal<usize>, succeeded: impl Fn() -> bool + 'static) -> RwSignal<usize> {
    let count = RwSignal::new(0usize);
    Effect::watch(
        move || version.get(),
        move |_, _, _| {
            if succeeded() {
                count.update(|n| *n += 1);
            }
        },
        false,
    );
    count
}

fn heading(l: &LeadSummary) -> String {
    if l.name.is_empty() {
        l.caller_number.clone()
    } else {
        format!("{} · {}", l.name, l.caller_number)
    }
}

/// What the reply form shows; `sent` changes after each successful reply, to clear it.
#[derive(Debug, Clone, PartialEq)]
struct ReplyFormData {
    lead_id: String,
    opted_out: bool,
    quiet: bool,
    sent: usize,
}

#[component]
fn ReplyForm(f: ReplyFormData, reply: ServerAction<ReplyToLead>) -> impl IntoView {
    if f.opted_out {
        return view! {
            <p class="form-error" role="alert">"This customer opted out of texts (STOP). They must text START before you can message them."</p>
        }
        .into_any();
    }
    view! {
        <ActionForm action=reply>
            <input type="hidden" name="lead_id" value=f.lead_id />
            <label>"Message" <textarea name="body" required maxlength=REPLY_BODY_MAX></textarea></label>
            {f.quiet.then(|| view! {
                <p class="warning" role="status">"It's outside texting hours (8 am–9 pm by default) in this customer's local time."</p>
                <label class="check"><input type="checkbox" name="hold_until_morning" value="true" checked /> "Hold until the morning"</label>
            })}
            <FormError result=reply.value() />
            <button type="submit" class="button" disabled=move || reply.pending().get()>"Send reply"</button>
        </ActionForm>
    }
    .into_any()
}

/// The lead's editable details as the server has them.
#[derive(Debug, Clone, PartialEq)]
struct DetailsFormData {
    lead_id: String,
    status: String,
    assigned: String,
    assignees: Vec<Assignee>,
    name: String,
    address: String,
    notes: String,
}

#[component]
fn DetailsForm(f: DetailsFormData, update: ServerAction<UpdateLead>) -> impl IntoView {
    let DetailsFormData {
        lead_id,
        status,
        assigned,
        assignees,
        name,
        address,
        notes,
    } = f;
    view! {
        <ActionForm action=update>
            <input type="hidden" name="lead_id" value=lead_id />
            <label>
                "Status"
                <select name="status">
                    {LeadStatus::ALL
                        .into_iter()
                        .map(|s| s.as_str())
                        .map(|s| view! { <option value=s selected=s == status>{s}</option> })
                        .collect_view()}
                </select>
            </label>
            <label>
                "Assigned to"
                <select name="assigned_user_id">
                    <option value="" selected=assigned.is_empty()>"Nobody"</option>
                    {assignees
                        .into_iter()
                        .map(|a| {
                            let selected = a.user_id == assigned;
                            view! { <option value=a.user_id selected=selected>{a.email}</option> }
                        })
                        .collect_view()}
                </select>
            </label>
            <label>"Name" <input type="text" name="name" value=name maxlength=LEAD_NAME_MAX /></label>
            <label>"Address" <input type="text" name="address" value=address maxlength=ADDRESS_MAX /></label>
            <label>"Notes" <textarea name="notes" maxlength=NOTES_MAX>{notes}</textarea></label>
            <FormError result=update.value() />
            <button type="submit" class="button button-small">"Save"</button>
        </ActionForm>
    }
}

/// What the booking form starts from; `booked` changes after each booking, to clear it.
#[derive(Debug, Clone, PartialEq)]
struct BookFormData {
    lead_id: String,
    address: String,
    opted_out: bool,
    booked: usize,
}

#[component]
fn BookForm(f: BookFormData, book: ServerAction<BookLead>) -> impl IntoView {
    view! {
        <ActionForm action=book>
            <input type="hidden" name="lead_id" value=f.lead_id />
            <label>"Date" <input type="date" name="date" required /></label>
            <div class="row">
                <label>"Arrive from" <input type="time" name="arrival_start" value="08:00" required /></label>
                <label>"to" <input type="time" name="arrival_end" value="10:00" required /></label>
            </div>
            <label>
                "Job"
                <select name="job_type">
                    {JobType::ALL
                        .into_iter()
                        .map(|j| view! { <option value={j.as_str()}>{j.label()}</option> })
                        .collect_view()}
                </select>
            </label>
            <label>"Address" <input type="text" name="address" value=f.address maxlength=ADDRESS_MAX /></label>
            <label>"Job value ($, optional)" <input type="text" name="job_value" inputmode="decimal" /></label>
            <label>"Notes" <textarea name="notes" maxlength=NOTES_MAX></textarea></label>
            {(!f.opted_out).then(|| view! {
                <label class="check"><input type="checkbox" name="send_confirmation" value="true" /> "Text the customer a confirmation"</label>
            })}
            <FormError result=book.value() />
            <button type="submit" class="button">"Book"</button>
        </ActionForm>
    }
}

#[component]
fn TimelineEntry(i: TimelineItem) -> impl IntoView {
    view! {
        <li class=format!("tl tl-{}", i.kind)>
            <div class="tl-head">
                <strong>{i.title.clone()}</strong>
                <time class="muted small">{i.at_label.clone()}</time>
            </div>
            {(!i.body.is_empty()).then(|| view! { <p class="tl-body">{i.body.clone()}</p> })}
            {(!i.status.is_empty()).then(|| view! { <p class="tl-status muted small">{i.status.clone()}</p> })}
            {i.evidence_href.clone().map(|href| view! { <a class="tl-evidence small" href=href>"Evidence"</a> })}
        </li>
    }
}
