//! Webhook ingestion benchmark (not a test): `cargo bench -p server --bench webhooks`.
//!
//! Starts the release `callsnare` binary as its own process on a temp SQLite file (signatures
//! enforced, `synchronous=FULL`), a fake Twilio Messages API in this process, and two
//! ceilings: this same executable re-run as a standalone hello-world axum server, and the
//! callsnare server's own `GET /healthz` (same runtime and middleware, no work). Then it replays
//! realistic signed sequences (inbound → dial-complete no-answer → status completed → the
//! caller's SMS reply) over keep-alive connections and reports throughput, p50/p99, TwiML
//! answer latency, text-back hand-off latency and the server's peak RSS. A last phase posts
//! signed Stripe billing events (`customer.subscription.updated` for the bench org, each
//! newer than the last, status flipping so every applied one changes the billing record and
//! writes an audit event) at maximum throughput.
//!
//! Knobs (env): BENCH_SECONDS (default 8), BENCH_CONCURRENCY (64), BENCH_STEADY_RATE (1000),
//! BENCH_STRIPE_EVENTS (20000: signed events prepared for the Stripe phase),
//! BENCH_SERVER_BIN (a callsnare binary to run instead of this build's),
//! BENCH_POSTGRES (an admin URL: run on a fresh PostgreSQL database made there instead of
//! SQLite), BENCH_INSTANCES (1: how many `callsnare serve` share the database; the load is
//! spread over them connection by connection).
//!
//! Run it with `CARGO_TARGET_DIR=target/bench`: a plain `cargo bench` rebuilds
//! `target/release/callsnare`, the binary `scripts/run.sh` serves, without cargo-leptos.

use std::{
    collections::HashMap,
    net::SocketAddr,
    process::{Child, Command, Stdio},
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use axum::{extract::State, routing::post, Form, Router};
use tokio::{
    io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader},
    net::TcpStream,
};

const TOKEN: &str = "bench-auth-token";
const PUBLIC: &str = "https://bench.callsnare.test";
const ACCOUNT: &str = "AC0123456789abcdef0123456789abcdef";
const TRACKED: &str = "+14155550100";
const STRIPE_SECRET: &str = "whsec_bench_secret_0123456789";

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    if args.get(1).map(String::as_str) == Some("--hello-server") {
        rt.block_on(hello_server(args[2].parse().unwrap()));
        return;
    }
    if args.iter().any(|a| a == "--test" || a == "--list") {
        return; // `cargo test --benches` probes; nothing to run
    }
    rt.block_on(run());
}

async fn hello_server(port: u16) {
    let app = Router::new().route("/hello", post(|| async { "Hello, world!" }));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
    axum::serve(listener, app).await.unwrap();
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn wait_ready(addr: SocketAddr, path: &str) {
    for _ in 0..200 {
        if let Ok(mut s) = TcpStream::connect(addr).await {
            let req = format!("GET {path} HTTP/1.1\r\nhost: x\r\ncontent-length: 0\r\n\r\n");
            if s.write_all(req.as_bytes()).await.is_ok() {
                let mut buf = [0u8; 12];
                if s.read_exact(&mut buf).await.is_ok() && &buf[9..12] != b"404" {
                    return;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{addr}{path} not ready");
}

struct Conn {
    stream: BufReader<TcpStream>,
    line: String,
}

impl Conn {
    async fn open(addr: SocketAddr) -> Self {
        let s = TcpStream::connect(addr).await.unwrap();
        s.set_nodelay(true).unwrap();
        Self {
            stream: BufReader::new(s),
            line: String::new(),
        }
    }

    /// One request/response on a keep-alive connection; returns the status code.
    async fn send(&mut self, req: &[u8]) -> u16 {
        self.stream.get_mut().write_all(req).await.unwrap();
        self.line.clear();
        self.stream.read_line(&mut self.line).await.unwrap();
        let status: u16 = self.line.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
        let mut len = 0usize;
        loop {
            self.line.clear();
            self.stream.read_line(&mut self.line).await.unwrap();
            if self.line == "\r\n" || self.line.is_empty() {
                break;
            }
            if let Some(v) = self.line.to_ascii_lowercase().strip_prefix("content-length:") {
                len = v.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0u8; len];
        self.stream.read_exact(&mut body).await.unwrap();
        status
    }
}

fn signed_request(path: &str, params: &[(String, String)]) -> Vec<u8> {
    let body = serde_urlencoded::to_string(params).unwrap();
    let sig = server::webhooks::twilio::signature::sign(TOKEN.as_bytes(), &format!("{PUBLIC}{path}"), params);
    format!(
        "POST {path} HTTP/1.1\r\nhost: bench\r\ncontent-type: application/x-www-form-urlencoded\r\nx-twilio-signature: {sig}\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Inbound,
    Dial,
    Status,
    Sms,
}

/// The four callbacks of one missed call from a distinct caller.
fn call_sequence(i: usize) -> Vec<(Kind, Vec<u8>, String)> {
    let caller = format!("+1512{:07}", 2_000_000 + i);
    let sid = format!("CA{i:032x}");
    let base = |extra: &[(&str, &str)]| -> Vec<(String, String)> {
        let mut p: Vec<(String, String)> = [
            ("AccountSid", ACCOUNT),
            ("ApiVersion", "2010-04-01"),
            ("CallSid", sid.as_str()),
            ("Called", TRACKED),
            ("Caller", caller.as_str()),
            ("Direction", "inbound"),
            ("From", caller.as_str()),
            ("FromState", "TX"),
            ("To", TRACKED),
        ]
        .iter()
        .map(|(k, v)| ((*k).into(), (*v).into()))
        .collect();
        p.extend(extra.iter().map(|(k, v)| ((*k).into(), (*v).into())));
        p
    };
    let msg_sid = format!("SM{i:032x}");
    let sms: Vec<(String, String)> = [
        ("AccountSid", ACCOUNT),
        ("Body", "Furnace is out, can someone come today?"),
        ("From", caller.as_str()),
        ("MessageSid", msg_sid.as_str()),
        ("NumMedia", "0"),
        ("To", TRACKED),
    ]
    .iter()
    .map(|(k, v)| ((*k).into(), (*v).into()))
    .collect();
    vec![
        (
            Kind::Inbound,
            signed_request("/api/twilio/voice/inbound", &base(&[("CallStatus", "ringing")])),
            caller.clone(),
        ),
        (
            Kind::Dial,
            signed_request(
                "/api/twilio/voice/dial-complete",
                &base(&[
                    ("CallStatus", "in-progress"),
                    ("DialCallStatus", "no-answer"),
                    ("DialCallDuration", "17"),
                ]),
            ),
            caller.clone(),
        ),
        (
            Kind::Status,
            signed_request(
                "/api/twilio/voice/status",
                &base(&[
                    ("CallStatus", "completed"),
                    ("SequenceNumber", "3"),
                    ("CallDuration", "21"),
                ]),
            ),
            caller.clone(),
        ),
        (Kind::Sms, signed_request("/api/twilio/sms/inbound", &sms), caller),
    ]
}

#[derive(Default)]
struct Samples {
    all: Vec<Duration>,
    twiml: Vec<Duration>,
    errors: usize,
    /// caller → when its dial-complete (the missed outcome) was answered
    missed_at: HashMap<String, Instant>,
}

fn pct(v: &mut [Duration], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_unstable();
    let idx = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[idx].as_secs_f64() * 1000.0
}

type Calls = Arc<Vec<Vec<(Kind, Vec<u8>, String)>>>;

/// Workers replay call sequences; `rate` (calls' requests/s overall) paces them when set.
async fn drive(
    addrs: &[SocketAddr],
    calls: Calls,
    next: Arc<AtomicUsize>,
    workers: usize,
    secs: u64,
    rate: Option<u64>,
) -> (Samples, f64) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    let start = Instant::now();
    let mut handles = Vec::new();
    for w in 0..workers {
        let calls = calls.clone();
        let next = next.clone();
        let addr = addrs[w % addrs.len()];
        handles.push(tokio::spawn(async move {
            let mut conn = Conn::open(addr).await;
            let mut s = Samples::default();
            // paced: each worker owns an equal share of the rate
            let interval = rate.map(|r| Duration::from_secs_f64(workers as f64 / r as f64));
            let mut due = Instant::now() + interval.map_or(Duration::ZERO, |i| i.mul_f64(w as f64 / workers as f64));
            'outer: while Instant::now() < deadline {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(seq) = calls.get(i) else { break };
                for (kind, req, caller) in seq {
                    if let Some(iv) = interval {
                        let now = Instant::now();
                        if due > now {
                            tokio::time::sleep(due - now).await;
                        }
                        due += iv;
                        if Instant::now() >= deadline {
                            break 'outer;
                        }
                    }
                    // latency is measured from when the request was due (no coordinated omission)
                    let t0 = match interval {
                        Some(iv) => (due - iv).min(Instant::now()),
                        None => Instant::now(),
                    };
                    let status = conn.send(req).await;
                    let took = t0.elapsed();
                    if status != 200 {
                        s.errors += 1;
                    }
                    s.all.push(took);
                    match kind {
                        Kind::Inbound | Kind::Dial => s.twiml.push(took),
                        _ => {}
                    }
                    if *kind == Kind::Dial {
                        s.missed_at.insert(caller.clone(), Instant::now());
                    }
                }
            }
            s
        }));
    }
    let mut total = Samples::default();
    for h in handles {
        let s = h.await.unwrap();
        total.all.extend(s.all);
        total.twiml.extend(s.twiml);
        total.errors += s.errors;
        total.missed_at.extend(s.missed_at);
    }
    let elapsed = start.elapsed().as_secs_f64();
    (total, elapsed)
}

/// `n` signed `customer.subscription.updated` events for the bench org, in the shape of the
/// pinned API version (the stripe/openapi fixture), each created a second after the last so
/// that, in order, every one is newer; their status alternates between active and past_due.
fn stripe_requests(n: usize) -> Vec<Vec<u8>> {
    let fixtures: serde_json::Value =
        serde_json::from_str(include_str!("../tests/fixtures/stripe_fixtures3_subset.json")).unwrap();
    let t = chrono::Utc::now().timestamp();
    let mut sub = fixtures["resources"]["subscription"].clone();
    sub["id"] = serde_json::json!("sub_bench");
    sub["customer"] = serde_json::json!("cus_bench");
    sub["metadata"] = serde_json::json!({ "callsnare_org": "bench" });
    sub["cancel_at_period_end"] = serde_json::json!(false);
    sub["cancel_at"] = serde_json::Value::Null;
    sub["trial_end"] = serde_json::Value::Null;
    sub["items"]["data"][0]["current_period_end"] = serde_json::json!(t + 86_400);
    (0..n)
        .map(|i| {
            sub["status"] = serde_json::json!(if i % 2 == 0 { "active" } else { "past_due" });
            let body = serde_json::json!({
                "id": format!("evt_bench{i:08}"),
                "object": "event",
                "api_version": "2026-09-30.endive",
                "created": t - 1_000_000 + i as i64,
                "data": { "object": sub },
                "livemode": false,
                "pending_webhooks": 1,
                "request": { "id": null, "idempotency_key": null },
                "type": "customer.subscription.updated"
            })
            .to_string();
            let sig = server::webhooks::stripe::signature::sign(STRIPE_SECRET.as_bytes(), t, body.as_bytes());
            format!(
                "POST /api/stripe/webhook HTTP/1.1\r\nhost: bench\r\ncontent-type: application/json\r\nstripe-signature: {sig}\r\ncontent-length: {}\r\n\r\n{body}",
                body.len()
            )
            .into_bytes()
        })
        .collect()
}

/// Posts the prepared Stripe events as fast as `workers` connections allow (each event
/// once), for at most `secs`: latencies, non-200 answers and the elapsed time.
async fn drive_stripe(
    addr: SocketAddr,
    reqs: Arc<Vec<Vec<u8>>>,
    workers: usize,
    secs: u64,
) -> (Vec<Duration>, usize, f64) {
    let next = Arc::new(AtomicUsize::new(0));
    let deadline = Instant::now() + Duration::from_secs(secs);
    let start = Instant::now();
    let mut handles = Vec::new();
    for _ in 0..workers {
        let reqs = reqs.clone();
        let next = next.clone();
        handles.push(tokio::spawn(async move {
            let mut conn = Conn::open(addr).await;
            let mut took = Vec::new();
            let mut errors = 0;
            while Instant::now() < deadline {
                let Some(req) = reqs.get(next.fetch_add(1, Ordering::Relaxed)) else {
                    break;
                };
                let t0 = Instant::now();
                if conn.send(req).await != 200 {
                    errors += 1;
                }
                took.push(t0.elapsed());
            }
            (took, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for h in handles {
        let (took, e) = h.await.unwrap();
        all.extend(took);
        errors += e;
    }
    (all, errors, start.elapsed().as_secs_f64())
}

/// Requests/s of a trivial route: `POST /hello` on the standalone hello-world server, or
/// `GET /healthz` on the callsnare server itself (same runtime and middleware as the
/// callbacks, no work).
async fn hello_ceiling(addr: SocketAddr, req: &[u8], workers: usize, secs: u64) -> f64 {
    let req = req.to_vec();
    let count = Arc::new(AtomicUsize::new(0));
    let deadline = Instant::now() + Duration::from_secs(secs);
    let start = Instant::now();
    let mut handles = Vec::new();
    for _ in 0..workers {
        let req = req.clone();
        let count = count.clone();
        handles.push(tokio::spawn(async move {
            let mut conn = Conn::open(addr).await;
            while Instant::now() < deadline {
                conn.send(&req).await;
                count.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    count.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64()
}

/// Records when each text-back reached "Twilio".
#[derive(Clone, Default)]
struct FakeTwilio {
    received: Arc<Mutex<HashMap<String, Instant>>>,
    sent: Arc<AtomicUsize>,
}

async fn fake_twilio() -> (u16, FakeTwilio) {
    let fake = FakeTwilio::default();
    let app = Router::new()
        .route(
            "/2010-04-01/Accounts/{sid}/Messages.json",
            post(
                |State(f): State<FakeTwilio>, Form(form): Form<HashMap<String, String>>| async move {
                    f.received
                        .lock()
                        .unwrap()
                        .entry(form.get("To").cloned().unwrap_or_default())
                        .or_insert_with(Instant::now);
                    // Unique per send and apart from the callers' own MessageSids (`SM{i:032x}`,
                    // small i): a collision fails the unique provider_sid, so the send's result
                    // would not be recorded. (It had been, for every text-back in the max phase.)
                    let n = f.sent.fetch_add(1, Ordering::Relaxed) as u128;
                    (
                        axum::http::StatusCode::CREATED,
                        format!(r#"{{"sid":"SM{:032x}","status":"queued"}}"#, (1u128 << 127) | n),
                    )
                },
            ),
        )
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (port, fake)
}

/// Bytes the server process has written so far: (`wchar`, all writes incl. the WAL's;
/// `write_bytes`, what reached the block layer).
fn written_bytes(child: &Child) -> (u64, u64) {
    let io = std::fs::read_to_string(format!("/proc/{}/io", child.id())).unwrap_or_default();
    let field = |name: &str| {
        io.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0)
    };
    (field("wchar:"), field("write_bytes:"))
}

fn peak_rss_mb(child: &Child) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// A new empty database on the PostgreSQL server `admin` names; its URL.
async fn fresh_postgres(admin: &str) -> String {
    let pool = sqlx::PgPool::connect(admin).await.unwrap();
    let name = format!("bench_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let (base, _) = admin.rsplit_once('/').unwrap();
    format!("{base}/{name}")
}

async fn run() {
    let secs = env_num("BENCH_SECONDS", 8);
    let workers = env_num("BENCH_CONCURRENCY", 64) as usize;
    let steady = env_num("BENCH_STEADY_RATE", 1000);
    // BENCH_SERVER_BIN: another build of callsnare, to compare two versions on the same VM.
    let bin = std::env::var("BENCH_SERVER_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_callsnare").to_owned());
    let bin = bin.as_str();
    if std::path::Path::new(bin).ends_with("target/release/callsnare") {
        eprintln!(
            "note: this bench rebuilt target/release/callsnare; next time run it with CARGO_TARGET_DIR=target/bench \
             (scripts/run.sh rebuilds its own with cargo-leptos before serving)"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    // `serve` refuses to start without the site's assets; the bench needs none of them.
    let site = dir.path().join("site");
    std::fs::create_dir_all(site.join("pkg")).unwrap();
    for file in ["callsnare.js", "callsnare_bg.wasm", "callsnare.wasm", "callsnare.css"] {
        std::fs::write(site.join("pkg").join(file), b"").unwrap();
    }
    let instances = env_num("BENCH_INSTANCES", 1).max(1) as usize;
    let postgres = std::env::var("BENCH_POSTGRES").ok();
    let db = match &postgres {
        Some(admin) => fresh_postgres(admin).await,
        None => format!("sqlite://{}", dir.path().join("bench.db").display()),
    };
    let cli = |args: &[&str]| {
        let out = Command::new(bin)
            .args(args)
            .env("DATABASE_URL", &db)
            .env("CALLSNARE_OWNER_PASSWORD", "bench password 123")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    };
    cli(&[
        "org",
        "create",
        "--name",
        "Bench HVAC",
        "--slug",
        "bench",
        "--timezone",
        "America/Chicago",
        "--owner-email",
        "o@bench.test",
    ]);
    cli(&[
        "number",
        "add",
        "--org",
        "bench",
        "--number",
        TRACKED,
        "--forward-to",
        "+14155550101",
    ]);

    let (twilio_port, twilio) = fake_twilio().await;
    let mut servers = Vec::new();
    let mut addrs = Vec::new();
    for _ in 0..instances {
        let port = free_port();
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let server = Command::new(bin)
            .arg("serve")
            .env("LEPTOS_SITE_ROOT", &site)
            .env("DATABASE_URL", &db)
            .env("CALLSNARE_ADDR", addr.to_string())
            .env("CALLSNARE_PUBLIC_URL", PUBLIC)
            .env("TWILIO_ACCOUNT_SID", ACCOUNT)
            .env("TWILIO_AUTH_TOKEN", TOKEN)
            .env("TWILIO_API_BASE", format!("http://127.0.0.1:{twilio_port}"))
            .env("STRIPE_WEBHOOK_SECRET", STRIPE_SECRET)
            .env("CALLSNARE_WEBHOOK_RATE", "1000000")
            .env("CALLSNARE_WEBHOOK_BURST", "1000000")
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        wait_ready(addr, "/readyz").await;
        servers.push(server);
        addrs.push(addr);
    }
    let addr = addrs[0];
    let mut server = servers.remove(0);

    let hello_port = free_port();
    let mut hello = Command::new(std::env::current_exe().unwrap())
        .args(["--hello-server", &hello_port.to_string()])
        .spawn()
        .unwrap();
    wait_ready(([127, 0, 0, 1], hello_port).into(), "/hello").await;

    println!("preparing signed call sequences…");
    let n_calls = 200_000;
    let calls: Calls = Arc::new((0..n_calls).map(call_sequence).collect());
    let next = Arc::new(AtomicUsize::new(0));

    let ceiling = hello_ceiling(
        ([127, 0, 0, 1], hello_port).into(),
        b"POST /hello HTTP/1.1\r\nhost: bench\r\ncontent-length: 0\r\n\r\n",
        workers,
        secs,
    )
    .await;
    let _ = hello.kill();
    let _ = hello.wait();
    let in_server = hello_ceiling(
        addr,
        b"GET /healthz HTTP/1.1\r\nhost: bench\r\ncontent-length: 0\r\n\r\n",
        workers,
        secs,
    )
    .await;

    let written_before = written_bytes(&server);
    let (mut flat, elapsed) = drive(&addrs, calls.clone(), next.clone(), workers, secs, None).await;
    let flat_rps = flat.all.len() as f64 / elapsed;
    let written_after = written_bytes(&server);
    let per_callback = |after: u64, before: u64| (after - before) as f64 / 1024.0 / flat.all.len().max(1) as f64;
    let written = (
        per_callback(written_after.0, written_before.0),
        per_callback(written_after.1, written_before.1),
    );

    // The max phase leaves a backlog of text-backs in the outbox; the steady phase measures
    // steady state only once that has drained (its time is reported too).
    let backlog_at = Instant::now();
    let backlog = flat.missed_at.len();
    while twilio.received.lock().unwrap().len() < backlog && backlog_at.elapsed() < Duration::from_secs(120) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let drained = twilio.received.lock().unwrap().len();
    let drain_secs = backlog_at.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (mut paced, paced_elapsed) = drive(&addrs, calls.clone(), next.clone(), 16, secs, Some(steady)).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let received = twilio.received.lock().unwrap().clone();
    // Stripe: signed billing events, prepared just before (their signatures are good for 5 min).
    let stripe_events = env_num("BENCH_STRIPE_EVENTS", 20_000) as usize;
    let stripe_reqs = Arc::new(stripe_requests(stripe_events));
    let (mut stripe_took, stripe_errors, stripe_elapsed) = drive_stripe(addr, stripe_reqs, workers, secs).await;
    let stripe_rps = stripe_took.len() as f64 / stripe_elapsed;
    let mut handoff: Vec<Duration> = paced
        .missed_at
        .iter()
        .filter_map(|(caller, t)| received.get(caller).map(|r| r.saturating_duration_since(*t)))
        .collect();
    let rss = peak_rss_mb(&server);
    let _ = server.kill();
    let _ = server.wait();
    for mut other in servers {
        let _ = other.kill();
        let _ = other.wait();
    }
    // Every text-back Twilio accepted should have its answer recorded on the message.
    let store = app::ssr::db::connect(&db).await.unwrap();
    let (texts, recorded): (i64, i64) = app::ssr::db::query_as(
        "SELECT COUNT(*), COUNT(provider_sid) FROM messages WHERE purpose = 'text_back' AND direction = 'outbound'",
    )
    .fetch_one(&store)
    .await
    .unwrap();
    let (stored, stale, audited): (i64, i64, i64) = app::ssr::db::query_as(
        "SELECT (SELECT COUNT(*) FROM webhook_events WHERE provider = 'stripe'), \
                (SELECT COUNT(*) FROM webhook_events WHERE provider = 'stripe' AND outcome = 'stale'), \
                (SELECT COUNT(*) FROM audit_events WHERE action = 'billing.changed')",
    )
    .fetch_one(&store)
    .await
    .unwrap();
    store.close().await;

    println!();
    let engine = if postgres.is_some() {
        "PostgreSQL (synchronous_commit as the server sets it)"
    } else {
        "SQLite, synchronous=FULL"
    };
    println!(
        "CallSnare webhook benchmark ({} cores, {}s phases, release build, {engine}, {instances} instance(s), signatures enforced)",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        secs
    );
    println!("| measure | value |");
    println!("|---|---|");
    println!("| hello-world ceiling: standalone axum server, POST /hello ({workers} conns) | {ceiling:.0} req/s |");
    println!("| hello-world ceiling: callsnare's own GET /healthz ({workers} conns) | {in_server:.0} req/s |");
    println!(
        "| callbacks, max throughput ({workers} conns) | {flat_rps:.0} req/s ({:.1}% of standalone, {:.1}% of in-server), errors {} |",
        100.0 * flat_rps / ceiling,
        100.0 * flat_rps / in_server,
        flat.errors
    );
    println!(
        "|   latency p50 / p99 | {:.2} / {:.2} ms |",
        pct(&mut flat.all, 0.5),
        pct(&mut flat.all, 0.99)
    );
    println!(
        "| callbacks, steady {steady}/s (16 conns) | achieved {:.0} req/s, errors {} |",
        paced.all.len() as f64 / paced_elapsed,
        paced.errors
    );
    println!(
        "|   latency p50 / p99 | {:.2} / {:.2} ms |",
        pct(&mut paced.all, 0.5),
        pct(&mut paced.all, 0.99)
    );
    println!(
        "|   TwiML answer (inbound + dial-complete) p50 / p99 | {:.2} / {:.2} ms |",
        pct(&mut paced.twiml, 0.5),
        pct(&mut paced.twiml, 0.99)
    );
    println!(
        "|   text-back handed to Twilio after missed outcome p50 / p99 (n={}) | {:.1} / {:.1} ms |",
        handoff.len(),
        pct(&mut handoff, 0.5),
        pct(&mut handoff, 0.99)
    );
    println!(
        "|   bytes written per callback at max (all writes / reaching the disk) | {:.1} / {:.1} KiB |",
        written.0, written.1
    );
    println!("| server peak RSS | {rss:.1} MB |");
    println!(
        "| max-phase text-back backlog: {drained} of {backlog} handed to Twilio within {drain_secs:.1} s of the phase's end |"
    );
    println!(
        "| texts handed to fake Twilio | {} (text-backs stored {texts}, with Twilio's answer recorded {recorded}) |",
        received.len()
    );
    println!(
        "| Stripe events, signed, max throughput ({workers} conns) | {stripe_rps:.0} req/s, errors {stripe_errors} (of {} prepared) |",
        stripe_events
    );
    println!(
        "|   latency p50 / p99 | {:.2} / {:.2} ms |",
        pct(&mut stripe_took, 0.5),
        pct(&mut stripe_took, 0.99)
    );
    println!(
        "|   stored {stored}, of which older than one already applied (kept, not applied) {stale}; billing changes audited {audited} |"
    );
}
