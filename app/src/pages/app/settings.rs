//! Routing settings (owner and admin): timezone, weekly hours and closure dates, what
//! happens after hours, the missed-call text-back, cooldown, quiet hours and escalation.
//!
//! A server component with no island (no wasm of its own): the form is a plain post to
//! `/rpc/settings/save`, which redirects back here (`?saved=1`, or `?form_error=invalid&
//! form_field=…` naming each wrong field, never echoing what was typed). The text-back's
//! character and segment count is rendered here for the saved text and kept live in the
//! browser by `public/sms-preview.js`, which also puts back what was typed when a save
//! was refused.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    domain::{
        routing_form::{
            field_label, RoutingSettingsForm, BUSINESS_PLACEHOLDER, COOLDOWN_MAX, ESCALATION_MINUTES_MAX, GREETING_MAX,
            TEMPLATE_MAX, WEEKDAYS,
        },
        sms_segments::{sms_segments, SmsCount},
    },
    models::RoutingSettingsView,
    server_fns::settings::{get_quick_replies, get_routing_settings},
};

/// Common North American timezones offered as suggestions; any IANA name is accepted.
const SUGGESTED_TIMEZONES: [&str; 9] = [
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Toronto",
    "America/Vancouver",
];

#[component]
pub fn SettingsPage() -> impl IntoView {
    // Like the other app pages: a blocking resource here left about half the responses
    // streaming forever in the release build (measured: 9 of 20 GETs hung), while the team
    // page's plain resource never did.
    let settings = Resource::new(|| (), |_| get_routing_settings());
    let (bad, saved) = use_query_map().with_untracked(|q| {
        let refused = q.get("form_error").is_some();
        let bad: Vec<&'static str> = q
            .get("form_field")
            .map(|f| f.split(',').filter_map(field_name).collect())
            .unwrap_or_default();
        (bad, q.get("saved").is_some() && !refused)
    });
    let quick = Resource::new(|| (), |_| get_quick_replies());
    let quick_outcome = use_query_map().with_untracked(QuickRepliesOutcome::from_query);
    view! {
        <Title text="Settings" />
        <h1>"Routing settings"</h1>
        <Suspense fallback=|| view! { <p class="muted">"Loading settings…"</p> }>
            {move || {
                let bad = bad.clone();
                Suspend::new(async move {
                    match settings.await {
                        Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                        Ok(current) => view! { <SettingsForm current bad saved /> }.into_any(),
                    }
                })
            }}
        </Suspense>
        <Suspense fallback=|| ()>
            {move || {
                let outcome = quick_outcome.clone();
                Suspend::new(async move {
                    quick.await.ok().map(|replies| view! { <QuickRepliesCard replies outcome /> })
                })
            }}
        </Suspense>
    }
}

/// How the last post of the quick replies form went, from the URL (fixed texts only).
#[derive(Debug, Clone, Default)]
struct QuickRepliesOutcome {
    saved: bool,
    error: Option<&'static str>,
}

impl QuickRepliesOutcome {
    const FORM: &'static str = "quick_replies/save";

    fn from_query(q: &leptos_router::params::ParamsMap) -> Self {
        let ours = q.get("form_for").as_deref() == Some(Self::FORM)
            || q.get("form_field")
                .is_some_and(|f| f.split(',').any(|f| f == "quick_replies"));
        match q.get("form_error") {
            Some(_) if ours => Self {
                saved: false,
                error: Some(
                    "Nothing was saved: write at most 10 quick replies, one per line, each at most 1600 characters.",
                ),
            },
            Some(_) => Self::default(),
            None => Self {
                saved: q.get("quick_replies_saved").is_some(),
                error: None,
            },
        }
    }
}

/// The org's quick replies (one-tap texts on the lead page), one per line: a plain form
/// posted to `/rpc/quick_replies/save`, which comes back here saying so.
#[component]
fn QuickRepliesCard(replies: Vec<String>, outcome: QuickRepliesOutcome) -> impl IntoView {
    view! {
        <section class="card settings quick-replies-card" id="quick-replies" aria-labelledby="quick-replies-heading">
            <h2 id="quick-replies-heading">"Quick replies"</h2>
            <p class="muted small" id="quick-replies-help">
                "One-tap texts on each lead's page: tapping one fills the message box (it is not sent until you press Send). One per line, at most 10; empty lines are dropped."
            </p>
            {outcome.saved.then(|| view! { <p class="form-ok" role="status">"Quick replies saved."</p> })}
            {outcome.error.map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
            <form method="post" action="/rpc/quick_replies/save">
                <label>
                    "Quick replies"
                    <textarea name="quick_replies" rows="6" maxlength="16100" aria-describedby="quick-replies-help"
                        aria-invalid=outcome.error.map(|_| "true")>{replies.join("\n")}</textarea>
                </label>
                <button type="submit" class="button">"Save quick replies"</button>
            </form>
        </section>
    }
}

/// A field name from the URL, as our own `&'static str` (anything else is dropped).
fn field_name(f: &str) -> Option<&'static str> {
    const FIELDS: [&str; 17] = [
        "timezone",
        "hours_mon",
        "hours_tue",
        "hours_wed",
        "hours_thu",
        "hours_fri",
        "hours_sat",
        "hours_sun",
        "closure_dates",
        "after_hours_greeting",
        "text_back_template",
        "cooldown_minutes",
        "quiet_start",
        "quiet_end",
        "hold_text_backs",
        "escalation_number",
        "escalation_minutes",
    ];
    FIELDS.into_iter().find(|known| *known == f)
}

/// What each field wants, shown under a field the last save refused (fixed text only).
fn field_hint(field: &str) -> &'static str {
    match field {
        "timezone" => "Use an IANA timezone name such as America/Chicago.",
        "closure_dates" => "Dates as YYYY-MM-DD, separated by commas or new lines (at most 100).",
        "after_hours_greeting" => "1 to 300 characters; the only placeholder is {business}.",
        "text_back_template" => {
            "1 to 480 characters, including how to opt out (\"Reply STOP to opt out.\"); the only placeholder is {business}."
        }
        "cooldown_minutes" => "A whole number of minutes from 0 to 1440.",
        "quiet_start" | "quiet_end" => {
            "Times as HH:MM; quiet hours start in the evening and end in the morning (e.g. 21:00 to 08:00)."
        }
        "escalation_number" => "A number in E.164 form such as +14155550123, or empty for none.",
        "escalation_minutes" => "A whole number from 0 (off) to 240.",
        _ => "Write \"closed\" or opening times such as 08:00-12:00, 13:00-17:00.",
    }
}

/// The error line under a field the last save refused.
fn field_error(bad: &[&'static str], field: &'static str) -> Option<impl IntoView> {
    bad.contains(&field).then(|| {
        view! { <p class="field-error" id=format!("{field}-error")>{field_hint(field)}</p> }
    })
}

/// `aria-invalid` for a field the last save refused.
fn invalid(bad: &[&'static str], field: &str) -> Option<&'static str> {
    bad.contains(&field).then_some("true")
}

fn count_text(c: SmsCount) -> String {
    format!(
        "{} characters · {} SMS segment{} · {}",
        c.chars,
        c.segments,
        if c.segments == 1 { "" } else { "s" },
        c.encoding.label()
    )
}

#[component]
fn SettingsForm(current: RoutingSettingsView, bad: Vec<&'static str>, saved: bool) -> impl IntoView {
    let RoutingSettingsView { business_name, form } = current;
    let RoutingSettingsForm {
        timezone,
        hours,
        closure_dates,
        after_hours_greeting,
        text_back_template,
        cooldown_minutes,
        quiet_start,
        quiet_end,
        hold_text_backs,
        escalation_number,
        escalation_minutes,
    } = form;
    let preview = text_back_template.replace(BUSINESS_PLACEHOLDER, &business_name);
    let counts = count_text(sms_segments(&preview));
    let labels: Vec<&'static str> = bad.iter().filter_map(|f| field_label(f)).collect();
    let summary = (!labels.is_empty()).then(|| {
        view! {
            <p class="form-error" role="alert">
                {format!("Nothing was saved. Please check: {}.", labels.join(", "))}
            </p>
        }
    });
    let b = &bad;
    view! {
        {saved.then(|| view! { <p class="form-ok" role="status">"Settings saved. The next call uses them."</p> })}
        {summary}
        <form method="post" action="/rpc/settings/save" class="settings" id="routing-settings">
            <section class="card">
                <h2>"Hours"</h2>
                <p class="muted small">
                    "Calls are forwarded to your phones while you're open. Write \"closed\" or one or more opening times per day, e.g. "
                    <code>"08:00-12:00, 13:00-17:00"</code>". Open 00:00-24:00 every day means every call is forwarded."
                </p>
                <label>
                    "Timezone"
                    <input type="text" name="timezone" value=timezone list="timezones" required autocomplete="off"
                        aria-invalid=invalid(b, "timezone") />
                </label>
                {field_error(b, "timezone")}
                <datalist id="timezones">
                    {SUGGESTED_TIMEZONES.iter().map(|z| view! { <option value=*z></option> }).collect_view()}
                </datalist>
                <div class="weekdays">
                    {WEEKDAYS
                        .iter()
                        .zip(hours)
                        .map(|(&(field, day), value)| {
                            view! {
                                <label class="weekday">
                                    <span>{day}</span>
                                    <input type="text" name=field value=value maxlength="120" autocomplete="off"
                                        aria-invalid=invalid(b, field) />
                                </label>
                                {field_error(b, field)}
                            }
                        })
                        .collect_view()}
                </div>
                <label>
                    "Closure dates (holidays)"
                    <span class="muted small">"Closed all day on these dates, whatever the hours say. YYYY-MM-DD, separated by commas or new lines."</span>
                    <textarea name="closure_dates" rows="2" maxlength="1300" placeholder="2026-12-25, 2027-01-01"
                        aria-invalid=invalid(b, "closure_dates")>{closure_dates}</textarea>
                </label>
                {field_error(b, "closure_dates")}
            </section>

            <section class="card">
                <h2>"After hours"</h2>
                <p class="muted small">
                    "When you're closed, the caller hears this greeting and the call ends; then they get the missed-call text-back below. "
                    <code>"{business}"</code>" becomes your business name."
                </p>
                <label>
                    "Greeting spoken to callers"
                    <textarea name="after_hours_greeting" rows="2" maxlength=GREETING_MAX required
                        aria-invalid=invalid(b, "after_hours_greeting")>{after_hours_greeting}</textarea>
                </label>
                {field_error(b, "after_hours_greeting")}
            </section>

            <section class="card">
                <h2>"Missed-call text-back"</h2>
                <p class="muted small">
                    "Sent once to a caller we missed. "<code>"{business}"</code>" becomes your business name. "
                    "It must say how to opt out (\"Reply STOP to opt out.\"): CallSnare's compliance rule for every automated text."
                </p>
                <label>
                    "Text-back"
                    <textarea name="text_back_template" rows="4" maxlength=TEMPLATE_MAX required
                        aria-invalid=invalid(b, "text_back_template") aria-describedby="sms-preview">{text_back_template}</textarea>
                </label>
                {field_error(b, "text_back_template")}
                <div class="sms-preview" id="sms-preview" data-business=business_name aria-live="polite">
                    <p class="muted small">"Preview"</p>
                    <p class="sms-bubble" data-sms-text>{preview}</p>
                    <p class="small" data-sms-count>{counts}</p>
                    <p class="muted small">"GSM-7 texts fit 160 characters in one SMS (153 per segment when longer); any other character, like an emoji or a curly quote, makes it UCS-2: 70 (67)."</p>
                </div>
                <label>
                    "Cooldown (minutes)"
                    <span class="muted small">"At most one text-back to the same caller within this time."</span>
                    <input type="number" name="cooldown_minutes" value=cooldown_minutes min="0" max=COOLDOWN_MAX step="1" required
                        aria-invalid=invalid(b, "cooldown_minutes") />
                </label>
                {field_error(b, "cooldown_minutes")}
            </section>

            <section class="card">
                <h2>"Quiet hours"</h2>
                <p class="muted small">"Automated follow-ups are not sent during quiet hours, in the customer's local time."</p>
                <div class="row">
                    <label>
                        "From"
                        <input type="time" name="quiet_start" value=quiet_start required aria-invalid=invalid(b, "quiet_start") />
                    </label>
                    <label>
                        "Until"
                        <input type="time" name="quiet_end" value=quiet_end required aria-invalid=invalid(b, "quiet_end") />
                    </label>
                </div>
                {field_error(b, "quiet_start")}
                {field_error(b, "quiet_end")}
                <label class="check">
                    <input type="checkbox" name="hold_text_backs" value="true" checked=hold_text_backs />
                    "Hold text-backs during quiet hours too (otherwise they go out at once, night or day)"
                </label>
            </section>

            <section class="card">
                <h2>"Escalation"</h2>
                <p class="muted small">"When a new lead waits this many minutes of open time with no response, it is flagged and this number gets a text."</p>
                <div class="row">
                    <label>
                        "Escalation number"
                        <input type="tel" name="escalation_number" value=escalation_number placeholder="+14155550123" autocomplete="off"
                            aria-invalid=invalid(b, "escalation_number") />
                    </label>
                    <label>
                        "After (minutes, 0 = off)"
                        <input type="number" name="escalation_minutes" value=escalation_minutes min="0" max=ESCALATION_MINUTES_MAX step="1" required
                            aria-invalid=invalid(b, "escalation_minutes") />
                    </label>
                </div>
                {field_error(b, "escalation_number")}
                {field_error(b, "escalation_minutes")}
            </section>

            <p class="settings-actions">
                <button type="submit" class="button">"Save settings"</button>
                <span class="muted small">"Everything is saved together, or nothing is."</span>
            </p>
        </form>
        <script src="/sms-preview.js" defer></script>
    }
}
