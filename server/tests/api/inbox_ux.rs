//! The lead page in an office manager's hand (issue 13), over HTTP: a form submitted twice
//! is carried out once (with JavaScript or without), bookings are never in the past and can
//! be moved or cancelled (texting the customer once, the figures following), quick replies,
//! and replying claims an unassigned lead.

use std::time::Duration;

use app::domain::Role;
use serde_json::{json, Value};

use crate::{
    fake_twilio::FakeTwilio,
    helpers::{
        chicago_ms, days_ahead, form_token, seed_member, seed_org, sms, spawn_twilio_app, MissedCall, Signing, TestApp,
        CALLER,
    },
};

async fn play(app: &TestApp, steps: &[(&'static str, Vec<(String, String)>)]) {
    for (path, params) in steps {
        assert_eq!(app.post_twilio(path, params, Signing::Valid).await.status(), 200);
    }
}

/// Acme with a staff member signed in and one lead from a missed call (its text-back sent).
async fn setup() -> (TestApp, FakeTwilio, reqwest::Client, String) {
    // http public URL: session cookies are not Secure, so the test client sends them back
    let (app, twilio) = spawn_twilio_app(&[("CALLSNARE_PUBLIC_URL", "http://callsnare.test")]).await;
    seed_member(&app.db, "acme", "tech@acme.test", Role::Staff).await;
    play(&app, &MissedCall::new(1, CALLER).sequence()).await;
    twilio.wait_for_sent(1).await;
    let staff = app.new_client();
    app.sign_in(&staff, "tech@acme.test").await;
    let lead_id: String = app::ssr::db::query_scalar("SELECT id FROM leads")
        .fetch_one(&app.db)
        .await
        .unwrap();
    (app, twilio, staff, lead_id)
}

async fn detail(app: &TestApp, client: &reqwest::Client, lead_id: &str) -> Value {
    app.rpc_json(client, "leads/get", &[("lead_id", lead_id)]).await
}

/// Exactly `n` texts reached Twilio, and no more follow.
async fn texts_sent(twilio: &FakeTwilio, n: usize) -> Vec<crate::fake_twilio::SentSms> {
    twilio.wait_for_sent(n).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let sent = twilio.sent();
    assert_eq!(sent.len(), n, "{sent:?}");
    sent
}

/// Posts like a browser without JavaScript on `page`: accepts HTML, the page as Referer.
async fn post_from_page(
    app: &TestApp,
    client: &reqwest::Client,
    page: &str,
    endpoint: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    client
        .post(app.url(&format!("/rpc/{endpoint}")))
        .header("origin", app.origin())
        .header("accept", "text/html,application/xhtml+xml")
        .header("referer", format!("{}{page}", app.origin()))
        .form(form)
        .send()
        .await
        .unwrap()
}

fn location(resp: &reqwest::Response) -> String {
    resp.headers()["location"].to_str().unwrap().to_owned()
}

fn validation_field(body: &Value) -> Option<&str> {
    body.get("Validation")?.get("field")?.as_str()
}

async fn book(
    app: &TestApp,
    client: &reqwest::Client,
    lead_id: &str,
    day: chrono::NaiveDate,
    (start, end): (&str, &str),
    job_value: &str,
) -> reqwest::Response {
    let date = day.format("%Y-%m-%d").to_string();
    let token = form_token();
    app.rpc_with(
        client,
        "leads/book",
        &[
            ("lead_id", lead_id),
            ("date", &date),
            ("arrival_start", start),
            ("arrival_end", end),
            ("job_type", "no_heat"),
            ("job_value", job_value),
            ("form_token", &token),
        ],
    )
    .await
}

/// What a refused write could have left behind: bookings, the lead's status, its timeline,
/// the audit trail and the texts queued.
async fn stored(app: &TestApp, lead_id: &str) -> (i64, String, i64, i64, i64) {
    let status: String = app::ssr::db::query_scalar("SELECT status FROM leads WHERE id = $1")
        .bind(lead_id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    (
        app.count("SELECT COUNT(*) FROM bookings").await,
        status,
        app.count("SELECT COUNT(*) FROM lead_events").await,
        app.count("SELECT COUNT(*) FROM audit_events").await,
        app.count("SELECT COUNT(*) FROM sms_outbox").await,
    )
}

#[tokio::test]
async fn a_reply_form_posted_twice_at_once_texts_once_and_the_second_is_told_it_was_already_sent() {
    let (app, twilio, staff, lead_id) = setup().await;
    let d = detail(&app, &staff, &lead_id).await;
    let token = d["tokens"]["reply"].as_str().unwrap().to_owned();
    let form = [
        ("lead_id", lead_id.as_str()),
        ("body", "A tech can be there by 3pm."),
        ("form_token", token.as_str()),
    ];
    let (a, b) = tokio::join!(
        app.rpc_with(&staff, "leads/reply", &form),
        app.rpc_with(&staff, "leads/reply", &form)
    );
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409]);
    let refused = if a.status() == 409 { a } else { b };
    assert_eq!(refused.json::<Value>().await.unwrap(), json!("AlreadySubmitted"));

    let sent = texts_sent(&twilio, 2).await;
    assert_eq!(sent[1].body, "A tech can be there by 3pm.");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM sms_outbox o JOIN messages m ON m.id = o.message_id WHERE m.purpose = 'reply'")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'lead.replied'")
            .await,
        1
    );
    // later, a retry of the same form is still refused; a new form (new token) goes out
    assert_eq!(app.rpc_with(&staff, "leads/reply", &form).await.status(), 409);
    let again = detail(&app, &staff, &lead_id).await;
    let fresh = again["tokens"]["reply"].as_str().unwrap();
    assert_ne!(fresh, token, "every read hands out a fresh token");
    let second = app
        .rpc_with(
            &staff,
            "leads/reply",
            &[("lead_id", &lead_id), ("body", "See you then."), ("form_token", fresh)],
        )
        .await;
    assert_eq!(second.status(), 200);
    texts_sent(&twilio, 3).await;
}

#[tokio::test]
async fn a_reply_posted_twice_without_javascript_sends_once_and_the_page_says_so() {
    let (app, twilio, staff, lead_id) = setup().await;
    let page = format!("/app/leads/{lead_id}");
    let html = app.html(&staff, &page).await;
    assert!(html.contains("name=\"form_token\""), "the forms carry their tokens");
    let token = form_token();
    let form = [
        ("lead_id", lead_id.as_str()),
        ("body", "On our way!"),
        ("form_token", token.as_str()),
    ];

    let first = post_from_page(&app, &staff, &page, "leads/reply", &form).await;
    assert_eq!(first.status(), 302);
    let done = location(&first);
    assert_eq!(done, format!("{page}?form_done=leads/reply"));
    let html = app.html(&staff, &done).await;
    assert!(html.contains("Sent ✓"), "the page says it worked");

    // the browser's resubmit: posted from the page it landed on
    let second = post_from_page(&app, &staff, &done, "leads/reply", &form).await;
    assert_eq!(second.status(), 302);
    let refused = location(&second);
    assert!(
        refused.starts_with(&page) && refused.contains("form_error=already_submitted"),
        "{refused}"
    );
    let html = app.html(&staff, &refused).await;
    assert!(html.contains("Already sent — this form was submitted twice."));
    assert!(!html.contains("Sent ✓"), "the refusal, not the earlier success");
    // shown by the reply form itself when the refusal names it
    let by_form = app
        .html(
            &staff,
            &format!("{page}?form_error=already_submitted&form_for=leads/reply"),
        )
        .await;
    let reply_card =
        &by_form[by_form.find("id=\"reply-heading\"").unwrap()..by_form.find("id=\"timeline-heading\"").unwrap()];
    assert!(reply_card.contains("Already sent — this form was submitted twice."));

    texts_sent(&twilio, 2).await;
}

#[tokio::test]
async fn the_same_reply_resent_with_a_fresh_token_after_the_back_button_sends_once() {
    let (app, twilio, staff, lead_id) = setup().await;
    let page = format!("/app/leads/{lead_id}");
    let post = |token: String, body: &'static str| {
        let (app, staff, page, lead_id) = (&app, &staff, page.clone(), lead_id.clone());
        async move {
            let form = [
                ("lead_id", lead_id.as_str()),
                ("body", body),
                ("form_token", token.as_str()),
            ];
            location(&post_from_page(app, staff, &page, "leads/reply", &form).await)
        }
    };
    assert!(post(form_token(), "Tech is 10 minutes out.")
        .await
        .contains("form_done=leads/reply"));
    // Back reloads the page (no-store): a new token, the typed text restored by the browser
    let again = post(form_token(), "Tech is 10 minutes out.").await;
    assert!(again.contains("form_error=already_submitted"), "{again}");
    // a different text is a new message
    assert!(post(form_token(), "Tech is 5 minutes out.")
        .await
        .contains("form_done=leads/reply"));
    let sent = texts_sent(&twilio, 3).await;
    let bodies: Vec<&str> = sent.iter().map(|s| s.body.as_str()).collect();
    assert_eq!(
        bodies.iter().filter(|b| **b == "Tech is 10 minutes out.").count(),
        1,
        "{bodies:?}"
    );
}

#[tokio::test]
async fn a_booking_in_the_past_is_refused_and_nothing_is_stored() {
    let (app, twilio, staff, lead_id) = setup().await;
    let before = stored(&app, &lead_id).await;
    let yesterday = days_ahead(0) - chrono::Days::new(1);
    // (a window earlier today that has already ended is refused too: see the unit tests
    // of services/inbox/booking.rs, which control the clock)
    for (day, window) in [
        (yesterday, ("08:00", "10:00")),
        (days_ahead(0) - chrono::Days::new(400), ("08:00", "10:00")),
    ] {
        let resp = book(&app, &staff, &lead_id, day, window, "$250").await;
        assert_eq!(resp.status(), 422, "{day}");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(validation_field(&body), Some("date"), "{body}");
        assert!(body["Validation"]["message"].as_str().unwrap().contains("in the past"));
    }
    assert_eq!(stored(&app, &lead_id).await, before);
    let stats = app.rpc_json(&staff, "leads/stats", &[]).await;
    assert_eq!(stats["booked_from_missed_30d"], 0);

    // without JavaScript: back to the page naming the field, which the page explains
    let page = format!("/app/leads/{lead_id}");
    let date = yesterday.format("%Y-%m-%d").to_string();
    let token = form_token();
    let resp = post_from_page(
        &app,
        &staff,
        &page,
        "leads/book",
        &[
            ("lead_id", lead_id.as_str()),
            ("date", date.as_str()),
            ("arrival_start", "08:00"),
            ("arrival_end", "10:00"),
            ("job_type", "no_heat"),
            ("send_confirmation", "true"),
            ("form_token", token.as_str()),
        ],
    )
    .await;
    assert_eq!(resp.status(), 302);
    let back = location(&resp);
    assert!(
        back.contains("form_error=invalid") && back.contains("form_field=date"),
        "{back}"
    );
    let html = app
        .html(
            &staff,
            &format!("{page}?form_error=invalid&form_for=leads/book&form_field=date"),
        )
        .await;
    assert!(html.contains("a booking can&#x27;t be in the past") || html.contains("a booking can't be in the past"));
    assert_eq!(stored(&app, &lead_id).await, before);

    // a date ahead goes through (no confirmation asked: the text-back stays the only text)
    let ok = book(&app, &staff, &lead_id, days_ahead(2), ("08:00", "10:00"), "$250").await;
    assert_eq!(ok.status(), 200);
    texts_sent(&twilio, 1).await;
}

#[tokio::test]
async fn a_reschedule_posted_twice_texts_the_customer_once() {
    let (app, twilio, staff, lead_id) = setup().await;
    assert_eq!(
        book(&app, &staff, &lead_id, days_ahead(3), ("08:00", "10:00"), "")
            .await
            .status(),
        200
    );
    let d = detail(&app, &staff, &lead_id).await;
    let booking = &d["bookings"][0];
    assert_eq!(booking["booked"], true);
    assert_eq!(booking["job"], "No heat");
    assert_eq!(booking["arrival_start"], "08:00");
    let (id, token) = (
        booking["id"].as_str().unwrap().to_owned(),
        booking["reschedule_token"].as_str().unwrap().to_owned(),
    );
    let day = days_ahead(5);
    let date = day.format("%Y-%m-%d").to_string();
    let form = [
        ("booking_id", id.as_str()),
        ("date", date.as_str()),
        ("arrival_start", "13:00"),
        ("arrival_end", "15:00"),
        ("notify_customer", "true"),
        ("form_token", token.as_str()),
    ];
    let (a, b) = tokio::join!(
        app.rpc_with(&staff, "bookings/reschedule", &form),
        app.rpc_with(&staff, "bookings/reschedule", &form)
    );
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409]);

    let sent = texts_sent(&twilio, 2).await;
    let moved_to = format!("moved to {} between 1:00 pm and 3:00 pm", day.format("%A %B %-d"));
    assert!(sent[1].body.contains(&moved_to), "{}", sent[1].body);
    assert_eq!(
        app.count("SELECT window_start FROM bookings").await,
        chicago_ms(day, 13, 0)
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'booking.rescheduled'")
            .await,
        1
    );
    let after = detail(&app, &staff, &lead_id).await;
    assert_eq!(
        after["lead"]["status"], "booked",
        "moving a booking keeps the lead booked"
    );
    assert!(after["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["title"] == "Booking moved" && i["internal"] == true));

    // into the past: refused, nothing moved
    let past = (days_ahead(0) - chrono::Days::new(1)).format("%Y-%m-%d").to_string();
    let token = form_token();
    let resp = app
        .rpc_with(
            &staff,
            "bookings/reschedule",
            &[
                ("booking_id", id.as_str()),
                ("date", past.as_str()),
                ("arrival_start", "13:00"),
                ("arrival_end", "15:00"),
                ("form_token", token.as_str()),
            ],
        )
        .await;
    assert_eq!(resp.status(), 422);
    assert_eq!(
        app.count("SELECT window_start FROM bookings").await,
        chicago_ms(day, 13, 0)
    );

    // without JavaScript: back to the page, which says so
    let page = format!("/app/leads/{lead_id}");
    let token = form_token();
    let resp = post_from_page(
        &app,
        &staff,
        &page,
        "bookings/reschedule",
        &[
            ("booking_id", id.as_str()),
            ("date", date.as_str()),
            ("arrival_start", "14:00"),
            ("arrival_end", "16:00"),
            ("form_token", token.as_str()),
        ],
    )
    .await;
    assert_eq!(resp.status(), 302);
    let done = location(&resp);
    assert_eq!(done, format!("{page}?form_done=bookings/reschedule"));
    assert!(app.html(&staff, &done).await.contains("Rescheduled ✓"));
    texts_sent(&twilio, 2).await;
}

#[tokio::test]
async fn cancelling_bookings_updates_the_lead_and_the_recovery_figures() {
    let (app, twilio, staff, lead_id) = setup().await;
    for (days, value) in [(3, "$100"), (4, "$250")] {
        let resp = book(&app, &staff, &lead_id, days_ahead(days), ("08:00", "10:00"), value).await;
        assert_eq!(resp.status(), 200);
    }
    let stats = app.rpc_json(&staff, "leads/stats", &[]).await;
    assert_eq!(
        stats["booked_from_missed_30d"], 1,
        "one customer booked twice is one lead"
    );
    assert_eq!(stats["booked_value_cents_30d"], 35_000);

    let d = detail(&app, &staff, &lead_id).await;
    let bookings = d["bookings"].as_array().unwrap().clone();
    assert_eq!(bookings.len(), 2);
    let cancel = |booking: &Value| {
        let (app, staff) = (&app, &staff);
        let id = booking["id"].as_str().unwrap().to_owned();
        let token = booking["cancel_token"].as_str().unwrap().to_owned();
        async move {
            app.rpc_with(
                staff,
                "bookings/cancel",
                &[
                    ("booking_id", id.as_str()),
                    ("notify_customer", "true"),
                    ("form_token", token.as_str()),
                ],
            )
            .await
            .status()
        }
    };
    // newest first: the $250 job
    assert_eq!(cancel(&bookings[0]).await, 200);
    let stats = app.rpc_json(&staff, "leads/stats", &[]).await;
    assert_eq!(stats["booked_from_missed_30d"], 1);
    assert_eq!(stats["booked_value_cents_30d"], 10_000);
    assert_eq!(detail(&app, &staff, &lead_id).await["lead"]["status"], "booked");
    assert_eq!(cancel(&bookings[0]).await, 409, "the same form again");

    assert_eq!(cancel(&bookings[1]).await, 200);
    let stats = app.rpc_json(&staff, "leads/stats", &[]).await;
    assert_eq!(stats["booked_from_missed_30d"], 0);
    assert_eq!(stats["booked_value_cents_30d"], 0);
    let page = app.rpc_json(&staff, "leads/list", &[("figure", "booked_30d")]).await;
    assert!(page["leads"].as_array().unwrap().is_empty());
    let after = detail(&app, &staff, &lead_id).await;
    assert_eq!(after["lead"]["status"], "contacted", "no active booking left");
    assert!(after["bookings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|b| b["booked"] == false));
    let upcoming = app.rpc_json(&staff, "bookings/upcoming", &[]).await;
    assert!(upcoming.as_array().unwrap().is_empty());
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'booking.cancelled'")
            .await,
        2
    );

    // a cancelled booking cannot be cancelled or moved again
    let token = form_token();
    let id = bookings[1]["id"].as_str().unwrap();
    let again = app
        .rpc_with(
            &staff,
            "bookings/cancel",
            &[("booking_id", id), ("form_token", token.as_str())],
        )
        .await;
    assert_eq!(again.status(), 409);

    let sent = texts_sent(&twilio, 3).await;
    assert!(sent[1..].iter().all(|t| t.body.contains("is cancelled")), "{sent:?}");
}

#[tokio::test]
async fn another_orgs_booking_is_not_found_and_nothing_changes() {
    let (app, twilio, staff, lead_id) = setup().await;
    assert_eq!(
        book(&app, &staff, &lead_id, days_ahead(3), ("08:00", "10:00"), "$100")
            .await
            .status(),
        200
    );
    let id: String = app::ssr::db::query_scalar("SELECT id FROM bookings")
        .fetch_one(&app.db)
        .await
        .unwrap();
    seed_org(&app.db, "rival", "Rival HVAC", "+14155550200", &["+14155550201"]).await;
    let rival = app.new_client();
    app.sign_in(&rival, "owner@rival.test").await;
    let before = stored(&app, &lead_id).await;
    let window: (i64, String) = app::ssr::db::query_as("SELECT window_start, status FROM bookings")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let date = days_ahead(6).format("%Y-%m-%d").to_string();
    for (endpoint, id) in [
        ("bookings/reschedule", id.as_str()),
        ("bookings/cancel", id.as_str()),
        ("bookings/cancel", "bkg_00000000000000000000000000000000"),
    ] {
        let token = form_token();
        let resp = app
            .rpc_with(
                &rival,
                endpoint,
                &[
                    ("booking_id", id),
                    ("date", date.as_str()),
                    ("arrival_start", "08:00"),
                    ("arrival_end", "10:00"),
                    ("notify_customer", "true"),
                    ("form_token", token.as_str()),
                ],
            )
            .await;
        assert_eq!(resp.status(), 404, "{endpoint} {id}");
    }
    assert_eq!(stored(&app, &lead_id).await, before);
    let after: (i64, String) = app::ssr::db::query_as("SELECT window_start, status FROM bookings")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(after, window);
    texts_sent(&twilio, 1).await;
}

#[tokio::test]
async fn quick_replies_have_defaults_are_edited_by_admins_within_limits() {
    let (app, _twilio, staff, lead_id) = setup().await;
    let owner = app.new_client();
    app.sign_in(&owner, "owner@acme.test").await;
    let defaults = json!([
        "We're on it — a technician will call you shortly.",
        "Can you send a photo of the unit's model label?",
        "What's the best time for us to come by?"
    ]);
    assert_eq!(app.rpc_json(&owner, "quick_replies/get", &[]).await, defaults);
    assert_eq!(detail(&app, &staff, &lead_id).await["quick_replies"], defaults);
    let html = app.html(&staff, &format!("/app/leads/{lead_id}")).await;
    assert!(html.contains("aria-label=\"Quick replies\""));

    // staff use them but may not edit them
    assert_eq!(
        app.rpc_with(&staff, "quick_replies/save", &[("quick_replies", "Hi")])
            .await
            .status(),
        403
    );
    assert_eq!(app.rpc_with(&staff, "quick_replies/get", &[]).await.status(), 403);

    let saved = app
        .rpc_with(
            &owner,
            "quick_replies/save",
            &[("quick_replies", "  On our way!  \r\n\n \nCan you text a photo?\n")],
        )
        .await;
    assert_eq!(saved.status(), 200);
    let mine = json!(["On our way!", "Can you text a photo?"]);
    assert_eq!(app.rpc_json(&owner, "quick_replies/get", &[]).await, mine);
    assert_eq!(detail(&app, &staff, &lead_id).await["quick_replies"], mine);
    let audited = "SELECT COUNT(*) FROM audit_events WHERE action = 'quick_replies.changed'";
    assert_eq!(app.count(audited).await, 1);
    // the same list again changes nothing
    app.rpc_with(
        &owner,
        "quick_replies/save",
        &[("quick_replies", "On our way!\nCan you text a photo?")],
    )
    .await;
    assert_eq!(app.count(audited).await, 1);

    let eleven = ["Reply"; 11].join("\n");
    let too_long = "x".repeat(1_601);
    for bad in [eleven.as_str(), too_long.as_str()] {
        let resp = app
            .rpc_with(&owner, "quick_replies/save", &[("quick_replies", bad)])
            .await;
        assert_eq!(resp.status(), 422);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(validation_field(&body), Some("quick_replies"), "{body}");
    }
    assert_eq!(app.rpc_json(&owner, "quick_replies/get", &[]).await, mine);

    // the settings page's plain form: back to the page, which says so
    let resp = post_from_page(
        &app,
        &owner,
        "/app/settings",
        "quick_replies/save",
        &[("quick_replies", "Running 10 minutes late.")],
    )
    .await;
    assert_eq!(resp.status(), 302);
    let back = location(&resp);
    assert!(back.starts_with("/app/settings?quick_replies_saved=1"), "{back}");
    let html = app.html(&owner, &back).await;
    assert!(html.contains("Quick replies saved.") && html.contains("Running 10 minutes late."));
    assert!(html.contains("Save quick replies"));

    // none at all is allowed: the lead page then offers none
    assert_eq!(
        app.rpc_with(&owner, "quick_replies/save", &[("quick_replies", "\n")])
            .await
            .status(),
        200
    );
    assert_eq!(detail(&app, &staff, &lead_id).await["quick_replies"], json!([]));
}

#[tokio::test]
async fn replying_to_an_unassigned_lead_assigns_it_to_the_replier() {
    let (app, twilio, staff, lead_id) = setup().await;
    let tech: String = app::ssr::db::query_scalar("SELECT id FROM users WHERE email = 'tech@acme.test'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let reply = |body: &'static str| {
        let (app, staff, lead_id) = (&app, &staff, lead_id.clone());
        async move {
            let token = form_token();
            app.rpc_with(
                staff,
                "leads/reply",
                &[
                    ("lead_id", lead_id.as_str()),
                    ("body", body),
                    ("form_token", token.as_str()),
                ],
            )
            .await
            .status()
        }
    };
    assert_eq!(reply("Hi, this is Sam from Acme.").await, 200);
    let d = detail(&app, &staff, &lead_id).await;
    assert_eq!(d["lead"]["assigned_to"], tech.as_str());
    assert!(
        d["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["title"] == "Assigned to tech@acme.test"),
        "{}",
        d["timeline"]
    );
    let assigned = "SELECT COUNT(*) FROM audit_events WHERE action = 'lead.assigned'";
    assert_eq!(app.count(assigned).await, 1);
    // already theirs: no second assignment
    assert_eq!(reply("Running a little late.").await, 200);
    assert_eq!(app.count(assigned).await, 1);

    // a lead someone else has stays theirs
    play(&app, &MissedCall::new(2, "+14155552999").sequence()).await;
    let other: String = app::ssr::db::query_scalar("SELECT id FROM leads WHERE caller_number = '+14155552999'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let owner_id: String = app::ssr::db::query_scalar("SELECT id FROM users WHERE email = 'owner@acme.test'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    app::ssr::db::query("UPDATE leads SET assigned_user_id = $1 WHERE id = $2")
        .bind(&owner_id)
        .bind(&other)
        .execute(&app.db)
        .await
        .unwrap();
    let token = form_token();
    let resp = app
        .rpc_with(
            &staff,
            "leads/reply",
            &[
                ("lead_id", other.as_str()),
                ("body", "We can help."),
                ("form_token", token.as_str()),
            ],
        )
        .await;
    assert_eq!(resp.status(), 200);
    let d = detail(&app, &staff, &other).await;
    assert_eq!(d["lead"]["assigned_to"], owner_id.as_str());
    assert_eq!(app.count(assigned).await, 1);
    twilio.wait_for_sent(5).await;
}

#[tokio::test]
async fn a_form_without_a_usable_token_is_refused_before_anything_is_written() {
    let (app, twilio, staff, lead_id) = setup().await;
    let before = stored(&app, &lead_id).await;
    let expired = format!("{}{}", "0".repeat(12), "7000a000000000000000");
    for token in [None, Some(""), Some("not-a-token"), Some(expired.as_str())] {
        let mut form = vec![("lead_id", lead_id.as_str()), ("body", "Hello")];
        if let Some(t) = token {
            form.push(("form_token", t));
        }
        let resp = app.rpc_with(&staff, "leads/reply", &form).await;
        assert_eq!(resp.status(), 422, "{token:?}");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(validation_field(&body), Some("form_token"), "{body}");
    }
    assert_eq!(stored(&app, &lead_id).await, before);
    texts_sent(&twilio, 1).await;
}

#[tokio::test]
async fn housekeeping_prunes_form_token_claims_older_than_two_days() {
    let (app, _twilio, _staff, _lead_id) = setup().await;
    let org: String = app::ssr::db::query_scalar("SELECT id FROM orgs")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let now = chrono::Utc::now().timestamp_millis();
    for (token, at) in [
        ("a".repeat(32), now - 3 * 86_400_000),
        ("b".repeat(32), now - 3_600_000),
    ] {
        app::ssr::db::query(
            "INSERT INTO form_submissions (org_id, token, form, created_at) VALUES ($1, $2, 'leads/reply', $3)",
        )
        .bind(&org)
        .bind(token)
        .bind(at)
        .execute(&app.db)
        .await
        .unwrap();
    }
    server::maintenance::run_once(&app.db).await.unwrap();
    let left: Vec<String> = app::ssr::db::query_scalar("SELECT token FROM form_submissions")
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert_eq!(left, ["b".repeat(32)]);
}

#[tokio::test]
async fn the_lead_page_offers_one_tap_calls_and_texts_and_tells_internal_events_apart() {
    let (app, _twilio, staff, lead_id) = setup().await;
    play(
        &app,
        &[sms("SM00000000000000000000000000000201", CALLER, "Furnace is out")],
    )
    .await;
    let token = form_token();
    app.rpc_with(
        &staff,
        "leads/reply",
        &[
            ("lead_id", lead_id.as_str()),
            ("body", "On our way."),
            ("form_token", token.as_str()),
        ],
    )
    .await;
    let html = app.html(&staff, &format!("/app/leads/{lead_id}")).await;
    assert!(html.contains(&format!("href=\"tel:{CALLER}\"")), "a Call link");
    assert!(html.contains(&format!("href=\"sms:{CALLER}\"")) && html.contains("Text from my phone"));
    assert!(html.contains("(415) 555-2671"), "the number as people write it");
    assert!(html.contains("Show internal events") && html.contains("tl-internal"));
    assert!(html.contains("class=\"sms-counter"));
    // the conversation is not internal; status and assignment are
    let d = detail(&app, &staff, &lead_id).await;
    let timeline = d["timeline"].as_array().unwrap();
    for item in timeline {
        let conversation = ["call", "message_in", "message_out"].contains(&item["kind"].as_str().unwrap());
        assert_eq!(item["internal"], !conversation, "{item}");
    }
    // newest first
    let ats: Vec<i64> = timeline.iter().map(|i| i["at"].as_i64().unwrap()).collect();
    assert!(ats.windows(2).all(|w| w[0] >= w[1]), "{ats:?}");
}
