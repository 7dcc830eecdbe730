//! Staff sessions: tower-sessions in the database (they survive restarts, and on
//! PostgreSQL every instance shares them), signed cookies, idle expiry, and the axum-login
//! layer on top. The cookie is `__Host-` prefixed and Secure whenever the public URL is
//! https.

mod store;

use std::time::Duration;

use app::ssr::{
    auth::{tokens, Backend},
    clock::now_ms,
    db::{instance_secrets, Db},
};
use axum_login::{AuthManagerLayer, AuthManagerLayerBuilder};
use secrecy::ExposeSecret;
use sha2::{Digest, Sha512};
use tower_sessions::{
    cookie::{Key, SameSite},
    service::SignedCookie,
    ExpiredDeletion, Expiry, SessionManagerLayer,
};

pub use self::store::Store;
use crate::config::Settings;

pub type AuthLayer = AuthManagerLayer<Backend, Store, SignedCookie>;

/// The signing key: from CALLSNARE_SESSION_SECRET, or (sandbox only) a random secret this
/// instance generated once and keeps in its database.
async fn signing_key(db: &Db, settings: &Settings) -> anyhow::Result<Key> {
    let secret = match &settings.session_secret {
        Some(s) => s.expose_secret().to_owned(),
        None => {
            let mut conn = db.acquire().await?;
            instance_secrets::get_or_insert(&mut conn, "session_key", &tokens::generate(), now_ms()).await?
        }
    };
    Ok(Key::from(&Sha512::digest(secret.as_bytes())))
}

pub async fn layer(db: &Db, settings: &Settings) -> anyhow::Result<AuthLayer> {
    let store = Store::new(db);
    store.migrate().await?;
    let purged = app::ssr::db::sessions::purge_legacy(&mut db.acquire().await?).await?;
    if purged > 0 {
        tracing::info!(purged, "sessions from before the derived auth hash deleted");
    }
    // Every instance runs it; the delete is idempotent, so several are harmless.
    tokio::spawn(store.clone().continuously_delete_expired(Duration::from_secs(3600)));
    let https = settings.public_url.as_ref().is_some_and(|u| u.scheme() == "https");
    let idle = time::Duration::seconds(i64::try_from(settings.session_idle.as_secs()).unwrap_or(43_200));
    let sessions = SessionManagerLayer::new(store)
        .with_name(if https { "__Host-callsnare" } else { "callsnare_session" })
        .with_secure(https)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(idle))
        .with_signed(signing_key(db, settings).await?);
    Ok(AuthManagerLayerBuilder::new(Backend { db: db.clone() }, sessions).build())
}
