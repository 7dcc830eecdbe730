//! Runs the escalation scan periodically through the single writer.

use std::time::Duration;

use app::ssr::{clock::now_ms, core::Core, services::escalation};

pub fn spawn(core: Core, every: Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            // Once committed, the core wakes the outbox for the escalation texts and publishes.
            let billing = core.billing;
            let scanned = core
                .commit(move |conn| {
                    Box::pin(async move { escalation::run_due(conn, billing, now_ms()).await.map(|e| ((), e)) })
                })
                .await;
            if let Err(err) = scanned {
                tracing::warn!(error.message = %err, "escalation scan failed; retrying next tick");
            }
        }
    });
}
