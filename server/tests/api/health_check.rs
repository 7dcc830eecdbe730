use crate::helpers::spawn_app;

#[tokio::test]
async fn healthz_answers_ok_with_a_request_id() {
    let app = spawn_app().await;
    let resp = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let request_id = resp
        .headers()
        .get("x-request-id")
        .expect("request id header")
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(request_id.len(), 36, "uuid request id: {request_id}");
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn request_ids_differ_per_request_and_a_callers_id_is_kept() {
    let app = spawn_app().await;
    let a = app.client.get(app.url("/healthz")).send().await.unwrap();
    let b = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_ne!(a.headers()["x-request-id"], b.headers()["x-request-id"]);
    let c = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "trace-me-123")
        .send()
        .await
        .unwrap();
    assert_eq!(c.headers()["x-request-id"], "trace-me-123");
}

#[tokio::test]
async fn readyz_is_ready_once_migrations_are_applied() {
    let app = spawn_app().await;
    let resp = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["status"], "ready");
}

#[tokio::test]
async fn readyz_is_unavailable_when_the_database_cannot_answer() {
    let app = spawn_app().await;
    // (Closing the pool would wait forever for the writer's dedicated connection.)
    app::ssr::db::query("ALTER TABLE _sqlx_migrations RENAME TO _sqlx_migrations_gone")
        .execute(&app.db)
        .await
        .unwrap();
    let resp = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(resp.status(), 503);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["status"], "database_unavailable");
}

#[tokio::test]
async fn database_is_created_in_wal_mode_with_foreign_keys() {
    if crate::helpers::on_postgres() {
        // SQLite's own settings; PostgreSQL's durability is the server's configuration.
        return;
    }
    let app = spawn_app().await;
    let mode: String = app::ssr::db::query_scalar("PRAGMA journal_mode")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    let fk: i64 = app::ssr::db::query_scalar("PRAGMA foreign_keys")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(fk, 1);
    let sync: i64 = app::ssr::db::query_scalar("PRAGMA synchronous")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(sync, 2, "synchronous=FULL");
    let orphan = app::ssr::db::query("INSERT INTO memberships (org_id, user_id, role, created_at, updated_at) VALUES ('org_x', 'usr_x', 'staff', 0, 0)")
        .execute(&app.db)
        .await;
    assert!(orphan.is_err(), "foreign keys must be enforced");
}
