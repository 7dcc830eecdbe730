//! Housekeeping for records that are only needed for a while: failed sign-ins count
//! toward throttling for an hour and are kept a day, then deleted, so unauthenticated
//! attempts cannot grow the database without bound.

use std::time::Duration;

use app::ssr::{clock::now_ms, db::login_failures, db::Db};

/// How long failed sign-ins are kept.
pub const LOGIN_FAILURE_RETENTION_MS: i64 = 24 * 3_600_000;

pub fn spawn(db: Db, every: Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let pruned = match db.acquire().await {
                Ok(mut conn) => login_failures::prune_before(&mut conn, now_ms() - LOGIN_FAILURE_RETENTION_MS).await,
                Err(err) => Err(err),
            };
            match pruned {
                Ok(0) => {}
                Ok(n) => tracing::info!(pruned = n, "old failed sign-ins deleted"),
                Err(err) => tracing::warn!(error.message = %err, "pruning failed sign-ins failed; retrying next hour"),
            }
        }
    });
}
