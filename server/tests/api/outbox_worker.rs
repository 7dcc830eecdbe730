//! The SMS outbox worker driven one pass at a time ([`Worker::run_once`]) against the fake
//! Twilio: no server, no polling. Each pass has finished sending and recording when it
//! returns, so the store and the fake can be read straight after it.

use std::time::Duration;

use app::{
    domain::{Caller, DialCallStatus, E164Phone},
    ssr::{
        clock::now_ms,
        core::Core,
        db::{self, pipeline::Deferred, Db},
        services::calls::{self, CallParams, DialResult},
        writer::Writer,
    },
};
use secrecy::SecretString;
use server::sms::{
    sender::{SmsSender, TwilioClient},
    worker::Worker,
};
use tempfile::TempDir;

use crate::{
    fake_twilio::{self, FakeTwilio, Reply},
    helpers::{seed_org, CALLER, OFFICE_1, PUBLIC_URL, TRACKED},
};

/// A migrated temp database with one org, its core, and a worker whose Twilio is the fake.
struct Outbox {
    worker: Worker,
    fake: FakeTwilio,
    _dir: TempDir,
}

impl Outbox {
    async fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("outbox.db").display());
        let db = db::connect_and_migrate(&url).await.unwrap();
        seed_org(&db, "acme", "Acme Heating & Air", TRACKED, &[OFFICE_1]).await;
        let writer = Writer::spawn(&db).await.unwrap();
        let fake = FakeTwilio::start().await;
        let api_base = url::Url::parse(&fake.base).unwrap();
        let client = TwilioClient::new(
            &api_base,
            fake_twilio::ACCOUNT_SID.to_owned(),
            SecretString::from(fake_twilio::AUTH_TOKEN),
            PUBLIC_URL,
        );
        let worker = Worker {
            core: Core::new(db, writer),
            sender: SmsSender::Twilio(client),
            lease: Duration::from_secs(60),
        };
        Self {
            worker,
            fake,
            _dir: dir,
        }
    }

    fn db(&self) -> &Db {
        &self.worker.core.db
    }

    /// A call from `from` that nobody answered, as its dial-complete callback applies it:
    /// the text-back is queued, due now.
    async fn missed_call(&self, call_sid: &str, from: &str) {
        let cache = self.worker.core.routing.clone();
        let p = CallParams {
            call_sid: call_sid.to_owned(),
            from: Caller::from_twilio(from),
            to: Some(E164Phone::parse(TRACKED).unwrap()),
            parent_call_sid: None,
            from_timezone: None,
            stir_verstat: None,
        };
        let d = DialResult {
            dial_call_status: DialCallStatus::NoAnswer,
            dial_call_duration: Some(17),
        };
        let outcome: String = self
            .worker
            .core
            .commit_deferred(move |conn| {
                Box::pin(async move {
                    let mut pending = Deferred::default();
                    let o = calls::on_dial_complete(conn, &mut pending, &cache, &p, &d, now_ms()).await?;
                    Ok(((o.outcome, o.effects), pending))
                })
            })
            .await
            .unwrap();
        assert!(outcome.ends_with("text_back=queued"), "{outcome}");
    }

    /// The text-back's delivery status, provider SID and outbox state.
    async fn text_back(&self) -> (String, Option<String>, String, i64) {
        app::ssr::db::query_as(
            "SELECT m.status, m.provider_sid, o.state, o.attempts FROM messages m \
             JOIN sms_outbox o ON o.message_id = m.id WHERE m.purpose = 'text_back'",
        )
        .fetch_one(self.db())
        .await
        .unwrap()
    }

    async fn opt_out_source(&self, phone: &str) -> Option<(bool, String)> {
        app::ssr::db::query_as("SELECT opted_out, source FROM opt_outs WHERE phone = $1")
            .bind(phone)
            .fetch_optional(self.db())
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn one_pass_hands_a_queued_text_back_to_twilio_and_records_its_answer() {
    let o = Outbox::new().await;
    o.missed_call("CA01", CALLER).await;

    assert_eq!(o.worker.run_once().await, 1);

    let sent = o.fake.sent();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!((sent[0].to.as_str(), sent[0].from.as_str()), (CALLER, TRACKED));
    assert!(sent[0].body.contains("Acme Heating & Air"), "{}", sent[0].body);
    assert_eq!(sent[0].status_callback, format!("{PUBLIC_URL}/api/twilio/sms/status"));
    let (status, sid, state, attempts) = o.text_back().await;
    assert_eq!(
        (status.as_str(), sid.as_deref(), state.as_str(), attempts),
        ("queued", Some(sent[0].sid.as_str()), "sent", 1)
    );
    // Nothing is left: the next pass claims nothing and Twilio hears nothing more.
    assert_eq!(o.worker.run_once().await, 0);
    assert_eq!(o.fake.received(), 1);
}

#[tokio::test]
async fn throttled_text_waits_for_its_backoff_then_is_checked_with_twilio_and_sent_once() {
    let o = Outbox::new().await;
    o.fake.script(&[Reply::Status(429, Some(20429))]);
    o.missed_call("CA01", CALLER).await;

    assert_eq!(o.worker.run_once().await, 1);
    assert!(o.fake.sent().is_empty());
    let (status, _, state, attempts) = o.text_back().await;
    assert_eq!((status.as_str(), state.as_str(), attempts), ("queued", "pending", 1));
    assert_eq!(
        o.worker.run_once().await,
        0,
        "not due again until its backoff has passed"
    );

    // The backoff has passed.
    app::ssr::db::query("UPDATE sms_outbox SET next_attempt_at = 0")
        .execute(o.db())
        .await
        .unwrap();
    assert_eq!(o.worker.run_once().await, 1);

    assert_eq!(
        o.fake.listed(),
        1,
        "a retry first asks Twilio whether it already has the text"
    );
    assert_eq!(o.fake.sent().len(), 1);
    let (_, _, state, attempts) = o.text_back().await;
    assert_eq!((state.as_str(), attempts), ("sent", 2));
}

#[tokio::test]
async fn text_to_a_number_that_opted_out_after_it_was_queued_is_canceled_not_sent() {
    let o = Outbox::new().await;
    o.missed_call("CA01", CALLER).await;
    // The STOP lands between the queueing and the claim.
    app::ssr::db::query(
        "INSERT INTO opt_outs (org_id, phone, opted_out, source, created_at, updated_at) \
         SELECT id, $1, TRUE, 'sms_keyword', 0, 0 FROM orgs",
    )
    .bind(CALLER)
    .execute(o.db())
    .await
    .unwrap();

    assert_eq!(o.worker.run_once().await, 1);

    assert_eq!(o.fake.received(), 0, "Twilio never hears of it");
    let (status, sid, state, _) = o.text_back().await;
    assert_eq!((status.as_str(), sid, state.as_str()), ("canceled", None, "canceled"));
    assert_eq!(o.worker.run_once().await, 0);
}

#[tokio::test]
async fn twilio_refusing_an_unsubscribed_number_fails_the_text_and_opts_the_number_out() {
    let o = Outbox::new().await;
    o.fake.script(&[Reply::Status(400, Some(21610))]);
    o.missed_call("CA01", CALLER).await;

    assert_eq!(o.worker.run_once().await, 1);

    let (status, _, state, _) = o.text_back().await;
    assert_eq!((status.as_str(), state.as_str()), ("failed", "failed"));
    assert_eq!(o.opt_out_source(CALLER).await, Some((true, "twilio_21610".to_owned())));
    assert_eq!(o.worker.run_once().await, 0, "a refused text is not retried");
    assert_eq!(o.fake.received(), 1);
}
