//! The append-only audit table: inserts only, and no update (but for [`chain_backfill`]
//! filling in hashes that were never written). The only delete is of org-less records of
//! one action past their retention (failed sign-ins; see `ssr::audit`).
//!
//! An org's records form a hash chain (`ssr::audit::chain`): [`insert`] appends to it in the
//! caller's transaction, [`verify_org`] walks it, `audit_chain_heads` holds each chain's
//! newest number and hash. [`list`] pages through an org's records for the audit viewer.

use crate::ssr::db::QueryBuilder;

use super::{
    pipeline::{Deferred, Stmt},
    Conn, Db,
};
use crate::{
    domain::ids::{AuditEventId, OrgId},
    ssr::audit::{
        chain::{self, ChainBreak, Content, Stored, Verifier, GENESIS},
        filter::AuditFilter,
    },
};

pub struct NewAuditEvent<'a> {
    pub id: &'a AuditEventId,
    pub org_id: Option<&'a OrgId>,
    pub actor_kind: &'a str,
    pub actor_id: Option<&'a str>,
    pub action: &'a str,
    pub target_kind: Option<&'a str>,
    pub target_id: Option<&'a str>,
    pub request_id: Option<&'a str>,
    pub ip: Option<&'a str>,
    /// JSON text.
    pub metadata: &'a str,
}

const INSERT: &str = "INSERT INTO audit_events (id, org_id, occurred_at, actor_kind, actor_id, action, target_kind, \
     target_id, request_id, ip, metadata, chain_seq, prev_hash, hash) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)";

const SET_HEAD: &str = "INSERT INTO audit_chain_heads (org_id, seq, hash, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $4) \
     ON CONFLICT (org_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, updated_at = excluded.updated_at";

/// Appends a record. An org's record joins the org's chain: it takes the head's number + 1
/// and links to the head's hash, and becomes the head, all on `conn`, which must be in the
/// transaction of the change (a `begin_write` transaction or a writer job), so the three
/// statements commit or roll back together with it. Two appends cannot take the same number:
/// `audit_events_org_id_chain_seq_key` refuses the second.
///
/// Costs one read of the head and one round trip for the row and the new head (an org-less
/// record: one statement, as before the chain).
pub async fn insert(conn: &mut Conn, e: NewAuditEvent<'_>, now: i64) -> Result<(), sqlx::Error> {
    let row = |seq: Option<i64>, prev: Option<&str>, hash: Option<&str>| {
        Stmt::new(INSERT)
            .bind(e.id.as_str())
            .bind(e.org_id.map(OrgId::as_str))
            .bind(now)
            .bind(e.actor_kind)
            .bind(e.actor_id)
            .bind(e.action)
            .bind(e.target_kind)
            .bind(e.target_id)
            .bind(e.request_id)
            .bind(e.ip)
            .bind(e.metadata)
            .bind(seq)
            .bind(prev)
            .bind(hash)
    };
    let Some(org_id) = e.org_id else {
        row(None, None, None).execute(conn).await?;
        return Ok(());
    };
    let (head_seq, head_hash) = head(conn, org_id.as_str())
        .await?
        .unwrap_or_else(|| (0, GENESIS.to_owned()));
    let seq = head_seq + 1;
    let hash = chain::link_hash(
        &head_hash,
        &Content {
            id: e.id.as_str(),
            org_id: org_id.as_str(),
            chain_seq: seq,
            occurred_at: now,
            actor_kind: e.actor_kind,
            actor_id: e.actor_id,
            action: e.action,
            target_kind: e.target_kind,
            target_id: e.target_id,
            request_id: e.request_id,
            ip: e.ip,
            metadata: e.metadata,
        },
    );
    let mut writes = Deferred::default();
    writes.push(row(Some(seq), Some(head_hash.as_str()), Some(hash.as_str())));
    writes.push(
        Stmt::new(SET_HEAD)
            .bind(org_id.as_str())
            .bind(seq)
            .bind(hash.as_str())
            .bind(now),
    );
    writes.flush(conn).await
}

/// The org's chain head: the newest record's number and hash.
pub async fn head(conn: &mut Conn, org_id: &str) -> Result<Option<(i64, String)>, sqlx::Error> {
    crate::ssr::db::query_as("SELECT seq, hash FROM audit_chain_heads WHERE org_id = $1")
        .bind(org_id)
        .fetch_optional(conn)
        .await
}

/// Deletes up to `limit` org-less records of `action` older than `before`.
pub async fn delete_orgless_before(conn: &mut Conn, action: &str, before: i64, limit: i64) -> Result<u64, sqlx::Error> {
    Ok(crate::ssr::db::query(
        "DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events \
         WHERE org_id IS NULL AND action = $1 AND occurred_at < $2 LIMIT $3)",
    )
    .bind(action)
    .bind(before)
    .bind(limit)
    .execute(conn)
    .await?
    .rows_affected())
}

/// An org record with everything its hash covers.
#[derive(Debug, sqlx::FromRow)]
struct ChainRow {
    id: String,
    org_id: String,
    chain_seq: i64,
    occurred_at: i64,
    actor_kind: String,
    actor_id: Option<String>,
    action: String,
    target_kind: Option<String>,
    target_id: Option<String>,
    request_id: Option<String>,
    ip: Option<String>,
    metadata: String,
    prev_hash: Option<String>,
    hash: Option<String>,
}

impl ChainRow {
    fn content(&self) -> Content<'_> {
        Content {
            id: &self.id,
            org_id: &self.org_id,
            chain_seq: self.chain_seq,
            occurred_at: self.occurred_at,
            actor_kind: &self.actor_kind,
            actor_id: self.actor_id.as_deref(),
            action: &self.action,
            target_kind: self.target_kind.as_deref(),
            target_id: self.target_id.as_deref(),
            request_id: self.request_id.as_deref(),
            ip: self.ip.as_deref(),
            metadata: &self.metadata,
        }
    }

    fn stored(&self) -> Stored<'_> {
        Stored {
            content: self.content(),
            prev_hash: self.prev_hash.as_deref(),
            hash: self.hash.as_deref(),
        }
    }
}

/// Rows are read this many at a time, so a long chain is walked in bounded memory.
const PAGE: i64 = 1_000;

/// The org's records numbered after `after`, in order, at most [`PAGE`].
async fn chain_page(conn: &mut Conn, org_id: &str, after: i64) -> Result<Vec<ChainRow>, sqlx::Error> {
    crate::ssr::db::query_as(
        "SELECT id, org_id, chain_seq, occurred_at, actor_kind, actor_id, action, target_kind, target_id, \
         request_id, ip, metadata, prev_hash, hash \
         FROM audit_events WHERE org_id = $1 AND chain_seq > $2 ORDER BY chain_seq LIMIT $3",
    )
    .bind(org_id)
    .bind(after)
    .bind(PAGE)
    .fetch_all(conn)
    .await
}

/// What [`verify_org`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Records that verified before the first problem (all of them when intact).
    pub checked: u64,
    /// The head as stored (number and hash), if any.
    pub head: Option<(i64, String)>,
    /// The first record (or the head) that does not verify; `None` when intact.
    pub first_bad: Option<ChainBreak>,
}

impl VerifyReport {
    pub fn intact(&self) -> bool {
        self.first_bad.is_none()
    }
}

/// Recomputes the org's chain from its first record: every record's hash over its columns,
/// every link to the record before it, numbering without gaps, the head against the last
/// record, and no org record outside the chain. Reads one snapshot (a read transaction), so
/// appends made meanwhile are not mistaken for breaks.
pub async fn verify_org(conn: &mut Conn, org_id: &OrgId) -> Result<VerifyReport, sqlx::Error> {
    verify_org_from(conn, org_id, None).await
}

/// Like [`verify_org`], but when `from` is the (seq, hash, records checked) of an earlier
/// intact walk, only the records after it are walked, linked to that hash. Whatever was
/// altered at or before `seq` since that walk is only found by a whole walk.
pub async fn verify_org_from(
    conn: &mut Conn,
    org_id: &OrgId,
    from: Option<(i64, String, u64)>,
) -> Result<VerifyReport, sqlx::Error> {
    let mut tx = conn.begin_read().await?;
    let org = org_id.as_str();
    let head = head(&mut tx, org).await?;
    let (mut verifier, mut checked, mut after) = match from {
        Some((seq, hash, done)) => (Verifier::resume(seq, hash, done), done, seq),
        // From the lowest number stored, so a record renumbered to 0 or below is walked
        // (and found out of place) rather than skipped.
        None => (Verifier::default(), 0u64, i64::MIN),
    };
    let mut first_bad = None;
    'walk: loop {
        let page = chain_page(&mut tx, org, after).await?;
        for row in &page {
            if let Err(b) = verifier.check(&row.stored()) {
                first_bad = Some(b);
                break 'walk;
            }
            checked += 1;
            after = row.chain_seq;
        }
        if page.len() < PAGE as usize {
            break;
        }
    }
    if first_bad.is_none() {
        first_bad = verifier
            .finish(head.as_ref().map(|(seq, hash)| (*seq, hash.as_str())))
            .err();
    }
    if first_bad.is_none() {
        let unchained: Option<String> = crate::ssr::db::query_scalar(
            "SELECT id FROM audit_events WHERE org_id = $1 AND chain_seq IS NULL ORDER BY occurred_at, id LIMIT 1",
        )
        .bind(org)
        .fetch_optional(&mut *tx)
        .await?;
        first_bad = unchained.map(|id| ChainBreak {
            seq: None,
            id: Some(id),
            problem: chain::Problem::Unchained,
        });
    }
    tx.commit().await?;
    Ok(VerifyReport {
        checked,
        head,
        first_bad,
    })
}

/// Hashes the records written before the chain existed (numbered, but not hashed, by
/// migration 20261201000004: SQLite's SQL has no SHA-256), in order, and writes each org's
/// head. Runs once right after migrations, before anything else can append; afterwards it
/// finds nothing to do (one indexed query).
///
/// Only orgs with no head at all are backfilled, and only when none of their records has a
/// hash yet: an org whose head has gone missing, or with unhashed records in a chain that
/// was written, is left as it is for `verify_org` to report, never silently re-chained.
pub async fn chain_backfill(db: &Db) -> Result<u64, sqlx::Error> {
    // Orgs with numbered records but no head and no hash anywhere: index probes per org,
    // so the usual answer (none) costs no scan of the table and takes no write lock.
    const PENDING: &str = "SELECT o.id FROM orgs o \
         WHERE NOT EXISTS (SELECT 1 FROM audit_chain_heads h WHERE h.org_id = o.id) \
         AND EXISTS (SELECT 1 FROM audit_events a WHERE a.org_id = o.id AND a.chain_seq IS NOT NULL) \
         AND NOT EXISTS (SELECT 1 FROM audit_events b WHERE b.org_id = o.id AND b.hash IS NOT NULL) \
         ORDER BY o.id";
    let pending: Vec<String> = crate::ssr::db::query_scalar(PENDING).fetch_all(db).await?;
    if pending.is_empty() {
        return Ok(0);
    }
    let mut tx = super::begin_write(db).await?;
    let orgs: Vec<String> = crate::ssr::db::query_scalar(PENDING).fetch_all(&mut *tx).await?;
    let now = crate::ssr::clock::now_ms();
    let mut hashed = 0u64;
    for org in orgs {
        let mut prev = GENESIS.to_owned();
        let mut last_seq = 0i64;
        loop {
            let page = chain_page(&mut tx, &org, last_seq).await?;
            for row in &page {
                let hash = chain::link_hash(&prev, &row.content());
                crate::ssr::db::query(
                    "UPDATE audit_events SET prev_hash = $1, hash = $2 WHERE id = $3 AND hash IS NULL",
                )
                .bind(prev.as_str())
                .bind(hash.as_str())
                .bind(row.id.as_str())
                .execute(&mut *tx)
                .await?;
                prev = hash;
                last_seq = row.chain_seq;
                hashed += 1;
            }
            if page.len() < PAGE as usize {
                break;
            }
        }
        if last_seq > 0 {
            crate::ssr::db::query(SET_HEAD)
                .bind(org.as_str())
                .bind(last_seq)
                .bind(prev.as_str())
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
    }
    tx.commit().await?;
    Ok(hashed)
}

/// An org record as the audit viewer lists it, with the names its ids have now.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditListRow {
    pub id: String,
    pub occurred_at: i64,
    pub actor_kind: String,
    pub actor_id: Option<String>,
    pub action: String,
    pub target_kind: Option<String>,
    pub target_id: Option<String>,
    pub request_id: Option<String>,
    pub ip: Option<String>,
    /// JSON text.
    pub metadata: String,
    /// The acting user's email, or the acting API key's name (gone: `None`).
    pub actor_name: Option<String>,
    /// What the target is called: a lead's name (or number), a member's or an invitee's
    /// email, a tracked number (gone: `None`).
    pub target_name: Option<String>,
}

/// One page of the org's records, newest first (`occurred_at` DESC, `id` DESC), after the
/// keyset `after` (the last record of the previous page), at most `limit`.
///
/// The page is chosen first, by an index range walk on one of the viewer's indexes
/// (migration 20261201000007: one per filter, each ending in `occurred_at, id`), and only
/// its rows are then named (primary-key lookups), so a page costs the same at a thousand
/// records or a million. The keyset is written `occurred_at <= t AND (occurred_at < t OR
/// id < i)`, so the first half is a range bound on the index rather than a filter over the
/// newer records.
pub async fn list(
    conn: &mut Conn,
    org_id: &OrgId,
    filter: &AuditFilter,
    after: Option<(i64, &str)>,
    limit: i64,
) -> Result<Vec<AuditListRow>, sqlx::Error> {
    let mut b: crate::ssr::db::QueryBuilder<'_> = QueryBuilder::new(
        "SELECT a.id, a.occurred_at, a.actor_kind, a.actor_id, a.action, a.target_kind, a.target_id, \
         a.request_id, a.ip, a.metadata, \
         CASE a.actor_kind \
           WHEN 'user' THEN (SELECT u.email FROM users u WHERE u.id = a.actor_id) \
           WHEN 'api_key' THEN (SELECT k.name FROM api_keys k WHERE k.id = a.actor_id AND k.org_id = a.org_id) \
         END AS actor_name, \
         CASE a.target_kind \
           WHEN 'lead' THEN (SELECT COALESCE(NULLIF(l.name, ''), l.caller_number) FROM leads l \
                             WHERE l.id = a.target_id AND l.org_id = a.org_id) \
           WHEN 'user' THEN (SELECT u.email FROM users u WHERE u.id = a.target_id) \
           WHEN 'invitation' THEN (SELECT i.email FROM invitations i WHERE i.id = a.target_id AND i.org_id = a.org_id) \
           WHEN 'tracked_number' THEN (SELECT t.e164 FROM tracked_numbers t \
                                       WHERE t.id = a.target_id AND t.org_id = a.org_id) \
           WHEN 'api_key' THEN (SELECT k.name FROM api_keys k WHERE k.id = a.target_id AND k.org_id = a.org_id) \
         END AS target_name \
         FROM (SELECT id, org_id, occurred_at, actor_kind, actor_id, action, target_kind, target_id, request_id, ip, \
               metadata FROM audit_events WHERE org_id = ",
    );
    b.push_bind(org_id.as_str().to_owned());
    if let Some(actor) = filter.actor {
        b.push(" AND actor_kind = ").push_bind(actor.as_str());
    }
    if let Some(action) = filter.action {
        b.push(" AND action = ").push_bind(action.as_str());
    }
    if let Some(target) = &filter.target_id {
        b.push(" AND target_id = ").push_bind(target.clone());
    }
    if let Some(since) = filter.since {
        b.push(" AND occurred_at >= ").push_bind(since);
    }
    if let Some(until) = filter.until {
        b.push(" AND occurred_at < ").push_bind(until);
    }
    if let Some((at, id)) = after {
        b.push(" AND occurred_at <= ")
            .push_bind(at)
            .push(" AND (occurred_at < ")
            .push_bind(at)
            .push(" OR id < ")
            .push_bind(id.to_owned())
            .push(")");
    }
    b.push(" ORDER BY occurred_at DESC, id DESC LIMIT ")
        .push_bind(limit)
        .push(") a ORDER BY a.occurred_at DESC, a.id DESC");
    b.build_query_as().fetch_all(conn).await
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::{
        domain::{OrgSlug, OrgTimezone},
        ssr::{
            actor::{Acting, Actor, RequestMeta},
            audit::{self, AuditAction, Target},
            db::{self, orgs},
        },
    };

    async fn test_db() -> (tempfile::TempDir, Db, OrgId) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("a.db").display());
        let db = db::connect_and_migrate(&url).await.unwrap();
        let org = OrgId::new();
        let mut conn = db.acquire().await.unwrap();
        orgs::insert(
            &mut conn,
            &org,
            &OrgSlug::parse("acme").unwrap(),
            "Acme",
            &OrgTimezone::parse("America/Chicago").unwrap(),
            0,
        )
        .await
        .unwrap();
        (dir, db, org)
    }

    /// Appends `n` records for `org` (and one org-less record) in one write transaction.
    async fn append(db: &Db, org: &OrgId, n: usize) {
        let mut tx = db::begin_write(db).await.unwrap();
        for i in 0..n {
            audit::record(
                &mut tx,
                &Acting::cli(org.clone()),
                AuditAction::NumberAdded,
                Target::Org(org.as_str()),
                json!({ "n": i }),
                1_000 + i as i64,
            )
            .await
            .unwrap();
        }
        audit::record(
            &mut tx,
            &Acting::new(Actor::Anonymous, None, &RequestMeta::default()),
            AuditAction::SignInFailed,
            Target::None,
            json!({}),
            5,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }

    async fn hashes(db: &Db, org: &OrgId) -> Vec<(i64, String, String)> {
        crate::ssr::db::query_as(
            "SELECT chain_seq, prev_hash, hash FROM audit_events WHERE org_id = $1 ORDER BY chain_seq",
        )
        .bind(org.as_str())
        .fetch_all(db)
        .await
        .unwrap()
    }

    async fn verify(db: &Db, org: &OrgId) -> VerifyReport {
        let mut conn = db.acquire().await.unwrap();
        verify_org(&mut conn, org).await.unwrap()
    }

    #[tokio::test]
    async fn an_orgs_records_are_numbered_and_linked_and_org_less_ones_stay_outside() {
        let (_dir, db, org) = test_db().await;
        append(&db, &org, 3).await;
        append(&db, &org, 2).await;
        let rows = hashes(&db, &org).await;
        assert_eq!(rows.iter().map(|r| r.0).collect::<Vec<_>>(), vec![1, 2, 3, 4, 5]);
        assert_eq!(rows[0].1, GENESIS);
        for pair in rows.windows(2) {
            assert_eq!(pair[1].1, pair[0].2, "each links to the one before");
        }
        let report = verify(&db, &org).await;
        assert!(report.intact(), "{report:?}");
        assert_eq!(report.checked, 5);
        assert_eq!(report.head, Some((5, rows[4].2.clone())));
        let outside: i64 = crate::ssr::db::query_scalar(
            "SELECT COUNT(*) FROM audit_events WHERE org_id IS NULL AND chain_seq IS NULL AND hash IS NULL",
        )
        .fetch_one(&db)
        .await
        .unwrap();
        assert_eq!(outside, 2);
    }

    #[tokio::test]
    async fn a_rolled_back_change_takes_its_record_and_the_head_with_it() {
        let (_dir, db, org) = test_db().await;
        append(&db, &org, 2).await;
        let mut tx = db::begin_write(&db).await.unwrap();
        audit::record(
            &mut tx,
            &Acting::cli(org.clone()),
            AuditAction::NumberAdded,
            Target::None,
            json!({}),
            9,
        )
        .await
        .unwrap();
        tx.rollback().await.unwrap();
        append(&db, &org, 1).await;
        assert_eq!(hashes(&db, &org).await.len(), 3);
        assert!(verify(&db, &org).await.intact());
    }

    #[tokio::test]
    async fn a_second_append_cannot_take_a_number_already_taken() {
        let (_dir, db, org) = test_db().await;
        append(&db, &org, 2).await;
        // A record #3 written behind the head's back (as a concurrent writer would have).
        crate::ssr::db::query(
            "INSERT INTO audit_events (id, org_id, occurred_at, actor_kind, action, metadata, chain_seq) \
             VALUES ('aud_x', $1, 0, 'cli', 'x', '{}', 3)",
        )
        .bind(org.as_str())
        .execute(&db)
        .await
        .unwrap();
        let mut tx = db::begin_write(&db).await.unwrap();
        let err = audit::record(
            &mut tx,
            &Acting::cli(org.clone()),
            AuditAction::NumberAdded,
            Target::None,
            json!({}),
            9,
        )
        .await
        .unwrap_err();
        assert!(db::is_unique_violation(&err), "{err:?}");
    }

    #[tokio::test]
    async fn records_from_before_the_chain_are_hashed_exactly_as_appended_ones() {
        let (_dir, db, org) = test_db().await;
        append(&db, &org, 4).await;
        let appended = hashes(&db, &org).await;
        // What migration 20261201000004 leaves: numbered, no hashes, no head.
        crate::ssr::db::query("UPDATE audit_events SET prev_hash = NULL, hash = NULL")
            .execute(&db)
            .await
            .unwrap();
        crate::ssr::db::query("DELETE FROM audit_chain_heads")
            .execute(&db)
            .await
            .unwrap();
        assert_eq!(
            verify(&db, &org).await.first_bad.unwrap().problem,
            chain::Problem::Unhashed
        );

        assert_eq!(chain_backfill(&db).await.unwrap(), 4);
        assert_eq!(hashes(&db, &org).await, appended);
        assert!(verify(&db, &org).await.intact());
        assert_eq!(chain_backfill(&db).await.unwrap(), 0, "once");
        append(&db, &org, 1).await;
        assert_eq!(verify(&db, &org).await.checked, 5);
    }

    #[tokio::test]
    async fn the_backfill_never_rechains_an_org_whose_head_went_missing() {
        let (_dir, db, org) = test_db().await;
        append(&db, &org, 3).await;
        crate::ssr::db::query("DELETE FROM audit_events WHERE chain_seq = 3")
            .execute(&db)
            .await
            .unwrap();
        crate::ssr::db::query("DELETE FROM audit_chain_heads")
            .execute(&db)
            .await
            .unwrap();
        assert_eq!(chain_backfill(&db).await.unwrap(), 0);
        let report = verify(&db, &org).await;
        assert_eq!(report.first_bad.unwrap().problem, chain::Problem::HeadMissing);
    }

    #[tokio::test]
    async fn a_record_of_the_org_outside_the_chain_is_reported() {
        let (_dir, db, org) = test_db().await;
        append(&db, &org, 2).await;
        crate::ssr::db::query(
            "INSERT INTO audit_events (id, org_id, occurred_at, actor_kind, action, metadata) \
             VALUES ('aud_slipped_in', $1, 0, 'cli', 'x', '{}')",
        )
        .bind(org.as_str())
        .execute(&db)
        .await
        .unwrap();
        let bad = verify(&db, &org).await.first_bad.unwrap();
        assert_eq!(bad.problem, chain::Problem::Unchained);
        assert_eq!(bad.id.as_deref(), Some("aud_slipped_in"));
    }

    #[tokio::test]
    async fn list_pages_newest_first_by_keyset_and_never_shows_another_org() {
        let (_dir, db, org) = test_db().await;
        let other = OrgId::new();
        let mut conn = db.acquire().await.unwrap();
        orgs::insert(
            &mut conn,
            &other,
            &OrgSlug::parse("rival").unwrap(),
            "Rival",
            &OrgTimezone::parse("America/Chicago").unwrap(),
            0,
        )
        .await
        .unwrap();
        drop(conn);
        append(&db, &org, 7).await;
        append(&db, &other, 3).await;
        // two records in the same millisecond: the id breaks the tie
        append(&db, &org, 1).await;
        let mut conn = db.acquire().await.unwrap();
        let all = list(&mut conn, &org, &AuditFilter::default(), None, 100).await.unwrap();
        assert_eq!(all.len(), 8);
        for pair in all.windows(2) {
            assert!(
                (pair[0].occurred_at, &pair[0].id) > (pair[1].occurred_at, &pair[1].id),
                "newest first"
            );
        }
        let mut walked = Vec::new();
        let mut after: Option<(i64, String)> = None;
        loop {
            let page = list(
                &mut conn,
                &org,
                &AuditFilter::default(),
                after.as_ref().map(|(at, id)| (*at, id.as_str())),
                3,
            )
            .await
            .unwrap();
            walked.extend(page.iter().map(|r| r.id.clone()));
            match page.last() {
                Some(last) if page.len() == 3 => after = Some((last.occurred_at, last.id.clone())),
                _ => break,
            }
        }
        assert_eq!(walked, all.iter().map(|r| r.id.clone()).collect::<Vec<_>>());
        let filtered = AuditFilter {
            since: Some(1_002),
            until: Some(1_005),
            ..AuditFilter::default()
        };
        let window = list(&mut conn, &org, &filtered, None, 100).await.unwrap();
        assert_eq!(
            window.iter().map(|r| r.occurred_at).collect::<Vec<_>>(),
            vec![1_004, 1_003, 1_002]
        );
        let theirs = list(&mut conn, &other, &AuditFilter::default(), None, 100)
            .await
            .unwrap();
        assert_eq!(theirs.len(), 3);
        assert!(theirs.iter().all(|r| !all.iter().any(|mine| mine.id == r.id)));
    }
}
