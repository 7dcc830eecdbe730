//! Runs the escalation scan periodically through the single writer.

use std::{sync::Arc, time::Duration};

use app::ssr::{clock::now_ms, live::LiveFeed, services::escalation, writer::Writer};
use tokio::sync::Notify;

pub fn spawn(writer: Writer, live: LiveFeed, outbox_wake: Arc<Notify>, every: Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match writer
                .run(|conn| Box::pin(async move { escalation::run_due(conn, now_ms()).await }))
                .await
            {
                Ok(effects) => {
                    if effects.text_queued {
                        outbox_wake.notify_one();
                    }
                    live.publish(effects.live);
                }
                Err(err) => tracing::warn!(error.message = %err, "escalation scan failed; retrying next tick"),
            }
        }
    });
}
