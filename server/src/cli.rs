//! The operator command line. Arguments parse straight into domain types, so a bad slug or
//! phone number is refused by clap with a clear message before anything touches the database.

use std::io::IsTerminal;

use app::{
    domain::{E164Phone, EmailAddress, OrgSlug, OrgTimezone},
    ssr::{
        db::{self, mail_outbox},
        services::onboarding::{self, NewNumber, NewOrg},
    },
};
use clap::{Parser, Subcommand};
use secrecy::SecretString;

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
fn parse_phone(s: &str) -> Result<E164Phone, String> {
    E164Phone::parse(s).map_err(|e| e.to_string())
}
/// A comma-separated list of E.164 numbers, parsed whole so clap sees one value.
#[derive(Debug, Clone)]
pub struct PhoneList(pub Vec<E164Phone>);

fn parse_phone_list(s: &str) -> Result<PhoneList, String> {
    E164Phone::parse_list(s).map(PhoneList).map_err(|e| e.to_string())
}

/// Runs a non-serve command. Errors come back as one printable line.
pub async fn run_admin(database_url: &str, command: Command) -> Result<(), String> {
    let database = db::connect_and_migrate(database_url)
        .await
        .map_err(|e| error_line(&e))?;
    match command {
        Command::Serve | Command::Simulate { .. } => unreachable!("handled by main"),
        Command::Migrate => {
            println!("migrations applied ({} total)", db::MIGRATOR.iter().count());
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
