//! The one connection per instance that LISTENs for the other instances: their live events
//! go into this instance's feed, their key changes out of its key cache. Reconnects with
//! backoff when the connection is lost (a database restart, a network drop) and, since
//! notifications sent meanwhile are gone, makes every open page refetch once it is back.
//! Its state is kept for `/readyz`.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use serde::Serialize;
use sqlx::{
    postgres::{PgListener, PgNotification},
    PgPool,
};

use super::{batch, KEYS_CHANNEL, LIVE_CHANNEL};
use crate::ssr::{
    clock::now_ms,
    live::{LiveEvent, LiveFeed},
    services::api_keys::Keyring,
};

/// With nothing heard for this long the connection is probed (`SELECT 1`). sqlx sets no
/// TCP keepalive, so a connection whose server vanished without closing it would otherwise
/// look connected forever while the other instances' events are lost.
const PROBE_AFTER: Duration = Duration::from_secs(10);
/// A probe not answered within this counts as a lost connection.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);
const BACKOFF_MIN: Duration = Duration::from_millis(250);
const BACKOFF_MAX: Duration = Duration::from_secs(5);

/// What `/readyz` reports about the listener.
#[derive(Debug, Clone, Serialize)]
pub struct ListenerReport {
    /// `connecting` (never connected yet), `connected` or `reconnecting`.
    pub status: &'static str,
    /// Since when (unix ms) it has been in that state.
    pub since: i64,
    pub last_error: Option<LastError>,
    /// How long it has been down; `None` while connected.
    #[serde(skip)]
    pub down_for: Option<Duration>,
}

/// The latest failure: a coarse kind only, since the report is served unauthenticated and
/// driver text may name hosts or users (the full error is logged).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct LastError {
    pub kind: &'static str,
    pub at: i64,
}

#[derive(Debug)]
pub struct ListenerStatus(Mutex<State>);

#[derive(Debug)]
struct State {
    connected: bool,
    ever_connected: bool,
    since: Instant,
    since_ms: i64,
    last_error: Option<LastError>,
}

impl ListenerStatus {
    pub(super) fn new() -> Self {
        Self(Mutex::new(State {
            connected: false,
            ever_connected: false,
            since: Instant::now(),
            since_ms: now_ms(),
            last_error: None,
        }))
    }

    pub fn report(&self) -> ListenerReport {
        let Ok(s) = self.0.lock() else {
            return ListenerReport {
                status: "unknown",
                since: 0,
                last_error: None,
                down_for: Some(Duration::MAX),
            };
        };
        ListenerReport {
            status: match (s.connected, s.ever_connected) {
                (true, _) => "connected",
                (false, false) => "connecting",
                (false, true) => "reconnecting",
            },
            since: s.since_ms,
            last_error: s.last_error,
            down_for: (!s.connected).then(|| s.since.elapsed()),
        }
    }

    /// Answers whether this is a reconnection (events may have been missed).
    fn connected(&self) -> bool {
        let Ok(mut s) = self.0.lock() else { return true };
        let again = s.ever_connected;
        s.connected = true;
        s.ever_connected = true;
        s.since = Instant::now();
        s.since_ms = now_ms();
        again
    }

    fn failed(&self, kind: &'static str) {
        let Ok(mut s) = self.0.lock() else { return };
        let now = now_ms();
        if s.connected {
            s.connected = false;
            s.since = Instant::now();
            s.since_ms = now;
        }
        s.last_error = Some(LastError { kind, at: now });
    }
}

/// Why receiving stopped.
enum Lost {
    Error(sqlx::Error),
    /// The server closed the connection.
    Closed,
    /// The probe went unanswered.
    Unresponsive,
}

/// Runs until the pool is closed (shutdown).
pub(super) async fn run(pool: PgPool, me: Arc<str>, live: LiveFeed, keys: Arc<Keyring>, status: Arc<ListenerStatus>) {
    let mut backoff = BACKOFF_MIN;
    loop {
        let mut listener = match subscribe(&pool).await {
            Ok(listener) => listener,
            Err(sqlx::Error::PoolClosed) => return,
            Err(err) => {
                status.failed(error_kind(&err));
                tracing::warn!(error.message = %err, retry_in = ?backoff, "live listener: could not connect");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(BACKOFF_MAX);
                continue;
            }
        };
        backoff = BACKOFF_MIN;
        if status.connected() {
            tracing::info!("live listener reconnected; open pages refetch");
            // Published only now that LISTEN is active again: anything sent from here on
            // arrives, and the refetch covers what was sent before.
            live.publish([LiveEvent::resync()]);
        }
        let lost = receive(&mut listener, &me, &live, &keys).await;
        match lost {
            Lost::Error(sqlx::Error::PoolClosed) => return,
            Lost::Error(err) => {
                status.failed(error_kind(&err));
                tracing::warn!(error.message = %err, "live listener: connection failed");
            }
            Lost::Closed => {
                status.failed("connection_lost");
                tracing::warn!("live listener: connection lost");
            }
            Lost::Unresponsive => {
                status.failed("unresponsive");
                tracing::warn!("live listener: connection stopped answering");
            }
        }
        // Dropping the listener hands its connection back to its own pool (sqlx UNLISTENs
        // it first; a dead one fails that and is discarded).
    }
}

async fn subscribe(pool: &PgPool) -> Result<PgListener, sqlx::Error> {
    // A pool of its own (one connection, same server): the listener never takes a slot of
    // the request pool, so a busy instance still hears the others, and a stuck UNLISTEN on
    // drop holds only this connection.
    let own = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect_lazy_with(pool.connect_options().as_ref().clone());
    let mut listener = PgListener::connect_with(&own).await?;
    // A lost connection makes `try_recv` answer `None` at once (instead of reconnecting
    // inside it), so the state above and the resync follow what really happened.
    listener.eager_reconnect(false);
    listener.listen_all([LIVE_CHANNEL, KEYS_CHANNEL]).await?;
    Ok(listener)
}

async fn receive(listener: &mut PgListener, me: &str, live: &LiveFeed, keys: &Keyring) -> Lost {
    loop {
        tokio::select! {
            // `try_recv` is cancel-safe (sqlx consumes a message only once it is whole).
            received = listener.try_recv() => match received {
                Ok(Some(note)) => handle(&note, me, live, keys),
                Ok(None) => return Lost::Closed,
                Err(err) => return Lost::Error(err),
            },
            () = tokio::time::sleep(PROBE_AFTER) => {
                match tokio::time::timeout(PROBE_TIMEOUT, sqlx::query("SELECT 1").execute(&mut *listener)).await {
                    Ok(Ok(_)) => {}
                    Ok(Err(err)) => return Lost::Error(err),
                    Err(_) => return Lost::Unresponsive,
                }
            }
        }
    }
}

fn handle(note: &PgNotification, me: &str, live: &LiveFeed, keys: &Keyring) {
    match note.channel() {
        LIVE_CHANNEL => match batch::decode(note.payload()) {
            // Published locally at commit already.
            Ok(batch) if batch.from == me => {}
            Ok(batch) => live.publish(batch.events),
            Err(err) => {
                // An instance of another version (a new event kind during a rolling
                // deploy): its events cannot be named, so the pages refetch instead.
                tracing::warn!(error.message = %err, "live listener: undecodable batch; open pages refetch");
                live.publish([LiveEvent::resync()]);
            }
        },
        KEYS_CHANNEL => keys.forget(note.payload()),
        _ => {}
    }
}

fn error_kind(err: &sqlx::Error) -> &'static str {
    match err {
        sqlx::Error::Io(_) => "io",
        sqlx::Error::Tls(_) => "tls",
        sqlx::Error::Database(_) => "database",
        sqlx::Error::Protocol(_) => "protocol",
        sqlx::Error::PoolTimedOut => "pool_timed_out",
        sqlx::Error::PoolClosed => "pool_closed",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_tells_a_first_connection_from_a_reconnection() {
        let status = ListenerStatus::new();
        let r = status.report();
        assert_eq!(r.status, "connecting");
        assert!(r.down_for.is_some() && r.last_error.is_none());

        assert!(!status.connected(), "the first connection is no reconnection");
        let r = status.report();
        assert_eq!(r.status, "connected");
        assert!(r.down_for.is_none());

        status.failed("io");
        status.failed("pool_timed_out");
        let r = status.report();
        assert_eq!(r.status, "reconnecting");
        assert_eq!(r.last_error.map(|e| e.kind), Some("pool_timed_out"));
        assert!(r.down_for.is_some());

        assert!(status.connected(), "events may have been missed");
        assert_eq!(status.report().status, "connected");
    }
}
