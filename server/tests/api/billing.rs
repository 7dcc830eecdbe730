//! Billing: Stripe's events at `/api/stripe/webhook` (signed by the official Python SDK and by
//! our own signer, checked against the shared test vectors), their order and idempotency,
//! what billing does to automated texts, the billing page and its Stripe sessions (a fake
//! Stripe API), `GET /api/v1/billing` and `callsnare billing show`.

use std::process::Command;

use serde_json::{json, Value};

use crate::{
    fake_stripe::{FakeStripe, PRICE_ID, SECRET_KEY},
    fake_twilio::FakeTwilio,
    helpers::{seed_member, seed_org, spawn_twilio_app, MissedCall, Signing, TestApp, CALLER},
};

/// The secrets the app is configured with: the current one and, during a rotation, the next.
const SECRET: &str = "whsec_primary_0123456789";
const NEXT_SECRET: &str = "whsec_rotated_9876543210";
const PATH: &str = "/api/stripe/webhook";
const CUSTOMER: &str = "cus_AcmeTest0001";
const SUB: &str = "sub_AcmeTest0001";

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The stripe/openapi fixtures (real shapes, synthetic values), from the shared test
/// vectors when present beside the project, else the copy in tests/fixtures.
fn fixtures() -> Value {
    let shared = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/test-vectors/stripe_fixtures3_subset.json"
    );
    let raw = std::fs::read_to_string(shared)
        .unwrap_or_else(|_| include_str!("../fixtures/stripe_fixtures3_subset.json").to_owned());
    serde_json::from_str::<Value>(&raw).expect("fixtures parse")["resources"].clone()
}

fn signature_vectors() -> Value {
    let shared = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/test-vectors/signatures.json");
    let raw =
        std::fs::read_to_string(shared).unwrap_or_else(|_| include_str!("../fixtures/signatures.json").to_owned());
    serde_json::from_str(&raw).expect("vectors parse")
}

fn metadata(org: Option<&str>) -> Value {
    match org {
        Some(org) => json!({ "callsnare_org": org }),
        None => json!({}),
    }
}

/// A subscription object in the shape of the pinned API version (periods on the items).
fn subscription(id: &str, customer: &str, status: &str, org: Option<&str>, period_end: i64) -> Value {
    let mut s = fixtures()["subscription"].clone();
    s["id"] = json!(id);
    s["customer"] = json!(customer);
    s["status"] = json!(status);
    s["metadata"] = metadata(org);
    s["cancel_at_period_end"] = json!(false);
    s["cancel_at"] = Value::Null;
    s["trial_end"] = Value::Null;
    let item = &mut s["items"]["data"][0];
    item["current_period_end"] = json!(period_end);
    item["current_period_start"] = json!(period_end - 30 * 86_400);
    item["subscription"] = json!(id);
    item["price"]["id"] = json!(PRICE_ID);
    item["price"]["nickname"] = json!("Pro");
    s
}

fn invoice(id: &str, customer: &str, org: Option<&str>, status: &str, amount: i64) -> Value {
    let mut i = fixtures()["invoice"].clone();
    i["id"] = json!(id);
    i["customer"] = json!(customer);
    i["status"] = json!(status);
    i["number"] = json!("ACME-0001");
    i["amount_due"] = json!(amount);
    i["amount_paid"] = json!(if status == "paid" { amount } else { 0 });
    i["amount_remaining"] = json!(if status == "paid" { 0 } else { amount });
    i["total"] = json!(amount);
    i["hosted_invoice_url"] = json!(format!("https://invoice.stripe.com/i/acct_test/{id}"));
    i["created"] = json!(now() - 60);
    i["period_start"] = json!(now() - 60);
    i["period_end"] = json!(now() + 30 * 86_400);
    i["parent"] = json!({
        "quote_details": null,
        "subscription_details": { "metadata": org.map(|o| json!({ "callsnare_org": o })), "subscription": SUB },
        "type": "subscription_details"
    });
    i
}

fn checkout_session(id: &str, customer: &str, subscription: &str, org: &str) -> Value {
    let mut c = fixtures()["checkout.session"].clone();
    c["id"] = json!(id);
    c["customer"] = json!(customer);
    c["subscription"] = json!(subscription);
    c["client_reference_id"] = json!(org);
    c["metadata"] = json!({});
    c["mode"] = json!("subscription");
    c["status"] = json!("complete");
    c
}

/// An event as Stripe sends it (compact JSON, like the API's own).
fn event(id: &str, kind: &str, created: i64, object: Value) -> String {
    json!({
        "id": id,
        "object": "event",
        "api_version": "2026-09-30.endive",
        "created": created,
        "data": { "object": object },
        "livemode": false,
        "pending_webhooks": 1,
        "request": { "id": null, "idempotency_key": null },
        "type": kind
    })
    .to_string()
}

/// Our own signer: `t=…,v1=…`.
fn ours(secret: &str, t: i64, body: &str) -> String {
    server::webhooks::stripe::signature::sign(secret.as_bytes(), t, body.as_bytes())
}

/// The official stripe-python SDK's signer (`scripts/setup.sh` installs stripe ≥ 15.5).
fn sdk(secret: &str, t: i64, body: &str) -> String {
    let script = "import sys, stripe\n\
        print(stripe.WebhookSignature.generate_signature_header(sys.argv[1], sys.argv[2], timestamp=int(sys.argv[3])))";
    let out = Command::new("python3")
        .args(["-c", script, body, secret, &t.to_string()])
        .output()
        .expect("python3 runs (scripts/setup.sh installs the stripe SDK)");
    assert!(
        out.status.success(),
        "stripe SDK (>= 15.5) missing? {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

async fn post(app: &TestApp, body: &str, signature: Option<&str>) -> reqwest::Response {
    let mut req = app
        .client
        .post(app.url(PATH))
        .header("content-type", "application/json; charset=utf-8")
        .header("user-agent", "Stripe/1.0 (+https://stripe.com/docs/webhooks)")
        .body(body.to_owned());
    if let Some(sig) = signature {
        req = req.header("stripe-signature", sig);
    }
    req.send().await.unwrap()
}

/// Posts `body` signed now with the primary secret by our signer; expects 200.
async fn deliver(app: &TestApp, body: &str) {
    let resp = post(app, body, Some(&ours(SECRET, now(), body))).await;
    let status = resp.status();
    assert_eq!(status, 200, "{}", resp.text().await.unwrap_or_default());
}

async fn spawn(extra: &[(&str, &str)]) -> (TestApp, FakeTwilio, FakeStripe) {
    let stripe = FakeStripe::start().await;
    let secrets = format!("{SECRET},{NEXT_SECRET}");
    let mut vars = vec![
        ("STRIPE_WEBHOOK_SECRET", secrets.as_str()),
        ("STRIPE_SECRET_KEY", SECRET_KEY),
        ("STRIPE_PRICE_ID", PRICE_ID),
        ("STRIPE_API_BASE", stripe.base.as_str()),
        // plain http, so a test client's session cookie is sent back
        ("CALLSNARE_PUBLIC_URL", "http://callsnare.test"),
    ];
    vars.extend_from_slice(extra);
    let (app, twilio) = spawn_twilio_app(&vars).await;
    (app, twilio, stripe)
}

async fn status_of(app: &TestApp) -> Option<String> {
    app::ssr::db::query_scalar("SELECT status FROM org_billing")
        .fetch_optional(&app.db)
        .await
        .unwrap()
}

async fn outcome_of(app: &TestApp, event_id: &str) -> String {
    app::ssr::db::query_scalar("SELECT outcome FROM webhook_events WHERE provider = 'stripe' AND idempotency_key = $1")
        .bind(event_id)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

/// A missed call from `from`, played as Twilio sends it.
async fn missed_call(app: &TestApp, n: u32, from: &str) {
    for (path, params) in MissedCall::new(n, from).sequence() {
        let resp = app.post_twilio(path, &params, Signing::Valid).await;
        assert_eq!(resp.status(), 200, "{path}");
    }
}

/// The org subscribes through Checkout: the session completes, then the subscription is
/// created active.
async fn subscribe(app: &TestApp, sub: &str) {
    let t = now();
    deliver(
        app,
        &event(
            &format!("evt_cs_{sub}"),
            "checkout.session.completed",
            t - 10,
            checkout_session(&format!("cs_test_{sub}"), CUSTOMER, sub, "acme"),
        ),
    )
    .await;
    deliver(
        app,
        &event(
            &format!("evt_created_{sub}"),
            "customer.subscription.created",
            t - 9,
            subscription(sub, CUSTOMER, "active", Some("acme"), t + 30 * 86_400),
        ),
    )
    .await;
}

#[tokio::test]
async fn a_subscription_created_through_checkout_makes_the_org_active_with_sdk_signed_events() {
    let (app, _twilio, _stripe) = spawn(&[]).await;
    let t = now();
    // Signed by the official SDK, with the second secret of the rotation.
    let completed = event(
        "evt_checkout_1",
        "checkout.session.completed",
        t - 5,
        checkout_session("cs_test_1", CUSTOMER, SUB, "acme"),
    );
    let sig = sdk(NEXT_SECRET, t, &completed);
    assert_eq!(sig, ours(NEXT_SECRET, t, &completed), "our signer agrees with the SDK");
    let resp = post(&app, &completed, Some(&sig)).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/json");
    assert_eq!(resp.json::<Value>().await.unwrap(), json!({"received": true}));
    assert_eq!(outcome_of(&app, "evt_checkout_1").await, "checkout linked");

    let period_end = t + 30 * 86_400;
    let created = event(
        "evt_sub_created_1",
        "customer.subscription.created",
        t - 4,
        subscription(SUB, CUSTOMER, "active", Some("acme"), period_end),
    );
    let resp = post(&app, &created, Some(&sdk(SECRET, t, &created))).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(outcome_of(&app, "evt_sub_created_1").await, "subscription active");

    let row: (String, Option<String>, Option<String>, Option<String>, Option<i64>, bool) = app::ssr::db::query_as(
        "SELECT status, plan, stripe_customer_id, stripe_subscription_id, current_period_end, cancel_at_period_end FROM org_billing",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(
        row,
        (
            "active".to_owned(),
            Some("Pro".to_owned()),
            Some(CUSTOMER.to_owned()),
            Some(SUB.to_owned()),
            Some(period_end * 1000),
            false
        )
    );
    // The evidence is the org's, verified, and the raw body is kept byte for byte.
    let (org, verdict, payload): (Option<String>, String, String) = app::ssr::db::query_as(
        "SELECT org_id, signature_verdict, payload FROM webhook_events WHERE idempotency_key = 'evt_sub_created_1'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!(org.is_some());
    assert_eq!(verdict, "valid");
    assert_eq!(payload, created);
    // Each change is an audit event with before → after, by the Stripe webhook.
    let audits: Vec<(String, String, Option<String>, String)> = app::ssr::db::query_as(
        "SELECT action, actor_kind, actor_id, metadata FROM audit_events WHERE action LIKE 'billing.%' ORDER BY occurred_at, id",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(audits.len(), 2, "{audits:?}");
    assert!(audits
        .iter()
        .all(|(a, k, id, _)| a == "billing.changed" && k == "webhook" && id.as_deref() == Some("stripe")));
    let last: Value = serde_json::from_str(&audits[1].3).unwrap();
    assert_eq!(last["changes"]["status"], json!({"before": "none", "after": "active"}));
    assert_eq!(last["event_id"], "evt_sub_created_1");
}

#[tokio::test]
async fn three_identical_deliveries_raced_change_the_subscription_once() {
    let (app, _twilio, _stripe) = spawn(&[]).await;
    let t = now();
    let body = event(
        "evt_raced",
        "customer.subscription.created",
        t - 3,
        subscription(SUB, CUSTOMER, "active", Some("acme"), t + 86_400),
    );
    let sig = ours(SECRET, t, &body);
    let (a, b, c) = tokio::join!(
        post(&app, &body, Some(&sig)),
        post(&app, &body, Some(&sig)),
        post(&app, &body, Some(&sig))
    );
    for resp in [a, b, c] {
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.json::<Value>().await.unwrap(), json!({"received": true}));
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM webhook_events WHERE provider = 'stripe'")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT duplicate_count FROM webhook_events WHERE idempotency_key = 'evt_raced'")
            .await,
        2
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'billing.changed'")
            .await,
        1
    );
    assert_eq!(status_of(&app).await.as_deref(), Some("active"));
    // A redelivery later (Stripe signs each retry anew) changes nothing either.
    deliver(&app, &body).await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'billing.changed'")
            .await,
        1
    );
}

#[tokio::test]
async fn an_older_update_arriving_after_a_newer_one_never_regresses_the_subscription() {
    let (app, _twilio, _stripe) = spawn(&[]).await;
    let t = now();
    let end = t + 86_400;
    deliver(
        &app,
        &event(
            "evt_created",
            "customer.subscription.created",
            t - 100,
            subscription(SUB, CUSTOMER, "active", Some("acme"), end),
        ),
    )
    .await;
    // Newer: past_due (created 50 s ago) arrives first…
    deliver(
        &app,
        &event(
            "evt_newer",
            "customer.subscription.updated",
            t - 50,
            subscription(SUB, CUSTOMER, "past_due", Some("acme"), end),
        ),
    )
    .await;
    // …then an older update (active, 80 s ago): stored as evidence, no change.
    deliver(
        &app,
        &event(
            "evt_older",
            "customer.subscription.updated",
            t - 80,
            subscription(SUB, CUSTOMER, "active", Some("acme"), end),
        ),
    )
    .await;
    assert_eq!(status_of(&app).await.as_deref(), Some("past_due"));
    assert_eq!(outcome_of(&app, "evt_older").await, "stale");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM webhook_events WHERE provider = 'stripe' AND org_id IS NOT NULL")
            .await,
        3
    );
    // The same second: an update outranks a creation whatever the delivery order.
    let other = "sub_SameSecond01";
    deliver(
        &app,
        &event(
            "evt_same_updated",
            "customer.subscription.updated",
            t - 10,
            subscription(other, CUSTOMER, "active", Some("acme"), end),
        ),
    )
    .await;
    deliver(
        &app,
        &event(
            "evt_same_created",
            "customer.subscription.created",
            t - 10,
            subscription(other, CUSTOMER, "incomplete", Some("acme"), end),
        ),
    )
    .await;
    assert_eq!(outcome_of(&app, "evt_same_created").await, "stale");
    assert_eq!(status_of(&app).await.as_deref(), Some("active"));
}

#[tokio::test]
async fn two_v1_values_of_which_only_the_second_matches_and_the_second_secret_are_accepted() {
    let (app, _twilio, _stripe) = spawn(&[]).await;
    let t = now();
    let body = event(
        "evt_rotation",
        "customer.subscription.created",
        t,
        subscription(SUB, CUSTOMER, "trialing", Some("acme"), t + 86_400),
    );
    let wrong = ours("whsec_retired_secret00", t, &body);
    let right = ours(NEXT_SECRET, t, &body);
    let header = format!(
        "{},v1={},v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39",
        wrong,
        right.split("v1=").nth(1).unwrap()
    );
    assert!(header.matches("v1=").count() == 2);
    let resp = post(&app, &body, Some(&header)).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(status_of(&app).await.as_deref(), Some("trialing"));
    // The header as it was received is the evidence.
    let kept: String =
        app::ssr::db::query_scalar("SELECT headers FROM webhook_events WHERE idempotency_key = 'evt_rotation'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(kept.contains(&header), "{kept}");
}

#[tokio::test]
async fn a_wrong_secret_a_stale_timestamp_or_a_bad_body_is_refused_and_nothing_is_stored() {
    let (app, _twilio, _stripe) = spawn(&[]).await;
    let t = now();
    let body = event(
        "evt_refused",
        "customer.subscription.created",
        t,
        subscription(SUB, CUSTOMER, "active", Some("acme"), t + 86_400),
    );
    let refused = [
        ("a wrong secret", Some(ours("whsec_somebody_else", t, &body))),
        ("301 s old", Some(sdk(SECRET, t - 301, &body))),
        // (ahead: 310 s, since the clock moves toward `t` while the earlier posts run)
        ("310 s ahead", Some(ours(SECRET, t + 310, &body))),
        (
            "no v1",
            Some(format!(
                "t={t},v0={}",
                ours(SECRET, t, &body).split("v1=").nth(1).unwrap()
            )),
        ),
        ("garbage", Some("not a signature".to_owned())),
        ("missing", None),
    ];
    for (what, sig) in &refused {
        let resp = post(&app, &body, sig.as_deref()).await;
        assert_eq!(resp.status(), 400, "{what}");
    }
    // Signed, but the body is tampered with after signing.
    let tampered = body.replace("\"active\"", "\"canceled\"");
    assert_eq!(post(&app, &tampered, Some(&ours(SECRET, t, &body))).await.status(), 400);
    // Signed, but not JSON / not a Stripe event.
    for bad in ["{\"id\": \"evt_", "[]", "{\"id\":\"evt_x\",\"object\":\"event\"}"] {
        assert_eq!(
            post(&app, bad, Some(&ours(SECRET, t, bad))).await.status(),
            400,
            "{bad}"
        );
    }
    // Over 512 KiB.
    let huge = format!("{{\"id\":\"evt_huge\",\"pad\":\"{}\"}}", "x".repeat(512 * 1024));
    assert_eq!(post(&app, &huge, Some(&ours(SECRET, t, &huge))).await.status(), 413);
    assert_eq!(app.count("SELECT COUNT(*) FROM webhook_events").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM org_billing").await, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action LIKE 'billing.%'")
            .await,
        0
    );
    // Only the bounded rejection log keeps them (never the body).
    let owner = app.new_client();
    app.sign_in(&owner, "owner@acme.test").await;
    let log = app.rpc_json(&owner, "evidence/rejections", &[]).await;
    let stripe: Vec<&Value> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["provider"] == "stripe")
        .collect();
    assert_eq!(stripe.len(), refused.len() + 5, "{log}");
    assert!(stripe.iter().all(|r| r["route"] == PATH));
    assert!(stripe.iter().any(|r| r["reason"] == "bad_signature"));
    assert!(stripe.iter().any(|r| r["reason"] == "malformed"));
    assert!(stripe.iter().any(|r| r["reason"] == "too_large"));
    assert!(!log.to_string().contains(SUB));
}

#[tokio::test]
async fn the_shared_vectors_payload_is_refused_as_signed_in_2018_and_accepted_re_signed_now() {
    let (app, _twilio, _stripe) = spawn(&[]).await;
    let v = signature_vectors();
    let vector = &v["stripe"]["async_stripe_invoiceitem_created"];
    let payload = vector["payload"].as_str().unwrap();
    // async-stripe's published header (secret `secret`, 2018): refused, nothing stored.
    assert_eq!(
        post(&app, payload, Some(vector["header"].as_str().unwrap()))
            .await
            .status(),
        400
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM webhook_events").await, 0);
    // The same bytes signed now by the official SDK (and identically by us) with a
    // configured secret: stored, acknowledged, not applied (a type CallSnare does not use).
    let t = now();
    let header = sdk(SECRET, t, payload);
    assert_eq!(header, ours(SECRET, t, payload));
    let resp = post(&app, payload, Some(&header)).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(outcome_of(&app, "evt_123").await, "ignored: invoiceitem.created");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM webhook_events WHERE idempotency_key = 'evt_123' AND org_id IS NULL")
            .await,
        1
    );
    // stripe-node's and stripe-python's test payloads are not events: signed, but 400.
    for name in ["stripe_node_payload_derived", "stripe_python_dummy_payload_derived"] {
        let body = v["stripe"][name]["payload"].as_str().unwrap();
        assert_eq!(
            post(&app, body, Some(&ours(SECRET, t, body))).await.status(),
            400,
            "{name}"
        );
    }
}

#[tokio::test]
async fn a_deleted_subscription_stops_text_backs_and_an_active_one_resumes_them() {
    let (app, twilio, _stripe) = spawn(&[]).await;
    subscribe(&app, SUB).await;
    let t = now();
    deliver(
        &app,
        &event(
            "evt_deleted",
            "customer.subscription.deleted",
            t - 5,
            subscription(SUB, CUSTOMER, "canceled", Some("acme"), t),
        ),
    )
    .await;
    assert_eq!(status_of(&app).await.as_deref(), Some("canceled"));

    // A missed call still opens a lead, with the reason on it, and no text goes out.
    missed_call(&app, 1, CALLER).await;
    assert_eq!(app.count("SELECT COUNT(*) FROM leads").await, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM calls WHERE outcome = 'missed' AND lead_id IS NOT NULL")
            .await,
        1
    );
    let skipped: String = app::ssr::db::query_scalar("SELECT detail FROM lead_events WHERE kind = 'text_back.skipped'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&skipped).unwrap()["decision"],
        "skipped_billing"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM messages").await, 0);
    let dial_outcome: String = app::ssr::db::query_scalar(
        "SELECT outcome FROM webhook_events WHERE route = '/api/twilio/voice/dial-complete'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!(dial_outcome.ends_with("text_back=skipped_billing"), "{dial_outcome}");
    // The inbox says it in plain words.
    let owner = app.new_client();
    app.sign_in(&owner, "owner@acme.test").await;
    let lead: String = app::ssr::db::query_scalar("SELECT id FROM leads")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let page = app.page(&owner, &format!("/app/leads/{lead}")).await;
    assert!(
        page.contains("Not texted: billing is paused"),
        "the lead's timeline says why"
    );
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(twilio.sent().is_empty(), "{:?}", twilio.sent());

    // The next event that makes a subscription active resumes text-backs at once.
    deliver(
        &app,
        &event(
            "evt_new_subscription",
            "customer.subscription.created",
            now(),
            subscription("sub_AcmeTest0002", CUSTOMER, "active", Some("acme"), now() + 86_400),
        ),
    )
    .await;
    assert_eq!(status_of(&app).await.as_deref(), Some("active"));
    missed_call(&app, 2, "+14155552672").await;
    let sent = twilio.wait_for_sent(1).await;
    assert_eq!(sent[0].to, "+14155552672");
}

#[tokio::test]
async fn an_old_subscription_ending_never_downgrades_an_org_that_moved_on() {
    let (app, _twilio, _stripe) = spawn(&[]).await;
    subscribe(&app, "sub_New000000001").await;
    deliver(
        &app,
        &event(
            "evt_old_deleted",
            "customer.subscription.deleted",
            now(),
            subscription("sub_Old000000001", CUSTOMER, "canceled", Some("acme"), now()),
        ),
    )
    .await;
    assert_eq!(status_of(&app).await.as_deref(), Some("active"));
    assert!(outcome_of(&app, "evt_old_deleted").await.starts_with("ignored:"));
}

#[tokio::test]
async fn an_event_for_an_unknown_customer_is_stored_as_unmatched_and_acknowledged() {
    let (app, _twilio, _stripe) = spawn(&[]).await;
    let t = now();
    let body = event(
        "evt_stranger",
        "customer.subscription.updated",
        t,
        subscription("sub_Stranger0001", "cus_Stranger0001", "active", None, t + 86_400),
    );
    let resp = post(&app, &body, Some(&sdk(SECRET, t, &body))).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(outcome_of(&app, "evt_stranger").await, "unmatched");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM webhook_events WHERE idempotency_key = 'evt_stranger' AND org_id IS NULL")
            .await,
        1
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM org_billing").await, 0);
    // An org named in metadata that does not exist is unmatched too.
    let body = event(
        "evt_no_such_org",
        "customer.subscription.updated",
        t,
        subscription(
            "sub_Stranger0002",
            "cus_Stranger0002",
            "active",
            Some("nobody"),
            t + 86_400,
        ),
    );
    deliver(&app, &body).await;
    assert_eq!(outcome_of(&app, "evt_no_such_org").await, "unmatched");
}

#[tokio::test]
async fn a_failed_payment_starts_the_grace_with_a_banner_and_texts_pause_when_it_ends() {
    // Grace of 0 days: a failed payment pauses texts at once.
    let (app, twilio, _stripe) = spawn(&[("CALLSNARE_BILLING_GRACE_DAYS", "0")]).await;
    subscribe(&app, SUB).await;
    deliver(
        &app,
        &event(
            "evt_failed",
            "invoice.payment_failed",
            now(),
            invoice("in_Failed0000001", CUSTOMER, Some("acme"), "open", 4900),
        ),
    )
    .await;
    deliver(
        &app,
        &event(
            "evt_past_due",
            "customer.subscription.updated",
            now(),
            subscription(SUB, CUSTOMER, "past_due", Some("acme"), now() + 86_400),
        ),
    )
    .await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM org_billing WHERE status = 'past_due' AND payment_failed_at IS NOT NULL")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'billing.payment_failed'")
            .await,
        1
    );
    let owner = app.new_client();
    app.sign_in(&owner, "owner@acme.test").await;
    let home = app.page(&owner, "/app").await;
    assert!(home.contains("billing-banner"), "the owner sees the banner");
    assert!(home.contains("Automated texts are paused"), "{home}");
    let key = api_key(&app, &owner).await;
    let billing: Value = app
        .client
        .get(app.url("/api/v1/billing"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(billing["status"], "past_due");
    assert_eq!(billing["texting_paused"], true);
    assert_eq!(billing["reason"], "past_due_grace_over");
    missed_call(&app, 3, CALLER).await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM lead_events WHERE kind = 'text_back.skipped'")
            .await,
        1
    );
    // Paid: active again, and the invoice is listed with its hosted link.
    deliver(
        &app,
        &event(
            "evt_paid",
            "invoice.paid",
            now(),
            invoice("in_Failed0000001", CUSTOMER, Some("acme"), "paid", 4900),
        ),
    )
    .await;
    deliver(
        &app,
        &event(
            "evt_active_again",
            "customer.subscription.updated",
            now() + 1,
            subscription(SUB, CUSTOMER, "active", Some("acme"), now() + 86_400),
        ),
    )
    .await;
    let page = app.page(&owner, "/app/billing").await;
    assert!(
        page.contains("https://invoice.stripe.com/i/acct_test/in_Failed0000001"),
        "{page}"
    );
    assert!(page.contains("$49.00"));
    assert!(!page.contains("billing-banner"));
    missed_call(&app, 4, "+14155552673").await;
    twilio.wait_for_sent(1).await;
}

#[tokio::test]
async fn during_the_grace_everything_works_and_the_owner_is_warned() {
    let (app, twilio, _stripe) = spawn(&[]).await;
    subscribe(&app, SUB).await;
    deliver(
        &app,
        &event(
            "evt_past_due",
            "customer.subscription.updated",
            now(),
            subscription(SUB, CUSTOMER, "past_due", Some("acme"), now() + 86_400),
        ),
    )
    .await;
    let owner = app.new_client();
    app.sign_in(&owner, "owner@acme.test").await;
    let home = app.page(&owner, "/app").await;
    assert!(
        home.contains("A payment failed. Update your payment method by"),
        "{home}"
    );
    missed_call(&app, 5, CALLER).await;
    twilio.wait_for_sent(1).await;
    // Staff get no banner.
    seed_member(&app.db, "acme", "tech@acme.test", app::domain::Role::Staff).await;
    let staff = app.new_client();
    app.sign_in(&staff, "tech@acme.test").await;
    assert!(!app.page(&staff, "/app").await.contains("billing-banner"));
}

async fn api_key(app: &TestApp, owner: &reqwest::Client) -> String {
    let made = app
        .rpc_json(owner, "api_keys/create", &[("name", "Books"), ("billing_read", "1")])
        .await;
    made["secret"].as_str().expect("the secret, once").to_owned()
}

#[tokio::test]
async fn the_owner_subscribes_through_checkout_and_manages_billing_in_the_portal() {
    let (app, _twilio, stripe) = spawn(&[]).await;
    let owner = app.new_client();
    app.sign_in(&owner, "owner@acme.test").await;

    let resp = app.client.get(app.url("/app/billing")).send().await.unwrap();
    let csp = resp.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(
        csp.contains(&format!(
            "form-action 'self' https://checkout.stripe.com https://billing.stripe.com {}",
            stripe.base
        )),
        "{csp}"
    );
    let page = app.page(&owner, "/app/billing").await;
    assert!(page.contains("<h1>Billing</h1>"), "{page}");
    assert!(page.contains(r#"action="/rpc/billing/checkout""#));
    assert!(!page.contains(r#"action="/rpc/billing/portal""#), "no customer yet");
    assert!(!page.contains(SECRET_KEY) && !page.contains("sk_test_"));
    assert!(
        page.contains(r#"href="/app/billing""#),
        "the owner's navigation links it"
    );

    // Subscribe: a Checkout Session at Stripe, then a redirect to it.
    let resp = app.rpc_form(&owner, "billing/checkout", &[]).await;
    assert!(resp.status().is_redirection(), "{}", resp.status());
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(location, format!("{}/checkout/cs_test_fake0001", stripe.base));
    let created = stripe.created();
    assert_eq!(created.len(), 1);
    let form = &created[0].form;
    for (k, v) in [
        ("mode", "subscription"),
        ("line_items[0][price]", PRICE_ID),
        ("line_items[0][quantity]", "1"),
        ("client_reference_id", "acme"),
        ("metadata[callsnare_org]", "acme"),
        ("subscription_data[metadata][callsnare_org]", "acme"),
        ("success_url", "http://callsnare.test/app/billing?checkout=done"),
        ("cancel_url", "http://callsnare.test/app/billing?checkout=cancelled"),
    ] {
        assert_eq!(form.get(k).map(String::as_str), Some(v), "{k}: {form:?}");
    }
    assert!(!form.contains_key("customer"));
    assert_eq!(created[0].stripe_version.as_deref(), Some("2026-09-30.endive"));
    assert_eq!(stripe.bad_auth(), 0);
    // Without JavaScript the caller gets the URL.
    let json = app.rpc_json(&owner, "billing/checkout", &[]).await;
    assert!(json["url"].as_str().unwrap().starts_with(&stripe.base));

    // Managing billing needs a customer: refused before, a portal session after.
    let refused = app.rpc("billing/portal", &[]).await;
    assert_eq!(refused.status(), 401, "the shared client is not signed in");
    let refused = app.rpc_with(&owner, "billing/portal", &[]).await;
    assert_eq!(refused.status(), 409);
    subscribe(&app, SUB).await;
    let resp = app.rpc_form(&owner, "billing/portal", &[]).await;
    assert!(resp.status().is_redirection());
    assert!(resp.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with(&format!("{}/portal/", stripe.base)));
    let portal = stripe.created().pop().unwrap();
    assert_eq!(portal.kind, "portal");
    assert_eq!(portal.form.get("customer").map(String::as_str), Some(CUSTOMER));
    assert_eq!(
        portal.form.get("return_url").map(String::as_str),
        Some("http://callsnare.test/app/billing")
    );
    // A returning subscriber's Checkout names their customer.
    let page = app.page(&owner, "/app/billing").await;
    assert!(page.contains(r#"action="/rpc/billing/portal""#));
    assert!(page.contains("Renews on"));
    assert!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action IN ('billing.checkout_started', 'billing.portal_opened') AND actor_kind = 'user'")
            .await
            >= 3
    );

    // Stripe refusing is an error page, never its text or the key.
    stripe.fail_next();
    let resp = app.rpc_with(&owner, "billing/portal", &[]).await;
    assert_eq!(resp.status(), 500);
    let body = resp.text().await.unwrap();
    assert!(!body.contains("No such price") && !body.contains(SECRET_KEY), "{body}");
}

#[tokio::test]
async fn staff_and_admins_are_refused_billing_and_do_not_see_its_link() {
    let (app, _twilio, stripe) = spawn(&[]).await;
    for (email, role) in [
        ("tech@acme.test", app::domain::Role::Staff),
        ("office@acme.test", app::domain::Role::Admin),
    ] {
        seed_member(&app.db, "acme", email, role).await;
        let client = app.new_client();
        app.sign_in(&client, email).await;
        for endpoint in ["billing/page", "billing/checkout", "billing/portal"] {
            assert_eq!(
                app.rpc_with(&client, endpoint, &[]).await.status(),
                403,
                "{email} {endpoint}"
            );
        }
        let page = app.page(&client, "/app/billing").await;
        assert!(
            page.contains("You don&#x27;t have permission to do that.")
                || page.contains("You don't have permission to do that."),
            "{page}"
        );
        assert!(!page.contains(r#"action="/rpc/billing/checkout""#));
        assert!(!app.page(&client, "/app").await.contains(r#"href="/app/billing""#));
    }
    assert!(stripe.created().is_empty());
}

#[tokio::test]
async fn without_a_secret_key_the_page_explains_that_billing_is_not_configured() {
    let (app, _twilio) = spawn_twilio_app(&[("CALLSNARE_PUBLIC_URL", "http://callsnare.test")]).await;
    let owner = app.new_client();
    app.sign_in(&owner, "owner@acme.test").await;
    let page = app.page(&owner, "/app/billing").await;
    assert!(page.contains("Billing is not configured on this server"), "{page}");
    assert!(!page.contains(r#"action="/rpc/billing/checkout""#));
    assert_eq!(app.rpc_with(&owner, "billing/checkout", &[]).await.status(), 409);
    // Unaffected: an org never linked to Stripe keeps texting.
    let json = app.rpc_json(&owner, "billing/page", &[]).await;
    assert_eq!(json["status"], "none");
    assert_eq!(json["texting_paused"], false);
    assert_eq!(json["reason"], "not_billed");
}

#[tokio::test]
async fn billing_required_pauses_texts_of_orgs_without_a_subscription() {
    let (app, twilio, _stripe) = spawn(&[("CALLSNARE_BILLING_REQUIRED", "1")]).await;
    missed_call(&app, 6, CALLER).await;
    assert_eq!(app.count("SELECT COUNT(*) FROM leads").await, 1);
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM lead_events WHERE kind = 'text_back.skipped' AND detail LIKE '%skipped_billing%'"
        )
        .await,
        1
    );
    subscribe(&app, SUB).await;
    missed_call(&app, 7, "+14155552674").await;
    twilio.wait_for_sent(1).await;
}

#[tokio::test]
async fn billing_show_prints_one_json_object() {
    let (app, _twilio, _stripe) = spawn(&[]).await;
    let run = |org: &str| {
        Command::new(env!("CARGO_BIN_EXE_callsnare"))
            .args(["billing", "show", "--org", org])
            .env_clear()
            .env("DATABASE_URL", app.database_url.clone())
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .output()
            .expect("callsnare runs")
    };
    let out = run("acme");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let shown: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shown["status"], "none");
    assert_eq!(shown["reason"], "not_billed");
    subscribe(&app, SUB).await;
    let out = run("acme");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 1, "one JSON object: {stdout}");
    let shown: Value = serde_json::from_str(&stdout).unwrap();
    for field in [
        "status",
        "plan",
        "current_period_end",
        "cancel_at_period_end",
        "texting_paused",
        "reason",
    ] {
        assert!(shown.get(field).is_some(), "{field}: {shown}");
    }
    assert_eq!(shown["status"], "active");
    assert_eq!(shown["plan"], "Pro");
    assert_eq!(shown["texting_paused"], false);
    assert!(shown["current_period_end"].as_str().unwrap().ends_with('Z'));
    let out = run("nobody");
    assert_eq!(out.status.code(), Some(2));
}

#[tokio::test]
async fn an_invoice_naming_another_org_never_lands_there_when_its_customer_is_linked_elsewhere() {
    let (app, _twilio, _stripe) = spawn(&[]).await;
    seed_org(&app.db, "rival", "Rival HVAC", "+14155550199", &["+14155550198"]).await;
    subscribe(&app, SUB).await;
    // acme's customer, with metadata (wrongly) naming the rival org
    deliver(
        &app,
        &event(
            "evt_misfiled",
            "invoice.paid",
            now(),
            invoice("in_Misfiled00001", CUSTOMER, Some("rival"), "paid", 4900),
        ),
    )
    .await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM billing_invoices i JOIN orgs o ON o.id = i.org_id WHERE o.slug = 'rival'")
            .await,
        0
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM webhook_events WHERE provider = 'stripe' AND outcome LIKE '%another org%'")
            .await,
        1
    );
}
