//! The composition root: one path from settings to a listening server, used by `main` and
//! by every integration test.

use std::{net::SocketAddr, sync::Arc};

use app::ssr::{db, state::AppState};
use leptos::config::{Env, LeptosOptions};
use tokio::net::TcpListener;

use crate::{config::Settings, routes};

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
        let state = AppState {
            leptos_options,
            db,
            live: settings.live,
        };
        let router = routes::router(state.clone(), Arc::new(settings));
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

    /// Serves until SIGINT/SIGTERM, then drains in-flight requests.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        axum::serve(
            self.listener,
            self.router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown_signal())
        .await
    }
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
