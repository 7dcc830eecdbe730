//! What the in-process benches share: knobs from the environment, percentiles, and the
//! real application on a temp SQLite file with two orgs (so tenant scoping is exercised).

use std::collections::HashMap;

use app::ssr::db::Db;
use leptos::config::LeptosOptions;
use server::{config::Settings, startup::Application};
use tempfile::TempDir;

/// A numeric knob from the environment, or its default.
pub fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The `p` quantile (0–1) of `v`, sorting it in place.
pub fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

/// The application serving on a random port over `{dir}/{file}`, with the orgs `bench`
/// (owner@bench.test) and `other` (owner@other.test), both with the password
/// "bench password 123". Keep the returned directory alive for the run.
/// `extra`: settings added to the defaults (environment variable names).
pub async fn app_with_two_orgs(file: &str, extra: &[(&str, &str)]) -> (TempDir, String, Db) {
    use app::{
        domain::{EmailAddress, OrgSlug, OrgTimezone},
        ssr::services::onboarding::{create_org, NewOrg},
    };
    let dir = tempfile::tempdir().unwrap();
    let mut vars: HashMap<&str, String> = HashMap::from([
        ("DATABASE_URL", format!("sqlite://{}", dir.path().join(file).display())),
        ("CALLSNARE_ADDR", "127.0.0.1:0".to_owned()),
    ]);
    for (k, v) in extra {
        vars.insert(*k, (*v).to_owned());
    }
    let settings = Settings::from_lookup(|k| vars.get(k).cloned()).unwrap();
    let leptos = LeptosOptions::builder()
        .output_name("callsnare")
        .site_root("target/site")
        .build();
    let app = Application::build(settings, leptos).await.unwrap();
    let base = format!("http://{}", app.local_addr());
    let db = app.state.db.clone();
    tokio::spawn(app.run_until_stopped());
    for (slug, email) in [("bench", "owner@bench.test"), ("other", "owner@other.test")] {
        create_org(
            &db,
            NewOrg {
                name: format!("{slug} HVAC"),
                slug: OrgSlug::parse(slug).unwrap(),
                timezone: OrgTimezone::parse("America/Chicago").unwrap(),
                owner_email: EmailAddress::parse(email).unwrap(),
            },
            Some(secrecy::SecretString::from("bench password 123")),
        )
        .await
        .unwrap();
    }
    (dir, base, db)
}
