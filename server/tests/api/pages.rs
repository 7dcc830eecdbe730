use crate::helpers::spawn_app;

#[tokio::test]
async fn landing_page_is_server_rendered_without_wasm_and_the_app_hydrates_its_islands() {
    let app = spawn_app().await;
    let resp = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = resp.text().await.unwrap();
    assert!(
        html.contains("Keep working. We&#x27;ll handle the callback.")
            || html.contains("Keep working. We'll handle the callback."),
        "{html}"
    );
    // Public pages have no islands, so they load no wasm at all (the wasm budget); the
    // signed-in app links the islands' hydration script.
    assert!(
        !html.contains("/pkg/callsnare.js"),
        "no hydration script on a public page"
    );
    assert!(html.contains("/pkg/callsnare.css"), "stylesheet is linked");
    crate::helpers::seed_org(
        &app.db,
        "acme",
        "Acme",
        crate::helpers::TRACKED,
        &[crate::helpers::OFFICE_1],
    )
    .await;
    let owner = app.new_client();
    app.sign_in(&owner, "owner@acme.test").await;
    let inbox = app.html(&owner, "/app").await;
    assert!(inbox.contains("/pkg/callsnare.js"), "the app hydrates its islands");
    assert!(html.contains(r#"data-testid="revenue-at-risk""#));
    // 8 missed calls/week × 52 × $450 × 0.62, rendered on the server before any wasm runs
    assert!(html.contains("$116,064"), "estimator is rendered server-side");
}

#[tokio::test]
async fn unknown_pages_answer_404_with_the_app_shell() {
    let app = spawn_app().await;
    let resp = app.client.get(app.url("/no/such/page")).send().await.unwrap();
    assert_eq!(resp.status(), 404);
    let html = resp.text().await.unwrap();
    assert!(html.contains("Page not found"));
}

#[tokio::test]
async fn the_security_doc_is_public() {
    let app = spawn_app().await;
    let resp = app.client.get(app.url("/docs/security")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.text().await.unwrap().contains("Every callback is checked"));
}
