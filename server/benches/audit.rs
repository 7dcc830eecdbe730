//! Audit viewer benchmark (not a test): `cargo bench -p server --bench audit`.
//!
//! Builds the real application on a temp SQLite file and gives one org 1,000,000 audit
//! records (a year of a busy office: mostly lead work by people, then the system, Twilio,
//! API keys and the command line; a few settings and team changes), chained and hashed as
//! `audit::record` would have written them, and a second org 50,000 so tenant scoping is
//! exercised. Then times, p50/p99:
//!
//! - `db::audit_events::list` (what `audit/list` and the CSV export call): the first page,
//!   an action filter (common and rare), actor + a week's date range, a target, and a page
//!   deep in the trail by cursor;
//! - the `audit/list` server function over HTTP (first page, action filter);
//! - once each: the whole chain check the page's banner runs, and a filtered CSV export.
//!
//! Env: BENCH_AUDIT_ROWS (1000000), BENCH_N (300).

use std::time::Instant;

use app::ssr::db::QueryBuilder;
use app::{
    domain::{ids::AuditEventId, ActorKind, AuditAction},
    server_fns::audit::AUDIT_PAGE_SIZE,
    ssr::{
        audit::{
            chain::{link_hash, Content},
            filter::{AuditFilter, AuditFilterQuery},
        },
        db::{audit_events, Db},
    },
};

#[path = "support/mod.rs"]
mod support;
use support::pct;

/// The first record's time: 2025-01-01T00:00:00Z; records are ~31.5 s apart over a year.
const START: i64 = 1_735_689_600_000;
const YEAR_MS: i64 = 365 * 86_400_000;
/// Rows per INSERT statement (14 columns: 14,000 parameters, under SQLite's 32,766).
const BATCH: usize = 1_000;
/// Rows per transaction.
const TX_ROWS: usize = 100_000;

/// What a record is: actor kind, actor id, action, target kind, target id, metadata.
type Shape = (
    ActorKind,
    Option<String>,
    AuditAction,
    Option<&'static str>,
    Option<String>,
    String,
);

/// What record `i` is.
fn shape(i: usize, user: &str) -> Shape {
    let lead = || Some(format!("lead_{:032x}", i % 20_000));
    match i % 100 {
        0..=54 => {
            let action = [
                AuditAction::LeadReplied,
                AuditAction::LeadStatusChanged,
                AuditAction::LeadEdited,
                AuditAction::LeadBooked,
                AuditAction::LeadAssigned,
            ][i % 5];
            (
                ActorKind::User,
                Some(user.to_owned()),
                action,
                Some("lead"),
                lead(),
                r#"{"status":"contacted"}"#.to_owned(),
            )
        }
        55..=69 => (
            ActorKind::System,
            None,
            AuditAction::LeadEscalated,
            Some("lead"),
            lead(),
            r#"{"minutes":10,"texted":true}"#.to_owned(),
        ),
        70..=79 => (
            ActorKind::Webhook,
            Some("twilio".to_owned()),
            AuditAction::LeadStatusChanged,
            Some("lead"),
            lead(),
            "{}".to_owned(),
        ),
        80..=83 => (
            ActorKind::ApiKey,
            Some("key_0000000000000000000000000000000a".to_owned()),
            AuditAction::LeadEdited,
            Some("lead"),
            lead(),
            "{}".to_owned(),
        ),
        84 => (
            ActorKind::Cli,
            None,
            AuditAction::NumberAdded,
            Some("tracked_number"),
            Some(format!("num_{:032x}", i % 7)),
            "{}".to_owned(),
        ),
        85..=94 => {
            let action = if i.is_multiple_of(2) {
                AuditAction::SignedIn
            } else {
                AuditAction::SignedOut
            };
            (
                ActorKind::User,
                Some(user.to_owned()),
                action,
                Some("user"),
                Some(user.to_owned()),
                "{}".to_owned(),
            )
        }
        95..=97 => (
            ActorKind::User,
            Some(user.to_owned()),
            AuditAction::MemberInvited,
            Some("invitation"),
            Some(format!("inv_{:032x}", i)),
            r#"{"email":"new@bench.test","role":"staff"}"#.to_owned(),
        ),
        _ if i % 1_000 == 98 => (
            ActorKind::User,
            Some(user.to_owned()),
            AuditAction::SettingsChanged,
            Some("org"),
            None,
            r#"{"changes":{"cooldown_minutes":{"before":30,"after":45}}}"#.to_owned(),
        ),
        _ => (
            ActorKind::User,
            Some(user.to_owned()),
            AuditAction::PasswordChanged,
            Some("user"),
            Some(user.to_owned()),
            "{}".to_owned(),
        ),
    }
}

/// `n` records for `org_id`, continuing its chain from the current head and moving the
/// head to the last one, exactly as appends would have left them.
async fn seed(db: &Db, org_id: &str, user: &str, n: usize) {
    let mut conn = db.acquire().await.unwrap();
    let (mut seq, mut prev) = audit_events::head(&mut conn, org_id)
        .await
        .unwrap()
        .unwrap_or((0, app::ssr::audit::chain::GENESIS.to_owned()));
    drop(conn);
    let mut i = 0;
    while i < n {
        let mut tx = app::ssr::db::begin_write(db).await.unwrap();
        let tx_end = (i + TX_ROWS).min(n);
        while i < tx_end {
            let end = (i + BATCH).min(tx_end);
            let mut rows = Vec::with_capacity(end - i);
            for j in i..end {
                let (kind, actor_id, action, target_kind, target_id, metadata) = shape(j, user);
                // every 50th record shares its millisecond with the one before (the id breaks the tie)
                let at = START + (j as i64 - (j % 50 == 1) as i64) * (YEAR_MS / n as i64);
                let id = AuditEventId::new().as_str().to_owned();
                let ip = format!("203.0.113.{}", j % 250);
                let request_id = format!("req-{j:x}");
                seq += 1;
                let hash = link_hash(
                    &prev,
                    &Content {
                        id: &id,
                        org_id,
                        chain_seq: seq,
                        occurred_at: at,
                        actor_kind: kind.as_str(),
                        actor_id: actor_id.as_deref(),
                        action: action.as_str(),
                        target_kind,
                        target_id: target_id.as_deref(),
                        request_id: Some(&request_id),
                        ip: Some(&ip),
                        metadata: &metadata,
                    },
                );
                rows.push((
                    id,
                    at,
                    kind,
                    actor_id,
                    action,
                    target_kind,
                    target_id,
                    request_id,
                    ip,
                    metadata,
                    seq,
                    prev,
                    hash.clone(),
                ));
                prev = hash;
            }
            let mut b = QueryBuilder::new(
                "INSERT INTO audit_events (id, org_id, occurred_at, actor_kind, actor_id, action, target_kind, \
                 target_id, request_id, ip, metadata, chain_seq, prev_hash, hash) VALUES ",
            );
            for (i, row) in rows.into_iter().enumerate() {
                if i > 0 {
                    b.push(", ");
                }
                b.push("(");
                let mut r = b.separated(", ");
                r.push_bind(row.0)
                    .push_bind(org_id.to_owned())
                    .push_bind(row.1)
                    .push_bind(row.2.as_str())
                    .push_bind(row.3)
                    .push_bind(row.4.as_str())
                    .push_bind(row.5)
                    .push_bind(row.6)
                    .push_bind(row.7)
                    .push_bind(row.8)
                    .push_bind(row.9)
                    .push_bind(row.10)
                    .push_bind(row.11)
                    .push_bind(row.12)
                    .push_unseparated(")");
            }
            b.build().execute(&mut *tx).await.unwrap();
            i = end;
        }
        app::ssr::db::query("UPDATE audit_chain_heads SET seq = $1, hash = $2 WHERE org_id = $3")
            .bind(seq)
            .bind(&prev)
            .bind(org_id)
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
}

fn filter(pairs: &[(&str, &str)]) -> AuditFilter {
    let get = |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| (*v).to_owned());
    AuditFilterQuery {
        actor: get("actor"),
        action: get("action"),
        target: get("target"),
        from: get("from"),
        to: get("to"),
    }
    .parse(chrono_tz::America::Chicago)
    .unwrap()
}

/// A bench case: its name, the filter, and where paging starts.
type Case<'a> = (&'a str, AuditFilter, Option<(i64, &'a str)>);

#[tokio::main]
async fn main() {
    if std::env::args().any(|a| a == "--test" || a == "--list") {
        return;
    }
    let rows = support::env_usize("BENCH_AUDIT_ROWS", 1_000_000);
    let n = support::env_usize("BENCH_N", 300);
    let (_dir, base, db) = support::app_with_two_orgs("audit.db", &[]).await;
    let ids = |slug: &'static str| {
        let db = db.clone();
        async move {
            let row: (String, String) = app::ssr::db::query_as(
                "SELECT o.id, m.user_id FROM orgs o JOIN memberships m ON m.org_id = o.id WHERE o.slug = $1",
            )
            .bind(slug)
            .fetch_one(&db)
            .await
            .unwrap();
            row
        }
    };
    let (org, owner) = ids("bench").await;
    let (other, other_owner) = ids("other").await;
    let t = Instant::now();
    seed(&db, &org, &owner, rows).await;
    seed(&db, &other, &other_owner, 50_000).await;
    app::ssr::db::query("ANALYZE").execute(&db).await.unwrap();
    println!(
        "seeded {rows} + 50000 audit records (chained) in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let org_id = app::domain::ids::OrgId::parse(&org).unwrap();

    // A cursor half-way down the trail.
    let mut conn = db.acquire().await.unwrap();
    let (mid_at, mid_id): (i64, String) = app::ssr::db::query_as(
        "SELECT occurred_at, id FROM audit_events WHERE org_id = $1 ORDER BY occurred_at DESC, id DESC LIMIT 1 OFFSET $2",
    )
    .bind(&org)
    .bind((rows / 2) as i64)
    .fetch_one(&mut conn)
    .await
    .unwrap();
    let target = format!("lead_{:032x}", 1234);
    let cases: Vec<Case> = vec![
        ("first page", AuditFilter::default(), None),
        ("action = lead.booked (11%)", filter(&[("action", "lead.booked")]), None),
        (
            "action = settings.changed (0.1%)",
            filter(&[("action", "settings.changed")]),
            None,
        ),
        (
            "actor = system, one week (2025-06-01..07)",
            filter(&[("actor", "system"), ("from", "2025-06-01"), ("to", "2025-06-07")]),
            None,
        ),
        ("target = one lead", filter(&[("target", target.as_str())]), None),
        (
            "page at 500,000 (cursor)",
            AuditFilter::default(),
            Some((mid_at, mid_id.as_str())),
        ),
        (
            "action = lead.booked, page at 500,000 (cursor)",
            filter(&[("action", "lead.booked")]),
            Some((mid_at, mid_id.as_str())),
        ),
    ];
    println!("\nCallSnare audit viewer benchmark: {rows} audit records in the org, {n} runs per row");
    println!(
        "\n`db::audit_events::list` ({} rows per page, as `audit/list` asks):",
        AUDIT_PAGE_SIZE + 1
    );
    println!("| page | rows | p50 | p99 |");
    println!("|---|---|---|---|");
    for (name, f, after) in &cases {
        let mut times = Vec::with_capacity(n);
        let mut got = 0;
        for _ in 0..n {
            let t = Instant::now();
            let page = audit_events::list(&mut conn, &org_id, f, *after, AUDIT_PAGE_SIZE + 1)
                .await
                .unwrap();
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            got = page.len();
        }
        println!(
            "| {name} | {got} | {:.2} ms | {:.2} ms |",
            pct(&mut times, 0.5),
            pct(&mut times, 0.99)
        );
    }
    drop(conn);

    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = client
        .post(format!("{base}/rpc/auth/login"))
        .header("origin", &base)
        .header("accept", "text/html")
        .form(&[
            ("email", "owner@bench.test"),
            ("password", "bench password 123"),
            ("next", ""),
        ])
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_redirection(), "sign-in failed: {}", resp.status());
    println!("\n`/rpc/audit/list` over HTTP (session, parse, page, names, view):");
    println!("| request | p50 | p99 |");
    println!("|---|---|---|");
    for (name, args) in [
        ("first page", vec![]),
        ("action = lead.booked", vec![("action", "lead.booked")]),
        (
            "actor = system, one week",
            vec![("actor", "system"), ("from", "2025-06-01"), ("to", "2025-06-07")],
        ),
    ] {
        let mut times = Vec::with_capacity(n);
        for _ in 0..n {
            let t = Instant::now();
            let resp = client
                .post(format!("{base}/rpc/audit/list"))
                .header("origin", &base)
                .form(&args)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 200, "{name}");
            let body = resp.bytes().await.unwrap();
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            assert!(body.len() > 2);
        }
        println!(
            "| {name} | {:.2} ms | {:.2} ms |",
            pct(&mut times, 0.5),
            pct(&mut times, 0.99)
        );
    }

    println!("\nOnce each:");
    let t = Instant::now();
    let resp = client
        .post(format!("{base}/rpc/audit/chain"))
        .header("origin", &base)
        .send()
        .await
        .unwrap();
    let chain: serde_json::Value = resp.json().await.unwrap();
    println!(
        "- chain check (the banner; every record recomputed): {:.0} ms, intact = {}, {} records",
        t.elapsed().as_secs_f64() * 1000.0,
        chain["intact"],
        chain["records"]
    );
    let t = Instant::now();
    let mut resp = client
        .get(format!("{base}/app/audit.csv?action=lead.booked"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let (mut bytes, mut lines) = (0usize, 0usize);
    while let Some(chunk) = resp.chunk().await.unwrap() {
        bytes += chunk.len();
        lines += chunk.iter().filter(|b| **b == b'\n').count();
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "- CSV export, action = lead.booked: {} records, {:.1} MB in {:.2} s ({:.0} records/s)",
        lines - 1,
        bytes as f64 / 1e6,
        secs,
        (lines - 1) as f64 / secs
    );
    let t = Instant::now();
    let resp = client
        .get(format!("{base}/app/audit"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let html = resp.text().await.unwrap();
    assert!(html.contains("audit-row"));
    println!(
        "- /app/audit, full SSR (first page and the chain check): {:.0} ms",
        t.elapsed().as_secs_f64() * 1000.0
    );
}
