//! Billing's vocabulary and its one rule: whether an org's automated texts are paused.
//!
//! [`entitlement`] is a pure function of the org's stored subscription status, when its
//! grace period started, the time and the operator's [`BillingPolicy`]. Everything that
//! sends an automated text (the text-back, escalation texts, the outbox worker) and
//! everything that shows billing (the billing page, its banner, `GET /api/v1/billing`,
//! `callsnare billing show`) asks it, so they cannot disagree.
//!
//! - An org never linked to Stripe (status `none`) is unaffected — a self-hosted office does
//!   not bill itself — unless billing is required (`CALLSNARE_BILLING_REQUIRED=1`), which
//!   asks every org for an active or trialing subscription.
//! - `active`, `trialing`: everything works.
//! - `past_due`: everything works for the grace period (`CALLSNARE_BILLING_GRACE_DAYS`,
//!   default 7) counted from the first failed payment; owners see a banner.
//! - After the grace, and for `unpaid`, `canceled`, `incomplete_expired` and `paused`:
//!   calls are still forwarded, leads and evidence still recorded and the inbox still works,
//!   but automated texts are paused (recorded on the lead as skipped for billing). They
//!   resume with the next event that makes the subscription active.
//! - `incomplete` (the first payment is being made) and statuses Stripe may add later are
//!   not paused unless billing is required: a missed text-back loses a job.

use serde::{Deserialize, Serialize};

/// The metadata key (on the Customer, Subscription or Checkout Session) naming the org by
/// its slug. Checkout Sessions also carry the slug as `client_reference_id`.
pub const ORG_METADATA_KEY: &str = "callsnare_org";

/// Days of `past_due` before automated texts pause, unless configured.
pub const DEFAULT_GRACE_DAYS: u32 = 7;
/// The longest grace the configuration accepts.
pub const MAX_GRACE_DAYS: u32 = 90;

const DAY_MS: i64 = 86_400_000;

/// A subscription's status as Stripe names it, plus `None` before any subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BillingStatus {
    None,
    Incomplete,
    IncompleteExpired,
    Trialing,
    Active,
    PastDue,
    Canceled,
    Unpaid,
    Paused,
    /// A status this version does not know (Stripe may add some).
    Unknown,
}

impl BillingStatus {
    /// Stripe's code (`unknown` for one this version does not know).
    pub fn parse(s: &str) -> Self {
        match s {
            "" | "none" => BillingStatus::None,
            "incomplete" => BillingStatus::Incomplete,
            "incomplete_expired" => BillingStatus::IncompleteExpired,
            "trialing" => BillingStatus::Trialing,
            "active" => BillingStatus::Active,
            "past_due" => BillingStatus::PastDue,
            "canceled" => BillingStatus::Canceled,
            "unpaid" => BillingStatus::Unpaid,
            "paused" => BillingStatus::Paused,
            _ => BillingStatus::Unknown,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            BillingStatus::None => "none",
            BillingStatus::Incomplete => "incomplete",
            BillingStatus::IncompleteExpired => "incomplete_expired",
            BillingStatus::Trialing => "trialing",
            BillingStatus::Active => "active",
            BillingStatus::PastDue => "past_due",
            BillingStatus::Canceled => "canceled",
            BillingStatus::Unpaid => "unpaid",
            BillingStatus::Paused => "paused",
            BillingStatus::Unknown => "unknown",
        }
    }

    /// The status in a few words, for people.
    pub fn label(self) -> &'static str {
        match self {
            BillingStatus::None => "No subscription",
            BillingStatus::Incomplete => "First payment pending",
            BillingStatus::IncompleteExpired => "First payment never completed",
            BillingStatus::Trialing => "Free trial",
            BillingStatus::Active => "Active",
            BillingStatus::PastDue => "Payment overdue",
            BillingStatus::Canceled => "Cancelled",
            BillingStatus::Unpaid => "Unpaid",
            BillingStatus::Paused => "Paused",
            BillingStatus::Unknown => "Unknown",
        }
    }

    /// A status a subscription never leaves (a new subscription gets a new id).
    pub fn is_terminal(self) -> bool {
        matches!(self, BillingStatus::Canceled | BillingStatus::IncompleteExpired)
    }

    /// Active or trialing: in good standing (the grace clock stops).
    pub fn in_good_standing(self) -> bool {
        matches!(self, BillingStatus::Active | BillingStatus::Trialing)
    }
}

/// The operator's billing rules (`CALLSNARE_BILLING_REQUIRED`, `CALLSNARE_BILLING_GRACE_DAYS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BillingPolicy {
    /// Every org needs an active or trialing subscription (a hosted service), not only
    /// the orgs linked to Stripe.
    pub required: bool,
    /// Days a `past_due` subscription keeps everything working, from the first failed payment.
    pub grace_days: u32,
}

impl Default for BillingPolicy {
    fn default() -> Self {
        Self {
            required: false,
            grace_days: DEFAULT_GRACE_DAYS,
        }
    }
}

/// Why automated texts are (or are not) paused: stable codes (`reason` in the API and the
/// command line).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntitlementReason {
    /// Not linked to Stripe and billing not required: unaffected.
    NotBilled,
    /// Billing is required and the org has no subscription in good standing.
    SubscriptionRequired,
    Active,
    Trialing,
    /// The first payment is being made (not paused unless billing is required).
    Incomplete,
    /// Payment overdue, still inside the grace period.
    PastDueGrace,
    /// Payment overdue past the grace period.
    PastDueGraceOver,
    Unpaid,
    Canceled,
    IncompleteExpired,
    Paused,
    /// A status this version does not know (not paused unless billing is required).
    UnknownStatus,
}

impl EntitlementReason {
    pub fn as_str(self) -> &'static str {
        match self {
            EntitlementReason::NotBilled => "not_billed",
            EntitlementReason::SubscriptionRequired => "subscription_required",
            EntitlementReason::Active => "active",
            EntitlementReason::Trialing => "trialing",
            EntitlementReason::Incomplete => "incomplete",
            EntitlementReason::PastDueGrace => "past_due_grace",
            EntitlementReason::PastDueGraceOver => "past_due_grace_over",
            EntitlementReason::Unpaid => "unpaid",
            EntitlementReason::Canceled => "canceled",
            EntitlementReason::IncompleteExpired => "incomplete_expired",
            EntitlementReason::Paused => "paused",
            EntitlementReason::UnknownStatus => "unknown_status",
        }
    }

    /// What it means for the office, in plain words.
    pub fn explain(self) -> &'static str {
        match self {
            EntitlementReason::NotBilled => "This organisation is not billed: everything works.",
            EntitlementReason::SubscriptionRequired => {
                "A subscription is required. Calls are still forwarded and leads recorded, but automated texts are paused until you subscribe."
            }
            EntitlementReason::Active => "Your subscription is active: everything works.",
            EntitlementReason::Trialing => "You are on a free trial: everything works.",
            EntitlementReason::Incomplete => "Your first payment is being processed: everything works meanwhile.",
            EntitlementReason::PastDueGrace => {
                "A payment failed. Everything keeps working during the grace period; update your payment method to avoid a pause in automated texts."
            }
            EntitlementReason::PastDueGraceOver => {
                "A payment failed and the grace period is over. Calls are still forwarded and leads recorded, but automated texts (text-backs, escalation texts) are paused until the subscription is paid."
            }
            EntitlementReason::Unpaid => {
                "The subscription is unpaid. Calls are still forwarded and leads recorded, but automated texts are paused until it is paid."
            }
            EntitlementReason::Canceled => {
                "The subscription has ended. Calls are still forwarded and leads recorded, but automated texts are paused until you subscribe again."
            }
            EntitlementReason::IncompleteExpired => {
                "The first payment was never completed. Calls are still forwarded and leads recorded, but automated texts are paused until you subscribe."
            }
            EntitlementReason::Paused => {
                "The subscription is paused. Calls are still forwarded and leads recorded, but automated texts are paused until it resumes."
            }
            EntitlementReason::UnknownStatus => "Stripe reported a status CallSnare does not know; everything keeps working.",
        }
    }
}

/// What billing allows an org right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entitlement {
    /// Automated texts (text-backs, escalation texts) are paused; calls, leads, evidence
    /// and the inbox are not.
    pub texting_paused: bool,
    pub reason: EntitlementReason,
    /// While `past_due` in its grace: when the grace ends (ms).
    pub grace_ends_at: Option<i64>,
}

/// The rule (see the module docs). `payment_failed_at` is when the grace period started;
/// unknown, a `past_due` org is treated as just entering it.
pub fn entitlement(
    status: BillingStatus,
    payment_failed_at: Option<i64>,
    now: i64,
    policy: BillingPolicy,
) -> Entitlement {
    let paused = |reason| Entitlement {
        texting_paused: true,
        reason,
        grace_ends_at: None,
    };
    let works = |reason| Entitlement {
        texting_paused: false,
        reason,
        grace_ends_at: None,
    };
    match status {
        BillingStatus::Active => works(EntitlementReason::Active),
        BillingStatus::Trialing => works(EntitlementReason::Trialing),
        BillingStatus::PastDue => {
            let grace_ms = i64::from(policy.grace_days) * DAY_MS;
            let ends = payment_failed_at.unwrap_or(now).saturating_add(grace_ms);
            if now < ends {
                Entitlement {
                    texting_paused: false,
                    reason: EntitlementReason::PastDueGrace,
                    grace_ends_at: Some(ends),
                }
            } else {
                paused(EntitlementReason::PastDueGraceOver)
            }
        }
        BillingStatus::Unpaid => paused(EntitlementReason::Unpaid),
        BillingStatus::Canceled => paused(EntitlementReason::Canceled),
        BillingStatus::IncompleteExpired => paused(EntitlementReason::IncompleteExpired),
        BillingStatus::Paused => paused(EntitlementReason::Paused),
        BillingStatus::None if policy.required => paused(EntitlementReason::SubscriptionRequired),
        BillingStatus::None => works(EntitlementReason::NotBilled),
        BillingStatus::Incomplete if policy.required => paused(EntitlementReason::SubscriptionRequired),
        BillingStatus::Incomplete => works(EntitlementReason::Incomplete),
        BillingStatus::Unknown if policy.required => paused(EntitlementReason::SubscriptionRequired),
        BillingStatus::Unknown => works(EntitlementReason::UnknownStatus),
    }
}

/// The decision a paused org's automated texts are recorded with on the lead.
pub const SKIPPED_FOR_BILLING: &str = "skipped_billing";

/// An amount in a currency's smallest unit as people read it (`$49.00`, `€12.50`,
/// `1200 JPY` for zero-decimal currencies).
pub fn money(amount: i64, currency: &str) -> String {
    let code = currency.to_ascii_lowercase();
    let zero_decimal = matches!(
        code.as_str(),
        "bif"
            | "clp"
            | "djf"
            | "gnf"
            | "jpy"
            | "kmf"
            | "krw"
            | "mga"
            | "pyg"
            | "rwf"
            | "ugx"
            | "vnd"
            | "vuv"
            | "xaf"
            | "xof"
            | "xpf"
    );
    if zero_decimal {
        return format!("{amount} {}", code.to_ascii_uppercase());
    }
    let sign = if amount < 0 { "-" } else { "" };
    let abs = amount.unsigned_abs();
    let figure = format!("{}.{:02}", abs / 100, abs % 100);
    match code.as_str() {
        "usd" => format!("{sign}${figure}"),
        "cad" => format!("{sign}CA${figure}"),
        "eur" => format!("{sign}€{figure}"),
        "gbp" => format!("{sign}£{figure}"),
        _ => format!("{sign}{figure} {}", code.to_ascii_uppercase()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000_000;
    const OPEN: BillingPolicy = BillingPolicy {
        required: false,
        grace_days: 7,
    };
    const REQUIRED: BillingPolicy = BillingPolicy {
        required: true,
        grace_days: 7,
    };

    fn e(status: &str, failed: Option<i64>, policy: BillingPolicy) -> Entitlement {
        entitlement(BillingStatus::parse(status), failed, NOW, policy)
    }

    #[test]
    fn orgs_never_linked_to_stripe_are_unaffected_unless_billing_is_required() {
        let free = e("none", None, OPEN);
        assert!(!free.texting_paused);
        assert_eq!(free.reason, EntitlementReason::NotBilled);
        let required = e("none", None, REQUIRED);
        assert!(required.texting_paused);
        assert_eq!(required.reason, EntitlementReason::SubscriptionRequired);
    }

    #[test]
    fn active_and_trialing_work_whatever_the_policy() {
        for policy in [OPEN, REQUIRED] {
            assert_eq!(e("active", None, policy).reason, EntitlementReason::Active);
            assert_eq!(e("trialing", None, policy).reason, EntitlementReason::Trialing);
            assert!(!e("active", Some(0), policy).texting_paused);
        }
    }

    #[test]
    fn past_due_works_for_the_grace_counted_from_the_first_failed_payment() {
        let failed = NOW - 3 * DAY_MS;
        let grace = e("past_due", Some(failed), OPEN);
        assert!(!grace.texting_paused);
        assert_eq!(grace.reason, EntitlementReason::PastDueGrace);
        assert_eq!(grace.grace_ends_at, Some(failed + 7 * DAY_MS));
        // exactly at the end of the grace: paused
        let over = e("past_due", Some(NOW - 7 * DAY_MS), OPEN);
        assert!(over.texting_paused);
        assert_eq!(over.reason, EntitlementReason::PastDueGraceOver);
        // a longer grace keeps it working
        let long = entitlement(
            BillingStatus::PastDue,
            Some(NOW - 7 * DAY_MS),
            NOW,
            BillingPolicy {
                required: false,
                grace_days: 10,
            },
        );
        assert!(!long.texting_paused);
        // no grace at all: paused at once
        let none = entitlement(
            BillingStatus::PastDue,
            Some(NOW),
            NOW,
            BillingPolicy {
                required: false,
                grace_days: 0,
            },
        );
        assert!(none.texting_paused);
        // unknown start: the grace starts now
        assert_eq!(e("past_due", None, OPEN).grace_ends_at, Some(NOW + 7 * DAY_MS));
    }

    #[test]
    fn ended_unpaid_and_paused_subscriptions_pause_texts() {
        for (status, reason) in [
            ("unpaid", EntitlementReason::Unpaid),
            ("canceled", EntitlementReason::Canceled),
            ("incomplete_expired", EntitlementReason::IncompleteExpired),
            ("paused", EntitlementReason::Paused),
        ] {
            for policy in [OPEN, REQUIRED] {
                let got = e(status, None, policy);
                assert!(got.texting_paused, "{status}");
                assert_eq!(got.reason, reason, "{status}");
            }
        }
    }

    #[test]
    fn incomplete_and_unknown_statuses_fail_open_unless_billing_is_required() {
        assert!(!e("incomplete", None, OPEN).texting_paused);
        assert!(!e("something_new", None, OPEN).texting_paused);
        assert_eq!(e("something_new", None, OPEN).reason, EntitlementReason::UnknownStatus);
        assert!(e("incomplete", None, REQUIRED).texting_paused);
        assert!(e("something_new", None, REQUIRED).texting_paused);
    }

    #[test]
    fn statuses_round_trip_and_reasons_have_codes_and_words() {
        for s in [
            "none",
            "incomplete",
            "incomplete_expired",
            "trialing",
            "active",
            "past_due",
            "canceled",
            "unpaid",
            "paused",
        ] {
            assert_eq!(BillingStatus::parse(s).as_str(), s);
        }
        assert_eq!(BillingStatus::parse("").as_str(), "none");
        let json = serde_json::to_string(&EntitlementReason::PastDueGraceOver).unwrap();
        assert_eq!(json, "\"past_due_grace_over\"");
        assert_eq!(EntitlementReason::PastDueGraceOver.as_str(), "past_due_grace_over");
        assert!(EntitlementReason::Canceled
            .explain()
            .contains("automated texts are paused"));
    }

    #[test]
    fn money_reads_like_an_invoice() {
        assert_eq!(money(4900, "usd"), "$49.00");
        assert_eq!(money(5, "eur"), "€0.05");
        assert_eq!(money(1200, "jpy"), "1200 JPY");
        assert_eq!(money(-250, "gbp"), "-£2.50");
        assert_eq!(money(1999, "sek"), "19.99 SEK");
    }
}
