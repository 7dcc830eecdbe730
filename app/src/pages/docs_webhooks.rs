//! Public documentation: the provider callback routes. The routes listed are the evidence
//! viewer's route table ([`ROUTES`]), which a server test holds to the routes actually
//! served: Twilio's voice and messaging callbacks and Stripe's billing events.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    components::docs_layout::ContinueReading,
    domain::evidence::{RETENTION_DEFAULT_DAYS, RETENTION_MAX_DAYS, RETENTION_MIN_DAYS, ROUTES},
};

const NEXT: &[&str] = &["/docs/actions", "/docs/security", "/docs/permissions"];

/// Stripe's billing events.
pub const STRIPE_WEBHOOK_PATH: &str = "/api/stripe/webhook";

/// What the docs say about one provider callback route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteDoc {
    /// Where it is set up at the provider.
    pub configured_as: &'static str,
    /// The parameters that matter.
    pub ingests: &'static str,
    /// What CallSnare does with it.
    pub does: &'static str,
}

/// The docs for a served callback route; `None` for a route the docs do not know (a unit
/// test keeps every served route documented).
pub fn route_doc(path: &str) -> Option<RouteDoc> {
    let (configured_as, ingests, does) = match path {
        "/api/twilio/voice/inbound" => (
            "The tracked number's \u{201c}A call comes in\u{201d} webhook (HTTP POST) in Twilio's console.",
            "The call's CallSid, who is calling (From), the number called (To), the caller's region when Twilio knows it, and the carrier's caller-ID verdict.",
            "Finds the organisation that tracks the number, records the call and answers at once with TwiML: ring the office phones together while you are open, or play your after-hours greeting and queue the text-back when you are closed. A call to a number CallSnare does not track hears a short not-in-service message.",
        ),
        "/api/twilio/voice/dial-complete" => (
            "Set by CallSnare itself: the action of the <Dial> that rings your office phones.",
            "How the ringing ended (DialCallStatus) and how long the call lasted.",
            "Closes the call's outcome. Answered: nothing more to do. No answer, busy or failed: the call is missed, joins the caller's open lead (or starts one), and one text-back is queued.",
        ),
        "/api/twilio/voice/status" => (
            "The tracked number's \u{201c}Call status changes\u{201d} callback (HTTP POST) in Twilio's console.",
            "The call's status (ringing, in progress, completed, no answer \u{2026}) and Twilio's sequence number.",
            "Keeps the call's status current, never letting a late, out-of-order update move it backwards. A caller who hangs up before the office phones finish ringing counts as missed too, and gets the text-back. Updates about the office phones' own legs are kept as evidence only.",
        ),
        "/api/twilio/sms/inbound" => (
            "The tracked number's \u{201c}A message comes in\u{201d} webhook (HTTP POST) in Twilio's console.",
            "The MessageSid, the sender (From), the number texted (To), the text itself and Twilio's opt-out type.",
            "Attaches the text to the sender's open lead in the live inbox. STOP (or saying it plainly, like \u{201c}stop texting me\u{201d}) stops every further text until START; HELP is answered with who you are and how to reach you.",
        ),
        "/api/twilio/sms/status" => (
            "Set by CallSnare itself: the status callback of every text it sends.",
            "The MessageSid, its delivery status (queued, sent, delivered, failed \u{2026}) and any error code.",
            "Moves the text's delivery status forward (never backwards). When the carrier reports that the recipient has unsubscribed, they are marked opted out at once.",
        ),
        STRIPE_WEBHOOK_PATH => (
            "A webhook endpoint in Stripe's dashboard (Developers \u{2192} Webhooks), created with the API version in CallSnare's README, sending the subscription, checkout, invoice and customer events; its signing secret is STRIPE_WEBHOOK_SECRET.",
            "checkout.session.completed; customer.subscription.created, updated, deleted, paused, resumed and trial_will_end; invoice.paid, invoice.payment_failed and invoice.finalized; customer.updated and customer.deleted. Other types are stored and acknowledged.",
            "Synchronises subscription, checkout, invoice and customer billing state into the organisation's billing record and invoices: the organisation is the one the Checkout Session, Subscription or Customer names (its slug in metadata.callsnare_org, or the session's client_reference_id), or the one the Stripe customer is already linked to. Every change is an audit event. When the subscription has ended, is unpaid or paused, or a payment stays overdue past the grace period, automated texts pause (calls, leads and the inbox carry on) until the next event that makes it active.",
        ),
        _ => return None,
    };
    Some(RouteDoc {
        configured_as,
        ingests,
        does,
    })
}

#[component]
pub fn WebhooksDocPage() -> impl IntoView {
    view! {
        <Title text="Webhooks" />
        <article class="doc">
            <p class="eyebrow">"Docs / Webhooks"</p>
            <h1>"The webhook surface is provider-facing, auditable, and intentionally not a public event bus"</h1>
            <p class="lede">
                "CallSnare uses inbound provider callbacks for telephony and for billing. These routes ingest provider events, store evidence, drive the missed-call loop and keep billing in sync, without turning into a public outbound subscription layer."
            </p>
            <p>
                "The key distinction is simple: provider callbacks feed the product, but the product does not expose a public outbound event feed."
            </p>

            <section>
                <h2>"Callback model"</h2>
                <ol class="doc-steps">
                    <li>
                        <strong>"Voice callbacks close call outcomes."</strong>
                        " Inbound call, dial-complete and status events decide whether a call was answered, missed, abandoned or came after hours \u{2014} once, never regressing."
                    </li>
                    <li>
                        <strong>"Inbound texts keep the conversation current."</strong>
                        " Customer replies attach to the right lead, and STOP and START are honoured at once."
                    </li>
                    <li>
                        <strong>"Billing callbacks keep the subscription in sync."</strong>
                        " Stripe events reconcile subscriptions, checkout, invoices and customers into the organisation's billing records, in whatever order Stripe delivers them, never letting an older event undo a newer one."
                    </li>
                </ol>
                <ul>
                    <li>
                        <strong>"Provider callbacks only."</strong>
                        " These routes answer the phone provider and the payment provider, not customers or partners; they are not an integration API."
                    </li>
                    <li>
                        <strong>"At-least-once reality."</strong>
                        " Every delivery may come twice or in a storm of retries; nothing happens twice because of it."
                    </li>
                    <li>
                        <strong>"Evidence first."</strong>
                        " The payload is stored with what was done about it, so production questions never depend on guesswork."
                    </li>
                </ul>
            </section>

            <section>
                <h2 id="routes">"Current webhook surfaces"</h2>
                <p>
                    "Each route ingests one provider signal, ties it to the organisation it concerns, and keeps the evidence needed to explain it later. The Twilio routes are HTTP POST with Twilio's form encoding and answer TwiML; the Stripe route takes Stripe's JSON events and answers JSON."
                </p>
                {ROUTES
                    .into_iter()
                    .filter(|(path, _)| *path != STRIPE_WEBHOOK_PATH)
                    .map(|(path, label)| {
                        let doc = route_doc(path);
                        view! {
                            <div class="card doc-route" data-route=path>
                                <h3>{label}</h3>
                                <p>
                                    <code class="http-method">"POST"</code>
                                    " "
                                    <code>{path}</code>
                                </p>
                                {doc
                                    .map(|d| {
                                        view! {
                                            <dl class="doc-facts">
                                                <dt>"Set up as"</dt>
                                                <dd>{d.configured_as}</dd>
                                                <dt>"Ingests"</dt>
                                                <dd>{d.ingests}</dd>
                                                <dt>"Does"</dt>
                                                <dd>{d.does}</dd>
                                            </dl>
                                        }
                                    })}
                                <ul class="small">
                                    <li>"Provider callback, not a public customer API."</li>
                                    <li>"Signature-checked (" <code>"X-Twilio-Signature"</code> ") whenever a Twilio token is configured, and always in live mode."</li>
                                    <li>"Stored as evidence, idempotent under retries."</li>
                                </ul>
                            </div>
                        }
                    })
                    .collect_view()}
                {route_doc(STRIPE_WEBHOOK_PATH)
                    .map(|d| {
                        view! {
                            <div class="card doc-route" data-route=STRIPE_WEBHOOK_PATH data-planned="false">
                                <h3>"Billing: Stripe events"</h3>
                                <p>
                                    <code class="http-method">"POST"</code>
                                    " "
                                    <code>{STRIPE_WEBHOOK_PATH}</code>
                                </p>
                                <dl class="doc-facts">
                                    <dt>"Set up as"</dt>
                                    <dd>{d.configured_as}</dd>
                                    <dt>"Ingests"</dt>
                                    <dd>{d.ingests}</dd>
                                    <dt>"Does"</dt>
                                    <dd>{d.does}</dd>
                                </dl>
                                <ul class="small">
                                    <li>"Provider callback, not a public customer API."</li>
                                    <li>
                                        "Signature-checked (" <code>"Stripe-Signature"</code> ") against every secret in "
                                        <code>"STRIPE_WEBHOOK_SECRET"</code>
                                        " (several during a rotation) whenever one is configured, and always in live mode."
                                    </li>
                                    <li>"Uses event claiming to stay idempotent under retries: each Stripe event is claimed once by its id, so a redelivery changes nothing twice."</li>
                                    <li>"Stored as evidence, including events for no known organisation (kept as unmatched) and event types CallSnare does not use, so Stripe stops retrying them."</li>
                                </ul>
                            </div>
                        }
                    })}
            </section>

            <section>
                <h2 id="signatures">"Signature checking: live and sandbox"</h2>
                <ul>
                    <li>
                        <strong>"Live mode"</strong>
                        " (" <code>"CALLSNARE_LIVE=1"</code>
                        "): every Twilio callback must carry a valid " <code>"X-Twilio-Signature"</code>
                        ": an HMAC-SHA1, made with the account's auth token, over the public address CallSnare was configured with ("
                        <code>"CALLSNARE_PUBLIC_URL"</code>
                        ", never the request's Host header) plus the path, query and form fields. It is compared in constant time. A missing or wrong signature is refused with 403 before anything is parsed or stored. Live mode will not start without the token or with a public address that is not https."
                    </li>
                    <li>
                        <strong>"Token rotation."</strong>
                        " While Twilio's secondary token is configured too, callbacks signed with either are accepted, so promoting it in Twilio's console turns no call away."
                    </li>
                    <li>
                        <strong>"Sandbox mode"</strong>
                        " (for trying CallSnare out): signatures are still checked whenever a Twilio token is configured. Without one, unsigned callbacks are accepted only while the server listens on this machine alone and no public address leads to it; a sandbox reachable from a network refuses them with 403 unless its operator explicitly allows it ("
                        <code>"CALLSNARE_ALLOW_UNSIGNED_WEBHOOKS=1"</code>
                        ", which live mode refuses), and the server says so loudly when it starts."
                    </li>
                    <li>
                        <strong>"Stripe events"</strong>
                        " carry " <code>"Stripe-Signature"</code>
                        ": a timestamp and one HMAC-SHA256 (" <code>"v1"</code>
                        ") per active signing secret, over the timestamp and the raw body exactly as received. Every "
                        <code>"v1"</code> " is compared in constant time against every secret in "
                        <code>"STRIPE_WEBHOOK_SECRET"</code>
                        " (comma-separated while a secret is rolled), and the timestamp must be within 5 minutes of the server's clock. Anything else is refused with 400 before it is parsed or stored. Live mode checks them always, and will not start with a Stripe secret key but no webhook secret; in sandbox they are checked whenever a secret is set, with the same loopback rule as Twilio's otherwise."
                    </li>
                    <li>
                        "Every stored callback records its verdict: " <code>"valid"</code>
                        " (signed with a configured token or secret) or " <code>"not_checked"</code>
                        " (sandbox without one). Refused callbacks are never stored."
                    </li>
                </ul>
            </section>

            <section>
                <h2 id="retries">"Retries and idempotency"</h2>
                <ul>
                    <li>"Every callback gets a delivery key from the provider's own ids: a text's MessageSid; a call's CallSid together with the number called and the event (status updates also by status and sequence); a Stripe event's id. A call belongs to the organisation that owns the number, so another organisation's CallSid can never replay this one's."</li>
                    <li>"Stripe does not deliver events in order. Each billing object (customer, subscription, invoice, checkout session) remembers the newest event applied to it; an older one is stored as evidence and changes nothing. Two events of the same second are ordered by kind (a creation before an update before a deletion; an invoice's finalisation before a failed payment before its payment), and otherwise the later delivery wins."</li>
                    <li>"The first delivery claims its key. A retry of the same delivery changes nothing and gets the answer the first one got: one missed call gets one text-back, however many times Twilio asks."</li>
                    <li>"The evidence and everything the callback changes commit together, in one transaction. A 2xx answer means both are durably stored; if storage is unavailable the answer is 503, so the provider retries instead of believing it was handled."</li>
                    <li>"Answers are quick: texts are sent afterwards by the outbox, never while the provider waits."</li>
                    <li>
                        "Refused before anything is stored: a body over 64 KiB (512 KiB for Stripe events; 413), a malformed one (400), a bad or missing signature (403 for Twilio, 400 for Stripe, as Stripe expects), and traffic over the rate limit (429 with "
                        <code>"Retry-After"</code>
                        "; by default 100 callbacks a second per client address, bursts of 200)."
                    </li>
                </ul>
            </section>

            <section>
                <h2 id="evidence">"Evidence"</h2>
                <ul>
                    <li>"Each stored callback keeps its route, delivery key, signature verdict, the provider headers worth keeping (never cookies or credentials), the raw payload, the answer given, what was done and when, and the organisation it concerned."</li>
                    <li>
                        "Owners and admins read their organisation's callbacks on the evidence page in the app, and connected systems can with the "
                        <code>"evidence:read"</code> " scope (" <code>"GET /api/v1/webhook-events"</code>
                        "). Each call or text on a lead's timeline links to its evidence."
                    </li>
                    <li>"Refused callbacks belong to no organisation yet: the server keeps only the last 200 refusals in memory (reason, route and time, never the payload)."</li>
                    <li>
                        {format!(
                            "Payloads and headers are blanked once older than the organisation's retention ({} days unless an owner or admin sets between {} and {}); the record that the callback arrived, and what it did, stays. The audit trail is never pruned.",
                            RETENTION_DEFAULT_DAYS,
                            RETENTION_MIN_DAYS,
                            RETENTION_MAX_DAYS,
                        )}
                    </li>
                </ul>
            </section>

            <section>
                <h2 id="delivery">"Delivery model: no public outbound feed"</h2>
                <p>
                    "CallSnare ingests provider events. It does not publish a public outbound feed, and there is no way to subscribe to lead or booking events today."
                </p>
                <ul>
                    <li>"Current routes handle inbound provider callbacks and the product's own synchronisation, nothing else."</li>
                    <li>
                        "Systems that need to follow changes read them through the API with a scoped key (for example, leads updated since their last look); see "
                        <a href="/docs/agent-access">"Agent access"</a> "."
                    </li>
                    <li>"If CallSnare later delivers events outward, that surface will be tied to durable business records such as leads, bookings and escalations, and held to the same organisation-scoped, attributable discipline as the API."</li>
                </ul>
            </section>

            <section>
                <h2>"Design principle: persist facts before downstream work gets noisy"</h2>
                <ol class="doc-steps">
                    <li>"Persist first, so retries and duplicates are easy to reason about."</li>
                    <li>"Answer quickly enough for the provider instead of waiting on work that can follow."</li>
                    <li>"Keep the evidence, so support and engineering can reconstruct any event later."</li>
                </ol>
            </section>

            <ContinueReading
                intro="Webhook behaviour usually leads into the protected action surface, the credential rules and the broader trust boundaries."
                next=NEXT
            />
        </article>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_served_callback_route_is_documented() {
        for (path, _) in ROUTES {
            assert!(route_doc(path).is_some(), "{path} has no docs");
        }
        assert!(
            ROUTES.iter().any(|(path, _)| *path == STRIPE_WEBHOOK_PATH),
            "billing's callback is served and in the evidence viewer"
        );
    }
}
