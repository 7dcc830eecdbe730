//! The tracked numbers page's server functions over HTTP: numbers added in everyday formats
//! (refused when undialable or tracked by any org, nothing stored), edits audited with
//! before → after and used by the next call at once, the carrier-voicemail warning, removal
//! that keeps the history and answers later calls as an unknown number (and re-adding), the
//! webhook addresses for Twilio with the public-URL warning, staff refused, another org's
//! numbers not found, and the plain-form round trip.

use app::domain::{
    twilio_webhooks::{MESSAGING_PATH, VOICE_PATH, VOICE_STATUS_PATH},
    Role,
};
use server::webhooks::twilio::Route;

use crate::{
    fake_twilio::FakeTwilio,
    helpers::{
        seed_member, seed_org, spawn_app, spawn_twilio_app, MissedCall, Signing, TestApp, CALLER, OFFICE_1, OFFICE_2,
        TRACKED,
    },
};

/// A well-formed tracked-number id that is nobody's.
pub const BOGUS_ID: &str = "num_00000000000000000000000000000000";

/// What the add and edit forms post, with some fields replaced (or added, such as
/// `number` for an add and `number_id` for an edit).
pub fn form<'a>(changes: &[(&'static str, &'a str)]) -> Vec<(&'static str, &'a str)> {
    let mut form: Vec<(&'static str, &'a str)> =
        vec![("label", ""), ("forward_to", OFFICE_1), ("ring_timeout_secs", "12")];
    for &(field, value) in changes {
        match form.iter_mut().find(|(f, _)| *f == field) {
            Some(entry) => entry.1 = value,
            None => form.push((field, value)),
        }
    }
    form
}

const NEW_NUMBER: &str = "+15125550134";
const RIVAL_NUMBER: &str = "+14155550200";

/// Acme (tracking TRACKED, ringing both office phones) with an owner, an admin and a staff
/// member signed in (http public URL, so the session cookies travel back to the test server).
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

/// The id of the active row tracking `e164`.
async fn number_id(app: &TestApp, e164: &str) -> String {
    app::ssr::db::query_scalar("SELECT id FROM tracked_numbers WHERE e164 = $1 AND removed_at IS NULL")
        .bind(e164)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

/// Everything a change could touch, to compare before and after a refusal.
async fn stored(app: &TestApp) -> String {
    let rows: Vec<(String, String, String, String, i64, Option<i64>)> = app::ssr::db::query_as(
        "SELECT id, e164, label, forward_to, ring_timeout_secs, removed_at FROM tracked_numbers ORDER BY id",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    format!(
        "{rows:?} audit={}",
        app.count("SELECT COUNT(*) FROM audit_events WHERE action LIKE 'tracked_number.%'")
            .await
    )
}

/// The same callback, to another number.
fn to(number: &str, (path, params): (&'static str, Vec<(String, String)>)) -> (&'static str, Vec<(String, String)>) {
    let params = params
        .into_iter()
        .map(|(k, v)| {
            if k == "To" || k == "Called" {
                (k, number.to_owned())
            } else {
                (k, v)
            }
        })
        .collect();
    (path, params)
}

async fn play(app: &TestApp, step: (&'static str, Vec<(String, String)>)) -> String {
    let (path, params) = step;
    let resp = app.post_twilio(path, &params, Signing::Valid).await;
    assert_eq!(resp.status(), 200, "{path}");
    resp.text().await.unwrap()
}

fn validation_field(body: &serde_json::Value) -> &str {
    body["Validation"]["field"].as_str().unwrap_or_default()
}

/// An audit row: actor id, target id, metadata.
async fn audit(app: &TestApp, action: &str) -> Vec<(Option<String>, Option<String>, serde_json::Value)> {
    let rows: Vec<(Option<String>, Option<String>, String)> = app::ssr::db::query_as(
        "SELECT actor_id, target_id, metadata FROM audit_events WHERE action = $1 ORDER BY occurred_at, id",
    )
    .bind(action)
    .fetch_all(&app.db)
    .await
    .unwrap();
    rows.into_iter()
        .map(|(actor, target, m)| (actor, target, serde_json::from_str(&m).unwrap()))
        .collect()
}

#[tokio::test]
async fn a_number_is_added_in_an_everyday_format_and_its_calls_are_forwarded_at_once() {
    let (app, _twilio, [_owner, admin, _staff]) = acme().await;
    // Not tracked yet: the call is answered as an unknown number (and remembered as such).
    let before = play(&app, to(NEW_NUMBER, MissedCall::new(1, CALLER).inbound())).await;
    assert!(before.contains("not in service"), "{before}");

    let resp = app
        .rpc_with(
            &admin,
            "numbers/add",
            &form(&[
                ("number", "(512) 555-0134"),
                ("label", "  Yard signs "),
                ("forward_to", "(512) 555-0100\r\n512.555.0101, (512) 555-0100"),
                ("ring_timeout_secs", "15"),
            ]),
        )
        .await;
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap_or_default());
    let row: (String, String, String, i64, Option<i64>) = app::ssr::db::query_as(
        "SELECT e164, label, forward_to, ring_timeout_secs, removed_at FROM tracked_numbers WHERE e164 = $1",
    )
    .bind(NEW_NUMBER)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(
        row,
        (
            NEW_NUMBER.to_owned(),
            "Yard signs".to_owned(),
            r#"["+15125550100","+15125550101"]"#.to_owned(),
            15,
            None
        )
    );
    let admin_id: String = app::ssr::db::query_scalar("SELECT id FROM users WHERE email = 'admin@acme.test'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let added = audit(&app, "tracked_number.added").await;
    let ours: Vec<_> = added
        .iter()
        .filter(|(actor, _, _)| actor.as_deref() == Some(admin_id.as_str()))
        .collect();
    assert_eq!(ours.len(), 1, "{added:?}");
    assert_eq!(ours[0].1.as_deref(), Some(number_id(&app, NEW_NUMBER).await.as_str()));
    assert_eq!(
        ours[0].2,
        serde_json::json!({
            "number": NEW_NUMBER,
            "label": "Yard signs",
            "forward_to": ["+15125550100", "+15125550101"],
            "ring_timeout_secs": 15,
        })
    );

    // The next call rings both phones, well within the routing cache's one-second TTL.
    let answer = play(&app, to(NEW_NUMBER, MissedCall::new(2, CALLER).inbound())).await;
    assert!(answer.contains("<Dial"), "{answer}");
    assert!(
        answer.contains("<Number>+15125550100</Number><Number>+15125550101</Number>")
            && answer.contains(r#"timeout="15""#),
        "{answer}"
    );

    let listed = app.rpc_json(&admin, "numbers/list", &[]).await;
    let numbers = listed["numbers"].as_array().unwrap();
    assert_eq!(numbers.len(), 2);
    assert_eq!(numbers[1]["e164"], NEW_NUMBER);
    assert_eq!(numbers[1]["display"], "(512) 555-0134");
    assert_eq!(numbers[1]["forward_to"][1], "(512) 555-0101");
    assert_eq!(numbers[1]["last_call"]["outcome"], "In progress");
}

#[tokio::test]
async fn undialable_or_already_tracked_numbers_and_bad_fields_are_refused_and_nothing_is_stored() {
    let (app, _twilio, [owner, admin, _staff]) = acme().await;
    seed_org(&app.db, "rival", "Rival HVAC", RIVAL_NUMBER, &["+14155550201"]).await;
    let before = stored(&app).await;
    let long = "x".repeat(81);
    for (changes, field) in [
        (vec![("number", "(123) 456-7890")], "number"),
        (vec![("number", "555-0134")], "number"),
        (vec![("number", "call the office")], "number"),
        (vec![("number", "")], "number"),
        // tracked by this org, in another format
        (vec![("number", "(415) 555-0100")], "number"),
        // tracked by another org
        (vec![("number", "+1 415 555 0200")], "number"),
        (vec![("number", NEW_NUMBER), ("forward_to", "")], "forward_to"),
        (vec![("number", NEW_NUMBER), ("forward_to", "the office")], "forward_to"),
        (
            vec![("number", NEW_NUMBER), ("forward_to", "(512) 555-0134")],
            "forward_to",
        ),
        (
            vec![("number", NEW_NUMBER), ("ring_timeout_secs", "3")],
            "ring_timeout_secs",
        ),
        (
            vec![("number", NEW_NUMBER), ("ring_timeout_secs", "601")],
            "ring_timeout_secs",
        ),
        (vec![("number", NEW_NUMBER), ("label", long.as_str())], "label"),
    ] {
        let resp = app.rpc_with(&admin, "numbers/add", &form(&changes)).await;
        assert_eq!(resp.status(), 422, "{changes:?}");
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(validation_field(&body), field, "{changes:?}: {body}");
        assert!(!body["Validation"]["message"].as_str().unwrap_or_default().is_empty());
        assert_eq!(stored(&app).await, before, "{changes:?} stored something");
    }
    // The refusal says why.
    let taken = app
        .rpc_with(&owner, "numbers/add", &form(&[("number", "+1 415 555 0200")]))
        .await;
    let body: serde_json::Value = taken.json().await.unwrap();
    assert!(
        body["Validation"]["message"]
            .as_str()
            .unwrap()
            .contains("already tracked"),
        "{body}"
    );
    let undialable = app
        .rpc_with(&owner, "numbers/add", &form(&[("number", "(123) 456-7890")]))
        .await;
    let body: serde_json::Value = undialable.json().await.unwrap();
    assert!(
        body["Validation"]["message"]
            .as_str()
            .unwrap()
            .contains("not a dialable"),
        "{body}"
    );
    // A missing field is a malformed request, not a half add.
    assert_eq!(
        app.rpc_with(&admin, "numbers/add", &[("number", NEW_NUMBER)])
            .await
            .status(),
        400
    );
    assert_eq!(stored(&app).await, before);

    // Without JavaScript: back to the page, naming the field, with nothing typed echoed.
    let resp = admin
        .post(app.url("/rpc/numbers/add"))
        .header("origin", app.origin())
        .header("accept", "text/html,application/xhtml+xml")
        .header("referer", format!("{}/app/numbers", app.origin()))
        .form(&form(&[("number", "(123) 456-7890"), ("ring_timeout_secs", "2")]))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302);
    let back = resp.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(
        back,
        "/app/numbers?form_error=invalid&form_field=number,ring_timeout_secs&form_for=numbers/add"
    );
    let html = app.html(&admin, &back).await;
    assert!(
        html.contains("Nothing was added. Please check: Number, Ring timeout."),
        "{html}"
    );
    assert!(html.contains(r#"id="number-error""#) && html.contains(r#"id="ring_timeout_secs-error""#));
    assert!(!html.contains("456-7890"));
    assert_eq!(stored(&app).await, before);
}

#[tokio::test]
async fn an_edit_is_audited_with_before_and_after_used_by_the_next_call_and_a_long_timeout_warns() {
    let (app, _twilio, [_owner, admin, _staff]) = acme().await;
    let id = number_id(&app, TRACKED).await;
    let html = app.html(&admin, "/app/numbers").await;
    assert!(!html.contains("data-voicemail-warning"), "{html}");

    let resp = app
        .rpc_with(
            &admin,
            "numbers/update",
            &form(&[
                ("number_id", id.as_str()),
                ("label", "Yard signs"),
                ("forward_to", "(415) 555-0101"),
                ("ring_timeout_secs", "25"),
            ]),
        )
        .await;
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap_or_default());
    let admin_id: String = app::ssr::db::query_scalar("SELECT id FROM users WHERE email = 'admin@acme.test'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let rows = audit(&app, "tracked_number.updated").await;
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].0.as_deref(), rows[0].1.as_deref()),
        (Some(admin_id.as_str()), Some(id.as_str()))
    );
    assert_eq!(
        rows[0].2,
        serde_json::json!({"number": TRACKED, "changes": {
            "label": {"before": "Main line", "after": "Yard signs"},
            "forward_to": {"before": [OFFICE_1, OFFICE_2], "after": [OFFICE_1]},
            "ring_timeout_secs": {"before": 12, "after": 25},
        }})
    );

    // The next call rings the one phone for the new time.
    let answer = play(&app, MissedCall::new(1, CALLER).inbound()).await;
    assert!(answer.contains(r#"timeout="25""#), "{answer}");
    assert!(answer.contains(OFFICE_1) && !answer.contains(OFFICE_2), "{answer}");

    // Above 20 seconds the page warns about the office phone's voicemail.
    let html = app.html(&admin, "/app/numbers").await;
    assert!(html.contains("data-voicemail-warning"), "{html}");
    assert!(html.contains("Rings for 25 seconds"), "{html}");
    let edit = app.html(&admin, &format!("/app/numbers?edit={id}")).await;
    assert!(edit.contains(r#"action="/rpc/numbers/update""#), "{edit}");
    assert!(edit.contains("data-voicemail-warning"), "{edit}");
    assert!(!edit.contains(r#"action="/rpc/numbers/add""#));

    // The same values again write nothing; bad ones are refused and change nothing.
    let before = stored(&app).await;
    let same = app
        .rpc_with(
            &admin,
            "numbers/update",
            &form(&[
                ("number_id", id.as_str()),
                ("label", " Yard signs"),
                ("forward_to", OFFICE_1),
                ("ring_timeout_secs", "25"),
            ]),
        )
        .await;
    assert_eq!(same.status(), 200);
    assert_eq!(stored(&app).await, before);
    let long = "x".repeat(81);
    for (changes, field) in [
        (vec![("forward_to", TRACKED)], "forward_to"),
        (vec![("forward_to", "")], "forward_to"),
        (vec![("ring_timeout_secs", "ten")], "ring_timeout_secs"),
        (vec![("label", long.as_str())], "label"),
    ] {
        let mut changes = changes;
        changes.push(("number_id", id.as_str()));
        let resp = app.rpc_with(&admin, "numbers/update", &form(&changes)).await;
        assert_eq!(resp.status(), 422, "{changes:?}");
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(validation_field(&body), field, "{body}");
        assert_eq!(stored(&app).await, before, "{changes:?}");
    }

    // Without JavaScript a refused edit comes back to its own form.
    let page = format!("{}/app/numbers?edit={id}", app.origin());
    let resp = admin
        .post(app.url("/rpc/numbers/update"))
        .header("origin", app.origin())
        .header("accept", "text/html,application/xhtml+xml")
        .header("referer", page)
        .form(&form(&[("number_id", id.as_str()), ("ring_timeout_secs", "1")]))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302);
    let back = resp.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(
        back,
        format!("/app/numbers?edit={id}&form_error=invalid&form_field=ring_timeout_secs&form_for=numbers/update")
    );
    let html = app.html(&admin, &back).await;
    assert!(
        html.contains("Nothing was saved. Please check: Ring timeout."),
        "{html}"
    );
    assert!(html.contains(r#"id="ring_timeout_secs-error""#));
    let saved = admin
        .post(app.url("/rpc/numbers/update"))
        .header("origin", app.origin())
        .header("accept", "text/html,application/xhtml+xml")
        .header("referer", format!("{}/app/numbers?edit={id}", app.origin()))
        .form(&form(&[("number_id", id.as_str()), ("ring_timeout_secs", "12")]))
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), 302);
    assert_eq!(saved.headers()["location"], "/app/numbers?saved=1");
    let html = app.html(&admin, "/app/numbers?saved=1").await;
    assert!(html.contains("Changes saved."), "{html}");
    assert!(!html.contains("data-voicemail-warning"), "{html}");
}

#[tokio::test]
async fn a_removed_number_keeps_its_history_answers_as_unknown_and_can_be_added_again() {
    let (app, twilio, [owner, _admin, _staff]) = acme().await;
    let id = number_id(&app, TRACKED).await;
    for step in MissedCall::new(1, CALLER).sequence() {
        play(&app, step).await;
    }
    twilio.wait_for_sent(1).await;
    // The page shows the number's last call.
    let html = app.html(&owner, "/app/numbers").await;
    assert!(html.contains("(415) 555-2671 · Missed call"), "{html}");
    let listed = app.rpc_json(&owner, "numbers/list", &[]).await;
    assert_eq!(listed["numbers"][0]["last_call"]["from"], "(415) 555-2671");

    let resp = app
        .rpc_with(&owner, "numbers/remove", &[("number_id", id.as_str())])
        .await;
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap_or_default());
    // Marked, not deleted: its call and lead stay.
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM tracked_numbers WHERE id = '{id}' AND removed_at IS NOT NULL"
        ))
        .await,
        1
    );
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM calls WHERE tracked_number_id = '{id}'"))
            .await,
        1
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM leads").await, 1);
    let removed = audit(&app, "tracked_number.removed").await;
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0].1.as_deref(), Some(id.as_str()));
    assert_eq!(removed[0].2["number"], TRACKED);
    assert_eq!(
        removed[0].2["changes"],
        serde_json::json!({"status": {"before": "tracked", "after": "removed"}})
    );

    // At once, within the routing cache's TTL: the next call is an unknown number's.
    let answer = play(&app, MissedCall::new(2, CALLER).inbound()).await;
    assert!(
        answer.contains("not in service") && !answer.contains("<Dial"),
        "{answer}"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM calls").await, 1);
    assert!(app.rpc_json(&owner, "numbers/list", &[]).await["numbers"]
        .as_array()
        .unwrap()
        .is_empty());
    assert!(!app.html(&owner, "/app/numbers").await.contains(&id));
    assert_eq!(
        app.rpc_with(&owner, "numbers/remove", &[("number_id", id.as_str())])
            .await
            .status(),
        404
    );
    let gone = app.html(&owner, &format!("/app/numbers?edit={id}")).await;
    assert!(gone.contains("That number was not found."), "{gone}");

    // Tracked again: a new row; the old one keeps its history.
    let resp = app
        .rpc_with(
            &owner,
            "numbers/add",
            &form(&[("number", "+1 415 555 0100"), ("forward_to", OFFICE_2)]),
        )
        .await;
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap_or_default());
    assert_ne!(number_id(&app, TRACKED).await, id);
    let answer = play(&app, MissedCall::new(3, CALLER).inbound()).await;
    assert!(answer.contains(&format!("<Number>{OFFICE_2}</Number>")), "{answer}");
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM calls WHERE tracked_number_id = '{id}'"))
            .await,
        1
    );
}

#[tokio::test]
async fn staff_are_refused_and_another_orgs_numbers_are_not_found() {
    let (app, _twilio, [owner, admin, staff]) = acme().await;
    seed_org(&app.db, "rival", "Rival HVAC", RIVAL_NUMBER, &["+14155550201"]).await;
    let ours = number_id(&app, TRACKED).await;
    let theirs = number_id(&app, RIVAL_NUMBER).await;
    let before = stored(&app).await;

    assert_eq!(app.rpc_with(&staff, "numbers/list", &[]).await.status(), 403);
    for (endpoint, args) in [
        ("numbers/add", form(&[("number", NEW_NUMBER)])),
        (
            "numbers/update",
            form(&[("number_id", ours.as_str()), ("label", "Mine now")]),
        ),
        ("numbers/remove", vec![("number_id", ours.as_str())]),
    ] {
        assert_eq!(app.rpc_with(&staff, endpoint, &args).await.status(), 403, "{endpoint}");
    }
    let refused = app.html(&staff, "/app/numbers").await;
    assert!(
        refused.contains("You don&#x27;t have permission") || refused.contains("You don't have permission"),
        "{refused}"
    );
    assert!(!refused.contains("numbers/add") && !refused.contains(TRACKED));

    for client in [&owner, &admin] {
        for (endpoint, args) in [
            (
                "numbers/update",
                form(&[("number_id", theirs.as_str()), ("label", "Ours now")]),
            ),
            ("numbers/remove", vec![("number_id", theirs.as_str())]),
            ("numbers/remove", vec![("number_id", BOGUS_ID)]),
        ] {
            assert_eq!(app.rpc_with(client, endpoint, &args).await.status(), 404, "{endpoint}");
        }
    }
    // Not an id at all: the request is malformed.
    assert_eq!(
        app.rpc_with(&admin, "numbers/remove", &[("number_id", "1 OR 1=1")])
            .await
            .status(),
        400
    );
    assert_eq!(stored(&app).await, before);
    let edit = app.html(&admin, &format!("/app/numbers?edit={theirs}")).await;
    assert!(edit.contains("That number was not found."), "{edit}");
    assert!(!edit.contains(RIVAL_NUMBER) && !edit.contains("(415) 555-0200"));
    let listed = app.rpc_json(&admin, "numbers/list", &[]).await;
    assert!(!listed.to_string().contains(&theirs));
}

#[tokio::test]
async fn the_page_shows_the_webhook_addresses_for_twilio_and_warns_when_they_are_not_https() {
    // The paths shown are the ones the server answers at.
    assert_eq!(Route::VoiceInbound.path(), VOICE_PATH);
    assert_eq!(Route::VoiceStatus.path(), VOICE_STATUS_PATH);
    assert_eq!(Route::SmsInbound.path(), MESSAGING_PATH);

    let (app, _twilio, [_owner, admin, _staff]) = acme().await;
    let html = app.html(&admin, "/app/numbers").await;
    for url in [
        "http://callsnare.test/api/twilio/voice/inbound",
        "http://callsnare.test/api/twilio/voice/status",
        "http://callsnare.test/api/twilio/sms/inbound",
    ] {
        assert!(html.contains(url), "{url}: {html}");
    }
    assert!(html.contains("CALLSNARE_PUBLIC_URL is not https"), "{html}");
    assert!(
        html.contains("(415) 555-0100") && html.contains("No calls yet"),
        "{html}"
    );
    assert!(html.contains(r#"action="/rpc/numbers/add""#) && html.contains(r#"action="/rpc/numbers/remove""#));
    assert!(!html.contains("/pkg/callsnare.js"), "the numbers page loads no wasm");
    let listed = app.rpc_json(&admin, "numbers/list", &[]).await;
    assert_eq!(listed["webhooks"]["warning"], "NotHttps");
    assert_eq!(
        listed["webhooks"]["status_callback"],
        "http://callsnare.test/api/twilio/voice/status"
    );

    // No public URL at all: the listen address, which Twilio cannot reach.
    let bare = spawn_app().await;
    seed_org(&bare.db, "acme", "Acme Heating & Air", TRACKED, &[OFFICE_1]).await;
    let owner = bare.new_client();
    bare.sign_in(&owner, "owner@acme.test").await;
    let html = bare.html(&owner, "/app/numbers").await;
    assert!(html.contains("CALLSNARE_PUBLIC_URL is not set"), "{html}");
    assert!(
        html.contains(&format!("{}/api/twilio/voice/inbound", bare.address)),
        "{html}"
    );
}
