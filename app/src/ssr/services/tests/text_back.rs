//! The text-back rules (services/text_back.rs): one per missed call, never to an opted-out,
//! withheld, unverified or own number, at most one per caller per cooldown, and held for
//! quiet hours only when the org asks.

use super::*;

#[tokio::test]
async fn missed_call_gets_exactly_one_text_back_when_its_callbacks_repeat() {
    let h = Harness::new().await;
    let first = h.missed_call(call("CA01", CALLER), MORNING).await;
    assert_eq!(first.outcome, "missed (no-answer); text_back=queued");
    assert!(first.effects.text_queued, "the outbox is woken for it");

    // Twilio retries the dial result and repeats the final status: the outcome is settled.
    let again = h
        .dial_complete(call("CA01", CALLER), no_answer(), MORNING + MINUTE)
        .await;
    assert_eq!(again.outcome, "missed (no-answer); text_back=not_applicable");
    assert!(!again.effects.text_queued);
    h.call_status(call("CA01", CALLER), "no-answer", MORNING + 2 * MINUTE)
        .await;

    let texts = h.outgoing().await;
    assert_eq!(texts.len(), 1, "{texts:?}");
    let text = &texts[0];
    assert_eq!((text.purpose.as_str(), text.to_number.as_str()), ("text_back", CALLER));
    assert!(
        text.body.contains(BUSINESS),
        "the template names the business: {:?}",
        text.body
    );
    assert_eq!(text.status, "queued");
    assert_eq!(text.outbox_state.as_deref(), Some("pending"));
    assert_eq!(
        text.next_attempt_at,
        Some(MORNING + 15_000),
        "sent as soon as the call is missed"
    );
}

#[tokio::test]
async fn text_back_is_skipped_when_the_caller_has_opted_out() {
    let h = Harness::new().await;
    h.inbound_sms(sms("SM01", CALLER, "STOP"), MORNING).await;

    let missed = h.missed_call(call("CA01", CALLER), MORNING + MINUTE).await;

    assert_eq!(missed.outcome, "missed (no-answer); text_back=skipped_opted_out");
    assert!(!missed.effects.text_queued);
    assert!(h.outgoing_for("text_back").await.is_empty());
    let lead = h.only_lead().await;
    assert!(h
        .timeline_kinds(&lead.id)
        .await
        .contains(&"text_back.skipped".to_owned()));
}

#[tokio::test]
async fn second_missed_call_within_the_cooldown_gets_no_text_back_but_another_caller_does() {
    let h = Harness::new().await;
    let first = h.missed_call(call("CA01", CALLER), MORNING).await;
    let soon = h.missed_call(call("CA02", CALLER), MORNING + 10 * MINUTE).await;
    let other = h.missed_call(call("CA03", OTHER_CALLER), MORNING + 10 * MINUTE).await;
    // The default cooldown is 30 minutes.
    let later = h.missed_call(call("CA04", CALLER), MORNING + 31 * MINUTE).await;

    assert!(first.outcome.ends_with("text_back=queued"), "{}", first.outcome);
    assert!(soon.outcome.ends_with("text_back=skipped_cooldown"), "{}", soon.outcome);
    assert!(other.outcome.ends_with("text_back=queued"), "{}", other.outcome);
    assert!(later.outcome.ends_with("text_back=queued"), "{}", later.outcome);
    let to: Vec<String> = h
        .outgoing_for("text_back")
        .await
        .into_iter()
        .map(|t| t.to_number)
        .collect();
    assert_eq!(to, [CALLER, OTHER_CALLER, CALLER]);
    // Both of the caller's calls are on the one open lead.
    assert_eq!(h.leads().await.len(), 2);
}

#[tokio::test]
async fn withheld_callers_and_the_orgs_own_phones_get_no_text_back() {
    let h = Harness::new().await;
    // Twilio's forms of a withheld caller ID.
    for (sid, from) in [("CA01", "anonymous"), ("CA02", "+266696687"), ("CA03", "")] {
        let missed = h.missed_call(call(sid, from), MORNING).await;
        assert_eq!(
            missed.outcome, "missed (no-answer); text_back=not_applicable",
            "{from:?}"
        );
    }
    assert!(
        h.leads().await.is_empty(),
        "a withheld number cannot be grouped into a lead"
    );

    // The office phone calling its own tracked number (a test call, a transfer).
    let own = h.missed_call(call("CA04", OFFICE), MORNING).await;
    assert_eq!(own.outcome, "missed (no-answer); text_back=skipped_own_number");
    assert!(h.outgoing().await.is_empty());
    assert_eq!(h.count("SELECT COUNT(*) FROM calls WHERE outcome = 'missed'").await, 4);
}

#[tokio::test]
async fn caller_whose_caller_id_failed_verification_gets_no_text_back() {
    let h = Harness::new().await;
    // Twilio sends its STIR/SHAKEN verdict on the inbound callback only.
    let mut p = call("CA01", CALLER);
    p.stir_verstat = Some("TN-Validation-Failed-C".into());
    h.inbound_call(p, MORNING).await;
    let missed = h
        .dial_complete(call("CA01", CALLER), no_answer(), MORNING + 15_000)
        .await;

    assert_eq!(missed.outcome, "missed (no-answer); text_back=skipped_failed_caller_id");
    assert!(h.outgoing().await.is_empty());
    assert_eq!(h.only_lead().await.status, "new", "the lead is still worth a call back");
}

#[tokio::test]
async fn quiet_hours_hold_the_text_back_until_the_window_opens_only_when_the_org_asks() {
    let h = Harness::new().await;
    // By default a text-back answers the caller's own call at once, night or day.
    h.missed_call(call("CA01", CALLER), NIGHT).await;

    h.set_routing("hold_text_backs_in_quiet_hours = TRUE").await;
    h.missed_call(call("CA02", OTHER_CALLER), NIGHT + MINUTE).await;
    // Quiet hours are the caller's own when Twilio says where the number is from: 04:02 in
    // New York, 238 minutes before 08:00 there.
    let mut east = call("CA03", TRAVELLER);
    east.from_timezone = Some("America/New_York");
    h.missed_call(east, NIGHT + 2 * MINUTE).await;

    let due: Vec<(String, Option<i64>)> = h
        .outgoing_for("text_back")
        .await
        .into_iter()
        .map(|t| (t.to_number, t.next_attempt_at))
        .collect();
    // Each dial result lands 15 s after its call; a held text waits whole minutes.
    assert_eq!(
        due,
        [
            (CALLER.to_owned(), Some(NIGHT + 15_000)),
            // 08:00:15 in Chicago
            (OTHER_CALLER.to_owned(), Some(NIGHT + 300 * MINUTE + 15_000)),
            // 08:00:15 in New York
            (TRAVELLER.to_owned(), Some(NIGHT + 240 * MINUTE + 15_000)),
        ]
    );
}
