//! The inbox's use-cases with an API key as the actor, as the `/api/v1` writes run them: the
//! same rules as for a member, no form token, the key named on the timeline and in the audit
//! trail, and no one assigned by a key's reply.

use super::*;
use crate::{
    domain::ids::{ApiKeyId, OrgId},
    ssr::{
        actor::{Acting, ApiKeyActor, RequestMeta},
        services::inbox::{QueuedReply, QuietHours},
    },
};

fn api_key(h: &Harness) -> ApiKeyActor {
    let org_id = OrgId::parse(&h.org_id).unwrap();
    let key_id = ApiKeyId::new().to_string();
    ApiKeyActor {
        acting: Acting::api_key(&key_id, "Zapier", org_id.clone(), &RequestMeta::default()),
        org_id,
        key_id,
        key_name: "Zapier".into(),
    }
}

/// `send_reply` with the key, in one writer job (a refusal rolls it back).
async fn send(
    h: &Harness,
    key: &ApiKeyActor,
    lead_id: &str,
    body: &'static str,
    quiet: QuietHours,
    now: i64,
) -> Result<QueuedReply, InboxError> {
    let (key, lead_id) = (key.clone(), lead_id.to_owned());
    h.core
        .commit_fallible(move |conn| {
            Box::pin(async move {
                match inbox::send_reply(conn, &key, &lead_id, body, quiet, None, now).await {
                    Ok(done) => Ok(Ok(done)),
                    Err(InboxError::Db(e)) => Err(e),
                    Err(refused) => Ok(Err(refused)),
                }
            })
        })
        .await
        .unwrap()
}

async fn assignee(h: &Harness, lead_id: &str) -> Option<String> {
    crate::ssr::db::query_scalar("SELECT assigned_user_id FROM leads WHERE id = $1")
        .bind(lead_id)
        .fetch_one(h.db())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_key_replies_under_the_inbox_rules_and_claims_no_one() {
    let h = Harness::new().await;
    h.missed_call(call("CA01", CALLER), MORNING).await;
    let lead = h.only_lead().await;
    let key = api_key(&h);

    let queued = send(&h, &key, &lead.id, " On our way ", QuietHours::Refuse, MORNING + MINUTE)
        .await
        .unwrap();
    assert!(queued.message_id.as_str().starts_with("msg_"));
    assert_eq!(queued.send_at, MORNING + MINUTE, "inside texting hours: now");
    let replies = h.outgoing_for("reply").await;
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0].body, "On our way");
    assert_eq!(h.only_lead().await.status, "contacted");
    assert_eq!(assignee(&h, &lead.id).await, None, "a key is nobody: it assigns no one");

    let by_key: i64 = crate::ssr::db::query_scalar(
        "SELECT COUNT(*) FROM lead_events WHERE kind = 'reply.queued' AND actor_kind = 'api_key' \
         AND detail LIKE '%API key Zapier%'",
    )
    .fetch_one(h.db())
    .await
    .unwrap();
    assert_eq!(by_key, 1, "the timeline names the key");
    let audited: i64 = crate::ssr::db::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE action = 'lead.replied' AND actor_kind = 'api_key' AND actor_id = $1",
    )
    .bind(&key.key_id)
    .fetch_one(h.db())
    .await
    .unwrap();
    assert_eq!(audited, 1);

    // No form token, no "same reply" guard: the same words again are a second text.
    send(
        &h,
        &key,
        &lead.id,
        "On our way",
        QuietHours::Refuse,
        MORNING + 2 * MINUTE,
    )
    .await
    .unwrap();
    assert_eq!(h.outgoing_for("reply").await.len(), 2);
    // A member's reply afterwards still claims the lead.
    h.reply(&lead.id, "Running 5 minutes late", MORNING + 3 * MINUTE)
        .await
        .unwrap();
    assert_eq!(assignee(&h, &lead.id).await.as_deref(), Some(h.owner_id.as_str()));
}

#[tokio::test]
async fn quiet_hours_refuse_a_keys_text_unless_it_is_held_and_opting_out_wins() {
    let h = Harness::new().await;
    h.missed_call(call("CA01", CALLER), MORNING).await;
    let lead = h.only_lead().await;
    let key = api_key(&h);

    let refused = send(&h, &key, &lead.id, "Hello", QuietHours::Refuse, NIGHT).await;
    assert!(matches!(refused, Err(InboxError::QuietHours)), "{refused:?}");
    assert!(h.outgoing_for("reply").await.is_empty(), "nothing queued");
    assert_eq!(h.only_lead().await.status, "new", "nothing written");

    let held = send(&h, &key, &lead.id, "Hello", QuietHours::Hold, NIGHT)
        .await
        .unwrap();
    assert_eq!(
        held.send_at,
        NIGHT + 5 * 60 * MINUTE,
        "03:00 in Chicago: held until 08:00"
    );

    h.inbound_sms(sms("SM01", CALLER, "STOP"), NIGHT + MINUTE).await;
    assert!(h.is_opted_out(CALLER).await);
    for quiet in [QuietHours::Refuse, QuietHours::Hold] {
        let refused = send(&h, &key, &lead.id, "Hello?", quiet, NIGHT + 2 * MINUTE).await;
        assert!(matches!(refused, Err(InboxError::OptedOut)), "{quiet:?}: {refused:?}");
    }
}

#[tokio::test]
async fn a_key_books_a_job_without_a_form_token() {
    let h = Harness::new().await;
    h.missed_call(call("CA01", CALLER), MORNING).await;
    let lead = h.only_lead().await;
    let key = api_key(&h);
    let booking = NewBooking {
        window: ArrivalWindow::parse("2026-01-15", "09:00", "11:00").unwrap(),
        job_type: crate::domain::JobType::NoHeat,
        address: "1 Main St".into(),
        notes: String::new(),
        job_value_cents: Some(25_000),
        send_confirmation: false,
    };
    let (k, lead_id) = (key.clone(), lead.id.clone());
    let booked = h
        .core
        .commit_fallible(move |conn| {
            Box::pin(async move {
                match inbox::book_job(conn, &k, &lead_id, booking, None, MORNING).await {
                    Ok(done) => Ok(Ok(done)),
                    Err(InboxError::Db(e)) => Err(e),
                    Err(refused) => Ok(Err(refused)),
                }
            })
        })
        .await
        .unwrap()
        .unwrap();
    assert!(booked.as_str().starts_with("bkg_"));
    assert_eq!(h.only_lead().await.status, "booked");
    let created_by: Option<String> = crate::ssr::db::query_scalar("SELECT created_by FROM bookings WHERE id = $1")
        .bind(booked.as_str())
        .fetch_one(h.db())
        .await
        .unwrap();
    assert_eq!(created_by.as_deref(), Some(key.key_id.as_str()));
}
