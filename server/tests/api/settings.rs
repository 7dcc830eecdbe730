//! The routing settings page's server functions over HTTP: who may read and save them, bad
//! input refused per field with nothing changed, one audit record of before → after per
//! save, and the next call using what was saved at once (not after the routing cache's
//! TTL), including the after-hours path and closure dates.

use app::{
    domain::Role,
    ssr::db::routing_settings::{DEFAULT_AFTER_HOURS_GREETING, DEFAULT_TEXT_BACK},
};

use crate::{
    fake_twilio::FakeTwilio,
    helpers::{seed_member, seed_org, spawn_twilio_app, MissedCall, Signing, TestApp, CALLER},
};

/// What the settings form posts for a new org's defaults (saving it changes nothing).
/// "Hold text-backs" is an unchecked checkbox: not posted at all.
pub const DEFAULT_FORM: [(&str, &str); 16] = [
    ("timezone", "America/Chicago"),
    ("hours_mon", "00:00-24:00"),
    ("hours_tue", "00:00-24:00"),
    ("hours_wed", "00:00-24:00"),
    ("hours_thu", "00:00-24:00"),
    ("hours_fri", "00:00-24:00"),
    ("hours_sat", "00:00-24:00"),
    ("hours_sun", "00:00-24:00"),
    ("closure_dates", ""),
    ("after_hours_greeting", DEFAULT_AFTER_HOURS_GREETING),
    ("text_back_template", DEFAULT_TEXT_BACK),
    ("cooldown_minutes", "30"),
    ("quiet_start", "21:00"),
    ("quiet_end", "08:00"),
    ("escalation_number", ""),
    ("escalation_minutes", "10"),
];

/// The default form with some fields replaced (or added).
fn form_with<'a>(changes: &[(&'static str, &'a str)]) -> Vec<(&'static str, &'a str)> {
    let mut form: Vec<(&'static str, &'a str)> = DEFAULT_FORM.to_vec();
    for &(field, value) in changes {
        match form.iter_mut().find(|(f, _)| *f == field) {
            Some(entry) => entry.1 = value,
            None => form.push((field, value)),
        }
    }
    form
}

const OTHER_CALLER: &str = "+14155552672";
const THIRD_CALLER: &str = "+14155552673";

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

type StoredSettings = (
    Option<String>,
    String,
    String,
    String,
    i64,
    i64,
    i64,
    bool,
    Option<String>,
    i64,
    i64,
    String,
);

/// An audit row: actor kind, actor id, target kind, target id, metadata.
type AuditRow = (String, Option<String>, Option<String>, Option<String>, String);

/// Everything a save could touch, to compare before and after a refusal.
async fn stored(app: &TestApp) -> String {
    let row: StoredSettings = app::ssr::db::query_as(
        "SELECT r.business_hours, r.closure_dates, r.after_hours_greeting, r.text_back_template, \
                    r.cooldown_minutes, r.send_window_start_minute, r.send_window_end_minute, \
                    r.hold_text_backs_in_quiet_hours, r.escalation_number, r.escalation_minutes, r.updated_at, \
                    o.timezone \
             FROM routing_settings r JOIN orgs o ON o.id = r.org_id WHERE o.slug = 'acme'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    format!(
        "{row:?} audit={}",
        app.count(
            "SELECT COUNT(*) FROM audit_events \
             WHERE action = 'settings.changed' AND org_id = (SELECT id FROM orgs WHERE slug = 'acme')"
        )
        .await
    )
}

async fn save(app: &TestApp, client: &reqwest::Client, changes: &[(&'static str, &str)]) -> reqwest::Response {
    app.rpc_with(client, "settings/save", &form_with(changes)).await
}

async fn play(app: &TestApp, steps: &[(&'static str, Vec<(String, String)>)]) -> Vec<String> {
    let mut answers = Vec::new();
    for (path, params) in steps {
        let resp = app.post_twilio(path, params, Signing::Valid).await;
        assert_eq!(resp.status(), 200, "{path}");
        answers.push(resp.text().await.unwrap());
    }
    answers
}

#[tokio::test]
async fn owners_and_admins_read_and_save_the_settings_and_staff_are_refused() {
    let (app, _twilio, [owner, admin, staff]) = acme().await;
    let shown = app.rpc_json(&owner, "settings/get", &[]).await;
    assert_eq!(shown["business_name"], "Acme Heating & Air");
    assert_eq!(shown["form"]["timezone"], "America/Chicago");
    assert_eq!(shown["form"]["hours"][0], "00:00-24:00");
    assert_eq!(shown["form"]["text_back_template"], DEFAULT_TEXT_BACK);
    assert_eq!(shown["form"]["quiet_start"], "21:00");

    let resp = save(&app, &admin, &[("cooldown_minutes", "45"), ("hold_text_backs", "true")]).await;
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap_or_default());
    let after = app.rpc_json(&admin, "settings/get", &[]).await;
    assert_eq!(after["form"]["cooldown_minutes"], "45");
    assert_eq!(after["form"]["hold_text_backs"], true);
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM routing_settings WHERE cooldown_minutes = 45 AND hold_text_backs_in_quiet_hours"
        )
        .await,
        1
    );

    let before = stored(&app).await;
    assert_eq!(app.rpc_with(&staff, "settings/get", &[]).await.status(), 403);
    assert_eq!(save(&app, &staff, &[("cooldown_minutes", "5")]).await.status(), 403);
    assert_eq!(stored(&app).await, before, "staff changed nothing");

    // Another org's owner reads and writes only their own org's settings.
    seed_org(&app.db, "rival", "Rival HVAC", "+14155550200", &["+14155550201"]).await;
    let rival = app.new_client();
    app.sign_in(&rival, "owner@rival.test").await;
    assert_eq!(
        app.rpc_json(&rival, "settings/get", &[]).await["business_name"],
        "Rival HVAC"
    );
    assert_eq!(save(&app, &rival, &[("cooldown_minutes", "7")]).await.status(), 200);
    assert_eq!(stored(&app).await, before, "acme is untouched");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM routing_settings WHERE cooldown_minutes = 7")
            .await,
        1
    );

    // The page: the form for admins, the refusal for staff.
    let html = app.html(&admin, "/app/settings").await;
    assert!(html.contains(r#"action="/rpc/settings/save""#), "{html}");
    assert!(html.contains(r#"src="/sms-preview.js""#), "{html}");
    assert!(!html.contains("/pkg/callsnare.js"), "the settings page loads no wasm");
    let refused = app.html(&staff, "/app/settings").await;
    assert!(
        refused.contains("You don&#x27;t have permission") || refused.contains("You don't have permission"),
        "{refused}"
    );
    assert!(!refused.contains("settings/save"));
}

#[tokio::test]
async fn bad_input_is_refused_naming_the_field_and_nothing_changes() {
    let (app, _twilio, [_owner, admin, _staff]) = acme().await;
    let before = stored(&app).await;
    let long = format!("Reply STOP to opt out. {}", "a".repeat(480));
    for (field, value) in [
        ("timezone", "Mars/Olympus"),
        ("timezone", ""),
        ("hours_mon", "9 to 5"),
        ("hours_fri", "17:00-08:00"),
        ("hours_sat", "08:00-12:00, 11:00-13:00"),
        ("closure_dates", "2026-02-30"),
        ("after_hours_greeting", "   "),
        ("text_back_template", "Hi from {business}, we'll call you back."),
        ("text_back_template", ""),
        ("text_back_template", "Hi {first_name}! Reply STOP to opt out."),
        ("text_back_template", long.as_str()),
        ("cooldown_minutes", "-5"),
        ("quiet_start", "06:00"),
        ("escalation_number", "555-0100"),
        ("escalation_number", "+1415555"),
        ("escalation_minutes", "241"),
    ] {
        // a good change alongside the bad one is not kept either
        let resp = save(&app, &admin, &[("cooldown_minutes", "99"), (field, value)]).await;
        assert_eq!(resp.status(), 422, "{field}={value:?}");
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(body["Validation"]["field"], field, "{field}={value:?}: {body}");
        assert!(!body["Validation"]["message"].as_str().unwrap_or_default().is_empty());
        assert_eq!(stored(&app).await, before, "{field}={value:?} changed something");
    }

    // The compliance rule says what it wants.
    let resp = save(&app, &admin, &[("text_back_template", "Hi from {business}!")]).await;
    let body: serde_json::Value = resp.json().await.unwrap();
    assert!(
        body["Validation"]["message"]
            .as_str()
            .unwrap()
            .contains("Reply STOP to opt out"),
        "{body}"
    );

    // Every wrong field is named; the first is the error's field.
    let resp = save(
        &app,
        &admin,
        &[("timezone", "Nowhere/Else"), ("escalation_minutes", "x")],
    )
    .await;
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["Validation"]["field"], "timezone");
    assert!(
        body["Validation"]["message"]
            .as_str()
            .unwrap()
            .contains("Escalation minutes"),
        "{body}"
    );

    // A missing field is a malformed request, not a half save.
    let mut partial = form_with(&[]);
    partial.retain(|(f, _)| *f != "text_back_template");
    assert_eq!(app.rpc_with(&admin, "settings/save", &partial).await.status(), 400);
    assert_eq!(stored(&app).await, before);
}

#[tokio::test]
async fn a_form_posted_without_javascript_comes_back_with_each_wrong_field_named() {
    let (app, _twilio, [_owner, admin, _staff]) = acme().await;
    let page = format!("{}/app/settings", app.origin());
    let post = |form: Vec<(&'static str, &'static str)>| {
        let admin = admin.clone();
        let (url, origin, page) = (app.url("/rpc/settings/save"), app.origin(), page.clone());
        async move {
            admin
                .post(url)
                .header("origin", origin)
                .header("accept", "text/html,application/xhtml+xml")
                .header("referer", page)
                .form(&form)
                .send()
                .await
                .unwrap()
        }
    };
    let refused = post(form_with(&[
        ("timezone", "Mars/Olympus"),
        ("hours_tue", "nine to five"),
    ]))
    .await;
    assert_eq!(refused.status(), 302);
    let back = refused.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(
        back,
        "/app/settings?form_error=invalid&form_field=timezone,hours_tue&form_for=settings/save"
    );
    let html = app.html(&admin, &back).await;
    assert!(
        html.contains("Nothing was saved. Please check: Timezone, Tuesday."),
        "{html}"
    );
    assert!(html.contains(r#"id="timezone-error""#) && html.contains(r#"id="hours_tue-error""#));
    assert!(!html.contains(r#"id="hours_mon-error""#));
    // Field names from the URL are only ever our own.
    let forged = app
        .html(
            &admin,
            "/app/settings?form_error=invalid&form_field=%3Cscript%3E,timezone",
        )
        .await;
    assert!(forged.contains("Please check: Timezone."), "{forged}");
    assert!(
        !forged.contains("%3Cscript") && !forged.contains("&lt;script"),
        "{forged}"
    );

    let saved = post(form_with(&[("cooldown_minutes", "15")])).await;
    assert_eq!(saved.status(), 302);
    assert_eq!(saved.headers()["location"], "/app/settings?saved=1");
    let html = app.html(&admin, "/app/settings?saved=1").await;
    assert!(html.contains("Settings saved."), "{html}");
    assert!(html.contains(r#"name="cooldown_minutes" value="15""#), "{html}");
}

#[tokio::test]
async fn a_save_records_one_audit_event_with_before_and_after_of_exactly_the_changed_fields() {
    let (app, _twilio, [_owner, admin, _staff]) = acme().await;
    let template = "Sorry we missed you! {business} will call back shortly. Reply STOP to opt out.";
    let resp = save(
        &app,
        &admin,
        &[
            ("text_back_template", template),
            ("hours_sun", "closed"),
            ("escalation_number", "+14155550123"),
            ("closure_dates", "2026-12-25"),
        ],
    )
    .await;
    assert_eq!(resp.status(), 200);
    let rows: Vec<AuditRow> = app::ssr::db::query_as(
        "SELECT actor_kind, actor_id, target_kind, target_id, metadata FROM audit_events WHERE action = 'settings.changed'",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(rows.len(), 1);
    let admin_id: String = app::ssr::db::query_scalar("SELECT id FROM users WHERE email = 'admin@acme.test'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let org_id: String = app::ssr::db::query_scalar("SELECT id FROM orgs WHERE slug = 'acme'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let (kind, actor, target_kind, target, metadata) = &rows[0];
    assert_eq!(
        (
            kind.as_str(),
            actor.as_deref(),
            target_kind.as_deref(),
            target.as_deref()
        ),
        ("user", Some(admin_id.as_str()), Some("org"), Some(org_id.as_str()))
    );
    let metadata: serde_json::Value = serde_json::from_str(metadata).unwrap();
    assert_eq!(
        metadata,
        serde_json::json!({"changes": {
            "text_back_template": {"before": DEFAULT_TEXT_BACK, "after": template},
            "hours_sun": {"before": "00:00-24:00", "after": "closed"},
            "escalation_number": {"before": null, "after": "+14155550123"},
            "closure_dates": {"before": "", "after": "2026-12-25"},
        }})
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM routing_settings WHERE business_hours IS NOT NULL AND closure_dates = '[\"2026-12-25\"]' AND escalation_number = '+14155550123'")
            .await,
        1
    );

    // Saving the same values again writes nothing at all.
    let before = stored(&app).await;
    let again = save(
        &app,
        &admin,
        &[
            ("text_back_template", template),
            ("hours_sun", "Closed"),
            ("escalation_number", "+14155550123"),
            ("closure_dates", "2026-12-25,"),
        ],
    )
    .await;
    assert_eq!(again.status(), 200);
    assert_eq!(stored(&app).await, before);
}

#[tokio::test]
async fn the_next_call_uses_a_new_text_back_at_once() {
    let (app, twilio, [owner, _admin, _staff]) = acme().await;
    play(&app, &MissedCall::new(1, CALLER).sequence()).await;
    let first = twilio.wait_for_sent(1).await;
    assert!(
        first[0].body.starts_with("Hi, this is Acme Heating & Air."),
        "{}",
        first[0].body
    );

    // The call rings (its routing is now fresh in the cache), the template changes, nobody
    // answers: the text-back is the new one, well within the cache's one-second TTL.
    let call = MissedCall::new(2, OTHER_CALLER);
    play(&app, &[call.inbound()]).await;
    let template = "{business} here: sorry we missed you, we'll call right back. Reply STOP to opt out.";
    assert_eq!(
        save(&app, &owner, &[("text_back_template", template)]).await.status(),
        200
    );
    play(&app, &[call.dial("no-answer")]).await;
    let sent = twilio.wait_for_sent(2).await;
    let second = sent
        .iter()
        .find(|s| s.to == OTHER_CALLER)
        .expect("a text-back to the second caller");
    assert_eq!(
        second.body,
        "Acme Heating & Air here: sorry we missed you, we'll call right back. Reply STOP to opt out."
    );
}

#[tokio::test]
async fn after_hours_a_call_hears_the_greeting_and_gets_one_text_back() {
    let (app, twilio, [owner, _admin, _staff]) = acme().await;
    // Open: the call rings the office (and its routing is cached).
    let open = MissedCall::new(10, THIRD_CALLER);
    let answers = play(&app, &[open.inbound()]).await;
    assert!(answers[0].contains("<Dial"), "{}", answers[0]);

    let closed: Vec<(&'static str, &str)> = [
        "hours_mon",
        "hours_tue",
        "hours_wed",
        "hours_thu",
        "hours_fri",
        "hours_sat",
        "hours_sun",
    ]
    .into_iter()
    .map(|day| (day, "closed"))
    .chain([(
        "after_hours_greeting",
        "You've reached {business} after hours. We'll text you now.",
    )])
    .collect();
    assert_eq!(save(&app, &owner, &closed).await.status(), 200);

    let call = MissedCall::new(11, CALLER);
    let answers = play(&app, &[call.inbound()]).await;
    assert!(
        answers[0].contains(
            "<Say>You&apos;ve reached Acme Heating &amp; Air after hours. We&apos;ll text you now.</Say><Hangup/>"
        ),
        "{}",
        answers[0]
    );
    assert!(!answers[0].contains("<Dial"));
    let sent = twilio.wait_for_sent(1).await;
    assert_eq!(sent[0].to, CALLER);
    assert!(
        sent[0].body.starts_with("Hi, this is Acme Heating & Air."),
        "{}",
        sent[0].body
    );
    // The call's later status callback opens no second path.
    play(&app, &[call.status("completed", "2")]).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(twilio.sent().len(), 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM leads WHERE source = 'after_hours'")
            .await,
        1
    );
}

#[tokio::test]
async fn on_a_closure_date_the_office_is_closed_all_day() {
    let (app, twilio, [owner, _admin, _staff]) = acme().await;
    // Today and tomorrow in the org's timezone (a save near midnight still covers "now").
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::America::Chicago)
        .date_naive();
    let dates = format!("{today}, {}", today.succ_opt().unwrap());
    assert_eq!(
        save(&app, &owner, &[("closure_dates", dates.as_str())]).await.status(),
        200
    );

    let call = MissedCall::new(20, CALLER);
    let answers = play(&app, &[call.inbound()]).await;
    assert!(answers[0].contains("We&apos;re closed right now"), "{}", answers[0]);
    assert!(!answers[0].contains("<Dial"));
    twilio.wait_for_sent(1).await;

    // No closure dates: forwarded again, straight away.
    assert_eq!(save(&app, &owner, &[("closure_dates", "")]).await.status(), 200);
    let answers = play(&app, &[MissedCall::new(21, OTHER_CALLER).inbound()]).await;
    assert!(answers[0].contains("<Dial"), "{}", answers[0]);
}
