//! The public docs and machine discovery: every docs page answers without sign-in and loads
//! no wasm; the permissions page is read back against the role, scope and endpoint tables
//! the server enforces (so the page cannot drift from them); `/llms.txt`,
//! `/.well-known/api-catalog`, `/robots.txt` and the `service-desc` links have the shapes
//! their conventions ask for.

use app::{
    components::docs_layout::{DOC_PAGES, OPENAPI_PATH},
    domain::{api_endpoints::API_ENDPOINTS, evidence::ROUTES, permission::Action, scope::Scope, Role},
    pages::docs_permissions::{action_doc, endpoint_path, ROLES},
};

use crate::helpers::{spawn_app, spawn_app_with, TestApp};

/// `/docs` and every page its nav lists.
fn docs_paths() -> Vec<&'static str> {
    std::iter::once("/docs")
        .chain(DOC_PAGES.iter().map(|p| p.path))
        .collect()
}

/// Every role there is, independently of the page's own list.
fn all_roles() -> Vec<Role> {
    ["staff", "admin", "owner"]
        .iter()
        .map(|r| r.parse::<Role>().unwrap())
        .collect()
}

/// The opening tag of the first element carrying `attr` (e.g. `data-cell="view_inbox:staff"`).
fn tag_with<'a>(html: &'a str, attr: &str) -> Option<&'a str> {
    let at = html.find(attr)?;
    let start = html[..at].rfind('<')?;
    let end = at + html[at..].find('>')?;
    Some(&html[start..=end])
}

/// The page's text with the HTML escapes Leptos writes undone, for comparing prose.
fn unescape(html: &str) -> String {
    html.replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

async fn get(app: &TestApp, path: &str) -> reqwest::Response {
    app.client.get(app.url(path)).send().await.unwrap()
}

async fn page(app: &TestApp, path: &str) -> String {
    let resp = get(app, path).await;
    assert_eq!(resp.status(), 200, "{path}");
    resp.text().await.unwrap()
}

#[tokio::test]
async fn every_docs_page_is_public_loads_no_wasm_and_names_the_api_description() {
    let app = spawn_app().await;
    // No sign-in: the client has never signed in, and no org even exists.
    for path in docs_paths() {
        let resp = get(&app, path).await;
        assert_eq!(resp.status(), 200, "{path}");
        let content_type = resp.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(content_type.starts_with("text/html"), "{path}: {content_type}");
        let links: Vec<String> = resp
            .headers()
            .get_all("link")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        assert!(
            links
                .iter()
                .any(|l| l.contains("</api/v1/openapi.json>") && l.contains(r#"rel="service-desc""#)),
            "{path}: Link header {links:?}"
        );
        let html = resp.text().await.unwrap();
        assert!(
            html.contains(r#"rel="service-desc""#),
            "{path}: <link rel=service-desc> in the head"
        );
        assert!(html.contains(r#"href="/api/v1/openapi.json""#), "{path}");
        // No hydration: nothing from the wasm bundle, no islands. The stylesheet is the only
        // thing the page takes from /pkg.
        assert!(!html.contains("/pkg/callsnare.js"), "{path}: hydration script");
        assert!(!html.contains(".wasm"), "{path}: wasm");
        assert!(!html.contains("<leptos-island"), "{path}: island");
        assert!(!html.contains("hydrate"), "{path}: hydration bootstrap");
        assert_eq!(
            html.matches("/pkg/").count(),
            html.matches("/pkg/callsnare.css").count(),
            "{path}: only the stylesheet comes from /pkg"
        );
        assert!(
            html.contains("/pkg/callsnare.css"),
            "{path}: styled like the rest of the site"
        );
        // The docs nav links every page from every page.
        for p in DOC_PAGES {
            assert!(
                html.contains(&format!(r#"href="{}""#, p.path)),
                "{path} does not link {}",
                p.path
            );
        }
    }
    // Not a docs page: no service-desc header.
    let landing = get(&app, "/").await;
    assert!(landing
        .headers()
        .get_all("link")
        .iter()
        .all(|v| !v.to_str().unwrap_or_default().contains("service-desc")));
}

#[tokio::test]
async fn the_docs_index_lists_every_page() {
    let app = spawn_app().await;
    let html = unescape(&page(&app, "/docs").await);
    for p in DOC_PAGES {
        assert!(html.contains(&format!(r#"href="{}""#, p.path)), "{}", p.path);
        assert!(html.contains(p.summary), "{}", p.path);
    }
    assert!(html.contains(r#"href="/llms.txt""#) && html.contains(r#"href="/.well-known/api-catalog""#));
}

#[tokio::test]
async fn the_permissions_page_is_the_role_table() {
    let app = spawn_app().await;
    let html = page(&app, "/docs/permissions").await;
    let text = unescape(&html);

    // The page's columns are every role there is.
    assert_eq!(ROLES.to_vec(), all_roles());
    let cells = html.matches("data-cell=\"").count();
    assert_eq!(
        cells,
        Action::ALL.len() * all_roles().len(),
        "one cell per action and role"
    );
    for action in Action::ALL {
        let doc = action_doc(action);
        assert!(text.contains(doc.label), "{action:?} is named");
        for role in all_roles() {
            let attr = format!("data-cell=\"{}:{}\"", doc.code, role.as_str());
            let tag = tag_with(&html, &attr).unwrap_or_else(|| panic!("no cell {attr}"));
            let expected = format!("data-allowed=\"{}\"", role.can(action));
            assert!(tag.contains(&expected), "{attr}: {tag}, enforced: {expected}");
        }
    }
}

#[tokio::test]
async fn the_permissions_page_is_the_scope_table() {
    let app = spawn_app().await;
    let html = page(&app, "/docs/permissions").await;
    let text = unescape(&html);

    assert_eq!(html.matches("data-scope-row=\"").count(), Scope::ALL.len());
    for scope in Scope::ALL {
        let attr = format!("data-scope-row=\"{}\"", scope.as_str());
        let tag = tag_with(&html, &attr).unwrap_or_else(|| panic!("no row {attr}"));
        let stands_for = format!("data-stands-for=\"{}\"", action_doc(scope.action()).code);
        assert!(tag.contains(&stands_for), "{attr}: {tag}");
        // Who may put it on a key: whoever manages keys and could use it themselves.
        let grantors: Vec<&str> = all_roles()
            .into_iter()
            .filter(|r| r.can(Action::ManageApiKeys) && scope.grantable_by(*r))
            .map(Role::as_str)
            .collect();
        let grantors = format!("data-grantors=\"{}\"", grantors.join(","));
        assert!(tag.contains(&grantors), "{attr}: {tag}, expected {grantors}");
        assert!(text.contains(scope.describe()), "{attr}: its description");
    }
}

#[tokio::test]
async fn the_permissions_page_is_the_endpoint_table() {
    let app = spawn_app().await;
    let html = page(&app, "/docs/permissions").await;

    assert_eq!(html.matches("data-endpoint=\"").count(), API_ENDPOINTS.len());
    for e in API_ENDPOINTS {
        let attr = format!("data-endpoint=\"{} {}\"", e.method, endpoint_path(e));
        let tag = tag_with(&html, &attr).unwrap_or_else(|| panic!("no row {attr}"));
        let needs = format!("data-needs=\"{}\"", e.scope.map_or("none", |s| s.as_str()));
        assert!(tag.contains(&needs), "{attr}: {tag}, enforced: {needs}");
    }
}

#[tokio::test]
async fn the_actions_page_covers_every_action_and_scope_and_says_what_is_planned() {
    let app = spawn_app().await;
    let html = page(&app, "/docs/actions").await;
    for action in Action::ALL {
        assert!(
            html.contains(&format!("data-action=\"{}\"", action_doc(action).code)),
            "{action:?}"
        );
    }
    for scope in Scope::ALL {
        assert!(html.contains(&format!("data-scope=\"{}\"", scope.as_str())), "{scope}");
    }
    assert!(html.contains("/api/stripe/webhook"), "billing's callback is named");
    let planned = &html[html.find("id=\"planned\"").expect("the planned section")..];
    assert!(
        !planned.contains("Billing."),
        "billing exists now: it is no longer listed as planned"
    );
}

#[tokio::test]
async fn the_webhooks_page_lists_every_served_callback_and_the_stripe_route_is_served() {
    let app = spawn_app().await;
    let html = page(&app, "/docs/webhooks").await;
    for (path, _) in ROUTES {
        assert!(html.contains(&format!("data-route=\"{path}\"")), "{path}");
    }
    let stripe = tag_with(&html, "data-route=\"/api/stripe/webhook\"").expect("the Stripe route is listed");
    assert!(!stripe.contains("data-planned=\"true\""), "{stripe}");
    assert!(unescape(&html).contains("Stripe-Signature"));
    // Served really means served: an unsigned event on a sandbox without a secret (loopback)
    // is accepted, malformed JSON is refused with 400.
    let resp = app
        .client
        .post(app.url("/api/stripe/webhook"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400, "not a Stripe event");
    let resp = app
        .client
        .post(app.url("/api/stripe/webhook"))
        .body(r#"{"id":"evt_docs_1","object":"event","type":"product.created","created":1,"livemode":false,"pending_webhooks":0,"data":{"object":{}}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(unescape(&html).contains("does not publish a public outbound feed"));
}

#[tokio::test]
async fn the_api_reference_is_rendered_from_the_openapi_description() {
    let app = spawn_app().await;
    let html = page(&app, "/docs/api").await;
    assert!(!html.contains("<script"), "the reference runs no script");
    for e in API_ENDPOINTS {
        let Some(scope) = e.scope else { continue };
        let full = endpoint_path(e);
        let relative = full.strip_prefix("/api/v1").unwrap_or(&full).to_owned();
        let section = [full.as_str(), relative.as_str()]
            .iter()
            .find_map(|p| {
                let attr = format!("data-operation=\"{} {p}\"", e.method);
                let at = html.find(&attr)?;
                let end = at + html[at..].find("</section>")?;
                Some(&html[at..end])
            })
            .unwrap_or_else(|| panic!("{} {full} is not in the reference", e.method));
        assert!(
            section.contains(&format!("<code>{}</code>", scope.as_str())),
            "{} {full}: the reference should name {scope}",
            e.method
        );
    }
    // The description it was rendered from is public too.
    let resp = get(&app, OPENAPI_PATH).await;
    assert_eq!(resp.status(), 200);
    let doc: serde_json::Value = resp.json().await.unwrap();
    assert!(
        doc["openapi"].as_str().unwrap_or_default().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
}

#[tokio::test]
async fn llms_txt_follows_the_convention_with_links_on_this_server() {
    let app = spawn_app().await;
    let resp = get(&app, "/llms.txt").await;
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let text = resp.text().await.unwrap();
    assert!(text.starts_with("# CallSnare\n\n> "), "{text}");
    let summary = text.lines().nth(2).unwrap();
    assert!(summary.starts_with("> ") && summary.contains("HVAC"), "{summary}");
    assert!(text.contains("\n## Docs\n"), "{text}");
    // Sandbox without a public URL: links on the address the request came to.
    for p in DOC_PAGES {
        assert!(
            text.contains(&format!("]({}{})", app.address, p.path)),
            "{}: {text}",
            p.path
        );
    }
    assert!(
        text.contains(&format!("]({}/api/v1/openapi.json)", app.address)),
        "{text}"
    );
}

#[tokio::test]
async fn discovery_links_use_the_public_url_and_never_a_forged_host() {
    let app = spawn_app_with(&[("CALLSNARE_PUBLIC_URL", "https://callsnare.test")]).await;
    let text = app
        .client
        .get(app.url("/llms.txt"))
        .header("host", "evil.example")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("](https://callsnare.test/docs/permissions)"), "{text}");
    assert!(!text.contains("evil.example"));
    let catalog: serde_json::Value = app
        .client
        .get(app.url("/.well-known/api-catalog"))
        .header("host", "evil.example")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(catalog["linkset"][0]["anchor"], "https://callsnare.test/api/v1");
}

#[tokio::test]
async fn the_api_catalog_is_an_rfc_9727_linkset() {
    let app = spawn_app().await;
    let resp = get(&app, "/.well-known/api-catalog").await;
    assert_eq!(resp.status(), 200);
    let content_type = resp.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("application/linkset+json"), "{content_type}");
    let body: serde_json::Value = resp.json().await.unwrap();
    let linkset = body["linkset"].as_array().expect("a linkset array");
    assert_eq!(linkset.len(), 1);
    let api = &linkset[0];
    assert_eq!(api["anchor"], format!("{}/api/v1", app.address));
    assert_eq!(
        api["service-desc"][0]["href"],
        format!("{}/api/v1/openapi.json", app.address)
    );
    assert_eq!(api["service-desc"][0]["type"], "application/openapi+json");
    assert_eq!(api["service-doc"][0]["href"], format!("{}/docs/api", app.address));
    assert_eq!(api["service-doc"][0]["type"], "text/html");

    // HEAD finds it too, and it names itself.
    let head = app
        .client
        .head(app.url("/.well-known/api-catalog"))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 200);
    let link = head.headers()["link"].to_str().unwrap();
    assert!(link.contains(r#"rel="api-catalog""#), "{link}");
}

#[tokio::test]
async fn robots_txt_keeps_crawlers_off_the_app_and_the_api() {
    let app = spawn_app().await;
    let resp = get(&app, "/robots.txt").await;
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let text = resp.text().await.unwrap();
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    assert!(lines.contains(&"User-agent: *"), "{text}");
    assert!(lines.contains(&"Disallow: /app"), "{text}");
    assert!(lines.contains(&"Disallow: /api"), "{text}");
    assert!(lines.contains(&"Allow: /docs"), "{text}");
}

#[tokio::test]
async fn the_landing_page_links_the_docs() {
    let app = spawn_app().await;
    let html = page(&app, "/").await;
    assert!(html.contains(r#"href="/docs""#), "the landing page links /docs");
}
