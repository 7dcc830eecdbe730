//! The mail worker. Woken when a mail is queued, and every few seconds for retries. Rows
//! are claimed with a lease, so a worker killed mid-send leaves them to be sent after a
//! restart. A delivered mail's body (its link) is blanked at once. Transient failures are
//! retried with growing pauses, up to [`MAX_ATTEMPTS`]; then, or on a permanent refusal,
//! the mail is marked failed and stays for the operator (`callsnare mail list`).

use std::{sync::Arc, time::Duration};

use app::ssr::{clock::now_ms, db::mail_outbox, writer::Writer};
use tokio::sync::Notify;

use super::smtp::{Delivery, SmtpMailer};

/// After this many attempts a mail is marked failed.
pub const MAX_ATTEMPTS: i64 = 8;
const BATCH: i64 = 16;
/// A claimed mail stays claimed this long: longer than a slow SMTP conversation.
const LEASE_MS: i64 = 5 * 60_000;
/// How often the outbox is looked at when nothing wakes the worker.
const IDLE_POLL: Duration = Duration::from_secs(5);

/// The pause before attempt `attempt + 1`: 30 s, doubling, at most an hour.
pub fn backoff_ms(attempt: i64) -> i64 {
    (30_000i64 << attempt.clamp(0, 7)).min(3_600_000)
}

pub struct Worker {
    pub writer: Writer,
    pub mailer: SmtpMailer,
    pub wake: Arc<Notify>,
}

impl Worker {
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(self.run())
    }

    async fn run(self) {
        loop {
            let claimed = self
                .writer
                .run(move |conn| Box::pin(mail_outbox::claim_due(conn, now_ms(), LEASE_MS, BATCH)))
                .await;
            let due = match claimed {
                Ok(due) => due,
                Err(err) => {
                    tracing::warn!(error.message = %err, "mail outbox claim failed; retrying shortly");
                    Vec::new()
                }
            };
            let idle = due.is_empty();
            for mail in due {
                self.deliver(mail).await;
            }
            if idle {
                tokio::select! {
                    _ = self.wake.notified() => {}
                    _ = tokio::time::sleep(IDLE_POLL) => {}
                }
            }
        }
    }

    async fn deliver(&self, mail: mail_outbox::DueMail) {
        let attempt = mail.attempts + 1;
        let outcome = self.mailer.send(&mail.to_address, &mail.subject, &mail.body).await;
        let id = mail.id;
        let recorded = match outcome {
            Delivery::Sent => {
                tracing::info!(mail_id = %id, attempt, "mail delivered");
                self.writer
                    .run(move |conn| Box::pin(async move { mail_outbox::mark_sent(conn, &id, now_ms()).await }))
                    .await
            }
            Delivery::Retry(error) if attempt < MAX_ATTEMPTS => {
                tracing::warn!(mail_id = %id, attempt, error, "mail not delivered; will retry");
                let retry_at = now_ms() + backoff_ms(attempt);
                self.writer
                    .run(move |conn| {
                        Box::pin(
                            async move { mail_outbox::schedule_retry(conn, &id, retry_at, &error, now_ms()).await },
                        )
                    })
                    .await
            }
            Delivery::Retry(error) | Delivery::Refused(error) => {
                tracing::error!(mail_id = %id, attempt, error, "mail not delivered; giving up (see `callsnare mail list`)");
                self.writer
                    .run(move |conn| {
                        Box::pin(async move { mail_outbox::mark_failed(conn, &id, &error, now_ms()).await })
                    })
                    .await
            }
        };
        if let Err(err) = recorded {
            tracing::error!(error.message = %err, "could not record a mail delivery; the lease will retry it");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff_ms(1), 60_000);
        assert!(backoff_ms(2) > backoff_ms(1));
        assert_eq!(backoff_ms(50), 3_600_000);
        let total: i64 = (1..MAX_ATTEMPTS).map(backoff_ms).sum();
        assert!(total < 24 * 3_600_000, "gives up within a day: {total}");
    }
}
