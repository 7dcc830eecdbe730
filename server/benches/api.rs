//! `/api/v1` benchmark (not a test): `cargo bench -p server --bench api`.
//!
//! Builds the real application on a temp SQLite file, fills one org with 100,000 leads (and
//! a second org with 20,000 so tenant scoping is exercised), makes an API key with the
//! operator command, and times `GET /api/v1/leads` (first page, a full page of 100, a page
//! 50,000 leads deep by cursor, the filters) against what the key check itself costs:
//! `/healthz` (no key, the same middleware stack), `/api/v1/billing` (the key check and
//! one small read of the org's billing row), a refused malformed key, and the inbox's
//! session-authenticated list (`/rpc/leads/list`, the same org's first page behind a session cookie).
//! Env: BENCH_LEADS (100000), BENCH_N (300).

use std::time::Instant;

#[path = "support/mod.rs"]
mod support;
use support::pct;

/// Settings the run needs beyond the defaults. The per-key rate limit must not answer 429
/// to a benchmark that sends thousands of requests with one key: put the key limiter's
/// setting here with a limit far above BENCH_N per second.
const EXTRA_SETTINGS: &[(&str, &str)] = &[("CALLSNARE_API_RATE", "1000000"), ("CALLSNARE_API_BURST", "1000000")];

const BASE_MS: i64 = 1_700_000_000_000;

async fn seed(db: &app::ssr::db::Db, org_id: &str, n: usize, first: usize) {
    let mut tx = app::ssr::db::begin_write(db).await.unwrap();
    for i in 0..n {
        let at = BASE_MS + (i as i64) * 1_000;
        let inbound = (i % 7 == 0).then_some(at);
        app::ssr::db::query(
            "INSERT INTO leads (id, org_id, caller_number, name, source, status, last_message_preview, last_inbound_at, last_activity_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $9)",
        )
        .bind(format!("lead_{:032x}", first + i))
        .bind(org_id)
        .bind(format!("+1512{:07}", first + i))
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

/// A key for the `bench` org with every scope, made by the operator command.
fn create_key(database_url: &str) -> String {
    let scopes: Vec<&str> = app::domain::scope::Scope::ALL.iter().map(|s| s.as_str()).collect();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_callsnare"))
        .args([
            "api-key",
            "create",
            "--org",
            "bench",
            "--name",
            "bench",
            "--scopes",
            &scopes.join(","),
        ])
        .env_clear()
        .env("DATABASE_URL", database_url)
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "api-key create: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// p50 and p99 of `n` sequential requests, each answered with `status`.
async fn time<F>(n: usize, status: u16, mut send: F) -> (f64, f64)
where
    F: FnMut() -> reqwest::RequestBuilder,
{
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let resp = send().send().await.unwrap();
        let got = resp.status().as_u16();
        let body = resp.bytes().await.unwrap();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(
            got,
            status,
            "{}",
            if got == 429 {
                "the per-key rate limit answered: raise it in EXTRA_SETTINGS".to_owned()
            } else {
                String::from_utf8_lossy(&body).into_owned()
            }
        );
    }
    (pct(&mut times, 0.5), pct(&mut times, 0.99))
}

#[tokio::main]
async fn main() {
    if std::env::args().any(|a| a == "--test" || a == "--list") {
        return;
    }
    let leads = support::env_usize("BENCH_LEADS", 100_000);
    let n = support::env_usize("BENCH_N", 300);
    let (dir, base, db) = support::app_with_two_orgs("api.db", EXTRA_SETTINGS).await;
    let org: String = app::ssr::db::query_scalar("SELECT id FROM orgs WHERE slug = 'bench'")
        .fetch_one(&db)
        .await
        .unwrap();
    let other: String = app::ssr::db::query_scalar("SELECT id FROM orgs WHERE slug = 'other'")
        .fetch_one(&db)
        .await
        .unwrap();
    let t = Instant::now();
    seed(&db, &org, leads, 0).await;
    seed(&db, &other, leads / 5, leads).await;
    app::ssr::db::query("ANALYZE").execute(&db).await.unwrap();
    println!(
        "seeded {} + {} leads in {:.1} s",
        leads,
        leads / 5,
        t.elapsed().as_secs_f64()
    );
    let database_url = format!("sqlite://{}", dir.path().join("api.db").display());
    let key = tokio::task::spawn_blocking(move || create_key(&database_url))
        .await
        .unwrap();

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

    // A cursor 50,000 leads deep, reached the way a client reaches it.
    let mut deep: Option<String> = None;
    for _ in 0..(leads / 2 / 100) {
        let mut url = format!("{base}/api/v1/leads?limit=100");
        if let Some(c) = &deep {
            url.push_str("&cursor=");
            url.push_str(c);
        }
        let page: serde_json::Value = client
            .get(url)
            .bearer_auth(&key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        deep = page["next_cursor"].as_str().map(str::to_owned);
    }
    let deep = deep.expect("a cursor half way through");
    // the last 2,000 changes
    let recent = app::ssr::audit::view::utc_time(BASE_MS + (leads.saturating_sub(2_000) as i64) * 1_000);

    println!("\nCallSnare API benchmark: {leads} leads in the org, release build, {n} sequential requests per row");
    println!("| request | p50 | p99 |");
    println!("|---|---|---|");
    let row = |name: &str, (p50, p99): (f64, f64)| println!("| {name} | {p50:.2} ms | {p99:.2} ms |");

    let healthz = time(n, 200, || client.get(format!("{base}/healthz"))).await;
    row("GET /healthz (no key: the middleware stack alone)", healthz);
    let billing = time(n, 200, || {
        client.get(format!("{base}/api/v1/billing")).bearer_auth(&key)
    })
    .await;
    row("GET /api/v1/billing (key check + one small read)", billing);
    let refused = time(n, 401, || {
        client
            .get(format!("{base}/api/v1/billing"))
            .bearer_auth("cs_live_not-a-key")
    })
    .await;
    row("GET /api/v1/billing, malformed key (refused before the store)", refused);
    let session = time(n, 200, || {
        client
            .post(format!("{base}/rpc/leads/list"))
            .header("origin", &base)
            .form(&[("status", "")])
    })
    .await;
    row("POST /rpc/leads/list (the inbox's first page, session cookie)", session);
    for (name, query) in [
        ("GET /api/v1/leads (first page, 50)", String::new()),
        ("GET /api/v1/leads?limit=100", "?limit=100".to_owned()),
        ("GET /api/v1/leads, page at 50,000 (cursor)", format!("?cursor={deep}")),
        ("GET /api/v1/leads?status=booked", "?status=booked".to_owned()),
        ("GET /api/v1/leads?needs_reply=true", "?needs_reply=true".to_owned()),
        (
            "GET /api/v1/leads?updated_since=… (recent changes)",
            format!("?updated_since={recent}"),
        ),
    ] {
        let url = format!("{base}/api/v1/leads{query}");
        let r = time(n, 200, || client.get(&url).bearer_auth(&key)).await;
        row(name, r);
    }
    println!(
        "\nthe key check adds {:.2} ms at p50 over an unauthenticated route (billing − healthz)",
        billing.0 - healthz.0
    );
}
