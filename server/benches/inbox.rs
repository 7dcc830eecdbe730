//! Inbox benchmark (not a test): `cargo bench -p server --bench inbox`.
//!
//! Builds the real application on a temp SQLite file, fills one org with 100,000 leads
//! (and a second org with 20,000 so tenant scoping is exercised), signs in over HTTP and
//! times the list server function (first page, a deep cursor page, "needs reply", a phone
//! search) and the full server-rendered inbox page. Env: BENCH_LEADS (100000), BENCH_N (300).

use std::time::Instant;

#[path = "support/mod.rs"]
mod support;
use support::pct;

async fn seed(db: &app::ssr::db::Db, org_id: &str, n: usize, prefix: &str) {
    let mut tx = app::ssr::db::begin_write(db).await.unwrap();
    for i in 0..n {
        let at = 1_700_000_000_000i64 + (i as i64) * 1_000;
        let inbound = (i % 7 == 0).then_some(at);
        app::ssr::db::query(
            "INSERT INTO leads (id, org_id, caller_number, name, source, status, last_message_preview, last_inbound_at, last_activity_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $9)",
        )
        .bind(format!("lead_{prefix}{i:028x}"))
        .bind(org_id)
        .bind(format!("+1512{:07}", i))
        .bind(if i % 3 == 0 { format!("Customer {i}") } else { String::new() })
        .bind(["missed_call", "after_hours", "abandoned", "text_first"][i % 4])
        .bind(["new", "contacted", "booked", "lost"][i % 4])
        .bind("Furnace is blowing cold air, can someone come today?")
        .bind(inbound)
        .bind(at)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
}

#[tokio::main]
async fn main() {
    if std::env::args().any(|a| a == "--test" || a == "--list") {
        return;
    }
    let leads = support::env_usize("BENCH_LEADS", 100_000);
    let n = support::env_usize("BENCH_N", 300);
    let (_dir, base, db) = support::app_with_two_orgs("inbox.db", &[]).await;
    let org: String = app::ssr::db::query_scalar("SELECT id FROM orgs WHERE slug = 'bench'")
        .fetch_one(&db)
        .await
        .unwrap();
    let other: String = app::ssr::db::query_scalar("SELECT id FROM orgs WHERE slug = 'other'")
        .fetch_one(&db)
        .await
        .unwrap();
    let t = Instant::now();
    seed(&db, &org, leads, "a").await;
    seed(&db, &other, leads / 5, "b").await;
    app::ssr::db::query("ANALYZE").execute(&db).await.unwrap();
    println!(
        "seeded {} + {} leads in {:.1} s",
        leads,
        leads / 5,
        t.elapsed().as_secs_f64()
    );

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

    let deep_cursor = format!(
        "{}.lead_a{:028x}",
        1_700_000_000_000i64 + (leads as i64 / 2) * 1_000,
        leads / 2
    );
    let cases: Vec<(&str, Vec<(&str, String)>)> = vec![
        ("list: first page", vec![]),
        ("list: page at 50,000 (cursor)", vec![("cursor", deep_cursor)]),
        ("list: needs reply", vec![("needs_reply", "true".into())]),
        ("list: status=booked", vec![("status", "booked".into())]),
        ("list: search by last four digits", vec![("q", "1234".into())]),
        ("list: search by whole number", vec![("q", "(512) 001-2345".into())]),
        (
            "list: search by name (substring scan)",
            vec![("q", "customer 9999".into())],
        ),
    ];
    println!("\nCallSnare inbox benchmark: {leads} leads in the org, release build, {n} requests per row");
    println!("| request | p50 | p99 |");
    println!("|---|---|---|");
    for (name, args) in cases {
        let mut times = Vec::with_capacity(n);
        for _ in 0..n {
            let t = Instant::now();
            let resp = client
                .post(format!("{base}/rpc/leads/list"))
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
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let resp = client
            .get(format!("{base}/app"))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let html = resp.text().await.unwrap();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        assert!(html.contains("lead-row"));
    }
    println!(
        "| inbox page, full SSR (session, stats, first 50 leads) | {:.2} ms | {:.2} ms |",
        pct(&mut times, 0.5),
        pct(&mut times, 0.99)
    );
}
