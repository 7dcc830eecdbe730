//! The real `callsnare` binary as a separate process: killed with SIGKILL mid-send, and
//! driven by `callsnare simulate`.

use std::{
    process::{Child, Command, Stdio},
    time::Duration,
};

use tempfile::TempDir;

use crate::{
    fake_twilio::{FakeTwilio, Reply, ACCOUNT_SID, AUTH_TOKEN},
    helpers::{eventually, MissedCall, CALLER, OFFICE_1, PUBLIC_URL, TRACKED},
};

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Proc {
    dir: TempDir,
}

impl Proc {
    fn new() -> Self {
        let p = Self {
            dir: tempfile::tempdir().unwrap(),
        };
        p.cli(&[
            "org",
            "create",
            "--name",
            "Acme Heating",
            "--slug",
            "acme",
            "--timezone",
            "America/Chicago",
            "--owner-email",
            "o@acme.test",
        ]);
        p.cli(&[
            "number",
            "add",
            "--org",
            "acme",
            "--number",
            TRACKED,
            "--forward-to",
            OFFICE_1,
        ]);
        p
    }

    fn db_url(&self) -> String {
        format!("sqlite://{}", self.dir.path().join("callsnare.db").display())
    }

    fn command(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_callsnare"));
        c.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", self.db_url())
            .env("CALLSNARE_OWNER_PASSWORD", "correct horse battery staple")
            .env("RUST_LOG", "warn");
        c
    }

    fn cli(&self, args: &[&str]) -> String {
        let out = self.command().args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// `serve` refuses to start without the site's wasm, JS and CSS; these tests drive the
    /// API only, so empty stand-ins do.
    fn stub_site(&self) -> String {
        let pkg = self.dir.path().join("site/pkg");
        std::fs::create_dir_all(&pkg).unwrap();
        for file in ["callsnare.js", "callsnare_bg.wasm", "callsnare.wasm", "callsnare.css"] {
            std::fs::write(pkg.join(file), b"").unwrap();
        }
        self.dir.path().join("site").display().to_string()
    }

    async fn serve(&self, port: u16, env: &[(&str, &str)]) -> Child {
        let mut c = self.command();
        c.arg("serve")
            .env("LEPTOS_SITE_ROOT", self.stub_site())
            .env("CALLSNARE_ADDR", format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (k, v) in env {
            c.env(k, v);
        }
        let mut child = c.spawn().unwrap();
        let url = format!("http://127.0.0.1:{port}/readyz");
        for _ in 0..100 {
            if reqwest::get(&url).await.is_ok_and(|r| r.status() == 200) {
                return child;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("server did not become ready");
    }

    async fn count(&self, sql: &str) -> i64 {
        let db = app::ssr::db::connect(&self.db_url()).await.unwrap();
        let n = app::ssr::db::query_scalar(sql).fetch_one(&db).await.unwrap();
        db.close().await;
        n
    }
}

async fn post_signed(base: &str, path: &str, params: &[(String, String)]) -> u16 {
    let sig = server::webhooks::twilio::signature::sign(AUTH_TOKEN.as_bytes(), &format!("{PUBLIC_URL}{path}"), params);
    reqwest::Client::new()
        .post(format!("{base}{path}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-twilio-signature", sig)
        .body(serde_urlencoded::to_string(params).unwrap())
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Live Twilio settings against the fake, with a one-second outbox lease.
fn live_twilio_env(twilio: &FakeTwilio) -> [(&'static str, &str); 5] {
    [
        ("CALLSNARE_PUBLIC_URL", PUBLIC_URL),
        ("TWILIO_ACCOUNT_SID", ACCOUNT_SID),
        ("TWILIO_AUTH_TOKEN", AUTH_TOKEN),
        ("TWILIO_API_BASE", twilio.base.as_str()),
        ("CALLSNARE_OUTBOX_LEASE_SECS", "1"),
    ]
}

/// Starts the server and plays one signed missed call (number `n`) into it.
async fn serve_with_missed_call(proc: &Proc, env: &[(&str, &str)], n: u32) -> Child {
    let port = free_port();
    let child = proc.serve(port, env).await;
    let base = format!("http://127.0.0.1:{port}");
    for (path, params) in MissedCall::new(n, CALLER).sequence() {
        assert_eq!(post_signed(&base, path, &params).await, 200);
    }
    child
}

#[tokio::test]
async fn a_worker_killed_mid_send_still_sends_the_text_after_restart() {
    let (proc, twilio) = (Proc::new(), FakeTwilio::start().await);
    twilio.script(&[Reply::Hang]);
    let env = live_twilio_env(&twilio);
    let mut first = serve_with_missed_call(&proc, &env, 1).await;
    eventually("the first send attempt reaches Twilio", || async {
        twilio.received() == 1
    })
    .await;
    first.kill().unwrap(); // SIGKILL while the request to Twilio is in flight
    first.wait().unwrap();
    assert_eq!(
        proc.count("SELECT COUNT(*) FROM sms_outbox WHERE state = 'pending'")
            .await,
        1
    );

    let port = free_port();
    let mut second = proc.serve(port, &env).await;
    let sent = tokio::time::timeout(Duration::from_secs(8), twilio.wait_for_sent(1))
        .await
        .expect("sent after restart");
    assert_eq!(sent[0].to, CALLER);
    eventually("recorded as sent", || async {
        proc.count("SELECT COUNT(*) FROM sms_outbox WHERE state = 'sent'").await == 1
    })
    .await;
    assert_eq!(
        proc.count("SELECT COUNT(*) FROM messages WHERE provider_sid IS NOT NULL")
            .await,
        1
    );
    second.kill().unwrap();
    second.wait().unwrap();
}

#[tokio::test]
async fn simulate_missed_call_shows_a_lead_and_a_text_back_in_sandbox() {
    let proc = Proc::new();
    let port = free_port();
    let mut server = proc.serve(port, &[]).await;
    let out = proc
        .command()
        .args([
            "simulate",
            "missed-call",
            "--to",
            TRACKED,
            "--from",
            CALLER,
            "--reply",
            "Furnace is out, can someone come today?",
        ])
        .env("CALLSNARE_ADDR", format!("127.0.0.1:{port}"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("/api/twilio/voice/inbound -> 200 OK"), "{stdout}");
    assert!(stdout.contains("<Dial"), "{stdout}");
    eventually("sandbox text-back recorded", || async {
        proc.count("SELECT COUNT(*) FROM messages WHERE purpose = 'text_back' AND status = 'sent'")
            .await
            == 1
    })
    .await;
    assert_eq!(proc.count("SELECT COUNT(*) FROM leads").await, 1);
    assert_eq!(
        proc.count("SELECT COUNT(*) FROM messages WHERE direction = 'inbound'")
            .await,
        1
    );
    server.kill().unwrap();
    server.wait().unwrap();
}

#[tokio::test]
async fn simulate_refuses_bad_phone_numbers() {
    let proc = Proc::new();
    let out = proc
        .command()
        .args(["simulate", "missed-call", "--to", "555-0100", "--from", CALLER])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("E.164"));
}

#[tokio::test]
async fn a_text_twilio_took_before_the_worker_died_is_not_sent_again() {
    let (proc, twilio) = (Proc::new(), FakeTwilio::start().await);
    twilio.script(&[Reply::AcceptThenHang]);
    let env = live_twilio_env(&twilio);
    let mut first = serve_with_missed_call(&proc, &env, 2).await;
    twilio.wait_for_sent(1).await;
    first.kill().unwrap(); // SIGKILL: Twilio has the text, CallSnare never heard back
    first.wait().unwrap();

    let port = free_port();
    let mut second = proc.serve(port, &env).await;
    eventually("the earlier send is found and recorded", || async {
        proc.count("SELECT COUNT(*) FROM sms_outbox WHERE state = 'sent'").await == 1
    })
    .await;
    assert_eq!(twilio.received(), 1, "one create request, never a second copy");
    assert!(twilio.listed() >= 1);
    assert_eq!(twilio.sent().len(), 1);
    assert_eq!(
        proc.count("SELECT COUNT(*) FROM messages WHERE provider_sid = 'SM00000000000000000000000000000001'")
            .await,
        1
    );
    second.kill().unwrap();
    second.wait().unwrap();
}
