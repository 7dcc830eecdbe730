//! Wire/view types shared by server functions and the UI. Never carry secrets or hashes
//! (the one exception: a new API key's secret, once, in [`api_keys`]).

pub mod api_keys;
pub mod billing;
pub mod evidence;

use serde::{Deserialize, Serialize};

use crate::domain::{routing_form::RoutingSettingsForm, Role};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgChoice {
    pub org_id: String,
    pub name: String,
    pub role: Role,
}

/// The signed-in user and their current org, for the app shell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    pub user_id: String,
    pub email: String,
    pub org_id: String,
    pub org_name: String,
    pub role: Role,
    pub orgs: Vec<OrgChoice>,
    /// For owners, when billing needs their attention (a failed payment, texts paused):
    /// the app frame's banner.
    pub billing_notice: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberView {
    pub user_id: String,
    pub email: String,
    pub role: Role,
    /// Has set a password (an invited member who has not yet is pending).
    pub active: bool,
    pub is_you: bool,
}

/// A one-time link (an invitation or a set-password link) was mailed to `email`. The link
/// itself is never shown to whoever asked for it: only the mailbox's owner can use it. An
/// invitation's answer is the same whether or not `email` already has an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordLinkView {
    pub email: String,
    pub expires_in_hours: u32,
}

/// A pending invitation, as the team page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationView {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub expires_at: i64,
    /// Whole hours left, rounded up (so "expires in 1 h" until it has expired).
    pub expires_in_hours: i64,
}

/// What the invitation page shows whoever holds a valid invitation link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteView {
    pub org_name: String,
    /// The invited address (the link was mailed there).
    pub email: String,
    pub role: Role,
    /// An account already uses `email`: it must be signed in to join, no new password.
    pub account_exists: bool,
    /// The visitor is signed in as that account.
    pub signed_in_as_invitee: bool,
    /// The visitor is signed in as someone else (their email), to say why Join is not offered.
    pub signed_in_as_other: Option<String>,
}

/// The tracked numbers page: the org's numbers and the addresses Twilio must call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumbersView {
    pub numbers: Vec<TrackedNumberView>,
    /// The same for every number: Twilio tells them apart by the number called.
    pub webhooks: crate::domain::twilio_webhooks::WebhookUrls,
}

/// One tracked number (not a removed one), as the numbers page shows and edits it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackedNumberView {
    pub id: String,
    pub e164: String,
    /// `(512) 555-0134`
    pub display: String,
    pub label: String,
    /// Everyday form, rung together.
    pub forward_to: Vec<String>,
    pub ring_timeout_secs: u32,
    /// The ring timeout risks the office phone's voicemail answering first.
    pub voicemail_risk: bool,
    /// What the edit form shows.
    pub form: crate::domain::number_form::NumberForm,
    pub last_call: Option<LastCallView>,
}

/// A tracked number's most recent call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastCallView {
    pub at: i64,
    /// `at` in the org's timezone, rendered by the server.
    pub at_label: String,
    /// Everyday form, or "Unknown caller" when withheld.
    pub from: String,
    /// "Missed call", "Answered call", … ("In progress" until it has an outcome).
    pub outcome: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadSummary {
    pub id: String,
    /// E.164, for `tel:` and `sms:` links.
    pub caller_number: String,
    /// The number as an office writes it: `(415) 555-2671` (`E164Phone::everyday`).
    pub caller_display: String,
    pub name: String,
    /// missed_call | after_hours | abandoned | text_first
    pub source: String,
    pub status: String,
    pub last_message_preview: String,
    pub last_activity_at: i64,
    pub created_at: i64,
    /// The customer wrote last and nobody has answered yet.
    pub needs_reply: bool,
    /// Nobody responded within the escalation window.
    pub escalated: bool,
    pub assigned_to: Option<String>,
    /// While the customer waits for a reply: when they last wrote.
    pub waiting_since: Option<i64>,
    /// We wrote the text the preview shows (a reply, a confirmation or the text-back).
    pub last_from_us: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadPage {
    pub leads: Vec<LeadSummary>,
    /// Pass back to get the next page; `None` at the end.
    pub next_cursor: Option<String>,
    /// The server's clock, so ages render the same on the server and after hydration.
    pub server_now: i64,
}

/// A new org's first steps, as the inbox lists them until all are done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextStepsView {
    /// The org tracks a number.
    pub number_added: bool,
    /// A call has reached one of its numbers.
    pub test_call_made: bool,
    /// Someone besides the owner was invited or is a member.
    pub team_invited: bool,
    /// The number to call for the test, as an office writes it.
    pub test_number: Option<String>,
}

impl NextStepsView {
    pub fn all_done(&self) -> bool {
        self.number_added && self.test_call_made && self.team_invited
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineItem {
    pub at: i64,
    /// `at` rendered in the org's timezone by the server (the browser has no tz database).
    pub at_label: String,
    /// call | message_in | message_out | event | booking
    pub kind: String,
    pub title: String,
    pub body: String,
    /// Delivery status or call outcome, when there is one.
    pub status: String,
    pub actor: String,
    /// The stored provider callbacks of this call or text (`/app/evidence?sid=…`), for
    /// those who may view evidence.
    #[serde(default)]
    pub evidence_href: Option<String>,
    /// An internal event (status, assignment, edits, bookings, skipped texts), as opposed
    /// to the conversation with the customer (calls and texts): the lead page can hide them.
    #[serde(default)]
    pub internal: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadDetail {
    pub lead: LeadSummary,
    pub address: String,
    pub notes: String,
    pub opted_out: bool,
    /// The customer's local time is outside the org's send window.
    pub in_quiet_hours: bool,
    /// Newest first.
    pub timeline: Vec<TimelineItem>,
    /// Members the lead can be assigned to.
    pub assignees: Vec<Assignee>,
    /// The lead's bookings, cancelled ones too, newest first.
    pub bookings: Vec<LeadBookingView>,
    /// Fresh one-use tokens for the reply and booking forms (a new pair with every read).
    pub tokens: FormTokens,
    /// The org's one-tap replies, in order.
    pub quick_replies: Vec<String>,
}

/// One-use tokens for a page's forms (`domain::form_token`): posting a form with a token
/// that was used already is refused, so the same submission is never carried out twice.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FormTokens {
    pub reply: String,
    pub book: String,
}

/// One booking of a lead, as its page lists it (and offers to move or cancel it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadBookingView {
    pub id: String,
    /// "No heat"
    pub job: String,
    /// "Thu Dec 10, 8:00 am–10:00 am", in the org's timezone.
    pub window_label: String,
    /// Still booked (else cancelled).
    pub booked: bool,
    /// The window as the reschedule form starts from: `YYYY-MM-DD`, `HH:MM`, `HH:MM`.
    pub date: String,
    pub arrival_start: String,
    pub arrival_end: String,
    /// One-use tokens for its reschedule and cancel forms.
    pub reschedule_token: String,
    pub cancel_token: String,
}

/// What a form posted without JavaScript came back with, read from the page's URL by the
/// server (`form_for`, `form_error`, `form_field`, `form_done`): which form, and its fixed
/// refusal message or none (it succeeded). Never text from the URL itself.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FormNotice {
    /// The form's endpoint after `/rpc/` (`leads/reply`); empty: no notice.
    pub form: String,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryStats {
    pub missed_calls_today: i64,
    pub missed_calls_30d: i64,
    pub text_backs_30d: i64,
    pub replied_30d: i64,
    pub booked_from_missed_30d: i64,
    pub booked_value_cents_30d: i64,
    /// Median minutes from a lead's creation to the first staff response, last 30 days.
    pub median_first_response_min: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingView {
    pub id: String,
    pub lead_id: String,
    pub caller_number: String,
    pub name: String,
    pub window_start: i64,
    pub window_end: i64,
    pub job_type: String,
    pub job_value_cents: Option<i64>,
    /// The arrival window in the org's timezone, rendered by the server.
    pub window_label: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignee {
    pub user_id: String,
    pub email: String,
}

/// The state of the org's tamper-evident audit chain, for the audit viewer. The head hash
/// is not a secret: it is what an owner copies somewhere else to notice a rewritten chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditChainView {
    /// Every record recomputed and linked, and the head matches the last one.
    pub intact: bool,
    /// Records that verified (all of them when intact).
    pub records: u64,
    pub head_seq: Option<i64>,
    pub head_hash: Option<String>,
    /// The first record that does not verify and why, when not intact.
    pub problem: Option<String>,
}

/// The routing settings page: the org's settings as the form shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoutingSettingsView {
    /// What `{business}` becomes in the greeting and the text-back.
    pub business_name: String,
    pub form: RoutingSettingsForm,
}

/// One audit record as the audit viewer shows it: who did what, to what, when (in the
/// org's timezone) and from where. Holds ids, names and settings values, never secrets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntryView {
    pub id: String,
    pub at: i64,
    /// `at` in the org's timezone, rendered by the server.
    pub at_label: String,
    /// The stored actor kind code (user, api_key, webhook, system, cli).
    pub actor_kind: String,
    /// "owner@acme.test", "API key “Zapier”", "Twilio", "System", "CLI".
    pub who: String,
    /// The stored action code, e.g. `settings.changed`.
    pub action: String,
    /// The action for people, e.g. "Settings changed".
    pub what: String,
    pub target_kind: Option<String>,
    pub target_id: Option<String>,
    /// What it was done to, for people: a lead's name, a member's email, a number.
    pub on_what: String,
    /// Where that lives in the app, when it has a page.
    pub on_what_href: Option<String>,
    pub request_id: Option<String>,
    pub ip: Option<String>,
    /// Before → after, for settings and role changes.
    pub changes: Vec<AuditChangeView>,
}

/// One changed value of an audit record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditChangeView {
    pub field: String,
    pub before: String,
    pub after: String,
}

/// One page of the audit viewer, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPageView {
    pub entries: Vec<AuditEntryView>,
    /// Pass back as `cursor` for the next (older) page; `None` at the end.
    pub next_cursor: Option<String>,
    /// The org's timezone, which `at_label` and the date filters use.
    pub timezone: String,
}
