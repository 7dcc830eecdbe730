//! The webhook evidence viewer over HTTP: a simulated missed call's stored callbacks listed
//! newest first with verdict, outcome and answer, one in full (form fields, kept headers,
//! answer, its lead), retries counted, the filters and cursor paging, the lead timeline's
//! links back, another org's evidence never shown, staff refused, bad input refused with
//! 422 and nothing changed, refused callbacks listed without their payloads, and the
//! retention job blanking old payloads without touching the audit trail.

use app::domain::Role;
use serde_json::Value;

use crate::{
    fake_twilio::FakeTwilio,
    helpers::{seed_member, seed_org, sms, spawn_twilio_app, MissedCall, Signing, TestApp, CALLER},
};

const OTHER_CALLER: &str = "+14155552672";

/// Acme with an owner, an admin and a staff member signed in (http public URL, so the
/// session cookies travel back to the test server).
async fn acme() -> (TestApp, FakeTwilio, [reqwest::Client; 3]) {
    let (app, twilio) = spawn_twilio_app(&[("CALLSNARE_PUBLIC_URL", "http://callsnare.test")]).await;
    seed_member(&app.db, "acme", "admin@acme.test", Role::Admin).await;
    seed_member(&app.db, "acme", "tech@acme.test", Role::Staff).await;
    let clients = [app.new_client(), app.new_client(), app.new_client()];
    for (client, email) in clients
        .iter()
        .zip(["owner@acme.test", "admin@acme.test", "tech@acme.test"])
    {
        app.sign_in(client, email).await;
    }
    (app, twilio, clients)
}

async fn play(app: &TestApp, steps: &[(&'static str, Vec<(String, String)>)]) {
    for (path, params) in steps {
        let resp = app.post_twilio(path, params, Signing::Valid).await;
        assert_eq!(resp.status(), 200, "{path}");
    }
}

async fn list(app: &TestApp, client: &reqwest::Client, filters: &[(&str, &str)]) -> Value {
    app.rpc_json(client, "evidence/list", filters).await
}

fn rows(list: &Value) -> &Vec<Value> {
    list["rows"].as_array().expect("rows")
}

fn routes(list: &Value) -> Vec<String> {
    rows(list)
        .iter()
        .map(|r| r["route"].as_str().unwrap().to_owned())
        .collect()
}

async fn lead_of(app: &TestApp, caller: &str) -> String {
    app::ssr::db::query_scalar("SELECT id FROM leads WHERE caller_number = $1")
        .bind(caller)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

fn field<'a>(detail: &'a Value, name: &str) -> Option<&'a str> {
    assert_eq!(detail["payload"]["kind"], "form", "{detail}");
    detail["payload"]["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|pair| pair[0] == name)
        .and_then(|pair| pair[1].as_str())
}

#[tokio::test]
async fn a_missed_calls_callbacks_are_listed_newest_first_in_full_and_linked_to_their_lead() {
    let (app, _twilio, [owner, admin, _staff]) = acme().await;
    let call = MissedCall::new(1, CALLER);
    play(&app, &call.sequence()).await;
    let lead = lead_of(&app, CALLER).await;

    let page = list(&app, &admin, &[]).await;
    assert_eq!(
        routes(&page),
        [
            "/api/twilio/voice/status",
            "/api/twilio/voice/dial-complete",
            "/api/twilio/voice/inbound"
        ],
        "newest first"
    );
    assert_eq!(page["retention_days"], 180);
    assert_eq!(page["timezone"], "America/Chicago");
    assert!(page["next_cursor"].is_null());
    for row in rows(&page) {
        assert_eq!(row["provider"], "twilio");
        assert_eq!(row["signature_verdict"], "valid");
        assert_eq!(row["duplicate_count"], 0);
        assert_eq!(row["sid"], call.sid.as_str());
        assert_eq!(
            row["lead_id"],
            lead.as_str(),
            "every callback of the call links to its lead"
        );
        assert!(row["idempotency_key"].as_str().unwrap().contains(&call.sid));
    }
    let dial = &rows(&page)[1];
    assert!(
        dial["outcome"].as_str().unwrap().starts_with("missed (no-answer)"),
        "{dial}"
    );

    // One in full: form fields decoded, the kept headers, the exact answer.
    let id = dial["id"].as_str().unwrap();
    let detail = app.rpc_json(&owner, "evidence/get", &[("event_id", id)]).await;
    assert_eq!(field(&detail, "DialCallStatus"), Some("no-answer"));
    assert_eq!(field(&detail, "From"), Some(CALLER));
    assert_eq!(field(&detail, "CallSid"), Some(call.sid.as_str()));
    let headers: Vec<&str> = detail["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h[0].as_str().unwrap())
        .collect();
    assert!(
        headers.contains(&"x-twilio-signature") && headers.contains(&"content-type"),
        "{headers:?}"
    );
    assert!(!headers
        .iter()
        .any(|h| h.contains("cookie") || h.contains("authorization")));
    let answer: String = app::ssr::db::query_scalar("SELECT response FROM webhook_events WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(detail["answer"], answer.as_str());
    assert!(answer.contains("<Response"), "{answer}");
    assert_eq!(detail["row"]["lead_id"], lead.as_str());

    // The page: the list links to the row, the row to its lead, and the lead back.
    let html = app.html(&admin, "/app/evidence").await;
    assert!(html.contains(&format!("event={id}")), "a link opens the row");
    assert!(html.contains(&format!("/app/leads/{lead}")));
    assert!(!html.contains("/pkg/callsnare.js"), "no hydration scripts: no wasm");
    let html = app.html(&admin, &format!("/app/evidence?event={id}")).await;
    assert!(
        html.contains("DialCallStatus") && html.contains("no-answer"),
        "form fields as a table"
    );
    assert!(html.contains(&format!("href=\"/app/leads/{lead}\"")));
    assert!(html.contains("&lt;Response"), "the answer is shown as text");

    let lead_detail = app.rpc_json(&admin, "leads/get", &[("lead_id", &lead)]).await;
    let call_item = lead_detail["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "call")
        .expect("the call on the timeline");
    let href = call_item["evidence_href"].as_str().expect("a link to its evidence");
    assert_eq!(href, format!("/app/evidence?sid={}", call.sid));
    let by_sid = list(&app, &admin, &[("sid", call.sid.as_str())]).await;
    assert_eq!(rows(&by_sid).len(), 3);
    let html = app.html(&admin, &format!("/app/leads/{lead}")).await;
    assert!(html.contains(href), "the lead page links to the evidence");
}

#[tokio::test]
async fn a_retry_is_counted_on_its_evidence_and_not_applied_again() {
    let (app, _twilio, [_owner, admin, _staff]) = acme().await;
    let call = MissedCall::new(2, CALLER);
    play(&app, &call.sequence()).await;
    let texts = app.count("SELECT COUNT(*) FROM messages").await;
    play(&app, &[call.dial("no-answer"), call.dial("no-answer")]).await;
    let page = list(&app, &admin, &[("route", "/api/twilio/voice/dial-complete")]).await;
    assert_eq!(rows(&page).len(), 1);
    assert_eq!(rows(&page)[0]["duplicate_count"], 2);
    assert_eq!(app.count("SELECT COUNT(*) FROM messages").await, texts);
}

#[tokio::test]
async fn the_filters_narrow_the_list_and_the_cursor_pages_through_it() {
    let (app, _twilio, [_owner, admin, _staff]) = acme().await;
    let first = MissedCall::new(3, CALLER);
    let second = MissedCall::new(4, OTHER_CALLER);
    play(&app, &first.sequence()).await;
    play(&app, &second.sequence()).await;
    play(
        &app,
        &[sms("SM00000000000000000000000000000001", CALLER, "Is anyone there?")],
    )
    .await;

    let all = list(&app, &admin, &[]).await;
    assert_eq!(rows(&all).len(), 7);
    let only = |l: &Value| rows(l).len();
    assert_eq!(
        only(&list(&app, &admin, &[("route", "/api/twilio/sms/inbound")]).await),
        1
    );
    assert_eq!(only(&list(&app, &admin, &[("outcome", "missed")]).await), 2);
    assert_eq!(only(&list(&app, &admin, &[("verdict", "valid")]).await), 7);
    assert_eq!(only(&list(&app, &admin, &[("verdict", "not_checked")]).await), 0);
    // the phone filter reads the payload's fields, as typed or in E.164
    assert_eq!(only(&list(&app, &admin, &[("phone", CALLER)]).await), 4);
    assert_eq!(only(&list(&app, &admin, &[("phone", "(415) 555-2672")]).await), 3);
    assert_eq!(only(&list(&app, &admin, &[("sid", second.sid.as_str())]).await), 3);
    let both = list(
        &app,
        &admin,
        &[("phone", CALLER), ("route", "/api/twilio/voice/inbound")],
    )
    .await;
    assert_eq!(only(&both), 1);

    // dates are the org's local days (Chicago): move one callback to 2026-01-15 noon there
    let sms_id = rows(&list(&app, &admin, &[("route", "/api/twilio/sms/inbound")]).await)[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app::ssr::db::query("UPDATE webhook_events SET received_at = $1 WHERE id = $2")
        .bind(1_768_500_000_000_i64) // 2026-01-15T18:00Z = noon in Chicago
        .bind(&sms_id)
        .execute(&app.db)
        .await
        .unwrap();
    let day = list(&app, &admin, &[("from", "2026-01-15"), ("to", "2026-01-15")]).await;
    assert_eq!(rows(&day).len(), 1);
    assert_eq!(rows(&day)[0]["id"], sms_id.as_str());
    assert_eq!(
        only(&list(&app, &admin, &[("from", "2026-01-16"), ("to", "2026-01-16")]).await),
        0
    );
    assert_eq!(only(&list(&app, &admin, &[("to", "2026-01-14")]).await), 0);

    // 60 more stored callbacks: pages of 50, newest first, no row twice
    let org: String = app::ssr::db::query_scalar("SELECT id FROM orgs WHERE slug = 'acme'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    for n in 0..60_i64 {
        app::ssr::db::query(
            "INSERT INTO webhook_events (id, org_id, provider, route, idempotency_key, signature_verdict, payload, outcome, received_at) \
             VALUES ($1, $2, 'twilio', '/api/twilio/sms/status', $3, 'valid', 'MessageSid=SMx', 'status delivered', $4)",
        )
        .bind(format!("whk_{:032x}", n + 1))
        .bind(&org)
        .bind(format!("sms.status:SM{n:032}:delivered:"))
        .bind(1_700_000_000_000_i64 + (n / 2) * 1000)
        .execute(&app.db)
        .await
        .unwrap();
    }
    let mut seen: Vec<(i64, String)> = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let args: Vec<(&str, &str)> = cursor.iter().map(|c| ("cursor", c.as_str())).collect();
        let page = list(&app, &admin, &args).await;
        pages += 1;
        assert!(rows(&page).len() <= 50);
        seen.extend(
            rows(&page)
                .iter()
                .map(|r| (r["received_at"].as_i64().unwrap(), r["id"].as_str().unwrap().to_owned())),
        );
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 2);
    assert_eq!(seen.len(), 67);
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    sorted.dedup();
    assert_eq!(seen, sorted, "newest first, each once");
}

#[tokio::test]
async fn bad_filters_and_settings_are_refused_with_422_and_change_nothing() {
    let (app, _twilio, [owner, admin, _staff]) = acme().await;
    play(&app, &MissedCall::new(5, CALLER).sequence()).await;
    for (name, value) in [
        ("cursor", "yesterday"),
        ("cursor", "1.whk_nothex"),
        ("from", "2026-13-01"),
        ("to", "15/01/2026"),
        ("phone", "call me"),
        ("route", "/api/elsewhere"),
        ("verdict", "forged"),
        ("sid", "CA' OR 1=1 --"),
    ] {
        let resp = app.rpc_with(&admin, "evidence/list", &[(name, value)]).await;
        assert_eq!(resp.status(), 422, "{name}={value}");
        let body = resp.text().await.unwrap();
        assert!(body.contains(name), "names the field: {body}");
    }
    let resp = app
        .rpc_with(&admin, "evidence/list", &[("from", "2026-02-02"), ("to", "2026-02-01")])
        .await;
    assert_eq!(resp.status(), 422);
    assert_eq!(
        app.rpc_with(&admin, "evidence/get", &[("event_id", "not an id")])
            .await
            .status(),
        422
    );

    let audits = app.count("SELECT COUNT(*) FROM audit_events").await;
    for days in ["6", "3651", "", "ninety", "30.5"] {
        let resp = app
            .rpc_with(&owner, "evidence/retention", &[("retention_days", days)])
            .await;
        assert_eq!(resp.status(), 422, "{days:?}");
    }
    // a browser without JavaScript goes back to the page, which says so
    let resp = owner
        .post(app.url("/rpc/evidence/retention"))
        .header("origin", app.origin())
        .header("accept", "text/html,application/xhtml+xml")
        .header("referer", format!("{}/app/evidence", app.origin()))
        .form(&[("retention_days", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302);
    let back = resp.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(
        back,
        "/app/evidence?form_error=invalid&form_field=retention_days&form_for=evidence/retention"
    );
    let html = app.html(&owner, &back).await;
    assert!(
        html.contains("Nothing was saved. Keep payloads from 7 to 3650 days"),
        "{html}"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_events").await, audits);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM orgs WHERE evidence_retention_days = 180")
            .await,
        1
    );

    // a good one: saved, with one audit record of before → after
    let resp = app
        .rpc_form(&admin, "evidence/retention", &[("retention_days", "30")])
        .await;
    assert_eq!(resp.headers()["location"], "/app/evidence?retention_saved=1");
    let meta: String = app::ssr::db::query_scalar(
        "SELECT metadata FROM audit_events WHERE action = 'settings.changed' ORDER BY occurred_at DESC LIMIT 1",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    let meta: Value = serde_json::from_str(&meta).unwrap();
    assert_eq!(meta["changes"]["evidence_retention_days"]["before"], 180);
    assert_eq!(meta["changes"]["evidence_retention_days"]["after"], 30);
    assert_eq!(list(&app, &admin, &[]).await["retention_days"], 30);
}

#[tokio::test]
async fn another_orgs_evidence_never_appears_and_its_ids_are_not_found() {
    let (app, _twilio, [_owner, admin, _staff]) = acme().await;
    seed_org(&app.db, "rival", "Rival HVAC", "+14155550200", &["+14155550201"]).await;
    play(&app, &MissedCall::new(6, CALLER).sequence()).await;
    let mut rival_call = MissedCall::new(7, CALLER).inbound();
    for (k, v) in rival_call.1.iter_mut() {
        if k == "To" || k == "Called" {
            *v = "+14155550200".to_owned();
        }
    }
    play(&app, &[rival_call]).await;
    let rival_id: String = app::ssr::db::query_scalar(
        "SELECT w.id FROM webhook_events w JOIN orgs o ON o.id = w.org_id WHERE o.slug = 'rival'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();

    let page = list(&app, &admin, &[]).await;
    assert_eq!(rows(&page).len(), 3);
    assert!(!page.to_string().contains(&rival_id));
    assert_eq!(
        app.rpc_with(&admin, "evidence/get", &[("event_id", &rival_id)])
            .await
            .status(),
        404
    );
    let unknown = "whk_00000000000000000000000000000000";
    assert_eq!(
        app.rpc_with(&admin, "evidence/get", &[("event_id", unknown)])
            .await
            .status(),
        404
    );
    let html = app.html(&admin, &format!("/app/evidence?event={rival_id}")).await;
    assert!(html.contains("Not found."), "the page says not found");
    assert!(!html.contains("+14155550200"));
}

#[tokio::test]
async fn staff_are_refused_every_evidence_function_and_the_page() {
    let (app, _twilio, [_owner, _admin, staff]) = acme().await;
    play(&app, &MissedCall::new(8, CALLER).sequence()).await;
    let id: String = app::ssr::db::query_scalar("SELECT id FROM webhook_events LIMIT 1")
        .fetch_one(&app.db)
        .await
        .unwrap();
    for (endpoint, args) in [
        ("evidence/list", vec![]),
        ("evidence/get", vec![("event_id", id.as_str())]),
        ("evidence/rejections", vec![]),
        ("evidence/retention", vec![("retention_days", "30")]),
    ] {
        assert_eq!(app.rpc_with(&staff, endpoint, &args).await.status(), 403, "{endpoint}");
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM orgs WHERE evidence_retention_days = 180")
            .await,
        1
    );
    let detail = format!("/app/evidence?event={id}");
    for page in ["/app/evidence", detail.as_str()] {
        let html = app.html(&staff, page).await;
        assert!(
            html.contains("You don&#x27;t have permission") || html.contains("You don't have permission"),
            "{page}"
        );
        assert!(!html.contains(CALLER), "{page}");
    }
    let home = app.html(&staff, "/app").await;
    assert!(!home.contains("href=\"/app/evidence\""), "no link for staff");
}

#[tokio::test]
async fn refused_callbacks_are_listed_with_reason_route_and_time_but_never_their_payload() {
    let (app, _twilio, [owner, _admin, _staff]) = acme().await;
    let (path, params) = sms("SM00000000000000000000000000000009", CALLER, "my secret gate code 4417");
    let resp = app.post_twilio(path, &params, Signing::Wrong).await;
    assert_eq!(resp.status(), 403);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM webhook_events").await,
        0,
        "nothing stored"
    );

    let refused = app.rpc_json(&owner, "evidence/rejections", &[]).await;
    let list = refused.as_array().unwrap();
    assert_eq!(list.len(), 1, "{refused}");
    assert_eq!(list[0]["reason"], "bad_signature");
    assert_eq!(list[0]["route"], "/api/twilio/sms/inbound");
    assert_eq!(list[0]["provider"], "twilio");
    assert!(list[0]["at"].as_i64().unwrap() > 0);
    assert!(!refused.to_string().contains("4417") && !refused.to_string().contains(CALLER));
    let html = app.html(&owner, "/app/evidence").await;
    assert!(html.contains("Bad or missing signature"));
    assert!(!html.contains("4417"));
}

#[tokio::test]
async fn customer_text_is_shown_as_text() {
    let (app, _twilio, [owner, _admin, _staff]) = acme().await;
    play(&app, &MissedCall::new(9, CALLER).sequence()).await;
    let body = "<script>alert('pwned')</script> & <b>bold</b>";
    play(&app, &[sms("SM00000000000000000000000000000010", CALLER, body)]).await;
    let page = list(&app, &owner, &[("route", "/api/twilio/sms/inbound")]).await;
    let id = rows(&page)[0]["id"].as_str().unwrap().to_owned();
    let detail = app.rpc_json(&owner, "evidence/get", &[("event_id", &id)]).await;
    assert_eq!(field(&detail, "Body"), Some(body));
    let html = app.html(&owner, &format!("/app/evidence?event={id}")).await;
    assert!(!html.contains("<script>alert"), "never markup");
    assert!(html.contains("&lt;script&gt;alert"), "escaped text");
}

#[tokio::test]
async fn the_retention_job_blanks_old_payloads_and_never_touches_the_audit_trail() {
    let (app, _twilio, [owner, admin, _staff]) = acme().await;
    play(&app, &MissedCall::new(10, CALLER).sequence()).await;
    let resp = app
        .rpc_with(&owner, "evidence/retention", &[("retention_days", "7")])
        .await;
    assert_eq!(resp.status(), 200);
    let page = list(&app, &admin, &[]).await;
    let old = rows(&page)[2]["id"].as_str().unwrap().to_owned();
    let now: i64 = rows(&page)[0]["received_at"].as_i64().unwrap();
    app::ssr::db::query("UPDATE webhook_events SET received_at = $1 WHERE id = $2")
        .bind(now - 8 * 86_400_000)
        .bind(&old)
        .execute(&app.db)
        .await
        .unwrap();
    // an org-less callback (an unknown number) older than the default 180 days
    app::ssr::db::query(
        "INSERT INTO webhook_events (id, provider, route, idempotency_key, signature_verdict, payload, outcome, received_at) \
         VALUES ('whk_0000000000000000000000000000abcd', 'twilio', '/api/twilio/voice/inbound', 'voice.inbound:+1:CAx', \
                 'valid', 'To=%2B1', 'unknown_number', $1)",
    )
    .bind(now - 181 * 86_400_000)
    .execute(&app.db)
    .await
    .unwrap();
    let audit_before: Vec<(String, String)> =
        app::ssr::db::query_as("SELECT id, metadata FROM audit_events ORDER BY id")
            .fetch_all(&app.db)
            .await
            .unwrap();

    server::maintenance::run_once(&app.db).await.unwrap();

    let (payload, headers, pruned_at): (String, String, Option<i64>) =
        app::ssr::db::query_as("SELECT payload, headers, pruned_at FROM webhook_events WHERE id = $1")
            .bind(&old)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!((payload.as_str(), headers.as_str()), ("", "{}"));
    assert!(pruned_at.is_some());
    assert_eq!(
        app.count("SELECT COUNT(*) FROM webhook_events WHERE pruned_at IS NULL AND payload <> ''")
            .await,
        2,
        "the newer callbacks keep their payloads"
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM webhook_events WHERE org_id IS NULL AND payload = '' AND pruned_at IS NOT NULL"
        )
        .await,
        1
    );
    let audit_after: Vec<(String, String)> =
        app::ssr::db::query_as("SELECT id, metadata FROM audit_events ORDER BY id")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(audit_before, audit_after, "the audit trail is never pruned");

    // the row stays, saying what happened
    let detail = app.rpc_json(&admin, "evidence/get", &[("event_id", &old)]).await;
    assert_eq!(detail["payload"]["kind"], "pruned");
    assert!(detail["row"]["pruned"].as_bool().unwrap());
    assert!(!detail["row"]["outcome"].as_str().unwrap().is_empty());
    assert!(!detail["answer"].as_str().unwrap().is_empty());
    // a second pass has nothing left to do
    server::maintenance::run_once(&app.db).await.unwrap();
    assert_eq!(
        app.count("SELECT COUNT(*) FROM webhook_events WHERE pruned_at IS NOT NULL")
            .await,
        2
    );
}
