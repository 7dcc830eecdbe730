//! Several instances on one PostgreSQL database: one call's callbacks raced over two
//! instances still make one lead and one text-back; a change on one instance reaches the
//! other's live feed and its browsers; an API key revoked on one is refused by the other at
//! once; a key made on one has its secret shown, once, by the other; and an instance killed
//! under load loses no text-back and sends none twice.
//!
//! These always run on PostgreSQL, whichever engine the rest of the run uses (the instances
//! share a database only there), so they need the test cluster (`CALLSNARE_TEST_POSTGRES`)
//! and say they were skipped without one.

use std::{
    collections::{HashMap, HashSet},
    future::Future,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{
        atomic::{AtomicUsize, Ordering},
        RwLock,
    },
    time::{Duration, Instant},
};

use app::{
    domain::{ids::OrgId, scope::Scope, OrgSlug, Role},
    ssr::{
        clock::now_ms,
        db::{self, orgs, Db, Engine},
        live::LiveKind,
        services::api_keys::{self, KeyAdmin, Keyring, NewKey},
    },
};
use futures::StreamExt as _;
use secrecy::ExposeSecret as _;
use tempfile::TempDir;
use tokio::sync::broadcast::error::RecvError;

use crate::{
    fake_twilio::{FakeTwilio, ACCOUNT_SID, AUTH_TOKEN},
    helpers::{
        fresh_postgres_database, seed_member, seed_org, spawn_app_with, MissedCall, Signing, TestApp, OFFICE_1,
        OFFICE_2, TRACKED,
    },
};

/// The public URL of every instance: Twilio signs over it, so a callback verifies on any of
/// them. http, so the session cookie is not Secure and the test client sends it back.
const SHARED_PUBLIC_URL: &str = "http://callsnare.test";

/// True (after saying so) when this is not the PostgreSQL run: two instances need a shared
/// cluster, and scripts/test.sh runs these once, in its PostgreSQL pass (the SQLite pass has
/// the cluster's URL too, for the schema-parity test, but running the kill test twice would
/// only cost time).
fn no_cluster(test: &str) -> bool {
    let missing = !std::env::var("CALLSNARE_TEST_POSTGRES").is_ok_and(|url| !url.is_empty());
    if missing || !crate::helpers::on_postgres() {
        eprintln!(
            "skipped {test}: runs in the PostgreSQL pass (CALLSNARE_TEST_ENGINE=postgres with CALLSNARE_TEST_POSTGRES)"
        );
        return true;
    }
    false
}

/// A caller of its own for each `i`.
fn caller(i: u32) -> String {
    format!("+1415555{:04}", 3000 + i)
}

/// Polls `check` every 50 ms until it holds; panics after `within`.
async fn poll_until<F, Fut>(what: &str, within: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + within;
    while !check().await {
        assert!(
            Instant::now() < deadline,
            "timed out after {within:?} waiting for: {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn count(db: &Db, sql: &str) -> i64 {
    db::query_scalar(sql).fetch_one(db).await.unwrap()
}

async fn count_for(db: &Db, sql: &str, value: &str) -> i64 {
    db::query_scalar(sql).bind(value).fetch_one(db).await.unwrap()
}

async fn acme_id(db: &Db) -> String {
    db::query_scalar("SELECT id FROM orgs WHERE slug = 'acme'")
        .fetch_one(db)
        .await
        .unwrap()
}

async fn lead_of(db: &Db, caller: &str) -> String {
    db::query_scalar("SELECT id FROM leads WHERE caller_number = $1")
        .bind(caller)
        .fetch_one(db)
        .await
        .unwrap()
}

/// One look at `/readyz`: `Ok` when the instance at `base` is ready and its listener hears
/// the other instances (until then a notification sent to it would be lost), else what it
/// said.
async fn listening(client: &reqwest::Client, base: &str) -> Result<(), String> {
    let body: serde_json::Value = client
        .get(format!("{base}/readyz"))
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    if body["status"] == "ready" && body["checks"]["live_listener"]["status"] == "connected" {
        Ok(())
    } else {
        Err(body.to_string())
    }
}

/// Waits (up to 30 s) until [`listening`].
async fn wait_listening(base: &str) {
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match listening(&client, base).await {
            Ok(()) => return,
            Err(said) if Instant::now() >= deadline => {
                panic!("{base} never became ready with its live listener connected: {said}")
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

/// Two in-process apps on one fresh PostgreSQL database, texting through one fake Twilio,
/// with Acme seeded once.
struct Pair {
    a: TestApp,
    b: TestApp,
    twilio: FakeTwilio,
}

async fn two_instances() -> Pair {
    let url = fresh_postgres_database().await;
    let twilio = FakeTwilio::start().await;
    let vars = [
        ("DATABASE_URL", url.as_str()),
        ("CALLSNARE_PUBLIC_URL", SHARED_PUBLIC_URL),
        ("TWILIO_ACCOUNT_SID", ACCOUNT_SID),
        ("TWILIO_AUTH_TOKEN", AUTH_TOKEN),
        ("TWILIO_API_BASE", twilio.base.as_str()),
        ("CALLSNARE_WEBHOOK_RATE", "100000"),
        ("CALLSNARE_WEBHOOK_BURST", "100000"),
        ("CALLSNARE_API_RATE", "100000"),
        ("CALLSNARE_API_BURST", "100000"),
    ];
    // One after the other: the first migrates the new database, the second finds it current.
    let a = spawn_app_with(&vars).await;
    let b = spawn_app_with(&vars).await;
    for app in [&a, &b] {
        assert_eq!(app.database_url, url, "the explicit DATABASE_URL is the one used");
        assert!(matches!(app.db.engine(), Engine::Postgres));
    }
    seed_org(&a.db, "acme", "Acme Heating & Air", TRACKED, &[OFFICE_1, OFFICE_2]).await;
    wait_listening(&a.address).await;
    wait_listening(&b.address).await;
    Pair { a, b, twilio }
}

/// Plays each callback in order into `app`, every one answered 200.
async fn play(app: &TestApp, steps: &[(&'static str, Vec<(String, String)>)]) {
    for (path, params) in steps {
        let resp = app.post_twilio(path, params, Signing::Valid).await;
        assert_eq!(resp.status(), 200, "{path} on {}", app.address);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raced_callbacks_over_two_instances_give_one_lead_and_one_text_back() {
    if no_cluster("raced_callbacks_over_two_instances_give_one_lead_and_one_text_back") {
        return;
    }
    let Pair { a, b, twilio } = two_instances().await;
    const CALLS: u32 = 4;
    let callers: Vec<String> = (0..CALLS).map(caller).collect();
    // Every callback of every call three times, all at once, spread over both instances
    // (two copies to one, one to the other, alternating which).
    let mut deliveries = Vec::new();
    for (c, from) in callers.iter().enumerate() {
        let call = MissedCall::new(600 + c as u32, from);
        for (k, (path, params)) in call.sequence().into_iter().enumerate() {
            for copy in 0..3 {
                let app = if (c + k + copy) % 2 == 0 { &a } else { &b };
                deliveries.push((app, path, params.clone()));
            }
        }
    }
    let answers = futures::future::join_all(deliveries.iter().map(|(app, path, params)| async move {
        (
            *path,
            app.address.clone(),
            app.post_twilio(path, params, Signing::Valid).await.status(),
        )
    }))
    .await;
    for (path, on, status) in answers {
        assert_eq!(status, 200, "{path} on {on}");
    }

    // Both instances' outbox workers claim from the one table: drained when every text has
    // been handed over, and then nothing more can be sent.
    let texts = i64::from(CALLS);
    poll_until("both outboxes drain", Duration::from_secs(30), || async {
        count(&a.db, "SELECT COUNT(*) FROM sms_outbox").await >= texts
            && count(&a.db, "SELECT COUNT(*) FROM sms_outbox WHERE state = 'pending'").await == 0
    })
    .await;
    assert_eq!(count(&a.db, "SELECT COUNT(*) FROM sms_outbox").await, texts);
    assert_eq!(
        count(&a.db, "SELECT COUNT(*) FROM sms_outbox WHERE state = 'sent'").await,
        texts
    );

    let sent = twilio.sent();
    let mut per_number: HashMap<&str, usize> = HashMap::new();
    for sms in &sent {
        *per_number.entry(sms.to.as_str()).or_default() += 1;
    }
    for from in &callers {
        assert_eq!(
            per_number.get(from.as_str()),
            Some(&1),
            "one text-back to {from}: {sent:?}"
        );
        assert_eq!(
            count_for(&b.db, "SELECT COUNT(*) FROM leads WHERE caller_number = $1", from).await,
            1
        );
        assert_eq!(
            count_for(&b.db, "SELECT COUNT(*) FROM calls WHERE from_number = $1", from).await,
            1
        );
        assert_eq!(
            count_for(
                &b.db,
                "SELECT COUNT(*) FROM messages WHERE purpose = 'text_back' AND to_number = $1",
                from
            )
            .await,
            1
        );
    }
    assert_eq!(sent.len(), callers.len(), "no text to anyone else: {sent:?}");
    assert_eq!(
        count(&a.db, "SELECT COUNT(*) FROM webhook_events").await,
        3 * texts,
        "one evidence row per distinct callback"
    );
    assert_eq!(
        count(&a.db, "SELECT CAST(SUM(duplicate_count) AS BIGINT) FROM webhook_events").await,
        2 * 3 * texts,
        "the other two copies of each callback counted as duplicates, whichever instance took them"
    );
    assert_eq!(twilio.bad_auth(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_on_one_instance_reaches_the_live_feed_of_the_other() {
    if no_cluster("a_change_on_one_instance_reaches_the_live_feed_of_the_other") {
        return;
    }
    let Pair { a, b, twilio: _twilio } = two_instances().await;
    let org_id = acme_id(&a.db).await;

    // In process: A's feed hears the lead B created.
    let mut feed = a.live.subscribe();
    let first = caller(0);
    play(&b, &MissedCall::new(700, &first).sequence()).await;
    let lead = lead_of(&a.db, &first).await;
    let heard = tokio::time::timeout(Duration::from_secs(2), async {
        loop {
            match feed.recv().await {
                Ok(ev) if ev.kind == LiveKind::LeadCreated && ev.org_id == org_id => return ev,
                Ok(_) | Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => panic!("A's live feed closed"),
            }
        }
    })
    .await
    .expect("A's live feed hears B's new lead within 2 s");
    assert_eq!(heard.lead_id.as_deref(), Some(lead.as_str()));

    // Over HTTP: a staff member's open stream on A is told of a lead B created.
    seed_member(&a.db, "acme", "tech@acme.test", Role::Staff).await;
    let staff = a.new_client();
    a.sign_in(&staff, "tech@acme.test").await;
    let mut stream = staff.get(a.url("/app/events")).send().await.unwrap();
    assert_eq!(stream.status(), 200);
    let hello = stream.chunk().await.unwrap().expect("the stream opens");
    assert!(String::from_utf8_lossy(&hello).contains("event: ready"));
    let second = caller(1);
    play(&b, &MissedCall::new(701, &second).sequence()).await;
    let lead = lead_of(&a.db, &second).await;
    let mut seen = String::new();
    let found = tokio::time::timeout(Duration::from_secs(2), async {
        loop {
            let chunk = stream.chunk().await.unwrap().expect("the stream stays open");
            seen.push_str(&String::from_utf8_lossy(&chunk));
            let announced = seen
                .lines()
                .filter_map(|line| line.strip_prefix("data:"))
                .filter_map(|data| serde_json::from_str::<serde_json::Value>(data.trim()).ok())
                .any(|d| d["kind"] == "lead_created" && d["lead_id"] == lead.as_str());
            if announced {
                return;
            }
        }
    })
    .await;
    assert!(
        found.is_ok(),
        "A's event stream never announced B's lead {lead} within 2 s: {seen:?}"
    );
}

/// An API key made straight through the use-case (as the command line does): its id and the
/// whole key.
async fn issue_key(db: &Db) -> (String, String) {
    let ring = Keyring::load(db, false).await.unwrap();
    let org = {
        let mut conn = db.acquire().await.unwrap();
        orgs::find_by_slug(&mut conn, &OrgSlug::parse("acme").unwrap())
            .await
            .unwrap()
            .unwrap()
    };
    let admin = KeyAdmin::cli(OrgId::parse(&org.id).unwrap());
    let new = NewKey {
        name: "Shared".into(),
        scopes: vec![Scope::LeadsRead],
        expires_in_days: None,
    };
    let mut tx = db::begin_write(db).await.unwrap();
    let issued = api_keys::issue(&mut tx, &admin, &ring, &new, now_ms()).await.unwrap();
    tx.commit().await.unwrap();
    (issued.id.to_string(), issued.token.expose_secret().to_owned())
}

async fn leads_status(app: &TestApp, key: &str) -> u16 {
    reqwest::Client::new()
        .get(app.url("/api/v1/leads"))
        .bearer_auth(key)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_revoked_on_one_instance_is_refused_by_the_other_at_once() {
    if no_cluster("a_key_revoked_on_one_instance_is_refused_by_the_other_at_once") {
        return;
    }
    let Pair { a, b, twilio: _twilio } = two_instances().await;
    let (key_id, key) = issue_key(&a.db).await;
    // B reads the key and caches it (for up to keyring::CACHE_TTL, 5 s).
    assert_eq!(leads_status(&b, &key).await, 200);
    assert_eq!(leads_status(&b, &key).await, 200);

    let owner = a.new_client();
    a.sign_in(&owner, "owner@acme.test").await;
    let resp = a
        .rpc_with(&owner, "api_keys/revoke", &[("key_id", key_id.as_str())])
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        leads_status(&a, &key).await,
        401,
        "refused at once where it was revoked"
    );
    // Well under the cache's 5 s: B heard of it on 'callsnare_keys'.
    poll_until("B refuses the key revoked on A", Duration::from_secs(1), || async {
        leads_status(&b, &key).await == 401
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_made_on_one_instance_is_shown_once_by_the_other() {
    if no_cluster("a_key_made_on_one_instance_is_shown_once_by_the_other") {
        return;
    }
    let Pair { a, b, twilio: _twilio } = two_instances().await;
    let owner = a.new_client();
    a.sign_in(&owner, "owner@acme.test").await;
    let resp = a
        .rpc_form(&owner, "api_keys/create", &[("name", "Balanced"), ("leads_read", "1")])
        .await;
    assert!(resp.status().is_redirection(), "{}", resp.status());
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/app/api-keys?shown="), "{location}");
    let page = location.trim_end_matches("#new-key").to_owned();

    // The redirect reaches B (a balancer without affinity): B shows the secret A made.
    let html = b.html(&owner, &page).await;
    let shown = crate::api_keys::keys_in(&html);
    assert_eq!(shown.len(), 1, "B shows the key made on A: {html}");
    // Once: neither B nor A shows it again.
    let again = b.html(&owner, &page).await;
    assert!(crate::api_keys::keys_in(&again).is_empty(), "shown once");
    assert!(again.contains("shown once already"));
    assert!(crate::api_keys::keys_in(&a.html(&owner, &page).await).is_empty());
    assert_eq!(count(&a.db, "SELECT COUNT(*) FROM api_key_reveals").await, 0);
    assert_eq!(leads_status(&b, &shown[0]).await, 200);
    assert_eq!(leads_status(&a, &shown[0]).await, 200);
}

/// Real `callsnare serve` processes on one database, each with its own port and log.
struct Fleet {
    dir: TempDir,
    database_url: String,
    env: Vec<(&'static str, String)>,
}

/// One running process; killed (SIGKILL) when dropped, so a failing test leaves none behind.
struct Instance {
    child: Child,
    base: String,
    log: PathBuf,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Fleet {
    fn new(database_url: String, env: Vec<(&'static str, String)>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        // `serve` refuses to start without the site's files; the API needs none of them.
        let pkg = dir.path().join("site/pkg");
        std::fs::create_dir_all(&pkg).unwrap();
        for file in ["callsnare.js", "callsnare_bg.wasm", "callsnare.wasm", "callsnare.css"] {
            std::fs::write(pkg.join(file), b"").unwrap();
        }
        Self { dir, database_url, env }
    }

    /// Starts an instance and waits until it is ready and hears the others.
    async fn start(&self, name: &str) -> Instance {
        let port = crate::process::free_port();
        let log = self.dir.path().join(format!("{name}.log"));
        let mut c = Command::new(env!("CARGO_BIN_EXE_callsnare"));
        c.arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", &self.database_url)
            .env("LEPTOS_SITE_ROOT", self.dir.path().join("site"))
            .env("CALLSNARE_ADDR", format!("127.0.0.1:{port}"))
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap());
        for (k, v) in &self.env {
            c.env(k, v);
        }
        let mut instance = Instance {
            child: c.spawn().unwrap(),
            base: format!("http://127.0.0.1:{port}"),
            log,
        };
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let said = match listening(&client, &instance.base).await {
                Ok(()) => return instance,
                Err(said) => said,
            };
            let exited = !matches!(instance.child.try_wait(), Ok(None));
            if exited || Instant::now() >= deadline {
                panic!(
                    "instance {name} did not become ready ({}): {said}\n{}",
                    if exited { "it exited" } else { "30 s" },
                    tail(&instance.log)
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let start = text.len().saturating_sub(4000);
    text.get(start..).unwrap_or(&text).to_owned()
}

async fn post_signed(
    client: &reqwest::Client,
    base: &str,
    path: &str,
    params: &[(String, String)],
) -> Result<u16, reqwest::Error> {
    let sig =
        server::webhooks::twilio::signature::sign(AUTH_TOKEN.as_bytes(), &format!("{SHARED_PUBLIC_URL}{path}"), params);
    let resp = client
        .post(format!("{base}{path}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-twilio-signature", sig)
        .body(serde_urlencoded::to_string(params).unwrap())
        .send()
        .await?;
    Ok(resp.status().as_u16())
}

/// Delivers a callback to `first`; when that fails (the instance died mid-request or is
/// gone, or answered other than 200), retries against `fallback`, as Twilio's retry through
/// the balancer reaches a live instance.
async fn deliver(client: &reqwest::Client, first: &str, fallback: &str, path: &str, params: &[(String, String)]) {
    let mut target = first;
    let mut last = String::new();
    for attempt in 0..20 {
        match post_signed(client, target, path, params).await {
            Ok(200) => return,
            Ok(status) => last = format!("{target} answered {status}"),
            Err(err) => last = format!("{target}: {err}"),
        }
        target = fallback;
        if attempt > 0 {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    panic!("{path} was never delivered: {last}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_missed_calls_with_an_instance_killed_midway_get_exactly_two_hundred_text_backs() {
    if no_cluster("two_hundred_missed_calls_with_an_instance_killed_midway_get_exactly_two_hundred_text_backs") {
        return;
    }
    const CALLS: u32 = 200;
    let url = fresh_postgres_database().await;
    let db = db::connect_and_migrate(&url).await.unwrap();
    seed_org(&db, "acme", "Acme Heating & Air", TRACKED, &[OFFICE_1, OFFICE_2]).await;
    let twilio = FakeTwilio::start().await;
    let fleet = Fleet::new(
        url,
        vec![
            ("CALLSNARE_PUBLIC_URL", SHARED_PUBLIC_URL.to_owned()),
            ("TWILIO_ACCOUNT_SID", ACCOUNT_SID.to_owned()),
            ("TWILIO_AUTH_TOKEN", AUTH_TOKEN.to_owned()),
            ("TWILIO_API_BASE", twilio.base.clone()),
            ("CALLSNARE_WEBHOOK_RATE", "100000".to_owned()),
            ("CALLSNARE_WEBHOOK_BURST", "100000".to_owned()),
            // Texts the killed instance had claimed are sent by another within seconds.
            // Not 1 s: on a loaded machine a batch of 32 may take longer than that to send,
            // and a lease that runs out mid-batch lets a second instance send it too.
            ("CALLSNARE_OUTBOX_LEASE_SECS", "5".to_owned()),
        ],
    );
    let mut a = fleet.start("a").await;
    let b = fleet.start("b").await;
    // Where "A" is now: the first process, then its replacement.
    let a_base = RwLock::new(a.base.clone());
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let done = AtomicUsize::new(0);

    // Each call's callbacks in order, to A (even calls) or B (odd), every tenth to both;
    // sixteen calls at a time.
    let load = futures::stream::iter(0..CALLS)
        .map(|i| {
            let (client, a_base, b_base, done) = (&client, &a_base, b.base.as_str(), &done);
            async move {
                let call = MissedCall::new(10_000 + i, &caller(i));
                for (path, params) in call.sequence() {
                    let a_now = a_base.read().unwrap().clone();
                    let targets = if i % 10 == 0 {
                        vec![a_now.as_str(), b_base]
                    } else if i % 2 == 0 {
                        vec![a_now.as_str()]
                    } else {
                        vec![b_base]
                    };
                    futures::future::join_all(
                        targets
                            .into_iter()
                            .map(|target| deliver(client, target, b_base, path, &params)),
                    )
                    .await;
                }
                done.fetch_add(1, Ordering::SeqCst);
            }
        })
        .buffer_unordered(16)
        .collect::<Vec<()>>();
    // Midway, with calls in flight on it: SIGKILL A, then start it again on the same database.
    let chaos = async {
        poll_until("half the calls delivered", Duration::from_secs(120), || async {
            done.load(Ordering::SeqCst) >= (CALLS / 2) as usize
        })
        .await;
        a.child.kill().unwrap();
        a.child.wait().unwrap();
        let restarted = fleet.start("a-restarted").await;
        *a_base.write().unwrap() = restarted.base.clone();
        restarted
    };
    let (_, _a_again) = tokio::join!(load, chaos);
    assert_eq!(done.load(Ordering::SeqCst), CALLS as usize);

    let texts = i64::from(CALLS);
    poll_until("both outboxes drain", Duration::from_secs(60), || async {
        count(&db, "SELECT COUNT(*) FROM sms_outbox").await >= texts
            && count(&db, "SELECT COUNT(*) FROM sms_outbox WHERE state = 'pending'").await == 0
    })
    .await;
    assert_eq!(count(&db, "SELECT COUNT(*) FROM sms_outbox").await, texts);
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM sms_outbox WHERE state = 'sent'").await,
        texts
    );
    assert_eq!(count(&db, "SELECT COUNT(*) FROM leads").await, texts);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM calls").await, texts);
    // A send that was still in flight when the outbox drained (a second copy after a lease
    // ran out) would land now: give it a moment to show.
    tokio::time::sleep(Duration::from_secs(1)).await;

    let sent = twilio.sent();
    let mut per_number: HashMap<String, usize> = HashMap::new();
    for sms in &sent {
        *per_number.entry(sms.to.clone()).or_default() += 1;
    }
    let twice: Vec<_> = per_number.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "texted more than once: {twice:?}");
    let expected: HashSet<String> = (0..CALLS).map(caller).collect();
    let got: HashSet<String> = per_number.keys().cloned().collect();
    assert_eq!(got, expected, "one text-back to each of the callers, nobody else");
    assert_eq!(sent.len(), CALLS as usize);
    assert_eq!(twilio.bad_auth(), 0);
    db.close().await;
}

/// A database restart, a failover or a dropped idle connection ends every connection an
/// instance holds. Killing them all from the server side (as a restart does), the instance
/// must come back by itself: the writer reconnects (a write commits again, readiness is
/// back), and the listener re-subscribes (B again hears what A does).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_recovers_when_the_database_drops_its_connections() {
    if no_cluster("an_instance_recovers_when_the_database_drops_its_connections") {
        return;
    }
    let Pair { a, b, twilio: _twilio } = two_instances().await;
    let killed: Vec<bool> = app::ssr::db::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .fetch_all(&a.db)
    .await
    .unwrap();
    assert!(
        killed.len() >= 4,
        "the writers and listeners of both instances: {}",
        killed.len()
    );

    // A missed call into B: Twilio retries a 503, so the test does too, for a while.
    let first = caller(900);
    let steps = MissedCall::new(900, &first).sequence();
    for (path, params) in &steps {
        let mut answered = 0;
        for _ in 0..50 {
            answered = b.post_twilio(path, params, Signing::Valid).await.status().as_u16();
            if answered == 200 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(answered, 200, "{path} on B after its connections were killed");
    }
    let client = reqwest::Client::new();
    poll_until("B ready again", Duration::from_secs(10), || async {
        client
            .get(format!("{}/readyz", b.address))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
    })
    .await;
    wait_listening(&a.address).await;

    // The listener is back: a lead made on B reaches A's feed.
    let org_id = acme_id(&a.db).await;
    let mut feed = a.live.subscribe();
    let second = caller(901);
    play(&b, &MissedCall::new(901, &second).sequence()).await;
    tokio::time::timeout(Duration::from_secs(3), async {
        loop {
            match feed.recv().await {
                Ok(ev) if ev.kind == LiveKind::LeadCreated && ev.org_id == org_id => return,
                Ok(_) | Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => panic!("A's live feed closed"),
            }
        }
    })
    .await
    .expect("A hears B's lead after both reconnected");
    assert_eq!(
        count_for(&a.db, "SELECT COUNT(*) FROM leads WHERE caller_number = $1", &first).await,
        1
    );
}
