//! Liveness and readiness probes.

use std::time::Duration;

use app::ssr::{
    db::{self, Engine},
    state::AppState,
};
use axum::{extract::State, http::StatusCode, Json};
use serde_json::{json, Value};

/// How long the live listener (PostgreSQL) may be down before the instance reports itself
/// not ready: long enough to ride out a reconnect, short enough that a balancer stops
/// sending browsers to an instance whose inbox no longer hears the other instances.
pub const LISTENER_GRACE: Duration = Duration::from_secs(5);

/// The process is up and serving.
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// The database answers, every embedded migration has been applied, and the single writer
/// (which every webhook needs) is running. On PostgreSQL also the listener that hears the
/// other instances (live events, key changes); the body then has `checks.database` and
/// `checks.live_listener` (`connected`/`connecting`/`reconnecting`, since when, last error).
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    if !state.core.writer.is_running() {
        tracing::error!("readiness check failed: the database writer has stopped");
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "writer_stopped" })),
        );
    }
    if !state.core.writer.is_healthy() {
        tracing::error!("readiness check failed: the database writer has lost its connection");
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "writer_disconnected" })),
        );
    }
    let database = match db::migrations_current(&state.db).await {
        Ok(true) => "ok",
        Ok(false) => "migrations_pending",
        Err(err) => {
            tracing::warn!(error.message = %err, "readiness check failed");
            "database_unavailable"
        }
    };
    let (mut code, mut body) = match database {
        "ok" => (StatusCode::OK, json!({ "status": "ready" })),
        failed => (StatusCode::SERVICE_UNAVAILABLE, json!({ "status": failed })),
    };
    if matches!(state.db.engine(), Engine::Postgres) {
        let (listener, down) = match &state.core.cluster {
            Some(cluster) => {
                let report = cluster.listener();
                let down = report.down_for.is_some_and(|d| d > LISTENER_GRACE);
                // Which instance answered, for matching its logs.
                body["instance"] = json!(cluster.instance_id());
                (json!(report), down)
            }
            // Start-up did not call `Core::with_cluster`: this instance would never hear
            // the others, which is a deployment bug worth failing on.
            None => (json!({ "status": "not_started" }), true),
        };
        body["checks"] = json!({ "database": database, "live_listener": listener });
        if down && code == StatusCode::OK {
            code = StatusCode::SERVICE_UNAVAILABLE;
            body["status"] = json!("live_listener_down");
        }
    }
    (code, Json(body))
}
