//! One lead: the whole thread and timeline, reply, details and status, booking.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::{
    components::{form::FormError, live::LiveVersion},
    domain::limits::{ADDRESS_MAX, LEAD_NAME_MAX, NOTES_MAX, REPLY_BODY_MAX},
    models::{LeadDetail, TimelineItem},
    pages::app::home::source_label,
    server_fns::inbox::{get_lead, BookLead, ReplyToLead, UpdateLead},
};

#[component]
pub fn LeadPage() -> impl IntoView {
    let LiveVersion(version) = expect_context::<LiveVersion>();
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let reply = ServerAction::<ReplyToLead>::new();
    let update = ServerAction::<UpdateLead>::new();
    let book = ServerAction::<BookLead>::new();
    let lead = Resource::new(
        move || {
            (
                id(),
                version.get(),
                reply.version().get(),
                update.version().get(),
                book.version().get(),
            )
        },
        |(id, ..)| get_lead(id),
    );
    view! {
        <Title text="Lead" />
        <p><a href="/app">"← Inbox"</a></p>
        <Transition fallback=|| view! { <p class="muted">"Loading lead…"</p> }>
            {move || Suspend::new(async move {
                match lead.await {
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                    Ok(d) => view! { <LeadView d reply update book /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn LeadView(
    d: LeadDetail,
    reply: ServerAction<ReplyToLead>,
    update: ServerAction<UpdateLead>,
    book: ServerAction<BookLead>,
) -> impl IntoView {
    let l = d.lead.clone();
    let heading = if l.name.is_empty() {
        l.caller_number.clone()
    } else {
        format!("{} · {}", l.name, l.caller_number)
    };
    let (id_reply, id_update, id_book) = (l.id.clone(), l.id.clone(), l.id.clone());
    let (address_edit, address_book) = (d.address.clone(), d.address.clone());
    let notes = d.notes.clone();
    let (opted_out, quiet) = (d.opted_out, d.in_quiet_hours);
    let status = l.status.clone();
    let assigned = l.assigned_to.clone().unwrap_or_default();
    let assignees = d.assignees.clone();
    let reply_form = if opted_out {
        view! { <p class="form-error" role="alert">"This customer opted out of texts (STOP). They must text START before you can message them."</p> }.into_any()
    } else {
        view! {
            <ActionForm action=reply>
                <input type="hidden" name="lead_id" value=id_reply />
                <label>"Message" <textarea name="body" required maxlength=REPLY_BODY_MAX></textarea></label>
                {quiet.then(|| view! {
                    <p class="warning" role="status">"It's outside texting hours (8 am–9 pm by default) in this customer's local time."</p>
                    <label class="check"><input type="checkbox" name="hold_until_morning" value="true" checked /> "Hold until the morning"</label>
                })}
                <FormError result=reply.value() />
                <button type="submit" class="button" disabled=move || reply.pending().get()>"Send reply"</button>
            </ActionForm>
        }
        .into_any()
    };
    view! {
        <h1>{heading}</h1>
        <p class="muted">{format!("{} · status: {}", source_label(&l.source), l.status)}</p>
        {l.escalated.then(|| view! { <p class="warning" role="status">"Escalated: nobody responded within the escalation window."</p> })}
        <div class="lead-grid">
            <section class="card timeline-card">
                <h2>"Timeline"</h2>
                <ol class="timeline" aria-label="Timeline">
                    {d.timeline.into_iter().map(|i| view! { <TimelineEntry i /> }).collect_view()}
                </ol>
                <h3>"Reply"</h3>
                {reply_form}
            </section>
            <aside>
                <section class="card">
                    <h2>"Details"</h2>
                    <ActionForm action=update>
                        <input type="hidden" name="lead_id" value=id_update />
                        <label>
                            "Status"
                            <select name="status">
                                {["new", "contacted", "booked", "lost", "spam"]
                                    .into_iter()
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
                        <label>"Name" <input type="text" name="name" value=l.name.clone() maxlength=LEAD_NAME_MAX /></label>
                        <label>"Address" <input type="text" name="address" value=address_edit maxlength=ADDRESS_MAX /></label>
                        <label>"Notes" <textarea name="notes" maxlength=NOTES_MAX>{notes}</textarea></label>
                        <FormError result=update.value() />
                        <button type="submit" class="button button-small">"Save"</button>
                    </ActionForm>
                </section>
                <section class="card">
                    <h2>"Book a job"</h2>
                    <ActionForm action=book>
                        <input type="hidden" name="lead_id" value=id_book />
                        <label>"Date" <input type="date" name="date" required /></label>
                        <div class="row">
                            <label>"Arrive from" <input type="time" name="arrival_start" value="08:00" required /></label>
                            <label>"to" <input type="time" name="arrival_end" value="10:00" required /></label>
                        </div>
                        <label>
                            "Job"
                            <select name="job_type">
                                <option value="no_heat">"No heat"</option>
                                <option value="no_cool">"No cooling"</option>
                                <option value="maintenance">"Maintenance"</option>
                                <option value="install_estimate">"Install estimate"</option>
                                <option value="other">"Other"</option>
                            </select>
                        </label>
                        <label>"Address" <input type="text" name="address" value=address_book maxlength=ADDRESS_MAX /></label>
                        <label>"Job value ($, optional)" <input type="text" name="job_value" inputmode="decimal" /></label>
                        <label>"Notes" <textarea name="notes" maxlength=NOTES_MAX></textarea></label>
                        {(!opted_out).then(|| view! {
                            <label class="check"><input type="checkbox" name="send_confirmation" value="true" /> "Text the customer a confirmation"</label>
                        })}
                        <FormError result=book.value() />
                        <button type="submit" class="button">"Book"</button>
                    </ActionForm>
                </section>
            </aside>
        </div>
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
        </li>
    }
}
