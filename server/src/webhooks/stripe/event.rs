//! A verified Stripe event body → the billing service's [`BillingEvent`]. The envelope (id,
//! type, created) is read first, so a body that is not a Stripe event is refused (400) and
//! event types CallSnare does not use are stored without being parsed further. The types it
//! uses are parsed with async-stripe's generated types (`stripe_webhook::Event`, pinned to
//! the API version in [`API_VERSION`]) — after our own signature check, which accepts
//! several secrets at once: async-stripe checks one secret per call, so it is handed the
//! secret that matched (and the header's own timestamp) and re-checks that one; in sandbox
//! without a secret, `Webhook::insecure` parses without a check.

use std::collections::HashMap;

use app::{
    domain::billing::ORG_METADATA_KEY,
    ssr::services::billing::{
        BillingChange, BillingEvent, CheckoutFacts, CustomerEvent, CustomerFacts, InvoiceEvent, InvoiceFacts,
        SubscriptionEvent, SubscriptionFacts,
    },
};
use serde::Deserialize;
use stripe_webhook::{EventObject, Webhook};

/// The Stripe API version async-stripe's types are generated for. Stripe shapes a webhook's
/// payload by its endpoint's API version: create the endpoint with this version.
pub fn api_version() -> String {
    stripe_shared::version::VERSION.as_str().to_owned()
}

/// [`api_version`] as the README states it (a unit test keeps them equal).
pub const API_VERSION: &str = "2026-09-30.endive";

/// The event types CallSnare applies; any other is stored and answered 200.
pub const HANDLED: [&str; 12] = [
    "checkout.session.completed",
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "customer.subscription.paused",
    "customer.subscription.resumed",
    "customer.subscription.trial_will_end",
    "invoice.paid",
    "invoice.payment_failed",
    "invoice.finalized",
    "customer.updated",
    "customer.deleted",
];

/// What every Stripe event has, read before anything else.
#[derive(Debug, Deserialize)]
struct Envelope {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    created: i64,
}

/// The secret that verified the body and the header it was verified from.
pub struct Checked<'a> {
    pub secret: &'a str,
    pub header: &'a str,
    /// The header's `t`.
    pub timestamp: i64,
}

/// Parses a verified body. `Err` (answered 400) only for a body that is not a Stripe event.
pub fn parse(text: &str, checked: Option<Checked<'_>>) -> Result<BillingEvent, String> {
    let envelope: Envelope =
        serde_json::from_str(text).map_err(|_| "not a Stripe event (malformed JSON)".to_owned())?;
    if envelope.id.is_empty() || envelope.kind.is_empty() {
        return Err("not a Stripe event".to_owned());
    }
    let change = if HANDLED.contains(&envelope.kind.as_str()) {
        let parsed = match checked {
            Some(c) => Webhook::construct_event_with_timestamp(text, c.header, c.secret, c.timestamp),
            None => Webhook::insecure(text),
        };
        match parsed {
            Ok(event) => change(event.data.object),
            Err(err) => BillingChange::Unreadable(err.to_string()),
        }
    } else {
        BillingChange::Ignored
    };
    Ok(BillingEvent {
        event_id: envelope.id,
        event_type: envelope.kind,
        created_ms: envelope.created.saturating_mul(1000),
        change,
    })
}

fn org_of(metadata: Option<&HashMap<String, String>>) -> Option<String> {
    metadata
        .and_then(|m| m.get(ORG_METADATA_KEY))
        .filter(|s| !s.is_empty())
        .cloned()
}

fn ms(seconds: i64) -> i64 {
    seconds.saturating_mul(1000)
}

fn change(object: EventObject) -> BillingChange {
    use BillingChange as C;
    match object {
        EventObject::CheckoutSessionCompleted(s) => C::Checkout(checkout(&s)),
        EventObject::CustomerSubscriptionCreated(s) => C::Subscription(subscription(&s), SubscriptionEvent::Created),
        EventObject::CustomerSubscriptionUpdated(s) => C::Subscription(subscription(&s), SubscriptionEvent::Updated),
        EventObject::CustomerSubscriptionDeleted(s) => C::Subscription(subscription(&s), SubscriptionEvent::Deleted),
        EventObject::CustomerSubscriptionPaused(s) => C::Subscription(subscription(&s), SubscriptionEvent::Paused),
        EventObject::CustomerSubscriptionResumed(s) => C::Subscription(subscription(&s), SubscriptionEvent::Resumed),
        EventObject::CustomerSubscriptionTrialWillEnd(s) => {
            C::Subscription(subscription(&s), SubscriptionEvent::TrialWillEnd)
        }
        EventObject::InvoiceFinalized(i) => invoice(&i, InvoiceEvent::Finalized),
        EventObject::InvoicePaid(i) => invoice(&i, InvoiceEvent::Paid),
        EventObject::InvoicePaymentFailed(i) => invoice(&i, InvoiceEvent::PaymentFailed),
        EventObject::CustomerUpdated(c) => C::Customer(customer(&c), CustomerEvent::Updated),
        EventObject::CustomerDeleted(c) => C::Customer(customer(&c), CustomerEvent::Deleted),
        _ => C::Ignored,
    }
}

fn checkout(s: &stripe_shared::CheckoutSession) -> CheckoutFacts {
    CheckoutFacts {
        id: s.id.as_str().to_owned(),
        customer: s.customer.as_ref().map(|c| c.id().as_str().to_owned()),
        subscription: s.subscription.as_ref().map(|x| x.id().as_str().to_owned()),
        org_slug: org_of(s.metadata.as_ref()).or_else(|| s.client_reference_id.clone().filter(|r| !r.is_empty())),
    }
}

fn subscription(s: &stripe_shared::Subscription) -> SubscriptionFacts {
    let item = s.items.data.first();
    let price_id = item.map(|i| i.price.id.as_str().to_owned());
    let plan = item.map(|i| {
        i.price
            .nickname
            .clone()
            .or_else(|| i.price.lookup_key.clone())
            .unwrap_or_else(|| i.price.id.as_str().to_owned())
    });
    SubscriptionFacts {
        id: s.id.as_str().to_owned(),
        customer: s.customer.id().as_str().to_owned(),
        status: s.status.as_str().to_owned(),
        price_id,
        plan,
        // Since 2025-03-31 the billing period lives on the items.
        current_period_end: s.items.data.iter().map(|i| i.current_period_end).max().map(ms),
        cancel_at_period_end: s.cancel_at_period_end,
        trial_end: s.trial_end.map(ms),
        org_slug: org_of(Some(&s.metadata)),
    }
}

fn invoice(i: &stripe_shared::Invoice, kind: InvoiceEvent) -> BillingChange {
    let Some(id) = i.id.as_ref() else {
        return BillingChange::Unreadable("an invoice event without an invoice id".to_owned());
    };
    let parent = i.parent.as_ref().and_then(|p| p.subscription_details.as_ref());
    let facts = InvoiceFacts {
        id: id.as_str().to_owned(),
        customer: i.customer.as_ref().map(|c| c.id().as_str().to_owned()),
        subscription: parent
            .map(|d| d.subscription.id().as_str().to_owned())
            .or_else(|| i.subscription.as_ref().map(|s| s.id().as_str().to_owned())),
        org_slug: org_of(i.metadata.as_ref()).or_else(|| org_of(parent.and_then(|d| d.metadata.as_ref()))),
        number: i.number.clone(),
        status: i
            .status
            .as_ref()
            .map_or_else(|| "draft".to_owned(), |s| s.as_str().to_owned()),
        currency: i.currency.to_string(),
        amount_due: i.amount_due,
        amount_paid: i.amount_paid,
        amount_remaining: i.amount_remaining,
        total: i.total,
        period_start: Some(ms(i.period_start)),
        period_end: Some(ms(i.period_end)),
        hosted_invoice_url: i.hosted_invoice_url.clone(),
        created: ms(i.created),
    };
    BillingChange::Invoice(facts, kind)
}

fn customer(c: &stripe_shared::Customer) -> CustomerFacts {
    CustomerFacts {
        id: c.id.as_str().to_owned(),
        email: c.email.clone(),
        org_slug: org_of(c.metadata.as_ref()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_readme_names_the_api_version_async_stripe_is_pinned_to() {
        assert_eq!(api_version(), API_VERSION);
    }

    #[test]
    fn bodies_that_are_not_stripe_events_are_refused_and_unused_types_are_not_parsed() {
        assert!(parse("{not json", None).is_err());
        assert!(parse(r#"{"id":"evt_1","object":"event"}"#, None).is_err(), "no type");
        let other = parse(
            r#"{"id":"evt_1","object":"event","type":"invoiceitem.created","created":1533204620,"data":{"object":{}}}"#,
            None,
        )
        .unwrap();
        assert_eq!(other.event_id, "evt_1");
        assert_eq!(other.created_ms, 1_533_204_620_000);
        assert!(matches!(other.change, BillingChange::Ignored));
    }

    #[test]
    fn a_handled_type_whose_object_does_not_fit_is_stored_as_unreadable() {
        let odd = parse(
            r#"{"id":"evt_2","object":"event","type":"customer.subscription.updated","created":1,"livemode":false,"pending_webhooks":1,"data":{"object":{"id":"sub_1"}}}"#,
            None,
        )
        .unwrap();
        assert!(matches!(odd.change, BillingChange::Unreadable(_)), "{:?}", odd.change);
    }
}
