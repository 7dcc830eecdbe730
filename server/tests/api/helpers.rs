use std::collections::HashMap;

use app::ssr::db::Db;
use leptos::config::LeptosOptions;
use server::{config::Settings, startup::Application};
use tempfile::TempDir;

pub struct TestApp {
    pub address: String,
    pub db: Db,
    pub client: reqwest::Client,
    pub _dir: TempDir,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }
}

pub fn test_settings(dir: &TempDir, extra: &[(&str, &str)]) -> Settings {
    let mut vars: HashMap<String, String> = HashMap::from([
        (
            "DATABASE_URL".into(),
            format!("sqlite://{}", dir.path().join("nested/dir/callsnare.db").display()),
        ),
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
    let settings = test_settings(&dir, extra);
    let leptos = LeptosOptions::builder()
        .output_name("callsnare")
        .site_root("target/site")
        .build();
    let app = Application::build(settings, leptos).await.expect("application builds");
    let address = format!("http://{}", app.local_addr());
    let db = app.state.db.clone();
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .expect("client");
    TestApp {
        address,
        db,
        client,
        _dir: dir,
    }
}
