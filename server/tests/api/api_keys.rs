//! API keys end to end, over real HTTP and the real binary: made on the page (the secret
//! shown once, to its maker only, never in a URL, and waiting for that view in the database
//! only sealed) and at the command line (the secret alone on the last line), listed,
//! rotated with a grace, revoked (at once on this server, within the cache's 5 s from
//! another process); every refused key answered 401 with a Bearer challenge, a missing
//! scope 403 naming it, another org's data out of reach, the per-key rate limit, live and
//! test keys kept apart; and no secret in the database file, its WAL, the audit trail or
//! the server's log.

use std::{
    path::{Path, PathBuf},
    process::{Command, Output, Stdio},
    time::Duration,
};

use app::{
    domain::{
        api_key::{self, KeyMode},
        ids::{LeadId, OrgId},
        scope::Scope,
        OrgSlug, Role,
    },
    ssr::{
        clock::now_ms,
        db::{self, orgs},
        services::api_keys::{self, KeyAdmin, Keyring, NewKey},
    },
};
use secrecy::ExposeSecret;
use serde_json::Value;

use crate::helpers::{seed_member, seed_org, spawn_app, spawn_app_with, TestApp, OFFICE_1, TRACKED};

/// A well-formed key id that is nobody's.
pub const BOGUS_KEY_ID: &str = "key_00000000000000000000000000000000";
/// A well-formed reveal id that holds nothing.
pub const BOGUS_REVEAL: &str = "0000000000000000000000000000000000000000000000000000000000000000";

const RIVAL_NUMBER: &str = "+14155550200";

/// Acme (owner, an admin and a staff member) and Rival, on an app with the given settings.
async fn two_orgs(extra: &[(&str, &str)]) -> TestApp {
    let app = spawn_app_with(extra).await;
    seed_org(&app.db, "acme", "Acme Heating & Air", TRACKED, &[OFFICE_1]).await;
    seed_org(&app.db, "rival", "Rival HVAC", RIVAL_NUMBER, &["+14155550201"]).await;
    seed_member(&app.db, "acme", "admin@acme.test", Role::Admin).await;
    seed_member(&app.db, "acme", "tech@acme.test", Role::Staff).await;
    app
}

async fn signed_in(app: &TestApp, email: &str) -> reqwest::Client {
    let client = app.new_client();
    app.sign_in(&client, email).await;
    client
}

/// A key made straight through the use-case (as the command line does), in `live` mode or
/// not: its id and the whole key.
async fn issue(app: &TestApp, slug: &str, name: &str, scopes: &[Scope], live: bool) -> (String, String) {
    let ring = Keyring::load(&app.db, live).await.unwrap();
    let org = {
        let mut conn = app.db.acquire().await.unwrap();
        orgs::find_by_slug(&mut conn, &OrgSlug::parse(slug).unwrap())
            .await
            .unwrap()
            .unwrap()
    };
    let admin = KeyAdmin::cli(OrgId::parse(&org.id).unwrap());
    let new = NewKey {
        name: name.into(),
        scopes: scopes.to_vec(),
        expires_in_days: None,
    };
    let mut tx = db::begin_write(&app.db).await.unwrap();
    let issued = api_keys::issue(&mut tx, &admin, &ring, &new, now_ms()).await.unwrap();
    tx.commit().await.unwrap();
    (issued.id.to_string(), issued.token.expose_secret().to_owned())
}

async fn api_get(app: &TestApp, path: &str, key: Option<&str>) -> reqwest::Response {
    let mut req = reqwest::Client::new().get(app.url(path));
    if let Some(key) = key {
        req = req.bearer_auth(key);
    }
    req.send().await.unwrap()
}

async fn status(app: &TestApp, path: &str, key: &str) -> u16 {
    api_get(app, path, Some(key)).await.status().as_u16()
}

/// A refusal of the key: 401, a Bearer challenge (naming `invalid_token` when a key was
/// `given`), the one error shape.
async fn assert_refused(resp: reqwest::Response, given: bool, what: &str) {
    assert_eq!(resp.status(), 401, "{what}");
    let challenge = resp
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    assert!(
        challenge.starts_with("Bearer realm=\"callsnare\""),
        "{what}: {challenge:?}"
    );
    assert_eq!(
        challenge.contains("error=\"invalid_token\""),
        given,
        "{what}: {challenge}"
    );
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthorized", "{what}: {body}");
    assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
}

/// Every whole, well-formed key in `text`.
pub fn keys_in(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for mode in [KeyMode::Live, KeyMode::Test] {
        let mut from = 0;
        while let Some(at) = text[from..].find(mode.token_prefix()) {
            let start = from + at;
            if let Some(candidate) = text.get(start..start + api_key::TOKEN_LEN) {
                if api_key::check(candidate).is_ok() {
                    found.push(candidate.to_owned());
                }
            }
            from = start + mode.token_prefix().len();
        }
    }
    found
}

/// Whether `haystack` holds any part of `key`'s secret (everything after its visible
/// prefix), checked in three overlapping 16-character pieces.
fn holds_secret(haystack: &[u8], key: &str) -> bool {
    let secret = &key.as_bytes()[api_key::VISIBLE_PREFIX_LEN..];
    [&secret[..16], &secret[14..30], &secret[secret.len() - 16..]]
        .iter()
        .any(|piece| haystack.windows(piece.len()).any(|w| w == *piece))
}

/// The database file and its WAL and shared-memory files, as bytes on disk.
fn database_files(db_file: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    ["", "-wal", "-shm"]
        .iter()
        .map(|suffix| PathBuf::from(format!("{}{suffix}", db_file.display())))
        .filter_map(|p| std::fs::read(&p).ok().map(|bytes| (p, bytes)))
        .collect()
}

fn test_db_file(app: &TestApp) -> PathBuf {
    app._dir.path().join("nested/dir/callsnare.db")
}

/// Everything the app's database holds, as bytes: its SQLite files, or on PostgreSQL a
/// `pg_dump` of the data (the server's own files are another user's to read).
fn stored_bytes(app: &TestApp) -> Vec<(PathBuf, Vec<u8>)> {
    if !crate::helpers::on_postgres() {
        return database_files(&test_db_file(app));
    }
    let out = Command::new("pg_dump")
        .args(["--data-only", "--no-owner", &app.database_url])
        .output()
        .expect("pg_dump runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    vec![(PathBuf::from("pg_dump"), out.stdout)]
}

/// Polls until `path` answers `expected` with `key` (up to 8 s: the cache holds a key's
/// state for at most 5 s).
async fn eventually_status(app: &TestApp, path: &str, key: &str, expected: u16, what: &str) {
    for _ in 0..80 {
        if status(app, path, key).await == expected {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what}: {path} never answered {expected}");
}

/// `callsnare …` against `db_file`, off the runtime's thread.
async fn callsnare(database_url: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_callsnare"));
    cmd.args(args)
        .env_clear()
        .env("DATABASE_URL", database_url)
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    for (k, v) in env {
        cmd.env(k, v);
    }
    tokio::task::spawn_blocking(move || cmd.output().expect("callsnare runs"))
        .await
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The last line of a command's output: where the secret goes.
fn last_line(o: &Output) -> String {
    stdout(o).lines().last().unwrap_or_default().to_owned()
}

async fn audit_rows(app: &TestApp, action: &str) -> Vec<(String, Option<String>, Option<String>, String)> {
    app::ssr::db::query_as(
        "SELECT actor_kind, actor_id, target_id, metadata FROM audit_events WHERE action = $1 \
         ORDER BY occurred_at, id",
    )
    .bind(action)
    .fetch_all(&app.db)
    .await
    .unwrap()
}

async fn seed_lead(app: &TestApp, slug: &str, caller: &str) -> String {
    let id = LeadId::new();
    let now = now_ms();
    app::ssr::db::query(
        "INSERT INTO leads (id, org_id, caller_number, source, last_activity_at, created_at, updated_at) \
         SELECT $1, id, $2, 'missed_call', $3, $3, $3 FROM orgs WHERE slug = $4",
    )
    .bind(id.as_str())
    .bind(caller)
    .bind(now)
    .bind(slug)
    .execute(&app.db)
    .await
    .unwrap();
    id.to_string()
}

#[tokio::test]
async fn a_key_made_on_the_page_is_shown_once_to_its_maker_and_works_on_the_api() {
    let app = two_orgs(&[]).await;
    let owner = signed_in(&app, "owner@acme.test").await;
    let admin = signed_in(&app, "admin@acme.test").await;

    let resp = app
        .rpc_form(
            &owner,
            "api_keys/create",
            &[
                ("name", "  Zapier "),
                ("leads_read", "1"),
                ("messages_send", "1"),
                ("expires_in_days", ""),
            ],
        )
        .await;
    assert!(resp.status().is_redirection(), "{}", resp.status());
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with("/app/api-keys?shown=") && location.ends_with("#new-key"),
        "{location}"
    );
    assert!(
        !location.contains("cs_"),
        "the secret never travels in a URL: {location}"
    );
    let page = location.trim_end_matches("#new-key").to_owned();
    // The secret waits in the database under the hash of the token the URL names (never
    // the token itself), for its maker.
    let token = page.split_once("shown=").unwrap().1;
    let waiting: Vec<(String, String)> = app::ssr::db::query_as("SELECT id, user_id FROM api_key_reveals")
        .fetch_all(&app.db)
        .await
        .unwrap();
    let owner_id: String = app::ssr::db::query_scalar("SELECT id FROM users WHERE email = 'owner@acme.test'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(waiting, [(app::ssr::auth::tokens::hash(token), owner_id.clone())]);

    // Someone else holding the link sees no secret (and does not use it up).
    let theirs = app.html(&admin, &page).await;
    assert!(keys_in(&theirs).is_empty());
    // Its maker sees it once, and only once.
    let html = app.html(&owner, &page).await;
    let shown = keys_in(&html);
    assert_eq!(shown.len(), 1, "the new key appears exactly once on the page: {html}");
    let key = shown[0].clone();
    assert!(key.starts_with("cs_test_"), "sandbox keys are test keys");
    assert!(html.contains("Copy it now"));
    let again = app.html(&owner, &page).await;
    assert!(keys_in(&again).is_empty(), "shown once, never again");
    assert!(again.contains("shown once already"));
    let left: i64 = app::ssr::db::query_scalar("SELECT COUNT(*) FROM api_key_reveals")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(left, 0, "taken out of the database when shown");

    // It works on the API, for its org.
    assert_eq!(status(&app, "/api/v1/leads", &key).await, 200);

    // Listed with its name, visible prefix, scopes and state; the secret nowhere.
    let list = app.html(&owner, "/app/api-keys").await;
    for expected in [
        "Zapier",
        &key[..12],
        "leads:read",
        "messages:send",
        "Active",
        "owner@acme.test",
    ] {
        assert!(list.contains(expected), "the list shows {expected}");
    }
    assert!(keys_in(&list).is_empty());
    let listed = app.rpc_json(&owner, "api_keys/list", &[]).await;
    assert_eq!(listed["keys"][0]["name"], "Zapier");
    assert_eq!(listed["keys"][0]["state"], "active");
    assert_eq!(
        listed["keys"][0]["scopes"],
        serde_json::json!(["leads:read", "messages:send"])
    );
    assert_eq!(listed["mode"], "test");
    assert!(!listed.to_string().contains(&key[12..]));

    // One audit record, by the owner, naming the key, holding no secret.
    let created = audit_rows(&app, "api_key.created").await;
    assert_eq!(created.len(), 1);
    let (kind, actor, target, metadata) = &created[0];
    assert_eq!((kind.as_str(), actor.as_deref()), ("user", Some(owner_id.as_str())));
    let key_id: String = app::ssr::db::query_scalar("SELECT id FROM api_keys WHERE name = 'Zapier'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(target.as_deref(), Some(key_id.as_str()));
    let metadata: Value = serde_json::from_str(metadata).unwrap();
    assert_eq!(metadata["name"], "Zapier");
    assert_eq!(metadata["prefix"], &key[..12]);
    assert_eq!(metadata["scopes"], serde_json::json!(["leads:read", "messages:send"]));
    assert!(!holds_secret(metadata.to_string().as_bytes(), &key));
    // The audit viewer names the key.
    let trail = app
        .rpc_json(&owner, "audit/list", &[("action", "api_key.created")])
        .await;
    assert!(trail.to_string().contains("API key “Zapier”"), "{trail}");
}

#[tokio::test]
async fn every_refused_key_gets_401_with_a_bearer_challenge() {
    let app = two_orgs(&[]).await;
    let owner = signed_in(&app, "owner@acme.test").await;
    let (_, good) = issue(&app, "acme", "Good", &[Scope::LeadsRead], false).await;
    assert_eq!(status(&app, "/api/v1/leads", &good).await, 200);

    assert_refused(api_get(&app, "/api/v1/leads", None).await, false, "no key").await;
    let basic = reqwest::Client::new()
        .get(app.url("/api/v1/leads"))
        .header("authorization", "Basic dXNlcjpwYXNz")
        .send()
        .await
        .unwrap();
    assert_refused(basic, true, "another scheme").await;
    assert_refused(
        api_get(&app, "/api/v1/leads", Some("not-a-key")).await,
        true,
        "malformed",
    )
    .await;
    let mut typo = good.clone();
    let i = 30;
    let swapped = if &good[i..=i] == "a" { "b" } else { "a" };
    typo.replace_range(i..=i, swapped);
    assert_eq!(api_key::check(&typo), Err(api_key::KeyFormatError::Checksum));
    assert_refused(
        api_get(&app, "/api/v1/leads", Some(typo.as_str())).await,
        true,
        "bad checksum",
    )
    .await;
    let stranger = Keyring::new(b"another instance", KeyMode::Test).mint();
    assert_refused(
        api_get(&app, "/api/v1/leads", Some(stranger.token.expose_secret())).await,
        true,
        "unknown",
    )
    .await;
    let (_, live) = issue(&app, "acme", "Live one", &[Scope::LeadsRead], true).await;
    assert_refused(
        api_get(&app, "/api/v1/leads", Some(live.as_str())).await,
        true,
        "a live key on a sandbox server",
    )
    .await;

    // Expired: past its expiry (set in the store before its first use).
    let (expired_id, expired) = issue(&app, "acme", "Old", &[Scope::LeadsRead], false).await;
    app::ssr::db::query("UPDATE api_keys SET expires_at = $1 WHERE id = $2")
        .bind(now_ms() - 1_000)
        .bind(&expired_id)
        .execute(&app.db)
        .await
        .unwrap();
    assert_refused(
        api_get(&app, "/api/v1/leads", Some(expired.as_str())).await,
        true,
        "expired",
    )
    .await;

    // Revoked on the page: refused at once (the key was just used, so it was cached).
    let (revoked_id, revoked) = issue(&app, "acme", "Gone", &[Scope::LeadsRead], false).await;
    assert_eq!(status(&app, "/api/v1/leads", &revoked).await, 200);
    let resp = app
        .rpc_with(&owner, "api_keys/revoke", &[("key_id", revoked_id.as_str())])
        .await;
    assert_eq!(resp.status(), 200);
    assert_refused(
        api_get(&app, "/api/v1/leads", Some(revoked.as_str())).await,
        true,
        "revoked",
    )
    .await;
    // revoked is final
    let again = app
        .rpc_with(&owner, "api_keys/revoke", &[("key_id", revoked_id.as_str())])
        .await;
    assert_eq!(again.status(), 409);
    let revoked_rows = audit_rows(&app, "api_key.revoked").await;
    assert_eq!(revoked_rows.len(), 1);
    assert_eq!(revoked_rows[0].2.as_deref(), Some(revoked_id.as_str()));

    // The good key is untouched by all of this.
    assert_eq!(status(&app, "/api/v1/leads", &good).await, 200);
}

#[tokio::test]
async fn a_key_without_the_scope_gets_403_naming_it() {
    let app = two_orgs(&[]).await;
    let (_, key) = issue(&app, "acme", "Reader", &[Scope::LeadsRead], false).await;
    let resp = api_get(&app, "/api/v1/audit-events", Some(key.as_str())).await;
    assert_eq!(resp.status(), 403);
    let challenge = resp.headers()["www-authenticate"].to_str().unwrap().to_owned();
    assert!(
        challenge.contains("insufficient_scope") && challenge.contains("audit:read"),
        "{challenge}"
    );
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "insufficient_scope");
    assert_eq!(body["error"]["scope"], "audit:read");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("audit:read"),
        "{body}"
    );
    assert_eq!(status(&app, "/api/v1/leads", &key).await, 200);
}

#[tokio::test]
async fn a_key_of_one_org_never_reaches_another_orgs_data() {
    let app = two_orgs(&[]).await;
    let ours = seed_lead(&app, "acme", "+14155552671").await;
    let theirs = seed_lead(&app, "rival", "+14155552672").await;
    let (_, key) = issue(&app, "acme", "Acme sync", &[Scope::LeadsRead], false).await;
    let list = api_get(&app, "/api/v1/leads", Some(key.as_str())).await;
    assert_eq!(list.status(), 200);
    let list = list.text().await.unwrap();
    assert!(list.contains(&ours), "{list}");
    assert!(!list.contains(&theirs) && !list.contains("+14155552672"), "{list}");
    assert_eq!(status(&app, &format!("/api/v1/leads/{ours}"), &key).await, 200);
    let resp = api_get(&app, &format!("/api/v1/leads/{theirs}"), Some(key.as_str())).await;
    assert_eq!(resp.status(), 404, "another org's lead is not found");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
    let unknown = LeadId::new();
    let resp = api_get(&app, &format!("/api/v1/leads/{unknown}"), Some(key.as_str())).await;
    assert_eq!(resp.status(), 404);
    assert_eq!(
        resp.json::<Value>().await.unwrap(),
        body,
        "indistinguishable from an id that does not exist"
    );
}

#[tokio::test]
async fn a_rotated_key_works_until_its_grace_ends() {
    let app = two_orgs(&[]).await;
    let owner = signed_in(&app, "owner@acme.test").await;
    let (key_id, first) = issue(&app, "acme", "Rotating", &[Scope::LeadsRead], false).await;
    assert_eq!(status(&app, "/api/v1/leads", &first).await, 200);

    // Rotated with an hour of grace (a caller that is not a browser form gets the secret).
    let rotated = app
        .rpc_json(
            &owner,
            "api_keys/rotate",
            &[("key_id", key_id.as_str()), ("grace_hours", "1")],
        )
        .await;
    let second = rotated["secret"].as_str().unwrap().to_owned();
    assert!(api_key::check(&second).is_ok() && second != first);
    assert_eq!(rotated["id"], key_id.as_str(), "a key keeps its id through rotations");
    assert!(rotated["previous_until"].as_i64().unwrap() > now_ms() + 3_500_000);
    assert_eq!(status(&app, "/api/v1/leads", &second).await, 200);
    assert_eq!(
        status(&app, "/api/v1/leads", &first).await,
        200,
        "the earlier secret during its grace"
    );
    let listed = app.rpc_json(&owner, "api_keys/list", &[]).await;
    assert_eq!(listed["keys"][0]["state"], "rotating");
    assert_eq!(listed["keys"][0]["previous_prefix"], &first[..12]);
    let rotated_rows = audit_rows(&app, "api_key.rotated").await;
    assert_eq!(rotated_rows.len(), 1);
    let metadata: Value = serde_json::from_str(&rotated_rows[0].3).unwrap();
    assert_eq!(metadata["grace_hours"], 1);
    assert_eq!(metadata["previous_prefix"], &first[..12]);
    assert_eq!(metadata["prefix"], &second[..12]);

    // The grace ends (moved to the past in the store): the earlier secret is refused.
    app::ssr::db::query("UPDATE api_keys SET previous_expires_at = $1 WHERE id = $2")
        .bind(now_ms() - 1)
        .bind(&key_id)
        .execute(&app.db)
        .await
        .unwrap();
    eventually_status(&app, "/api/v1/leads", &first, 401, "the earlier secret after its grace").await;
    assert_eq!(status(&app, "/api/v1/leads", &second).await, 200);

    // Rotated without grace on the page: the earlier secret stops at once.
    let third = app
        .rpc_json(
            &owner,
            "api_keys/rotate",
            &[("key_id", key_id.as_str()), ("grace_hours", "0")],
        )
        .await;
    let third = third["secret"].as_str().unwrap().to_owned();
    assert_refused(
        api_get(&app, "/api/v1/leads", Some(second.as_str())).await,
        true,
        "no grace",
    )
    .await;
    assert_eq!(status(&app, "/api/v1/leads", &third).await, 200);

    // A browser form is sent to the page, which shows the new secret once.
    let resp = app
        .rpc_form(
            &owner,
            "api_keys/rotate",
            &[("key_id", key_id.as_str()), ("grace_hours", "")],
        )
        .await;
    assert!(resp.status().is_redirection());
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    let html = app.html(&owner, location.trim_end_matches("#new-key")).await;
    let shown = keys_in(&html);
    assert_eq!(shown.len(), 1, "{html}");
    assert!(html.contains("keeps working until"), "24 h of grace by default");
    assert_eq!(status(&app, "/api/v1/leads", &shown[0]).await, 200);
    assert_eq!(status(&app, "/api/v1/leads", &third).await, 200);
}

#[tokio::test]
async fn scopes_are_limited_by_the_role_of_whoever_makes_the_key() {
    let app = two_orgs(&[]).await;
    let owner = signed_in(&app, "owner@acme.test").await;
    let admin = signed_in(&app, "admin@acme.test").await;
    let staff = signed_in(&app, "tech@acme.test").await;
    let count = || async { app.count("SELECT COUNT(*) FROM api_keys").await };

    // Staff make no keys at all.
    let resp = app
        .rpc_with(&staff, "api_keys/create", &[("name", "Mine"), ("scopes", "leads:read")])
        .await;
    assert_eq!(resp.status(), 403);
    // An admin cannot give billing:read (owners only), nor slip it in by checkbox.
    for form in [
        vec![("name", "Books"), ("scopes", "leads:read,billing:read")],
        vec![("name", "Books"), ("leads_read", "1"), ("billing_read", "1")],
    ] {
        let resp = app.rpc_with(&admin, "api_keys/create", &form).await;
        assert_eq!(resp.status(), 403, "{form:?}");
    }
    assert_eq!(count().await, 0, "nothing stored");
    // Bad input is refused naming the field.
    let resp = app.rpc_with(&admin, "api_keys/create", &[("name", "")]).await;
    assert_eq!(resp.status(), 422);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["Validation"]["field"], "name");
    let resp = app
        .rpc_with(
            &admin,
            "api_keys/create",
            &[("name", "Odd"), ("scopes", "leads:delete")],
        )
        .await;
    assert_eq!(resp.status(), 422);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["Validation"]["field"], "scopes");
    assert_eq!(count().await, 0);

    // The owner may; the admin may then revoke that key but not rotate it (which would hand
    // them a secret with a scope their role lacks).
    let made = app
        .rpc_json(&owner, "api_keys/create", &[("name", "Books"), ("billing_read", "1")])
        .await;
    assert_eq!(made["scopes"], serde_json::json!(["billing:read"]));
    let id = made["id"].as_str().unwrap().to_owned();
    let admin_page = app.rpc_json(&admin, "api_keys/list", &[]).await;
    assert_eq!(admin_page["keys"][0]["can_rotate"], false);
    let billing_choice = admin_page["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == "billing:read")
        .unwrap()
        .clone();
    assert_eq!(billing_choice["grantable"], false);
    let resp = app
        .rpc_with(
            &admin,
            "api_keys/rotate",
            &[("key_id", id.as_str()), ("grace_hours", "0")],
        )
        .await;
    assert_eq!(resp.status(), 403);
    let resp = app
        .rpc_with(&admin, "api_keys/revoke", &[("key_id", id.as_str())])
        .await;
    assert_eq!(resp.status(), 200);

    // Another org's key is not found.
    let (rival_key, _) = issue(&app, "rival", "Theirs", &[Scope::LeadsRead], false).await;
    for endpoint in ["api_keys/rotate", "api_keys/revoke"] {
        let resp = app.rpc_with(&owner, endpoint, &[("key_id", rival_key.as_str())]).await;
        assert_eq!(resp.status(), 404, "{endpoint}");
    }
    let listed = app.rpc_json(&owner, "api_keys/list", &[]).await;
    assert!(!listed.to_string().contains(&rival_key));
}

#[tokio::test]
async fn the_rate_limit_is_per_key_and_answers_429_with_retry_after() {
    let app = two_orgs(&[("CALLSNARE_API_RATE", "1"), ("CALLSNARE_API_BURST", "2")]).await;
    let (_, a) = issue(&app, "acme", "Busy", &[Scope::LeadsRead], false).await;
    let (_, b) = issue(&app, "acme", "Quiet", &[Scope::LeadsRead], false).await;
    assert_eq!(status(&app, "/api/v1/leads", &a).await, 200);
    assert_eq!(status(&app, "/api/v1/leads", &a).await, 200);
    let resp = api_get(&app, "/api/v1/leads", Some(a.as_str())).await;
    assert_eq!(resp.status(), 429);
    assert_eq!(resp.headers()["retry-after"], "1");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    assert_eq!(
        status(&app, "/api/v1/leads", &b).await,
        200,
        "another key has its own bucket"
    );
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    assert_eq!(status(&app, "/api/v1/leads", &a).await, 200, "after Retry-After");
}

#[tokio::test]
async fn a_live_server_takes_live_keys_only() {
    let app = two_orgs(&[
        ("CALLSNARE_LIVE", "1"),
        ("CALLSNARE_PUBLIC_URL", "https://callsnare.test"),
        ("TWILIO_ACCOUNT_SID", crate::fake_twilio::ACCOUNT_SID),
        ("TWILIO_AUTH_TOKEN", crate::fake_twilio::AUTH_TOKEN),
        ("STRIPE_WEBHOOK_SECRET", "whsec_abcdefghij"),
        (
            "CALLSNARE_SESSION_SECRET",
            "a session secret of at least thirty-two characters",
        ),
    ])
    .await;
    let (_, live) = issue(&app, "acme", "Live", &[Scope::LeadsRead], true).await;
    let (_, test) = issue(&app, "acme", "Test", &[Scope::LeadsRead], false).await;
    assert!(live.starts_with("cs_live_") && test.starts_with("cs_test_"));
    assert_eq!(status(&app, "/api/v1/leads", &live).await, 200);
    assert_refused(
        api_get(&app, "/api/v1/leads", Some(test.as_str())).await,
        true,
        "a test key on a live server",
    )
    .await;
}

#[tokio::test]
async fn unknown_api_paths_and_oversized_bodies_get_the_json_error_shape() {
    let app = spawn_app().await;
    let resp = reqwest::Client::new()
        .get(app.url("/api/v1/no-such-thing"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");

    let resp = reqwest::Client::new()
        .post(app.url("/api/v1/leads"))
        .header("content-type", "application/json")
        .body(vec![b' '; 70 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "payload_too_large");
}

#[tokio::test]
async fn the_command_line_creates_lists_rotates_and_revokes_keys_a_running_server_honours() {
    let app = two_orgs(&[]).await;
    let db_file = app.database_url.clone();

    let out = callsnare(
        &db_file,
        &[
            "api-key",
            "create",
            "--org",
            "acme",
            "--name",
            "Nightly export",
            "--scopes",
            "leads:read,audit:read",
            "--expires-in-days",
            "30",
        ],
        &[],
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let first = last_line(&out);
    assert!(
        first.starts_with("cs_test_") && api_key::check(&first).is_ok(),
        "{first}"
    );
    assert_eq!(stdout(&out).matches(&first[12..]).count(), 1, "printed once");
    assert!(!stderr(&out).contains(&first[12..]));
    assert_eq!(status(&app, "/api/v1/leads", &first).await, 200);
    assert_eq!(status(&app, "/api/v1/audit-events", &first).await, 200);

    let listed = callsnare(&db_file, &["api-key", "list", "--org", "acme", "--json"], &[]).await;
    assert!(listed.status.success(), "{}", stderr(&listed));
    let keys: Value = serde_json::from_str(stdout(&listed).trim()).unwrap();
    let keys = keys.as_array().expect("one JSON array");
    assert_eq!(keys.len(), 1);
    let key = &keys[0];
    let id = key["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("key_"));
    assert_eq!(key["name"], "Nightly export");
    assert_eq!(key["prefix"], &first[..12]);
    assert_eq!(key["scopes"], serde_json::json!(["leads:read", "audit:read"]));
    assert_eq!(key["state"], "active");
    assert!(key["created"].as_str().unwrap().ends_with('Z'));
    assert!(key["expires"].as_str().is_some());
    assert!(key.get("last_used").is_some(), "{key}");
    assert!(!stdout(&listed).contains(&first[12..]));

    let out = callsnare(
        &db_file,
        &[
            "api-key",
            "rotate",
            "--org",
            "acme",
            "--id",
            id.as_str(),
            "--grace-hours",
            "2",
        ],
        &[],
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let second = last_line(&out);
    assert!(api_key::check(&second).is_ok() && second != first);
    assert!(stdout(&out).contains("keeps working until"));
    assert_eq!(status(&app, "/api/v1/leads", &second).await, 200);
    eventually_status(&app, "/api/v1/leads", &first, 200, "the earlier secret in its grace").await;

    // Revoked from another process: this server sees it within its cache's 5 s.
    let out = callsnare(
        &db_file,
        &["api-key", "revoke", "--org", "acme", "--id", id.as_str()],
        &[],
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("revoked"));
    eventually_status(&app, "/api/v1/leads", &second, 401, "revoked from the command line").await;
    eventually_status(&app, "/api/v1/leads", &first, 401, "revoked from the command line").await;
    let listed = callsnare(&db_file, &["api-key", "list", "--org", "acme", "--json"], &[]).await;
    let keys: Value = serde_json::from_str(stdout(&listed).trim()).unwrap();
    assert_eq!(keys[0]["state"], "revoked");

    // Refusals: one clear line, nothing written.
    let before = app.count("SELECT COUNT(*) FROM audit_events").await;
    for (args, code) in [
        (
            vec![
                "api-key",
                "create",
                "--org",
                "nope",
                "--name",
                "X",
                "--scopes",
                "leads:read",
            ],
            2,
        ),
        (
            vec![
                "api-key",
                "create",
                "--org",
                "acme",
                "--name",
                "X",
                "--scopes",
                "leads:delete",
            ],
            2,
        ),
        (vec!["api-key", "revoke", "--org", "rival", "--id", id.as_str()], 2),
        (vec!["api-key", "rotate", "--org", "acme", "--id", id.as_str()], 1),
        (vec!["api-key", "revoke", "--org", "acme", "--id", "key_123"], 2),
    ] {
        let out = callsnare(&db_file, &args, &[]).await;
        assert_eq!(out.status.code(), Some(code), "{args:?}: {}", stderr(&out));
        assert!(!stderr(&out).trim().is_empty(), "{args:?}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_events").await, before);

    // A live command mints live keys.
    let out = callsnare(
        &db_file,
        &[
            "api-key",
            "create",
            "--org",
            "acme",
            "--name",
            "Live",
            "--scopes",
            "leads:read",
        ],
        &[("CALLSNARE_LIVE", "1")],
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(last_line(&out).starts_with("cs_live_"));
    let cli_rows = audit_rows(&app, "api_key.created").await;
    assert!(cli_rows
        .iter()
        .all(|(kind, actor, _, _)| kind == "cli" && actor.is_none()));
}

#[tokio::test]
async fn no_secret_is_ever_in_the_database_file_its_wal_or_the_audit_trail() {
    let app = two_orgs(&[]).await;
    let owner = signed_in(&app, "owner@acme.test").await;
    let mut secrets = Vec::new();
    // Made on the page (shown through the one-time reveal) …
    let resp = app
        .rpc_form(&owner, "api_keys/create", &[("name", "Page"), ("leads_read", "1")])
        .await;
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    let html = app.html(&owner, location.trim_end_matches("#new-key")).await;
    secrets.extend(keys_in(&html));
    // … by a caller that gets it in the answer, rotated, and through the use-case.
    let made = app
        .rpc_json(&owner, "api_keys/create", &[("name", "Json"), ("scopes", "leads:read")])
        .await;
    secrets.push(made["secret"].as_str().unwrap().to_owned());
    let rotated = app
        .rpc_json(
            &owner,
            "api_keys/rotate",
            &[("key_id", made["id"].as_str().unwrap()), ("grace_hours", "5")],
        )
        .await;
    secrets.push(rotated["secret"].as_str().unwrap().to_owned());
    secrets.push(issue(&app, "acme", "Direct", &[Scope::LeadsRead], false).await.1);
    assert_eq!(secrets.len(), 4);
    for key in &secrets {
        assert_eq!(status(&app, "/api/v1/leads", key).await, 200);
    }
    // … and one made on the page whose reveal is still waiting when the database is read
    // (its secret is there, sealed), shown only afterwards.
    let resp = app
        .rpc_form(&owner, "api_keys/create", &[("name", "Pending"), ("leads_read", "1")])
        .await;
    let pending = resp.headers()["location"]
        .to_str()
        .unwrap()
        .trim_end_matches("#new-key")
        .to_owned();
    let waiting: i64 = app::ssr::db::query_scalar("SELECT COUNT(*) FROM api_key_reveals")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(waiting, 1);

    let files = stored_bytes(&app);
    let html = app.html(&owner, &pending).await;
    secrets.extend(keys_in(&html));
    assert_eq!(secrets.len(), 5, "{html}");
    assert_eq!(status(&app, "/api/v1/leads", &secrets[4]).await, 200);
    assert!(files.iter().any(|(p, _)| {
        let p = p.to_string_lossy();
        p.ends_with(".db") || p == "pg_dump"
    }));
    let stored: usize = files.iter().map(|(_, b)| b.len()).sum();
    assert!(stored > 0);
    for (path, bytes) in &files {
        for key in &secrets {
            assert!(!holds_secret(bytes, key), "{} holds a secret", path.display());
        }
    }
    // What is stored instead: the visible prefix and a 64-hex-digit hash.
    let rows: Vec<(String, String)> = app::ssr::db::query_as("SELECT prefix, secret_hash FROM api_keys")
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert!(rows.iter().all(|(prefix, hash)| prefix.len() == 12 && hash.len() == 64));
    let audit: Vec<String> = app::ssr::db::query_scalar("SELECT metadata FROM audit_events")
        .fetch_all(&app.db)
        .await
        .unwrap();
    for key in &secrets {
        assert!(!holds_secret(audit.join("\n").as_bytes(), key));
    }
}

/// The real binary as a server with debug logging, used with keys made, rotated and listed
/// at the command line, then stopped with SIGTERM.
#[tokio::test]
async fn the_server_log_never_holds_a_secret_and_last_use_is_written_at_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let db_file = dir.path().join("callsnare.db");
    let db_url = format!("sqlite://{}", db_file.display());
    let out = callsnare(
        &db_url,
        &[
            "org",
            "create",
            "--name",
            "Acme Heating",
            "--slug",
            "acme",
            "--timezone",
            "America/Chicago",
            "--owner-email",
            "owner@acme.test",
        ],
        &[("CALLSNARE_OWNER_PASSWORD", "correct horse battery staple")],
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let out = callsnare(
        &db_url,
        &[
            "api-key",
            "create",
            "--org",
            "acme",
            "--name",
            "Sync",
            "--scopes",
            "leads:read",
        ],
        &[],
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let first = last_line(&out);
    let id: String = {
        let listed = callsnare(&db_url, &["api-key", "list", "--org", "acme", "--json"], &[]).await;
        let keys: Value = serde_json::from_str(stdout(&listed).trim()).unwrap();
        assert_eq!(keys[0]["last_used"], Value::Null);
        keys[0]["id"].as_str().unwrap().to_owned()
    };

    // `serve` wants the site's files; the API needs none of them.
    let site = dir.path().join("site");
    std::fs::create_dir_all(site.join("pkg")).unwrap();
    for file in ["callsnare.js", "callsnare_bg.wasm", "callsnare.wasm", "callsnare.css"] {
        std::fs::write(site.join("pkg").join(file), b"").unwrap();
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let log_path = dir.path().join("server.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut server = Command::new(env!("CARGO_BIN_EXE_callsnare"))
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", format!("sqlite://{}", db_file.display()))
        .env("LEPTOS_SITE_ROOT", site.display().to_string())
        .env("CALLSNARE_ADDR", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "debug")
        .stdout(Stdio::from(log.try_clone().unwrap()))
        .stderr(Stdio::from(log))
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut ready = false;
    for _ in 0..200 {
        if client
            .get(format!("{base}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    if !ready {
        let _ = server.kill();
        panic!(
            "server did not become ready: {}",
            std::fs::read_to_string(&log_path).unwrap_or_default()
        );
    }
    let get = |key: String| {
        let client = client.clone();
        let url = format!("{base}/api/v1/leads");
        async move { client.get(url).bearer_auth(key).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(get(first.clone()).await, 200);
    let mut typo = first.clone();
    typo.replace_range(40..41, if &first[40..41] == "Z" { "Y" } else { "Z" });
    assert_eq!(get(typo).await, 401);
    let out = callsnare(
        &db_url,
        &[
            "api-key",
            "rotate",
            "--org",
            "acme",
            "--id",
            id.as_str(),
            "--grace-hours",
            "1",
        ],
        &[],
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let second = last_line(&out);
    assert_eq!(get(second.clone()).await, 200);
    assert_eq!(get(first.clone()).await, 200);
    let revoked_out = callsnare(
        &db_url,
        &[
            "api-key",
            "create",
            "--org",
            "acme",
            "--name",
            "Short-lived",
            "--scopes",
            "leads:read",
        ],
        &[],
    )
    .await;
    let third = last_line(&revoked_out);
    let listed = callsnare(&db_url, &["api-key", "list", "--org", "acme", "--json"], &[]).await;
    let keys: Value = serde_json::from_str(stdout(&listed).trim()).unwrap();
    let third_id = keys[0]["id"].as_str().unwrap().to_owned();
    let out = callsnare(
        &db_url,
        &["api-key", "revoke", "--org", "acme", "--id", third_id.as_str()],
        &[],
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    for _ in 0..80 {
        if get(third.clone()).await == 401 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(get(third.clone()).await, 401);

    // SIGTERM: the server drains and writes the last-use marks it holds in memory.
    let stopped = Command::new("kill")
        .args(["-TERM", server.id().to_string().as_str()])
        .status()
        .unwrap();
    assert!(stopped.success());
    let mut exited = false;
    for _ in 0..200 {
        if server.try_wait().unwrap().is_some() {
            exited = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    if !exited {
        let _ = server.kill();
        panic!("the server did not stop on SIGTERM");
    }
    let listed = callsnare(&db_url, &["api-key", "list", "--org", "acme", "--json"], &[]).await;
    let keys: Value = serde_json::from_str(stdout(&listed).trim()).unwrap();
    let sync = keys
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == id.as_str())
        .unwrap();
    assert!(sync["last_used"].as_str().is_some(), "written at shutdown: {sync}");
    assert_eq!(sync["state"], "rotating");

    let log = std::fs::read(&log_path).unwrap();
    assert!(
        String::from_utf8_lossy(&log).contains("/api/v1/leads"),
        "the log records the requests"
    );
    for key in [&first, &second, &third] {
        assert!(!holds_secret(&log, key), "the server log holds a secret");
        for (path, bytes) in database_files(&db_file) {
            assert!(!holds_secret(&bytes, key), "{} holds a secret", path.display());
        }
    }
}
