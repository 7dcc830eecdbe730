//! The append-only audit trail. Records are written inside the same transaction as the
//! change they describe, so a change without its record cannot commit. Metadata holds ids
//! and names, never secrets or raw provider bodies. Every record is written through
//! [`record`], with the caller's [`Acting`]. Each org's records form a hash chain
//! ([`chain`]): `record` appends to it in the same transaction.
//!
//! The audit viewer reads the trail through [`filter`] (its filters and cursor, parsed once),
//! `db::audit_events::list` (keyset pages), [`view`] (a record for people) and [`csv`] (the
//! export's lines).

pub mod chain;
pub mod csv;
pub mod filter;
pub mod view;

use serde_json::Value;

use crate::domain::ids::AuditEventId;
use crate::ssr::{
    actor::Acting,
    db::{
        audit_events::{self, NewAuditEvent},
        Conn,
    },
};

/// Stable `resource.verb_past` codes stored in the database (in the domain, so pages share
/// them).
pub use crate::domain::audit_action::AuditAction;

/// What a record is about (`target_kind`, `target_id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target<'a> {
    /// Nothing identified (a failed sign-in).
    None,
    User(&'a str),
    Lead(&'a str),
    Invitation(&'a str),
    Org(&'a str),
    TrackedNumber(&'a str),
    ApiKey(&'a str),
}

impl<'a> Target<'a> {
    /// The stable `target_kind` string and the id.
    fn parts(self) -> (Option<&'static str>, Option<&'a str>) {
        match self {
            Target::None => (None, None),
            Target::User(id) => (Some("user"), Some(id)),
            Target::Lead(id) => (Some("lead"), Some(id)),
            Target::Invitation(id) => (Some("invitation"), Some(id)),
            Target::Org(id) => (Some("org"), Some(id)),
            Target::TrackedNumber(id) => (Some("tracked_number"), Some(id)),
            Target::ApiKey(id) => (Some("api_key"), Some(id)),
        }
    }
}

/// Appends one record: who acted (in which org, from where), what they did, to what. A
/// record with an org joins the org's chain (`conn` must be the change's transaction).
pub async fn record(
    conn: &mut Conn,
    acting: &Acting,
    action: AuditAction,
    target: Target<'_>,
    metadata: Value,
    now: i64,
) -> Result<AuditEventId, sqlx::Error> {
    let id = AuditEventId::new();
    let metadata = metadata.to_string();
    let (target_kind, target_id) = target.parts();
    audit_events::insert(
        conn,
        NewAuditEvent {
            id: &id,
            org_id: acting.org_id.as_ref(),
            actor_kind: acting.actor.kind(),
            actor_id: acting.actor.id(),
            action: action.as_str(),
            target_kind,
            target_id,
            request_id: acting.request.request_id.as_deref(),
            ip: acting.request.ip.as_deref(),
            metadata: &metadata,
        },
        now,
    )
    .await?;
    Ok(id)
}

/// Deletes up to `limit` failed-sign-in records older than `before`. They belong to no org
/// (anyone can cause one), so they are kept only as long as they help explain an attack,
/// and unauthenticated requests cannot grow the trail without bound. Org records are never
/// deleted.
pub async fn prune_failed_sign_ins_before(conn: &mut Conn, before: i64, limit: i64) -> Result<u64, sqlx::Error> {
    audit_events::delete_orgless_before(conn, AuditAction::SignInFailed.as_str(), before, limit).await
}

/// The org's chain as the audit viewer shows it: recomputed in full on each call (about a
/// microsecond per record).
pub async fn chain_view(
    conn: &mut Conn,
    org_id: &crate::domain::ids::OrgId,
) -> Result<crate::models::AuditChainView, sqlx::Error> {
    let from = chain_cache::resume_point(org_id.as_str());
    let report = audit_events::verify_org_from(conn, org_id, from).await?;
    chain_cache::remember(org_id.as_str(), &report);
    Ok(crate::models::AuditChainView {
        intact: report.intact(),
        records: report.checked,
        head_seq: report.head.as_ref().map(|(seq, _)| *seq),
        head_hash: report.head.map(|(_, hash)| hash),
        problem: report.first_bad.map(|b| b.to_string()),
    })
}

/// The viewer's banner must not walk a million records on every page view (3.5 s measured
/// at 1,000,000): after an intact walk it remembers where the chain stood, checks only the
/// records appended since, and walks the whole chain again at most every
/// [`chain_cache::FULL_WALK_EVERY`]. `callsnare audit verify` always walks it all. Per
/// process: another instance keeps its own.
mod chain_cache {
    use std::{
        collections::HashMap,
        sync::{Mutex, OnceLock},
        time::{Duration, Instant},
    };

    use crate::ssr::db::audit_events::VerifyReport;

    pub const FULL_WALK_EVERY: Duration = Duration::from_secs(600);

    struct Checked {
        seq: i64,
        hash: String,
        records: u64,
        full_walk_at: Instant,
    }

    fn cache() -> &'static Mutex<HashMap<String, Checked>> {
        static CACHE: OnceLock<Mutex<HashMap<String, Checked>>> = OnceLock::new();
        CACHE.get_or_init(Mutex::default)
    }

    /// Where to resume, if an intact whole walk happened recently enough.
    pub fn resume_point(org: &str) -> Option<(i64, String, u64)> {
        let cache = cache().lock().ok()?;
        let c = cache.get(org)?;
        (c.full_walk_at.elapsed() < FULL_WALK_EVERY).then(|| (c.seq, c.hash.clone(), c.records))
    }

    /// Records the state after a walk: intact chains are remembered (keeping the time of
    /// the last whole walk), broken ones forgotten so the next view walks everything.
    pub fn remember(org: &str, report: &VerifyReport) {
        let Ok(mut cache) = cache().lock() else { return };
        match (&report.first_bad, &report.head) {
            (None, Some((seq, hash))) => {
                let full_walk_at = cache
                    .get(org)
                    .filter(|c| c.full_walk_at.elapsed() < FULL_WALK_EVERY)
                    .map_or_else(Instant::now, |c| c.full_walk_at);
                cache.insert(
                    org.to_owned(),
                    Checked {
                        seq: *seq,
                        hash: hash.clone(),
                        records: report.checked,
                        full_walk_at,
                    },
                );
            }
            _ => {
                cache.remove(org);
            }
        }
    }
}
