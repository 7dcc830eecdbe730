//! The core handle every entry point shares (server functions, webhooks, workers): the pool,
//! the single writer, the live feed, the outbox's wake-up and the routing cache, built once
//! at start-up. Its `commit*` helpers run a writer job and, only after the commit that holds
//! the job's writes, dispatch the job's [`Effects`]: wake the outbox when a text was queued,
//! then publish the live events. Nothing is published for a write that did not commit.
//! On PostgreSQL the events also go to the other instances ([`Cluster`]).

use std::sync::Arc;

use futures::future::BoxFuture;
use tokio::sync::Notify;

use crate::ssr::{
    cluster::Cluster,
    db::{pipeline::Deferred, Conn, Db},
    live::{Effects, LiveFeed},
    rejection_log::RejectionLog,
    services::{api_keys::Keyring, routing::RoutingCache},
    writer::{WriteError, Writer},
};

#[derive(Clone)]
pub struct Core {
    pub db: Db,
    /// The single writer that group-commits webhook, outbox and staff writes.
    pub writer: Writer,
    pub live: LiveFeed,
    /// Wakes the outbox worker when a text is queued.
    pub outbox_wake: Arc<Notify>,
    /// Tracked-number routing, read through the writer's connection at most once a second.
    /// One instance for the process, so a change (a settings page) can [`RoutingCache::forget`].
    pub routing: Arc<RoutingCache>,
    /// Provider callbacks refused before anything was stored (reason, route, time), for
    /// the evidence viewer.
    pub rejections: Arc<RejectionLog>,
    /// The operator's billing rules (`CALLSNARE_BILLING_REQUIRED`, the grace period): with
    /// an org's billing record they decide whether its automated texts are paused.
    pub billing: crate::domain::billing::BillingPolicy,
    /// On PostgreSQL: the relay of live events to the other instances and the listener
    /// for theirs ([`Core::with_cluster`]). `None` on SQLite.
    pub cluster: Option<Cluster>,
}

impl Core {
    /// A core around an open pool and a running writer, with a fresh live feed, outbox
    /// wake-up and routing cache.
    pub fn new(db: Db, writer: Writer) -> Self {
        Self {
            db,
            writer,
            live: LiveFeed::new(),
            outbox_wake: Arc::new(Notify::new()),
            routing: Arc::new(RoutingCache::default()),
            rejections: Arc::new(RejectionLog::default()),
            billing: crate::domain::billing::BillingPolicy::default(),
            cluster: None,
        }
    }

    /// On PostgreSQL, where several instances may share the database: starts relaying this
    /// core's live events to them and listening for theirs (and for their key changes,
    /// which `keys` forgets). Does nothing on SQLite. Call once, in the server's start-up.
    pub fn with_cluster(mut self, keys: Arc<Keyring>) -> Self {
        if let Db::Postgres(pool) = &self.db {
            self.cluster = Some(Cluster::start(pool.clone(), self.live.clone(), keys));
        }
        self
    }

    /// This core with the operator's billing rules, handed to the routing cache too (which
    /// the text-back decision reads them from).
    pub fn with_billing_policy(mut self, billing: crate::domain::billing::BillingPolicy) -> Self {
        self.billing = billing;
        self.routing = Arc::new(RoutingCache::with_billing_policy(billing));
        self
    }

    /// What a committed write makes happen next: the outbox wakes if a text was queued, and
    /// the live events go out. Call only after the commit.
    pub fn dispatch(&self, effects: Effects) {
        if effects.text_queued {
            self.outbox_wake.notify_one();
        }
        if effects.routing_changed {
            self.routing.forget();
        }
        if let Some(cluster) = &self.cluster {
            cluster.relay(&effects.live);
        }
        self.live.publish(effects.live);
    }

    /// [`Writer::run`], then [`dispatch`](Self::dispatch) of the job's effects once committed.
    pub async fn commit<T, F>(&self, work: F) -> Result<T, WriteError>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut Conn) -> BoxFuture<'c, Result<(T, Effects), sqlx::Error>> + Send + 'static,
    {
        let (value, effects) = self.writer.run(work).await?;
        self.dispatch(effects);
        Ok(value)
    }

    /// [`Writer::run_deferred`] (writes nobody reads back travel with the next round trip),
    /// then [`dispatch`](Self::dispatch) once committed.
    pub async fn commit_deferred<T, F>(&self, work: F) -> Result<T, WriteError>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut Conn) -> BoxFuture<'c, Result<((T, Effects), Deferred), sqlx::Error>>
            + Send
            + 'static,
    {
        let (value, effects) = self.writer.run_deferred(work).await?;
        self.dispatch(effects);
        Ok(value)
    }

    /// [`Writer::run_fallible`]: a refusal (`Ok(Err(e))`) rolls the job back and dispatches
    /// nothing; an accepted job's effects are dispatched once committed.
    pub async fn commit_fallible<T, E, F>(&self, work: F) -> Result<Result<T, E>, WriteError>
    where
        T: Send + 'static,
        E: Send + 'static,
        F: for<'c> FnOnce(&'c mut Conn) -> BoxFuture<'c, Result<Result<(T, Effects), E>, sqlx::Error>> + Send + 'static,
    {
        Ok(match self.writer.run_fallible(work).await? {
            Ok((value, effects)) => {
                self.dispatch(effects);
                Ok(value)
            }
            Err(refused) => Err(refused),
        })
    }

    /// [`commit_fallible`](Self::commit_fallible) for a use-case whose one error type
    /// carries database failures as a variant ([`Refusal`]): those fail the job like any
    /// database error, every other error is a refusal handed back after the rollback.
    pub async fn commit_use_case<T, E, F>(&self, work: F) -> Result<Result<T, E>, WriteError>
    where
        T: Send + 'static,
        E: Refusal + Send + 'static,
        F: for<'c> FnOnce(&'c mut Conn) -> BoxFuture<'c, Result<(T, Effects), E>> + Send + 'static,
    {
        self.commit_fallible(move |conn| {
            let fut = work(conn);
            Box::pin(async move {
                match fut.await {
                    Ok(done) => Ok(Ok(done)),
                    Err(e) => match e.into_db_error() {
                        Ok(db) => Err(db),
                        Err(refused) => Ok(Err(refused)),
                    },
                }
            })
        })
        .await
    }
}

/// A use-case error that is either a database failure or a refusal (not found, invalid…).
pub trait Refusal: Sized {
    /// `Ok(db error)` for a database failure, `Err(self)` for a refusal.
    fn into_db_error(self) -> Result<sqlx::Error, Self>;
}
