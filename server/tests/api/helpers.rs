use std::collections::HashMap;

use app::ssr::db::Db;
use leptos::config::LeptosOptions;
use server::{config::Settings, startup::Application};
use tempfile::TempDir;

pub struct TestApp {
    pub address: String,
    /// CALLSNARE_PUBLIC_URL when set: browsers send it as Origin, providers sign over it.
    pub public_url: Option<String>,
    pub db: Db,
    pub live: app::ssr::live::LiveFeed,
    pub setup_token: std::sync::Arc<std::sync::Mutex<Option<String>>>,
    pub client: reqwest::Client,
    /// The app's DATABASE_URL (a file in `_dir`, or a fresh PostgreSQL database).
    pub database_url: String,
    pub _dir: TempDir,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }
}

/// True when this run's apps use PostgreSQL (`CALLSNARE_TEST_ENGINE=postgres`, with the
/// admin URL of a throwaway cluster in `CALLSNARE_TEST_POSTGRES`; scripts/test.sh sets both).
pub fn on_postgres() -> bool {
    std::env::var("CALLSNARE_TEST_ENGINE").is_ok_and(|e| e == "postgres")
}

/// A database of its own for one test app: a file under `dir` on SQLite, or a fresh
/// PostgreSQL database (left for the throwaway cluster's removal to take away).
pub async fn fresh_database_url(dir: &TempDir) -> String {
    if !on_postgres() {
        return format!("sqlite://{}", dir.path().join("nested/dir/callsnare.db").display());
    }
    fresh_postgres_database().await
}

/// A new empty database on the test cluster; its URL.
pub async fn fresh_postgres_database() -> String {
    use sqlx::Executor as _;
    let admin = std::env::var("CALLSNARE_TEST_POSTGRES")
        .expect("CALLSNARE_TEST_POSTGRES: the admin URL of a throwaway PostgreSQL cluster");
    let name = format!("cs_{}", uuid::Uuid::new_v4().simple());
    let pool = sqlx::PgPool::connect(&admin).await.expect("the test cluster answers");
    pool.execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .expect("create a test database");
    pool.close().await;
    let (base, _) = admin.rsplit_once('/').expect("an admin URL ends with a database name");
    format!("{base}/{name}")
}

pub fn test_settings(database_url: &str, extra: &[(&str, &str)]) -> Settings {
    let mut vars: HashMap<String, String> = HashMap::from([
        ("DATABASE_URL".into(), database_url.to_owned()),
        ("CALLSNARE_ADDR".into(), "127.0.0.1:0".into()),
    ]);
    for (k, v) in extra {
        vars.insert((*k).into(), (*v).into());
    }
    Settings::from_lookup(|k| vars.get(k).cloned()).expect("test settings parse")
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

pub async fn spawn_app_with(extra: &[(&str, &str)]) -> TestApp {
    if std::env::var("TEST_LOG").is_ok() {
        server::telemetry::init(server::config::LogFormat::Pretty);
    }
    let dir = tempfile::tempdir().expect("tempdir");
    // An explicit DATABASE_URL (several apps sharing one database) wins over a fresh one.
    let database_url = match extra.iter().find(|(k, _)| *k == "DATABASE_URL") {
        Some((_, url)) => (*url).to_owned(),
        None => fresh_database_url(&dir).await,
    };
    let settings = test_settings(&database_url, extra);
    let public_url = settings
        .public_url
        .as_ref()
        .map(|u| u.as_str().trim_end_matches('/').to_owned());
    let leptos = LeptosOptions::builder()
        .output_name("callsnare")
        .site_root("target/site")
        .build();
    let app = Application::build(settings, leptos).await.expect("application builds");
    let address = format!("http://{}", app.local_addr());
    let db = app.state.db.clone();
    let live = app.state.core.live.clone();
    let setup_token = app.state.setup_token.clone();
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .expect("client");
    TestApp {
        address,
        public_url,
        db,
        live,
        setup_token,
        client,
        database_url,
        _dir: dir,
    }
}

pub const PUBLIC_URL: &str = "https://callsnare.test";
pub const TRACKED: &str = "+14155550100";
pub const OFFICE_1: &str = "+14155550101";
pub const OFFICE_2: &str = "+14155550102";
pub const CALLER: &str = "+14155552671";

/// The app with Twilio credentials, a public URL and the fake Twilio REST API.
pub async fn spawn_twilio_app(extra: &[(&str, &str)]) -> (TestApp, crate::fake_twilio::FakeTwilio) {
    let fake = crate::fake_twilio::FakeTwilio::start().await;
    let mut vars = vec![
        ("CALLSNARE_PUBLIC_URL", PUBLIC_URL),
        ("TWILIO_ACCOUNT_SID", crate::fake_twilio::ACCOUNT_SID),
        ("TWILIO_AUTH_TOKEN", crate::fake_twilio::AUTH_TOKEN),
        ("TWILIO_API_BASE", fake.base.as_str()),
        ("CALLSNARE_WEBHOOK_RATE", "100000"),
        ("CALLSNARE_WEBHOOK_BURST", "100000"),
    ];
    vars.extend_from_slice(extra);
    let app = spawn_app_with(&vars).await;
    seed_org(&app.db, "acme", "Acme Heating & Air", TRACKED, &[OFFICE_1, OFFICE_2]).await;
    (app, fake)
}

pub async fn seed_org(db: &Db, slug: &str, name: &str, number: &str, forward_to: &[&str]) {
    use app::{
        domain::{E164Phone, EmailAddress, OrgSlug, OrgTimezone},
        ssr::services::onboarding::{add_number, create_org, NewNumber, NewOrg},
    };
    create_org(
        db,
        NewOrg {
            name: name.into(),
            slug: OrgSlug::parse(slug).unwrap(),
            timezone: OrgTimezone::parse("America/Chicago").unwrap(),
            owner_email: EmailAddress::parse(&format!("owner@{slug}.test")).unwrap(),
        },
        Some(secrecy::SecretString::from("a long enough password")),
    )
    .await
    .unwrap();
    add_number(
        db,
        NewNumber {
            org_slug: OrgSlug::parse(slug).unwrap(),
            e164: E164Phone::parse(number).unwrap(),
            forward_to: forward_to.iter().map(|f| E164Phone::parse(f).unwrap()).collect(),
            label: "Main line".into(),
            ring_timeout_secs: None,
        },
    )
    .await
    .unwrap();
}

pub enum Signing {
    Valid,
    Missing,
    Wrong,
    /// Signed correctly, with this token instead of the configured one.
    WithToken(&'static str),
}

pub fn form(params: &[(&str, &str)]) -> Vec<(String, String)> {
    params.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

impl TestApp {
    /// Posts a form-encoded Twilio callback signed over `PUBLIC_URL + path`.
    pub async fn post_twilio(&self, path: &str, params: &[(String, String)], signing: Signing) -> reqwest::Response {
        let body = serde_urlencoded::to_string(params).unwrap();
        let mut req = self
            .client
            .post(self.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        let token = match signing {
            Signing::Valid => crate::fake_twilio::AUTH_TOKEN,
            Signing::WithToken(token) => token,
            Signing::Wrong => {
                return req
                    .header("x-twilio-signature", "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
                    .send()
                    .await
                    .unwrap()
            }
            Signing::Missing => return req.send().await.unwrap(),
        };
        let base = self.public_url.as_deref().unwrap_or(PUBLIC_URL);
        let sig = server::webhooks::twilio::signature::sign(token.as_bytes(), &format!("{base}{path}"), params);
        req = req.header("x-twilio-signature", sig);
        req.send().await.unwrap()
    }

    pub async fn count(&self, sql: &str) -> i64 {
        app::ssr::db::query_scalar(sql).fetch_one(&self.db).await.unwrap()
    }
}

/// Polls `check` until it holds (up to 5 s).
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..100 {
        if check().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for: {what}");
}

/// The callbacks Twilio sends for one call that nobody answers.
pub struct MissedCall {
    pub sid: String,
    pub from: String,
}

impl MissedCall {
    pub fn new(n: u32, from: &str) -> Self {
        Self {
            sid: format!("CA{n:032x}"),
            from: from.to_owned(),
        }
    }

    fn base(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AccountSid", crate::fake_twilio::ACCOUNT_SID.to_owned()),
            ("ApiVersion", "2010-04-01".to_owned()),
            ("CallSid", self.sid.clone()),
            ("Called", TRACKED.to_owned()),
            ("Caller", self.from.clone()),
            ("Direction", "inbound".to_owned()),
            ("From", self.from.clone()),
            ("FromState", "TX".to_owned()),
            ("To", TRACKED.to_owned()),
        ]
    }

    fn with(&self, extra: &[(&'static str, &str)]) -> Vec<(String, String)> {
        let mut p: Vec<(String, String)> = self.base().into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        p.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        p
    }

    pub fn inbound(&self) -> (&'static str, Vec<(String, String)>) {
        (
            "/api/twilio/voice/inbound",
            self.with(&[("CallStatus", "ringing"), ("StirVerstat", "TN-Validation-Passed-A")]),
        )
    }

    pub fn dial(&self, status: &str) -> (&'static str, Vec<(String, String)>) {
        (
            "/api/twilio/voice/dial-complete",
            self.with(&[
                ("CallStatus", "in-progress"),
                ("DialCallStatus", status),
                ("DialCallDuration", "17"),
                ("DialBridged", "false"),
            ]),
        )
    }

    pub fn status(&self, status: &str, seq: &str) -> (&'static str, Vec<(String, String)>) {
        (
            "/api/twilio/voice/status",
            self.with(&[
                ("CallStatus", status),
                ("SequenceNumber", seq),
                ("CallbackSource", "call-progress-events"),
                ("CallDuration", "20"),
            ]),
        )
    }

    /// inbound → dial-complete(no-answer) → status(completed)
    pub fn sequence(&self) -> Vec<(&'static str, Vec<(String, String)>)> {
        vec![self.inbound(), self.dial("no-answer"), self.status("completed", "3")]
    }
}

pub fn sms(sid: &str, from: &str, body: &str) -> (&'static str, Vec<(String, String)>) {
    (
        "/api/twilio/sms/inbound",
        form(&[
            ("AccountSid", crate::fake_twilio::ACCOUNT_SID),
            ("ApiVersion", "2010-04-01"),
            ("Body", body),
            ("From", from),
            ("MessageSid", sid),
            ("NumMedia", "0"),
            ("NumSegments", "1"),
            ("SmsMessageSid", sid),
            ("SmsSid", sid),
            ("SmsStatus", "received"),
            ("To", TRACKED),
        ]),
    )
}

pub const PASSWORD: &str = "a long enough password";

/// Adds a member with a usable password straight through the store.
pub async fn seed_member(db: &Db, org_slug: &str, email: &str, role: app::domain::Role) -> String {
    use app::{
        domain::{
            ids::{OrgId, UserId},
            EmailAddress, OrgSlug,
        },
        ssr::{
            db::{memberships, orgs, users},
            password,
        },
    };
    let hash = password::hash(secrecy::SecretString::from(PASSWORD)).await.unwrap();
    let mut conn = db.acquire().await.unwrap();
    let org = orgs::find_by_slug(&mut conn, &OrgSlug::parse(org_slug).unwrap())
        .await
        .unwrap()
        .unwrap();
    let email = EmailAddress::parse(email).unwrap();
    let id = match users::find_by_email(&mut conn, email.as_str()).await.unwrap() {
        Some(u) => UserId::parse(&u.id).unwrap(),
        None => {
            let id = UserId::new();
            users::insert(&mut conn, &id, &email, &hash, 0).await.unwrap();
            id
        }
    };
    memberships::insert(&mut conn, &OrgId::parse(&org.id).unwrap(), &id, role, 0)
        .await
        .unwrap();
    id.to_string()
}

impl TestApp {
    pub fn origin(&self) -> String {
        self.public_url.clone().unwrap_or_else(|| self.address.clone())
    }

    /// A fresh browser-like client (own cookie jar).
    pub fn new_client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(true)
            // Generous: the whole suite shares 2 cores (argon2 in debug builds, two server
            // processes in the kill test), and a page that took longer than 20 s under that
            // load was reported as a bare timeout; past the pool's 30 s acquire timeout a
            // stuck render now comes back as an error page that says more.
            .timeout(std::time::Duration::from_secs(60))
            .build()
            .unwrap()
    }

    /// Posts a server-function form the way a same-origin browser form does.
    pub async fn rpc_with(&self, client: &reqwest::Client, endpoint: &str, form: &[(&str, &str)]) -> reqwest::Response {
        client
            .post(self.url(&format!("/rpc/{endpoint}")))
            .header("origin", self.origin())
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// The HTML a browser with `client`'s cookies gets for `path`.
    pub async fn html(&self, client: &reqwest::Client, path: &str) -> String {
        client
            .get(self.url(path))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// [`Self::html`] without the hydration markers (`<!>`, `<!--…-->`) Leptos puts between
    /// nodes, so a test can match markup as it reads.
    pub async fn page(&self, client: &reqwest::Client, path: &str) -> String {
        let html = self.html(client, path).await.replace("<!>", "");
        let mut out = String::with_capacity(html.len());
        let mut rest = html.as_str();
        while let Some(i) = rest.find("<!--") {
            out.push_str(&rest[..i]);
            rest = rest[i..].find("-->").map_or("", |j| &rest[i + j + 3..]);
        }
        out.push_str(rest);
        out
    }

    /// [`Self::rpc_with`] for a call expected to succeed: its JSON answer.
    pub async fn rpc_json(&self, client: &reqwest::Client, endpoint: &str, form: &[(&str, &str)]) -> serde_json::Value {
        let resp = self.rpc_with(client, endpoint, form).await;
        assert!(resp.status().is_success(), "{endpoint}: {}", resp.status());
        resp.json().await.unwrap()
    }

    /// Posts like a browser without JavaScript (accepts HTML, so a success redirects).
    pub async fn rpc_form(&self, client: &reqwest::Client, endpoint: &str, form: &[(&str, &str)]) -> reqwest::Response {
        client
            .post(self.url(&format!("/rpc/{endpoint}")))
            .header("origin", self.origin())
            .header("accept", "text/html,application/xhtml+xml")
            .form(form)
            .send()
            .await
            .unwrap()
    }

    pub async fn rpc(&self, endpoint: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.rpc_with(&self.client, endpoint, form).await
    }

    /// Signs `client` in; panics unless the server redirects into the app.
    pub async fn sign_in(&self, client: &reqwest::Client, email: &str) {
        let resp = self
            .rpc_form(
                client,
                "auth/login",
                &[("email", email), ("password", PASSWORD), ("next", "")],
            )
            .await;
        let status = resp.status();
        let location = resp.headers().get("location").map(|v| v.to_str().unwrap().to_owned());
        assert!(
            status.is_redirection() && location.as_deref() == Some("/app"),
            "sign-in failed: {status} {location:?} {}",
            resp.text().await.unwrap_or_default()
        );
    }
}

/// The link in the newest mail queued to `email` (invitation or set-password), read
/// straight from the mail outbox. Panics if there is none (the body is blanked once a
/// mail is delivered over SMTP, so this is for apps without SMTP).
pub async fn latest_mail_link(app: &TestApp, email: &str) -> String {
    let body: Option<String> = app::ssr::db::query_scalar(
        "SELECT body FROM mail_outbox WHERE to_address = $1 ORDER BY created_at DESC, id DESC LIMIT 1",
    )
    .bind(email)
    .fetch_optional(&app.db)
    .await
    .unwrap();
    let body = body.unwrap_or_else(|| panic!("no mail to {email}"));
    mail_link(&body).unwrap_or_else(|| panic!("no link in the mail to {email}: {body:?}"))
}

/// The first http(s) URL in a mail body.
pub fn mail_link(body: &str) -> Option<String> {
    body.split_whitespace()
        .find(|w| w.starts_with("http://") || w.starts_with("https://"))
        .map(str::to_owned)
}

/// The `token` query value of a link.
pub fn link_token(link: &str) -> String {
    link.split("token=").nth(1).expect("a token in the link").to_owned()
}

/// How many mails have been queued to `email`.
pub async fn mail_count(app: &TestApp, email: &str) -> i64 {
    app::ssr::db::query_scalar("SELECT COUNT(*) FROM mail_outbox WHERE to_address = $1")
        .bind(email)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

/// A fresh one-use form token, as the lead page hands out (each form post takes one).
pub fn form_token() -> String {
    app::domain::form_token::FormToken::new().into_string()
}

/// The date `days` from today in America/Chicago (the seeded orgs' timezone), as a date
/// input posts it: bookings must not be in the past.
pub fn days_ahead(days: u64) -> chrono::NaiveDate {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::America::Chicago)
        .date_naive()
        + chrono::Days::new(days)
}

/// The instant of `time` on `date` in America/Chicago, in Unix milliseconds.
pub fn chicago_ms(date: chrono::NaiveDate, hour: u32, minute: u32) -> i64 {
    use chrono::TimeZone;
    chrono_tz::America::Chicago
        .from_local_datetime(&date.and_hms_opt(hour, minute, 0).unwrap())
        .earliest()
        .unwrap()
        .timestamp_millis()
}
