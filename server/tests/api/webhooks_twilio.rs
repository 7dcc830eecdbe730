use crate::{
    fake_twilio::Reply,
    helpers::{eventually, form, sms, spawn_twilio_app, MissedCall, Signing, CALLER, OFFICE_1, OFFICE_2, TRACKED},
};

async fn play(app: &crate::helpers::TestApp, steps: &[(&'static str, Vec<(String, String)>)]) -> Vec<String> {
    let mut answers = Vec::new();
    for (path, params) in steps {
        let resp = app.post_twilio(path, params, Signing::Valid).await;
        assert_eq!(resp.status(), 200, "{path}");
        assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/xml"));
        answers.push(resp.text().await.unwrap());
    }
    answers
}

#[tokio::test]
async fn missed_call_opens_one_lead_and_sends_one_text_back() {
    let (app, twilio) = spawn_twilio_app(&[]).await;
    let call = MissedCall::new(1, CALLER);
    let answers = play(&app, &call.sequence()).await;

    // inbound: ring both office phones at once, dial result comes back to us
    assert!(answers[0].contains(r#"<Dial action="https://callsnare.test/api/twilio/voice/dial-complete" method="POST" timeout="12" answerOnBridge="true">"#), "{}", answers[0]);
    assert!(answers[0].contains(&format!("<Number>{OFFICE_1}</Number><Number>{OFFICE_2}</Number>")));
    assert!(
        answers[1].contains("<Say>Sorry we couldn't get to the phone. We'll text you right back.</Say><Hangup/>"),
        "{}",
        answers[1]
    );

    let sent = twilio.wait_for_sent(1).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].from, TRACKED);
    assert_eq!(sent[0].to, CALLER);
    assert!(
        sent[0]
            .body
            .starts_with("Hi, this is Acme Heating & Air. Sorry we missed your call!"),
        "{}",
        sent[0].body
    );
    assert!(sent[0].body.contains("Reply STOP to opt out"));
    assert_eq!(sent[0].status_callback, "https://callsnare.test/api/twilio/sms/status");

    assert_eq!(app.count("SELECT COUNT(*) FROM leads").await, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM leads WHERE source = 'missed_call' AND caller_number = '+14155552671'")
            .await,
        1
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM calls WHERE outcome = 'missed' AND dial_call_status = 'no-answer' AND lead_id IS NOT NULL").await, 1);
    eventually("message marked handed over", || async {
        app.count("SELECT COUNT(*) FROM messages WHERE purpose = 'text_back' AND status = 'queued' AND provider_sid IS NOT NULL").await == 1
    })
    .await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM sms_outbox WHERE state = 'sent'").await,
        1
    );
    let timeline: Vec<String> = app::ssr::db::query_scalar("SELECT kind FROM lead_events ORDER BY occurred_at, id")
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert_eq!(timeline, ["call.missed", "text_back.queued", "sms.sent"]);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM webhook_events WHERE signature_verdict = 'valid' AND org_id IS NOT NULL")
            .await,
        3
    );
    assert_eq!(twilio.bad_auth(), 0);
}

#[tokio::test]
async fn duplicated_shuffled_and_raced_deliveries_still_give_one_lead_and_one_text() {
    let (app, twilio) = spawn_twilio_app(&[]).await;
    let call = MissedCall::new(2, CALLER);
    let seq = call.sequence();
    // Delivered twice, out of order: status first, then dial, then inbound, then all again.
    let shuffled = vec![
        seq[2].clone(),
        seq[1].clone(),
        seq[0].clone(),
        seq[0].clone(),
        seq[2].clone(),
        seq[1].clone(),
    ];
    play(&app, &shuffled).await;
    // And raced: the same callbacks eight at a time at the same instant.
    let racers = (0..8).flat_map(|_| seq.clone()).map(|(path, params)| {
        let app = &app;
        async move { app.post_twilio(path, &params, Signing::Valid).await.status() }
    });
    for status in futures::future::join_all(racers).await {
        assert_eq!(status, 200);
    }
    twilio.wait_for_sent(1).await;
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    assert_eq!(twilio.sent().len(), 1, "exactly one text-back");
    assert_eq!(app.count("SELECT COUNT(*) FROM leads").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM calls").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM messages").await, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM webhook_events").await,
        3,
        "one evidence row per distinct delivery"
    );
    assert_eq!(
        app.count("SELECT CAST(SUM(duplicate_count) AS BIGINT) FROM webhook_events")
            .await,
        3 + 24
    );
    // The status callback arrived first, so the call settled as abandoned and never regressed.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM calls WHERE outcome = 'abandoned'")
            .await,
        1
    );
}

#[tokio::test]
async fn a_retried_inbound_call_gets_the_same_twiml_without_reapplying() {
    let (app, _twilio) = spawn_twilio_app(&[]).await;
    let call = MissedCall::new(3, CALLER);
    let (path, params) = call.inbound();
    let first = app
        .post_twilio(path, &params, Signing::Valid)
        .await
        .text()
        .await
        .unwrap();
    let retry = app
        .post_twilio(path, &params, Signing::Valid)
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(first, retry);
    assert!(first.contains("<Dial"));
    assert_eq!(app.count("SELECT duplicate_count FROM webhook_events").await, 1);
}

#[tokio::test]
async fn a_second_call_inside_the_cooldown_sends_no_second_text() {
    let (app, twilio) = spawn_twilio_app(&[]).await;
    play(&app, &MissedCall::new(10, CALLER).sequence()).await;
    twilio.wait_for_sent(1).await;
    play(&app, &MissedCall::new(11, CALLER).sequence()).await;
    play(&app, &MissedCall::new(12, CALLER).sequence()).await;
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    assert_eq!(twilio.sent().len(), 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM leads").await,
        1,
        "repeat calls attach to the open lead"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM calls WHERE outcome = 'missed'").await,
        3
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM lead_events WHERE kind = 'text_back.skipped' AND detail LIKE '%skipped_cooldown%'"
        )
        .await,
        2
    );
    // Another caller is not affected by this caller's cooldown.
    play(&app, &MissedCall::new(13, "+14155552672").sequence()).await;
    twilio.wait_for_sent(2).await;
}

#[tokio::test]
async fn a_caller_id_that_failed_stir_shaken_gets_a_lead_but_no_text_back() {
    let (app, twilio) = spawn_twilio_app(&[]).await;
    let mut spoofed = MissedCall::new(14, CALLER).sequence();
    for (k, v) in spoofed[0].1.iter_mut() {
        if k == "StirVerstat" {
            *v = "TN-Validation-Failed-C".into();
        }
    }
    play(&app, &spoofed).await;
    // an unverified (not failed) caller ID is a normal caller
    let mut unverified = MissedCall::new(15, "+14155552672").sequence();
    for (k, v) in unverified[0].1.iter_mut() {
        if k == "StirVerstat" {
            *v = "No-TN-Validation".into();
        }
    }
    play(&app, &unverified).await;
    let sent = twilio.wait_for_sent(1).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(twilio.sent().len(), 1);
    assert_eq!(sent[0].to, "+14155552672");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM leads").await,
        2,
        "staff still see the call"
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM lead_events WHERE kind = 'text_back.skipped' AND detail LIKE '%skipped_failed_caller_id%'"
        )
        .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM calls WHERE stir_verstat = 'TN-Validation-Failed-C' AND outcome = 'missed'")
            .await,
        1
    );
}

#[tokio::test]
async fn stop_ends_texts_and_start_resumes_them() {
    let (app, twilio) = spawn_twilio_app(&[]).await;
    app::ssr::db::query("UPDATE routing_settings SET cooldown_minutes = 0")
        .execute(&app.db)
        .await
        .unwrap();
    play(&app, &MissedCall::new(20, CALLER).sequence()).await;
    twilio.wait_for_sent(1).await;

    let answers = play(&app, &[sms("SM00000000000000000000000000000001", CALLER, "STOP")]).await;
    assert!(
        !answers[0].contains("<Message>"),
        "Twilio confirms standard keywords itself: {}",
        answers[0]
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM opt_outs WHERE opted_out = TRUE").await,
        1
    );

    play(&app, &MissedCall::new(21, CALLER).sequence()).await;
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    assert_eq!(twilio.sent().len(), 1, "nothing is sent to an opted-out number");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM lead_events WHERE detail LIKE '%skipped_opted_out%'")
            .await,
        1
    );

    play(&app, &[sms("SM00000000000000000000000000000002", CALLER, "start")]).await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM opt_outs WHERE opted_out = FALSE").await,
        1
    );
    play(&app, &MissedCall::new(22, CALLER).sequence()).await;
    twilio.wait_for_sent(2).await;
}

#[tokio::test]
async fn plain_phrasings_opt_out_with_one_confirmation_and_help_names_the_business() {
    let (app, _twilio) = spawn_twilio_app(&[]).await;
    let answers = play(
        &app,
        &[sms(
            "SM00000000000000000000000000000003",
            CALLER,
            "Stop texting me please!",
        )],
    )
    .await;
    // "stop texting me please" is not a Twilio keyword, so we confirm once ourselves.
    assert!(
        answers[0].contains("<Message>You&apos;re unsubscribed from Acme Heating &amp; Air texts"),
        "{}",
        answers[0]
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM opt_outs WHERE opted_out = TRUE").await,
        1
    );

    let answers = play(
        &app,
        &[sms("SM00000000000000000000000000000004", "+14155552673", "help")],
    )
    .await;
    assert!(
        answers[0].contains("Acme Heating &amp; Air: reply here"),
        "{}",
        answers[0]
    );
    assert!(answers[0].contains("Reply STOP to opt out"));

    let answers = play(
        &app,
        &[sms(
            "SM00000000000000000000000000000005",
            "+14155552674",
            "My furnace is blowing cold air",
        )],
    )
    .await;
    assert!(!answers[0].contains("<Message>"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM leads WHERE source = 'text_first'")
            .await,
        3
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM messages WHERE direction = 'inbound'")
            .await,
        3
    );
}

#[tokio::test]
async fn twilio_opt_out_type_is_authoritative() {
    let (app, _twilio) = spawn_twilio_app(&[]).await;
    let (path, mut params) = sms("SM00000000000000000000000000000006", CALLER, "arrête");
    params.push(("OptOutType".into(), "STOP".into()));
    play(&app, &[(path, params)]).await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM opt_outs WHERE opted_out = TRUE").await,
        1
    );
}

#[tokio::test]
async fn a_stop_cancels_a_text_that_is_still_queued() {
    let (app, twilio) = spawn_twilio_app(&[]).await;
    // The org holds text-backs outside 8am-9pm and the window is closed all day.
    app::ssr::db::query("UPDATE routing_settings SET hold_text_backs_in_quiet_hours = TRUE, send_window_start_minute = 0, send_window_end_minute = 0")
        .execute(&app.db)
        .await
        .unwrap();
    play(&app, &MissedCall::new(30, CALLER).sequence()).await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM sms_outbox WHERE state = 'pending'")
            .await,
        1
    );
    play(&app, &[sms("SM00000000000000000000000000000007", CALLER, "STOP")]).await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM sms_outbox WHERE state = 'canceled'")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM messages WHERE status = 'canceled'")
            .await,
        1
    );
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    assert!(twilio.sent().is_empty());
}

#[tokio::test]
async fn after_hours_calls_get_the_greeting_and_a_text_back() {
    let (app, twilio) = spawn_twilio_app(&[]).await;
    // Closed every day of the week.
    app::ssr::db::query(r#"UPDATE routing_settings SET business_hours = '{"days":[[],[],[],[],[],[],[]]}'"#)
        .execute(&app.db)
        .await
        .unwrap();
    let call = MissedCall::new(40, CALLER);
    let answers = play(&app, &[call.inbound()]).await;
    assert!(
        answers[0].contains("<Say>Thanks for calling Acme Heating &amp; Air. We&apos;re closed right now"),
        "{}",
        answers[0]
    );
    assert!(answers[0].contains("<Hangup/>") && !answers[0].contains("<Dial"));
    twilio.wait_for_sent(1).await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM leads WHERE source = 'after_hours'")
            .await,
        1
    );
    // The later status callback does not open a second path.
    play(&app, &[call.status("completed", "2")]).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(twilio.sent().len(), 1);
}

#[tokio::test]
async fn answered_calls_never_turn_into_missed_ones() {
    let (app, twilio) = spawn_twilio_app(&[]).await;
    let call = MissedCall::new(50, CALLER);
    play(
        &app,
        &[
            call.inbound(),
            call.dial("completed"),
            call.status("completed", "4"),
            call.status("in-progress", "2"),
        ],
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    assert!(twilio.sent().is_empty());
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM calls WHERE outcome = 'answered' AND status = 'completed' AND last_sequence = 4"
        )
        .await,
        1
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM leads").await, 0);
}

#[tokio::test]
async fn busy_and_failed_dials_are_missed_and_abandoned_callers_too() {
    let (app, twilio) = spawn_twilio_app(&[]).await;
    play(
        &app,
        &[
            MissedCall::new(60, "+14155552681").inbound(),
            MissedCall::new(60, "+14155552681").dial("busy"),
        ],
    )
    .await;
    play(
        &app,
        &[
            MissedCall::new(61, "+14155552682").inbound(),
            MissedCall::new(61, "+14155552682").dial("failed"),
        ],
    )
    .await;
    // hung up while ringing: no dial result at all
    play(
        &app,
        &[
            MissedCall::new(62, "+14155552683").inbound(),
            MissedCall::new(62, "+14155552683").status("completed", "1"),
        ],
    )
    .await;
    twilio.wait_for_sent(3).await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM leads WHERE source = 'abandoned'").await,
        1
    );
}

#[tokio::test]
async fn withheld_callers_and_the_offices_own_phones_are_never_texted() {
    let (app, twilio) = spawn_twilio_app(&[]).await;
    play(&app, &MissedCall::new(70, "anonymous").sequence()).await;
    play(&app, &MissedCall::new(71, "+266696687").sequence()).await;
    play(&app, &MissedCall::new(72, OFFICE_1).sequence()).await;
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    assert!(twilio.sent().is_empty());
    assert_eq!(
        app.count("SELECT COUNT(*) FROM calls WHERE outcome IS NOT NULL").await,
        3
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM lead_events WHERE detail LIKE '%skipped_own_number%'")
            .await,
        1
    );
}

#[tokio::test]
async fn unknown_numbers_get_a_polite_goodbye_and_nothing_else() {
    let (app, twilio) = spawn_twilio_app(&[]).await;
    let mut call = MissedCall::new(80, CALLER).inbound();
    for (k, v) in call.1.iter_mut() {
        if k == "To" || k == "Called" {
            *v = "+14155559999".into();
        }
    }
    let answers = play(&app, &[call]).await;
    assert!(answers[0].contains("not in service") && answers[0].contains("<Hangup/>"));
    assert_eq!(app.count("SELECT COUNT(*) FROM calls").await, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM webhook_events WHERE org_id IS NULL AND outcome = 'unknown_number'")
            .await,
        1
    );
    assert!(twilio.sent().is_empty());
}

#[tokio::test]
async fn bad_signatures_oversize_and_malformed_bodies_are_rejected_and_change_nothing() {
    let (app, _twilio) = spawn_twilio_app(&[]).await;
    let (path, params) = MissedCall::new(90, CALLER).inbound();
    assert_eq!(app.post_twilio(path, &params, Signing::Wrong).await.status(), 403);
    assert_eq!(app.post_twilio(path, &params, Signing::Missing).await.status(), 403);
    // signed for a different URL (a proxy's Host header must not matter)
    let sig = server::webhooks::twilio::signature::sign(
        crate::fake_twilio::AUTH_TOKEN.as_bytes(),
        &format!("{}{path}", app.address),
        &params,
    );
    let resp = app
        .client
        .post(app.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-twilio-signature", sig)
        .body(serde_urlencoded::to_string(&params).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    // tampered after signing
    let mut tampered = params.clone();
    let good_sig = server::webhooks::twilio::signature::sign(
        crate::fake_twilio::AUTH_TOKEN.as_bytes(),
        &format!("{}{path}", crate::helpers::PUBLIC_URL),
        &params,
    );
    tampered.push(("Extra".into(), "1".into()));
    let resp = app
        .client
        .post(app.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-twilio-signature", good_sig)
        .body(serde_urlencoded::to_string(&tampered).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);

    let mut huge = params.clone();
    huge.push(("Body".into(), "x".repeat(70 * 1024)));
    assert_eq!(app.post_twilio(path, &huge, Signing::Valid).await.status(), 413);

    // missing CallSid, signed correctly
    let no_sid: Vec<(String, String)> = params.iter().filter(|(k, _)| k != "CallSid").cloned().collect();
    let resp = app.post_twilio(path, &no_sid, Signing::Valid).await;
    assert_eq!(resp.status(), 400);
    assert_eq!(resp.text().await.unwrap(), "missing required parameter CallSid");

    // not form data / invalid encoding
    let resp = app
        .client
        .post(app.url(path))
        .header("content-type", "application/json")
        .header("x-twilio-signature", "x")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let resp = app
        .client
        .post(app.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-twilio-signature", "x")
        .body(&b"CallSid=%FF%FE"[..])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);

    for table in ["webhook_events", "calls", "leads", "messages", "sms_outbox"] {
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM {table}")).await, 0, "{table}");
    }
}

#[tokio::test]
async fn unsigned_callbacks_are_accepted_in_sandbox_without_a_token_and_marked_unchecked() {
    // A sandbox behind a public URL (a tunnel) refuses them unless the operator allows it
    // (see security_findings.rs); on loopback, or when allowed, they are taken unchecked.
    let refused = crate::helpers::spawn_app_with(&[("CALLSNARE_PUBLIC_URL", crate::helpers::PUBLIC_URL)]).await;
    crate::helpers::seed_org(&refused.db, "acme", "Acme", TRACKED, &[OFFICE_1]).await;
    let (path, params) = MissedCall::new(95, CALLER).inbound();
    assert_eq!(refused.post_twilio(path, &params, Signing::Missing).await.status(), 403);
    let app = crate::helpers::spawn_app_with(&[
        ("CALLSNARE_PUBLIC_URL", crate::helpers::PUBLIC_URL),
        ("CALLSNARE_ALLOW_UNSIGNED_WEBHOOKS", "1"),
    ])
    .await;
    crate::helpers::seed_org(&app.db, "acme", "Acme", TRACKED, &[OFFICE_1]).await;
    let (path, params) = MissedCall::new(95, CALLER).inbound();
    assert_eq!(app.post_twilio(path, &params, Signing::Missing).await.status(), 200);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM webhook_events WHERE signature_verdict = 'not_checked'")
            .await,
        1
    );
    // The sandbox sender records the text-back as sent.
    let (p2, d) = MissedCall::new(95, CALLER).dial("no-answer");
    assert_eq!(app.post_twilio(p2, &d, Signing::Missing).await.status(), 200);
    eventually("sandbox text recorded", || async {
        app.count("SELECT COUNT(*) FROM messages WHERE status = 'sent' AND provider_sid LIKE 'SMsandbox%'")
            .await
            == 1
    })
    .await;
}

#[tokio::test]
async fn delivery_status_callbacks_update_the_message_and_21610_opts_out() {
    let (app, twilio) = spawn_twilio_app(&[]).await;
    app::ssr::db::query("UPDATE routing_settings SET cooldown_minutes = 0")
        .execute(&app.db)
        .await
        .unwrap();
    play(&app, &MissedCall::new(100, CALLER).sequence()).await;
    twilio.wait_for_sent(1).await;
    eventually("provider sid stored", || async {
        app.count("SELECT COUNT(*) FROM messages WHERE provider_sid IS NOT NULL")
            .await
            == 1
    })
    .await;
    let sid: String = app::ssr::db::query_scalar("SELECT provider_sid FROM messages")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let status = |s: &str, code: Option<&str>| {
        let mut p = form(&[
            ("AccountSid", crate::fake_twilio::ACCOUNT_SID),
            ("MessageSid", &sid),
            ("MessageStatus", s),
            ("To", CALLER),
            ("From", TRACKED),
        ]);
        if let Some(c) = code {
            p.push(("ErrorCode".into(), c.into()));
        }
        ("/api/twilio/sms/status", p)
    };
    play(
        &app,
        &[status("sent", None), status("delivered", None), status("sent", None)],
    )
    .await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM messages WHERE status = 'delivered'")
            .await,
        1,
        "a late 'sent' never regresses 'delivered'"
    );

    // A later text is refused by Twilio with 21610: the number is opted out on our side too.
    twilio.script(&[Reply::Status(400, Some(21610))]);
    play(&app, &MissedCall::new(101, CALLER).sequence()).await;
    eventually("21610 recorded as opt-out", || async {
        app.count("SELECT COUNT(*) FROM opt_outs WHERE opted_out = TRUE AND source = 'twilio_21610'")
            .await
            == 1
    })
    .await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM messages WHERE status = 'failed' AND error_code = '21610'")
            .await,
        1
    );
}

#[tokio::test]
async fn transient_provider_failures_are_retried_with_backoff() {
    let (app, twilio) = spawn_twilio_app(&[]).await;
    twilio.script(&[Reply::Status(503, None)]);
    play(&app, &MissedCall::new(110, CALLER).sequence()).await;
    eventually("first attempt failed and was rescheduled", || async {
        app.count(
            "SELECT COUNT(*) FROM sms_outbox WHERE state = 'pending' AND attempts = 1 AND last_error LIKE 'HTTP 503%'",
        )
        .await
            == 1
    })
    .await;
    // Backoff for the first retry is 2 s.
    let sent = tokio::time::timeout(std::time::Duration::from_secs(6), twilio.wait_for_sent(1))
        .await
        .expect("retried");
    assert_eq!(sent.len(), 1);
    eventually("sent after retry", || async {
        app.count("SELECT COUNT(*) FROM sms_outbox WHERE state = 'sent' AND attempts = 2")
            .await
            == 1
    })
    .await;
}

#[tokio::test]
async fn a_database_that_cannot_commit_answers_503_so_twilio_retries() {
    let (app, _twilio) = spawn_twilio_app(&[]).await;
    app::ssr::db::query("ALTER TABLE webhook_events RENAME TO webhook_events_away")
        .execute(&app.db)
        .await
        .unwrap();
    let (path, params) = MissedCall::new(120, CALLER).inbound();
    assert_eq!(app.post_twilio(path, &params, Signing::Valid).await.status(), 503);
    app::ssr::db::query("ALTER TABLE webhook_events_away RENAME TO webhook_events")
        .execute(&app.db)
        .await
        .unwrap();
    assert_eq!(app.count("SELECT COUNT(*) FROM calls").await, 0, "nothing half-applied");
    assert_eq!(app.post_twilio(path, &params, Signing::Valid).await.status(), 200);
    assert_eq!(app.count("SELECT COUNT(*) FROM calls").await, 1);
}

#[tokio::test]
async fn the_official_twilio_sdk_signature_is_accepted() {
    let (app, _twilio) = spawn_twilio_app(&[]).await;
    let (path, params) = MissedCall::new(130, CALLER).inbound();
    let url = format!("{}{path}", crate::helpers::PUBLIC_URL);
    let params_json =
        serde_json::to_string(&params.iter().cloned().collect::<std::collections::BTreeMap<_, _>>()).unwrap();
    let script = "import json,sys\nfrom twilio.request_validator import RequestValidator\nv=RequestValidator(sys.argv[1])\nprint(v.compute_signature(sys.argv[2], json.loads(sys.argv[3])))";
    let out = std::process::Command::new("python3")
        .args(["-c", script, crate::fake_twilio::AUTH_TOKEN, &url, &params_json])
        .output()
        .expect("python3 runs (scripts/setup.sh installs the twilio SDK)");
    assert!(
        out.status.success(),
        "twilio SDK missing? {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sdk_sig = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let ours = server::webhooks::twilio::signature::sign(crate::fake_twilio::AUTH_TOKEN.as_bytes(), &url, &params);
    assert_eq!(sdk_sig, ours);
    let resp = app
        .client
        .post(app.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-twilio-signature", &sdk_sig)
        .body(serde_urlencoded::to_string(&params).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn callbacks_are_rate_limited_per_client_with_retry_after() {
    let (app, _twilio) = spawn_twilio_app(&[("CALLSNARE_WEBHOOK_RATE", "1"), ("CALLSNARE_WEBHOOK_BURST", "3")]).await;
    let mut statuses = Vec::new();
    for i in 0..6 {
        let (path, params) = MissedCall::new(140 + i, CALLER).inbound();
        let resp = app
            .client
            .post(app.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            // a forged client address must not buy a fresh bucket
            .header("x-forwarded-for", format!("198.51.100.{i}"))
            .header(
                "x-twilio-signature",
                server::webhooks::twilio::signature::sign(
                    crate::fake_twilio::AUTH_TOKEN.as_bytes(),
                    &format!("{}{path}", crate::helpers::PUBLIC_URL),
                    &params,
                ),
            )
            .body(serde_urlencoded::to_string(&params).unwrap())
            .send()
            .await
            .unwrap();
        if resp.status() == 429 {
            assert!(resp.headers().get("retry-after").is_some());
        }
        statuses.push(resp.status().as_u16());
    }
    assert_eq!(&statuses[..3], &[200, 200, 200]);
    assert!(statuses[3..].iter().all(|&s| s == 429), "{statuses:?}");
}

#[tokio::test]
async fn live_feed_announces_new_leads_after_commit() {
    let (app, twilio) = spawn_twilio_app(&[]).await;
    let mut feed = app.live.subscribe();
    play(&app, &MissedCall::new(150, CALLER).sequence()).await;
    twilio.wait_for_sent(1).await;
    let mut kinds = Vec::new();
    while let Ok(Ok(ev)) = tokio::time::timeout(std::time::Duration::from_millis(300), feed.recv()).await {
        kinds.push(serde_json::to_value(ev.kind).unwrap().as_str().unwrap().to_owned());
        let org: String = app::ssr::db::query_scalar("SELECT id FROM orgs")
            .fetch_one(&app.db)
            .await
            .unwrap();
        assert_eq!(ev.org_id, org);
    }
    assert!(kinds.contains(&"lead_created".to_owned()), "{kinds:?}");
    assert!(kinds.contains(&"message_queued".to_owned()));
    assert!(kinds.contains(&"message_status".to_owned()));
}

#[tokio::test]
async fn during_a_token_rotation_callbacks_signed_with_either_token_are_accepted() {
    const SECONDARY: &str = "secondary-token-rotating-in";
    // Without the secondary configured, its signatures are just wrong.
    let (plain, _twilio) = spawn_twilio_app(&[]).await;
    let (path, params) = MissedCall::new(150, CALLER).inbound();
    assert_eq!(
        plain
            .post_twilio(path, &params, Signing::WithToken(SECONDARY))
            .await
            .status(),
        403
    );
    assert_eq!(plain.count("SELECT COUNT(*) FROM webhook_events").await, 0);

    let (app, _twilio) = spawn_twilio_app(&[("TWILIO_AUTH_TOKEN_SECONDARY", SECONDARY)]).await;
    assert_eq!(
        app.post_twilio(path, &params, Signing::WithToken("some-other-token"))
            .await
            .status(),
        403
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM webhook_events").await, 0);
    assert_eq!(
        app.post_twilio(path, &params, Signing::WithToken(SECONDARY))
            .await
            .status(),
        200
    );
    let (path, params) = MissedCall::new(151, "+14155552672").inbound();
    assert_eq!(app.post_twilio(path, &params, Signing::Valid).await.status(), 200);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM webhook_events WHERE signature_verdict = 'valid'")
            .await,
        2
    );
}
