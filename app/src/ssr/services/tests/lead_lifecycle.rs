//! A lead from the missed call that opens it to the booking that closes the loop, and the
//! staff writes that are refused on the way (services/calls.rs, messaging.rs, inbox.rs).

use super::*;
use crate::{
    domain::limits::LEAD_NAME_MAX,
    ssr::services::inbox::{BookingForm, IN_THE_PAST},
};

fn edit(status: &'static str, name: &'static str, assigned_user_id: Option<&'static str>) -> LeadEdit<'static> {
    LeadEdit {
        status,
        name,
        address: "",
        notes: "",
        assigned_user_id,
    }
}

fn no_heat_on_thursday_morning() -> NewBooking {
    BookingForm {
        date: "2026-01-15",
        arrival_start: "09:00",
        arrival_end: "11:00",
        job_type: "no_heat",
        address: Some("1 Main St"),
        notes: None,
        job_value: Some("250"),
        send_confirmation: Some(true),
    }
    .parse()
    .unwrap()
}

#[tokio::test]
async fn missed_call_lead_goes_new_then_contacted_on_reply_then_booked() {
    let h = Harness::new().await;
    let missed = h.missed_call(call("CA01", CALLER), MORNING).await;
    assert!(live_kinds(&missed.effects).contains(&LiveKind::LeadCreated));
    let lead = h.only_lead().await;
    assert_eq!(
        (
            lead.caller_number.as_str(),
            lead.status.as_str(),
            lead.source.as_str(),
            lead.is_open
        ),
        (CALLER, "new", "missed_call", true)
    );
    assert_eq!(lead.first_staff_response_at, None);

    let text = h
        .inbound_sms(sms("SM01", CALLER, "No heat, can you come?"), MORNING + MINUTE)
        .await;
    assert_eq!(text.outcome, "message");
    assert_eq!(live_kinds(&text.effects), [LiveKind::MessageReceived], "the same lead");
    assert_eq!(
        h.only_lead().await.status,
        "new",
        "a customer's text is no staff response"
    );

    let replied_at = MORNING + 2 * MINUTE;
    h.reply(&lead.id, "On our way this afternoon", replied_at)
        .await
        .unwrap();
    let contacted = h.only_lead().await;
    assert_eq!(
        (contacted.status.as_str(), contacted.first_staff_response_at),
        ("contacted", Some(replied_at))
    );
    let replies = h.outgoing_for("reply").await;
    assert_eq!(replies.len(), 1, "{replies:?}");
    assert_eq!(
        (replies[0].to_number.as_str(), replies[0].outbox_state.as_deref()),
        (CALLER, Some("pending"))
    );

    h.book(&lead.id, no_heat_on_thursday_morning(), MORNING + 3 * MINUTE)
        .await
        .unwrap();
    let booked = h.only_lead().await;
    assert_eq!((booked.status.as_str(), booked.is_open), ("booked", true));
    assert_eq!(h.count("SELECT COUNT(*) FROM bookings").await, 1);
    let confirmations = h.outgoing_for("confirmation").await;
    assert_eq!(confirmations.len(), 1, "{confirmations:?}");
    assert!(
        confirmations[0].body.contains("booked for Thursday January 15"),
        "{}",
        confirmations[0].body
    );
    let kinds = h.timeline_kinds(&lead.id).await;
    assert_eq!(kinds.iter().filter(|k| *k == "status.changed").count(), 2, "{kinds:?}");
    assert!(kinds.contains(&"booking.created".to_owned()), "{kinds:?}");
}

#[tokio::test]
async fn refused_update_changes_nothing() {
    let h = Harness::new().await;
    h.missed_call(call("CA01", CALLER), MORNING).await;
    let lead = h.only_lead().await;
    let audit_before = h.count("SELECT COUNT(*) FROM audit_events").await;
    let timeline_before = h.timeline_kinds(&lead.id).await.len();

    // The new details are written before the assignee turns out not to be a member: the
    // refusal rolls the whole job back.
    let stranger = h
        .update(
            &lead.id,
            edit("contacted", "Pat Doe", Some("usr_not_a_member")),
            MORNING + MINUTE,
        )
        .await
        .unwrap_err();
    assert!(matches!(stranger, InboxError::NotFound), "{stranger:?}");
    let bad_status = h
        .update(&lead.id, edit("done", "Pat Doe", None), MORNING + MINUTE)
        .await
        .unwrap_err();
    assert!(matches!(bad_status, InboxError::Invalid("status", _)), "{bad_status:?}");
    let long_name: &'static str = Box::leak("x".repeat(LEAD_NAME_MAX + 1).into_boxed_str());
    let too_long = h
        .update(&lead.id, edit("contacted", long_name, None), MORNING + MINUTE)
        .await
        .unwrap_err();
    assert!(matches!(too_long, InboxError::Invalid("name", _)), "{too_long:?}");
    let missing = h
        .update("lead_missing", edit("contacted", "Pat Doe", None), MORNING + MINUTE)
        .await
        .unwrap_err();
    assert!(matches!(missing, InboxError::NotFound), "{missing:?}");

    let after = h.only_lead().await;
    assert_eq!(
        (
            after.name.as_str(),
            after.status.as_str(),
            after.first_staff_response_at
        ),
        ("", "new", None)
    );
    assert_eq!(h.count("SELECT COUNT(*) FROM audit_events").await, audit_before);
    assert_eq!(h.timeline_kinds(&lead.id).await.len(), timeline_before);

    // The same edit with a member goes through: the refusal was all that stopped it.
    let owner: &'static str = Box::leak(h.owner_id.clone().into_boxed_str());
    h.update(
        &lead.id,
        edit("contacted", "Pat Doe", Some(owner)),
        MORNING + 2 * MINUTE,
    )
    .await
    .unwrap();
    let edited = h.only_lead().await;
    assert_eq!(
        (
            edited.name.as_str(),
            edited.status.as_str(),
            edited.first_staff_response_at
        ),
        ("Pat Doe", "contacted", Some(MORNING + 2 * MINUTE))
    );
    // lead.edited, lead.assigned, lead.status_changed
    assert_eq!(h.count("SELECT COUNT(*) FROM audit_events").await, audit_before + 3);
}

#[tokio::test]
async fn staff_reply_to_an_opted_out_caller_is_refused_and_leaves_the_lead_new() {
    let h = Harness::new().await;
    h.inbound_sms(sms("SM01", CALLER, "STOP"), MORNING).await;
    let lead = h.only_lead().await;

    let refused = h.reply(&lead.id, "Are you sure?", MORNING + MINUTE).await.unwrap_err();

    assert!(matches!(refused, InboxError::OptedOut), "{refused:?}");
    let after = h.only_lead().await;
    assert_eq!((after.status.as_str(), after.first_staff_response_at), ("new", None));
    assert!(h.outgoing_for("reply").await.is_empty());
}

#[tokio::test]
async fn a_lost_lead_is_closed_and_the_callers_next_missed_call_opens_a_new_one() {
    let h = Harness::new().await;
    h.missed_call(call("CA01", CALLER), MORNING).await;
    let first = h.only_lead().await;
    h.update(&first.id, edit("lost", "", None), MORNING + MINUTE)
        .await
        .unwrap();
    let lost = h.only_lead().await;
    assert_eq!((lost.status.as_str(), lost.is_open), ("lost", false));

    // After the cooldown, so the new lead gets its own text-back.
    let again = h.missed_call(call("CA02", CALLER), MORNING + 40 * MINUTE).await;

    assert!(again.outcome.ends_with("text_back=queued"), "{}", again.outcome);
    assert!(live_kinds(&again.effects).contains(&LiveKind::LeadCreated));
    let leads = h.leads().await;
    assert_eq!(leads.len(), 2, "{leads:?}");
    assert_eq!(
        (leads[0].id.as_str(), leads[0].status.as_str()),
        (first.id.as_str(), "lost")
    );
    assert_eq!(
        (leads[1].status.as_str(), leads[1].source.as_str(), leads[1].is_open),
        ("new", "missed_call", true)
    );
}

#[tokio::test]
async fn a_caller_who_texts_first_opens_a_text_first_lead_that_their_missed_call_joins() {
    let h = Harness::new().await;
    let first = h.inbound_sms(sms("SM01", CALLER, "Is anyone there?"), MORNING).await;
    assert_eq!(first.outcome, "message");
    assert_eq!(live_kinds(&first.effects), [LiveKind::LeadCreated]);

    let missed = h.missed_call(call("CA01", CALLER), MORNING + MINUTE).await;

    assert!(missed.outcome.ends_with("text_back=queued"), "{}", missed.outcome);
    assert!(!live_kinds(&missed.effects).contains(&LiveKind::LeadCreated));
    let lead = h.only_lead().await;
    assert_eq!((lead.source.as_str(), lead.status.as_str()), ("text_first", "new"));
    assert_eq!(
        h.count("SELECT COUNT(*) FROM calls WHERE lead_id IS NOT NULL").await,
        1,
        "the call is attached to the lead"
    );
}

#[tokio::test]
async fn the_same_reply_form_posted_twice_texts_once_and_a_refused_one_can_be_sent_again() {
    let h = Harness::new().await;
    h.missed_call(call("CA01", CALLER), MORNING).await;
    let lead = h.only_lead().await;

    let token = FormToken::new();
    h.reply_with(&lead.id, "On our way", &token, MORNING + MINUTE)
        .await
        .unwrap();
    let again = h
        .reply_with(&lead.id, "On our way", &token, MORNING + MINUTE + 300)
        .await
        .unwrap_err();
    assert!(matches!(again, InboxError::AlreadySubmitted), "{again:?}");
    assert_eq!(h.outgoing_for("reply").await.len(), 1);
    // replying to a lead nobody had assigns it to whoever replied
    let assignee: Option<String> = crate::ssr::db::query_scalar("SELECT assigned_user_id FROM leads")
        .fetch_one(h.db())
        .await
        .unwrap();
    assert_eq!(assignee.as_deref(), Some(h.owner_id.as_str()));
    assert!(h.timeline_kinds(&lead.id).await.contains(&"lead.assigned".to_owned()));

    // A refused submission gives its token back with everything else it wrote.
    h.inbound_sms(sms("SM01", CALLER, "STOP"), MORNING + 2 * MINUTE).await;
    let form = FormToken::new();
    let refused = h
        .reply_with(&lead.id, "Still there?", &form, MORNING + 3 * MINUTE)
        .await
        .unwrap_err();
    assert!(matches!(refused, InboxError::OptedOut), "{refused:?}");
    h.inbound_sms(sms("SM02", CALLER, "START"), MORNING + 4 * MINUTE).await;
    h.reply_with(&lead.id, "Still there?", &form, MORNING + 5 * MINUTE)
        .await
        .unwrap();
    assert_eq!(h.outgoing_for("reply").await.len(), 2);
}

#[tokio::test]
async fn a_booking_moves_once_per_form_and_cancelling_the_last_one_unbooks_the_lead() {
    let h = Harness::new().await;
    h.missed_call(call("CA01", CALLER), MORNING).await;
    let lead = h.only_lead().await;
    h.book(&lead.id, no_heat_on_thursday_morning(), MORNING + MINUTE)
        .await
        .unwrap();
    let booking: String = crate::ssr::db::query_scalar("SELECT id FROM bookings")
        .fetch_one(h.db())
        .await
        .unwrap();

    let friday = ArrivalWindow::parse("2026-01-16", "13:00", "15:00").unwrap();
    let form = FormToken::new();
    h.reschedule(&booking, friday, true, &form, MORNING + 2 * MINUTE)
        .await
        .unwrap();
    let twice = h
        .reschedule(&booking, friday, true, &form, MORNING + 2 * MINUTE + 300)
        .await
        .unwrap_err();
    assert!(matches!(twice, InboxError::AlreadySubmitted), "{twice:?}");
    let updates = h.outgoing_for("booking_update").await;
    assert_eq!(updates.len(), 1, "the customer is texted once: {updates:?}");
    assert!(
        updates[0]
            .body
            .contains("moved to Friday January 16 between 1:00 pm and 3:00 pm"),
        "{}",
        updates[0].body
    );
    // 13:00 in Chicago on 2026-01-16 is 19:00 UTC
    assert_eq!(h.count("SELECT window_start FROM bookings").await, 1_768_590_000_000);

    let tuesday = ArrivalWindow::parse("2026-01-13", "13:00", "15:00").unwrap();
    let past = h
        .reschedule(&booking, tuesday, true, &FormToken::new(), MORNING + 3 * MINUTE)
        .await
        .unwrap_err();
    assert!(
        matches!(&past, InboxError::Invalid("date", m) if m == IN_THE_PAST),
        "{past:?}"
    );
    assert_eq!(h.count("SELECT window_start FROM bookings").await, 1_768_590_000_000);

    h.cancel(&booking, true, MORNING + 4 * MINUTE).await.unwrap();
    assert_eq!(h.only_lead().await.status, "contacted", "no active booking left");
    assert_eq!(h.outgoing_for("booking_update").await.len(), 2);
    let again = h.cancel(&booking, true, MORNING + 5 * MINUTE).await.unwrap_err();
    assert!(matches!(again, InboxError::BookingCancelled), "{again:?}");
    let moved = h
        .reschedule(&booking, friday, false, &FormToken::new(), MORNING + 5 * MINUTE)
        .await
        .unwrap_err();
    assert!(matches!(moved, InboxError::BookingCancelled), "{moved:?}");
    for unknown in ["bkg_00000000000000000000000000000000", "not-an-id"] {
        let missing = h.cancel(unknown, false, MORNING + 6 * MINUTE).await.unwrap_err();
        assert!(matches!(missing, InboxError::NotFound), "{missing:?}");
    }
    let kinds = h.timeline_kinds(&lead.id).await;
    assert!(
        kinds.contains(&"booking.rescheduled".to_owned()) && kinds.contains(&"booking.cancelled".to_owned()),
        "{kinds:?}"
    );
}
