//! Regression tests for the security review's findings (F2, F3, F4, F5, F7, F8, F9, F10,
//! F14), each against the real server over HTTP. Every one of them failed on the code the
//! review was run against.

use std::time::{Duration, Instant};

use app::domain::Role;

use crate::helpers::{
    seed_member, seed_org, sms, spawn_app, spawn_app_with, spawn_twilio_app, MissedCall, Signing, TestApp, CALLER,
    OFFICE_1, PASSWORD, TRACKED,
};

async fn play(app: &TestApp, steps: &[(&'static str, Vec<(String, String)>)]) {
    for (path, params) in steps {
        let resp = app.post_twilio(path, params, Signing::Valid).await;
        assert_eq!(resp.status(), 200, "{path}");
    }
}

/// Acme with one missed-call lead and a signed-in staff member.
async fn acme_with_lead() -> (TestApp, crate::fake_twilio::FakeTwilio, reqwest::Client, String) {
    let (app, twilio) = spawn_twilio_app(&[("CALLSNARE_PUBLIC_URL", "http://callsnare.test")]).await;
    seed_member(&app.db, "acme", "tech@acme.test", Role::Staff).await;
    play(&app, &MissedCall::new(1, CALLER).sequence()).await;
    twilio.wait_for_sent(1).await;
    let staff = app.new_client();
    app.sign_in(&staff, "tech@acme.test").await;
    let lead_id: String = app::ssr::db::query_scalar("SELECT id FROM leads")
        .fetch_one(&app.db)
        .await
        .unwrap();
    (app, twilio, staff, lead_id)
}

/// What a failed write could have left behind: the lead's editable fields, its timeline and
/// the org's audit trail.
async fn lead_state(app: &TestApp, lead_id: &str) -> (String, String, i64, i64, i64) {
    let (name, status): (Option<String>, String) =
        app::ssr::db::query_as("SELECT name, status FROM leads WHERE id = $1")
            .bind(lead_id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    (
        name.unwrap_or_default(),
        status,
        app.count("SELECT COUNT(*) FROM lead_events").await,
        app.count("SELECT COUNT(*) FROM audit_events WHERE action LIKE 'lead.%'")
            .await,
        app.count("SELECT COUNT(*) FROM bookings").await,
    )
}

// F2 — a refused lead write keeps none of its changes.
#[tokio::test]
async fn a_lead_update_refused_for_its_assignee_saves_nothing() {
    let (app, _twilio, staff, lead_id) = acme_with_lead().await;
    let before = lead_state(&app, &lead_id).await;
    let resp = app
        .rpc_with(
            &staff,
            "leads/update",
            &[
                ("lead_id", &lead_id),
                ("status", "contacted"),
                ("name", "Pat Jones"),
                ("address", "1 Main St"),
                ("notes", "gate code 1234"),
                ("assigned_user_id", "usr_00000000000000000000000000"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 404);
    assert_eq!(lead_state(&app, &lead_id).await, before);
}

// F2 — a booking refused because its confirmation cannot be sent books nothing.
#[tokio::test]
async fn a_booking_refused_for_an_opted_out_customer_books_nothing() {
    let (app, twilio, staff, lead_id) = acme_with_lead().await;
    play(&app, &[sms("SM00000000000000000000000000000102", CALLER, "STOP")]).await;
    let before = lead_state(&app, &lead_id).await;
    let resp = app
        .rpc_with(
            &staff,
            "leads/book",
            &[
                ("lead_id", &lead_id),
                ("date", "2099-12-01"),
                ("arrival_start", "08:00"),
                ("arrival_end", "10:00"),
                ("job_type", "no_heat"),
                ("send_confirmation", "true"),
                ("form_token", &crate::helpers::form_token()),
            ],
        )
        .await;
    assert_eq!(resp.status(), 409);
    assert_eq!(lead_state(&app, &lead_id).await, before);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(twilio.sent().len(), 1, "only the text-back");
}

fn login_from(app: &TestApp, ip: &str, email: &str, password: &str) -> reqwest::RequestBuilder {
    app.new_client()
        .post(app.url("/rpc/auth/login"))
        .header("origin", app.origin())
        .header("x-forwarded-for", ip)
        .form(&[("email", email), ("password", password), ("next", "")])
}

async fn insert_failures(app: &TestApp, email: &str, source: &str, n: usize) {
    let now = chrono_now();
    for i in 0..n {
        app::ssr::db::query("INSERT INTO login_failures (id, email, ip, occurred_at) VALUES ($1, $2, $3, $4)")
            .bind(format!("lfl_{source}_{i}"))
            .bind(email)
            .bind(source)
            .bind(now - 1000)
            .execute(&app.db)
            .await
            .unwrap();
    }
}

fn chrono_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

// F3 — failures from elsewhere never lock the owner out.
#[tokio::test]
async fn an_attacker_who_knows_the_owners_email_cannot_lock_the_owner_out() {
    let app = spawn_app_with(&[("CALLSNARE_TRUSTED_PROXIES", "127.0.0.1")]).await;
    seed_org(&app.db, "acme", "Acme Heating & Air", TRACKED, &[OFFICE_1]).await;
    // 150 failures in the last hour from an attacker's addresses (IPv4 and a whole IPv6 /64)
    insert_failures(&app, "owner@acme.test", "198.51.100.7", 100).await;
    insert_failures(&app, "owner@acme.test", "2001:db8:1:2::/64", 50).await;
    // the attacker's source is refused, right password or not, and refusals are not counted
    for ip in ["198.51.100.7", "198.51.100.7"] {
        let resp = login_from(&app, ip, "owner@acme.test", PASSWORD).send().await.unwrap();
        assert_eq!(resp.status(), 429);
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM login_failures WHERE ip = '198.51.100.7'")
            .await,
        100
    );
    // another address in the attacker's /64 counts as the same source
    let resp = login_from(&app, "2001:db8:1:2:ffff::1", "owner@acme.test", "wrong password!!")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM login_failures WHERE ip = '2001:db8:1:2::/64'")
            .await,
        51
    );
    // the owner, from their own address, still gets in (after at most the capped delay)
    let started = Instant::now();
    let resp = login_from(&app, "203.0.113.20", "owner@acme.test", PASSWORD)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.status());
    assert!(started.elapsed() < Duration::from_secs(10));
}

// F4 — signing in over a signed-in session gets a fresh session id.
#[tokio::test]
async fn signing_in_again_rotates_the_session_id() {
    let app = spawn_app().await;
    seed_org(&app.db, "acme", "Acme Heating & Air", TRACKED, &[OFFICE_1]).await;
    seed_member(&app.db, "acme", "tech@acme.test", Role::Staff).await;
    let login = |email: &'static str, cookie: Option<String>| {
        let app = &app;
        async move {
            let mut req = app
                .client
                .post(app.url("/rpc/auth/login"))
                .header("origin", app.origin())
                .form(&[("email", email), ("password", PASSWORD), ("next", "")]);
            if let Some(c) = cookie {
                req = req.header("cookie", c);
            }
            let resp = req.send().await.unwrap();
            assert!(resp.status().is_success() || resp.status().is_redirection());
            let set = resp.headers()["set-cookie"].to_str().unwrap().to_owned();
            set.split(';').next().unwrap().to_owned()
        }
    };
    let first = login("owner@acme.test", None).await;
    let second = login("owner@acme.test", Some(first.clone())).await;
    assert_ne!(first, second, "same user, new id");
    let third = login("tech@acme.test", Some(second.clone())).await;
    assert_ne!(second, third, "another user, new id");
    // the earlier ids are no sessions any more
    for old in [&first, &second] {
        let resp = app
            .client
            .post(app.url("/rpc/auth/session"))
            .header("origin", app.origin())
            .header("cookie", old.as_str())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.text().await.unwrap(), "null", "{old}");
    }
}

// F5 — a failed sign-in stores a bounded email, and old failures are pruned.
#[tokio::test]
async fn a_failed_sign_in_stores_a_bounded_email_and_old_failures_are_pruned() {
    let app = spawn_app().await;
    seed_org(&app.db, "acme", "Acme Heating & Air", TRACKED, &[OFFICE_1]).await;
    let huge = format!("{}@acme.test", "a".repeat(100_000));
    let resp = app
        .rpc_with(
            &app.new_client(),
            "auth/login",
            &[("email", &huge), ("password", "whatever password"), ("next", "")],
        )
        .await;
    assert!(resp.status().is_client_error(), "{}", resp.status());
    let longest = app
        .count("SELECT CAST(COALESCE(MAX(LENGTH(email)), 0) AS BIGINT) FROM login_failures")
        .await;
    assert!(longest <= 254, "{longest}");
    let audit = app
        .count("SELECT CAST(COALESCE(MAX(LENGTH(metadata)), 0) AS BIGINT) FROM audit_events")
        .await;
    assert!(audit < 1_000, "{audit}");
    insert_failures(&app, "old@acme.test", "198.51.100.1", 3).await;
    app::ssr::db::query("UPDATE login_failures SET occurred_at = 0 WHERE email = 'old@acme.test'")
        .execute(&app.db)
        .await
        .unwrap();
    app::ssr::db::query("UPDATE audit_events SET occurred_at = 0 WHERE action = 'auth.sign_in_failed'")
        .execute(&app.db)
        .await
        .unwrap();
    server::maintenance::run_once(&app.db).await.unwrap();
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'auth.sign_in_failed'")
            .await,
        0
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM login_failures WHERE email = 'old@acme.test'")
            .await,
        0
    );
}

async fn forge_stop(app: &TestApp, signing: Signing) -> reqwest::Response {
    let (path, params) = sms("SM00000000000000000000000000000777", CALLER, "STOP");
    app.post_twilio(path, &params, signing).await
}

// F7 — a sandbox server reachable beyond loopback refuses unsigned callbacks by default.
#[tokio::test]
async fn sandbox_beyond_loopback_refuses_unsigned_callbacks_unless_allowed() {
    let app = spawn_app_with(&[("CALLSNARE_ADDR", "0.0.0.0:0")]).await;
    seed_org(&app.db, "acme", "Acme Heating & Air", TRACKED, &[OFFICE_1]).await;
    assert_eq!(forge_stop(&app, Signing::Missing).await.status(), 403);
    // a signature nobody can check is no better
    assert_eq!(forge_stop(&app, Signing::Wrong).await.status(), 403);
    assert_eq!(app.count("SELECT COUNT(*) FROM opt_outs").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM webhook_events").await, 0);

    let open = spawn_app_with(&[
        ("CALLSNARE_ADDR", "0.0.0.0:0"),
        ("CALLSNARE_ALLOW_UNSIGNED_WEBHOOKS", "1"),
    ])
    .await;
    seed_org(&open.db, "acme", "Acme Heating & Air", TRACKED, &[OFFICE_1]).await;
    assert_eq!(forge_stop(&open, Signing::Missing).await.status(), 200);

    // on loopback (the default) a newcomer's sandbox keeps working unsigned
    let local = spawn_app().await;
    seed_org(&local.db, "acme", "Acme Heating & Air", TRACKED, &[OFFICE_1]).await;
    assert_eq!(forge_stop(&local, Signing::Missing).await.status(), 200);
}

/// Reads a live stream until it ends; `None` if it is still open after `within`.
async fn stream_ends_within(mut resp: reqwest::Response, within: Duration) -> Option<String> {
    let deadline = tokio::time::Instant::now() + within;
    let mut seen = String::new();
    loop {
        match tokio::time::timeout_at(deadline, resp.chunk()).await {
            Err(_) => return None,
            Ok(Ok(Some(bytes))) => seen.push_str(&String::from_utf8_lossy(&bytes)),
            Ok(_) => return Some(seen),
        }
    }
}

async fn open_stream(app: &TestApp, client: &reqwest::Client) -> reqwest::Response {
    let mut resp = client.get(app.url("/app/events")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let first = resp.chunk().await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&first).contains("event: ready"));
    resp
}

// F8 — an open live stream ends when the member is removed, signs out or changes password.
#[tokio::test]
async fn a_removed_members_open_live_stream_ends_within_seconds() {
    let (app, _twilio, staff, _lead_id) = acme_with_lead().await;
    let stream = open_stream(&app, &staff).await;
    let owner = app.new_client();
    app.sign_in(&owner, "owner@acme.test").await;
    let tech: String = app::ssr::db::query_scalar("SELECT id FROM users WHERE email = 'tech@acme.test'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let resp = app.rpc_with(&owner, "team/remove", &[("user_id", &tech)]).await;
    assert_eq!(resp.status(), 200);
    // a lead event right after the removal must not reach the removed member
    play(
        &app,
        &[sms("SM00000000000000000000000000000103", CALLER, "Any update?")],
    )
    .await;
    let seen = stream_ends_within(stream, Duration::from_secs(6))
        .await
        .expect("the stream closes within seconds");
    let lead_events = seen.matches("event: lead").count();
    assert!(lead_events <= 1, "{seen}");
    // and it does not come back
    let again = staff.get(app.url("/app/events")).send().await.unwrap();
    assert_eq!(again.status(), 403);
}

#[tokio::test]
async fn an_open_live_stream_ends_at_sign_out_and_password_change() {
    let (app, _twilio, staff, _lead_id) = acme_with_lead().await;
    // sign-out in the same browser
    let stream = open_stream(&app, &staff).await;
    assert!(app.rpc_with(&staff, "auth/logout", &[]).await.status().is_success());
    assert!(stream_ends_within(stream, Duration::from_secs(6)).await.is_some());
    // a password change elsewhere ends this browser's stream
    let browser = app.new_client();
    app.sign_in(&browser, "tech@acme.test").await;
    let stream = open_stream(&app, &browser).await;
    let other = app.new_client();
    app.sign_in(&other, "tech@acme.test").await;
    let resp = app
        .rpc_with(
            &other,
            "auth/change_password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "a brand new long password"),
            ],
        )
        .await;
    assert!(resp.status().is_success(), "{}", resp.status());
    assert!(stream_ends_within(stream, Duration::from_secs(6)).await.is_some());
}

async fn median_sign_in(app: &TestApp, email: &str, base_ip: u8) -> Duration {
    let mut times = Vec::new();
    for i in 0..5u8 {
        let ip = format!("198.51.{base_ip}.{}", i + 1);
        let started = Instant::now();
        let resp = login_from(app, &ip, email, "not the password at all")
            .send()
            .await
            .unwrap();
        times.push(started.elapsed());
        assert_eq!(resp.status(), 422);
    }
    times.sort();
    times[2]
}

// F9 — an account waiting for its first password answers as slowly as any other.
#[tokio::test]
async fn accounts_without_a_password_yet_take_as_long_to_refuse() {
    let app = spawn_app_with(&[("CALLSNARE_TRUSTED_PROXIES", "127.0.0.1")]).await;
    seed_org(&app.db, "acme", "Acme Heating & Air", TRACKED, &[OFFICE_1]).await;
    app::ssr::db::query("INSERT INTO users (id, email, password_hash, password_changed_at, created_at, updated_at) VALUES ('usr_waiting', 'new@acme.test', '!unset:abc', 0, 0, 0)")
        .execute(&app.db)
        .await
        .unwrap();
    // warm up once
    let _ = median_sign_in(&app, "warm@acme.test", 9).await;
    let with_password = median_sign_in(&app, "owner@acme.test", 10).await;
    let waiting = median_sign_in(&app, "new@acme.test", 11).await;
    assert!(
        waiting * 2 > with_password,
        "waiting {waiting:?} vs with a password {with_password:?}"
    );
}

// F9 — staff do not get the team's emails and ids through a lead page.
#[tokio::test]
async fn staff_see_only_themselves_and_the_assignee_on_a_lead() {
    let (app, _twilio, staff, lead_id) = acme_with_lead().await;
    seed_member(&app.db, "acme", "office@acme.test", Role::Admin).await;
    seed_member(&app.db, "acme", "other-tech@acme.test", Role::Staff).await;
    let detail = app.rpc_json(&staff, "leads/get", &[("lead_id", &lead_id)]).await;
    let emails: Vec<&str> = detail["assignees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails, ["tech@acme.test"]);
    // an admin still picks from the whole team
    let admin = app.new_client();
    app.sign_in(&admin, "office@acme.test").await;
    let detail = app.rpc_json(&admin, "leads/get", &[("lead_id", &lead_id)]).await;
    assert_eq!(detail["assignees"].as_array().unwrap().len(), 4);
}

// F10 — the setup token is claimed once, however many requests race for it.
#[tokio::test]
async fn concurrent_setups_with_the_token_create_one_org() {
    let app = spawn_app().await;
    let token = app.setup_token.lock().unwrap().clone().unwrap();
    let mut handles = Vec::new();
    for i in 0..4 {
        let client = app.new_client();
        let url = app.url("/rpc/setup/complete");
        let origin = app.origin();
        let token = token.clone();
        handles.push(tokio::spawn(async move {
            client
                .post(url)
                .header("origin", origin)
                .form(&[
                    ("setup_token", token.as_str()),
                    ("org_name", &format!("Org {i}")),
                    ("slug", &format!("org-{i}")),
                    ("timezone", "America/Denver"),
                    ("email", &format!("me{i}@first.test")),
                    ("password", "first owner password"),
                ])
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    let mut ok = 0;
    for h in handles {
        if h.await.unwrap().is_success() {
            ok += 1;
        }
    }
    assert_eq!(ok, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM orgs").await, 1);
}

// F14 — session rows hold a derived value, never the password hash.
#[tokio::test]
async fn session_rows_never_hold_the_password_hash() {
    let app = spawn_app().await;
    seed_org(&app.db, "acme", "Acme Heating & Air", TRACKED, &[OFFICE_1]).await;
    let client = app.new_client();
    app.sign_in(&client, "owner@acme.test").await;
    let table = if crate::helpers::on_postgres() {
        r#""tower_sessions"."session""#
    } else {
        "tower_sessions"
    };
    let select = format!("SELECT data FROM {table}");
    let rows: Vec<Vec<u8>> = app::ssr::db::query_scalar(&select).fetch_all(&app.db).await.unwrap();
    assert!(!rows.is_empty());
    let hash: String = app::ssr::db::query_scalar("SELECT password_hash FROM users WHERE email = 'owner@acme.test'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let salt_and_hash = hash.rsplit('$').next().unwrap().to_owned();
    for data in rows {
        let text = String::from_utf8_lossy(&data);
        assert!(!text.contains("$argon2"), "{text}");
        assert!(!text.contains(&salt_and_hash));
    }
}

// F14 — a callback is matched to a call only within the tracked number's org.
#[tokio::test]
async fn the_same_call_sid_at_two_orgs_is_two_calls() {
    let (app, twilio) = spawn_twilio_app(&[]).await;
    seed_org(&app.db, "rival", "Rival HVAC", "+14155550200", &["+14155550201"]).await;
    play(&app, &MissedCall::new(7, CALLER).sequence()).await;
    let mut rival = MissedCall::new(7, "+14155559876").sequence();
    for (_, params) in rival.iter_mut() {
        for (k, v) in params.iter_mut() {
            if k == "To" || k == "Called" {
                *v = "+14155550200".into();
            }
        }
    }
    // the second org's callbacks carry the same CallSid: its own call, not a replay
    play(&app, &rival).await;
    let per_org: Vec<(String, i64)> = app::ssr::db::query_as(
        "SELECT o.slug, COUNT(c.id) FROM orgs o LEFT JOIN calls c ON c.org_id = o.id GROUP BY o.slug ORDER BY o.slug",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(per_org, [("acme".to_owned(), 1), ("rival".to_owned(), 1)]);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM calls c JOIN leads l ON l.id = c.lead_id AND l.org_id = c.org_id")
            .await,
        2
    );
    let _ = twilio;
}

// F3 — a wide attack (many sources) on one account caps its guesses, but the owner still
// signs in from a place they signed in from before.
#[tokio::test]
async fn a_wide_attack_caps_guesses_yet_the_owner_signs_in_from_a_known_place() {
    let app = spawn_app_with(&[("CALLSNARE_TRUSTED_PROXIES", "127.0.0.1")]).await;
    seed_org(&app.db, "acme", "Acme Heating & Air", TRACKED, &[OFFICE_1]).await;
    // the owner's office, used before the attack
    let resp = login_from(&app, "203.0.113.20", "owner@acme.test", PASSWORD)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success());
    for i in 0..100u32 {
        insert_failures(&app, "owner@acme.test", &format!("2001:db8:{i:x}::/64"), 10).await;
    }
    // a new source: refused outright, even with the right password, and not recorded
    let before = app.count("SELECT COUNT(*) FROM login_failures").await;
    let resp = login_from(&app, "2001:db8:ffff::1", "owner@acme.test", PASSWORD)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 429);
    assert_eq!(app.count("SELECT COUNT(*) FROM login_failures").await, before);
    // the office still works
    let resp = login_from(&app, "203.0.113.20", "owner@acme.test", PASSWORD)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.status());
}

// F1/F5 — a held mail's link does not outlive the link itself in the store.
#[tokio::test]
async fn a_held_mail_loses_its_link_once_the_link_is_dead() {
    let app = spawn_app().await;
    seed_org(&app.db, "acme", "Acme Heating & Air", TRACKED, &[OFFICE_1]).await;
    let owner = app.new_client();
    app.sign_in(&owner, "owner@acme.test").await;
    for email in ["first@acme.test", "second@acme.test"] {
        let resp = app
            .rpc_with(&owner, "team/add", &[("email", email), ("role", "staff")])
            .await;
        assert!(resp.status().is_success(), "{}", resp.status());
    }
    // the first invitation is withdrawn: its mail's link is dead
    let invitation: String = app::ssr::db::query_scalar("SELECT id FROM invitations WHERE email = 'first@acme.test'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let resp = app
        .rpc_with(&owner, "team/revoke_invite", &[("invitation_id", &invitation)])
        .await;
    assert!(resp.status().is_success(), "{}", resp.status());
    server::maintenance::run_once(&app.db).await.unwrap();
    let bodies: Vec<(String, String)> =
        app::ssr::db::query_as("SELECT to_address, body FROM mail_outbox ORDER BY to_address")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(bodies[0].0, "first@acme.test");
    assert_eq!(bodies[0].1, "", "a dead link is not kept");
    assert!(bodies[1].1.contains("/invite?token="), "a live one waits for delivery");
    // and the operator's list shows only live links
    let mut conn = app.db.acquire().await.unwrap();
    let held = app::ssr::db::mail_outbox::list_held(&mut conn, None, chrono_now())
        .await
        .unwrap();
    let to: Vec<&str> = held.iter().map(|m| m.to_address.as_str()).collect();
    assert_eq!(to, ["second@acme.test"]);
}

// F1 — an org cannot flood a mailbox with invitations.
#[tokio::test]
async fn invitations_to_one_address_are_limited() {
    let app = spawn_app().await;
    seed_org(&app.db, "acme", "Acme Heating & Air", TRACKED, &[OFFICE_1]).await;
    let owner = app.new_client();
    app.sign_in(&owner, "owner@acme.test").await;
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let resp = app
            .rpc_with(
                &owner,
                "team/add",
                &[("email", "target@elsewhere.test"), ("role", "staff")],
            )
            .await;
        statuses.push(resp.status().as_u16());
    }
    assert_eq!(statuses, [200, 200, 200, 429, 429]);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM mail_outbox WHERE to_address = 'target@elsewhere.test'")
            .await,
        3
    );
}
