//! The operator commands, run as the real binary against a temp database.

use std::process::{Command, Output};

use tempfile::TempDir;

struct Cli {
    dir: TempDir,
}

impl Cli {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn database_url(&self) -> String {
        format!("sqlite://{}", self.dir.path().join("data/callsnare.db").display())
    }

    fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_callsnare"));
        cmd.args(args)
            .env_clear()
            .env("DATABASE_URL", self.database_url())
            .env("PATH", std::env::var("PATH").unwrap_or_default());
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().expect("callsnare runs")
    }

    fn create_acme(&self) -> Output {
        self.run(
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
    }

    fn count(&self, table: &str) -> i64 {
        let out = self.run(&["migrate"], &[]);
        assert!(out.status.success());
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let db = app::ssr::db::connect(&self.database_url()).await.unwrap();
            app::ssr::db::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
                .fetch_one(&db)
                .await
                .unwrap()
        })
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}
fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn org_create_then_number_add_succeed_and_are_audited() {
    let cli = Cli::new();
    let out = cli.create_acme();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("created org acme"));
    let out = cli.run(
        &[
            "number",
            "add",
            "--org",
            "acme",
            "--number",
            "+14155550100",
            "--forward-to",
            "+14155550101,+14155550102",
            "--label",
            "Main line",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("tracking +14155550100 for acme"));
    assert_eq!(cli.count("tracked_numbers"), 1);
    assert_eq!(
        cli.count("audit_events"),
        3,
        "org.created, member.added, tracked_number.added"
    );
    assert_eq!(cli.count("routing_settings"), 1);
}

#[test]
fn password_never_reaches_the_database_in_clear_or_the_output() {
    let cli = Cli::new();
    let out = cli.create_acme();
    assert!(out.status.success());
    assert!(!stdout(&out).contains("correct horse") && !stderr(&out).contains("correct horse"));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (hash, audit): (String, String) = rt.block_on(async {
        let db = app::ssr::db::connect(&cli.database_url()).await.unwrap();
        let hash = app::ssr::db::query_scalar("SELECT password_hash FROM users")
            .fetch_one(&db)
            .await
            .unwrap();
        let audit: Vec<String> = app::ssr::db::query_scalar("SELECT metadata FROM audit_events")
            .fetch_all(&db)
            .await
            .unwrap();
        (hash, audit.join("\n"))
    });
    assert!(hash.starts_with("$argon2id$"));
    assert!(!audit.contains("correct horse") && !audit.contains("argon2"));
}

#[test]
fn org_create_without_a_password_fails_cleanly_when_not_interactive() {
    let cli = Cli::new();
    let out = cli.run(
        &[
            "org",
            "create",
            "--name",
            "Acme",
            "--slug",
            "acme",
            "--timezone",
            "America/Chicago",
            "--owner-email",
            "owner@acme.test",
        ],
        &[],
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("password is required"), "{}", stderr(&out));
    assert_eq!(cli.count("orgs"), 0);
}

#[test]
fn duplicate_slug_is_rejected_without_partial_writes() {
    let cli = Cli::new();
    assert!(cli.create_acme().status.success());
    let out = cli.run(
        &[
            "org",
            "create",
            "--name",
            "Other",
            "--slug",
            "acme",
            "--timezone",
            "America/Denver",
            "--owner-email",
            "other@acme.test",
        ],
        &[("CALLSNARE_OWNER_PASSWORD", "another long password")],
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("slug 'acme' already exists"), "{}", stderr(&out));
    assert_eq!(cli.count("orgs"), 1);
    assert_eq!(cli.count("users"), 1);
}

#[test]
fn bad_arguments_are_refused_before_touching_the_database() {
    let cli = Cli::new();
    for (args, needle) in [
        (
            vec![
                "org",
                "create",
                "--name",
                "A",
                "--slug",
                "Bad Slug",
                "--timezone",
                "America/Chicago",
                "--owner-email",
                "o@a.test",
            ],
            "slug",
        ),
        (
            vec![
                "org",
                "create",
                "--name",
                "A",
                "--slug",
                "acme",
                "--timezone",
                "Mars/Base",
                "--owner-email",
                "o@a.test",
            ],
            "timezone",
        ),
        (
            vec![
                "org",
                "create",
                "--name",
                "A",
                "--slug",
                "acme",
                "--timezone",
                "America/Chicago",
                "--owner-email",
                "nope",
            ],
            "email",
        ),
        (
            vec![
                "number",
                "add",
                "--org",
                "acme",
                "--number",
                "415-555-0100",
                "--forward-to",
                "+14155550101",
            ],
            "E.164",
        ),
        (
            vec![
                "number",
                "add",
                "--org",
                "acme",
                "--number",
                "+14155550100",
                "--forward-to",
                "+1415555",
            ],
            "E.164",
        ),
        (
            vec![
                "number",
                "add",
                "--org",
                "acme",
                "--number",
                "+11155550100",
                "--forward-to",
                "+14155550101",
            ],
            "not a dialable",
        ),
    ] {
        let out = cli.run(&args, &[("CALLSNARE_OWNER_PASSWORD", "correct horse battery staple")]);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(needle), "{args:?}: {}", stderr(&out));
    }
    assert!(
        !cli.dir.path().join("data/callsnare.db").exists(),
        "nothing was created"
    );
}

#[test]
fn number_add_rejects_unknown_org_duplicates_and_self_forwarding() {
    let cli = Cli::new();
    let out = cli.run(
        &[
            "number",
            "add",
            "--org",
            "nobody",
            "--number",
            "+14155550100",
            "--forward-to",
            "+14155550101",
        ],
        &[],
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("no organisation with slug 'nobody'"),
        "{}",
        stderr(&out)
    );

    assert!(cli.create_acme().status.success());
    let add = |n: &str, f: &str| {
        cli.run(
            &["number", "add", "--org", "acme", "--number", n, "--forward-to", f],
            &[],
        )
    };
    assert!(add("+14155550100", "+14155550101").status.success());
    let dup = add("+14155550100", "+14155550102");
    assert!(!dup.status.success());
    assert!(
        stderr(&dup).contains("+14155550100 is already tracked"),
        "{}",
        stderr(&dup)
    );
    let own = add("+14155550103", "+14155550103");
    assert!(stderr(&own).contains("cannot forward to itself"));
    assert_eq!(cli.count("tracked_numbers"), 1);
    assert_eq!(cli.count("audit_events"), 3);
}

#[test]
fn bad_config_exits_non_zero_with_one_line_and_no_secret() {
    let cli = Cli::new();
    let out = cli.run(
        &["serve"],
        &[
            ("CALLSNARE_LIVE", "1"),
            ("TWILIO_AUTH_TOKEN", "tok-do-not-print"),
            ("CALLSNARE_SESSION_SECRET", "s3cret-do-not-print-0123456789abcdef"),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("CALLSNARE_PUBLIC_URL is required when CALLSNARE_LIVE=1"),
        "{err}"
    );
    assert!(!err.contains("do-not-print") && !stdout(&out).contains("do-not-print"));

    let out = cli.run(&["serve"], &[("CALLSNARE_ADDR", "not-an-address")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("CALLSNARE_ADDR is not valid"));
}
