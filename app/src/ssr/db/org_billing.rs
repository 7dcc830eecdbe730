//! The org's billing record (`org_billing`), its invoices (`billing_invoices`) and the
//! newest Stripe event applied to each billing object (`billing_object_versions`).

use super::Conn;

/// An org's billing record. No row: never linked to Stripe (status `none`).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OrgBillingRow {
    pub org_id: String,
    pub stripe_customer_id: Option<String>,
    pub stripe_subscription_id: Option<String>,
    pub price_id: Option<String>,
    /// The price's nickname or lookup key (its id when it has neither).
    pub plan: Option<String>,
    /// Stripe's subscription status, or `none`.
    pub status: String,
    pub current_period_end: Option<i64>,
    pub cancel_at_period_end: bool,
    pub trial_end: Option<i64>,
    /// When the grace period started (first failed payment since good standing).
    pub payment_failed_at: Option<i64>,
    pub customer_email: Option<String>,
    pub customer_deleted_at: Option<i64>,
    /// `created` (ms) of the newest Stripe event applied to this org.
    pub last_event_created: Option<i64>,
}

impl OrgBillingRow {
    /// The record of an org Stripe has just named.
    pub fn empty(org_id: &str) -> Self {
        Self {
            org_id: org_id.to_owned(),
            stripe_customer_id: None,
            stripe_subscription_id: None,
            price_id: None,
            plan: None,
            status: "none".to_owned(),
            current_period_end: None,
            cancel_at_period_end: false,
            trial_end: None,
            payment_failed_at: None,
            customer_email: None,
            customer_deleted_at: None,
            last_event_created: None,
        }
    }
}

const COLUMNS: &str =
    "org_id, stripe_customer_id, stripe_subscription_id, price_id, plan, status, current_period_end, \
     cancel_at_period_end, trial_end, payment_failed_at, customer_email, customer_deleted_at, last_event_created";

/// What an automated text's decision needs to know about the org's billing, read together
/// with the routing or outbox row (`LEFT JOIN org_billing b`, all NULL without a record).
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct BillingFacts {
    pub billing_status: Option<String>,
    pub billing_payment_failed_at: Option<i64>,
}

/// The [`BillingFacts`] columns of an `org_billing` joined as `b`.
pub const FACTS_COLUMNS: &str = "b.status AS billing_status, b.payment_failed_at AS billing_payment_failed_at";

impl BillingFacts {
    /// Whether the org's automated texts are paused at `now` under `policy`.
    pub fn texting_paused(&self, now: i64, policy: crate::domain::billing::BillingPolicy) -> bool {
        use crate::domain::billing::{entitlement, BillingStatus};
        let status = BillingStatus::parse(self.billing_status.as_deref().unwrap_or("none"));
        entitlement(status, self.billing_payment_failed_at, now, policy).texting_paused
    }
}

pub async fn find(conn: &mut Conn, org_id: &str) -> Result<Option<OrgBillingRow>, sqlx::Error> {
    crate::ssr::db::query_as(&format!("SELECT {COLUMNS} FROM org_billing WHERE org_id = $1"))
        .bind(org_id)
        .fetch_optional(conn)
        .await
}

/// The org a Stripe customer is linked to, if any.
pub async fn find_org_by_customer(conn: &mut Conn, customer_id: &str) -> Result<Option<String>, sqlx::Error> {
    crate::ssr::db::query_scalar("SELECT org_id FROM org_billing WHERE stripe_customer_id = $1")
        .bind(customer_id)
        .fetch_optional(conn)
        .await
}

/// Writes the whole record (insert, or replace every column).
pub async fn upsert(conn: &mut Conn, row: &OrgBillingRow, now: i64) -> Result<(), sqlx::Error> {
    crate::ssr::db::query(
        "INSERT INTO org_billing (org_id, stripe_customer_id, stripe_subscription_id, price_id, plan, status, \
             current_period_end, cancel_at_period_end, trial_end, payment_failed_at, customer_email, \
             customer_deleted_at, last_event_created, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) \
         ON CONFLICT (org_id) DO UPDATE SET stripe_customer_id = excluded.stripe_customer_id, \
             stripe_subscription_id = excluded.stripe_subscription_id, price_id = excluded.price_id, \
             plan = excluded.plan, status = excluded.status, current_period_end = excluded.current_period_end, \
             cancel_at_period_end = excluded.cancel_at_period_end, trial_end = excluded.trial_end, \
             payment_failed_at = excluded.payment_failed_at, customer_email = excluded.customer_email, \
             customer_deleted_at = excluded.customer_deleted_at, last_event_created = excluded.last_event_created, \
             updated_at = excluded.updated_at",
    )
    .bind(&row.org_id)
    .bind(&row.stripe_customer_id)
    .bind(&row.stripe_subscription_id)
    .bind(&row.price_id)
    .bind(&row.plan)
    .bind(&row.status)
    .bind(row.current_period_end)
    .bind(row.cancel_at_period_end)
    .bind(row.trial_end)
    .bind(row.payment_failed_at)
    .bind(&row.customer_email)
    .bind(row.customer_deleted_at)
    .bind(row.last_event_created)
    .bind(now)
    .execute(conn)
    .await
    .map(|_| ())
}

/// Records that `event_id` (created at `at` ms, ranked `rank` among events of the same
/// second) is the newest applied to `object_id`, unless a newer one was: `false` when the
/// event is older than the newest applied (or of the same second and a lower rank), and
/// so must change nothing. One statement, so two racing events cannot both win.
pub async fn advance_object(
    conn: &mut Conn,
    org_id: &str,
    object_id: &str,
    at: i64,
    rank: i64,
    event_id: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = crate::ssr::db::query(
        "INSERT INTO billing_object_versions (object_id, org_id, last_event_at, last_event_rank, last_event_id, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (object_id) DO UPDATE SET last_event_at = excluded.last_event_at, \
             last_event_rank = excluded.last_event_rank, last_event_id = excluded.last_event_id, \
             updated_at = excluded.updated_at \
         WHERE excluded.last_event_at > billing_object_versions.last_event_at \
            OR (excluded.last_event_at = billing_object_versions.last_event_at \
                AND excluded.last_event_rank >= billing_object_versions.last_event_rank)",
    )
    .bind(object_id)
    .bind(org_id)
    .bind(at)
    .bind(rank)
    .bind(event_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// An invoice as Stripe last described it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct InvoiceRow {
    pub id: String,
    pub org_id: String,
    pub stripe_customer_id: Option<String>,
    pub stripe_subscription_id: Option<String>,
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
    pub stripe_created: i64,
}

pub async fn upsert_invoice(conn: &mut Conn, inv: &InvoiceRow, now: i64) -> Result<(), sqlx::Error> {
    crate::ssr::db::query(
        "INSERT INTO billing_invoices (id, org_id, stripe_customer_id, stripe_subscription_id, number, status, currency, \
             amount_due, amount_paid, amount_remaining, total, period_start, period_end, hosted_invoice_url, \
             stripe_created, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16) \
         ON CONFLICT (id) DO UPDATE SET stripe_customer_id = excluded.stripe_customer_id, \
             stripe_subscription_id = excluded.stripe_subscription_id, number = excluded.number, \
             status = excluded.status, currency = excluded.currency, amount_due = excluded.amount_due, \
             amount_paid = excluded.amount_paid, amount_remaining = excluded.amount_remaining, \
             total = excluded.total, period_start = excluded.period_start, period_end = excluded.period_end, \
             hosted_invoice_url = excluded.hosted_invoice_url, stripe_created = excluded.stripe_created, \
             updated_at = excluded.updated_at \
         WHERE billing_invoices.org_id = excluded.org_id",
    )
    .bind(&inv.id)
    .bind(&inv.org_id)
    .bind(&inv.stripe_customer_id)
    .bind(&inv.stripe_subscription_id)
    .bind(&inv.number)
    .bind(&inv.status)
    .bind(&inv.currency)
    .bind(inv.amount_due)
    .bind(inv.amount_paid)
    .bind(inv.amount_remaining)
    .bind(inv.total)
    .bind(inv.period_start)
    .bind(inv.period_end)
    .bind(&inv.hosted_invoice_url)
    .bind(inv.stripe_created)
    .bind(now)
    .execute(conn)
    .await
    .map(|_| ())
}

/// The org's invoices, newest first, at most `limit`.
pub async fn list_invoices_for_org(conn: &mut Conn, org_id: &str, limit: i64) -> Result<Vec<InvoiceRow>, sqlx::Error> {
    crate::ssr::db::query_as(
        "SELECT id, org_id, stripe_customer_id, stripe_subscription_id, number, status, currency, amount_due, \
                amount_paid, amount_remaining, total, period_start, period_end, hosted_invoice_url, stripe_created \
         FROM billing_invoices WHERE org_id = $1 ORDER BY stripe_created DESC, id DESC LIMIT $2",
    )
    .bind(org_id)
    .bind(limit)
    .fetch_all(conn)
    .await
}
