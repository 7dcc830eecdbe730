//! One lead: who it is (with one tap to call or text them from a phone), the reply box with
//! quick replies and a character/segment counter, the timeline newest first (the customer
//! conversation apart from internal events), details and status, the lead's bookings (move
//! or cancel) and booking a job.
//!
//! The page loads the lead on the server; its body is one island, [`LiveLead`], which gets
//! the lead as props, keeps the timeline live and runs the reply, details and booking forms
//! without a reload (they post as plain forms before the wasm has loaded, or without it).
//! Moving or cancelling a booking is a plain form post even with JavaScript (a reload is
//! fine there, and it keeps the wasm every signed-in page loads small). Every form that
//! acts carries a one-use `form_token` from the server, so the same submission is never
//! carried out twice. A form posted without JavaScript comes back to this page with
//! `form_done=<form>` or `form_error=<code>&form_for=<form>&form_field=…`; the page reads
//! them on the server and shows the outcome by the form it belongs to (fixed texts only).

use leptos::{html, prelude::*};
use leptos_meta::Title;
use leptos_router::{
    hooks::{use_params_map, use_query_map},
    params::ParamsMap,
};

use crate::{
    components::{
        form::FormError,
        hydrated::mark_hydrated,
        live::{live_updates, Latest},
    },
    domain::{
        limits::{ADDRESS_MAX, LEAD_NAME_MAX, NOTES_MAX, REPLY_BODY_MAX},
        sms_segments::{sms_segments, SmsEncoding},
        JobType, LeadStatus,
    },
    error::AppError,
    models::{Assignee, FormNotice, LeadBookingView, LeadDetail, LeadSummary, TimelineItem},
    pages::app::home::source_label,
    server_fns::inbox::{get_lead, BookLead, ReplyToLead, UpdateLead},
};

/// The forms of this page, by their endpoint after `/rpc/` (what `form_for` and
/// `form_done` name).
const REPLY: &str = "leads/reply";
const UPDATE: &str = "leads/update";
const BOOK: &str = "leads/book";
const RESCHEDULE: &str = "bookings/reschedule";
const CANCEL: &str = "bookings/cancel";
const FORMS: [&str; 5] = [REPLY, UPDATE, BOOK, RESCHEDULE, CANCEL];

#[component]
pub fn LeadPage() -> impl IntoView {
    let params = use_params_map();
    let id = params.with_untracked(|p| p.get("id").unwrap_or_default());
    let notice = use_query_map().with_untracked(form_notice);
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
                let (lead_id, notice) = (id.clone(), notice.clone());
                Suspend::new(async move {
                    match lead.await {
                        Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                        Ok(detail) => view! { <LiveLead lead_id detail notice /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// What a form posted without JavaScript came back with, from this page's URL. A refusal
/// for no form of this page (or with no `form_for`) is left to the app frame's banner.
fn form_notice(q: &ParamsMap) -> FormNotice {
    let named = |key: &str| q.get(key).and_then(|f| FORMS.into_iter().find(|known| *known == f));
    if let Some(code) = q.get("form_error") {
        let (Some(form), Some(message)) = (named("form_for"), AppError::message_for_code(&code)) else {
            return FormNotice::default();
        };
        let hints: Vec<&'static str> = q
            .get("form_field")
            .map(|f| f.split(',').filter_map(field_hint).collect())
            .unwrap_or_default();
        let error = std::iter::once(message).chain(hints).collect::<Vec<_>>().join(" ");
        return FormNotice {
            form: form.to_owned(),
            error: Some(error),
        };
    }
    named("form_done").map_or_else(FormNotice::default, |form| FormNotice {
        form: form.to_owned(),
        error: None,
    })
}

/// What a refused field wants (fixed text; the field name is all the URL carries).
fn field_hint(field: &str) -> Option<&'static str> {
    Some(match field {
        "date" => "Pick today or a later date and a window that hasn't ended: a booking can't be in the past.",
        "arrival_start" | "arrival_end" => "The arrival window must end after it starts.",
        "job_value" => "The job value must be a number of dollars, up to $1,000,000.",
        "body" => "A reply must be 1 to 1600 characters.",
        "form_token" => "The page was out of date; it has been reloaded, so please try again.",
        "name" | "address" | "notes" => "The name, address or notes are too long.",
        _ => return None,
    })
}

/// A form's outcome as this page's URL tells it (a post without JavaScript).
#[derive(Debug, Clone, Default)]
struct FromUrl {
    error: Option<String>,
    done: bool,
}

impl FromUrl {
    fn of(n: &FormNotice, form: &str) -> Self {
        if n.form != form {
            return Self::default();
        }
        Self {
            error: n.error.clone(),
            done: n.error.is_none(),
        }
    }
}

/// The lead, kept current: a live event about anything, or a form of this page completing,
/// refetches it. The heading, timeline and bookings follow every refetch; each form is
/// rendered again only when what it shows changed on the server, so a live update never
/// wipes what someone is typing. Every refetch brings fresh one-use tokens, which only the
/// forms' hidden inputs follow (an unused token is as good as another).
#[island]
pub fn LiveLead(lead_id: String, detail: LeadDetail, notice: FormNotice) -> impl IntoView {
    mark_hydrated();
    let live = live_updates();
    let caller = detail.lead.caller_number.clone();
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
    // The message box, controlled here: typed into, filled by a quick reply, emptied once
    // the reply is sent (re-rendering alone would keep the typed text in the same element).
    let body = RwSignal::new(String::new());
    Effect::watch(
        move || reply.version().get(),
        move |_, _, _| {
            if matches!(reply.value().get_untracked(), Some(Ok(()))) {
                body.set(String::new());
            }
        },
        false,
    );
    let book_form: NodeRef<html::Form> = NodeRef::new();
    Effect::watch(
        move || book.version().get(),
        move |_, _, _| {
            if matches!(book.value().get_untracked(), Some(Ok(()))) {
                reset(book_form);
            }
        },
        false,
    );
    let reply_token = Memo::new(move |_| detail.with(|d| d.tokens.reply.clone()));
    let book_token = Memo::new(move |_| detail.with(|d| d.tokens.book.clone()));
    let reply_form = Memo::new(move |_| {
        detail.with(|d| ReplyFormData {
            lead_id: d.lead.id.clone(),
            opted_out: d.opted_out,
            quiet: d.in_quiet_hours,
            quick_replies: d.quick_replies.clone(),
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
    let book_form_data = Memo::new(move |_| {
        detail.with(|d| BookFormData {
            lead_id: d.lead.id.clone(),
            address: d.address.clone(),
            opted_out: d.opted_out,
        })
    });
    let reply_url = FromUrl::of(&notice, REPLY);
    let update_url = FromUrl::of(&notice, UPDATE);
    let book_url = FromUrl::of(&notice, BOOK);
    let bookings_url = BookingsFromUrl::of(&notice);
    // Every refetch hands out fresh form tokens; the bookings are rendered again only when a
    // booking itself changed, so a Reschedule or Cancel step someone has open stays open (its
    // unused tokens stay valid).
    let bookings_shown = Memo::new_with_compare(
        move |_| detail.with(|d| (d.bookings.clone(), !d.opted_out)),
        |old, new| match (old, new) {
            (Some(a), Some(b)) => a.1 != b.1 || !same_bookings(&a.0, &b.0),
            _ => true,
        },
    );
    view! {
        <div class="lead-page">
        <header class="lead-head">
            <h1>{move || detail.with(|d| heading(&d.lead))}</h1>
            <p class="muted">
                {move || detail.with(|d| format!("{} · status: {}", source_label(&d.lead.source), d.lead.status))}
            </p>
            <p class="lead-contact">
                <a class="button" href=format!("tel:{caller}")>"Call"</a>
                <a class="button button-ghost" href=format!("sms:{caller}")>"Text from my phone"</a>
            </p>
        </header>
        {move || {
            detail
                .with(|d| d.lead.escalated)
                .then(|| view! { <p class="warning" role="status">"Escalated: nobody responded within the escalation window."</p> })
        }}
        <div class="lead-grid">
            <div class="lead-main">
                <section class="card reply-card" aria-labelledby="reply-heading">
                    <h2 id="reply-heading">"Reply"</h2>
                    {move || {
                        view! { <ReplyForm f=reply_form.get() reply body token=reply_token from_url=reply_url.clone() /> }
                    }}
                </section>
                <section class="card timeline-card" aria-labelledby="timeline-heading">
                    <div class="timeline-head">
                        <h2 id="timeline-heading">"Timeline"</h2>
                        // Hides the internal entries by CSS alone (`:has`), with or without wasm.
                        <label class="check small">
                            <input type="checkbox" id="show-internal" checked />
                            "Show internal events"
                        </label>
                    </div>
                    <ol class="timeline" aria-label="Timeline">
                        {move || {
                            detail
                                .with(|d| d.timeline.clone())
                                .into_iter()
                                .map(|i| view! { <TimelineEntry i /> })
                                .collect_view()
                        }}
                    </ol>
                </section>
            </div>
            <aside>
                <section class="card">
                    <h2>"Details"</h2>
                    {move || view! { <DetailsForm f=details_form.get() update from_url=update_url.clone() /> }}
                </section>
                <section class="card lead-bookings" aria-labelledby="bookings-heading">
                    <h2 id="bookings-heading">"Bookings"</h2>
                    {bookings_url.error.clone().map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
                    <p class="form-status" class:form-status-shown=!bookings_url.done.is_empty() role="status">{bookings_url.done}</p>
                    {move || {
                        let (bookings, can_text) = bookings_shown.get();
                        if bookings.is_empty() {
                            view! { <p class="muted small">"No jobs booked yet."</p> }.into_any()
                        } else {
                            view! {
                                <ul class="booking-list">
                                    {bookings.into_iter().map(|b| view! { <BookingItem b can_text /> }).collect_view()}
                                </ul>
                            }
                            .into_any()
                        }
                    }}
                </section>
                <section class="card">
                    <h2>"Book a job"</h2>
                    {move || {
                        view! { <BookForm f=book_form_data.get() book token=book_token form_ref=book_form from_url=book_url.clone() /> }
                    }}
                </section>
            </aside>
        </div>
        </div>
    }
}

/// Puts a form back to what the page rendered (its default values), once it was sent.
fn reset(form: NodeRef<html::Form>) {
    #[cfg(feature = "hydrate")]
    if let Some(form) = form.get_untracked() {
        form.reset();
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = form;
}

/// "Pat Jones · (415) 555-2671", or just the number as people write it.
fn heading(l: &LeadSummary) -> String {
    if l.name.is_empty() {
        l.caller_display.clone()
    } else {
        format!("{} · {}", l.name, l.caller_display)
    }
}

/// "42/160 · 1 text": what the message costs as the carriers count it (GSM-7 septets or,
/// with any other character, UCS-2 units) against what fits in the texts it takes.
fn counter_text(body: &str) -> String {
    let c = sms_segments(body);
    let (single, part) = match c.encoding {
        SmsEncoding::Gsm7 => (160, 153),
        SmsEncoding::Ucs2 => (70, 67),
    };
    let fits = if c.segments <= 1 { single } else { part * c.segments };
    let texts = if c.segments == 1 { "text" } else { "texts" };
    format!("{}/{fits} · {} {texts}", c.units, c.segments)
}

/// An action's last answer (every form of this page answers `()` or an [`AppError`]).
type Answer = MappedSignal<Option<Result<(), AppError>>>;

/// A form's status line: empty, or what just succeeded ("Sent ✓").
fn status_text(
    answer: Answer,
    from_url: bool,
    done: &'static str,
) -> impl Fn() -> &'static str + Clone + Send + Sync + 'static {
    move || {
        answer.with(|v| match v {
            Some(Ok(())) => done,
            Some(Err(_)) => "",
            None if from_url => done,
            None => "",
        })
    }
}

/// Whether two lists show the same bookings, tokens aside.
fn same_bookings(a: &[LeadBookingView], b: &[LeadBookingView]) -> bool {
    let shown = |v: &LeadBookingView| {
        (
            v.id.clone(),
            v.job.clone(),
            v.window_label.clone(),
            v.booked,
            v.date.clone(),
            v.arrival_start.clone(),
            v.arrival_end.clone(),
        )
    };
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| shown(x) == shown(y))
}

/// The live region a form's success is announced in: always in the page (a screen reader
/// only announces changes to a region that was there before), styled only while it has
/// something to say.
fn status_line(text: impl Fn() -> &'static str + Clone + Send + Sync + 'static) -> impl IntoView {
    let shown = text.clone();
    view! { <p class="form-status" class:form-status-shown=move || !shown().is_empty() role="status">{text}</p> }
}

/// The refusal a post without JavaScript came back with, until the form is sent again.
fn url_error(answer: Answer, error: Option<String>) -> impl IntoView {
    move || {
        let shown = answer.with(|v| v.is_none());
        error
            .clone()
            .filter(|_| shown)
            .map(|m| view! { <p class="form-error" role="alert">{m}</p> })
    }
}

/// What the reply form shows (re-rendered only when one of these changes on the server).
#[derive(Debug, Clone, PartialEq)]
struct ReplyFormData {
    lead_id: String,
    opted_out: bool,
    quiet: bool,
    quick_replies: Vec<String>,
}

#[component]
fn ReplyForm(
    f: ReplyFormData,
    reply: ServerAction<ReplyToLead>,
    body: RwSignal<String>,
    token: Memo<String>,
    from_url: FromUrl,
) -> impl IntoView {
    if f.opted_out {
        return view! {
            <p class="form-error" role="alert">"This customer opted out of texts (STOP). They must text START before you can message them."</p>
        }
        .into_any();
    }
    let quick = (!f.quick_replies.is_empty()).then(|| {
        view! {
            <div class="quick-replies" role="group" aria-label="Quick replies">
                {f
                    .quick_replies
                    .into_iter()
                    .map(|text| {
                        let fill = text.clone();
                        view! { <button type="button" class="chip" on:click=move |_| body.set(fill.clone())>{text}</button> }
                    })
                    .collect_view()}
            </div>
        }
    });
    view! {
        <ActionForm action=reply>
            <input type="hidden" name="lead_id" value=f.lead_id />
            <input type="hidden" name="form_token" value=move || token.get() />
            {quick}
            <label>
                "Message"
                <textarea
                    name="body"
                    required
                    maxlength=REPLY_BODY_MAX
                    aria-describedby="sms-counter"
                    prop:value=move || body.get()
                    on:input=move |ev| body.set(event_target_value(&ev))
                ></textarea>
            </label>
            <p class="sms-counter muted small" id="sms-counter">{move || body.with(|b| counter_text(b))}</p>
            {f.quiet.then(|| view! {
                <p class="warning" role="status">"It's outside texting hours (8 am–9 pm by default) in this customer's local time."</p>
                <label class="check"><input type="checkbox" name="hold_until_morning" value="true" checked /> "Hold until the morning"</label>
            })}
            <FormError result=reply.value() />
            {url_error(reply.value(), from_url.error)}
            {status_line(status_text(reply.value(), from_url.done, "Sent ✓"))}
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
fn DetailsForm(f: DetailsFormData, update: ServerAction<UpdateLead>, from_url: FromUrl) -> impl IntoView {
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
            {url_error(update.value(), from_url.error)}
            {status_line(status_text(update.value(), from_url.done, "Saved ✓"))}
            <button type="submit" class="button button-small" disabled=move || update.pending().get()>"Save"</button>
        </ActionForm>
    }
}

/// What the booking form starts from.
#[derive(Debug, Clone, PartialEq)]
struct BookFormData {
    lead_id: String,
    address: String,
    opted_out: bool,
}

#[component]
fn BookForm(
    f: BookFormData,
    book: ServerAction<BookLead>,
    token: Memo<String>,
    form_ref: NodeRef<html::Form>,
    from_url: FromUrl,
) -> impl IntoView {
    view! {
        <ActionForm action=book node_ref=form_ref>
            <input type="hidden" name="lead_id" value=f.lead_id />
            <input type="hidden" name="form_token" value=move || token.get() />
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
            // Ticked by default; unticked, the checkbox posts nothing (the argument is None).
            {(!f.opted_out).then(|| view! {
                <label class="check"><input type="checkbox" name="send_confirmation" value="true" checked /> "Text the customer a confirmation"</label>
            })}
            <FormError result=book.value() />
            {url_error(book.value(), from_url.error)}
            {status_line(status_text(book.value(), from_url.done, "Booked ✓"))}
            <button type="submit" class="button" disabled=move || book.pending().get()>"Book"</button>
        </ActionForm>
    }
}

/// The bookings section's outcome from this page's URL: moving and cancelling are plain
/// form posts, so this is how their result is shown, with or without JavaScript.
#[derive(Debug, Clone, Default)]
struct BookingsFromUrl {
    error: Option<String>,
    done: &'static str,
}

impl BookingsFromUrl {
    fn of(n: &FormNotice) -> Self {
        let done = match (n.form.as_str(), &n.error) {
            (RESCHEDULE, None) => "Rescheduled ✓",
            (CANCEL, None) => "Booking cancelled",
            _ => "",
        };
        let error = n.error.clone().filter(|_| n.form == RESCHEDULE || n.form == CANCEL);
        Self { error, done }
    }
}

/// One booking: what and when, its state, and (while booked) moving or cancelling it. The
/// `<details>` are the confirmation step: nothing is sent until its button is pressed.
#[component]
fn BookingItem(b: LeadBookingView, can_text: bool) -> impl IntoView {
    let LeadBookingView {
        id,
        job,
        window_label,
        booked,
        date,
        arrival_start,
        arrival_end,
        reschedule_token,
        cancel_token,
    } = b;
    let actions = booked.then(|| {
        let cancel_id = id.clone();
        view! {
            <details class="booking-action">
                <summary>"Reschedule"</summary>
                <form method="post" action="/rpc/bookings/reschedule">
                    <input type="hidden" name="booking_id" value=id />
                    <input type="hidden" name="form_token" value=reschedule_token />
                    <label>"New date" <input type="date" name="date" value=date required /></label>
                    <div class="row">
                        <label>"Arrive from" <input type="time" name="arrival_start" value=arrival_start required /></label>
                        <label>"to" <input type="time" name="arrival_end" value=arrival_end required /></label>
                    </div>
                    {can_text.then(|| view! {
                        <label class="check"><input type="checkbox" name="notify_customer" value="true" checked /> "Text the customer the new time"</label>
                    })}
                    <button type="submit" class="button button-small">"Save new time"</button>
                </form>
            </details>
            <details class="booking-action">
                <summary>"Cancel booking"</summary>
                <form method="post" action="/rpc/bookings/cancel">
                    <input type="hidden" name="booking_id" value=cancel_id />
                    <input type="hidden" name="form_token" value=cancel_token />
                    {can_text.then(|| view! {
                        <label class="check"><input type="checkbox" name="notify_customer" value="true" checked /> "Text the customer that it's cancelled"</label>
                    })}
                    <button type="submit" class="button button-small button-danger">"Yes, cancel this booking"</button>
                </form>
            </details>
        }
    });
    let (li_class, state_class, state) = if booked {
        ("booking", "booking-state state-booked", "Booked")
    } else {
        (
            "booking booking-cancelled",
            "booking-state state-cancelled",
            "Cancelled",
        )
    };
    view! {
        <li class=li_class>
            <p class="booking-what">
                <span>{format!("{job} · {window_label}")}</span>
                " "
                <span class=state_class>{state}</span>
            </p>
            {actions}
        </li>
    }
}

#[component]
fn TimelineEntry(i: TimelineItem) -> impl IntoView {
    // Internal events (status, assignment, edits, bookings) are told apart from the
    // conversation, and hidden with "Show internal events" unticked.
    let class = if i.internal {
        format!("tl tl-{} tl-internal", i.kind)
    } else {
        format!("tl tl-{}", i.kind)
    };
    view! {
        <li class=class>
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
