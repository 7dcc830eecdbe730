//! The `/api/v1` writes over HTTP with real keys: `PATCH /leads/{id}`, `POST
//! /leads/{id}/messages`, `POST /leads/{id}/bookings`. The inbox's rules hold for a key as
//! for a member (opted out, quiet hours, past dates), every write is an audit record naming
//! the key, another org's lead is not found, a missing scope is named, and `Idempotency-Key`
//! makes a retry (even two racing requests) do the work once and answer the same bytes.

use app::{
    domain::{
        ids::{LeadId, OrgId},
        scope::Scope,
        E164Phone, LeadSource, OrgSlug,
    },
    ssr::{
        audit::view::utc_time,
        clock::now_ms,
        db::{self, leads, opt_outs, orgs},
        services::api_keys::{self, KeyAdmin, Keyring, NewKey},
    },
};
use reqwest::{header::HeaderMap, Method};
use secrecy::ExposeSecret;
use serde_json::{json, Value};

use crate::{
    fake_twilio::FakeTwilio,
    helpers::{chicago_ms, days_ahead, seed_org, spawn_twilio_app, TestApp},
};

const GLOBEX_NUMBER: &str = "+14155550200";
const CUSTOMER: &str = "+15125550188";
const OTHER_CUSTOMER: &str = "+15125550189";

/// Acme (with the fake Twilio) and Globex; Acme's texting hours open all day unless a test
/// says otherwise.
async fn setup() -> (TestApp, FakeTwilio) {
    let (app, twilio) = spawn_twilio_app(&[]).await;
    seed_org(&app.db, "globex", "Globex Cooling", GLOBEX_NUMBER, &["+14155550201"]).await;
    send_window(&app, 0, 1440).await;
    (app, twilio)
}

/// Every org's send window (texting hours), in minutes of the customer's day.
async fn send_window(app: &TestApp, start: i64, end: i64) {
    app::ssr::db::query("UPDATE routing_settings SET send_window_start_minute = $1, send_window_end_minute = $2")
        .bind(start)
        .bind(end)
        .execute(&app.db)
        .await
        .unwrap();
}

async fn org_id(app: &TestApp, slug: &str) -> String {
    let mut conn = app.db.acquire().await.unwrap();
    orgs::find_by_slug(&mut conn, &OrgSlug::parse(slug).unwrap())
        .await
        .unwrap()
        .unwrap()
        .id
}

/// A new lead of `slug` for `caller` (no call, no text yet): its id.
async fn seed_lead(app: &TestApp, slug: &str, caller: &str) -> String {
    let org = org_id(app, slug).await;
    let mut conn = app.db.acquire().await.unwrap();
    let (id, created) = leads::open_for_caller(
        &mut conn,
        &org,
        &E164Phone::parse(caller).unwrap(),
        LeadSource::MissedCall,
        None,
        None,
        now_ms(),
    )
    .await
    .unwrap();
    assert!(created);
    id.to_string()
}

/// A key of `slug` named `name` with `scopes`, made as the command line makes one: its id
/// and the whole key.
async fn issue(app: &TestApp, slug: &str, name: &str, scopes: &[Scope]) -> (String, String) {
    let ring = Keyring::load(&app.db, false).await.unwrap();
    let admin = KeyAdmin::cli(OrgId::parse(&org_id(app, slug).await).unwrap());
    let new = NewKey {
        name: name.into(),
        scopes: scopes.to_vec(),
        expires_in_days: None,
    };
    let mut tx = db::begin_write(&app.db).await.unwrap();
    let issued = api_keys::issue(&mut tx, &admin, &ring, &new, now_ms()).await.unwrap();
    tx.commit().await.unwrap();
    (issued.id.to_string(), issued.token.expose_secret().to_owned())
}

/// An answer as it came: status, headers, the body's bytes.
struct Answer {
    status: u16,
    headers: HeaderMap,
    bytes: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.bytes)))
    }
}

/// `method path` with `key`, a raw `body` sent as JSON, and an `Idempotency-Key` if given.
async fn raw(app: &TestApp, method: Method, key: &str, path: &str, body: &str, idem: Option<&str>) -> Answer {
    let mut req = app
        .client
        .request(method, app.url(path))
        .bearer_auth(key)
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(idem) = idem {
        req = req.header("Idempotency-Key", idem);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let bytes = resp.bytes().await.unwrap().to_vec();
    Answer { status, headers, bytes }
}

async fn call(app: &TestApp, method: Method, key: &str, path: &str, body: &Value) -> (u16, Value) {
    let a = raw(app, method, key, path, &body.to_string(), None).await;
    (a.status, a.json())
}

async fn get(app: &TestApp, key: &str, path: &str) -> (u16, Value) {
    let resp = app.client.get(app.url(path)).bearer_auth(key).send().await.unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

/// A 422 naming `field`.
fn names_field(body: &Value, field: &str) -> bool {
    body["error"]["code"] == "invalid" && body["error"]["field"] == field
}

async fn outbound_texts(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM messages WHERE direction = 'outbound'")
        .await
}

/// Audit records of `action` made by the key `key_id`.
async fn audited_by_key(app: &TestApp, action: &str, key_id: &str) -> i64 {
    app::ssr::db::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE action = $1 AND actor_kind = 'api_key' AND actor_id = $2",
    )
    .bind(action)
    .bind(key_id)
    .fetch_one(&app.db)
    .await
    .unwrap()
}

#[tokio::test]
async fn patch_changes_a_leads_status_notes_and_assignee_and_the_audit_trail_names_the_key() {
    let (app, _twilio) = setup().await;
    let lead = seed_lead(&app, "acme", CUSTOMER).await;
    let (key_id, key) = issue(&app, "acme", "Zapier", &[Scope::LeadsRead, Scope::LeadsWrite]).await;
    let path = format!("/api/v1/leads/{lead}");

    let (status, patched) = call(
        &app,
        Method::PATCH,
        &key,
        &path,
        &json!({"status": "contacted", "notes": "  Call back after 5  ", "name": "Dana"}),
    )
    .await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["id"], lead.as_str());
    assert_eq!(patched["status"], "contacted");
    assert_eq!(patched["notes"], "Call back after 5", "trimmed, as the form saves it");
    assert_eq!(patched["name"], "Dana");
    assert_eq!(patched["assigned_user_id"], Value::Null);
    let (_, read) = get(&app, &key, &path).await;
    assert_eq!(patched, read, "the answer is the lead as GET reads it");
    assert!(
        read["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["actor"] == "API key Zapier"),
        "the timeline names the key: {read}"
    );

    assert_eq!(audited_by_key(&app, "lead.status_changed", &key_id).await, 1);
    assert_eq!(audited_by_key(&app, "lead.edited", &key_id).await, 1);
    // The audit viewer's API names the key too.
    let (_, audit_key) = issue(&app, "acme", "Auditor", &[Scope::AuditRead]).await;
    let (status, trail) = get(&app, &audit_key, "/api/v1/audit-events?action=lead.status_changed").await;
    assert_eq!(status, 200, "{trail}");
    assert!(trail.to_string().contains(&key_id), "{trail}");

    // Assign to a member, then unassign; a stranger is refused by name.
    let owner: String = app::ssr::db::query_scalar(
        "SELECT m.user_id FROM memberships m JOIN orgs o ON o.id = m.org_id WHERE o.slug = 'acme' LIMIT 1",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    let (status, assigned) = call(&app, Method::PATCH, &key, &path, &json!({"assigned_user_id": owner})).await;
    assert_eq!(status, 200, "{assigned}");
    assert_eq!(assigned["assigned_user_id"], owner.as_str());
    assert_eq!(assigned["status"], "contacted", "what was not given is left alone");
    assert_eq!(assigned["notes"], "Call back after 5");
    let (status, unassigned) = call(&app, Method::PATCH, &key, &path, &json!({"assigned_user_id": null})).await;
    assert_eq!(status, 200, "{unassigned}");
    assert_eq!(unassigned["assigned_user_id"], Value::Null);
    assert_eq!(audited_by_key(&app, "lead.assigned", &key_id).await, 2);
    let stranger = format!("usr_{}", "0".repeat(32));
    let (status, refused) = call(&app, Method::PATCH, &key, &path, &json!({"assigned_user_id": stranger})).await;
    assert_eq!(status, 422, "{refused}");
    assert!(names_field(&refused, "assigned_user_id"), "{refused}");

    // Bad input, each refused naming what is wrong, nothing changed.
    for (body, field) in [
        (json!({"status": "done"}), "status"),
        (json!({"status": null}), "status"),
        (json!({"name": 5}), "name"),
        (json!({"name": "x".repeat(121)}), "name"),
        (json!({"assigned_user_id": "owner"}), "assigned_user_id"),
        (json!({"address": "1 Main St"}), "request_body"),
        (json!(["status", "lost"]), "request_body"),
    ] {
        let (status, refused) = call(&app, Method::PATCH, &key, &path, &body).await;
        assert_eq!(status, 422, "{body}: {refused}");
        assert!(names_field(&refused, field), "{body}: {refused}");
    }
    let (_, after) = get(&app, &key, &path).await;
    assert_eq!(after["status"], "contacted");
}

#[tokio::test]
async fn a_text_is_accepted_queued_and_sent_once() {
    let (app, twilio) = setup().await;
    let lead = seed_lead(&app, "acme", CUSTOMER).await;
    let (key_id, key) = issue(&app, "acme", "Dispatch", &[Scope::LeadsRead, Scope::MessagesSend]).await;

    let path = format!("/api/v1/leads/{lead}/messages");
    let (status, queued) = call(&app, Method::POST, &key, &path, &json!({"body": " On our way! "})).await;
    assert_eq!(status, 202, "{queued}");
    assert!(queued["id"].as_str().unwrap().starts_with("msg_"), "{queued}");
    assert_eq!(queued["status"], "queued");
    assert!(queued["send_at"].as_str().unwrap().ends_with('Z'), "{queued}");

    let sent = twilio.wait_for_sent(1).await;
    assert_eq!(sent[0].to, CUSTOMER);
    assert_eq!(sent[0].body, "On our way!");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(twilio.sent().len(), 1, "exactly one text");
    assert_eq!(outbound_texts(&app).await, 1);

    let (_, read) = get(&app, &key, &format!("/api/v1/leads/{lead}")).await;
    assert_eq!(read["status"], "contacted", "a new lead is contacted once texted");
    assert_eq!(
        read["assigned_user_id"],
        Value::Null,
        "a key assigns the lead to no one"
    );
    assert_eq!(audited_by_key(&app, "lead.replied", &key_id).await, 1);

    // The same words again (no Idempotency-Key) are a new text: the key meant it.
    let (status, again) = call(&app, Method::POST, &key, &path, &json!({"body": "On our way!"})).await;
    assert_eq!(status, 202, "{again}");
    assert_ne!(again["id"], queued["id"]);
    twilio.wait_for_sent(2).await;

    // Blank, too long, or missing: refused naming `body`.
    for body in [
        json!({"body": "   "}),
        json!({"body": "x".repeat(1601)}),
        json!({}),
        json!({"body": "hi", "schedule": "yes"}),
    ] {
        let (status, refused) = call(&app, Method::POST, &key, &path, &body).await;
        assert_eq!(status, 422, "{body}: {refused}");
        let field = if body.get("schedule").is_some() {
            "schedule"
        } else {
            "body"
        };
        assert!(names_field(&refused, field), "{body}: {refused}");
    }
}

#[tokio::test]
async fn an_opted_out_customer_is_refused_and_nothing_is_queued() {
    let (app, twilio) = setup().await;
    let lead = seed_lead(&app, "acme", CUSTOMER).await;
    let org = org_id(&app, "acme").await;
    {
        let mut conn = app.db.acquire().await.unwrap();
        opt_outs::set(&mut conn, &org, CUSTOMER, true, "stop", now_ms())
            .await
            .unwrap();
    }
    let (_, key) = issue(&app, "acme", "Dispatch", &[Scope::MessagesSend, Scope::BookingsWrite]).await;

    for schedule in [false, true] {
        let (status, refused) = call(
            &app,
            Method::POST,
            &key,
            &format!("/api/v1/leads/{lead}/messages"),
            &json!({"body": "Still need a visit?", "schedule": schedule}),
        )
        .await;
        assert_eq!(status, 409, "{refused}");
        assert_eq!(refused["error"]["code"], "opted_out", "{refused}");
    }
    // A booking that would text a confirmation is refused too, and nothing is booked.
    let (status, refused) = call(
        &app,
        Method::POST,
        &key,
        &format!("/api/v1/leads/{lead}/bookings"),
        &json!({
            "date": days_ahead(2).to_string(),
            "arrival_start": "09:00",
            "arrival_end": "11:00",
            "job_type": "no_heat",
            "send_confirmation": true,
        }),
    )
    .await;
    assert_eq!(status, 409, "{refused}");
    assert_eq!(refused["error"]["code"], "opted_out");

    assert_eq!(outbound_texts(&app).await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM sms_outbox").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM bookings").await, 0);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(twilio.sent().is_empty());
}

#[tokio::test]
async fn quiet_hours_refuse_a_text_unless_it_asks_to_be_scheduled() {
    let (app, twilio) = setup().await;
    // Texting hours that never open today: it is always quiet.
    send_window(&app, 0, 0).await;
    let lead = seed_lead(&app, "acme", CUSTOMER).await;
    let (_, key) = issue(&app, "acme", "Dispatch", &[Scope::MessagesSend]).await;
    let path = format!("/api/v1/leads/{lead}/messages");

    let (status, refused) = call(&app, Method::POST, &key, &path, &json!({"body": "Hello"})).await;
    assert_eq!(status, 409, "{refused}");
    assert_eq!(refused["error"]["code"], "quiet_hours");
    assert_eq!(outbound_texts(&app).await, 0);

    let before = now_ms();
    let (status, held) = call(
        &app,
        Method::POST,
        &key,
        &path,
        &json!({"body": "Hello", "schedule": true}),
    )
    .await;
    assert_eq!(status, 202, "{held}");
    assert_eq!(held["status"], "scheduled");
    let send_at = chrono::DateTime::parse_from_rfc3339(held["send_at"].as_str().unwrap())
        .unwrap()
        .timestamp_millis();
    assert!(send_at > before, "held until the window opens: {held}");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(twilio.sent().is_empty(), "nothing is sent before then");
    assert_eq!(outbound_texts(&app).await, 1);
}

#[tokio::test]
async fn a_key_without_the_scope_of_a_write_is_refused_naming_it() {
    let (app, _twilio) = setup().await;
    let lead = seed_lead(&app, "acme", CUSTOMER).await;
    let (_, reader) = issue(&app, "acme", "Reader", &[Scope::LeadsRead, Scope::BookingsRead]).await;
    for (method, path, scope) in [
        (Method::POST, format!("/api/v1/leads/{lead}/messages"), "messages:send"),
        (Method::PATCH, format!("/api/v1/leads/{lead}"), "leads:write"),
        (Method::POST, format!("/api/v1/leads/{lead}/bookings"), "bookings:write"),
    ] {
        let (status, refused) = call(&app, method, &reader, &path, &json!({"body": "hi"})).await;
        assert_eq!(status, 403, "{path}: {refused}");
        assert_eq!(refused["error"]["code"], "insufficient_scope");
        assert_eq!(refused["error"]["scope"], scope);
        assert!(
            refused["error"]["message"].as_str().unwrap().contains(scope),
            "{refused}"
        );
    }
    assert_eq!(outbound_texts(&app).await, 0);
    // Without any key: 401 with a Bearer challenge, before the body is looked at.
    let resp = app
        .client
        .post(app.url(&format!("/api/v1/leads/{lead}/messages")))
        .body("not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert!(resp.headers().contains_key("www-authenticate"));
}

#[tokio::test]
async fn another_orgs_lead_is_not_found_and_left_alone() {
    let (app, twilio) = setup().await;
    let theirs = seed_lead(&app, "globex", OTHER_CUSTOMER).await;
    let (_, key) = issue(
        &app,
        "acme",
        "Everything",
        &[Scope::LeadsWrite, Scope::MessagesSend, Scope::BookingsWrite],
    )
    .await;
    let booking = json!({
        "date": days_ahead(2).to_string(),
        "arrival_start": "09:00",
        "arrival_end": "11:00",
        "job_type": "no_heat",
    });
    for (method, tail, body) in [
        (Method::PATCH, "", json!({"status": "spam"})),
        (Method::POST, "/messages", json!({"body": "hi"})),
        (Method::POST, "/bookings", booking.clone()),
    ] {
        let (status, other_org) = call(
            &app,
            method.clone(),
            &key,
            &format!("/api/v1/leads/{theirs}{tail}"),
            &body,
        )
        .await;
        assert_eq!(status, 404, "{tail}: {other_org}");
        let (status, unknown) = call(
            &app,
            method,
            &key,
            &format!("/api/v1/leads/{}{tail}", LeadId::new()),
            &body,
        )
        .await;
        assert_eq!(status, 404);
        assert_eq!(other_org, unknown, "indistinguishable from an id that does not exist");
        assert_eq!(other_org["error"]["code"], "not_found");
    }
    let status: String = app::ssr::db::query_scalar("SELECT status FROM leads WHERE id = $1")
        .bind(&theirs)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(status, "new");
    assert_eq!(outbound_texts(&app).await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM bookings").await, 0);
    assert!(twilio.sent().is_empty());
}

#[tokio::test]
async fn raced_posts_with_one_idempotency_key_send_one_text_and_answer_the_same() {
    let (app, twilio) = setup().await;
    let lead = seed_lead(&app, "acme", CUSTOMER).await;
    let (_, key) = issue(&app, "acme", "Dispatch", &[Scope::MessagesSend, Scope::LeadsWrite]).await;
    let path = format!("/api/v1/leads/{lead}/messages");
    let body = r#"{"body": "Your tech is 10 minutes out."}"#;
    let idem = "3f0c2a9e-4d1b-4e8a-9c7d-2b5e6f7a8b9c";

    let (first, second) = tokio::join!(
        raw(&app, Method::POST, &key, &path, body, Some(idem)),
        raw(&app, Method::POST, &key, &path, body, Some(idem)),
    );
    assert_eq!(first.status, 202, "{}", String::from_utf8_lossy(&first.bytes));
    assert_eq!(second.status, 202, "{}", String::from_utf8_lossy(&second.bytes));
    assert_eq!(first.bytes, second.bytes, "the same answer, byte for byte");
    let replays = [&first, &second]
        .iter()
        .filter(|a| a.headers.get("idempotent-replayed").is_some_and(|v| v == "true"))
        .count();
    assert_eq!(replays, 1, "one carried out, one answered again");

    twilio.wait_for_sent(1).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(twilio.sent().len(), 1, "one text");
    assert_eq!(outbound_texts(&app).await, 1);

    // Later, the same key and body: the same answer again, still one text.
    let again = raw(&app, Method::POST, &key, &path, body, Some(idem)).await;
    assert_eq!((again.status, &again.bytes), (202, &first.bytes));
    assert_eq!(outbound_texts(&app).await, 1);

    // The same key with another body, or on another route: refused, nothing done.
    let other = raw(
        &app,
        Method::POST,
        &key,
        &path,
        r#"{"body": "Running late."}"#,
        Some(idem),
    )
    .await;
    assert_eq!(other.status, 422);
    assert_eq!(other.json()["error"]["code"], "idempotency_key_reused");
    let patch = raw(
        &app,
        Method::PATCH,
        &key,
        &format!("/api/v1/leads/{lead}"),
        r#"{"status": "lost"}"#,
        Some(idem),
    )
    .await;
    assert_eq!(patch.status, 422);
    assert_eq!(patch.json()["error"]["code"], "idempotency_key_reused");
    assert_eq!(outbound_texts(&app).await, 1);

    // A refused request stores nothing: its key is free for the corrected request.
    send_window(&app, 0, 0).await;
    let quiet = raw(&app, Method::POST, &key, &path, body, Some("retry-me")).await;
    assert_eq!(quiet.status, 409);
    send_window(&app, 0, 1440).await;
    let fixed = raw(&app, Method::POST, &key, &path, body, Some("retry-me")).await;
    assert_eq!(fixed.status, 202, "{}", String::from_utf8_lossy(&fixed.bytes));
    assert!(fixed.headers.get("idempotent-replayed").is_none());

    // Keys must be 1 to 255 visible ASCII characters.
    let long = "k".repeat(256);
    for bad in ["", "has space", long.as_str()] {
        let refused = raw(&app, Method::POST, &key, &path, body, Some(bad)).await;
        assert_eq!(refused.status, 422, "{bad:?}");
        assert!(names_field(&refused.json(), "Idempotency-Key"), "{bad:?}");
    }
    let longest = "k".repeat(255);
    let ok = raw(&app, Method::POST, &key, &path, body, Some(&longest)).await;
    assert_eq!(ok.status, 202);

    // Keys are each API key's own: another key may use the same one.
    let (_, other_key) = issue(&app, "acme", "Other", &[Scope::MessagesSend]).await;
    let theirs = raw(&app, Method::POST, &other_key, &path, body, Some(idem)).await;
    assert_eq!(theirs.status, 202);
    assert_ne!(theirs.bytes, first.bytes);
}

#[tokio::test]
async fn a_booking_is_created_and_a_past_date_is_refused_by_name() {
    let (app, twilio) = setup().await;
    let lead = seed_lead(&app, "acme", CUSTOMER).await;
    let (key_id, key) = issue(&app, "acme", "Scheduler", &[Scope::BookingsWrite, Scope::BookingsRead]).await;
    let path = format!("/api/v1/leads/{lead}/bookings");
    let day = days_ahead(3);

    let (status, booked) = call(
        &app,
        Method::POST,
        &key,
        &path,
        &json!({
            "date": day.to_string(),
            "arrival_start": "09:00",
            "arrival_end": "11:00",
            "job_type": "no_heat",
            "address": " 12 Elm St ",
            "job_value_cents": 25000,
        }),
    )
    .await;
    assert_eq!(status, 201, "{booked}");
    assert!(booked["id"].as_str().unwrap().starts_with("bkg_"));
    assert_eq!(booked["lead_id"], lead.as_str());
    assert_eq!(booked["job_type"], "no_heat");
    assert_eq!(booked["address"], "12 Elm St");
    assert_eq!(booked["job_value_cents"], 25000);
    assert_eq!(booked["window_start"], utc_time(chicago_ms(day, 9, 0)).as_str());
    assert_eq!(booked["window_end"], utc_time(chicago_ms(day, 11, 0)).as_str());
    let (_, listed) = get(&app, &key, &format!("/api/v1/bookings?from={day}&to={day}")).await;
    assert_eq!(
        listed["data"][0], booked,
        "the answer is the booking as the list shows it"
    );
    let status: String = app::ssr::db::query_scalar("SELECT status FROM leads WHERE id = $1")
        .bind(&lead)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(status, "booked");
    assert_eq!(audited_by_key(&app, "lead.booked", &key_id).await, 1);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(twilio.sent().is_empty(), "no confirmation unless asked for");

    let yesterday = days_ahead(0) - chrono::Days::new(1);
    for (body, field) in [
        (
            json!({"date": yesterday.to_string(), "arrival_start": "09:00", "arrival_end": "11:00", "job_type": "no_heat"}),
            "date",
        ),
        (
            json!({"date": day.to_string(), "arrival_start": "11:00", "arrival_end": "09:00", "job_type": "no_heat"}),
            "arrival_end",
        ),
        (
            json!({"date": day.to_string(), "arrival_start": "9am", "arrival_end": "11:00", "job_type": "no_heat"}),
            "arrival_start",
        ),
        (
            json!({"date": day.to_string(), "arrival_start": "09:00", "arrival_end": "11:00", "job_type": "roof"}),
            "job_type",
        ),
        (
            json!({"date": day.to_string(), "arrival_start": "09:00", "arrival_end": "11:00", "job_type": "no_heat", "job_value_cents": -1}),
            "job_value_cents",
        ),
        (
            json!({"arrival_start": "09:00", "arrival_end": "11:00", "job_type": "no_heat"}),
            "date",
        ),
    ] {
        let (status, refused) = call(&app, Method::POST, &key, &path, &body).await;
        assert_eq!(status, 422, "{body}: {refused}");
        assert!(names_field(&refused, field), "{body}: {refused}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM bookings").await, 1);
}

#[tokio::test]
async fn bodies_too_large_malformed_or_not_json_get_the_error_shape() {
    let (app, _twilio) = setup().await;
    let lead = seed_lead(&app, "acme", CUSTOMER).await;
    let (_, key) = issue(&app, "acme", "Dispatch", &[Scope::MessagesSend]).await;
    let path = format!("/api/v1/leads/{lead}/messages");

    let huge = format!(r#"{{"body": "{}"}}"#, "x".repeat(65 * 1024));
    let too_large = raw(&app, Method::POST, &key, &path, &huge, None).await;
    assert_eq!(too_large.status, 413);
    assert_eq!(too_large.json()["error"]["code"], "payload_too_large");

    for malformed in [r#"{"body": "hi""#, "{body: 'hi'}", "", "[1, 2]"] {
        let refused = raw(&app, Method::POST, &key, &path, malformed, None).await;
        assert!(matches!(refused.status, 400 | 422), "{malformed:?}: {}", refused.status);
        let body = refused.json();
        assert_eq!(body["error"]["code"], "invalid", "{malformed:?}: {body}");
        assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
    }

    let form = app
        .client
        .post(app.url(&path))
        .bearer_auth(&key)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("body=hi")
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 415);
    let body: Value = form.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unsupported_media_type");
    assert_eq!(outbound_texts(&app).await, 0);
}
