//! Adding people by invitation, password resets that stay inside the admin's reach,
//! "Forgot password?", and links that die with the membership they were issued for
//! (security findings F1 and F15), against the real server over HTTP.

use app::domain::Role;

use crate::{
    fake_smtp::FakeSmtp,
    helpers::{
        eventually, latest_mail_link, link_token, mail_count, mail_link, seed_member, seed_org, spawn_app,
        spawn_app_with, TestApp, OFFICE_1, PASSWORD, TRACKED,
    },
};

const ACME: &str = "Acme Heating & Air";

async fn acme() -> TestApp {
    let app = spawn_app().await;
    seed_org(&app.db, "acme", ACME, TRACKED, &[OFFICE_1]).await;
    app
}

/// Acme and a second, unrelated business on the same instance.
async fn acme_and_rival() -> TestApp {
    let app = acme().await;
    seed_org(&app.db, "rival", "Rival HVAC", "+14155550200", &["+14155550201"]).await;
    app
}

async fn user_id(app: &TestApp, email: &str) -> String {
    app::ssr::db::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

/// `email`'s role in the org `slug`, if a member.
async fn role_in(app: &TestApp, slug: &str, email: &str) -> Option<String> {
    app::ssr::db::query_scalar(
        "SELECT m.role FROM memberships m JOIN orgs o ON o.id = m.org_id JOIN users u ON u.id = m.user_id \
         WHERE o.slug = $1 AND u.email = $2",
    )
    .bind(slug)
    .bind(email)
    .fetch_optional(&app.db)
    .await
    .unwrap()
}

async fn session(app: &TestApp, client: &reqwest::Client) -> serde_json::Value {
    let resp = app.rpc_with(client, "auth/session", &[]).await;
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

async fn session_email(app: &TestApp, client: &reqwest::Client) -> Option<String> {
    session(app, client).await["email"].as_str().map(str::to_owned)
}

/// Signs `client` in like a browser form; whether the server let them into the app.
async fn signs_in(app: &TestApp, client: &reqwest::Client, email: &str, password: &str) -> bool {
    let resp = app
        .rpc_form(
            client,
            "auth/login",
            &[("email", email), ("password", password), ("next", "")],
        )
        .await;
    resp.headers().get("location").and_then(|v| v.to_str().ok()) == Some("/app")
}

async fn check_link(app: &TestApp, token: &str) -> bool {
    app.rpc_json(&app.new_client(), "auth/check_link", &[("token", token)])
        .await
        .as_bool()
        .unwrap()
}

async fn check_invite(app: &TestApp, client: &reqwest::Client, token: &str) -> serde_json::Value {
    app.rpc_json(client, "invite/check", &[("token", token)]).await
}

/// Invites `email` as `role` from `admin`'s session and returns the mailed token.
async fn invite(app: &TestApp, admin: &reqwest::Client, email: &str, role: &str) -> String {
    let view = app
        .rpc_json(admin, "team/add", &[("email", email), ("role", role)])
        .await;
    assert_eq!(view["email"], email);
    let link = latest_mail_link(app, email).await;
    assert!(link.starts_with(&format!("{}/invite?token=", app.address)), "{link}");
    link_token(&link)
}

/// Resets `user_id`'s password from `admin`'s session and returns the mailed token.
async fn reset(app: &TestApp, admin: &reqwest::Client, user_id: &str, email: &str) -> String {
    let resp = app
        .rpc_with(admin, "team/reset_password", &[("user_id", user_id)])
        .await;
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap_or_default());
    let view: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(view["email"], email);
    assert!(view.get("link").is_none(), "the admin never sees the link: {view}");
    let link = latest_mail_link(app, email).await;
    assert!(
        link.starts_with(&format!("{}/set-password?token=", app.address)),
        "{link}"
    );
    link_token(&link)
}

#[tokio::test]
async fn an_admin_of_one_org_cannot_take_over_another_orgs_owner() {
    let app = acme_and_rival().await;
    seed_member(&app.db, "acme", "admin@acme.test", Role::Admin).await;
    let admin = app.new_client();
    app.sign_in(&admin, "admin@acme.test").await;
    let rival_owner = user_id(&app, "owner@rival.test").await;
    let hash_before: String = app::ssr::db::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(&rival_owner)
        .fetch_one(&app.db)
        .await
        .unwrap();

    // "Adding" them only sends an invitation: no membership, nothing about Acme in the mail.
    let view = app
        .rpc_json(&admin, "team/add", &[("email", "owner@rival.test"), ("role", "staff")])
        .await;
    assert_eq!(
        view,
        serde_json::json!({ "email": "owner@rival.test", "expires_in_hours": 72 })
    );
    assert_eq!(role_in(&app, "acme", "owner@rival.test").await, None);
    let body: String = app::ssr::db::query_scalar("SELECT body FROM mail_outbox WHERE to_address = 'owner@rival.test'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert!(body.contains("/invite?token="), "{body}");
    assert!(
        !body.contains("Acme") && !body.contains("acme"),
        "no org data in mail: {body}"
    );

    // Their account is out of the admin's reach.
    let resp = app
        .rpc_with(&admin, "team/reset_password", &[("user_id", &rival_owner)])
        .await;
    assert_eq!(resp.status(), 404);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM password_tokens").await,
        0,
        "no link was issued"
    );
    let hash_after: String = app::ssr::db::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(&rival_owner)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(hash_before, hash_after, "the password was not touched");
    assert!(signs_in(&app, &app.new_client(), "owner@rival.test", PASSWORD).await);

    // The team page shows them only as a pending invitation.
    let members = app.rpc_json(&admin, "team/list", &[]).await;
    let emails: Vec<&str> = members
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["email"].as_str().unwrap())
        .collect();
    assert!(!emails.contains(&"owner@rival.test"), "{emails:?}");
    let pending = app.rpc_json(&admin, "team/invitations", &[]).await;
    let pending = pending.as_array().unwrap();
    assert_eq!(pending.len(), 1, "{pending:?}");
    assert_eq!(pending[0]["email"], "owner@rival.test");
    assert_eq!(pending[0]["role"], "staff");
    assert_eq!(pending[0]["expires_in_hours"], 72);
}

#[tokio::test]
async fn a_member_who_also_belongs_elsewhere_cannot_be_reset_from_one_org() {
    let app = acme_and_rival().await;
    seed_member(&app.db, "acme", "admin@acme.test", Role::Admin).await;
    let multi = seed_member(&app.db, "acme", "multi@acme.test", Role::Staff).await;
    seed_member(&app.db, "rival", "multi@acme.test", Role::Staff).await;
    let local = seed_member(&app.db, "acme", "local@acme.test", Role::Staff).await;

    for who in ["admin@acme.test", "owner@acme.test"] {
        let client = app.new_client();
        app.sign_in(&client, who).await;
        let resp = app
            .rpc_with(&client, "team/reset_password", &[("user_id", &multi)])
            .await;
        assert_eq!(resp.status(), 409, "{who}");
        assert!(resp.text().await.unwrap().contains("Forgot password?"), "{who}");
    }
    assert_eq!(mail_count(&app, "multi@acme.test").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM password_tokens").await, 0);
    assert!(signs_in(&app, &app.new_client(), "multi@acme.test", PASSWORD).await);

    // Someone only at Acme can still be reset by Acme's admin: the link goes to them.
    let admin = app.new_client();
    app.sign_in(&admin, "admin@acme.test").await;
    let token = reset(&app, &admin, &local, "local@acme.test").await;
    assert!(check_link(&app, &token).await);
    assert!(
        !signs_in(&app, &app.new_client(), "local@acme.test", PASSWORD).await,
        "a reset disables the old password at once"
    );
}

#[tokio::test]
async fn the_invitation_answer_is_the_same_whether_or_not_the_address_has_an_account() {
    let app = acme_and_rival().await;
    let owner = app.new_client();
    app.sign_in(&owner, "owner@acme.test").await;
    let mut answers = Vec::new();
    for email in ["owner@rival.test", "newcomer@elsewhere.test"] {
        let resp = app
            .rpc_with(&owner, "team/add", &[("email", email), ("role", "staff")])
            .await;
        let status = resp.status();
        let body = resp.text().await.unwrap();
        assert!(!body.contains("token") && !body.contains("http"), "{body}");
        answers.push((status, body.replace(email, "EMAIL")));
        assert_eq!(mail_count(&app, email).await, 1, "{email}");
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0].0, 200);

    // Already a member of this org may say so: that reveals nothing outside it.
    let resp = app
        .rpc_with(&owner, "team/add", &[("email", "owner@acme.test"), ("role", "staff")])
        .await;
    assert_eq!(resp.status(), 409);
    assert!(resp.text().await.unwrap().contains("already a member"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'member.invited'")
            .await,
        2
    );
}

#[tokio::test]
async fn a_new_person_accepts_an_invitation_by_choosing_a_password() {
    let app = acme().await;
    let owner = app.new_client();
    app.sign_in(&owner, "owner@acme.test").await;
    let token = invite(&app, &owner, "tech@acme.test", "admin").await;
    assert_eq!(token.len(), 64);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM invitations WHERE token_hash = '{token}'"
        ))
        .await,
        0,
        "only a hash of the token is stored"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE email = 'tech@acme.test'")
            .await,
        0
    );

    let tech = app.new_client();
    let view = check_invite(&app, &tech, &token).await;
    assert_eq!(view["org_name"], ACME);
    assert_eq!(view["email"], "tech@acme.test");
    assert_eq!(view["role"], "admin");
    assert_eq!(view["account_exists"], false);
    let html = app.html(&tech, &format!("/invite?token={token}")).await;
    assert!(html.contains("Create account and join"), "{html}");

    // The password policy applies, and a refusal leaves the invitation usable.
    let resp = app
        .rpc_with(&tech, "invite/accept", &[("token", &token), ("password", "short")])
        .await;
    assert_eq!(resp.status(), 422);
    let resp = app
        .rpc_form(
            &tech,
            "invite/accept",
            &[("token", &token), ("password", "tech's own password")],
        )
        .await;
    assert!(resp.status().is_redirection(), "{}", resp.status());
    assert_eq!(resp.headers()["location"], "/app");
    assert_eq!(session_email(&app, &tech).await.as_deref(), Some("tech@acme.test"));
    assert_eq!(role_in(&app, "acme", "tech@acme.test").await.as_deref(), Some("admin"));

    // Single use.
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
    assert!(check_invite(&app, &app.new_client(), &token).await.is_null());
    assert!(signs_in(&app, &app.new_client(), "tech@acme.test", "tech's own password").await);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action IN ('member.invited', 'invitation.accepted')")
            .await,
        2
    );
    let pending = app.rpc_json(&owner, "team/invitations", &[]).await;
    assert!(pending.as_array().unwrap().is_empty());
}

#[tokio::test]
async fn an_existing_account_joins_only_while_signed_in_as_itself() {
    let app = acme_and_rival().await;
    let acme_owner = app.new_client();
    app.sign_in(&acme_owner, "owner@acme.test").await;
    let token = invite(&app, &acme_owner, "owner@rival.test", "staff").await;

    // Signed out: told to sign in as the invited account; accepting is refused.
    let visitor = app.new_client();
    let view = check_invite(&app, &visitor, &token).await;
    assert_eq!(view["account_exists"], true);
    assert_eq!(view["signed_in_as_invitee"], false);
    let html = app.html(&visitor, &format!("/invite?token={token}")).await;
    assert!(html.contains("Sign in as owner@rival.test to accept"), "{html}");
    assert!(
        html.contains(&format!("/login?next=/invite%3Ftoken%3D{token}")),
        "{html}"
    );
    let resp = app
        .rpc_with(
            &visitor,
            "invite/accept",
            &[("token", &token), ("password", "a password of my choosing")],
        )
        .await;
    assert_eq!(resp.status(), 401);

    // Signed in as someone else: refused too.
    let resp = app.rpc_with(&acme_owner, "invite/accept", &[("token", &token)]).await;
    assert_eq!(resp.status(), 403);
    assert_eq!(role_in(&app, "acme", "owner@rival.test").await, None);
    assert_eq!(role_in(&app, "acme", "owner@acme.test").await.as_deref(), Some("owner"));

    // Signing in sends them back to the invitation, which they can now accept.
    let rival_owner = app.new_client();
    let next = format!("/invite?token={token}");
    let resp = app
        .rpc_form(
            &rival_owner,
            "auth/login",
            &[("email", "owner@rival.test"), ("password", PASSWORD), ("next", &next)],
        )
        .await;
    assert_eq!(resp.headers()["location"].to_str().unwrap(), next);
    let view = check_invite(&app, &rival_owner, &token).await;
    assert_eq!(view["signed_in_as_invitee"], true);
    let resp = app.rpc_form(&rival_owner, "invite/accept", &[("token", &token)]).await;
    assert!(resp.status().is_redirection(), "{}", resp.status());
    assert_eq!(
        role_in(&app, "acme", "owner@rival.test").await.as_deref(),
        Some("staff")
    );
    assert_eq!(
        role_in(&app, "rival", "owner@rival.test").await.as_deref(),
        Some("owner")
    );
    assert_eq!(
        session(&app, &rival_owner).await["org_name"],
        ACME,
        "opens the org just joined"
    );

    let resp = app.rpc_with(&rival_owner, "invite/accept", &[("token", &token)]).await;
    assert_eq!(resp.status(), 422, "single use");
}

#[tokio::test]
async fn a_replaced_or_revoked_invitation_cannot_be_used() {
    let app = acme_and_rival().await;
    seed_member(&app.db, "acme", "admin@acme.test", Role::Admin).await;
    let owner = app.new_client();
    app.sign_in(&owner, "owner@acme.test").await;

    let first = invite(&app, &owner, "new@acme.test", "staff").await;
    let second = invite(&app, &owner, "new@acme.test", "staff").await;
    assert!(
        check_invite(&app, &app.new_client(), &first).await.is_null(),
        "replaced"
    );
    let resp = app
        .rpc_with(
            &app.new_client(),
            "invite/accept",
            &[("token", &first), ("password", "a long enough password 1")],
        )
        .await;
    assert_eq!(resp.status(), 422);

    let pending = app.rpc_json(&owner, "team/invitations", &[]).await;
    let pending = pending.as_array().unwrap();
    assert_eq!(pending.len(), 1, "the newer one replaces the older: {pending:?}");
    let id = pending[0]["id"].as_str().unwrap().to_owned();

    // Another org cannot see or revoke it.
    let rival = app.new_client();
    app.sign_in(&rival, "owner@rival.test").await;
    let resp = app
        .rpc_with(&rival, "team/revoke_invite", &[("invitation_id", &id)])
        .await;
    assert_eq!(resp.status(), 404);

    let resp = app
        .rpc_with(&owner, "team/revoke_invite", &[("invitation_id", &id)])
        .await;
    assert_eq!(resp.status(), 200);
    assert!(
        check_invite(&app, &app.new_client(), &second).await.is_null(),
        "revoked"
    );
    let resp = app
        .rpc_with(
            &app.new_client(),
            "invite/accept",
            &[("token", &second), ("password", "a long enough password 2")],
        )
        .await;
    assert_eq!(resp.status(), 422);
    assert_eq!(role_in(&app, "acme", "new@acme.test").await, None);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE email = 'new@acme.test'")
            .await,
        0
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'invitation.revoked'")
            .await,
        1
    );

    // An admin may not withdraw an invitation to a role they could not give.
    app.rpc_json(&owner, "team/add", &[("email", "partner@acme.test"), ("role", "owner")])
        .await;
    let pending = app.rpc_json(&owner, "team/invitations", &[]).await;
    let id = pending[0]["id"].as_str().unwrap().to_owned();
    let admin = app.new_client();
    app.sign_in(&admin, "admin@acme.test").await;
    let resp = app
        .rpc_with(&admin, "team/revoke_invite", &[("invitation_id", &id)])
        .await;
    assert_eq!(resp.status(), 403);
}

#[tokio::test]
async fn an_invitation_dies_with_its_senders_right_to_give_the_role() {
    let app = acme().await;
    let admin_id = seed_member(&app.db, "acme", "admin@acme.test", Role::Admin).await;
    let admin = app.new_client();
    app.sign_in(&admin, "admin@acme.test").await;
    let token = invite(&app, &admin, "tech@acme.test", "staff").await;
    let owner = app.new_client();
    app.sign_in(&owner, "owner@acme.test").await;
    let resp = app.rpc_with(&owner, "team/remove", &[("user_id", &admin_id)]).await;
    assert_eq!(resp.status(), 200);
    assert!(check_invite(&app, &app.new_client(), &token).await.is_null());
    let resp = app
        .rpc_with(
            &app.new_client(),
            "invite/accept",
            &[("token", &token), ("password", "a long enough password")],
        )
        .await;
    assert_eq!(resp.status(), 422);
    assert_eq!(role_in(&app, "acme", "tech@acme.test").await, None);
}

#[tokio::test]
async fn held_mail_is_listed_by_the_operator_command() {
    let app = acme().await;
    let owner = app.new_client();
    app.sign_in(&owner, "owner@acme.test").await;
    app.rpc_json(&owner, "team/add", &[("email", "tech@acme.test"), ("role", "staff")])
        .await;
    let link = latest_mail_link(&app, "tech@acme.test").await;
    let database_url = app.database_url.clone();
    let run = |args: &'static [&'static str]| {
        let url = database_url.clone();
        tokio::task::spawn_blocking(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_callsnare"))
                .args(args)
                .env_clear()
                .env("DATABASE_URL", url)
                .env("PATH", std::env::var("PATH").unwrap_or_default())
                .output()
                .expect("callsnare runs")
        })
    };
    let out = run(&["mail", "list", "--to", "tech@acme.test"]).await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("to tech@acme.test"), "{stdout}");
    assert!(stdout.contains("Your CallSnare invitation"), "{stdout}");
    assert!(stdout.contains(&link), "{stdout}");
    let out = run(&["mail", "list", "--to", "someone@else.test"]).await.unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("no mail waiting"));
}

#[tokio::test]
async fn with_smtp_an_invitation_is_delivered_and_its_link_leaves_the_store() {
    let smtp = FakeSmtp::start().await;
    let url = smtp.url();
    let app = spawn_app_with(&[
        ("CALLSNARE_SMTP_URL", url.as_str()),
        ("CALLSNARE_MAIL_FROM", "CallSnare <no-reply@callsnare.test>"),
    ])
    .await;
    seed_org(&app.db, "acme", ACME, TRACKED, &[OFFICE_1]).await;
    let owner = app.new_client();
    app.sign_in(&owner, "owner@acme.test").await;
    app.rpc_json(&owner, "team/add", &[("email", "tech@acme.test"), ("role", "staff")])
        .await;

    eventually("the invitation reaches the SMTP server", || async {
        smtp.received().len() == 1
    })
    .await;
    let mail = smtp.received().remove(0);
    assert_eq!(mail.from, "<no-reply@callsnare.test>");
    assert_eq!(mail.to, ["<tech@acme.test>"]);
    let text = mail.text();
    assert!(text.contains("Subject: Your CallSnare invitation"), "{text}");
    let link = mail_link(&text).expect("a link in the mail");
    let token: String = link_token(&link).chars().take(64).collect();
    assert_eq!(
        check_invite(&app, &app.new_client(), &token).await["email"],
        "tech@acme.test"
    );

    eventually("the outbox row is marked sent and its body blanked", || async {
        app.count("SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NOT NULL AND body = '' AND attempts = 1")
            .await
            == 1
    })
    .await;
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM mail_outbox WHERE body LIKE '%{token}%'"))
            .await,
        0
    );
}

#[tokio::test]
async fn forgot_password_answers_alike_and_mails_only_a_real_account() {
    let app = acme().await;
    let mut answers = Vec::new();
    for email in ["owner@acme.test", "nobody@acme.test"] {
        let resp = app
            .rpc_with(&app.new_client(), "auth/forgot_password", &[("email", email)])
            .await;
        answers.push((resp.status(), resp.text().await.unwrap()));
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0].0, 200);
    assert!(
        answers[0].1.contains("If an account exists for that address"),
        "{answers:?}"
    );
    // Queued after answering, so the answer's timing says nothing about the account.
    crate::helpers::eventually("the link is queued", || async {
        mail_count(&app, "owner@acme.test").await == 1
    })
    .await;
    assert_eq!(mail_count(&app, "nobody@acme.test").await, 0);
    // Without JavaScript the form comes back to the page, which shows the same answer.
    let resp = app
        .rpc_form(
            &app.new_client(),
            "auth/forgot_password",
            &[("email", "nobody@acme.test")],
        )
        .await;
    assert_eq!(resp.headers()["location"], "/forgot-password?sent=1");

    // Asking does not disable the current password.
    assert!(signs_in(&app, &app.new_client(), "owner@acme.test", PASSWORD).await);
    let link = latest_mail_link(&app, "owner@acme.test").await;
    assert!(
        link.starts_with(&format!("{}/set-password?token=", app.address)),
        "{link}"
    );
    let token = link_token(&link);
    assert!(check_link(&app, &token).await);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM password_tokens WHERE org_id IS NULL")
            .await,
        1,
        "a self-service link belongs to no org"
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_events WHERE action = 'auth.password_reset_requested' AND org_id IS NULL"
        )
        .await,
        1
    );

    let client = app.new_client();
    let resp = app
        .rpc_form(
            &client,
            "auth/set_password",
            &[("token", &token), ("password", "my brand new password")],
        )
        .await;
    assert!(resp.status().is_redirection(), "{}", resp.status());
    assert_eq!(session_email(&app, &client).await.as_deref(), Some("owner@acme.test"));
    assert!(!check_link(&app, &token).await, "used once");
    assert!(!signs_in(&app, &app.new_client(), "owner@acme.test", PASSWORD).await);
    assert!(signs_in(&app, &app.new_client(), "owner@acme.test", "my brand new password").await);
}

#[tokio::test]
async fn a_set_password_link_dies_when_the_member_is_removed_or_their_role_changes() {
    let app = acme().await;
    let removed = seed_member(&app.db, "acme", "removed@acme.test", Role::Staff).await;
    let promoted = seed_member(&app.db, "acme", "promoted@acme.test", Role::Staff).await;
    let twice = seed_member(&app.db, "acme", "twice@acme.test", Role::Staff).await;
    let gone = seed_member(&app.db, "acme", "gone@acme.test", Role::Staff).await;
    let owner = app.new_client();
    app.sign_in(&owner, "owner@acme.test").await;

    // Removed: the link an Acme admin issued stops working.
    let token = reset(&app, &owner, &removed, "removed@acme.test").await;
    assert!(check_link(&app, &token).await);
    let resp = app.rpc_with(&owner, "team/remove", &[("user_id", &removed)]).await;
    assert_eq!(resp.status(), 200);
    assert!(!check_link(&app, &token).await);
    let resp = app
        .rpc_with(
            &app.new_client(),
            "auth/set_password",
            &[("token", &token), ("password", "a long enough password")],
        )
        .await;
    assert_eq!(resp.status(), 422);

    // Role changed: likewise.
    let token = reset(&app, &owner, &promoted, "promoted@acme.test").await;
    let resp = app
        .rpc_with(&owner, "team/change_role", &[("user_id", &promoted), ("role", "admin")])
        .await;
    assert_eq!(resp.status(), 200);
    assert!(!check_link(&app, &token).await);
    let resp = app
        .rpc_with(
            &app.new_client(),
            "auth/set_password",
            &[("token", &token), ("password", "a long enough password")],
        )
        .await;
    assert_eq!(resp.status(), 422);

    // A newer link replaces the older one.
    let older = reset(&app, &owner, &twice, "twice@acme.test").await;
    let newer = reset(&app, &owner, &twice, "twice@acme.test").await;
    assert!(!check_link(&app, &older).await);
    assert!(check_link(&app, &newer).await);

    // However the membership ended, a link from that org is refused once it has.
    let token = reset(&app, &owner, &gone, "gone@acme.test").await;
    app::ssr::db::query("DELETE FROM memberships WHERE user_id = $1")
        .bind(&gone)
        .execute(&app.db)
        .await
        .unwrap();
    assert!(!check_link(&app, &token).await);
    let resp = app
        .rpc_with(
            &app.new_client(),
            "auth/set_password",
            &[("token", &token), ("password", "a long enough password")],
        )
        .await;
    assert_eq!(resp.status(), 422);

    let resp = app
        .rpc_form(
            &app.new_client(),
            "auth/set_password",
            &[("token", &newer), ("password", "twice's new password")],
        )
        .await;
    assert!(resp.status().is_redirection(), "{}", resp.status());
}
