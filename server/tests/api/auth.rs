//! Staff sign-in, sessions, CSRF, throttling and the permission table, against the real
//! server over HTTP.

use app::domain::Role;

use crate::helpers::{
    latest_mail_link, link_token, seed_member, seed_org, spawn_app, spawn_app_with, TestApp, OFFICE_1, PASSWORD,
    TRACKED,
};

async fn acme() -> TestApp {
    let app = spawn_app().await;
    seed_org(&app.db, "acme", "Acme Heating & Air", TRACKED, &[OFFICE_1]).await;
    app
}

async fn session_email(app: &TestApp, client: &reqwest::Client) -> Option<String> {
    let resp = app.rpc_with(client, "auth/session", &[]).await;
    assert_eq!(resp.status(), 200);
    let body: serde_json::Value = resp.json().await.unwrap();
    body.get("email").and_then(|e| e.as_str()).map(str::to_owned)
}

#[tokio::test]
async fn sign_in_works_as_a_plain_form_post_and_sign_out_ends_the_session() {
    let app = acme().await;
    let client = app.new_client();
    assert_eq!(session_email(&app, &client).await, None);
    app.sign_in(&client, "owner@acme.test").await;
    assert_eq!(session_email(&app, &client).await.as_deref(), Some("owner@acme.test"));
    let page = client
        .get(app.url("/app"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["cache-control"], "private, no-store");
    assert!(page.text().await.unwrap().contains("Acme Heating &amp; Air"));

    let out = app.rpc_form(&client, "auth/logout", &[]).await;
    assert!(out.status().is_redirection());
    assert_eq!(session_email(&app, &client).await, None);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action IN ('auth.signed_in', 'auth.signed_out')")
            .await,
        2
    );
}

#[tokio::test]
async fn signed_out_visitors_are_sent_to_sign_in_with_a_safe_next() {
    let app = acme().await;
    let resp = app
        .client
        .get(app.url("/app/team"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_redirection(), "{}", resp.status());
    assert_eq!(resp.headers()["location"], "/login?next=/app/team");
    // an off-site next is ignored
    let client = app.new_client();
    let resp = app
        .rpc_form(
            &client,
            "auth/login",
            &[
                ("email", "owner@acme.test"),
                ("password", PASSWORD),
                ("next", "https://evil.test/"),
            ],
        )
        .await;
    assert_eq!(resp.headers()["location"], "/app");
    let resp = app
        .rpc_form(
            &app.new_client(),
            "auth/login",
            &[
                ("email", "owner@acme.test"),
                ("password", PASSWORD),
                ("next", "/app/account"),
            ],
        )
        .await;
    assert_eq!(resp.headers()["location"], "/app/account");
}

#[tokio::test]
async fn unknown_email_and_wrong_password_look_alike() {
    let app = acme().await;
    let mut bodies = Vec::new();
    // fastest of three tries each, alternating, so scheduling noise on a busy CI box cancels out
    let mut best = [std::time::Duration::MAX; 2];
    for _ in 0..3 {
        for (i, email) in ["owner@acme.test", "nobody@acme.test"].into_iter().enumerate() {
            let t = std::time::Instant::now();
            let resp = app
                .rpc_with(
                    &app.new_client(),
                    "auth/login",
                    &[("email", email), ("password", "wrong password here"), ("next", "")],
                )
                .await;
            best[i] = best[i].min(t.elapsed());
            bodies.push((resp.status(), resp.text().await.unwrap()));
        }
    }
    assert!(
        bodies.windows(2).all(|w| w[0] == w[1]),
        "same status and message: {bodies:?}"
    );
    assert!(bodies[0].1.contains("don't match an account"), "{:?}", bodies[0]);
    // both paths verify exactly one argon2 hash
    let diff = best[0].abs_diff(best[1]);
    assert!(diff < std::time::Duration::from_millis(100), "{best:?}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'auth.sign_in_failed'")
            .await,
        6
    );
    let meta: Vec<String> = app::ssr::db::query_scalar("SELECT metadata FROM audit_events")
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert!(
        meta.iter().all(|m| !m.contains("wrong password")),
        "passwords never reach audit records"
    );
}

#[tokio::test]
async fn fifty_wrong_passwords_in_a_row_are_throttled_and_recorded() {
    let app = acme().await;
    let mut statuses = Vec::new();
    for _ in 0..50 {
        let resp = app
            .rpc_with(
                &app.new_client(),
                "auth/login",
                &[
                    ("email", "owner@acme.test"),
                    ("password", "nope nope nope"),
                    ("next", ""),
                ],
            )
            .await;
        if resp.status() == 429 {
            assert!(resp.headers().get("retry-after").is_some());
        }
        statuses.push(resp.status().as_u16());
    }
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert!(refused >= 35, "{statuses:?}");
    // a forged X-Forwarded-For does not buy a fresh bucket
    let resp = app
        .new_client()
        .post(app.url("/rpc/auth/login"))
        .header("origin", &app.address)
        .header("x-forwarded-for", "203.0.113.99")
        .form(&[("email", "owner@acme.test"), ("password", PASSWORD), ("next", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 429);
    let recorded = app
        .count("SELECT COUNT(*) FROM login_failures WHERE email = 'owner@acme.test'")
        .await;
    assert_eq!(recorded, 50 - refused as i64);
}

#[tokio::test]
async fn an_account_with_100_failures_in_the_hour_from_this_source_is_refused_even_with_the_right_password() {
    let app = acme().await;
    let now = chrono_now();
    // from the address this test client signs in from (failures elsewhere never lock an
    // account: see security_findings.rs)
    for i in 0..100 {
        app::ssr::db::query(
            "INSERT INTO login_failures (id, email, ip, occurred_at) VALUES ($1, 'owner@acme.test', '127.0.0.1', $2)",
        )
        .bind(format!("lfl_{i}"))
        .bind(now - 1000)
        .execute(&app.db)
        .await
        .unwrap();
    }
    let resp = app
        .rpc_with(
            &app.new_client(),
            "auth/login",
            &[("email", "owner@acme.test"), ("password", PASSWORD), ("next", "")],
        )
        .await;
    assert_eq!(resp.status(), 429);
    assert_eq!(
        resp.text().await.unwrap(),
        "\"RateLimited\"",
        "the typed error the UI renders as \"Too many attempts\""
    );
}

fn chrono_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

#[tokio::test]
async fn a_planted_pre_sign_in_cookie_is_not_accepted_after_sign_in() {
    let app = acme().await;
    let planted = "callsnare_session=attacker-chosen-session-id";
    let resp = app
        .new_client()
        .post(app.url("/rpc/auth/login"))
        .header("origin", &app.address)
        .header("cookie", planted)
        .form(&[("email", "owner@acme.test"), ("password", PASSWORD), ("next", "")])
        .send()
        .await
        .unwrap();
    let set_cookie = resp.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(set_cookie.starts_with("callsnare_session="));
    assert!(!set_cookie.contains("attacker-chosen-session-id"));
    // the planted value is not a session
    let resp = app
        .client
        .post(app.url("/rpc/auth/session"))
        .header("origin", &app.address)
        .header("cookie", planted)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.text().await.unwrap(), "null");
}

#[tokio::test]
async fn the_session_cookie_is_host_prefixed_secure_httponly_and_lax_over_https() {
    let app = spawn_app_with(&[("CALLSNARE_PUBLIC_URL", "https://calls.example.test")]).await;
    seed_org(&app.db, "acme", "Acme", TRACKED, &[OFFICE_1]).await;
    let resp = app
        .client
        .post(app.url("/rpc/auth/login"))
        .header("origin", "https://calls.example.test")
        .form(&[("email", "owner@acme.test"), ("password", PASSWORD), ("next", "")])
        .send()
        .await
        .unwrap();
    let cookie = resp.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("__Host-callsnare="), "{cookie}");
    for flag in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(flag), "{flag} missing: {cookie}");
    }
    assert!(!cookie.contains("Domain="));
}

#[tokio::test]
async fn cross_site_posts_are_refused_before_anything_runs() {
    let app = acme().await;
    for origin in [Some("https://evil.test"), Some("null"), None] {
        let mut req = app.new_client().post(app.url("/rpc/auth/login")).form(&[
            ("email", "owner@acme.test"),
            ("password", PASSWORD),
            ("next", ""),
        ]);
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), 403, "{origin:?}");
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action LIKE 'auth.%'")
            .await,
        0
    );
    // webhooks are exempt (they are signed instead)
    let resp = app
        .client
        .post(app.url("/api/twilio/sms/inbound"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("From=%2B14155552671&To=%2B14155550100&MessageSid=SM1&Body=hi")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn an_admin_adds_a_member_who_sets_a_password_through_the_link_once() {
    let app = acme().await;
    seed_member(&app.db, "acme", "admin@acme.test", Role::Admin).await;
    let admin = app.new_client();
    app.sign_in(&admin, "admin@acme.test").await;
    let resp = app
        .rpc_with(&admin, "team/add", &[("email", "tech@acme.test"), ("role", "staff")])
        .await;
    assert_eq!(resp.status(), 200);
    let view: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(
        view,
        serde_json::json!({ "email": "tech@acme.test", "expires_in_hours": 72 }),
        "the link is mailed to the member, never shown to the admin"
    );
    let link = latest_mail_link(&app, "tech@acme.test").await;
    let token = link_token(&link);
    assert_eq!(link, format!("{}/invite?token={token}", app.address));
    // only a hash of the token is stored
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM invitations WHERE token_hash = '{token}'"
        ))
        .await,
        0
    );

    // an admin may not invite admins or owners
    let resp = app
        .rpc_with(&admin, "team/add", &[("email", "boss@acme.test"), ("role", "owner")])
        .await;
    assert_eq!(resp.status(), 403);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM mail_outbox WHERE to_address = 'boss@acme.test'")
            .await,
        0
    );

    let tech = app.new_client();
    let resp = app
        .rpc_form(
            &tech,
            "invite/accept",
            &[("token", &token), ("password", "tech's new password")],
        )
        .await;
    assert!(resp.status().is_redirection(), "{}", resp.status());
    assert_eq!(session_email(&app, &tech).await.as_deref(), Some("tech@acme.test"));
    // the link works once
    let resp = app
        .rpc_with(
            &app.new_client(),
            "invite/accept",
            &[("token", &token), ("password", "another password 123")],
        )
        .await;
    assert_eq!(resp.status(), 422);
    assert!(resp
        .text()
        .await
        .unwrap()
        .contains("invalid, has expired or was withdrawn"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action IN ('member.invited', 'invitation.accepted')")
            .await,
        2
    );
}

#[tokio::test]
async fn an_expired_set_password_link_fails() {
    let app = acme().await;
    let late = seed_member(&app.db, "acme", "late@acme.test", Role::Staff).await;
    let owner = app.new_client();
    app.sign_in(&owner, "owner@acme.test").await;
    app.rpc_json(&owner, "team/reset_password", &[("user_id", &late)]).await;
    let token = link_token(&latest_mail_link(&app, "late@acme.test").await);
    app::ssr::db::query("UPDATE password_tokens SET expires_at = 0")
        .execute(&app.db)
        .await
        .unwrap();
    let ok: bool = app
        .rpc("auth/check_link", &[("token", &token)])
        .await
        .json()
        .await
        .unwrap();
    assert!(!ok);
    let resp = app
        .rpc_with(
            &app.new_client(),
            "auth/set_password",
            &[("token", &token), ("password", "too late password")],
        )
        .await;
    assert_eq!(resp.status(), 422);

    // an expired invitation likewise
    app.rpc_json(&owner, "team/add", &[("email", "later@acme.test"), ("role", "staff")])
        .await;
    let token = link_token(&latest_mail_link(&app, "later@acme.test").await);
    app::ssr::db::query("UPDATE invitations SET expires_at = 0")
        .execute(&app.db)
        .await
        .unwrap();
    assert!(app
        .rpc_json(&app.new_client(), "invite/check", &[("token", &token)])
        .await
        .is_null());
    let resp = app
        .rpc_with(
            &app.new_client(),
            "invite/accept",
            &[("token", &token), ("password", "too late password")],
        )
        .await;
    assert_eq!(resp.status(), 422);
}

#[tokio::test]
async fn changing_or_resetting_a_password_ends_the_users_other_sessions() {
    let app = acme().await;
    let staff_id = seed_member(&app.db, "acme", "tech@acme.test", Role::Staff).await;
    let (laptop, phone) = (app.new_client(), app.new_client());
    app.sign_in(&laptop, "tech@acme.test").await;
    app.sign_in(&phone, "tech@acme.test").await;
    let resp = app
        .rpc_with(
            &laptop,
            "auth/change_password",
            &[("current_password", PASSWORD), ("new_password", "a brand new password")],
        )
        .await;
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
    assert_eq!(
        session_email(&app, &laptop).await.as_deref(),
        Some("tech@acme.test"),
        "this session continues"
    );
    assert_eq!(session_email(&app, &phone).await, None, "the other session ended");

    let owner = app.new_client();
    app.sign_in(&owner, "owner@acme.test").await;
    let resp = app
        .rpc_with(&owner, "team/reset_password", &[("user_id", &staff_id)])
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(session_email(&app, &laptop).await, None, "a reset ends every session");
}

#[tokio::test]
async fn the_last_owner_can_never_be_removed_or_demoted() {
    let app = acme().await;
    let owner_id: String = app::ssr::db::query_scalar("SELECT id FROM users WHERE email = 'owner@acme.test'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let owner = app.new_client();
    app.sign_in(&owner, "owner@acme.test").await;
    for (endpoint, args) in [
        (
            "team/change_role",
            vec![("user_id", owner_id.as_str()), ("role", "admin")],
        ),
        ("team/remove", vec![("user_id", owner_id.as_str())]),
    ] {
        let resp = app.rpc_with(&owner, endpoint, &args).await;
        assert_eq!(resp.status(), 409, "{endpoint}");
        assert!(resp.text().await.unwrap().contains("at least one owner"));
    }
    // with a second owner, the first may step down
    let second = seed_member(&app.db, "acme", "partner@acme.test", Role::Owner).await;
    let resp = app
        .rpc_with(&owner, "team/change_role", &[("user_id", &owner_id), ("role", "admin")])
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'member.role_changed' AND metadata LIKE '%\"before\":\"owner\"%'").await, 1);
    let _ = second;
}

#[tokio::test]
async fn another_orgs_ids_answer_not_found() {
    let app = acme().await;
    let staff_id = seed_member(&app.db, "acme", "tech@acme.test", Role::Staff).await;
    seed_org(&app.db, "rival", "Rival HVAC", "+14155550200", &["+14155550201"]).await;
    let rival = app.new_client();
    app.sign_in(&rival, "owner@rival.test").await;
    for (endpoint, args) in [
        (
            "team/change_role",
            vec![("user_id", staff_id.as_str()), ("role", "admin")],
        ),
        ("team/remove", vec![("user_id", staff_id.as_str())]),
        ("team/reset_password", vec![("user_id", staff_id.as_str())]),
    ] {
        assert_eq!(app.rpc_with(&rival, endpoint, &args).await.status(), 404, "{endpoint}");
    }
    let acme_org: String = app::ssr::db::query_scalar("SELECT id FROM orgs WHERE slug = 'acme'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(
        app.rpc_with(&rival, "auth/switch_org", &[("org_id", &acme_org)])
            .await
            .status(),
        404
    );
    let members = app.rpc_json(&rival, "team/list", &[]).await;
    assert_eq!(members.as_array().unwrap().len(), 1, "only rival's own owner");
}

/// Every server function, with the least role that may call it. A server function that is
/// not listed here fails this test, so nothing ships without a decision.
const TABLE: &[(&str, Option<Role>)] = &[
    ("/rpc/auth/login", None),
    ("/rpc/auth/logout", None),
    ("/rpc/auth/session", None),
    ("/rpc/auth/check_link", None),
    ("/rpc/auth/set_password", None),
    ("/rpc/auth/forgot_password", None),
    ("/rpc/invite/check", None),
    ("/rpc/invite/accept", None),
    ("/rpc/setup/status", None),
    ("/rpc/setup/complete", None),
    ("/rpc/auth/switch_org", Some(Role::Staff)),
    ("/rpc/auth/change_password", Some(Role::Staff)),
    ("/rpc/team/list", Some(Role::Admin)),
    ("/rpc/audit/chain", Some(Role::Admin)),
    ("/rpc/audit/list", Some(Role::Admin)),
    ("/rpc/team/add", Some(Role::Admin)),
    ("/rpc/team/change_role", Some(Role::Admin)),
    ("/rpc/team/remove", Some(Role::Admin)),
    ("/rpc/team/reset_password", Some(Role::Admin)),
    ("/rpc/team/invitations", Some(Role::Admin)),
    ("/rpc/team/revoke_invite", Some(Role::Admin)),
    ("/rpc/leads/list", Some(Role::Staff)),
    ("/rpc/leads/next_steps", Some(Role::Staff)),
    ("/rpc/leads/get", Some(Role::Staff)),
    ("/rpc/leads/reply", Some(Role::Staff)),
    ("/rpc/leads/update", Some(Role::Staff)),
    ("/rpc/leads/book", Some(Role::Staff)),
    ("/rpc/leads/stats", Some(Role::Staff)),
    ("/rpc/bookings/upcoming", Some(Role::Staff)),
    ("/rpc/bookings/reschedule", Some(Role::Staff)),
    ("/rpc/bookings/cancel", Some(Role::Staff)),
    ("/rpc/quick_replies/get", Some(Role::Admin)),
    ("/rpc/quick_replies/save", Some(Role::Admin)),
    ("/rpc/settings/get", Some(Role::Admin)),
    ("/rpc/settings/save", Some(Role::Admin)),
    ("/rpc/numbers/list", Some(Role::Admin)),
    ("/rpc/numbers/add", Some(Role::Admin)),
    ("/rpc/numbers/update", Some(Role::Admin)),
    ("/rpc/numbers/remove", Some(Role::Admin)),
    ("/rpc/evidence/list", Some(Role::Admin)),
    ("/rpc/evidence/get", Some(Role::Admin)),
    ("/rpc/evidence/rejections", Some(Role::Admin)),
    ("/rpc/evidence/retention", Some(Role::Admin)),
    ("/rpc/api_keys/list", Some(Role::Admin)),
    ("/rpc/api_keys/create", Some(Role::Admin)),
    ("/rpc/api_keys/rotate", Some(Role::Admin)),
    ("/rpc/api_keys/revoke", Some(Role::Admin)),
    ("/rpc/api_keys/reveal", Some(Role::Admin)),
    ("/rpc/billing/page", Some(Role::Owner)),
    ("/rpc/billing/checkout", Some(Role::Owner)),
    ("/rpc/billing/portal", Some(Role::Owner)),
];

/// Well-formed arguments for each server function in the permission matrix, so that a
/// refusal is the role check's and not the argument parser's.
fn matrix_args(endpoint: &str, org: &str, email: &str) -> Vec<(&'static str, String)> {
    let bogus = "usr_00000000000000000000000000000000";
    let token = crate::helpers::form_token();
    let token = token.as_str();
    let args: Vec<(&'static str, &str)> = match endpoint {
        "auth/switch_org" => vec![("org_id", org)],
        "auth/change_password" => vec![
            ("current_password", "not the password"),
            ("new_password", "whatever long enough"),
        ],
        "team/add" => vec![("email", email), ("role", "staff")],
        "team/change_role" => vec![("user_id", bogus), ("role", "staff")],
        "team/remove" | "team/reset_password" => vec![("user_id", bogus)],
        "team/revoke_invite" => vec![("invitation_id", "inv_00000000000000000000000000000000")],
        "leads/get" => vec![("lead_id", "lead_00000000000000000000000000000000")],
        "leads/reply" => vec![
            ("lead_id", "lead_00000000000000000000000000000000"),
            ("body", "hi"),
            ("form_token", token),
        ],
        "leads/update" => vec![
            ("lead_id", "lead_00000000000000000000000000000000"),
            ("status", "new"),
            ("name", ""),
            ("address", ""),
            ("notes", ""),
        ],
        "leads/book" => vec![
            ("lead_id", "lead_00000000000000000000000000000000"),
            ("date", "2099-12-01"),
            ("arrival_start", "08:00"),
            ("arrival_end", "10:00"),
            ("job_type", "no_heat"),
            ("form_token", token),
        ],
        "bookings/reschedule" => vec![
            ("booking_id", "bkg_00000000000000000000000000000000"),
            ("date", "2099-12-01"),
            ("arrival_start", "08:00"),
            ("arrival_end", "10:00"),
            ("form_token", token),
        ],
        "bookings/cancel" => vec![
            ("booking_id", "bkg_00000000000000000000000000000000"),
            ("form_token", token),
        ],
        "quick_replies/save" => vec![("quick_replies", "On our way!\nCan you send a photo?")],
        "settings/save" => crate::settings::DEFAULT_FORM.to_vec(),
        "audit/list" => vec![("action", "settings.changed"), ("from", "2026-01-01")],
        "numbers/add" => crate::numbers::form(&[("number", "(512) 555-0199")]),
        "numbers/update" => crate::numbers::form(&[("number_id", crate::numbers::BOGUS_ID)]),
        "numbers/remove" => vec![("number_id", crate::numbers::BOGUS_ID)],
        "evidence/get" => vec![("event_id", "whk_00000000000000000000000000000000")],
        "evidence/retention" => vec![("retention_days", "180")],
        // a name of its own for each caller (names are unique among an org's keys)
        "api_keys/create" => vec![("name", email), ("scopes", "leads:read")],
        "api_keys/rotate" => vec![("key_id", crate::api_keys::BOGUS_KEY_ID), ("grace_hours", "24")],
        "api_keys/revoke" => vec![("key_id", crate::api_keys::BOGUS_KEY_ID)],
        "api_keys/reveal" => vec![("shown", crate::api_keys::BOGUS_REVEAL)],
        _ => vec![],
    };
    args.into_iter().map(|(k, v)| (k, v.to_owned())).collect()
}

#[tokio::test]
async fn every_server_function_enforces_the_permission_table() {
    let registered: Vec<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(p, _)| p.to_owned())
        .collect();
    for path in &registered {
        assert!(
            TABLE.iter().any(|(p, _)| p == path),
            "server function {path} is missing from the permission table"
        );
    }
    for (path, _) in TABLE {
        assert!(
            registered.iter().any(|p| p == path),
            "{path} is in the table but not registered"
        );
    }

    let app = acme().await;
    let org: String = app::ssr::db::query_scalar("SELECT id FROM orgs")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let mut clients = Vec::new();
    for (role, email) in [
        (Role::Staff, "staff@acme.test"),
        (Role::Admin, "admin@acme.test"),
        (Role::Owner, "owner@acme.test"),
    ] {
        if role != Role::Owner {
            seed_member(&app.db, "acme", email, role).await;
        }
        let c = app.new_client();
        app.sign_in(&c, email).await;
        clients.push((Some(role), c));
    }
    clients.insert(0, (None, app.new_client()));
    for (i, (path, min)) in TABLE.iter().enumerate() {
        let Some(min) = min else { continue };
        let endpoint = path.trim_start_matches("/rpc/");
        for (role, client) in &clients {
            let email = format!("new{i}-{}@acme.test", role.map_or("anon", |r| r.as_str()));
            let owned = matrix_args(endpoint, &org, &email);
            let args: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let status = app.rpc_with(client, endpoint, &args).await.status().as_u16();
            match role {
                None => assert_eq!(status, 401, "{path} anonymous"),
                Some(r) if r < min => assert_eq!(status, 403, "{path} as {r}"),
                Some(r) => assert!(
                    status != 401 && status != 403 && status < 500,
                    "{path} as {r}: {status}"
                ),
            }
        }
    }

    // The plain routes behind sign-in: the live stream and the app pages.
    for (role, client) in &clients {
        let events = client.get(app.url("/app/events")).send().await.unwrap();
        let expected = if role.is_some() { 200 } else { 401 };
        assert_eq!(events.status().as_u16(), expected, "/app/events as {role:?}");
        for page in [
            "/app",
            "/app/team",
            "/app/account",
            "/app/leads/lead_00000000000000000000000000000000",
            "/app/settings",
            "/app/audit",
            "/app/numbers",
            "/app/evidence",
            "/app/api-keys",
            "/app/billing",
        ] {
            let resp = client
                .get(app.url(page))
                .header("accept", "text/html")
                .send()
                .await
                .unwrap();
            match role {
                None => assert_eq!(
                    resp.headers()["location"],
                    format!("/login?next={page}"),
                    "{page} anonymous"
                ),
                Some(r) => {
                    let html = resp.text().await.unwrap();
                    let refused =
                        html.contains("You don&#x27;t have permission") || html.contains("You don't have permission");
                    let should_refuse = (matches!(
                        page,
                        "/app/team"
                            | "/app/settings"
                            | "/app/audit"
                            | "/app/numbers"
                            | "/app/evidence"
                            | "/app/api-keys"
                    ) && *r < Role::Admin)
                        || (page == "/app/billing" && *r < Role::Owner);
                    assert_eq!(refused, should_refuse, "{page} as {r}");
                    assert!(
                        page != "/app/team" || should_refuse || html.contains("staff@acme.test"),
                        "{page} as {r} lists members"
                    );
                }
            }
        }
    }

    // An admin of Acme against the owner of another org: every team function that names a
    // member answers "not found", adding the address only invites it, and the rival owner's
    // account, password and org are untouched.
    seed_org(&app.db, "rival", "Rival HVAC", "+14155550200", &["+14155550201"]).await;
    let rival_owner: String = app::ssr::db::query_scalar("SELECT id FROM users WHERE email = 'owner@rival.test'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let hash_before: String = app::ssr::db::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(&rival_owner)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let admin = &clients[2].1;
    for (endpoint, args) in [
        (
            "team/change_role",
            vec![("user_id", rival_owner.as_str()), ("role", "staff")],
        ),
        ("team/remove", vec![("user_id", rival_owner.as_str())]),
        ("team/reset_password", vec![("user_id", rival_owner.as_str())]),
    ] {
        let status = app.rpc_with(admin, endpoint, &args).await.status();
        assert_eq!(status, 404, "admin of acme: {endpoint} on rival's owner");
    }
    let added = app
        .rpc_with(admin, "team/add", &[("email", "owner@rival.test"), ("role", "staff")])
        .await;
    assert!(added.status().is_success(), "{}", added.status());
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'owner@rival.test'"
        )
        .await,
        1,
        "still only a member of rival"
    );
    let hash_after: String = app::ssr::db::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(&rival_owner)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(hash_before, hash_after);
    let rival = app.new_client();
    app.sign_in(&rival, "owner@rival.test").await;
    let lists = app.rpc_json(admin, "team/list", &[]).await;
    assert!(!lists.to_string().contains(&rival_owner), "{lists}");

    // A member removed while connected: their open stream closes and every function they
    // could call answers as for someone who belongs nowhere.
    let (_, staff) = &clients[1];
    let mut stream = staff.get(app.url("/app/events")).send().await.unwrap();
    assert_eq!(stream.status(), 200);
    let staff_id: String = app::ssr::db::query_scalar("SELECT id FROM users WHERE email = 'staff@acme.test'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let owner = &clients[3].1;
    assert_eq!(
        app.rpc_with(owner, "team/remove", &[("user_id", &staff_id)])
            .await
            .status(),
        200
    );
    let closed = tokio::time::timeout(std::time::Duration::from_secs(6), async {
        while let Ok(Some(_)) = stream.chunk().await {}
    })
    .await;
    assert!(closed.is_ok(), "the removed member's stream stays open");
    for (path, min) in TABLE {
        if min.is_none() {
            continue;
        }
        let endpoint = path.trim_start_matches("/rpc/");
        let owned = matrix_args(endpoint, &org, "removed-invites@acme.test");
        let args: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let status = app.rpc_with(staff, endpoint, &args).await.status().as_u16();
        assert_eq!(status, 403, "{path} for a removed member");
    }
}

#[tokio::test]
async fn staff_reaching_the_team_page_by_url_see_no_members() {
    let app = acme().await;
    seed_member(&app.db, "acme", "staff@acme.test", Role::Staff).await;
    let staff = app.new_client();
    app.sign_in(&staff, "staff@acme.test").await;
    let html = app.html(&staff, "/app/team").await;
    assert!(
        html.contains("You don&#x27;t have permission") || html.contains("You don't have permission"),
        "{html}"
    );
    assert!(!html.contains("owner@acme.test"), "{html}");
}

#[tokio::test]
async fn first_run_setup_needs_the_token_from_the_log() {
    let app = spawn_app().await;
    let token = app
        .setup_token
        .lock()
        .unwrap()
        .clone()
        .expect("a token while no org exists");
    let args = |t: &str| {
        vec![
            ("setup_token", t.to_owned()),
            ("org_name", "First HVAC".to_owned()),
            ("slug", "first".to_owned()),
            ("timezone", "America/Denver".to_owned()),
            ("email", "me@first.test".to_owned()),
            ("password", "first owner password".to_owned()),
        ]
    };
    let wrong: Vec<(&str, String)> = args("not-the-token");
    let wrong: Vec<(&str, &str)> = wrong.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(app.rpc("setup/complete", &wrong).await.status(), 422);
    assert_eq!(app.count("SELECT COUNT(*) FROM orgs").await, 0);
    let right = args(&token);
    let right: Vec<(&str, &str)> = right.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let resp = app.rpc_form(&app.client, "setup/complete", &right).await;
    assert!(resp.status().is_redirection(), "{}", resp.status());
    assert_eq!(
        app.count("SELECT COUNT(*) FROM memberships WHERE role = 'owner'").await,
        1
    );
    // spent
    assert_eq!(
        app.rpc_with(&app.new_client(), "setup/complete", &right).await.status(),
        422
    );
}

#[tokio::test]
async fn a_failed_sign_in_without_javascript_returns_to_the_form_with_a_message() {
    let app = acme().await;
    let client = app.new_client();
    let resp = app
        .rpc_form(
            &client,
            "auth/login",
            &[
                ("email", "owner@acme.test"),
                ("password", "not it at all"),
                ("next", "/app/team"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 302);
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(location, "/login?error=1&next=/app/team");
    let html = app.html(&client, &location).await;
    assert!(
        html.contains("don&#x27;t match an account") || html.contains("don't match an account"),
        "{html}"
    );
    assert_eq!(session_email(&app, &client).await, None);
}
