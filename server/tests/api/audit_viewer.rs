//! The audit viewer over HTTP (`/rpc/audit/list`, `/app/audit`, `/app/audit.csv`): real
//! activity shows up newest first with who, what, on what, when, request id, IP and
//! before → after; each filter; cursor paging that walks every record once; another org's
//! records never appear; staff refused; bad input answered 422; the CSV export escaped,
//! formula-safe and filtered like the page; the chain's state on the page.

use app::{
    domain::{ids::OrgId, Role},
    ssr::{
        actor::Acting,
        audit::{self, AuditAction, Target},
        db,
    },
};
use serde_json::Value;

use crate::helpers::{seed_member, seed_org, spawn_app, TestApp};

/// A Chicago afternoon: 2023-11-14 16:13:20 CST.
const OLD: i64 = 1_700_000_000_000;
/// Records written straight through the store by [`backfill`], a few per millisecond.
const BACKFILLED: usize = 130;
/// A lead whose name is a spreadsheet formula, with a quote, a comma and a line break.
const EVIL_NAME: &str = "=HYPERLINK(\"http://evil.test\",\"x\"),1\nsecond line";

/// Acme (owner, admin, staff signed in) and Rival (owner signed in), with real activity:
/// the owner saves a settings change (with a request id a spreadsheet would run) and the
/// admin invites someone.
async fn active() -> (TestApp, [reqwest::Client; 4]) {
    let app = spawn_app().await;
    seed_org(&app.db, "acme", "Acme Heating & Air", "+14155550100", &["+14155550101"]).await;
    seed_org(&app.db, "rival", "Rival HVAC", "+14155550200", &["+14155550201"]).await;
    seed_member(&app.db, "acme", "admin@acme.test", Role::Admin).await;
    seed_member(&app.db, "acme", "tech@acme.test", Role::Staff).await;
    let clients = [app.new_client(), app.new_client(), app.new_client(), app.new_client()];
    for (client, email) in clients.iter().zip([
        "owner@acme.test",
        "admin@acme.test",
        "tech@acme.test",
        "owner@rival.test",
    ]) {
        app.sign_in(client, email).await;
    }
    let mut form = crate::settings::DEFAULT_FORM.to_vec();
    form.iter_mut().find(|(f, _)| *f == "cooldown_minutes").unwrap().1 = "45";
    let saved = clients[0]
        .post(app.url("/rpc/settings/save"))
        .header("origin", app.origin())
        .header("x-request-id", "-cmd-1")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), 200, "{}", saved.text().await.unwrap_or_default());
    app.rpc_json(
        &clients[1],
        "team/add",
        &[("email", "new@acme.test"), ("role", "staff")],
    )
    .await;
    (app, clients)
}

async fn org_id(app: &TestApp, slug: &str) -> String {
    app::ssr::db::query_scalar("SELECT id FROM orgs WHERE slug = $1")
        .bind(slug)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

/// [`BACKFILLED`] old records for Acme written by the command line (three per millisecond,
/// so the id breaks ties), the last one about a lead named [`EVIL_NAME`].
async fn backfill(app: &TestApp) -> String {
    let org = OrgId::parse(&org_id(app, "acme").await).unwrap();
    let lead = "lead_0000000000000000000000000000e411";
    app::ssr::db::query(
        "INSERT INTO leads (id, org_id, caller_number, name, source, last_activity_at, created_at, updated_at) \
         VALUES ($1, $2, '+14155550999', $3, 'missed_call', 0, 0, 0)",
    )
    .bind(lead)
    .bind(org.as_str())
    .bind(EVIL_NAME)
    .execute(&app.db)
    .await
    .unwrap();
    let mut tx = db::begin_write(&app.db).await.unwrap();
    for i in 0..BACKFILLED {
        let target = if i + 1 == BACKFILLED {
            Target::Lead(lead)
        } else {
            Target::Org(org.as_str())
        };
        audit::record(
            &mut tx,
            &Acting::cli(org.clone()),
            AuditAction::LeadEdited,
            target,
            serde_json::json!({ "n": i }),
            OLD + (i / 3) as i64,
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    lead.to_owned()
}

async fn list(app: &TestApp, client: &reqwest::Client, args: &[(&str, &str)]) -> Value {
    app.rpc_json(client, "audit/list", args).await
}

fn entries(page: &Value) -> &Vec<Value> {
    page["entries"].as_array().unwrap()
}

/// Every record of the org matching `args`, page after page; panics if one shows twice.
async fn walk(app: &TestApp, client: &reqwest::Client, args: &[(&str, &str)]) -> Vec<Value> {
    let mut all: Vec<Value> = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut with = args.to_vec();
        if let Some(c) = &cursor {
            with.push(("cursor", c.as_str()));
        }
        let page = list(app, client, &with).await;
        all.extend(entries(&page).iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    let mut ids: Vec<&str> = all.iter().map(|e| e["id"].as_str().unwrap()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), all.len(), "a record was shown twice");
    all
}

async fn ids_in_order(app: &TestApp, slug: &str) -> Vec<String> {
    app::ssr::db::query_scalar(
        "SELECT a.id FROM audit_events a JOIN orgs o ON o.id = a.org_id WHERE o.slug = $1 \
         ORDER BY a.occurred_at DESC, a.id DESC",
    )
    .bind(slug)
    .fetch_all(&app.db)
    .await
    .unwrap()
}

fn refused_page(html: &str) -> bool {
    html.contains("You don&#x27;t have permission") || html.contains("You don't have permission")
}

#[tokio::test]
async fn activity_shows_newest_first_with_who_what_on_what_when_and_before_after() {
    let (app, [owner, admin, _staff, _rival]) = active().await;
    let page = list(&app, &admin, &[]).await;
    assert_eq!(page["timezone"], "America/Chicago");
    let shown = entries(&page);
    assert_eq!(shown[0]["action"], "member.invited", "the newest first: {page}");
    assert_eq!(shown[0]["who"], "admin@acme.test");
    assert_eq!(shown[0]["on_what"], "new@acme.test");
    assert_eq!(shown[0]["on_what_href"], "/app/team");
    for pair in shown.windows(2) {
        assert!(pair[0]["at"].as_i64() >= pair[1]["at"].as_i64(), "newest first");
    }
    let change = shown
        .iter()
        .find(|e| e["action"] == "settings.changed")
        .expect("the settings change is listed");
    assert_eq!(change["who"], "owner@acme.test");
    assert_eq!(change["what"], "Settings changed");
    assert_eq!(change["on_what"], "Routing settings");
    assert_eq!(change["on_what_href"], "/app/settings");
    assert_eq!(change["request_id"], "-cmd-1");
    assert_eq!(change["ip"], "127.0.0.1");
    assert!(
        change["at_label"].as_str().unwrap().ends_with(" CST")
            || change["at_label"].as_str().unwrap().ends_with(" CDT"),
        "{change}"
    );
    assert_eq!(
        change["changes"],
        serde_json::json!([{ "field": "Cooldown", "before": "30", "after": "45" }])
    );
    // the org's creation, by the command line
    let created = shown.iter().find(|e| e["action"] == "org.created").unwrap();
    assert_eq!(created["who"], "CLI");
    assert!(
        entries(&page).len() as i64
            == app
                .count("SELECT COUNT(*) FROM audit_events a JOIN orgs o ON o.id = a.org_id WHERE o.slug = 'acme'")
                .await
    );

    // The page, for the owner: the change with before → after, the chain intact, no wasm.
    let html = app.html(&owner, "/app/audit").await;
    assert!(html.contains("Audit trail"), "{html}");
    assert!(html.contains("Cooldown"), "{html}");
    assert!(html.contains(r#"<span class="audit-before">30<"#), "{html}");
    assert!(html.contains(r#"<span class="audit-after">45<"#), "{html}");
    assert!(html.contains("Chain intact."), "{html}");
    assert!(html.contains(r#"href="/app/audit.csv""#), "{html}");
    assert!(!html.contains("/pkg/callsnare.js"), "the audit page loads no wasm");
    let chain = app.rpc_json(&owner, "audit/chain", &[]).await;
    assert_eq!(chain["intact"], true);
    assert!(
        html.contains(chain["head_hash"].as_str().unwrap()),
        "the head hash is shown"
    );
}

#[tokio::test]
async fn each_filter_narrows_the_list() {
    let (app, [_owner, admin, _staff, _rival]) = active().await;
    let lead = backfill(&app).await;
    let by_action = walk(&app, &admin, &[("action", "lead.edited")]).await;
    assert_eq!(by_action.len(), BACKFILLED);
    assert!(by_action.iter().all(|e| e["action"] == "lead.edited"));

    let by_actor = walk(&app, &admin, &[("actor", "cli")]).await;
    assert!(by_actor.len() > BACKFILLED, "the org's creation and the backfill");
    assert!(by_actor.iter().all(|e| e["actor_kind"] == "cli" && e["who"] == "CLI"));
    let people = walk(&app, &admin, &[("actor", "user")]).await;
    assert!(people.iter().any(|e| e["action"] == "settings.changed"));
    assert!(people.iter().all(|e| e["actor_kind"] == "user"));
    assert!(walk(&app, &admin, &[("actor", "api_key")]).await.is_empty());

    let about_lead = walk(&app, &admin, &[("target", lead.as_str())]).await;
    assert_eq!(about_lead.len(), 1);
    assert_eq!(about_lead[0]["on_what"], EVIL_NAME);
    assert_eq!(about_lead[0]["on_what_href"], format!("/app/leads/{lead}"));

    // dates are the org's (Chicago) days, both included
    let that_day = walk(&app, &admin, &[("from", "2023-11-14"), ("to", "2023-11-14")]).await;
    assert_eq!(that_day.len(), BACKFILLED);
    let before = walk(&app, &admin, &[("to", "2023-11-13")]).await;
    assert!(before.is_empty());
    let since = walk(&app, &admin, &[("from", "2023-11-15")]).await;
    assert_eq!(since.len() + BACKFILLED, ids_in_order(&app, "acme").await.len());
    let combined = walk(
        &app,
        &admin,
        &[("actor", "cli"), ("from", "2023-11-01"), ("to", "2023-11-30")],
    )
    .await;
    assert_eq!(combined.len(), BACKFILLED);
    // empty values mean "any", as a GET form sends them
    let blank = walk(
        &app,
        &admin,
        &[("actor", ""), ("action", ""), ("target", ""), ("from", ""), ("to", "")],
    )
    .await;
    assert_eq!(blank.len(), ids_in_order(&app, "acme").await.len());

    // the page keeps the filters in its links
    let html = app.html(&admin, "/app/audit?action=lead.edited").await;
    assert!(html.contains(r#"href="/app/audit.csv?action=lead.edited""#), "{html}");
    assert!(html.contains("/app/audit?action=lead.edited&"), "{html}");
}

#[tokio::test]
async fn cursor_paging_walks_every_record_once_newest_first() {
    let (app, [_owner, admin, _staff, _rival]) = active().await;
    backfill(&app).await;
    let first = list(&app, &admin, &[]).await;
    assert_eq!(entries(&first).len(), 50);
    assert!(first["next_cursor"].is_string());
    let walked: Vec<String> = walk(&app, &admin, &[])
        .await
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(walked, ids_in_order(&app, "acme").await);
    assert!(walked.len() > 2 * 50, "at least three pages");

    // "Older" on the page carries the cursor; the next page follows on
    let html = app.html(&admin, "/app/audit").await;
    let cursor = first["next_cursor"].as_str().unwrap();
    assert!(html.contains(&format!("/app/audit?cursor={cursor}")), "{html}");
    let older = app.html(&admin, &format!("/app/audit?cursor={cursor}")).await;
    assert!(older.contains(
        entries(&list(&app, &admin, &[("cursor", cursor)]).await)[0]["id"]
            .as_str()
            .unwrap()
    ));
}

#[tokio::test]
async fn another_orgs_records_never_appear() {
    let (app, [owner, _admin, _staff, rival]) = active().await;
    let lead = backfill(&app).await;
    let acme = ids_in_order(&app, "acme").await;
    let theirs = walk(&app, &rival, &[]).await;
    assert_eq!(
        theirs.len(),
        ids_in_order(&app, "rival").await.len(),
        "all of rival's own"
    );
    assert!(theirs
        .iter()
        .all(|e| !acme.contains(&e["id"].as_str().unwrap().to_owned())));
    // Acme's ids from Rival: nothing
    assert!(walk(&app, &rival, &[("target", lead.as_str())]).await.is_empty());
    let acme_org = org_id(&app, "acme").await;
    assert!(walk(&app, &rival, &[("target", acme_org.as_str())]).await.is_empty());
    let csv = rival
        .get(app.url(&format!("/app/audit.csv?target={lead}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(parse_csv(&csv).len(), 1, "only the header: {csv}");
    // and the other way round
    let mine = walk(&app, &owner, &[]).await;
    let rivals = ids_in_order(&app, "rival").await;
    assert!(mine
        .iter()
        .all(|e| !rivals.contains(&e["id"].as_str().unwrap().to_owned())));
}

#[tokio::test]
async fn staff_and_strangers_are_refused_every_part() {
    let (app, [_owner, _admin, staff, _rival]) = active().await;
    assert_eq!(app.rpc_with(&staff, "audit/list", &[]).await.status(), 403);
    assert_eq!(app.rpc_with(&staff, "audit/chain", &[]).await.status(), 403);
    let csv = staff.get(app.url("/app/audit.csv")).send().await.unwrap();
    assert_eq!(csv.status(), 403);
    let html = app.html(&staff, "/app/audit").await;
    assert!(refused_page(&html), "{html}");
    assert!(!html.contains("audit.csv") && !html.contains("Chain intact"), "{html}");
    assert!(!html.contains(r#"href="/app/audit""#), "no sidebar link for staff");

    let stranger = app.new_client();
    assert_eq!(app.rpc_with(&stranger, "audit/list", &[]).await.status(), 401);
    let csv = stranger.get(app.url("/app/audit.csv")).send().await.unwrap();
    assert_eq!(csv.status(), 401);
}

#[tokio::test]
async fn bad_input_is_answered_422_naming_the_field_and_changes_nothing() {
    let (app, [_owner, admin, _staff, _rival]) = active().await;
    let before = app.count("SELECT COUNT(*) FROM audit_events").await;
    for (field, value) in [
        ("cursor", "not-a-cursor"),
        ("cursor", "123.lead_00000000000000000000000000000000"),
        ("cursor", "x.aud_00000000000000000000000000000000"),
        ("from", "2026-02-30"),
        ("from", "03/01/2026"),
        ("to", "yesterday"),
        ("action", "lead.deleted"),
        ("actor", "robot"),
        ("target", "lead_1' OR '1'='1"),
    ] {
        let resp = app.rpc_with(&admin, "audit/list", &[(field, value)]).await;
        assert_eq!(resp.status(), 422, "{field}={value:?}");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["Validation"]["field"], field, "{field}={value:?}: {body}");
        assert!(!body["Validation"]["message"].as_str().unwrap().is_empty());
        if field != "cursor" {
            let csv = admin
                .get(app.url("/app/audit.csv"))
                .query(&[(field, value)])
                .send()
                .await
                .unwrap();
            assert_eq!(csv.status(), 422, "csv {field}={value:?}");
            let body: Value = csv.json().await.unwrap();
            assert_eq!(body["Validation"]["field"], field);
        }
    }
    let resp = app
        .rpc_with(&admin, "audit/list", &[("from", "2026-03-02"), ("to", "2026-03-01")])
        .await;
    assert_eq!(resp.status(), 422);
    // the page says what was wrong and keeps the form
    let html = app.html(&admin, "/app/audit?from=2026-02-30").await;
    assert!(html.contains("Dates are YYYY-MM-DD."), "{html}");
    assert!(html.contains(r#"action="/app/audit""#), "{html}");
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_events").await, before);
}

/// A minimal RFC 4180 reader: records of fields.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(field.is_empty() && record.is_empty(), "the last line ends with CRLF");
    records
}

#[tokio::test]
async fn the_csv_export_is_the_filtered_set_escaped_and_formula_safe() {
    let (app, [owner, _admin, _staff, _rival]) = active().await;
    let lead = backfill(&app).await;
    let resp = owner.get(app.url("/app/audit.csv")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(resp.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment; filename=\"callsnare-audit-"));
    let text = resp.text().await.unwrap();
    assert!(text.starts_with(
        "time,time_utc,actor_kind,actor_id,who,action,what,target_kind,target_id,on_what,request_id,ip,changes,record_id\r\n"
    ));
    let rows = parse_csv(&text);
    let header = &rows[0];
    assert!(
        rows.iter().all(|r| r.len() == header.len()),
        "every line has every column"
    );
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let ids: Vec<String> = rows[1..].iter().map(|r| r[col("record_id")].clone()).collect();
    assert_eq!(ids, ids_in_order(&app, "acme").await, "every record, newest first");

    // quotes, commas and the line break survive; the formula opens as text
    let about = rows.iter().find(|r| r[col("target_id")] == lead).unwrap();
    assert_eq!(about[col("on_what")], format!("'{EVIL_NAME}"));
    assert!(text.contains("\"'=HYPERLINK(\"\"http://evil.test\"\",\"\"x\"\"),1\nsecond line\""));
    let change = rows.iter().find(|r| r[col("action")] == "settings.changed").unwrap();
    assert_eq!(change[col("request_id")], "'-cmd-1", "a leading minus is neutralised");
    assert_eq!(change[col("changes")], "Cooldown: 30 → 45");
    assert_eq!(change[col("who")], "owner@acme.test");
    assert_eq!(change[col("ip")], "127.0.0.1");
    assert!(change[col("time_utc")].ends_with('Z'));

    // the same filters as the page
    let filtered = owner
        .get(app.url("/app/audit.csv?action=lead.edited&from=2023-11-14&to=2023-11-14"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let rows = parse_csv(&filtered);
    assert_eq!(rows.len(), 1 + BACKFILLED);
    assert!(rows[1..].iter().all(|r| r[col("action")] == "lead.edited"));
    let none = owner
        .get(app.url("/app/audit.csv?actor=system"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(parse_csv(&none).len(), 1);
}
