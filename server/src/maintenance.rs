//! Housekeeping for records that are only needed for a while, so unauthenticated requests
//! cannot grow the database without bound and no live link lingers in the store:
//! - failed sign-ins count toward throttling for an hour and are kept a day;
//! - failed-sign-in audit records (they belong to no org) are kept 30 days;
//! - a held mail's body is blanked once its link is used, revoked or expired;
//! - a stored provider callback's payload and headers are blanked once older than its
//!   org's evidence retention (default 180 days; callbacks that concerned no org use the
//!   default). The evidence row stays, and the audit trail is never pruned;
//! - a used one-use form token's claim is kept two days (a token that old is refused, so
//!   its claim is no longer needed to refuse it);
//! - an API write's `Idempotency-Key` and stored response are kept 24 hours (after that the
//!   key no longer answers repeats);
//! - a new API key's sealed secret that was never shown is deleted once its reveal has
//!   expired (10 minutes after the key was made or rotated).
//!
//! Deletes go in small batches, each its own short transaction, so the single writer's
//! `BEGIN IMMEDIATE` never waits long behind them.

use std::time::Duration;

use app::{
    domain::{evidence::RETENTION_DEFAULT_DAYS, form_token::FORM_TOKEN_LIFETIME_MS},
    ssr::{
        audit,
        clock::now_ms,
        db::{
            api_idempotency, api_key_reveals, form_submissions, login_failures, mail_outbox, orgs, webhook_events, Db,
        },
    },
};

/// How long failed sign-ins are kept.
pub const LOGIN_FAILURE_RETENTION_MS: i64 = 24 * 3_600_000;
/// How long org-less failed-sign-in audit records are kept.
pub const FAILED_SIGN_IN_AUDIT_RETENTION_MS: i64 = 30 * 24 * 3_600_000;
const BATCH: i64 = 1_000;
const DAY_MS: i64 = 86_400_000;

pub fn spawn(db: Db, every: Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(err) = run_once(&db).await {
                tracing::warn!(error.message = %err, "housekeeping failed; retrying next time");
            }
        }
    });
}

/// One housekeeping pass; public so tests can run it instead of waiting an hour.
pub async fn run_once(db: &Db) -> Result<(), sqlx::Error> {
    let now = now_ms();
    let mut conn = db.acquire().await?;
    let mut failures = 0;
    loop {
        let n = login_failures::prune_before(&mut conn, now - LOGIN_FAILURE_RETENTION_MS, BATCH).await?;
        failures += n;
        if n < BATCH as u64 {
            break;
        }
        tokio::task::yield_now().await;
    }
    let mut audits = 0;
    loop {
        let n = audit::prune_failed_sign_ins_before(&mut conn, now - FAILED_SIGN_IN_AUDIT_RETENTION_MS, BATCH).await?;
        audits += n;
        if n < BATCH as u64 {
            break;
        }
        tokio::task::yield_now().await;
    }
    let mut form_claims = 0;
    loop {
        let n = form_submissions::prune_before(&mut conn, now - FORM_TOKEN_LIFETIME_MS, BATCH).await?;
        form_claims += n;
        if n < BATCH as u64 {
            break;
        }
        tokio::task::yield_now().await;
    }
    let mut idempotency_keys = 0;
    loop {
        let n = api_idempotency::prune_before(&mut conn, now - api_idempotency::RETENTION_MS, BATCH).await?;
        idempotency_keys += n;
        if n < BATCH as u64 {
            break;
        }
        tokio::task::yield_now().await;
    }
    let mut reveals = 0;
    loop {
        let n = api_key_reveals::prune_expired(&mut conn, now, BATCH).await?;
        reveals += n;
        if n < BATCH as u64 {
            break;
        }
        tokio::task::yield_now().await;
    }
    let mails = mail_outbox::blank_dead(&mut conn, now).await?;
    let mut payloads = 0;
    let mut scopes: Vec<(Option<String>, i64)> = orgs::evidence_retentions(&mut conn)
        .await?
        .into_iter()
        .map(|(org, days)| (Some(org), days))
        .collect();
    scopes.push((None, RETENTION_DEFAULT_DAYS));
    for (org, days) in scopes {
        let before = now - days.max(1) * DAY_MS;
        loop {
            let n = webhook_events::prune_payloads_before(&mut conn, org.as_deref(), before, now, BATCH).await?;
            payloads += n;
            if n < BATCH as u64 {
                break;
            }
            tokio::task::yield_now().await;
        }
    }
    if failures + audits + form_claims + idempotency_keys + reveals + mails + payloads > 0 {
        tracing::info!(
            failures,
            audits,
            form_claims,
            idempotency_keys,
            reveals,
            mails,
            payloads,
            "housekeeping: old records pruned, dead links and old callback payloads blanked"
        );
    }
    Ok(())
}
