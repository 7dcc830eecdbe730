//! What several instances sharing one PostgreSQL database tell each other, through
//! LISTEN/NOTIFY (nothing here runs on SQLite, where one process owns the database).
//!
//! - **Live events.** A commit's events are published in this process at once (as on
//!   SQLite) and handed to [`Cluster::relay`], whose task sends them to the others with
//!   `pg_notify` on [`LIVE_CHANNEL`]: a JSON batch naming this instance (`batch`), several
//!   commits per payload when they queue up, split under PostgreSQL's 8000-byte limit.
//! - **Key changes.** A revocation or rotation notifies [`KEYS_CHANNEL`] with the key id
//!   inside its own transaction ([`key_changed`]), so the others drop the key from their
//!   cache as it commits.
//! - **Listening.** Every instance keeps one connection LISTENing on both (`listener`): other
//!   instances' events go into its live feed, key ids out of its keyring's cache. Its state
//!   (connected, or down since when, and why) is reported by `/readyz`.
//!
//! Notifications are not durable: whatever is sent while a listener is disconnected is lost.
//! So a reconnected listener makes every open page refetch (a `resync`), a failed send makes
//! the next one carry a resync, and the key cache keeps its short TTL as the bound.

mod batch;
pub mod listener;

use std::sync::{
    atomic::{AtomicBool, Ordering},
    Arc,
};

use argon2::password_hash::rand_core::{OsRng, RngCore};
use sqlx::PgPool;
use tokio::sync::mpsc;

use self::listener::{ListenerReport, ListenerStatus};
use crate::ssr::{
    db::{self, Conn, Engine},
    live::{LiveEvent, LiveFeed},
    services::api_keys::Keyring,
};

/// Live events committed on another instance.
pub const LIVE_CHANNEL: &str = "callsnare_live";
/// Ids of API keys revoked or rotated on another instance (or by the command line).
pub const KEYS_CHANNEL: &str = "callsnare_keys";
/// Commits waiting for the relay; beyond this they are dropped and the next send carries a
/// resync instead (the relay falls behind only when the database is slow or down).
const QUEUE: usize = 1024;
/// How soon a failed send is retried (as a resync) when no other commit comes first.
const RETRY_AFTER: std::time::Duration = std::time::Duration::from_secs(1);

/// This instance's side of the conversation. Cheap to clone; one per process.
#[derive(Clone)]
pub struct Cluster {
    /// Random, made at start-up: the listener skips its own instance's batches.
    instance: Arc<str>,
    outgoing: mpsc::Sender<Vec<LiveEvent>>,
    /// Set when a commit's events did not fit in the queue.
    overflowed: Arc<AtomicBool>,
    listener: Arc<ListenerStatus>,
}

impl Cluster {
    /// Starts the relay and the listener on `pool`. The listener puts other instances'
    /// events into `live` and forgets their changed keys in `keys`.
    pub fn start(pool: PgPool, live: LiveFeed, keys: Arc<Keyring>) -> Self {
        let mut random = [0u8; 8];
        OsRng.fill_bytes(&mut random);
        let instance: Arc<str> = hex::encode(random).into();
        let (outgoing, queued) = mpsc::channel(QUEUE);
        let overflowed = Arc::new(AtomicBool::new(false));
        let status = Arc::new(ListenerStatus::new());
        tracing::info!(instance = %instance, "sharing live events and key changes through PostgreSQL");
        tokio::spawn(send(pool.clone(), instance.clone(), queued, overflowed.clone()));
        tokio::spawn(listener::run(pool, instance.clone(), live, keys, status.clone()));
        Self {
            instance,
            outgoing,
            overflowed,
            listener: status,
        }
    }

    /// Hands a committed write's events to the relay; never waits (the caller has published
    /// them locally already).
    pub fn relay(&self, events: &[LiveEvent]) {
        if events.is_empty() {
            return;
        }
        if self.outgoing.try_send(events.to_vec()).is_err() {
            self.overflowed.store(true, Ordering::Release);
        }
    }

    pub fn instance_id(&self) -> &str {
        &self.instance
    }

    pub fn listener(&self) -> ListenerReport {
        self.listener.report()
    }
}

/// Tells the other instances that the key `key_id` changed (revoked, or a new secret), so
/// they drop it from their key cache. Call inside the transaction that changes it:
/// PostgreSQL delivers a notification only when that transaction commits (and drops it on a
/// rollback), so nobody re-reads the key before the change is visible. Lost when a listener
/// is reconnecting; the cache's TTL (`keyring::CACHE_TTL`) still bounds that case. A no-op
/// on SQLite.
pub async fn key_changed(conn: &mut Conn, key_id: &str) -> Result<(), sqlx::Error> {
    if !matches!(conn.engine(), Engine::Postgres) {
        return Ok(());
    }
    db::query("SELECT pg_notify($1, $2)")
        .bind(KEYS_CHANNEL)
        .bind(key_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The relay: sends queued events until every [`Cluster`] is dropped. Uses the shared pool,
/// after the commit (the writer's transaction is not held open for it).
async fn send(
    pool: PgPool,
    instance: Arc<str>,
    mut queued: mpsc::Receiver<Vec<LiveEvent>>,
    overflowed: Arc<AtomicBool>,
) {
    // A send that failed (or events that were dropped) leaves the others' pages behind:
    // the next batch carries a resync, so they refetch.
    let mut owe_resync = false;
    loop {
        let next = if owe_resync {
            // Owed and nothing else to send: retry with the resync alone.
            tokio::time::timeout(RETRY_AFTER, queued.recv())
                .await
                .unwrap_or(Some(Vec::new()))
        } else {
            queued.recv().await
        };
        let Some(mut events) = next else { return };
        // Commits that landed while the last send was in flight travel together.
        while let Ok(more) = queued.try_recv() {
            events.extend(more);
        }
        if overflowed.swap(false, Ordering::AcqRel) || owe_resync {
            events.insert(0, LiveEvent::resync());
            owe_resync = false;
        }
        for payload in batch::encode(&instance, &events) {
            let sent = sqlx::query("SELECT pg_notify($1, $2)")
                .bind(LIVE_CHANNEL)
                .bind(payload)
                .execute(&pool)
                .await;
            if let Err(err) = sent {
                tracing::warn!(error.message = %err, "could not relay live events to the other instances");
                owe_resync = true;
            }
        }
    }
}
