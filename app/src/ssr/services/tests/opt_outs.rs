//! STOP, START and HELP through `messaging::on_inbound` (keywords: domain/sms_keyword.rs).

use super::*;

#[tokio::test]
async fn stop_opts_the_caller_out_and_cancels_the_text_back_waiting_for_them() {
    let h = Harness::new().await;
    // Held until 08:00, so it is still waiting when the STOP arrives.
    h.set_routing("hold_text_backs_in_quiet_hours = TRUE").await;
    h.missed_call(call("CA01", CALLER), NIGHT).await;
    assert_eq!(
        h.outgoing_for("text_back").await[0].outbox_state.as_deref(),
        Some("pending")
    );

    let stop = h.inbound_sms(sms("SM01", CALLER, "STOP"), NIGHT + MINUTE).await;

    assert_eq!(stop.outcome, "opted_out");
    assert_eq!(stop.reply, None, "Twilio confirms a standard STOP itself");
    assert!(live_kinds(&stop.effects).contains(&LiveKind::OptOutChanged));
    assert!(h.is_opted_out(CALLER).await);
    let text_backs = h.outgoing_for("text_back").await;
    assert_eq!(
        (text_backs[0].status.as_str(), text_backs[0].outbox_state.as_deref()),
        ("canceled", Some("canceled"))
    );
    let lead = h.only_lead().await;
    let kinds = h.timeline_kinds(&lead.id).await;
    assert!(kinds.contains(&"sms.received".to_owned()), "{kinds:?}");
    assert!(kinds.contains(&"contact.opted_out".to_owned()), "{kinds:?}");
    assert!(!h.is_opted_out(OTHER_CALLER).await, "only the sender is opted out");
}

#[tokio::test]
async fn plain_phrasing_opt_out_gets_one_confirmation_and_a_standard_stop_gets_none() {
    let h = Harness::new().await;
    let plain = h
        .inbound_sms(sms("SM01", CALLER, "Stop texting me please!"), MORNING)
        .await;
    let standard = h.inbound_sms(sms("SM02", OTHER_CALLER, "stop"), MORNING).await;

    assert_eq!(
        (plain.outcome.as_str(), standard.outcome.as_str()),
        ("opted_out", "opted_out")
    );
    let confirmation = plain.reply.expect("a plain phrasing is confirmed once");
    assert!(
        confirmation.contains("unsubscribed from Acme Heating & Air"),
        "{confirmation}"
    );
    assert_eq!(standard.reply, None);
    assert!(h.is_opted_out(CALLER).await && h.is_opted_out(OTHER_CALLER).await);
    // The confirmation is on the lead's record, answered in the TwiML (already sent).
    let replies = h.outgoing_for("keyword_reply").await;
    assert_eq!(replies.len(), 1, "{replies:?}");
    assert_eq!(
        (replies[0].to_number.as_str(), replies[0].body.as_str()),
        (CALLER, confirmation.as_str())
    );
    assert_eq!(
        (replies[0].status.as_str(), replies[0].outbox_state.as_deref()),
        ("sent", None)
    );
}

#[tokio::test]
async fn start_opts_back_in_only_after_a_stop_and_text_backs_resume() {
    let h = Harness::new().await;
    let noop = h.inbound_sms(sms("SM01", CALLER, "START"), MORNING).await;
    assert_eq!(noop.outcome, "opt_in_noop");
    assert!(!live_kinds(&noop.effects).contains(&LiveKind::OptOutChanged));

    h.inbound_sms(sms("SM02", CALLER, "STOP"), MORNING + MINUTE).await;
    let start = h.inbound_sms(sms("SM03", CALLER, "Start"), MORNING + 2 * MINUTE).await;

    assert_eq!(start.outcome, "opted_in");
    assert_eq!(start.reply, None, "Twilio confirms a standard START itself");
    assert!(live_kinds(&start.effects).contains(&LiveKind::OptOutChanged));
    assert!(!h.is_opted_out(CALLER).await);
    let missed = h.missed_call(call("CA01", CALLER), MORNING + 3 * MINUTE).await;
    assert!(missed.outcome.ends_with("text_back=queued"), "{}", missed.outcome);
    let lead = h.only_lead().await;
    assert!(h
        .timeline_kinds(&lead.id)
        .await
        .contains(&"contact.opted_in".to_owned()));
}

#[tokio::test]
async fn help_answers_with_the_business_name_its_number_and_how_to_stop() {
    let h = Harness::new().await;
    let help = h.inbound_sms(sms("SM01", CALLER, "help"), MORNING).await;

    assert_eq!(help.outcome, "help");
    let reply = help.reply.expect("HELP is answered");
    assert!(reply.starts_with(BUSINESS), "{reply}");
    assert!(reply.contains(TRACKED) && reply.contains("Reply STOP"), "{reply}");
    assert!(!h.is_opted_out(CALLER).await);
}

#[tokio::test]
async fn twilio_opt_out_type_outranks_the_body_and_ordinary_words_are_just_messages() {
    let h = Harness::new().await;
    let ordinary = h
        .inbound_sms(sms("SM01", CALLER, "Can you stop by tomorrow?"), MORNING)
        .await;
    assert_eq!(
        (ordinary.outcome.as_str(), ordinary.reply.as_deref()),
        ("message", None)
    );
    assert!(!h.is_opted_out(CALLER).await);

    // Advanced Opt-Out: Twilio matched a keyword the account configured.
    let mut flagged = sms("SM02", CALLER, "arrêter");
    flagged.opt_out_type = Some("STOP".into());
    let out = h.inbound_sms(flagged, MORNING + MINUTE).await;
    assert_eq!(out.outcome, "opted_out");
    assert!(h.is_opted_out(CALLER).await);
}

#[tokio::test]
async fn texts_from_withheld_senders_or_to_untracked_numbers_change_nothing() {
    let h = Harness::new().await;
    let withheld = h.inbound_sms(sms("SM01", "anonymous", "STOP"), MORNING).await;
    let mut stray = sms("SM02", CALLER, "STOP");
    stray.to = E164Phone::parse("+14155559999").ok();
    let unknown = h.inbound_sms(stray, MORNING).await;

    assert_eq!(
        (withheld.outcome.as_str(), withheld.org_id.as_deref()),
        ("withheld_sender", Some(h.org_id.as_str()))
    );
    assert_eq!((unknown.outcome.as_str(), unknown.org_id), ("unknown_number", None));
    assert!(h.leads().await.is_empty());
    assert!(!h.is_opted_out(CALLER).await);
    assert_eq!(h.count("SELECT COUNT(*) FROM messages").await, 0);
}
