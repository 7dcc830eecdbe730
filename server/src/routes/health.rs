//! Liveness and readiness probes.

use app::ssr::{db, state::AppState};
use axum::{extract::State, http::StatusCode, Json};
use serde_json::{json, Value};

/// The process is up and serving.
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// The database answers, every embedded migration has been applied, and the single writer
/// (which every webhook needs) is running.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    if !state.core.writer.is_running() {
        tracing::error!("readiness check failed: the database writer has stopped");
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "writer_stopped" })),
        );
    }
    match db::migrations_current(&state.db).await {
        Ok(true) => (StatusCode::OK, Json(json!({ "status": "ready" }))),
        Ok(false) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "migrations_pending" })),
        ),
        Err(err) => {
            tracing::warn!(error.message = %err, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "database_unavailable" })),
            )
        }
    }
}
