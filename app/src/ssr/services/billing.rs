//! Billing: Stripe events applied to the org's billing record and invoices, the billing
//! state every surface shows, and the Checkout / Billing Portal sessions the owner's page
//! starts.
//!
//! The Stripe webhook (`server::webhooks::stripe`) verifies and parses each event with
//! async-stripe's types and hands it here as a [`BillingEvent`] (plain facts, no Stripe
//! types), inside the writer job that also stores the event as evidence:
//!
//! - **The org** is the one named by `metadata.callsnare_org` (its slug) on the
//!   Subscription, Customer or Checkout Session (or a Checkout Session's
//!   `client_reference_id`), else the org the Stripe customer is already linked to. An
//!   event whose org cannot be resolved changes nothing (outcome `unmatched`).
//! - **Order.** Each billing object (customer, subscription, invoice, checkout session)
//!   remembers the newest event applied to it (`created`, then a rank for events of the
//!   same second: `*.created` < updates < `*.deleted`; an invoice's `finalized` <
//!   `payment_failed` < `paid`). An older event is kept as evidence and changes nothing
//!   (outcome `stale`). Same second and rank: the later delivery wins. CallSnare does not
//!   re-read objects from Stripe's API to break ties; the next event settles the state.
//! - A `*.deleted` (or other terminal) event for a subscription the org has already
//!   replaced with a newer one never downgrades the org.
//! - Every change of the org's billing record is one `billing.changed` audit event (actor:
//!   the Stripe webhook) with each changed field's before → after; a failed payment and a
//!   paid invoice are audit events too.
//! - A change forgets the routing cache, so a pause or a resume of automated texts applies
//!   from the next call.

use futures::future::BoxFuture;
use serde_json::{json, Map, Value};

use crate::{
    domain::{
        billing::{entitlement, money, BillingPolicy, BillingStatus, Entitlement},
        ids::OrgId,
        OrgSlug,
    },
    ssr::{
        actor::{Acting, Actor, RequestMeta},
        audit::{self, AuditAction, Target},
        db::{
            org_billing::{self, InvoiceRow, OrgBillingRow},
            orgs, Conn,
        },
        live::Effects,
    },
};

/// The provider name Stripe events are stored and audited under.
pub const PROVIDER: &str = "stripe";

/// A Stripe event as the billing service takes it.
#[derive(Debug, Clone)]
pub struct BillingEvent {
    /// Stripe's event id (`evt_…`): the evidence row's claim key.
    pub event_id: String,
    /// Stripe's event type (`customer.subscription.updated`).
    pub event_type: String,
    /// The event's `created` instant, in ms (Stripe's resolution is one second).
    pub created_ms: i64,
    pub change: BillingChange,
}

/// What the event says, by the object it carries.
#[derive(Debug, Clone)]
pub enum BillingChange {
    Checkout(CheckoutFacts),
    Subscription(SubscriptionFacts, SubscriptionEvent),
    Invoice(InvoiceFacts, InvoiceEvent),
    Customer(CustomerFacts, CustomerEvent),
    /// An event type CallSnare does not use: stored, nothing applied.
    Ignored,
    /// A type CallSnare uses whose object async-stripe could not read (an API version the
    /// webhook endpoint should not be on): stored, nothing applied, logged.
    Unreadable(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubscriptionEvent {
    Created,
    Updated,
    Deleted,
    Paused,
    Resumed,
    TrialWillEnd,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvoiceEvent {
    Finalized,
    PaymentFailed,
    Paid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomerEvent {
    Updated,
    Deleted,
}

#[derive(Debug, Clone, Default)]
pub struct CheckoutFacts {
    pub id: String,
    pub customer: Option<String>,
    pub subscription: Option<String>,
    /// `metadata.callsnare_org`, else `client_reference_id`.
    pub org_slug: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct SubscriptionFacts {
    pub id: String,
    pub customer: String,
    /// Stripe's status code.
    pub status: String,
    pub price_id: Option<String>,
    pub plan: Option<String>,
    /// ms; from the subscription items (where Stripe keeps the period since 2025-03-31).
    pub current_period_end: Option<i64>,
    pub cancel_at_period_end: bool,
    pub trial_end: Option<i64>,
    /// `metadata.callsnare_org`.
    pub org_slug: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct InvoiceFacts {
    pub id: String,
    pub customer: Option<String>,
    pub subscription: Option<String>,
    /// `metadata.callsnare_org` of the invoice or of its subscription.
    pub org_slug: Option<String>,
    pub number: Option<String>,
    pub status: String,
    pub currency: String,
    pub amount_due: i64,
    pub amount_paid: i64,
    pub amount_remaining: i64,
    pub total: i64,
    pub period_start: Option<i64>,
    pub period_end: Option<i64>,
    pub hosted_invoice_url: Option<String>,
    /// ms
    pub created: i64,
}

#[derive(Debug, Clone, Default)]
pub struct CustomerFacts {
    pub id: String,
    pub email: Option<String>,
    /// `metadata.callsnare_org`.
    pub org_slug: Option<String>,
}

/// What applying an event did, for the evidence row.
#[derive(Debug, Clone)]
pub struct BillingApplied {
    pub org_id: Option<String>,
    /// Short, stable words stored as the evidence's outcome (`subscription active`,
    /// `unmatched`, `stale`, `ignored: …`).
    pub outcome: String,
    pub effects: Effects,
}

impl BillingApplied {
    fn done(org_id: &str, outcome: impl Into<String>, changed: bool) -> Self {
        Self {
            org_id: Some(org_id.to_owned()),
            outcome: outcome.into(),
            effects: Effects::routing(changed),
        }
    }

    fn unmatched() -> Self {
        Self {
            org_id: None,
            outcome: "unmatched".to_owned(),
            effects: Effects::default(),
        }
    }
}

/// Ranks order two events of the same object and the same second (see the module docs).
fn rank(change: &BillingChange) -> i64 {
    match change {
        BillingChange::Subscription(_, SubscriptionEvent::Created) => 0,
        BillingChange::Subscription(_, SubscriptionEvent::Deleted) => 2,
        BillingChange::Subscription(..) => 1,
        BillingChange::Invoice(_, InvoiceEvent::Finalized) => 0,
        BillingChange::Invoice(_, InvoiceEvent::PaymentFailed) => 1,
        BillingChange::Invoice(_, InvoiceEvent::Paid) => 2,
        BillingChange::Customer(_, CustomerEvent::Updated) => 1,
        BillingChange::Customer(_, CustomerEvent::Deleted) => 2,
        BillingChange::Checkout(_) => 1,
        BillingChange::Ignored | BillingChange::Unreadable(_) => 0,
    }
}

/// Applies one new (never seen) Stripe event inside the writer's transaction.
pub async fn apply_event(conn: &mut Conn, event: &BillingEvent, now: i64) -> Result<BillingApplied, sqlx::Error> {
    match &event.change {
        BillingChange::Ignored => Ok(BillingApplied {
            org_id: None,
            outcome: format!("ignored: {}", event.event_type),
            effects: Effects::default(),
        }),
        BillingChange::Unreadable(why) => {
            tracing::error!(
                event_id = %event.event_id,
                event_type = %event.event_type,
                error.message = %why,
                "a Stripe event CallSnare uses could not be read: is the webhook endpoint on the API version in the README?"
            );
            Ok(BillingApplied {
                org_id: None,
                outcome: "unreadable".to_owned(),
                effects: Effects::default(),
            })
        }
        BillingChange::Checkout(c) => apply_checkout(conn, event, c, now).await,
        BillingChange::Subscription(s, kind) => apply_subscription(conn, event, s, *kind, now).await,
        BillingChange::Invoice(i, kind) => apply_invoice(conn, event, i, *kind, now).await,
        BillingChange::Customer(c, kind) => apply_customer(conn, event, c, *kind, now).await,
    }
}

/// The org named by `slug` (metadata or client reference), else the org `customer` is
/// linked to.
async fn resolve_org(
    conn: &mut Conn,
    slug: Option<&str>,
    customer: Option<&str>,
) -> Result<Option<String>, sqlx::Error> {
    if let Some(slug) = slug.and_then(|s| OrgSlug::parse(s).ok()) {
        if let Some(org) = orgs::find_by_slug(conn, &slug).await? {
            return Ok(Some(org.id));
        }
    }
    match customer {
        Some(c) => org_billing::find_org_by_customer(conn, c).await,
        None => Ok(None),
    }
}

/// Whether the event is the newest applied to `object_id` (and records it if so).
async fn is_newest(
    conn: &mut Conn,
    org_id: &str,
    object_id: &str,
    event: &BillingEvent,
    now: i64,
) -> Result<bool, sqlx::Error> {
    org_billing::advance_object(
        conn,
        org_id,
        object_id,
        event.created_ms,
        rank(&event.change),
        &event.event_id,
        now,
    )
    .await
}

/// `customer` for `org_id`, unless another org already has it (a Stripe customer bills one
/// org); `Err(())` in that case.
async fn customer_for(conn: &mut Conn, org_id: &str, customer: &str) -> Result<Result<String, ()>, sqlx::Error> {
    Ok(match org_billing::find_org_by_customer(conn, customer).await? {
        Some(other) if other != org_id => Err(()),
        _ => Ok(customer.to_owned()),
    })
}

async fn apply_checkout(
    conn: &mut Conn,
    event: &BillingEvent,
    c: &CheckoutFacts,
    now: i64,
) -> Result<BillingApplied, sqlx::Error> {
    let Some(org_id) = resolve_org(conn, c.org_slug.as_deref(), c.customer.as_deref()).await? else {
        return Ok(BillingApplied::unmatched());
    };
    if !is_newest(conn, &org_id, &c.id, event, now).await? {
        return Ok(BillingApplied::done(&org_id, "stale", false));
    }
    let before = org_billing::find(conn, &org_id).await?;
    let mut after = before.clone().unwrap_or_else(|| OrgBillingRow::empty(&org_id));
    if let Some(customer) = &c.customer {
        match customer_for(conn, &org_id, customer).await? {
            Ok(customer) => after.stripe_customer_id = Some(customer),
            Err(()) => return Ok(BillingApplied::done(&org_id, "customer linked to another org", false)),
        }
    }
    if let Some(sub) = &c.subscription {
        // The subscription's own events set its status; this only links it.
        if after.stripe_subscription_id.as_deref() != Some(sub.as_str()) {
            after.stripe_subscription_id = Some(sub.clone());
        }
    }
    let changed = save(conn, event, &org_id, before.as_ref(), after, now).await?;
    Ok(BillingApplied::done(
        &org_id,
        if changed {
            "checkout linked"
        } else {
            "checkout: no change"
        },
        changed,
    ))
}

async fn apply_subscription(
    conn: &mut Conn,
    event: &BillingEvent,
    s: &SubscriptionFacts,
    kind: SubscriptionEvent,
    now: i64,
) -> Result<BillingApplied, sqlx::Error> {
    let Some(org_id) = resolve_org(conn, s.org_slug.as_deref(), Some(s.customer.as_str())).await? else {
        return Ok(BillingApplied::unmatched());
    };
    if !is_newest(conn, &org_id, &s.id, event, now).await? {
        return Ok(BillingApplied::done(&org_id, "stale", false));
    }
    let status = BillingStatus::parse(&s.status);
    let before = org_billing::find(conn, &org_id).await?;
    let mut after = before.clone().unwrap_or_else(|| OrgBillingRow::empty(&org_id));
    if let Some(current) = after.stripe_subscription_id.as_deref().filter(|id| *id != s.id) {
        // Another subscription: a new one replaces the old, but an old one ending never
        // downgrades an org that has moved on.
        let current_status = BillingStatus::parse(&after.status);
        if status.is_terminal() && !current_status.is_terminal() && current_status != BillingStatus::None {
            return Ok(BillingApplied::done(
                &org_id,
                format!("ignored: {} ended, {current} is current", s.id),
                false,
            ));
        }
    }
    match customer_for(conn, &org_id, &s.customer).await? {
        Ok(customer) => after.stripe_customer_id = Some(customer),
        Err(()) => return Ok(BillingApplied::done(&org_id, "customer linked to another org", false)),
    }
    after.stripe_subscription_id = Some(s.id.clone());
    after.status = status.as_str().to_owned();
    if status == BillingStatus::Unknown {
        // keep Stripe's own word for a status this version does not know
        after.status = s.status.clone();
    }
    after.price_id = s.price_id.clone();
    after.plan = s.plan.clone();
    after.current_period_end = s.current_period_end;
    after.cancel_at_period_end = s.cancel_at_period_end;
    after.trial_end = s.trial_end;
    after.payment_failed_at = if status.in_good_standing() {
        None
    } else if status == BillingStatus::PastDue {
        after.payment_failed_at.or(Some(event.created_ms))
    } else {
        after.payment_failed_at
    };
    after.last_event_created = Some(after.last_event_created.unwrap_or(0).max(event.created_ms));
    let changed = save(conn, event, &org_id, before.as_ref(), after, now).await?;
    let word = match kind {
        SubscriptionEvent::TrialWillEnd => "subscription trial ends soon",
        _ => "subscription",
    };
    Ok(BillingApplied::done(
        &org_id,
        format!("{word} {}{}", s.status, if changed { "" } else { " (no change)" }),
        changed,
    ))
}

async fn apply_invoice(
    conn: &mut Conn,
    event: &BillingEvent,
    i: &InvoiceFacts,
    kind: InvoiceEvent,
    now: i64,
) -> Result<BillingApplied, sqlx::Error> {
    let Some(org_id) = resolve_org(conn, i.org_slug.as_deref(), i.customer.as_deref()).await? else {
        return Ok(BillingApplied::unmatched());
    };
    // A Stripe customer bills one org: an invoice of a customer linked to another org never
    // lands here, whatever its metadata says (the other event kinds check this through
    // `customer_for`).
    if let Some(customer) = i.customer.as_deref() {
        if customer_for(conn, &org_id, customer).await?.is_err() {
            return Ok(BillingApplied::done(&org_id, "customer linked to another org", false));
        }
    }
    if !is_newest(conn, &org_id, &i.id, event, now).await? {
        return Ok(BillingApplied::done(&org_id, "stale", false));
    }
    org_billing::upsert_invoice(
        conn,
        &InvoiceRow {
            id: i.id.clone(),
            org_id: org_id.clone(),
            stripe_customer_id: i.customer.clone(),
            stripe_subscription_id: i.subscription.clone(),
            number: i.number.clone(),
            status: i.status.clone(),
            currency: i.currency.clone(),
            amount_due: i.amount_due,
            amount_paid: i.amount_paid,
            amount_remaining: i.amount_remaining,
            total: i.total,
            period_start: i.period_start,
            period_end: i.period_end,
            hosted_invoice_url: i.hosted_invoice_url.clone(),
            stripe_created: i.created,
        },
        now,
    )
    .await?;
    let acting = stripe_acting(&org_id)?;
    let facts = json!({
        "event_id": event.event_id,
        "invoice": i.id,
        "number": i.number,
        "amount": money(i.amount_due, &i.currency),
    });
    match kind {
        InvoiceEvent::Finalized => Ok(BillingApplied::done(&org_id, "invoice finalized", false)),
        InvoiceEvent::Paid => {
            audit::record(
                conn,
                &acting,
                AuditAction::BillingInvoicePaid,
                Target::Org(&org_id),
                facts,
                now,
            )
            .await?;
            // Paid while in good standing: a failure before it no longer starts a grace.
            let before = org_billing::find(conn, &org_id).await?;
            let changed = match before.as_ref() {
                Some(b) if b.payment_failed_at.is_some() && BillingStatus::parse(&b.status).in_good_standing() => {
                    let after = OrgBillingRow {
                        payment_failed_at: None,
                        ..b.clone()
                    };
                    save(conn, event, &org_id, before.as_ref(), after, now).await?
                }
                _ => false,
            };
            Ok(BillingApplied::done(&org_id, "invoice paid", changed))
        }
        InvoiceEvent::PaymentFailed => {
            audit::record(
                conn,
                &acting,
                AuditAction::BillingPaymentFailed,
                Target::Org(&org_id),
                facts,
                now,
            )
            .await?;
            // The grace period starts with the first failed payment since good standing,
            // whether this or the subscription's move to past_due arrives first.
            let before = org_billing::find(conn, &org_id).await?;
            let mut after = before.clone().unwrap_or_else(|| OrgBillingRow::empty(&org_id));
            if after.payment_failed_at.is_none() {
                after.payment_failed_at = Some(event.created_ms);
            }
            if let Some(customer) = i.customer.as_deref().filter(|_| after.stripe_customer_id.is_none()) {
                if let Ok(customer) = customer_for(conn, &org_id, customer).await? {
                    after.stripe_customer_id = Some(customer);
                }
            }
            let changed = save(conn, event, &org_id, before.as_ref(), after, now).await?;
            Ok(BillingApplied::done(&org_id, "invoice payment failed", changed))
        }
    }
}

async fn apply_customer(
    conn: &mut Conn,
    event: &BillingEvent,
    c: &CustomerFacts,
    kind: CustomerEvent,
    now: i64,
) -> Result<BillingApplied, sqlx::Error> {
    let Some(org_id) = resolve_org(conn, c.org_slug.as_deref(), Some(c.id.as_str())).await? else {
        return Ok(BillingApplied::unmatched());
    };
    if !is_newest(conn, &org_id, &c.id, event, now).await? {
        return Ok(BillingApplied::done(&org_id, "stale", false));
    }
    let before = org_billing::find(conn, &org_id).await?;
    let mut after = before.clone().unwrap_or_else(|| OrgBillingRow::empty(&org_id));
    match after.stripe_customer_id.as_deref() {
        // the org bills through another customer: this one is not its concern
        Some(linked) if linked != c.id => {
            return Ok(BillingApplied::done(&org_id, "customer: not the org's customer", false))
        }
        Some(_) => {}
        None => match customer_for(conn, &org_id, &c.id).await? {
            Ok(customer) => after.stripe_customer_id = Some(customer),
            Err(()) => return Ok(BillingApplied::done(&org_id, "customer linked to another org", false)),
        },
    }
    after.customer_email = c.email.clone();
    let outcome = match kind {
        CustomerEvent::Updated => "customer updated",
        CustomerEvent::Deleted => {
            after.customer_deleted_at = Some(event.created_ms);
            "customer deleted"
        }
    };
    let changed = save(conn, event, &org_id, before.as_ref(), after, now).await?;
    Ok(BillingApplied::done(&org_id, outcome, changed))
}

fn stripe_acting(org_id: &str) -> Result<Acting, sqlx::Error> {
    let org = OrgId::parse(org_id).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
    Ok(Acting::new(
        Actor::Webhook { provider: PROVIDER },
        Some(org),
        &RequestMeta::default(),
    ))
}

/// Writes `after` when it differs from `before`, with one `billing.changed` audit event
/// naming each changed field's before → after. `true` when something changed that the
/// texting decision reads (the caller then forgets the routing cache).
async fn save(
    conn: &mut Conn,
    event: &BillingEvent,
    org_id: &str,
    before: Option<&OrgBillingRow>,
    after: OrgBillingRow,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let empty = OrgBillingRow::empty(org_id);
    let was = before.unwrap_or(&empty);
    let changes = changes(was, &after);
    let email_changed = was.customer_email != after.customer_email;
    if changes.is_empty() && !email_changed && before.is_some() {
        return Ok(false);
    }
    org_billing::upsert(conn, &after, now).await?;
    if changes.is_empty() {
        return Ok(false);
    }
    audit::record(
        conn,
        &stripe_acting(org_id)?,
        AuditAction::BillingChanged,
        Target::Org(org_id),
        json!({
            "event_id": event.event_id,
            "event_type": event.event_type,
            "changes": Value::Object(changes),
        }),
        now,
    )
    .await?;
    Ok(true)
}

/// Each billing field that differs, as `{field: {before, after}}` (instants in RFC 3339).
/// The customer's email is not billing state and is left out.
fn changes(before: &OrgBillingRow, after: &OrgBillingRow) -> Map<String, Value> {
    let mut out = Map::new();
    let mut diff = |field: &str, b: Value, a: Value| {
        if b != a {
            out.insert(field.to_owned(), json!({ "before": b, "after": a }));
        }
    };
    let instant = |ms: Option<i64>| ms.map_or(Value::Null, |ms| Value::String(crate::ssr::audit::view::utc_time(ms)));
    diff("status", json!(before.status), json!(after.status));
    diff("plan", json!(before.plan), json!(after.plan));
    diff("price_id", json!(before.price_id), json!(after.price_id));
    diff(
        "stripe_customer_id",
        json!(before.stripe_customer_id),
        json!(after.stripe_customer_id),
    );
    diff(
        "stripe_subscription_id",
        json!(before.stripe_subscription_id),
        json!(after.stripe_subscription_id),
    );
    diff(
        "current_period_end",
        instant(before.current_period_end),
        instant(after.current_period_end),
    );
    diff(
        "cancel_at_period_end",
        json!(before.cancel_at_period_end),
        json!(after.cancel_at_period_end),
    );
    diff("trial_end", instant(before.trial_end), instant(after.trial_end));
    diff(
        "payment_failed_at",
        instant(before.payment_failed_at),
        instant(after.payment_failed_at),
    );
    diff(
        "customer_deleted_at",
        instant(before.customer_deleted_at),
        instant(after.customer_deleted_at),
    );
    out
}

/// An org's billing as every surface shows it.
#[derive(Debug, Clone)]
pub struct BillingState {
    /// `None`: never linked to Stripe.
    pub record: Option<OrgBillingRow>,
    pub status: BillingStatus,
    /// Stripe's own status code (`none` without a record).
    pub status_code: String,
    pub entitlement: Entitlement,
}

impl BillingState {
    /// The state of `record` at `now` under `policy`.
    pub fn of(record: Option<OrgBillingRow>, now: i64, policy: BillingPolicy) -> Self {
        let status_code = record.as_ref().map_or_else(|| "none".to_owned(), |r| r.status.clone());
        let status = BillingStatus::parse(&status_code);
        let failed = record.as_ref().and_then(|r| r.payment_failed_at);
        Self {
            entitlement: entitlement(status, failed, now, policy),
            record,
            status,
            status_code,
        }
    }

    pub fn plan(&self) -> Option<&str> {
        self.record.as_ref().and_then(|r| r.plan.as_deref())
    }

    pub fn current_period_end(&self) -> Option<i64> {
        self.record.as_ref().and_then(|r| r.current_period_end)
    }

    pub fn cancel_at_period_end(&self) -> bool {
        self.record.as_ref().is_some_and(|r| r.cancel_at_period_end)
    }

    pub fn customer(&self) -> Option<&str> {
        self.record.as_ref().and_then(|r| r.stripe_customer_id.as_deref())
    }

    /// The one JSON object `GET /api/v1/billing` and `callsnare billing show` print
    /// (instants RFC 3339 UTC or null).
    pub fn to_json(&self) -> Value {
        let instant = |ms: Option<i64>| ms.map(crate::ssr::audit::view::utc_time);
        json!({
            "status": self.status_code,
            "plan": self.plan(),
            "current_period_end": instant(self.current_period_end()),
            "cancel_at_period_end": self.cancel_at_period_end(),
            "trial_end": instant(self.record.as_ref().and_then(|r| r.trial_end)),
            "texting_paused": self.entitlement.texting_paused,
            "reason": self.entitlement.reason.as_str(),
            "grace_ends_at": instant(self.entitlement.grace_ends_at),
        })
    }
}

/// The org's billing state at `now`.
pub async fn state(
    conn: &mut Conn,
    org_id: &str,
    now: i64,
    policy: BillingPolicy,
) -> Result<BillingState, sqlx::Error> {
    Ok(BillingState::of(org_billing::find(conn, org_id).await?, now, policy))
}

/// What starting a Stripe session can fail with (never the secret key or Stripe's raw body).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StripeApiError {
    /// No `STRIPE_SECRET_KEY` (or no `STRIPE_PRICE_ID` for Checkout).
    #[error("billing is not configured on this server")]
    NotConfigured,
    /// Stripe refused or could not be reached; the detail is for the log only.
    #[error("Stripe could not start the session")]
    Failed(String),
}

/// A Checkout Session to create: a subscription to the configured price for the org.
#[derive(Debug, Clone)]
pub struct CheckoutRequest {
    pub org_slug: String,
    /// The org's Stripe customer, when it has one already (a returning subscriber).
    pub customer: Option<String>,
    pub success_url: String,
    pub cancel_url: String,
}

/// A session Stripe created: its id and where to send the owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StripeSession {
    pub id: String,
    pub url: String,
}

/// Stripe's API as the billing page needs it (the server implements it over HTTP at
/// `STRIPE_API_BASE` with `STRIPE_SECRET_KEY`; tests point it at a fake).
pub trait StripeApi: Send + Sync {
    /// Whether Checkout can be started (a price to subscribe to is configured).
    fn checkout_configured(&self) -> bool;

    fn create_checkout_session<'a>(
        &'a self,
        req: &'a CheckoutRequest,
    ) -> BoxFuture<'a, Result<StripeSession, StripeApiError>>;

    fn create_portal_session<'a>(
        &'a self,
        customer: &'a str,
        return_url: &'a str,
    ) -> BoxFuture<'a, Result<StripeSession, StripeApiError>>;
}

/// A date in the org's timezone (`Dec 31, 2026`).
fn local_date(ms: i64, tz: chrono_tz::Tz) -> String {
    use chrono::TimeZone;
    chrono::Utc
        .timestamp_millis_opt(ms)
        .single()
        .map(|t| t.with_timezone(&tz).format("%b %-d, %Y").to_string())
        .unwrap_or_default()
}

/// The billing page for the org of `org_id` (the caller checked the owner's permission).
pub async fn page(
    conn: &mut Conn,
    org_id: &str,
    stripe: Option<&dyn StripeApi>,
    policy: BillingPolicy,
    now: i64,
) -> Result<crate::models::billing::BillingView, sqlx::Error> {
    use crate::models::billing::{BillingView, InvoiceView};
    let tz = crate::domain::OrgTimezone::parse_or_utc(&orgs::get_timezone(conn, org_id).await?);
    let st = state(conn, org_id, now, policy).await?;
    let invoices = org_billing::list_invoices_for_org(conn, org_id, 24)
        .await?
        .into_iter()
        .map(|i| InvoiceView {
            number: i.number.clone().unwrap_or_else(|| i.id.clone()),
            date_label: local_date(i.stripe_created, tz),
            period_label: i
                .period_start
                .zip(i.period_end)
                .filter(|(a, b)| b > a)
                .map(|(a, b)| format!("{} – {}", local_date(a, tz), local_date(b, tz))),
            amount_label: money(i.total, &i.currency),
            status: i.status.clone(),
            hosted_invoice_url: i
                .hosted_invoice_url
                .clone()
                .filter(|u| u.starts_with("https://") || u.starts_with("http://")),
            id: i.id,
        })
        .collect();
    let running = matches!(
        st.status,
        BillingStatus::Active
            | BillingStatus::Trialing
            | BillingStatus::PastDue
            | BillingStatus::Unpaid
            | BillingStatus::Paused
            | BillingStatus::Incomplete
    );
    Ok(BillingView {
        status: st.status_code.clone(),
        status_label: st.status.label().to_owned(),
        plan: st.plan().map(str::to_owned),
        period_end_label: st.current_period_end().map(|ms| local_date(ms, tz)),
        cancel_at_period_end: st.cancel_at_period_end(),
        trial_end_label: st
            .record
            .as_ref()
            .and_then(|r| r.trial_end)
            .filter(|_| st.status == BillingStatus::Trialing)
            .map(|ms| local_date(ms, tz)),
        texting_paused: st.entitlement.texting_paused,
        reason: st.entitlement.reason.as_str().to_owned(),
        explanation: st.entitlement.reason.explain().to_owned(),
        grace_ends_label: st.entitlement.grace_ends_at.map(|ms| local_date(ms, tz)),
        invoices,
        stripe_configured: stripe.is_some(),
        can_subscribe: stripe.is_some_and(|s| s.checkout_configured()) && !running,
        can_manage: stripe.is_some() && st.customer().is_some(),
    })
}

/// The app frame's banner for an owner: `Some` when a payment failed or automated texts
/// are paused for billing.
pub async fn owner_notice(
    conn: &mut Conn,
    org_id: &str,
    policy: BillingPolicy,
    now: i64,
) -> Result<Option<String>, sqlx::Error> {
    let st = state(conn, org_id, now, policy).await?;
    if st.status == BillingStatus::None && !st.entitlement.texting_paused {
        return Ok(None);
    }
    let tz = crate::domain::OrgTimezone::parse_or_utc(&orgs::get_timezone(conn, org_id).await?);
    Ok(if st.entitlement.texting_paused {
        Some(format!(
            "Automated texts are paused: {}",
            st.entitlement.reason.explain()
        ))
    } else if st.status == BillingStatus::PastDue {
        Some(match st.entitlement.grace_ends_at {
            Some(ends) => format!(
                "A payment failed. Update your payment method by {} to keep automated texts going.",
                local_date(ends, tz)
            ),
            None => "A payment failed. Update your payment method to keep automated texts going.".to_owned(),
        })
    } else {
        None
    })
}

/// What an owner's click on "Subscribe" or "Manage billing" needs from the store: the
/// org's slug and Stripe customer.
pub async fn session_facts(conn: &mut Conn, org_id: &str) -> Result<(String, Option<String>), sqlx::Error> {
    let (slug, _) = orgs::get_slug_and_timezone(conn, org_id).await?;
    let customer = org_billing::find(conn, org_id)
        .await?
        .and_then(|r| r.stripe_customer_id);
    Ok((slug, customer))
}

/// Records that an owner was sent to Stripe (`action`: checkout started or portal opened).
pub async fn record_session(
    conn: &mut Conn,
    acting: &Acting,
    action: AuditAction,
    org_id: &str,
    session_id: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    audit::record(
        conn,
        acting,
        action,
        Target::Org(org_id),
        json!({ "session": session_id }),
        now,
    )
    .await
    .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(status: &str) -> OrgBillingRow {
        OrgBillingRow {
            status: status.to_owned(),
            ..OrgBillingRow::empty("org_1")
        }
    }

    #[test]
    fn changes_name_each_field_with_before_and_after() {
        let before = row("active");
        let mut after = row("past_due");
        after.payment_failed_at = Some(0);
        after.customer_email = Some("billing@acme.test".into());
        let c = changes(&before, &after);
        assert_eq!(c["status"], json!({"before": "active", "after": "past_due"}));
        assert_eq!(
            c["payment_failed_at"],
            json!({"before": null, "after": "1970-01-01T00:00:00.000Z"})
        );
        assert!(!c.contains_key("customer_email"), "not billing state");
        assert_eq!(c.len(), 2);
        assert!(changes(&before, &before).is_empty());
    }

    #[test]
    fn same_second_events_are_ranked_created_then_updated_then_deleted() {
        let sub = |k| BillingChange::Subscription(SubscriptionFacts::default(), k);
        assert!(rank(&sub(SubscriptionEvent::Created)) < rank(&sub(SubscriptionEvent::Updated)));
        assert!(rank(&sub(SubscriptionEvent::Updated)) < rank(&sub(SubscriptionEvent::Deleted)));
        assert_eq!(
            rank(&sub(SubscriptionEvent::Paused)),
            rank(&sub(SubscriptionEvent::Updated))
        );
        let inv = |k| BillingChange::Invoice(InvoiceFacts::default(), k);
        assert!(rank(&inv(InvoiceEvent::Finalized)) < rank(&inv(InvoiceEvent::PaymentFailed)));
        assert!(rank(&inv(InvoiceEvent::PaymentFailed)) < rank(&inv(InvoiceEvent::Paid)));
    }

    #[test]
    fn the_state_json_has_the_documented_fields() {
        let none = BillingState::of(None, 0, BillingPolicy::default()).to_json();
        assert_eq!(none["status"], "none");
        assert_eq!(none["plan"], Value::Null);
        assert_eq!(none["current_period_end"], Value::Null);
        assert_eq!(none["cancel_at_period_end"], false);
        assert_eq!(none["texting_paused"], false);
        assert_eq!(none["reason"], "not_billed");
        let mut r = row("canceled");
        r.plan = Some("Pro".into());
        r.current_period_end = Some(1_000);
        let gone = BillingState::of(Some(r), 0, BillingPolicy::default()).to_json();
        assert_eq!(gone["texting_paused"], true);
        assert_eq!(gone["reason"], "canceled");
        assert_eq!(gone["plan"], "Pro");
        assert_eq!(gone["current_period_end"], "1970-01-01T00:00:01.000Z");
    }
}
