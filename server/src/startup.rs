//! The composition root: one path from settings to a listening server, used by `main` and
//! by every integration test.

use std::{net::SocketAddr, sync::Arc};

use app::ssr::{core::Core, db, services::api_keys::Keyring, state::AppState, writer::Writer};
use leptos::config::{Env, LeptosOptions};
use tokio::{net::TcpListener, sync::Notify};

use crate::{
    config::Settings,
    middleware::csrf::CsrfConfig,
    middleware::rate_limit::Limits,
    routes, sessions,
    sms::{
        sender::{SmsSender, TwilioClient},
        worker::Worker,
    },
    webhooks::{rejections::Rejections, stripe::Stripe, twilio::Twilio, WebhookState},
};

pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    pub state: AppState,
}

impl Application {
    /// Opens and migrates the database, builds the router and binds the listener (port 0
    /// picks a free port, which tests rely on).
    pub async fn build(settings: Settings, leptos_options: LeptosOptions) -> anyhow::Result<Self> {
        let db = db::connect_and_migrate(&settings.database_url).await?;
        let listener = TcpListener::bind(settings.addr).await?;
        let mut leptos_options = leptos_options;
        leptos_options.site_addr = listener.local_addr()?;
        let writer = Writer::spawn(&db).await?;
        let api_keys = Arc::new(Keyring::load(&db, settings.live).await?);
        // Built once: server functions, webhooks and workers share its writer, live feed,
        // outbox wake-up and routing cache. On PostgreSQL it also relays live events to the
        // other instances and listens for theirs and for their key changes.
        let core = Core::new(db.clone(), writer.clone())
            .with_billing_policy(settings.billing)
            .with_cluster(api_keys.clone());
        let mut settings = settings;
        if settings.public_url.is_none() {
            // Sandbox without a public URL: providers (and the simulator) reach us directly.
            settings.addr = listener.local_addr()?;
        }
        let public_base = settings.public_base();
        let setup_token = first_run_setup_token(&db, &public_base).await?;
        let mail_wake = Arc::new(Notify::new());
        tokio::task::spawn_blocking(app::ssr::auth::sign_in::warm_up).await?;
        crate::api::auth::spawn_last_used_flush(api_keys.clone(), core.clone());
        let state = AppState {
            leptos_options,
            db,
            core: core.clone(),
            live_mode: settings.live,
            session_absolute_ms: i64::try_from(settings.session_absolute.as_millis()).unwrap_or(i64::MAX),
            public_base: public_base.clone(),
            public_url_set: settings.public_url.is_some(),
            setup_token: Arc::new(std::sync::Mutex::new(setup_token)),
            mail_wake: mail_wake.clone(),
            api_keys,
            stripe: crate::stripe_api::StripeClient::from_settings(&settings.stripe)
                .map(|c| Arc::new(c) as Arc<dyn app::ssr::services::billing::StripeApi>),
        };
        let sender = match (&settings.twilio.account_sid, &settings.twilio.auth_token) {
            (Some(sid), Some(token)) => SmsSender::Twilio(TwilioClient::new(
                &settings.twilio.api_base,
                sid.clone(),
                token.clone(),
                &public_base,
            )),
            _ => SmsSender::Sandbox,
        };
        Worker {
            core: core.clone(),
            sender,
            lease: settings.outbox_lease,
        }
        .spawn();
        spawn_mail_worker(&settings, &writer, mail_wake)?;
        crate::escalation::spawn(core.clone(), settings.escalation_scan);
        crate::maintenance::spawn(state.db.clone(), std::time::Duration::from_secs(3600));
        let rejection_log = core.rejections.clone();
        let hooks = Arc::new(WebhookState {
            core,
            twilio: Twilio {
                signing_tokens: settings.twilio.signing_tokens(),
                require_signatures: settings.webhook_signatures_required(),
            },
            stripe: Stripe {
                secrets: settings.stripe_webhook_secrets.clone(),
                require_signatures: settings.stripe_signatures_required(),
            },
            public_base,
            rejections: Rejections::new(rejection_log),
        });
        let limits = Limits {
            per_second: settings.webhook_rate_per_sec,
            burst: settings.webhook_burst,
            trusted_proxies: Arc::new(settings.trusted_proxies.clone()),
            api_per_second: settings.api_rate_per_sec,
            api_burst: settings.api_burst,
        };
        let auth = sessions::layer(&state.db, &settings).await?;
        let csrf = CsrfConfig {
            public_origin: settings.public_url.as_ref().map(|u| u.origin().ascii_serialization()),
        };
        let billing_form_targets = settings.stripe.redirect_origins();
        let router = routes::router(state.clone(), hooks, &limits, auth, csrf, billing_form_targets);
        Ok(Self {
            listener,
            router,
            state,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound listener has an address")
    }

    pub fn port(&self) -> u16 {
        self.local_addr().port()
    }

    /// Serves until SIGINT/SIGTERM, then drains in-flight requests and writes the API
    /// keys' last-use marks still in memory.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = axum::serve(
            self.listener,
            self.router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown_signal())
        .await;
        if let Err(err) = self.state.api_keys.flush_last_used(&self.state.core).await {
            tracing::warn!(error.message = %err, "could not record API keys' last use at shutdown");
        }
        served
    }
}

/// Delivers queued mail over SMTP when `CALLSNARE_SMTP_URL` is set; otherwise mail waits in
/// the outbox for the operator.
fn spawn_mail_worker(settings: &Settings, writer: &Writer, wake: Arc<Notify>) -> anyhow::Result<()> {
    let Some(mail) = &settings.mail else {
        tracing::warn!(
            "no CALLSNARE_SMTP_URL: invitation and password mails are held in the outbox; `callsnare mail list` shows them"
        );
        return Ok(());
    };
    if !mail.encrypted {
        tracing::warn!("CALLSNARE_SMTP_URL is not encrypted: use smtps:// or ?tls=required outside a private network");
    }
    crate::mail::worker::Worker {
        writer: writer.clone(),
        mailer: crate::mail::smtp::SmtpMailer::new(mail)?,
        wake,
    }
    .spawn();
    Ok(())
}

/// While no organisation exists, the setup page is claimed with a one-time token printed
/// here, so a stranger who reaches the server first cannot take it over.
async fn first_run_setup_token(db: &app::ssr::db::Db, public_base: &str) -> anyhow::Result<Option<String>> {
    let orgs = db::orgs::count(&mut db.acquire().await?).await?;
    if orgs > 0 {
        return Ok(None);
    }
    let token = app::ssr::auth::tokens::generate();
    tracing::warn!("First run: no organisation yet. Open {public_base}/setup and enter the setup token {token} (or use `callsnare org create`).");
    Ok(Some(token))
}

/// Leptos options from cargo-leptos' environment, with defaults that also work when the
/// binary is run directly (`LEPTOS_OUTPUT_NAME` may not have been baked in).
pub fn leptos_options_from_env() -> LeptosOptions {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let output_name = var("LEPTOS_OUTPUT_NAME")
        .or_else(|| {
            option_env!("LEPTOS_OUTPUT_NAME")
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "callsnare".to_owned());
    let env = match var("LEPTOS_ENV").as_deref() {
        Some("DEV") | Some("dev") | Some("development") => Env::DEV,
        _ => Env::PROD,
    };
    LeptosOptions::builder()
        .output_name(output_name)
        .site_root(var("LEPTOS_SITE_ROOT").unwrap_or_else(|| "target/site".to_owned()))
        .site_pkg_dir(var("LEPTOS_SITE_PKG_DIR").unwrap_or_else(|| "pkg".to_owned()))
        .env(env)
        .build()
}

/// The site files a served page asks for: `{site_root}/{site_pkg_dir}/{output_name}.js`,
/// its wasm and `.css`. A binary built by plain `cargo build`/`cargo bench` serves pages
/// whose hydration script and styles would be missing when these were never built (or
/// `LEPTOS_SITE_ROOT` points elsewhere), so `serve` refuses to start without them. Tests that
/// build [`Application`] directly do not go through this check.
pub fn check_site_assets(options: &LeptosOptions) -> Result<(), String> {
    let pkg = std::path::Path::new(&*options.site_root).join(&*options.site_pkg_dir);
    let name: &str = &options.output_name;
    // The page asks for the wasm under the name Leptos derives at compile time: cargo-leptos
    // bakes LEPTOS_OUTPUT_NAME in and writes `{name}.wasm`; a plain cargo build does not,
    // and its pages ask for `{name}_bg.wasm`, which cargo-leptos never writes. Checking the
    // same name the page will ask for is what catches a binary built the wrong way.
    let wasm = if option_env!("LEPTOS_OUTPUT_NAME").is_some() {
        format!("{name}.wasm")
    } else {
        format!("{name}_bg.wasm")
    };
    for file in [format!("{name}.js"), wasm, format!("{name}.css")] {
        let path = pkg.join(&file);
        if !path.is_file() {
            return Err(format!(
                "site asset {} is missing: build the site with `cargo leptos build --release`, or set LEPTOS_SITE_ROOT to a directory that holds {}/{file}",
                path.display(),
                options.site_pkg_dir
            ));
        }
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutdown signal received, draining requests");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(site_root: &std::path::Path) -> LeptosOptions {
        LeptosOptions::builder()
            .output_name("callsnare")
            .site_root(site_root.display().to_string())
            .site_pkg_dir("pkg")
            .build()
    }

    #[test]
    fn serve_refuses_to_start_when_a_site_asset_is_missing() {
        let dir = tempfile::tempdir().unwrap();
        let pkg = dir.path().join("pkg");
        std::fs::create_dir_all(&pkg).unwrap();
        std::fs::write(pkg.join("callsnare.js"), b"").unwrap();
        std::fs::write(pkg.join("callsnare.css"), b"").unwrap();
        let err = check_site_assets(&options(dir.path())).unwrap_err();
        assert!(err.contains("callsnare_bg.wasm is missing"), "{err}");
        assert!(err.contains("cargo leptos build --release"), "{err}");
        assert_eq!(err.lines().count(), 1);

        std::fs::write(pkg.join("callsnare_bg.wasm"), b"").unwrap();
        assert_eq!(check_site_assets(&options(dir.path())), Ok(()));
    }
}
