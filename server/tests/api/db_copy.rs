//! `callsnare db copy`: an office's SQLite database, made by driving the real app (missed
//! calls, a reply, a sign-in, an invitation, an API key and an API write), copied by the
//! real binary into a fresh PostgreSQL database: every table arrives whole, the audit chain
//! verifies there, and a copy into a database that holds data, or from a source that is
//! not at this version's migrations, is refused without writing anything.
//!
//! Needs a PostgreSQL cluster: `CALLSNARE_TEST_POSTGRES` is its admin URL, from which each
//! test makes its own database. Skipped (with a line saying so) when it is not set.

use std::{
    collections::BTreeMap,
    process::{Command, Output},
    str::FromStr,
    time::Duration,
};

use sqlx::{sqlite::SqliteConnectOptions, Connection, PgConnection, PgPool, SqlitePool};

use crate::helpers::{seed_org, sms, spawn_twilio_app, MissedCall, Signing, CALLER};

/// What a copy leaves out, besides SQLite's own `sqlite_*` tables.
const NOT_COPIED: &[&str] = &["_sqlx_migrations", "tower_sessions"];

fn pg_admin() -> Option<String> {
    let admin = std::env::var("CALLSNARE_TEST_POSTGRES")
        .ok()
        .filter(|v| !v.trim().is_empty());
    if admin.is_none() {
        println!("skipped: CALLSNARE_TEST_POSTGRES is not set (db copy needs a PostgreSQL cluster)");
    }
    admin
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// The real binary with only `env` (and PATH) set.
fn callsnare(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_callsnare"));
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RUST_LOG", "warn");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("callsnare runs")
}

fn copy(from: &str, to: &str) -> Output {
    callsnare(&["db", "copy", "--from", from, "--to", to], &[])
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}
fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A new, empty database on the test cluster.
struct PgDatabase {
    admin: String,
    name: String,
    url: String,
}

impl PgDatabase {
    async fn create(admin: &str) -> Self {
        let name = format!("callsnare_copy_{}", uuid::Uuid::now_v7().simple());
        let mut conn = PgConnection::connect(admin).await.unwrap();
        sqlx::query(&format!("CREATE DATABASE \"{name}\""))
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
        let mut url = url::Url::parse(admin).unwrap();
        url.set_path(&format!("/{name}"));
        Self {
            admin: admin.to_owned(),
            name,
            url: url.to_string(),
        }
    }

    async fn pool(&self) -> PgPool {
        PgPool::connect(&self.url).await.unwrap()
    }

    /// Best effort: the cluster is a throwaway one anyway.
    async fn drop_database(self) {
        if let Ok(mut conn) = PgConnection::connect(&self.admin).await {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name))
                .execute(&mut conn)
                .await;
        }
    }
}

/// Tables in the target's schema (after a refused copy: none, not even the migrations').
async fn pg_tables(pg: &PgPool) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = current_schema() ORDER BY 1",
    )
    .fetch_all(pg)
    .await
    .unwrap()
}

async fn open_sqlite(url: &str) -> SqlitePool {
    let options = SqliteConnectOptions::from_str(url).unwrap().read_only(true);
    SqlitePool::connect_with(options).await.unwrap()
}

/// Rows per application table of the SQLite source.
async fn sqlite_counts(source: &SqlitePool) -> BTreeMap<String, i64> {
    let names: Vec<String> = sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .fetch_all(source)
        .await
        .unwrap();
    let mut counts = BTreeMap::new();
    for name in names
        .into_iter()
        .filter(|n| !n.starts_with("sqlite_") && !NOT_COPIED.contains(&n.as_str()))
    {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM \"{name}\""))
            .fetch_one(source)
            .await
            .unwrap();
        counts.insert(name, n);
    }
    counts
}

/// Rows in each of `tables` of the PostgreSQL copy.
async fn pg_counts(pg: &PgPool, tables: &BTreeMap<String, i64>) -> BTreeMap<String, i64> {
    let mut counts = BTreeMap::new();
    for name in tables.keys() {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM \"{name}\""))
            .fetch_one(pg)
            .await
            .unwrap();
        counts.insert(name.clone(), n);
    }
    counts
}

/// An office with some history, made through the app's own doors: Acme takes two missed
/// calls (calls, leads, text-backs, the outbox, webhook evidence) and one reply; Acme's owner
/// signs in (a session, which is not copied) and invites a colleague (invitation and mail);
/// an operator makes an API key (the instance's key secret), which reads the leads and sends
/// a text with an Idempotency-Key. Rival only exists. Every org's chain has records.
async fn seed_office(database_url: &str) {
    let (app, twilio) = spawn_twilio_app(&[("DATABASE_URL", database_url)]).await;
    seed_org(&app.db, "rival", "Rival HVAC", "+14155550200", &["+14155550201"]).await;

    for (n, caller) in [(1, CALLER), (2, "+14155552672")] {
        for (path, params) in MissedCall::new(n, caller).sequence() {
            let resp = app.post_twilio(path, &params, Signing::Valid).await;
            assert_eq!(resp.status(), 200, "{path}");
        }
    }
    twilio.wait_for_sent(2).await;
    let (path, params) = sms(
        "SM00000000000000000000000000000001",
        CALLER,
        "Yes please, the furnace is out",
    );
    assert_eq!(app.post_twilio(path, &params, Signing::Valid).await.status(), 200);

    let owner = app.new_client();
    app.sign_in(&owner, "owner@acme.test").await;
    app.rpc_json(&owner, "team/add", &[("email", "ana@new.test"), ("role", "staff")])
        .await;

    let url = database_url.to_owned();
    let out = tokio::task::spawn_blocking(move || {
        callsnare(
            &[
                "api-key",
                "create",
                "--org",
                "acme",
                "--name",
                "Dispatch",
                "--scopes",
                "leads:read,messages:send",
            ],
            &[("DATABASE_URL", url.as_str())],
        )
    })
    .await
    .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let key = stdout(&out).lines().last().unwrap().trim().to_owned();

    let leads: serde_json::Value = app
        .client
        .get(app.url("/api/v1/leads"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let lead = leads["data"][0]["id"].as_str().unwrap().to_owned();
    let sent = app
        .client
        .post(app.url(&format!("/api/v1/leads/{lead}/messages")))
        .bearer_auth(&key)
        .header("Idempotency-Key", "5b7c1e0a-8f3d-4c2b-9a6e-1d2f3a4b5c6d")
        .json(&serde_json::json!({"body": "Your tech is 10 minutes out."}))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 202);
    twilio.wait_for_sent(3).await;
    // The delivery's bookkeeping (the outbox row marked sent) settles before the app stops.
    tokio::time::sleep(Duration::from_millis(300)).await;
}

/// The office, on a SQLite file in `dir`, with the app stopped afterwards so nothing
/// writes the source while it is copied and compared.
fn seeded_source(dir: &tempfile::TempDir) -> String {
    let url = format!("sqlite://{}", dir.path().join("office.db").display());
    let rt = runtime();
    rt.block_on(seed_office(&url));
    rt.shutdown_timeout(Duration::from_secs(5));
    url
}

#[test]
fn db_copy_moves_every_table_to_postgres_and_the_audit_chain_verifies_there() {
    let Some(admin) = pg_admin() else { return };
    let dir = tempfile::tempdir().unwrap();
    let source_url = seeded_source(&dir);
    let rt = runtime();
    let target = rt.block_on(PgDatabase::create(&admin));

    let out = copy(&source_url, &target.url);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    let printed = stdout(&out);
    assert!(
        printed.contains("sessions were not copied: staff sign in again"),
        "{printed}"
    );
    assert!(printed.contains("audit chain verified for 2 orgs"), "{printed}");
    assert!(
        !printed.contains(&target.url),
        "the URL (and any password in it) is not printed"
    );

    let (source, expected) = rt.block_on(async {
        let source = open_sqlite(&source_url).await;
        let counts = sqlite_counts(&source).await;
        (source, counts)
    });
    let pg = rt.block_on(target.pool());
    let copied = rt.block_on(pg_counts(&pg, &expected));
    assert_eq!(copied, expected, "every table, row for row");
    for table in [
        "orgs",
        "users",
        "memberships",
        "tracked_numbers",
        "routing_settings",
        "leads",
        "calls",
        "messages",
        "sms_outbox",
        "lead_events",
        "webhook_events",
        "audit_events",
        "audit_chain_heads",
        "api_keys",
        "api_idempotency",
        "invitations",
        "instance_secrets",
    ] {
        assert!(expected[table] > 0, "the office has {table} rows to copy");
        // The command's table says the same: `  <table>  <rows>`.
        let line = printed
            .lines()
            .find(|l| l.split_whitespace().next() == Some(table))
            .unwrap_or_else(|| panic!("{table} in the output: {printed}"));
        assert_eq!(
            line.split_whitespace().nth(1),
            Some(expected[table].to_string().as_str())
        );
    }
    let sessions: i64 = rt
        .block_on(sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM tower_sessions").fetch_one(&source))
        .unwrap();
    assert!(sessions > 0, "the owner's session was in the source");
    assert!(!printed.contains("tower_sessions") && !printed.contains("_sqlx_migrations"));

    // Values arrive as their PostgreSQL types (SQLite's 0/1 as booleans) and as they were.
    let (in_source, in_copy) = rt.block_on(async {
        let q = "SELECT id, is_open, last_activity_at, caller_number FROM leads ORDER BY id";
        let a: Vec<(String, bool, i64, String)> = sqlx::query_as(q).fetch_all(&source).await.unwrap();
        let b: Vec<(String, bool, i64, String)> = sqlx::query_as(q).fetch_all(&pg).await.unwrap();
        (a, b)
    });
    assert_eq!(in_source, in_copy);
    let (in_source, in_copy) = rt.block_on(async {
        let q = "SELECT id, chain_seq, hash, metadata FROM audit_events ORDER BY id";
        let a: Vec<(String, Option<i64>, Option<String>, String)> = sqlx::query_as(q).fetch_all(&source).await.unwrap();
        let b: Vec<(String, Option<i64>, Option<String>, String)> = sqlx::query_as(q).fetch_all(&pg).await.unwrap();
        (a, b)
    });
    assert_eq!(in_source, in_copy);

    // `audit verify` on the copy: intact, with the same records per org as on the source.
    let on_copy = callsnare(&["audit", "verify"], &[("DATABASE_URL", target.url.as_str())]);
    assert_eq!(on_copy.status.code(), Some(0), "{}", stderr(&on_copy));
    let on_source = callsnare(&["audit", "verify"], &[("DATABASE_URL", source_url.as_str())]);
    assert_eq!(on_source.status.code(), Some(0), "{}", stderr(&on_source));
    assert!(
        stdout(&on_copy).starts_with("audit chain intact: acme "),
        "{}",
        stdout(&on_copy)
    );
    assert_eq!(stdout(&on_copy), stdout(&on_source));

    // A second copy into the same database is refused and changes nothing.
    let again = copy(&source_url, &target.url);
    assert_eq!(again.status.code(), Some(1), "{}", stdout(&again));
    assert!(stderr(&again).contains("already holds data"), "{}", stderr(&again));
    assert!(!stdout(&again).contains("copied into"));
    assert_eq!(rt.block_on(pg_counts(&pg, &expected)), expected);

    rt.block_on(async {
        pg.close().await;
        source.close().await;
        target.drop_database().await;
    });
}

#[test]
fn db_copy_refuses_a_source_not_at_this_versions_migrations_and_writes_nothing() {
    let Some(admin) = pg_admin() else { return };
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime();
    let target = rt.block_on(PgDatabase::create(&admin));
    let pg = rt.block_on(target.pool());
    let sqlite = |name: &str| format!("sqlite://{}", dir.path().join(name).display());

    // A database that never saw CallSnare's migrations.
    let unknown = sqlite("unknown.db");
    rt.block_on(async {
        let options = SqliteConnectOptions::from_str(&unknown)
            .unwrap()
            .create_if_missing(true);
        let db = SqlitePool::connect_with(options).await.unwrap();
        sqlx::query("CREATE TABLE notes (id TEXT PRIMARY KEY, body TEXT)")
            .execute(&db)
            .await
            .unwrap();
        sqlx::query("INSERT INTO notes VALUES ('n1', 'not ours')")
            .execute(&db)
            .await
            .unwrap();
        db.close().await;
    });
    let out = copy(&unknown, &target.url);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stderr(&out).contains("not a CallSnare database"), "{}", stderr(&out));
    assert!(stderr(&out).contains("callsnare migrate"), "{}", stderr(&out));

    // A CallSnare database one migration behind this version.
    let behind = sqlite("behind.db");
    let migrated = callsnare(&["migrate"], &[("DATABASE_URL", behind.as_str())]);
    assert!(migrated.status.success(), "{}", stderr(&migrated));
    rt.block_on(async {
        let db = SqlitePool::connect(&behind).await.unwrap();
        sqlx::query("DELETE FROM _sqlx_migrations WHERE version = (SELECT MAX(version) FROM _sqlx_migrations)")
            .execute(&db)
            .await
            .unwrap();
        db.close().await;
    });
    let out = copy(&behind, &target.url);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("lacks 1 of this CallSnare's migrations"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("callsnare migrate"), "{}", stderr(&out));

    // One migrated by a later version.
    let ahead = sqlite("ahead.db");
    let migrated = callsnare(&["migrate"], &[("DATABASE_URL", ahead.as_str())]);
    assert!(migrated.status.success(), "{}", stderr(&migrated));
    rt.block_on(async {
        let db = SqlitePool::connect(&ahead).await.unwrap();
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES (29991231000000, 'from a later version', TRUE, X'00', 0)",
        )
        .execute(&db)
        .await
        .unwrap();
        db.close().await;
    });
    let out = copy(&ahead, &target.url);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stderr(&out).contains("29991231000000"), "{}", stderr(&out));

    // A file that is not there is not created.
    let missing = dir.path().join("missing.db");
    let out = copy(&format!("sqlite://{}", missing.display()), &target.url);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("could not open the source database"),
        "{}",
        stderr(&out)
    );
    assert!(!missing.exists());

    // Refused before the target was touched: not even its schema was made.
    assert_eq!(rt.block_on(pg_tables(&pg)), Vec::<String>::new());
    rt.block_on(async {
        pg.close().await;
        target.drop_database().await;
    });
}

#[test]
fn db_copy_refuses_urls_of_the_wrong_engine_before_connecting() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("office.db");
    let out = copy(&file.display().to_string(), "postgres://nobody@127.0.0.1:1/none");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("expected a SQLite URL"), "{}", stderr(&out));
    let out = copy(&format!("sqlite://{}", file.display()), "sqlite://other.db");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("expected a PostgreSQL URL"), "{}", stderr(&out));
    assert!(!file.exists(), "nothing was opened");
}
