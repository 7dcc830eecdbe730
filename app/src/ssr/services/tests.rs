//! Service-level tests: the use-cases called directly over a migrated temp database, through
//! the same single writer and [`Core`] the webhooks and server functions use, with no HTTP.
//! Callback inputs are built the way `server/src/webhooks/twilio.rs` parses Twilio's form,
//! and every use-case takes `now`, so time is whatever a test says it is.

mod api_key_actor;
mod lead_lifecycle;
mod opt_outs;
mod text_back;

use futures::future::BoxFuture;
use secrecy::SecretString;
use tempfile::TempDir;

use crate::{
    domain::{
        form_token::FormToken, CallStatus, Caller, DialCallStatus, E164Phone, EmailAddress, OrgSlug, OrgTimezone,
    },
    ssr::{
        core::Core,
        db::{self, pipeline::Deferred, Conn, Db},
        live::{Effects, LiveKind},
        services::{
            calls::{self, CallParams, DialResult, StatusUpdate, VoiceOutcome},
            inbox::{self, ArrivalWindow, InboxError, LeadEdit, NewBooking, NewReply},
            messaging::{self, InboundSms, SmsOutcome},
            onboarding,
        },
        writer::Writer,
    },
};

pub const BUSINESS: &str = "Acme Heating & Air";
/// The tracked number customers call.
pub const TRACKED: &str = "+14155550100";
/// The office phone the tracked number forwards to.
pub const OFFICE: &str = "+14155550101";
pub const CALLER: &str = "+14155552671";
pub const OTHER_CALLER: &str = "+14155552672";
/// A caller whose number Twilio places in New York (`from_timezone`).
pub const TRAVELLER: &str = "+14155552673";

pub const MINUTE: i64 = 60_000;
/// 2026-01-14 15:00 UTC: 09:00 in Chicago (the org's timezone), inside the default send
/// window (08:00–21:00).
pub const MORNING: i64 = 1_768_402_800_000;
/// 2026-01-14 09:00 UTC: 03:00 in Chicago, five hours before the send window opens.
pub const NIGHT: i64 = 1_768_381_200_000;

/// One org ("acme", Chicago) with its owner and one tracked number forwarding to [`OFFICE`],
/// default routing settings, and a running writer.
pub struct Harness {
    pub core: Core,
    pub org_id: String,
    pub owner_id: String,
    _dir: TempDir,
}

impl Harness {
    pub async fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("services.db").display());
        let db = db::connect_and_migrate(&url).await.unwrap();
        let created = onboarding::create_org(
            &db,
            onboarding::NewOrg {
                name: BUSINESS.into(),
                slug: OrgSlug::parse("acme").unwrap(),
                timezone: OrgTimezone::parse("America/Chicago").unwrap(),
                owner_email: EmailAddress::parse("owner@acme.test").unwrap(),
            },
            Some(SecretString::from("a long enough password")),
        )
        .await
        .unwrap();
        onboarding::add_number(
            &db,
            onboarding::NewNumber {
                org_slug: OrgSlug::parse("acme").unwrap(),
                e164: E164Phone::parse(TRACKED).unwrap(),
                forward_to: vec![E164Phone::parse(OFFICE).unwrap()],
                label: "Main line".into(),
                ring_timeout_secs: None,
            },
        )
        .await
        .unwrap();
        let writer = Writer::spawn(&db).await.unwrap();
        Self {
            core: Core::new(db, writer),
            org_id: created.org_id.as_str().to_owned(),
            owner_id: created.owner_id.as_str().to_owned(),
            _dir: dir,
        }
    }

    pub fn db(&self) -> &Db {
        &self.core.db
    }

    /// Changes the org's routing settings (`set` is an SQL `SET` list) and makes the next
    /// callback read them, as a settings page would.
    pub async fn set_routing(&self, set: &str) {
        crate::ssr::db::query(&format!("UPDATE routing_settings SET {set} WHERE org_id = $1"))
            .bind(&self.org_id)
            .execute(self.db())
            .await
            .unwrap();
        self.core.routing.forget();
    }

    // ---- provider callbacks, each one writer job as the receive pipeline runs it ----

    /// Twilio's `/voice/inbound` callback.
    pub async fn inbound_call(&self, p: CallParams, now: i64) -> VoiceOutcome {
        let cache = self.core.routing.clone();
        self.core
            .commit_deferred(move |conn| {
                Box::pin(async move {
                    let mut pending = Deferred::default();
                    let o = calls::on_inbound(conn, &mut pending, &cache, &p, now).await?;
                    let effects = o.effects.clone();
                    Ok(((o, effects), pending))
                })
            })
            .await
            .unwrap()
    }

    /// Twilio's `/voice/dial-complete` callback.
    pub async fn dial_complete(&self, p: CallParams, d: DialResult, now: i64) -> VoiceOutcome {
        let cache = self.core.routing.clone();
        self.core
            .commit_deferred(move |conn| {
                Box::pin(async move {
                    let mut pending = Deferred::default();
                    let o = calls::on_dial_complete(conn, &mut pending, &cache, &p, &d, now).await?;
                    let effects = o.effects.clone();
                    Ok(((o, effects), pending))
                })
            })
            .await
            .unwrap()
    }

    /// Twilio's `/voice/status` callback for the parent leg.
    pub async fn call_status(&self, p: CallParams, call_status: &str, now: i64) -> VoiceOutcome {
        let cache = self.core.routing.clone();
        let s = StatusUpdate {
            call_status: CallStatus::parse(call_status),
            sequence: None,
        };
        self.core
            .commit_deferred(move |conn| {
                Box::pin(async move {
                    let mut pending = Deferred::default();
                    let o = calls::on_status(conn, &mut pending, &cache, &p, &s, now).await?;
                    let effects = o.effects.clone();
                    Ok(((o, effects), pending))
                })
            })
            .await
            .unwrap()
    }

    /// The three callbacks of a call nobody picks up (inbound, a `no-answer` dial result,
    /// the final status); returns the dial result's outcome, the one that decides.
    pub async fn missed_call(&self, p: CallParams, now: i64) -> VoiceOutcome {
        let inbound = self.inbound_call(p.clone(), now).await;
        assert_eq!(inbound.outcome, "forwarded", "the office is open and has a phone");
        let missed = self.dial_complete(p.clone(), no_answer(), now + 15_000).await;
        self.call_status(p, "completed", now + 16_000).await;
        missed
    }

    /// Twilio's `/sms/inbound` callback.
    pub async fn inbound_sms(&self, sms: InboundSms, now: i64) -> SmsOutcome {
        let cache = self.core.routing.clone();
        self.core
            .commit_deferred(move |conn| {
                Box::pin(async move {
                    let mut pending = Deferred::default();
                    let o = messaging::on_inbound(conn, &mut pending, &cache, &sms, now).await?;
                    let effects = o.effects.clone();
                    Ok(((o, effects), pending))
                })
            })
            .await
            .unwrap()
    }

    // ---- staff actions, run as the inbox server functions run them ----

    /// A staff write through `commit_fallible`: a refusal rolls the whole job back.
    async fn staff<F>(&self, work: F) -> Result<(), InboxError>
    where
        F: for<'c> FnOnce(&'c mut Conn) -> BoxFuture<'c, Result<Result<Effects, InboxError>, sqlx::Error>>
            + Send
            + 'static,
    {
        self.core
            .commit_fallible(move |conn| {
                let fut = work(conn);
                Box::pin(async move { fut.await.map(|refusable| refusable.map(|effects| ((), effects))) })
            })
            .await
            .unwrap()
    }

    fn owner(&self) -> Owner {
        Owner {
            org_id: self.org_id.clone(),
            user_id: self.owner_id.clone(),
        }
    }

    pub async fn reply(&self, lead_id: &str, body: &'static str, now: i64) -> Result<(), InboxError> {
        self.reply_with(lead_id, body, &FormToken::new(), now).await
    }

    /// [`Self::reply`] with the form's one-use token (the same token twice: the same form).
    pub async fn reply_with(
        &self,
        lead_id: &str,
        body: &'static str,
        token: &FormToken,
        now: i64,
    ) -> Result<(), InboxError> {
        let (who, lead_id, token) = (self.owner(), lead_id.to_owned(), token.clone());
        self.staff(move |conn| {
            Box::pin(async move {
                let r = NewReply {
                    body,
                    hold_until_morning: false,
                };
                Ok(inbox::reply(conn, &who.actor(), &lead_id, r, &token, now).await)
            })
        })
        .await
    }

    pub async fn update(&self, lead_id: &str, edit: LeadEdit<'static>, now: i64) -> Result<(), InboxError> {
        let (who, lead_id) = (self.owner(), lead_id.to_owned());
        self.staff(move |conn| {
            Box::pin(async move { Ok(inbox::update(conn, &who.actor(), &lead_id, edit, now).await) })
        })
        .await
    }

    pub async fn book(&self, lead_id: &str, booking: NewBooking, now: i64) -> Result<(), InboxError> {
        let (who, lead_id, token) = (self.owner(), lead_id.to_owned(), FormToken::new());
        self.staff(move |conn| {
            Box::pin(async move { Ok(inbox::book(conn, &who.actor(), &lead_id, booking, &token, now).await) })
        })
        .await
    }

    pub async fn reschedule(
        &self,
        booking_id: &str,
        to: ArrivalWindow,
        notify: bool,
        token: &FormToken,
        now: i64,
    ) -> Result<(), InboxError> {
        let (who, booking_id, token) = (self.owner(), booking_id.to_owned(), token.clone());
        self.staff(move |conn| {
            Box::pin(async move {
                Ok(inbox::reschedule_booking(conn, &who.actor(), &booking_id, to, notify, &token, now).await)
            })
        })
        .await
    }

    pub async fn cancel(&self, booking_id: &str, notify: bool, now: i64) -> Result<(), InboxError> {
        let (who, booking_id, token) = (self.owner(), booking_id.to_owned(), FormToken::new());
        self.staff(move |conn| {
            Box::pin(
                async move { Ok(inbox::cancel_booking(conn, &who.actor(), &booking_id, notify, &token, now).await) },
            )
        })
        .await
    }

    // ---- what the store holds afterwards ----

    pub async fn count(&self, sql: &str) -> i64 {
        let n: i64 = crate::ssr::db::query_scalar(sql).fetch_one(self.db()).await.unwrap();
        n
    }

    /// Every lead, oldest first.
    pub async fn leads(&self) -> Vec<LeadState> {
        let leads: Vec<LeadState> = crate::ssr::db::query_as(
            "SELECT id, caller_number, status, source, is_open, name, first_staff_response_at \
             FROM leads ORDER BY created_at, id",
        )
        .fetch_all(self.db())
        .await
        .unwrap();
        leads
    }

    /// The one lead; fails when there is not exactly one.
    pub async fn only_lead(&self) -> LeadState {
        let mut leads = self.leads().await;
        assert_eq!(leads.len(), 1, "{leads:?}");
        leads.remove(0)
    }

    /// Every outbound text with its outbox row (if it has one), oldest first.
    pub async fn outgoing(&self) -> Vec<Outgoing> {
        let texts: Vec<Outgoing> = crate::ssr::db::query_as(
            "SELECT m.purpose, m.to_number, m.body, m.status, o.state AS outbox_state, o.next_attempt_at \
             FROM messages m LEFT JOIN sms_outbox o ON o.message_id = m.id \
             WHERE m.direction = 'outbound' ORDER BY m.created_at, m.id",
        )
        .fetch_all(self.db())
        .await
        .unwrap();
        texts
    }

    /// The outbound texts with this purpose (`text_back`, `reply`, `keyword_reply`, …).
    pub async fn outgoing_for(&self, purpose: &str) -> Vec<Outgoing> {
        self.outgoing()
            .await
            .into_iter()
            .filter(|m| m.purpose == purpose)
            .collect()
    }

    /// The kinds of a lead's timeline entries (entries at the same instant in no set order).
    pub async fn timeline_kinds(&self, lead_id: &str) -> Vec<String> {
        let kinds: Vec<String> =
            crate::ssr::db::query_scalar("SELECT kind FROM lead_events WHERE lead_id = $1 ORDER BY occurred_at, id")
                .bind(lead_id)
                .fetch_all(self.db())
                .await
                .unwrap();
        kinds
    }

    pub async fn is_opted_out(&self, phone: &str) -> bool {
        let mut conn = self.db().acquire().await.unwrap();
        db::opt_outs::is_opted_out(&mut conn, &self.org_id, phone)
            .await
            .unwrap()
    }
}

/// The owner, owned, so a staff job can carry it into the writer.
struct Owner {
    org_id: String,
    user_id: String,
}

impl Owner {
    fn actor(&self) -> crate::ssr::actor::StaffActor {
        crate::ssr::actor::StaffActor {
            user_id: self.user_id.clone(),
            org_id: crate::domain::ids::OrgId::parse(&self.org_id).expect("a stored org id"),
            role: crate::domain::Role::Owner,
            request: crate::ssr::actor::RequestMeta::default(),
        }
    }
}

#[derive(Debug, sqlx::FromRow)]
pub struct LeadState {
    pub id: String,
    pub caller_number: String,
    pub status: String,
    pub source: String,
    pub is_open: bool,
    pub name: String,
    pub first_staff_response_at: Option<i64>,
}

#[derive(Debug, sqlx::FromRow)]
pub struct Outgoing {
    pub purpose: String,
    pub to_number: String,
    pub body: String,
    pub status: String,
    pub outbox_state: Option<String>,
    pub next_attempt_at: Option<i64>,
}

/// A voice callback's parameters for a call from `from` to [`TRACKED`], as Twilio's form
/// parses (`From` may be a withheld placeholder such as "anonymous").
pub fn call(call_sid: &str, from: &str) -> CallParams {
    CallParams {
        call_sid: call_sid.to_owned(),
        from: Caller::from_twilio(from),
        to: Some(E164Phone::parse(TRACKED).unwrap()),
        parent_call_sid: None,
        from_timezone: None,
        stir_verstat: None,
    }
}

pub fn no_answer() -> DialResult {
    DialResult {
        dial_call_status: DialCallStatus::NoAnswer,
        dial_call_duration: Some(12),
    }
}

/// An inbound text from `from` to [`TRACKED`], as Twilio's form parses.
pub fn sms(message_sid: &str, from: &str, body: &str) -> InboundSms {
    InboundSms {
        message_sid: message_sid.to_owned(),
        from: Caller::from_twilio(from),
        to: Some(E164Phone::parse(TRACKED).unwrap()),
        body: body.to_owned(),
        opt_out_type: None,
        from_timezone: None,
    }
}

/// The live events' kinds a use-case left to publish.
pub fn live_kinds(effects: &Effects) -> Vec<LiveKind> {
    effects.live.iter().map(|e| e.kind).collect()
}
