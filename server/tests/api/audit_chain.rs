//! The tamper-evident audit trail: each org's records form a hash chain that the real
//! `callsnare audit verify` recomputes against the live app's database, intact after real
//! activity and broken, naming the record, after direct SQL edits.

use std::process::{Command, Output};

use app::domain::Role;

use crate::helpers::{
    seed_member, seed_org, spawn_app, spawn_twilio_app, MissedCall, Signing, TestApp, CALLER, OFFICE_1, TRACKED,
};

/// Acme and Rival with some history: each org created with its owner and its number (three
/// records each), then Acme's owner signs in (a record outside any org) and invites three
/// people. Returns the owner's signed-in client too.
async fn active_app() -> (TestApp, reqwest::Client) {
    let app = spawn_app().await;
    seed_org(&app.db, "acme", "Acme Heating & Air", TRACKED, &[OFFICE_1]).await;
    seed_org(&app.db, "rival", "Rival HVAC", "+14155550200", &["+14155550201"]).await;
    let owner = app.new_client();
    app.sign_in(&owner, "owner@acme.test").await;
    for email in ["ana@new.test", "bo@new.test", "cy@new.test"] {
        app.rpc_json(&owner, "team/add", &[("email", email), ("role", "staff")])
            .await;
    }
    (app, owner)
}

/// Runs the real binary against the app's database (while the app keeps running).
async fn callsnare(app: &TestApp, args: &[&str]) -> Output {
    let url = app.database_url.clone();
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_callsnare"))
            .args(&args)
            .env_clear()
            .env("DATABASE_URL", url)
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .output()
            .expect("callsnare runs")
    })
    .await
    .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}
fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The org's records in chain order: (chain_seq, id).
async fn chain(app: &TestApp, slug: &str) -> Vec<(i64, String)> {
    app::ssr::db::query_as(
        "SELECT a.chain_seq, a.id FROM audit_events a JOIN orgs o ON o.id = a.org_id \
         WHERE o.slug = $1 ORDER BY a.chain_seq",
    )
    .bind(slug)
    .fetch_all(&app.db)
    .await
    .unwrap()
}

async fn hash_of(app: &TestApp, id: &str) -> String {
    app::ssr::db::query_scalar("SELECT hash FROM audit_events WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

async fn sql(app: &TestApp, statement: &str, binds: &[&str]) {
    let mut q = app::ssr::db::query(statement);
    for b in binds {
        q = q.bind(*b);
    }
    q.execute(&app.db).await.unwrap();
}

/// `audit verify` (with `args`) found the chain broken: exit 1 and exactly `line`.
async fn assert_broken(app: &TestApp, args: &[&str], line: &str) {
    let mut all = vec!["audit", "verify"];
    all.extend_from_slice(args);
    let out = callsnare(app, &all).await;
    assert_eq!(out.status.code(), Some(1), "{}{}", stdout(&out), stderr(&out));
    assert_eq!(stdout(&out), format!("{line}\n"));
}

#[tokio::test]
async fn audit_verify_passes_with_the_records_checked_per_org_when_the_trail_is_intact() {
    let (app, owner) = active_app().await;
    let acme = chain(&app, "acme").await;
    assert_eq!(
        acme.iter().map(|(seq, _)| *seq).collect::<Vec<_>>(),
        (1..=6).collect::<Vec<_>>(),
        "org.created, member.added, tracked_number.added and three member.invited, numbered without gaps"
    );
    assert_eq!(chain(&app, "rival").await.len(), 3);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE org_id IS NULL AND chain_seq IS NULL AND hash IS NULL")
            .await,
        1,
        "the sign-in belongs to no org and to no chain"
    );

    let out = callsnare(&app, &["audit", "verify"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "audit chain intact: acme 6 records, rival 3 records\n");
    let out = callsnare(&app, &["audit", "verify", "--org", "rival"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "audit chain intact: rival 3 records\n");

    // The head: each org's last number and hash, as stored with the last record.
    let out = callsnare(&app, &["audit", "head"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let acme_head = hash_of(&app, &acme[5].1).await;
    let rival_head = hash_of(&app, &chain(&app, "rival").await[2].1).await;
    assert_eq!(acme_head.len(), 64);
    assert_eq!(stdout(&out), format!("acme 6 {acme_head}\nrival 3 {rival_head}\n"));

    // The viewer's state of the chain (admins and owners).
    let view = app.rpc_json(&owner, "audit/chain", &[]).await;
    assert_eq!(view["intact"], true, "{view}");
    assert_eq!(view["records"], 6);
    assert_eq!(view["head_hash"], acme_head.as_str());

    // Usage errors: exit 2 with one line.
    let out = callsnare(&app, &["audit", "verify", "--org", "nosuch"]).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(stderr(&out), "callsnare: error: no org with slug nosuch\n");
    assert_eq!(stdout(&out), "");
    let out = callsnare(&app, &["audit", "verify", "--org", "Not A Slug"]).await;
    assert_eq!(out.status.code(), Some(2));
    let out = callsnare(&app, &["audit", "head", "--org", "nosuch"]).await;
    assert_eq!(out.status.code(), Some(2));
}

#[tokio::test]
async fn audit_verify_fails_naming_the_record_after_a_direct_sql_update() {
    let (app, owner) = active_app().await;
    let acme = chain(&app, "acme").await;
    let (_, first_invite) = &acme[3];
    sql(
        &app,
        "UPDATE audit_events SET metadata = $1 WHERE id = $2",
        &[r#"{"email":"someone@else.test","role":"owner"}"#, first_invite.as_str()],
    )
    .await;
    let line = format!("audit chain broken: org acme at record #4 ({first_invite}): content does not match its hash");
    assert_broken(&app, &[], &line).await;
    assert_broken(&app, &["--org", "acme"], &line).await;
    // Rival's chain is its own and still verifies.
    let out = callsnare(&app, &["audit", "verify", "--org", "rival"]).await;
    assert_eq!(out.status.code(), Some(0));
    // No head is printed for a chain that does not verify.
    let out = callsnare(&app, &["audit", "head", "--org", "acme"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), format!("{line}\n"));

    let view = app.rpc_json(&owner, "audit/chain", &[]).await;
    assert_eq!(view["intact"], false, "{view}");
    assert_eq!(view["records"], 3);
    assert!(
        view["problem"].as_str().unwrap().contains(first_invite.as_str()),
        "{view}"
    );

    // Rewriting the record's own hash to match (the published recipe, over its new content)
    // moves the break to the next record, whose link no longer matches.
    type Row = (
        String,
        String,
        i64,
        i64,
        String,
        Option<String>,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        String,
        String,
    );
    let r: Row = app::ssr::db::query_as(
        "SELECT id, org_id, chain_seq, occurred_at, actor_kind, actor_id, action, target_kind, target_id, \
         request_id, ip, metadata, prev_hash FROM audit_events WHERE id = $1",
    )
    .bind(first_invite.as_str())
    .fetch_one(&app.db)
    .await
    .unwrap();
    let forged = app::ssr::audit::chain::link_hash(
        &r.12,
        &app::ssr::audit::chain::Content {
            id: &r.0,
            org_id: &r.1,
            chain_seq: r.2,
            occurred_at: r.3,
            actor_kind: &r.4,
            actor_id: r.5.as_deref(),
            action: &r.6,
            target_kind: r.7.as_deref(),
            target_id: r.8.as_deref(),
            request_id: r.9.as_deref(),
            ip: r.10.as_deref(),
            metadata: &r.11,
        },
    );
    sql(
        &app,
        "UPDATE audit_events SET hash = $1 WHERE id = $2",
        &[forged.as_str(), first_invite.as_str()],
    )
    .await;
    assert_broken(
        &app,
        &["--org", "acme"],
        &format!(
            "audit chain broken: org acme at record #5 ({}): does not follow the record before it \
             (moved, swapped or its predecessor altered)",
            acme[4].1
        ),
    )
    .await;
}

#[tokio::test]
async fn audit_verify_fails_naming_the_record_after_a_deletion() {
    let (app, _owner) = active_app().await;
    let acme = chain(&app, "acme").await;
    sql(&app, "DELETE FROM audit_events WHERE id = $1", &[acme[1].1.as_str()]).await;
    assert_broken(
        &app,
        &["--org", "acme"],
        &format!(
            "audit chain broken: org acme at record #3 ({}): follows a gap: record #2 is missing",
            acme[2].1
        ),
    )
    .await;

    // Deleting the newest record leaves no gap; the head still names it.
    let rival = chain(&app, "rival").await;
    sql(&app, "DELETE FROM audit_events WHERE id = $1", &[rival[2].1.as_str()]).await;
    assert_broken(
        &app,
        &["--org", "rival"],
        "audit chain broken: org rival at record #3: the head names it but the chain ends at #2: the last records are missing",
    )
    .await;

    // Both orgs broken: a line for each.
    let out = callsnare(&app, &["audit", "verify"]).await;
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<String> = stdout(&out).lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].starts_with("audit chain broken: org acme at record #3"));
    assert!(lines[1].starts_with("audit chain broken: org rival at record #3"));
}

#[tokio::test]
async fn audit_verify_fails_naming_the_record_after_two_records_swap_places() {
    let (app, _owner) = active_app().await;
    let acme = chain(&app, "acme").await;
    let (second, fourth) = (&acme[1].1, &acme[3].1);
    // #2 and #4 trade numbers, each keeping its own content and hashes.
    sql(
        &app,
        "UPDATE audit_events SET chain_seq = -1 WHERE id = $1",
        &[second.as_str()],
    )
    .await;
    sql(
        &app,
        "UPDATE audit_events SET chain_seq = 2 WHERE id = $1",
        &[fourth.as_str()],
    )
    .await;
    sql(
        &app,
        "UPDATE audit_events SET chain_seq = 4 WHERE id = $1",
        &[second.as_str()],
    )
    .await;
    assert_broken(
        &app,
        &[],
        &format!(
            "audit chain broken: org acme at record #2 ({fourth}): does not follow the record before it \
             (moved, swapped or its predecessor altered)"
        ),
    )
    .await;

    // Swapping when the records happened instead (what the list is ordered by) alters both.
    let (app, _owner) = active_app().await;
    let acme = chain(&app, "acme").await;
    let times: Vec<i64> =
        app::ssr::db::query_scalar("SELECT occurred_at FROM audit_events WHERE id IN ($1, $2) ORDER BY chain_seq")
            .bind(acme[3].1.as_str())
            .bind(acme[4].1.as_str())
            .fetch_all(&app.db)
            .await
            .unwrap();
    app::ssr::db::query(
        "UPDATE audit_events SET occurred_at = CASE id WHEN $1 THEN $3 ELSE $4 END WHERE id IN ($1, $2)",
    )
    .bind(acme[3].1.as_str())
    .bind(acme[4].1.as_str())
    .bind(times[1] + 1)
    .bind(times[0] - 1)
    .execute(&app.db)
    .await
    .unwrap();
    assert_broken(
        &app,
        &["--org", "acme"],
        &format!(
            "audit chain broken: org acme at record #4 ({}): content does not match its hash",
            acme[3].1
        ),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_audited_writes_through_both_write_paths_keep_one_gapless_chain() {
    // Lead edits go through the single writer; invitations through their own write
    // transactions on the pool. Fifty at once, interleaved.
    let (app, twilio) = spawn_twilio_app(&[("CALLSNARE_PUBLIC_URL", "http://callsnare.test")]).await;
    seed_member(&app.db, "acme", "tech@acme.test", Role::Staff).await;
    for (path, params) in MissedCall::new(1, CALLER).sequence() {
        assert_eq!(app.post_twilio(path, &params, Signing::Valid).await.status(), 200);
    }
    twilio.wait_for_sent(1).await;
    let (lead_id, status, name, address): (String, String, String, String) =
        app::ssr::db::query_as("SELECT id, status, name, address FROM leads")
            .fetch_one(&app.db)
            .await
            .unwrap();
    let staff = app.new_client();
    app.sign_in(&staff, "tech@acme.test").await;
    let owner = app.new_client();
    app.sign_in(&owner, "owner@acme.test").await;
    let before = chain(&app, "acme").await.len();

    let edits = (0..25).map(|i| {
        let (app, staff) = (&app, &staff);
        let (lead_id, status, name, address) = (&lead_id, &status, &name, &address);
        async move {
            let notes = format!("note {i}");
            app.rpc_with(
                staff,
                "leads/update",
                &[
                    ("lead_id", lead_id.as_str()),
                    ("status", status.as_str()),
                    ("name", name.as_str()),
                    ("address", address.as_str()),
                    ("notes", notes.as_str()),
                ],
            )
            .await
            .status()
        }
    });
    let invites = (0..25).map(|i| {
        let (app, owner) = (&app, &owner);
        async move {
            let email = format!("p{i}@new.test");
            app.rpc_with(owner, "team/add", &[("email", email.as_str()), ("role", "staff")])
                .await
                .status()
        }
    });
    let (edits, invites) = tokio::join!(futures::future::join_all(edits), futures::future::join_all(invites));
    for status in edits.into_iter().chain(invites) {
        assert_eq!(status, 200);
    }

    let after = chain(&app, "acme").await;
    assert_eq!(after.len(), before + 50, "one record per write");
    assert_eq!(
        after.iter().map(|(seq, _)| *seq).collect::<Vec<_>>(),
        (1..=after.len() as i64).collect::<Vec<_>>(),
        "numbered 1..n, no gaps, no duplicates"
    );
    let out = callsnare(&app, &["audit", "verify"]).await;
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert_eq!(
        stdout(&out),
        format!("audit chain intact: acme {} records\n", after.len())
    );
}

// The viewer's banner resumes from its last intact walk: records appended since are
// checked (and counted) without walking the whole chain again.
#[tokio::test]
async fn the_viewer_checks_records_appended_since_its_last_walk() {
    let (app, owner) = active_app().await;
    let first = app.rpc_json(&owner, "audit/chain", &[]).await;
    assert_eq!(first["intact"], true, "{first}");
    let before = first["records"].as_u64().unwrap();
    let resp = app
        .rpc_with(&owner, "team/add", &[("email", "later@acme.test"), ("role", "staff")])
        .await;
    assert!(resp.status().is_success(), "{}", resp.status());
    let second = app.rpc_json(&owner, "audit/chain", &[]).await;
    assert_eq!(second["intact"], true, "{second}");
    assert_eq!(second["records"].as_u64().unwrap(), before + 1, "{second}");
    let out = callsnare(&app, &["audit", "head", "--org", "acme"]).await;
    assert!(stdout(&out).contains(second["head_hash"].as_str().unwrap()));
}
