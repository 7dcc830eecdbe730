//! What the billing page shows (`/app/billing`, owners only). Never a Stripe secret: only
//! the org's own subscription facts, its invoices and Stripe's hosted invoice links.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingView {
    /// Stripe's status code (`none`, `active`, `past_due` …).
    pub status: String,
    /// The status in words.
    pub status_label: String,
    pub plan: Option<String>,
    /// The current period's end in the org's timezone (a date).
    pub period_end_label: Option<String>,
    pub cancel_at_period_end: bool,
    pub trial_end_label: Option<String>,
    pub texting_paused: bool,
    /// `domain::billing::EntitlementReason` code.
    pub reason: String,
    /// What the state means for the office, in plain words.
    pub explanation: String,
    /// While a failed payment's grace lasts: when it ends.
    pub grace_ends_label: Option<String>,
    pub invoices: Vec<InvoiceView>,
    /// `STRIPE_SECRET_KEY` is set: the buttons can reach Stripe.
    pub stripe_configured: bool,
    /// "Subscribe" is offered (configured with a price, and no subscription running).
    pub can_subscribe: bool,
    /// "Manage billing" is offered (the org has a Stripe customer).
    pub can_manage: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceView {
    pub id: String,
    pub number: String,
    /// When Stripe created it, in the org's timezone.
    pub date_label: String,
    pub period_label: Option<String>,
    pub amount_label: String,
    pub status: String,
    /// Stripe's hosted invoice page.
    pub hosted_invoice_url: Option<String>,
}

/// A Stripe session the owner is sent to (Checkout or the Billing Portal).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingRedirectView {
    pub url: String,
}
