//! The lead inbox over HTTP: tenant isolation, replies through the outbox, opt-out refusal,
//! status, booking, pagination and recovery figures.

use app::domain::Role;

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

async fn setup() -> (TestApp, FakeTwilio, reqwest::Client, String) {
    // http public URL: session cookies are not Secure, so the test client sends them back
    let (app, twilio) = spawn_twilio_app(&[("CALLSNARE_PUBLIC_URL", "http://callsnare.test")]).await;
    seed_member(&app.db, "acme", "tech@acme.test", Role::Staff).await;
    play(&app, &MissedCall::new(1, CALLER).sequence()).await;
    play(
        &app,
        &[sms(
            "SM00000000000000000000000000000101",
            CALLER,
            "<b>Furnace</b> is out & it's 50°F inside",
        )],
    )
    .await;
    twilio.wait_for_sent(1).await;
    let staff = app.new_client();
    app.sign_in(&staff, "tech@acme.test").await;
    let lead_id: String = app::ssr::db::query_scalar("SELECT id FROM leads")
        .fetch_one(&app.db)
        .await
        .unwrap();
    (app, twilio, staff, lead_id)
}

#[tokio::test]
async fn the_inbox_lists_the_lead_waiting_on_us_with_its_last_message() {
    let (app, _twilio, staff, lead_id) = setup().await;
    let page = app.rpc_json(&staff, "leads/list", &[]).await;
    let leads = page["leads"].as_array().unwrap();
    assert_eq!(leads.len(), 1);
    assert_eq!(leads[0]["id"], lead_id.as_str());
    assert_eq!(leads[0]["source"], "missed_call");
    assert_eq!(leads[0]["needs_reply"], true);
    assert_eq!(
        leads[0]["last_message_preview"],
        "<b>Furnace</b> is out & it's 50°F inside"
    );
    let filtered = app.rpc_json(&staff, "leads/list", &[("status", "booked")]).await;
    assert!(filtered["leads"].as_array().unwrap().is_empty());
    // the last four digits, the whole number as people write it, or part of it
    for (q, hits) in [
        ("2671", 1),
        ("(415) 555-2671", 1),
        ("+1 415 555 2671", 1),
        ("555267", 1),
        ("2672", 0),
        ("(415) 555-2672", 0),
        // a backslash or wildcard typed in a search is literal, on either engine
        ("\\", 0),
        ("55\\5", 0),
    ] {
        let search = app.rpc_json(&staff, "leads/list", &[("q", q)]).await;
        assert_eq!(search["leads"].as_array().unwrap().len(), hits, "search {q:?}");
    }
    // customer text is rendered as text, never as markup
    let html = app.html(&staff, &format!("/app/leads/{lead_id}")).await;
    assert!(html.contains("&lt;b&gt;Furnace&lt;/b&gt;"), "escaped");
    assert!(!html.contains("<b>Furnace</b>"));
}

#[tokio::test]
async fn a_reply_goes_out_through_the_outbox_and_marks_the_lead_contacted() {
    let (app, twilio, staff, lead_id) = setup().await;
    let resp = app
        .rpc_with(
            &staff,
            "leads/reply",
            &[
                ("lead_id", &lead_id),
                ("body", "We can be there at 3pm today."),
                ("form_token", &form_token()),
            ],
        )
        .await;
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
    let sent = twilio.wait_for_sent(2).await;
    assert_eq!(sent[1].body, "We can be there at 3pm today.");
    assert_eq!(sent[1].to, CALLER);
    let detail = app.rpc_json(&staff, "leads/get", &[("lead_id", &lead_id)]).await;
    assert_eq!(detail["lead"]["status"], "contacted");
    assert_eq!(detail["lead"]["needs_reply"], false);
    let kinds: Vec<&str> = detail["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"call") && kinds.contains(&"message_in") && kinds.contains(&"message_out"),
        "{kinds:?}"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'lead.replied'")
            .await,
        1
    );
}

#[tokio::test]
async fn replies_to_an_opted_out_number_are_refused_clearly() {
    let (app, twilio, staff, lead_id) = setup().await;
    play(&app, &[sms("SM00000000000000000000000000000102", CALLER, "STOP")]).await;
    let resp = app
        .rpc_with(
            &staff,
            "leads/reply",
            &[
                ("lead_id", &lead_id),
                ("body", "Are you still there?"),
                ("form_token", &form_token()),
            ],
        )
        .await;
    assert_eq!(resp.status(), 409);
    assert!(resp.text().await.unwrap().contains("opted out"));
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(twilio.sent().len(), 1);
}

#[tokio::test]
async fn booking_a_job_books_the_lead_and_counts_in_recovery() {
    let (app, twilio, staff, lead_id) = setup().await;
    let day = days_ahead(30);
    let date = day.format("%Y-%m-%d").to_string();
    let resp = app
        .rpc_with(
            &staff,
            "leads/book",
            &[
                ("lead_id", &lead_id),
                ("date", &date),
                ("arrival_start", "08:00"),
                ("arrival_end", "10:00"),
                ("job_type", "no_heat"),
                ("job_value", "$1,250"),
                ("send_confirmation", "true"),
                ("form_token", &form_token()),
            ],
        )
        .await;
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
    let sent = twilio.wait_for_sent(2).await;
    let booked_for = format!(
        "you're booked for {} between 8:00 am and 10:00 am",
        day.format("%A %B %-d")
    );
    assert!(sent[1].body.contains(&booked_for), "{}", sent[1].body);
    // the window is read in the org's timezone (America/Chicago)
    assert_eq!(
        app.count("SELECT window_start FROM bookings").await,
        chicago_ms(day, 8, 0)
    );
    let stats = app.rpc_json(&staff, "leads/stats", &[]).await;
    assert_eq!(stats["missed_calls_30d"], 1);
    assert_eq!(stats["text_backs_30d"], 1);
    assert_eq!(stats["replied_30d"], 1);
    assert_eq!(stats["booked_from_missed_30d"], 1);
    assert_eq!(stats["booked_value_cents_30d"], 125_000);

    // Each figure links to exactly the leads it counts: a customer who texted first is in
    // none of the missed-call figures.
    play(
        &app,
        &[sms(
            "SM00000000000000000000000000000102",
            "+14155552999",
            "Do you service heat pumps?",
        )],
    )
    .await;
    let reply = app
        .rpc_with(
            &staff,
            "leads/reply",
            &[
                ("lead_id", &lead_id),
                ("body", "On our way."),
                ("form_token", &form_token()),
            ],
        )
        .await;
    assert_eq!(reply.status(), 200);
    for figure in [
        "missed_today",
        "missed_30d",
        "text_backs_30d",
        "replied_30d",
        "booked_30d",
        "responded_30d",
    ] {
        let page = app.rpc_json(&staff, "leads/list", &[("figure", figure)]).await;
        let ids: Vec<&str> = page["leads"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, [lead_id.as_str()], "figure {figure}");
    }
    let all = app.rpc_json(&staff, "leads/list", &[]).await;
    assert_eq!(all["leads"].as_array().unwrap().len(), 2);
    let unknown = app.rpc_with(&staff, "leads/list", &[("figure", "everything")]).await;
    assert_eq!(unknown.status(), 422);

    let detail = app.rpc_json(&staff, "leads/get", &[("lead_id", &lead_id)]).await;
    assert_eq!(detail["lead"]["status"], "booked");
    let bad = app
        .rpc_with(
            &staff,
            "leads/book",
            &[
                ("lead_id", &lead_id),
                ("date", &date),
                ("arrival_start", "10:00"),
                ("arrival_end", "08:00"),
                ("job_type", "no_heat"),
                ("form_token", &form_token()),
            ],
        )
        .await;
    assert_eq!(bad.status(), 422);
    assert_eq!(app.count("SELECT COUNT(*) FROM bookings").await, 1);
}

#[tokio::test]
async fn another_org_cannot_see_or_touch_the_lead() {
    let (app, twilio, _staff, lead_id) = setup().await;
    seed_org(&app.db, "rival", "Rival HVAC", "+14155550200", &["+14155550201"]).await;
    let rival = app.new_client();
    app.sign_in(&rival, "owner@rival.test").await;
    let page = app.rpc_json(&rival, "leads/list", &[]).await;
    assert!(page["leads"].as_array().unwrap().is_empty());
    assert_eq!(
        app.rpc_with(&rival, "leads/get", &[("lead_id", &lead_id)])
            .await
            .status(),
        404
    );
    assert_eq!(
        app.rpc_with(
            &rival,
            "leads/reply",
            &[("lead_id", &lead_id), ("body", "hi"), ("form_token", &form_token())]
        )
        .await
        .status(),
        404
    );
    assert_eq!(
        app.rpc_with(
            &rival,
            "leads/update",
            &[
                ("lead_id", &lead_id),
                ("status", "spam"),
                ("name", "x"),
                ("address", ""),
                ("notes", "")
            ]
        )
        .await
        .status(),
        404
    );
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(twilio.sent().len(), 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM leads WHERE status = 'spam'").await, 0);
}

#[tokio::test]
async fn pagination_walks_every_lead_once() {
    let (app, _twilio) = spawn_twilio_app(&[("CALLSNARE_PUBLIC_URL", "http://callsnare.test")]).await;
    let org: String = app::ssr::db::query_scalar("SELECT id FROM orgs")
        .fetch_one(&app.db)
        .await
        .unwrap();
    for i in 0..120 {
        app::ssr::db::query("INSERT INTO leads (id, org_id, caller_number, source, last_activity_at, created_at, updated_at) VALUES ($1, $2, $3, 'missed_call', $4, $4, $4)")
            .bind(format!("lead_{i:032x}"))
            .bind(&org)
            .bind(format!("+1512555{i:04}"))
            .bind(1_000_000 + (i / 3) as i64) // ties on last_activity_at are broken by id
            .execute(&app.db)
            .await
            .unwrap();
    }
    let owner = app.new_client();
    app.sign_in(&owner, "owner@acme.test").await;
    let mut seen = std::collections::HashSet::new();
    let mut cursor = String::new();
    let mut pages = 0;
    loop {
        let page = app.rpc_json(&owner, "leads/list", &[("cursor", &cursor)]).await;
        pages += 1;
        for l in page["leads"].as_array().unwrap() {
            assert!(
                seen.insert(l["id"].as_str().unwrap().to_owned()),
                "duplicate across pages"
            );
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = c.to_owned(),
            None => break,
        }
    }
    assert_eq!(seen.len(), 120);
    assert_eq!(pages, 3);
}

#[tokio::test]
async fn the_live_stream_needs_a_session_and_carries_only_the_orgs_events() {
    let (app, _twilio, staff, _lead_id) = setup().await;
    assert_eq!(
        app.new_client()
            .get(app.url("/app/events"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    let mut resp = staff.get(app.url("/app/events")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let first = resp.chunk().await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&first).contains("event: ready"));
    seed_org(&app.db, "rival", "Rival HVAC", "+14155550200", &["+14155550201"]).await;
    // a rival's missed call is not delivered; ours is
    let mut rival_call = MissedCall::new(50, "+14155559876").sequence();
    for (_, params) in rival_call.iter_mut() {
        for (k, v) in params.iter_mut() {
            if k == "To" || k == "Called" {
                *v = "+14155550200".into();
            }
        }
    }
    play(&app, &rival_call).await;
    play(
        &app,
        &[sms("SM00000000000000000000000000000103", CALLER, "Any update?")],
    )
    .await;
    let chunk = tokio::time::timeout(std::time::Duration::from_secs(2), resp.chunk())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let text = String::from_utf8_lossy(&chunk).into_owned();
    assert!(text.contains("event: lead"), "{text}");
    let ours: String = app::ssr::db::query_scalar("SELECT id FROM leads WHERE caller_number = $1")
        .bind(CALLER)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert!(text.contains(&ours), "{text}");
}

#[tokio::test]
async fn an_unanswered_lead_escalates_once_with_a_text_to_the_escalation_number() {
    let (app, twilio) = spawn_twilio_app(&[
        ("CALLSNARE_PUBLIC_URL", "http://callsnare.test"),
        ("CALLSNARE_ESCALATION_SCAN_SECS", "1"),
    ])
    .await;
    app::ssr::db::query("UPDATE routing_settings SET escalation_number = '+14155550199', escalation_minutes = 10")
        .execute(&app.db)
        .await
        .unwrap();
    play(&app, &MissedCall::new(60, CALLER).sequence()).await;
    twilio.wait_for_sent(1).await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM leads WHERE escalated_at IS NOT NULL")
            .await,
        0,
        "not before the window"
    );
    // no business hours set: always open, so due ten wall-clock minutes after intake
    assert_eq!(
        app.count("SELECT escalation_due_at - created_at FROM leads").await,
        600_000
    );
    // ten minutes pass without anyone responding
    app::ssr::db::query(
        "UPDATE leads SET created_at = created_at - 11 * 60000, escalation_due_at = escalation_due_at - 11 * 60000",
    )
    .execute(&app.db)
    .await
    .unwrap();
    let sent = twilio.wait_for_sent(2).await;
    assert_eq!(sent[1].to, "+14155550199");
    assert!(
        sent[1].body.contains(CALLER) && sent[1].body.contains("10+ minutes"),
        "{}",
        sent[1].body
    );
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert_eq!(twilio.sent().len(), 2, "never twice for the same lead");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM lead_events WHERE kind = 'lead.escalated'")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'lead.escalated' AND actor_kind = 'system'")
            .await,
        1
    );
    let owner = app.new_client();
    app.sign_in(&owner, "owner@acme.test").await;
    let page = app.rpc_json(&owner, "leads/list", &[]).await;
    assert_eq!(page["leads"][0]["escalated"], true);
}

#[tokio::test]
async fn leads_are_assigned_only_to_members_of_the_same_org() {
    let (app, _twilio, staff, lead_id) = setup().await;
    let tech: String = app::ssr::db::query_scalar("SELECT id FROM users WHERE email = 'tech@acme.test'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    seed_org(&app.db, "rival", "Rival HVAC", "+14155550200", &["+14155550201"]).await;
    let outsider: String = app::ssr::db::query_scalar("SELECT id FROM users WHERE email = 'owner@rival.test'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let update = |assignee: String| {
        let (app, staff, lead_id) = (&app, &staff, lead_id.clone());
        async move {
            app.rpc_with(
                staff,
                "leads/update",
                &[
                    ("lead_id", &lead_id),
                    ("status", "new"),
                    ("name", "Pat"),
                    ("address", ""),
                    ("notes", ""),
                    ("assigned_user_id", &assignee),
                ],
            )
            .await
            .status()
        }
    };
    assert_eq!(update(tech.clone()).await, 200);
    assert_eq!(update(outsider).await, 404);
    let detail = app.rpc_json(&staff, "leads/get", &[("lead_id", &lead_id)]).await;
    assert_eq!(detail["lead"]["assigned_to"], tech.as_str());
    assert_eq!(detail["lead"]["name"], "Pat");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'lead.assigned'")
            .await,
        1
    );
}

#[tokio::test]
async fn forms_work_without_javascript_and_errors_come_back_to_the_page() {
    let (app, twilio, staff, lead_id) = setup().await;
    let page = format!("{}/app/leads/{lead_id}", app.origin());
    let post = |body: &'static str| {
        let (app, staff, page, lead_id) = (&app, &staff, page.clone(), lead_id.clone());
        async move {
            let token = form_token();
            staff
                .post(app.url("/rpc/leads/reply"))
                .header("origin", app.origin())
                .header("accept", "text/html,application/xhtml+xml")
                .header("referer", &page)
                .form(&[
                    ("lead_id", lead_id.as_str()),
                    ("body", body),
                    ("form_token", token.as_str()),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    let ok = post("On our way!").await;
    assert_eq!(ok.status(), 302);
    // back to the lead page, saying which form succeeded
    assert_eq!(
        ok.headers()["location"].to_str().unwrap(),
        format!("/app/leads/{lead_id}?form_done=leads/reply")
    );
    twilio.wait_for_sent(2).await;

    play(&app, &[sms("SM00000000000000000000000000000104", CALLER, "STOP")]).await;
    let refused = post("One more thing").await;
    assert_eq!(refused.status(), 302);
    let back = refused.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        back.starts_with(&format!("/app/leads/{lead_id}?form_error=conflict")),
        "{back}"
    );
    let html = app.html(&staff, &back).await;
    assert!(html.contains("the customer opted out of texts"), "{html}");
    // the code, not free text, travels in the URL
    let forged = app
        .html(
            &staff,
            &format!("/app/leads/{lead_id}?form_error=%3Cscript%3Ealert(1)%3C/script%3E"),
        )
        .await;
    assert!(!forged.contains("alert(1)"));
}

/// A missed call whose caller Twilio places in `state`.
fn call_from(n: u32, caller: &str, state: &str) -> Vec<(&'static str, Vec<(String, String)>)> {
    let mut steps = MissedCall::new(n, caller).sequence();
    for (_, params) in &mut steps {
        params.retain(|(k, _)| k != "FromState");
        params.push(("FromState".into(), state.into()));
        params.push(("FromCountry".into(), "US".into()));
    }
    steps
}

#[tokio::test]
async fn quiet_hours_are_the_customers_own_local_hours() {
    use chrono::Timelike;

    let (app, _twilio) = spawn_twilio_app(&[("CALLSNARE_PUBLIC_URL", "http://callsnare.test")]).await;
    // A send window open for the hour around "now" in Los Angeles, which is always two hours
    // behind the business (America/Chicago): closed there.
    let la = chrono::Utc::now().with_timezone(&chrono_tz::America::Los_Angeles);
    let minute = i64::from(la.hour() * 60 + la.minute());
    app::ssr::db::query("UPDATE routing_settings SET send_window_start_minute = $1, send_window_end_minute = $2")
        .bind((minute - 30).max(0))
        .bind((minute + 30).min(1440))
        .execute(&app.db)
        .await
        .unwrap();
    play(&app, &call_from(1, "+13105550142", "CA")).await;
    play(&app, &call_from(2, "+15125550143", "TX")).await;
    let zones: Vec<(String, Option<String>)> =
        app::ssr::db::query_as("SELECT caller_number, caller_timezone FROM leads ORDER BY caller_number")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(
        zones,
        [
            ("+13105550142".to_owned(), Some("America/Los_Angeles".to_owned())),
            ("+15125550143".to_owned(), Some("America/Chicago".to_owned())),
        ]
    );

    let owner = app.new_client();
    app.sign_in(&owner, "owner@acme.test").await;
    for (caller, quiet) in [("+13105550142", false), ("+15125550143", true)] {
        let lead_id: String = app::ssr::db::query_scalar("SELECT id FROM leads WHERE caller_number = $1")
            .bind(caller)
            .fetch_one(&app.db)
            .await
            .unwrap();
        let detail = app.rpc_json(&owner, "leads/get", &[("lead_id", &lead_id)]).await;
        assert_eq!(detail["in_quiet_hours"], quiet, "{caller}");
    }
}

#[tokio::test]
async fn escalation_counts_open_minutes_and_a_closed_office_never_blocks_another_org() {
    use chrono::{Datelike, TimeZone};

    let (app, twilio) = spawn_twilio_app(&[
        ("CALLSNARE_PUBLIC_URL", "http://callsnare.test"),
        ("CALLSNARE_ESCALATION_SCAN_SECS", "1"),
    ])
    .await;
    seed_org(&app.db, "rival", "Rival HVAC", "+14155550200", &["+14155550201"]).await;
    // Acme (America/Chicago) is open only on the day three days from now, all day.
    let chicago = chrono_tz::America::Chicago;
    let today = chrono::Utc::now().with_timezone(&chicago).date_naive();
    let open_day = today + chrono::Days::new(3);
    let mut days = ["[]"; 7];
    days[open_day.weekday().num_days_from_monday() as usize] = "[[0,1440]]";
    app::ssr::db::query(
        "UPDATE routing_settings SET business_hours = $1, escalation_number = '+14155550199', escalation_minutes = 10 \
         WHERE org_id = (SELECT id FROM orgs WHERE slug = 'acme')",
    )
    .bind(format!(r#"{{"days":[{}]}}"#, days.join(",")))
    .execute(&app.db)
    .await
    .unwrap();
    app::ssr::db::query(
        "UPDATE routing_settings SET escalation_number = '+14155550299', escalation_minutes = 10 \
         WHERE org_id = (SELECT id FROM orgs WHERE slug = 'rival')",
    )
    .execute(&app.db)
    .await
    .unwrap();

    play(&app, &MissedCall::new(70, CALLER).sequence()).await;
    let expected = chicago
        .from_local_datetime(&open_day.and_hms_opt(0, 10, 0).unwrap())
        .earliest()
        .unwrap()
        .timestamp_millis();
    assert_eq!(
        app.count("SELECT escalation_due_at FROM leads").await,
        expected,
        "ten open minutes after the office next opens"
    );
    // A closed office's backlog: 150 waiting leads, all created a day ago.
    for i in 0..150 {
        app::ssr::db::query(
            "INSERT INTO leads (id, org_id, caller_number, source, last_activity_at, created_at, updated_at, escalation_due_at) \
             SELECT $1, id, $2, 'missed_call', 0, 0, 0, $3 FROM orgs WHERE slug = 'acme'",
        )
        .bind(format!("lead_backlog{i:04}"))
        .bind(format!("+1512555{i:04}"))
        .bind(expected)
        .execute(&app.db)
        .await
        .unwrap();
    }
    // Rival's lead falls due: it escalates at once, Acme's backlog notwithstanding.
    let rival_caller = "+14155557777";
    let mut call = MissedCall::new(71, rival_caller).sequence();
    for (_, params) in &mut call {
        for (k, v) in params.iter_mut() {
            if k == "To" || k == "Called" {
                *v = "+14155550200".into();
            }
        }
    }
    play(&app, &call).await;
    app::ssr::db::query("UPDATE leads SET escalation_due_at = escalation_due_at - 11 * 60000 WHERE caller_number = $1")
        .bind(rival_caller)
        .execute(&app.db)
        .await
        .unwrap();
    let sent = twilio.wait_for_sent(3).await;
    let escalations: Vec<_> = sent.iter().filter(|m| m.body.starts_with("CallSnare:")).collect();
    assert_eq!(escalations.len(), 1, "{sent:?}");
    assert_eq!(escalations[0].to, "+14155550299");
    assert!(escalations[0].body.contains(rival_caller));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM leads WHERE escalated_at IS NOT NULL")
            .await,
        1
    );
}
