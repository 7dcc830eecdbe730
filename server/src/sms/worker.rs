//! The outbox worker. Woken at once when a text is queued (so a text-back reaches Twilio
//! within the second), and every half second for retries and held texts. Rows are claimed
//! with a lease, so a worker killed mid-send leaves them to be sent after a restart.

use std::time::Duration;

use app::ssr::{
    clock::now_ms,
    core::Core,
    db::{outbox, pipeline::Deferred},
    services::messaging::{self, SendResult},
};

use super::sender::{backoff_ms, SmsSender};

/// After this many attempts a text is marked failed.
const MAX_ATTEMPTS: i64 = 8;
const BATCH: i64 = 32;

pub struct Worker {
    /// Its writer, live feed and `outbox_wake` (which wakes this worker).
    pub core: Core,
    pub sender: SmsSender,
    pub lease: Duration,
}

impl Worker {
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(self.run())
    }

    async fn run(self) {
        loop {
            if self.run_once().await == 0 {
                tokio::select! {
                    _ = self.core.outbox_wake.notified() => {}
                    _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                }
            }
        }
    }

    /// One pass: claims the texts due now (at most `BATCH`), hands each to the provider
    /// and records what it said, then returns how many it claimed. The loop above calls it
    /// whenever it wakes; tests call it to drive the outbox without waiting for the loop.
    pub async fn run_once(&self) -> usize {
        let lease_ms = i64::try_from(self.lease.as_millis()).unwrap_or(60_000);
        let claimed = self
            .core
            .writer
            .run(move |conn| Box::pin(outbox::claim_due(conn, now_ms(), lease_ms, BATCH)))
            .await;
        let due = match claimed {
            Ok(due) => due,
            Err(err) => {
                tracing::warn!(error.message = %err, "outbox claim failed; retrying shortly");
                Vec::new()
            }
        };
        let claimed = due.len();
        for text in due {
            self.deliver(text).await;
        }
        claimed
    }

    async fn deliver(&self, text: outbox::DueText) {
        if text.is_automated() && text.billing.texting_paused(now_ms(), self.core.billing) {
            let t = text.clone();
            if let Err(err) = self
                .core
                .writer
                .run_deferred(move |_conn| {
                    Box::pin(async move {
                        let mut writes = Deferred::default();
                        messaging::cancel_for_billing(&mut writes, &t, now_ms());
                        Ok(((), writes))
                    })
                })
                .await
            {
                tracing::warn!(error.message = %err, "could not cancel an automated text paused for billing; the lease will retry");
            }
            return;
        }
        if text.opted_out {
            let t = text.clone();
            if let Err(err) = self
                .core
                .writer
                .run_deferred(move |_conn| {
                    Box::pin(async move {
                        let mut writes = Deferred::default();
                        messaging::cancel_opted_out(&mut writes, &t, now_ms());
                        Ok(((), writes))
                    })
                })
                .await
            {
                tracing::warn!(error.message = %err, "could not cancel a text to an opted-out number; the lease will retry");
            }
            return;
        }
        let attempt = text.attempts + 1;
        let retry_at = (attempt < MAX_ATTEMPTS).then(|| now_ms() + backoff_ms(attempt));
        // An earlier attempt may have reached Twilio without its answer being recorded; a
        // second copy of the same text is the complaint this product exists to avoid.
        let earlier = if text.attempts > 0 {
            self.sender
                .already_accepted(&text.from_number, &text.to_number, &text.body, text.queued_at)
                .await
        } else {
            Ok(None)
        };
        let result = match earlier {
            Ok(Some(accepted)) => {
                tracing::info!(org_id = %text.org_id, attempt, "Twilio already had this text; recorded, not resent");
                accepted
            }
            Ok(None) => {
                self.sender
                    .send(&text.from_number, &text.to_number, &text.body, retry_at)
                    .await
            }
            Err(error) => SendResult::Transient {
                error: format!("could not check for an earlier send: {error}"),
                retry_at,
            },
        };
        if let SendResult::Transient { error, .. } | SendResult::Rejected { error, .. } = &result {
            tracing::warn!(org_id = %text.org_id, attempt, error, "text not accepted by the provider");
        }
        // Once committed, the core publishes the delivery status.
        let recorded = self
            .core
            .commit_deferred(move |conn| {
                Box::pin(async move {
                    // Its writes ride with the writer's savepoint boundary after this job.
                    let mut writes = Deferred::default();
                    let effects = messaging::record_send(conn, &mut writes, &text, &result, now_ms()).await?;
                    Ok((((), effects), writes))
                })
            })
            .await;
        if let Err(err) = recorded {
            tracing::error!(error.message = %err, "could not record a send result; the lease will retry it")
        }
    }
}
