//! Edge hardening over real HTTP: request ids a client chooses, argon2 under a burst of
//! sign-ins, per-/64 throttling of IPv6, browser security headers, unsafe sign-in `next`
//! values, and oversized or malformed server-function requests.

use std::time::Duration;

use app::domain::{request_id, Role};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::{
    fake_twilio::FakeTwilio,
    helpers::{
        days_ahead, form_token, seed_member, seed_org, spawn_app, spawn_app_with, spawn_twilio_app, MissedCall,
        Signing, TestApp, CALLER, OFFICE_1, PASSWORD, PUBLIC_URL, TRACKED,
    },
};

async fn acme_with(extra: &[(&str, &str)]) -> TestApp {
    let app = spawn_app_with(extra).await;
    seed_org(&app.db, "acme", "Acme Heating & Air", TRACKED, &[OFFICE_1]).await;
    app
}

/// A sign-in posted like a browser form, with extra headers.
async fn login_with_headers(
    app: &TestApp,
    client: &reqwest::Client,
    headers: &[(&str, &str)],
    password: &str,
) -> reqwest::Response {
    let mut req = client
        .post(app.url("/rpc/auth/login"))
        .header("origin", app.origin())
        .header("accept", "text/html,application/xhtml+xml");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.form(&[("email", "owner@acme.test"), ("password", password), ("next", "")])
        .send()
        .await
        .unwrap()
}

// ---------------------------------------------------------------- F5: request ids

#[tokio::test]
async fn request_ids_that_are_long_or_odd_are_replaced_and_never_recorded() {
    let app = acme_with(&[]).await;
    let huge = "a".repeat(20_000);
    let long = "b".repeat(65);
    for bad in [huge.as_str(), long.as_str(), "has space", "tab\there"] {
        let resp = app
            .client
            .get(app.url("/healthz"))
            .header("x-request-id", bad)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let echoed = resp.headers()["x-request-id"].to_str().unwrap();
        assert!(echoed.len() <= 64, "{} chars echoed", echoed.len());
        assert_ne!(echoed, bad);
        assert!(request_id::is_acceptable(echoed), "{echoed:?}");
    }

    // Sign-ins write audit records carrying the request id.
    let ok = login_with_headers(&app, &app.new_client(), &[("x-request-id", huge.as_str())], PASSWORD).await;
    assert!(ok.status().is_redirection(), "{}", ok.status());
    let echoed = ok.headers()["x-request-id"].to_str().unwrap();
    assert!(echoed.len() <= 64 && echoed != huge);
    let failed = login_with_headers(
        &app,
        &app.new_client(),
        &[("x-request-id", "with space")],
        "wrong password here",
    )
    .await;
    assert!(failed.status().is_redirection(), "{}", failed.status());
    let recorded: Vec<Option<String>> = app::ssr::db::query_scalar("SELECT request_id FROM audit_events")
        .fetch_all(&app.db)
        .await
        .unwrap();
    for id in recorded.iter().flatten() {
        assert!(
            request_id::is_acceptable(id),
            "recorded {} chars: {:?}",
            id.len(),
            &id[..id.len().min(80)]
        );
    }
    // both sign-ins were recorded, each under the id the server chose
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_events WHERE action IN ('auth.signed_in', 'auth.sign_in_failed') \
             AND request_id IS NOT NULL"
        )
        .await,
        2
    );

    // A short plain id (a proxy's or a client's own) is kept, echoed and recorded.
    let kept = login_with_headers(&app, &app.new_client(), &[("x-request-id", "req-abc_123.x")], PASSWORD).await;
    assert!(kept.status().is_redirection());
    assert_eq!(kept.headers()["x-request-id"], "req-abc_123.x");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE request_id = 'req-abc_123.x' AND action = 'auth.signed_in'")
            .await,
        1
    );
}

// ---------------------------------------------------------------- F6: argon2 and per-/64 limits

async fn failed_sign_in_from(app: &TestApp, client: reqwest::Client, ip: String, email: String) -> reqwest::StatusCode {
    client
        .post(app.url("/rpc/auth/login"))
        .header("origin", app.origin())
        .header("x-forwarded-for", ip)
        .form(&[
            ("email", email),
            ("password", "wrong password here".to_owned()),
            ("next", String::new()),
        ])
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn a_burst_of_failed_sign_ins_never_runs_more_hashes_than_the_bound() {
    use app::ssr::password;

    let app = acme_with(&[("CALLSNARE_TRUSTED_PROXIES", "127.0.0.1")]).await;
    let attempts = (0..40).map(|i| {
        failed_sign_in_from(
            &app,
            app.new_client(),
            format!("198.51.100.{}", i + 1),
            format!("nobody{i}@acme.test"),
        )
    });
    let statuses = futures::future::join_all(attempts).await;
    for s in &statuses {
        assert!(s.is_client_error(), "{statuses:?}");
    }
    // Process-wide, so other tests' hashes count too: the bound holds for all of them.
    let peak = password::in_flight_peak();
    assert!(peak >= 1);
    assert!(
        peak <= password::max_concurrent(),
        "{peak} argon2 hashes at once, bound {}",
        password::max_concurrent()
    );
}

/// A sign-in attempt the throttle counts but that answers at once (no password, so no
/// hashing): the throttle sits in front of argument parsing.
async fn quick_attempt_from(app: &TestApp, ip: &str) -> reqwest::Response {
    app.client
        .post(app.url("/rpc/auth/login"))
        .header("origin", app.origin())
        .header("x-forwarded-for", ip)
        .form(&[("email", "nobody@acme.test")])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn ipv6_addresses_in_one_64_share_the_sign_in_throttle() {
    let app = spawn_app_with(&[("CALLSNARE_TRUSTED_PROXIES", "127.0.0.1")]).await;
    // The throttle allows a burst of 10 per client.
    for n in 0..10 {
        let ip = if n % 2 == 0 { "2001:db8::1" } else { "2001:db8::2" };
        let resp = quick_attempt_from(&app, ip).await;
        assert_ne!(resp.status(), 429, "attempt {n} from {ip}");
    }
    let same_64 = quick_attempt_from(&app, "2001:db8::3").await;
    assert_eq!(same_64.status(), 429);
    assert!(same_64.headers().contains_key("retry-after"));
    // another /64 (another subscriber) is not affected
    let other_64 = quick_attempt_from(&app, "2001:db8:0:1::1").await;
    assert_ne!(other_64.status(), 429);
}

// ---------------------------------------------------------------- F11: security headers

fn assert_security_headers(resp: &reqwest::Response, what: &str) -> String {
    let h = resp.headers();
    let csp = h
        .get("content-security-policy")
        .unwrap_or_else(|| panic!("{what}: no CSP"))
        .to_str()
        .unwrap()
        .to_owned();
    for directive in [
        "default-src 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "'wasm-unsafe-eval'",
    ] {
        assert!(csp.contains(directive), "{what}: {directive} missing in {csp}");
    }
    assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
    assert_eq!(h["x-content-type-options"], "nosniff", "{what}");
    assert_eq!(h["referrer-policy"], "strict-origin-when-cross-origin", "{what}");
    assert_eq!(h["x-frame-options"], "DENY", "{what}");
    csp
}

fn nonce_of(csp: &str) -> String {
    let start = csp.find("'nonce-").expect("a script nonce") + "'nonce-".len();
    let len = csp[start..].find('\'').unwrap();
    csp[start..start + len].to_owned()
}

#[tokio::test]
async fn pages_carry_a_csp_with_a_fresh_nonce_and_the_other_security_headers() {
    let app = acme_with(&[]).await;
    let mut nonces = Vec::new();
    for path in ["/", "/login", "/no/such/page"] {
        let resp = app.client.get(app.url(path)).send().await.unwrap();
        let csp = assert_security_headers(&resp, path);
        assert!(
            resp.headers().get("strict-transport-security").is_none(),
            "{path}: HSTS over http"
        );
        let nonce = nonce_of(&csp);
        let html = resp.text().await.unwrap();
        // the hydration bootstrap is an inline script: it must carry the policy's nonce
        assert!(
            html.contains(&format!("nonce=\"{nonce}\"")),
            "{path}: the page's scripts use the header's nonce"
        );
        nonces.push(nonce);
    }
    nonces.sort();
    nonces.dedup();
    assert_eq!(nonces.len(), 3, "a fresh nonce per response");

    let client = app.new_client();
    app.sign_in(&client, "owner@acme.test").await;
    let page = client
        .get(app.url("/app"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert_security_headers(&page, "/app");
    let rpc = app.rpc_with(&client, "auth/session", &[]).await;
    assert_security_headers(&rpc, "/rpc/auth/session");
    // Answers that are never a page carry a policy that allows nothing (no nonce to mint).
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    let h = health.headers();
    assert_eq!(
        h["content-security-policy"],
        "default-src 'none'; frame-ancestors 'none'"
    );
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["x-frame-options"], "DENY");
}

#[tokio::test]
async fn hsts_is_sent_only_when_the_public_url_is_https() {
    let app = spawn_app_with(&[("CALLSNARE_PUBLIC_URL", PUBLIC_URL)]).await;
    let resp = app.client.get(app.url("/")).send().await.unwrap();
    assert_security_headers(&resp, "/ over https");
    assert_eq!(
        resp.headers()["strict-transport-security"],
        "max-age=31536000; includeSubDomains"
    );
    let plain = spawn_app_with(&[("CALLSNARE_PUBLIC_URL", "http://callsnare.test")]).await;
    let resp = plain.client.get(plain.url("/")).send().await.unwrap();
    assert!(resp.headers().get("strict-transport-security").is_none());
}

// ---------------------------------------------------------------- F12: sign-in `next`

#[tokio::test]
async fn a_next_that_is_not_a_plain_path_signs_in_to_the_app_without_a_panic() {
    let app = acme_with(&[]).await;
    for query in ["/login?next=%7F", "/login?next=/%7F", "/login?next=/caf%C3%A9"] {
        let resp = app
            .client
            .get(app.url(query))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{query}");
    }
    for next in ["\u{7f}", "/\u{7f}", "/app\u{7f}", "/caf\u{e9}", "/a b"] {
        let resp = app
            .rpc_form(
                &app.new_client(),
                "auth/login",
                &[("email", "owner@acme.test"), ("password", PASSWORD), ("next", next)],
            )
            .await;
        assert!(resp.status().is_redirection(), "{next:?}: {}", resp.status());
        assert_eq!(resp.headers()["location"], "/app", "{next:?}");
    }
    // the same through the JavaScript client (no HTML accepted): a redirect header, no panic
    let resp = app
        .rpc_with(
            &app.new_client(),
            "auth/login",
            &[
                ("email", "owner@acme.test"),
                ("password", PASSWORD),
                ("next", "/\u{7f}"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["location"], "/app");
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
}

// ---------------------------------------------------------------- F13: text limits, bodies, arguments

async fn inbox() -> (TestApp, FakeTwilio, reqwest::Client, String) {
    let (app, twilio) = spawn_twilio_app(&[("CALLSNARE_PUBLIC_URL", "http://callsnare.test")]).await;
    seed_member(&app.db, "acme", "tech@acme.test", Role::Staff).await;
    for (path, params) in MissedCall::new(1, CALLER).sequence() {
        assert_eq!(app.post_twilio(path, &params, Signing::Valid).await.status(), 200);
    }
    twilio.wait_for_sent(1).await;
    let staff = app.new_client();
    app.sign_in(&staff, "tech@acme.test").await;
    let lead_id: String = app::ssr::db::query_scalar("SELECT id FROM leads")
        .fetch_one(&app.db)
        .await
        .unwrap();
    (app, twilio, staff, lead_id)
}

/// The session cookie a sign-in sets, as a `Cookie` header value.
async fn session_cookie(app: &TestApp, email: &str) -> String {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = app
        .rpc_form(
            &client,
            "auth/login",
            &[("email", email), ("password", PASSWORD), ("next", "")],
        )
        .await;
    assert!(resp.status().is_redirection());
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Sends only the head of a POST whose `Content-Length` declares `declared_len` bytes, and
/// returns the status of the answer. Over raw TCP on purpose: a server that refuses on the
/// declared length answers without reading, and with no unread bytes left behind the
/// connection closes cleanly instead of resetting before the answer is read.
async fn post_head_only(app: &TestApp, path: &str, cookie: Option<&str>, declared_len: usize) -> u16 {
    let host = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let mut head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nOrigin: {}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {declared_len}\r\nConnection: close\r\n",
        app.origin()
    );
    if let Some(cookie) = cookie {
        head.push_str(&format!("Cookie: {cookie}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let mut chunk = [0u8; 4096];
    while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut chunk))
            .await
            .expect("an answer before the body is sent")
            .unwrap();
        if n == 0 {
            break;
        }
        answer.extend_from_slice(&chunk[..n]);
    }
    let text = String::from_utf8_lossy(&answer);
    text.split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"))
}

fn validation_field(body: &serde_json::Value) -> Option<&str> {
    body.get("Validation")?.get("field")?.as_str()
}

#[tokio::test]
async fn oversized_booking_text_is_refused_at_the_edge_and_nothing_is_stored() {
    let (app, _twilio, staff, lead_id) = inbox().await;
    let status_before: String = app::ssr::db::query_scalar("SELECT status FROM leads WHERE id = $1")
        .bind(&lead_id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let date = days_ahead(30).format("%Y-%m-%d").to_string();
    let booking = |notes: String, address: String| {
        vec![
            ("lead_id", lead_id.clone()),
            ("date", date.clone()),
            ("arrival_start", "08:00".to_owned()),
            ("arrival_end", "10:00".to_owned()),
            ("job_type", "no_heat".to_owned()),
            ("address", address),
            ("notes", notes),
            ("form_token", form_token()),
        ]
    };

    // 1.5 MB of notes: refused by size before anything reads it
    let huge = serde_urlencoded::to_string(booking("n".repeat(1_500_000), String::new())).unwrap();
    let cookie = session_cookie(&app, "tech@acme.test").await;
    assert_eq!(
        post_head_only(&app, "/rpc/leads/book", Some(cookie.as_str()), huge.len()).await,
        413
    );

    // small enough to send, too long to keep: a validation error naming the field
    for (notes, address, field) in [
        ("n".repeat(4_001), String::new(), "notes"),
        (String::new(), "a".repeat(301), "address"),
    ] {
        let resp = staff
            .post(app.url("/rpc/leads/book"))
            .header("origin", app.origin())
            .form(&booking(notes, address))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 422, "{field}");
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(validation_field(&body), Some(field), "{body}");
    }

    assert_eq!(app.count("SELECT COUNT(*) FROM bookings").await, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'lead.booked'")
            .await,
        0
    );
    let status_after: String = app::ssr::db::query_scalar("SELECT status FROM leads WHERE id = $1")
        .bind(&lead_id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(status_after, status_before);

    // within the limits the same booking goes through
    let resp = staff
        .post(app.url("/rpc/leads/book"))
        .header("origin", app.origin())
        .form(&booking("n".repeat(4_000), "a".repeat(300)))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
    assert_eq!(app.count("SELECT COUNT(*) FROM bookings").await, 1);
}

async fn name_and_status(app: &TestApp, lead_id: &str) -> (String, String) {
    app::ssr::db::query_as("SELECT name, status FROM leads WHERE id = $1")
        .bind(lead_id)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_lead_edit_with_a_very_long_name_is_refused_and_changes_nothing() {
    let (app, _twilio, staff, lead_id) = inbox().await;
    let before = name_and_status(&app, &lead_id).await;
    let name = "N".repeat(10_000);
    let resp = app
        .rpc_with(
            &staff,
            "leads/update",
            &[
                ("lead_id", &lead_id),
                ("status", "contacted"),
                ("name", &name),
                ("address", ""),
                ("notes", ""),
            ],
        )
        .await;
    assert_eq!(resp.status(), 422);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(validation_field(&body), Some("name"), "{body}");
    assert_eq!(name_and_status(&app, &lead_id).await, before);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'lead.edited'")
            .await,
        0
    );
    let reply = app
        .rpc_with(
            &staff,
            "leads/reply",
            &[
                ("lead_id", &lead_id),
                ("body", &"r".repeat(1_601)),
                ("form_token", &form_token()),
            ],
        )
        .await;
    assert_eq!(reply.status(), 422);
}

#[tokio::test]
async fn server_function_bodies_over_the_limit_get_413() {
    let app = spawn_app().await;
    assert_eq!(post_head_only(&app, "/rpc/auth/login", None, 2_500_000).await, 413);
    assert_eq!(post_head_only(&app, "/rpc/leads/book", None, 64 * 1024 + 1).await, 413);
    // the server is fine afterwards
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
}

#[tokio::test]
async fn malformed_server_function_arguments_get_400_not_500() {
    let (app, _twilio, staff, lead_id) = inbox().await;
    // a required argument missing
    let missing = app
        .rpc_with(
            &staff,
            "leads/book",
            &[("lead_id", lead_id.as_str()), ("date", "2026-12-01")],
        )
        .await;
    assert_eq!(missing.status(), 400);
    let body: serde_json::Value = missing.json().await.unwrap();
    assert_eq!(body, serde_json::json!("BadRequest"));
    // an argument of the wrong type
    let wrong_type = app
        .rpc_with(
            &staff,
            "leads/reply",
            &[
                ("lead_id", lead_id.as_str()),
                ("body", "hi"),
                ("hold_until_morning", "maybe"),
            ],
        )
        .await;
    assert_eq!(wrong_type.status(), 400);
    // garbage, and bytes that are not text at all
    for body in [b"%%%\x00&&==&lead_id[=".to_vec(), vec![0xff, 0xfe, 0x00, 0x80]] {
        let resp = staff
            .post(app.url("/rpc/leads/book"))
            .header("origin", app.origin())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 400);
    }
    // signed out, the same malformed call is still the client's fault
    let anonymous = app.rpc("leads/book", &[("lead_id", lead_id.as_str())]).await;
    assert_eq!(anonymous.status(), 400);
    assert_eq!(app.count("SELECT COUNT(*) FROM bookings").await, 0);
}
