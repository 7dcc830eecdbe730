//! The operator command line. Arguments parse straight into domain types, so a bad slug or
//! phone number is refused by clap with a clear message before anything touches the database.

use std::io::IsTerminal;

use app::{
    domain::{
        api_key::{self, ApiKeyFormError, KeyState},
        ids::{ApiKeyId, OrgId},
        scope::Scope,
        E164Phone, EmailAddress, OrgSlug, OrgTimezone,
    },
    ssr::{
        audit::view::utc_time,
        clock::now_ms,
        db::{
            self, api_keys as key_store, audit_events,
            copy::{self as db_copy, SourceUrl, TargetUrl},
            mail_outbox, orgs, Db,
        },
        services::{
            api_keys::{self, ApiKeysError, IssuedKey, KeyAdmin, Keyring, NewKey},
            onboarding::{self, NewNumber, NewOrg},
        },
    },
};
use clap::{Parser, Subcommand};
use secrecy::{ExposeSecret, SecretString};

#[derive(Debug, Parser)]
#[command(
    name = "callsnare",
    version,
    about = "CallSnare: missed-call recovery for HVAC contractors"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web app, webhooks and API (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Manage organisations.
    Org {
        #[command(subcommand)]
        command: OrgCommand,
    },
    /// Manage tracked business numbers.
    Number {
        #[command(subcommand)]
        command: NumberCommand,
    },
    /// Mail waiting in the outbox (invitations, set-password links).
    Mail {
        #[command(subcommand)]
        command: MailCommand,
    },
    /// Manage the API keys connected systems use on /api/v1.
    ApiKey {
        #[command(subcommand)]
        command: ApiKeyCommand,
    },
    /// An org's billing state.
    Billing {
        #[command(subcommand)]
        command: BillingCommand,
    },
    /// Check the tamper-evident audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Move the whole database to another engine.
    Db {
        #[command(subcommand)]
        command: DbCommand,
    },
    /// Post signed provider callbacks to a running server (demo and smoke test).
    Simulate {
        #[command(subcommand)]
        command: SimulateCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum MailCommand {
    /// Print every mail not delivered: when it was queued, the recipient, the subject and
    /// the body with its link. Without CALLSNARE_SMTP_URL this is how links reach people:
    /// pass each one on to its recipient only.
    List {
        /// Only mail to this address.
        #[arg(long, value_parser = parse_email)]
        to: Option<EmailAddress>,
    },
}

/// API keys are minted in the mode of `CALLSNARE_LIVE` (`cs_live_…` when it is 1, else
/// `cs_test_…`), as the server that will check them runs: a live server refuses test keys
/// and the reverse.
#[derive(Debug, Subcommand)]
pub enum ApiKeyCommand {
    /// Create a key for an org. Prints what it is, then the secret alone on the last line:
    /// it is shown this once and stored only as a hash.
    Create {
        #[arg(long, value_parser = parse_slug)]
        org: OrgSlug,
        /// Who or what will use it (1-80 characters, unique among the org's keys not revoked).
        #[arg(long)]
        name: String,
        /// Comma-separated: leads:read, leads:write, messages:send, bookings:read,
        /// bookings:write, settings:read, audit:read, evidence:read, billing:read.
        #[arg(long, value_parser = parse_scope_list)]
        scopes: ScopeList,
        /// Refuse the key after this many days (1-3650); without it, it does not expire.
        #[arg(long = "expires-in-days", value_parser = parse_expires_in_days)]
        expires_in_days: Option<u32>,
    },
    /// List an org's keys (revoked ones too), newest first. Last use is recorded to within
    /// a minute.
    List {
        #[arg(long, value_parser = parse_slug)]
        org: OrgSlug,
        /// One JSON array of {id, name, prefix, scopes, created, last_used, expires, state}.
        #[arg(long)]
        json: bool,
    },
    /// Give a key a new secret (printed alone on the last line); the earlier secret keeps
    /// working for the grace period.
    Rotate {
        #[arg(long, value_parser = parse_slug)]
        org: OrgSlug,
        #[arg(long, value_parser = parse_key_id)]
        id: ApiKeyId,
        /// Hours the earlier secret keeps working (0-720; 0 refuses it at once).
        #[arg(long = "grace-hours", default_value_t = api_key::GRACE_HOURS_DEFAULT, value_parser = parse_grace_hours)]
        grace_hours: u32,
    },
    /// Revoke a key: every request with it is refused (a running server sees this within
    /// 5 seconds).
    Revoke {
        #[arg(long, value_parser = parse_slug)]
        org: OrgSlug,
        #[arg(long, value_parser = parse_key_id)]
        id: ApiKeyId,
    },
}

#[derive(Debug, Subcommand)]
pub enum BillingCommand {
    /// Print the org's billing state as one JSON object: status, plan, current_period_end
    /// (RFC 3339 or null), cancel_at_period_end, trial_end, texting_paused, reason and
    /// grace_ends_at. Whether texts are paused follows CALLSNARE_BILLING_REQUIRED and
    /// CALLSNARE_BILLING_GRACE_DAYS as set for this command.
    Show {
        #[arg(long, value_parser = parse_slug)]
        org: OrgSlug,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute each org's audit chain. Exit 0 with the records checked per org when
    /// intact; exit 1 with a line naming the org and the first record that does not verify
    /// when a record was altered, deleted or reordered.
    Verify {
        /// Only this org.
        #[arg(long, value_parser = parse_slug)]
        org: Option<OrgSlug>,
    },
    /// Print each org's chain head (slug, records, hash) once its chain verifies. Keep it
    /// somewhere this database's administrators cannot rewrite: a later chain that no
    /// longer contains it was rewritten.
    Head {
        /// Only this org.
        #[arg(long, value_parser = parse_slug)]
        org: Option<OrgSlug>,
    },
}

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Copy a whole SQLite database into a new, empty PostgreSQL database, in one
    /// transaction, then verify every org's audit chain on the copy. Stop the server first:
    /// what it writes after the copy starts is not copied. Staff sessions are not copied
    /// (everyone signs in again). DATABASE_URL is not used.
    Copy {
        /// The SQLite database to copy (sqlite://path); it is only read, and must be migrated
        /// by this version (`callsnare migrate`).
        #[arg(long, value_parser = parse_source_url)]
        from: SourceUrl,
        /// The PostgreSQL database to fill (postgres://user@host:port/name); it must hold no
        /// data. Its schema is created or brought up to date first.
        #[arg(long, value_parser = parse_target_url)]
        to: TargetUrl,
    },
}

#[derive(Debug, Subcommand)]
pub enum SimulateCommand {
    /// A call to a tracked number that nobody answers, then optionally the caller's reply.
    MissedCall {
        /// The tracked business number that was called.
        #[arg(long, value_parser = parse_phone)]
        to: E164Phone,
        /// The caller.
        #[arg(long, value_parser = parse_phone)]
        from: E164Phone,
        /// A text the caller sends back afterwards.
        #[arg(long)]
        reply: Option<String>,
        /// Server base URL (default http://CALLSNARE_ADDR).
        #[arg(long)]
        server: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Create an organisation and its owner. The owner's password comes from
    /// CALLSNARE_OWNER_PASSWORD or an interactive prompt.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = parse_slug)]
        slug: OrgSlug,
        #[arg(long, value_parser = parse_timezone)]
        timezone: OrgTimezone,
        #[arg(long = "owner-email", value_parser = parse_email)]
        owner_email: EmailAddress,
    },
    /// Set who is texted when a new lead waits too long for a response.
    Escalation {
        #[arg(long, value_parser = parse_slug)]
        org: OrgSlug,
        /// The manager's mobile; omit to stop escalation texts (events are still recorded).
        #[arg(long, value_parser = parse_phone)]
        number: Option<E164Phone>,
        /// Minutes without a staff response before escalating (0 turns escalation off).
        #[arg(long, default_value_t = 10)]
        minutes: i64,
    },
}

#[derive(Debug, Subcommand)]
pub enum NumberCommand {
    /// Track a business number and forward its calls to the office phones.
    Add {
        #[arg(long, value_parser = parse_slug)]
        org: OrgSlug,
        #[arg(long, value_parser = parse_phone)]
        number: E164Phone,
        /// One or more E.164 numbers, comma-separated; they ring simultaneously.
        #[arg(long = "forward-to", value_parser = parse_phone_list)]
        forward_to: PhoneList,
        #[arg(long, default_value = "")]
        label: String,
        /// Seconds to ring before treating the call as missed (Twilio adds ~5 s).
        #[arg(long = "ring-timeout")]
        ring_timeout: Option<i64>,
    },
}

fn parse_slug(s: &str) -> Result<OrgSlug, String> {
    OrgSlug::parse(s).map_err(|e| e.to_string())
}
fn parse_timezone(s: &str) -> Result<OrgTimezone, String> {
    OrgTimezone::parse(s).map_err(|e| e.to_string())
}
fn parse_email(s: &str) -> Result<EmailAddress, String> {
    EmailAddress::parse(s).map_err(|e| e.to_string())
}
fn parse_source_url(s: &str) -> Result<SourceUrl, String> {
    SourceUrl::parse(s).map_err(|e| e.to_string())
}
fn parse_target_url(s: &str) -> Result<TargetUrl, String> {
    TargetUrl::parse(s).map_err(|e| e.to_string())
}
fn parse_phone(s: &str) -> Result<E164Phone, String> {
    E164Phone::parse(s).map_err(|e| e.to_string())
}
/// A comma-separated list of scope codes, parsed whole so clap sees one value.
#[derive(Debug, Clone)]
pub struct ScopeList(pub Vec<Scope>);

fn parse_scope_list(s: &str) -> Result<ScopeList, String> {
    api_key::parse_scopes(s).map(ScopeList).map_err(|e| e.to_string())
}
fn parse_expires_in_days(s: &str) -> Result<u32, String> {
    match api_key::parse_expires_in_days(s) {
        Ok(Some(days)) => Ok(days),
        _ => Err(ApiKeyFormError::ExpiresInDays.to_string()),
    }
}
fn parse_grace_hours(s: &str) -> Result<u32, String> {
    if s.trim().is_empty() {
        return Err(ApiKeyFormError::GraceHours.to_string());
    }
    api_key::parse_grace_hours(s).map_err(|e| e.to_string())
}
fn parse_key_id(s: &str) -> Result<ApiKeyId, String> {
    ApiKeyId::parse(s).map_err(|e| e.to_string())
}

/// A comma-separated list of E.164 numbers, parsed whole so clap sees one value.
#[derive(Debug, Clone)]
pub struct PhoneList(pub Vec<E164Phone>);

fn parse_phone_list(s: &str) -> Result<PhoneList, String> {
    E164Phone::parse_list(s).map(PhoneList).map_err(|e| e.to_string())
}

/// How an admin command failed, which decides its exit status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandError {
    /// It could not do its work (exit 1); the line goes to stderr.
    Failed(String),
    /// It ran and found what it checks for broken (exit 1); the line is its output.
    Broken(String),
    /// The invocation names something that does not exist (exit 2, like clap's own usage
    /// errors).
    Usage(String),
}

impl From<String> for CommandError {
    fn from(line: String) -> Self {
        CommandError::Failed(line)
    }
}

impl CommandError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CommandError::Failed(_) | CommandError::Broken(_) => 1,
            CommandError::Usage(_) => 2,
        }
    }
}

/// Runs a non-serve command. Errors come back as one printable line.
pub async fn run_admin(database_url: &str, command: Command) -> Result<(), CommandError> {
    // A copy names both of its databases and must not open (let alone create) DATABASE_URL.
    let command = match command {
        Command::Db {
            command: DbCommand::Copy { from, to },
        } => return copy_database(&from, &to).await,
        other => other,
    };
    let database = db::connect_and_migrate(database_url)
        .await
        .map_err(|e| error_line(&e))?;
    match command {
        Command::Serve | Command::Simulate { .. } => unreachable!("handled by main"),
        Command::Db { .. } => unreachable!("handled above"),
        Command::Migrate => {
            println!(
                "migrations applied ({} total)",
                db::migrator(database.engine()).iter().count()
            );
        }
        Command::Org {
            command:
                OrgCommand::Create {
                    name,
                    slug,
                    timezone,
                    owner_email,
                },
        } => {
            let password = owner_password()?;
            let created = onboarding::create_org(
                &database,
                NewOrg {
                    name,
                    slug: slug.clone(),
                    timezone,
                    owner_email: owner_email.clone(),
                },
                password,
            )
            .await
            .map_err(|e| error_line(&e))?;
            println!("created org {slug} ({})", created.org_id);
            if created.owner_created {
                println!("owner {owner_email} can sign in with the password you set");
            } else {
                println!("existing user {owner_email} is now an owner of {slug} (password unchanged)");
            }
        }
        Command::Org {
            command: OrgCommand::Escalation { org, number, minutes },
        } => {
            onboarding::set_escalation(&database, &org, number.as_ref(), minutes)
                .await
                .map_err(|e| error_line(&e))?;
            match number {
                Some(n) => println!("{org}: leads with no response after {minutes} min are escalated to {n}"),
                None => println!("{org}: escalation after {minutes} min, no escalation texts"),
            }
        }
        Command::Mail {
            command: MailCommand::List { to },
        } => {
            let mut conn = database.acquire().await.map_err(|e| error_line(&e))?;
            let held = mail_outbox::list_held(
                &mut conn,
                to.as_ref().map(EmailAddress::as_str),
                app::ssr::clock::now_ms(),
            )
            .await
            .map_err(|e| error_line(&e))?;
            if held.is_empty() {
                println!("no mail waiting");
            }
            for mail in held {
                let queued = chrono::DateTime::from_timestamp_millis(mail.created_at)
                    .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
                    .unwrap_or_default();
                println!("{queued}  to {}  {}", mail.to_address, mail.subject);
                if mail.failed_at.is_some() {
                    println!(
                        "  (not delivered after {} attempts: {})",
                        mail.attempts,
                        mail.last_error.as_deref().unwrap_or("unknown error")
                    );
                }
                for line in mail.body.lines() {
                    println!("  {line}");
                }
                println!();
            }
        }
        Command::Audit {
            command: AuditCommand::Verify { org },
        } => {
            let chains = verify_chains(&database, org.as_ref()).await?;
            let summary: Vec<String> = chains
                .iter()
                .map(|(slug, r)| format!("{slug} {} record{}", r.checked, if r.checked == 1 { "" } else { "s" }))
                .collect();
            if summary.is_empty() {
                println!("audit chain intact: no orgs");
            } else {
                println!("audit chain intact: {}", summary.join(", "));
            }
        }
        Command::Audit {
            command: AuditCommand::Head { org },
        } => {
            for (slug, report) in verify_chains(&database, org.as_ref()).await? {
                match report.head {
                    Some((seq, hash)) => println!("{slug} {seq} {hash}"),
                    None => println!("{slug} 0 -"),
                }
            }
        }
        Command::ApiKey { command } => api_key_command(&database, command).await?,
        Command::Billing {
            command: BillingCommand::Show { org },
        } => {
            let policy = crate::config::billing_policy(|k| std::env::var(k).ok())
                .map_err(|e| CommandError::Usage(e.to_string()))?;
            let org_id = org_id_of(&database, &org).await?;
            let mut conn = database.acquire().await.map_err(|e| error_line(&e))?;
            let state = app::ssr::services::billing::state(&mut conn, org_id.as_str(), now_ms(), policy)
                .await
                .map_err(|e| error_line(&e))?;
            println!("{}", state.to_json());
        }
        Command::Number {
            command:
                NumberCommand::Add {
                    org,
                    number,
                    forward_to,
                    label,
                    ring_timeout,
                },
        } => {
            let forward_to = forward_to.0;
            let id = onboarding::add_number(
                &database,
                NewNumber {
                    org_slug: org.clone(),
                    e164: number.clone(),
                    forward_to,
                    label,
                    ring_timeout_secs: ring_timeout,
                },
            )
            .await
            .map_err(|e| error_line(&e))?;
            println!("tracking {number} for {org} ({id})");
        }
    }
    Ok(())
}

/// `callsnare db copy`: the copy (all or nothing), its rows per table, then the audit chains
/// verified on the copy exactly as `callsnare audit verify` does with DATABASE_URL=`to`.
async fn copy_database(from: &SourceUrl, to: &TargetUrl) -> Result<(), CommandError> {
    let report = db_copy::copy(from, to)
        .await
        .map_err(|e| CommandError::Failed(format!("{}; nothing was copied", error_line(&e))))?;
    let width = report
        .tables
        .iter()
        .map(|t| t.name.len())
        .chain(["table".len()])
        .max()
        .unwrap_or_default();
    println!("copied into PostgreSQL in one transaction:");
    println!("  {:<width$}  {:>10}", "table", "rows");
    for t in &report.tables {
        println!("  {:<width$}  {:>10}", t.name, t.rows);
    }
    let total: i64 = report.tables.iter().map(|t| t.rows).sum();
    println!("  {:<width$}  {:>10}  ({} tables)", "total", total, report.tables.len());
    for name in &report.not_in_source {
        println!("{name}: not in the source, left empty");
    }
    println!("sessions were not copied: staff sign in again");

    let copy = db::connect_and_migrate(to.as_str())
        .await
        .map_err(|e| format!("copied, but could not open the copy to verify it: {}", error_line(&e)))?;
    let chains = verify_chains(&copy, None).await.map_err(|e| match e {
        CommandError::Broken(lines) => CommandError::Broken(format!("copied, but on the copy: {lines}")),
        other => other,
    })?;
    let records: u64 = chains.iter().map(|(_, r)| r.checked).sum();
    println!(
        "audit chain verified for {} org{} ({records} record{})",
        chains.len(),
        if chains.len() == 1 { "" } else { "s" },
        if records == 1 { "" } else { "s" }
    );
    Ok(())
}

/// `callsnare api-key …`: each change in one transaction with its audit record (actor: the
/// command line, which may give any scope).
async fn api_key_command(database: &Db, command: ApiKeyCommand) -> Result<(), CommandError> {
    let live = crate::config::live_mode(|k| std::env::var(k).ok()).map_err(|e| CommandError::Usage(e.to_string()))?;
    let keyring = Keyring::load(database, live).await.map_err(|e| error_line(&e))?;
    let now = now_ms();
    match command {
        ApiKeyCommand::Create {
            org,
            name,
            scopes,
            expires_in_days,
        } => {
            let admin = KeyAdmin::cli(org_id_of(database, &org).await?);
            let new = NewKey {
                name,
                scopes: scopes.0,
                expires_in_days,
            };
            let mut tx = db::begin_write(database).await.map_err(|e| error_line(&e))?;
            let issued = api_keys::issue(&mut tx, &admin, &keyring, &new, now)
                .await
                .map_err(|e| key_error(e, &org))?;
            tx.commit().await.map_err(|e| error_line(&e))?;
            println!("created API key \"{}\" ({}) for {org}", issued.name, issued.id);
            print_issued(&issued);
            println!("copy the key now: it is not shown again (only its hash is stored)");
            println!("{}", issued.token.expose_secret());
        }
        ApiKeyCommand::List { org, json } => {
            let admin = KeyAdmin::cli(org_id_of(database, &org).await?);
            let mut conn = database.acquire().await.map_err(|e| error_line(&e))?;
            let rows = api_keys::list(&mut conn, &admin)
                .await
                .map_err(|e| key_error(e, &org))?;
            if json {
                let keys: Vec<serde_json::Value> = rows.iter().map(|row| key_json(row, now)).collect();
                println!("{}", serde_json::Value::Array(keys));
            } else if rows.is_empty() {
                println!("no API keys for {org}");
            } else {
                println!(
                    "{org}: {} key{} (last use is recorded to within a minute)",
                    rows.len(),
                    if rows.len() == 1 { "" } else { "s" }
                );
                for row in &rows {
                    let j = key_json(row, now);
                    let shown = |v: &serde_json::Value| v.as_str().map_or_else(|| "never".to_owned(), str::to_owned);
                    println!(
                        "{}  {}…  {:<8}  \"{}\"  scopes {}  created {}  last used {}  expires {}",
                        row.id,
                        row.prefix,
                        j["state"].as_str().unwrap_or_default(),
                        row.name,
                        key_store::scopes_from_stored(&row.scopes)
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(","),
                        shown(&j["created"]),
                        shown(&j["last_used"]),
                        shown(&j["expires"]),
                    );
                }
            }
        }
        ApiKeyCommand::Rotate { org, id, grace_hours } => {
            let admin = KeyAdmin::cli(org_id_of(database, &org).await?);
            let mut tx = db::begin_write(database).await.map_err(|e| error_line(&e))?;
            let issued = api_keys::rotate(&mut tx, &admin, &keyring, &id, grace_hours, now)
                .await
                .map_err(|e| key_error(e, &org))?;
            tx.commit().await.map_err(|e| error_line(&e))?;
            println!("rotated API key \"{}\" ({}) of {org}", issued.name, issued.id);
            print_issued(&issued);
            match issued.previous_until {
                Some(until) => println!("the earlier secret keeps working until {}", utc_time(until)),
                None => {
                    println!("the earlier secret is refused from now on (a running server sees this within 5 seconds)")
                }
            }
            println!("copy the new key now: it is not shown again (only its hash is stored)");
            println!("{}", issued.token.expose_secret());
        }
        ApiKeyCommand::Revoke { org, id } => {
            let admin = KeyAdmin::cli(org_id_of(database, &org).await?);
            let mut tx = db::begin_write(database).await.map_err(|e| error_line(&e))?;
            let name = api_keys::revoke(&mut tx, &admin, &id, now)
                .await
                .map_err(|e| key_error(e, &org))?;
            tx.commit().await.map_err(|e| error_line(&e))?;
            println!("revoked API key \"{name}\" ({id}) of {org}: every request with it is refused (a running server sees this within 5 seconds)");
        }
    }
    Ok(())
}

async fn org_id_of(database: &Db, slug: &OrgSlug) -> Result<OrgId, CommandError> {
    let mut conn = database.acquire().await.map_err(|e| error_line(&e))?;
    let org = orgs::find_by_slug(&mut conn, slug)
        .await
        .map_err(|e| error_line(&e))?
        .ok_or_else(|| CommandError::Usage(format!("no org with slug {slug}")))?;
    OrgId::parse(&org.id).map_err(|e| CommandError::Failed(format!("org {slug}: {e}")))
}

fn key_error(e: ApiKeysError, org: &OrgSlug) -> CommandError {
    match e {
        ApiKeysError::NotFound => CommandError::Usage(format!("no API key with that id in org {org}")),
        ApiKeysError::Db(err) => CommandError::Failed(error_line(&err)),
        refused => CommandError::Failed(refused.to_string()),
    }
}

fn print_issued(issued: &IssuedKey) {
    let scopes: Vec<&str> = issued.scopes.iter().map(|s| s.as_str()).collect();
    println!("prefix {}…  scopes {}", issued.prefix, scopes.join(","));
    match issued.expires_at {
        Some(at) => println!("expires {}", utc_time(at)),
        None => println!("does not expire"),
    }
    println!(
        "mode {} ({}): a server {} refuses it",
        issued.mode.as_str(),
        issued.mode.token_prefix(),
        if issued.mode == api_key::KeyMode::Live {
            "without CALLSNARE_LIVE=1"
        } else {
            "with CALLSNARE_LIVE=1"
        }
    );
}

/// A key as `api-key list --json` prints it (times RFC 3339 UTC, `null` when none).
fn key_json(row: &key_store::ApiKeyRow, now: i64) -> serde_json::Value {
    let state = KeyState::at(row.revoked_at, row.expires_at, row.previous_expires_at, now);
    let scopes: Vec<&str> = key_store::scopes_from_stored(&row.scopes)
        .iter()
        .map(|s| s.as_str())
        .collect();
    serde_json::json!({
        "id": row.id.as_str(),
        "name": row.name,
        "prefix": row.prefix,
        "scopes": scopes,
        "created": utc_time(row.created_at),
        "last_used": row.last_used_at.map(utc_time),
        "expires": row.expires_at.map(utc_time),
        "state": state.as_str(),
    })
}

/// Verifies the chain of `only` (or of every org, by slug): each org's report when all are
/// intact, else one line per broken org naming it and its first record that does not verify.
async fn verify_chains(
    database: &Db,
    only: Option<&OrgSlug>,
) -> Result<Vec<(OrgSlug, audit_events::VerifyReport)>, CommandError> {
    let mut conn = database.acquire().await.map_err(|e| error_line(&e))?;
    let all = match only {
        Some(slug) => vec![orgs::find_by_slug(&mut conn, slug)
            .await
            .map_err(|e| error_line(&e))?
            .ok_or_else(|| CommandError::Usage(format!("no org with slug {slug}")))?],
        None => orgs::list(&mut conn).await.map_err(|e| error_line(&e))?,
    };
    let mut checked = Vec::new();
    let mut broken = Vec::new();
    for org in all {
        let id = OrgId::parse(&org.id).map_err(|e| format!("org {}: {e}", org.slug))?;
        let slug = OrgSlug::parse(&org.slug).map_err(|e| format!("org {}: {e}", org.slug))?;
        let report = audit_events::verify_org(&mut conn, &id)
            .await
            .map_err(|e| error_line(&e))?;
        match report.first_bad.as_ref().map(ToString::to_string) {
            None => checked.push((slug, report)),
            Some(b) => broken.push(format!("audit chain broken: org {slug} at {b}")),
        }
    }
    if broken.is_empty() {
        Ok(checked)
    } else {
        Err(CommandError::Broken(broken.join("\n")))
    }
}

fn owner_password() -> Result<Option<SecretString>, String> {
    if let Some(pw) = std::env::var("CALLSNARE_OWNER_PASSWORD").ok().filter(|p| !p.is_empty()) {
        return Ok(Some(SecretString::from(pw)));
    }
    if !std::io::stdin().is_terminal() {
        return Ok(None);
    }
    let first = rpassword::prompt_password("Owner password: ").map_err(|_| "could not read the password".to_owned())?;
    let second =
        rpassword::prompt_password("Repeat password: ").map_err(|_| "could not read the password".to_owned())?;
    if first != second {
        return Err("passwords do not match".to_owned());
    }
    Ok(Some(SecretString::from(first)))
}

/// The error and its causes on one line; none of our error types carry secrets.
pub fn error_line(err: &dyn std::error::Error) -> String {
    let mut line = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        line.push_str(": ");
        line.push_str(&cause.to_string());
        source = cause.source();
    }
    line.replace('\n', " ")
}
