//! Settings from the environment, parsed once at start-up. Every failure is one line naming
//! the variable; secret values are never echoed.

use std::{
    fmt,
    net::{IpAddr, SocketAddr},
    time::Duration,
};

use app::domain::billing::{BillingPolicy, DEFAULT_GRACE_DAYS, MAX_GRACE_DAYS};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/callsnare.db";
pub const DEFAULT_ADDR: &str = "127.0.0.1:3000";
pub const DEFAULT_TWILIO_API_BASE: &str = "https://api.twilio.com";
pub const DEFAULT_STRIPE_API_BASE: &str = "https://api.stripe.com";
/// `/api/v1` requests per second one API key may make, sustained, and its burst.
pub const DEFAULT_API_RATE: u32 = 20;
pub const DEFAULT_API_BURST: u32 = 40;
/// Long enough that a session secret cannot be brute-forced offline.
const MIN_SESSION_SECRET_LEN: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("{var} is not valid: {reason}")]
    Invalid { var: &'static str, reason: String },
    #[error("{var} is required when CALLSNARE_LIVE=1")]
    RequiredInLive { var: &'static str },
    #[error("{var} is required when {with} is set")]
    RequiredWith { var: &'static str, with: &'static str },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Clone)]
pub struct TwilioSettings {
    pub account_sid: Option<String>,
    pub auth_token: Option<SecretString>,
    /// The account's secondary token during a rotation: callbacks signed with it are accepted
    /// too, so promoting it in Twilio's console does not turn calls away before a redeploy.
    /// Sending still uses `auth_token`.
    pub secondary_auth_token: Option<SecretString>,
    pub api_base: Url,
}

impl TwilioSettings {
    /// The tokens a callback signature may be made with, primary first.
    pub fn signing_tokens(&self) -> Vec<SecretString> {
        self.auth_token
            .iter()
            .chain(&self.secondary_auth_token)
            .cloned()
            .collect()
    }
}

/// Stripe's API for the billing page (Checkout and Billing Portal sessions). The webhook's
/// signing secrets are [`Settings::stripe_webhook_secrets`].
#[derive(Clone)]
pub struct StripeSettings {
    /// `STRIPE_SECRET_KEY` (`sk_…` or a restricted `rk_…`); without it the billing page's
    /// buttons explain that billing is not configured.
    pub secret_key: Option<SecretString>,
    /// `STRIPE_PRICE_ID` (`price_…`): what "Subscribe" subscribes to.
    pub price_id: Option<String>,
    /// `STRIPE_API_BASE`: Stripe's API unless tests point it at a fake.
    pub api_base: Url,
}

impl StripeSettings {
    /// Where Stripe sends the owner after a session is created: the only origins the
    /// billing page's forms may be redirected to (its `form-action`), and the only ones the
    /// server redirects to. A fake API base (tests) serves its own pages.
    pub fn redirect_origins(&self) -> Vec<String> {
        let mut origins = vec![
            "https://checkout.stripe.com".to_owned(),
            "https://billing.stripe.com".to_owned(),
        ];
        let base = self.api_base.origin().ascii_serialization();
        if base != DEFAULT_STRIPE_API_BASE {
            origins.push(base);
        }
        origins
    }
}

/// Outbound mail (invitations, set-password links). Without it, mail waits in the outbox
/// for the operator (`callsnare mail list`).
#[derive(Clone)]
pub struct MailSettings {
    /// `smtp://…` or `smtps://user:password@host[:port]`; may hold the SMTP password, so it
    /// is never printed, not even in an error.
    pub smtp_url: SecretString,
    /// The From of every mail (`CALLSNARE_MAIL_FROM`).
    pub from: lettre::message::Mailbox,
    /// The connection is encrypted (`smtps://`, or `smtp://…?tls=required`).
    pub encrypted: bool,
}

impl fmt::Debug for MailSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MailSettings")
            .field("smtp_url", &"[set]")
            .field("from", &self.from.to_string())
            .field("encrypted", &self.encrypted)
            .finish()
    }
}

#[derive(Clone)]
pub struct Settings {
    pub database_url: String,
    pub addr: SocketAddr,
    pub public_url: Option<Url>,
    pub live: bool,
    pub twilio: TwilioSettings,
    pub stripe_webhook_secrets: Vec<SecretString>,
    pub stripe: StripeSettings,
    /// `CALLSNARE_BILLING_REQUIRED` and `CALLSNARE_BILLING_GRACE_DAYS`.
    pub billing: BillingPolicy,
    /// SMTP for invitation and set-password mail; `None` holds mail for the operator.
    pub mail: Option<MailSettings>,
    pub session_secret: Option<SecretString>,
    pub log_format: LogFormat,
    /// Sustained callbacks per second allowed from one client IP on the provider routes.
    pub webhook_rate_per_sec: u32,
    pub webhook_burst: u32,
    /// Sustained `/api/v1` requests per second allowed for one API key, and its burst.
    pub api_rate_per_sec: u32,
    pub api_burst: u32,
    /// Reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpAddr>,
    /// How long a claimed outbox row stays claimed before another attempt may take it.
    pub outbox_lease: Duration,
    /// A session ends after this long without activity.
    pub session_idle: Duration,
    /// A session ends this long after sign-in, however active.
    pub session_absolute: Duration,
    /// How often unanswered leads are checked for escalation.
    pub escalation_scan: Duration,
    /// Sandbox only: accept unsigned provider callbacks even when listening beyond loopback
    /// (`CALLSNARE_ALLOW_UNSIGNED_WEBHOOKS=1`). Off by default, because anyone who can reach
    /// the server and knows a business number could forge a STOP or a lead.
    pub allow_unsigned_webhooks: bool,
}

// Hand-written so a stray `{:?}` can never print a secret.
impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("database_url", &redact_password(&self.database_url))
            .field("addr", &self.addr)
            .field("public_url", &self.public_url.as_ref().map(Url::as_str))
            .field("live", &self.live)
            .field("twilio_account_sid", &self.twilio.account_sid)
            .field("twilio_auth_token", &self.twilio.auth_token.as_ref().map(|_| "[set]"))
            .field(
                "twilio_secondary_auth_token",
                &self.twilio.secondary_auth_token.as_ref().map(|_| "[set]"),
            )
            .field("twilio_api_base", &self.twilio.api_base.as_str())
            .field("stripe_webhook_secrets", &self.stripe_webhook_secrets.len())
            .field("stripe_secret_key", &self.stripe.secret_key.as_ref().map(|_| "[set]"))
            .field("stripe_price_id", &self.stripe.price_id)
            .field("stripe_api_base", &self.stripe.api_base.as_str())
            .field("billing", &self.billing)
            .field("mail", &self.mail)
            .field("session_secret", &self.session_secret.as_ref().map(|_| "[set]"))
            .field("webhook_rate_per_sec", &self.webhook_rate_per_sec)
            .field("webhook_burst", &self.webhook_burst)
            .field("api_rate_per_sec", &self.api_rate_per_sec)
            .field("api_burst", &self.api_burst)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("outbox_lease", &self.outbox_lease)
            .field("session_idle", &self.session_idle)
            .field("session_absolute", &self.session_absolute)
            .field("escalation_scan", &self.escalation_scan)
            .field("allow_unsigned_webhooks", &self.allow_unsigned_webhooks)
            .finish()
    }
}

/// Request-handling threads: one per core but one, because the single writer and SQLite's
/// own thread hand statements back and forth and need a core of their own. On the 2-core
/// machine, two request threads cut webhook throughput from ~10k/s to 5–8k/s.
pub fn worker_threads(get: impl Fn(&str) -> Option<String>) -> Result<usize, ConfigError> {
    match get("CALLSNARE_WORKER_THREADS")
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
    {
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=1024).contains(&n) => Ok(n),
            _ => Err(invalid(
                "CALLSNARE_WORKER_THREADS",
                "expected a whole number from 1 to 1024",
            )),
        },
        None => Ok(std::thread::available_parallelism()
            .map_or(1, |n| n.get().saturating_sub(1))
            .max(1)),
    }
}

/// The billing rules alone (`CALLSNARE_BILLING_REQUIRED`, `CALLSNARE_BILLING_GRACE_DAYS`):
/// what `callsnare billing show` needs to say whether texts are paused, without the rest
/// of the server's settings.
pub fn billing_policy(get: impl Fn(&str) -> Option<String>) -> Result<BillingPolicy, ConfigError> {
    let var = |k: &str| get(k).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    parse_billing(&var)
}

/// Whether `CALLSNARE_LIVE=1`, alone: what the operator commands need to mint keys of the
/// server's mode (`cs_live_…` or `cs_test_…`) without the rest of the server's settings.
pub fn live_mode(get: impl Fn(&str) -> Option<String>) -> Result<bool, ConfigError> {
    let var = |k: &str| get(k).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    parse_switch(&var, "CALLSNARE_LIVE")
}

impl Settings {
    pub fn from_process_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Parses settings from any variable lookup, so tests need not touch the process env.
    /// Variables are read in a fixed order, so the first bad one is the one reported.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let var = |k: &str| get(k).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());

        let database_url = parse_database_url(&var)?;
        let addr = parse_addr(&var)?;
        let live = parse_switch(&var, "CALLSNARE_LIVE")?;
        let public_url = var("CALLSNARE_PUBLIC_URL")
            .map(|raw| parse_base_url("CALLSNARE_PUBLIC_URL", &raw))
            .transpose()?;
        let twilio = parse_twilio(&var)?;
        let stripe_webhook_secrets = parse_stripe_secrets(&var)?;
        let stripe = parse_stripe(&var)?;
        let billing = parse_billing(&var)?;
        let mail = parse_mail(&var)?;
        let session_secret = parse_session_secret(&var)?;
        let log_format = parse_log_format(&var)?;
        let limits = parse_limits(&var)?;
        let trusted_proxies = parse_trusted_proxies(&var)?;
        let allow_unsigned_webhooks = parse_switch(&var, "CALLSNARE_ALLOW_UNSIGNED_WEBHOOKS")?;
        if allow_unsigned_webhooks && live {
            return Err(invalid(
                "CALLSNARE_ALLOW_UNSIGNED_WEBHOOKS",
                "cannot be set with CALLSNARE_LIVE=1: live mode always verifies provider signatures",
            ));
        }

        let settings = Settings {
            database_url,
            addr,
            public_url,
            live,
            twilio,
            stripe_webhook_secrets,
            stripe,
            billing,
            mail,
            session_secret,
            log_format,
            webhook_rate_per_sec: limits.webhook_rate_per_sec,
            webhook_burst: limits.webhook_burst,
            api_rate_per_sec: limits.api_rate_per_sec,
            api_burst: limits.api_burst,
            trusted_proxies,
            outbox_lease: limits.outbox_lease,
            session_idle: limits.session_idle,
            session_absolute: limits.session_absolute,
            escalation_scan: limits.escalation_scan,
            allow_unsigned_webhooks,
        };
        settings.validate_live()?;
        Ok(settings)
    }

    /// Live mode talks to real providers and real customers: every secret must be present
    /// and providers must reach us over https.
    fn validate_live(&self) -> Result<(), ConfigError> {
        if !self.live {
            return Ok(());
        }
        match &self.public_url {
            None => {
                return Err(ConfigError::RequiredInLive {
                    var: "CALLSNARE_PUBLIC_URL",
                })
            }
            Some(u) if u.scheme() != "https" => {
                return Err(invalid(
                    "CALLSNARE_PUBLIC_URL",
                    "must be an https URL when CALLSNARE_LIVE=1",
                ))
            }
            Some(_) => {}
        }
        if self.twilio.account_sid.is_none() {
            return Err(ConfigError::RequiredInLive {
                var: "TWILIO_ACCOUNT_SID",
            });
        }
        if self.twilio.auth_token.is_none() {
            return Err(ConfigError::RequiredInLive {
                var: "TWILIO_AUTH_TOKEN",
            });
        }
        // An office that does not bill through Stripe needs no Stripe secret. One that
        // does (a secret key, or billing required) must verify Stripe's events: without
        // the webhook secret every billing event would be refused.
        if self.stripe_webhook_secrets.is_empty() && (self.stripe.secret_key.is_some() || self.billing.required) {
            return Err(ConfigError::RequiredInLive {
                var: "STRIPE_WEBHOOK_SECRET",
            });
        }
        if self.session_secret.is_none() {
            return Err(ConfigError::RequiredInLive {
                var: "CALLSNARE_SESSION_SECRET",
            });
        }
        Ok(())
    }

    /// Whether provider callbacks must carry a valid signature. Always in live mode and
    /// whenever a signing token is configured; in sandbox also when the server listens
    /// beyond loopback, unless explicitly allowed, so that a server reachable by others
    /// cannot be fed forged STOPs or leads by default.
    pub fn webhook_signatures_required(&self) -> bool {
        self.live
            || self.twilio.auth_token.is_some()
            || (!self.allow_unsigned_webhooks && self.reachable_beyond_loopback())
    }

    /// Whether Stripe events must carry a valid `Stripe-Signature`: always in live mode and
    /// whenever a webhook secret is configured; in sandbox also when the server is
    /// reachable beyond loopback, unless unsigned callbacks are explicitly allowed.
    pub fn stripe_signatures_required(&self) -> bool {
        self.live
            || !self.stripe_webhook_secrets.is_empty()
            || (!self.allow_unsigned_webhooks && self.reachable_beyond_loopback())
    }

    /// Whether others can reach this server: it listens beyond loopback, a public URL names
    /// another host, or it sits behind a proxy (trusted proxies configured), which may well
    /// be on this same machine and forward the whole internet to a loopback listener.
    fn reachable_beyond_loopback(&self) -> bool {
        !self.addr.ip().is_loopback() || self.public_url_is_remote() || !self.trusted_proxies.is_empty()
    }

    /// A public URL that is not this machine (a tunnel such as ngrok, a proxy's domain):
    /// providers, and anyone else, reach a loopback listener through it.
    fn public_url_is_remote(&self) -> bool {
        self.public_url.as_ref().is_some_and(|u| match u.host() {
            Some(url::Host::Domain(d)) => d != "localhost",
            Some(url::Host::Ipv4(ip)) => !ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => !ip.is_loopback(),
            None => false,
        })
    }

    /// Whether texts really go out to Twilio (credentials set) or are only recorded.
    pub fn texts_really_sent(&self) -> bool {
        self.twilio.account_sid.is_some() && self.twilio.auth_token.is_some()
    }

    /// The start-up line for sandbox mode: what is and is not enforced, as configured.
    pub fn sandbox_warning(&self) -> String {
        let signatures = if self.twilio.auth_token.is_some() {
            "Twilio signatures ARE verified (TWILIO_AUTH_TOKEN is set)".to_owned()
        } else if self.webhook_signatures_required() {
            format!(
                "provider callbacks are REFUSED: the server is reachable beyond loopback (listening on {}{}) \
                 without TWILIO_AUTH_TOKEN (set it, or CALLSNARE_ALLOW_UNSIGNED_WEBHOOKS=1 to accept forgeable callbacks)",
                self.addr,
                if self.public_url_is_remote() { ", with a public URL" } else { "" }
            )
        } else if self.allow_unsigned_webhooks {
            "UNSIGNED provider callbacks are ACCEPTED from anywhere (CALLSNARE_ALLOW_UNSIGNED_WEBHOOKS=1): \
             anyone who can reach this server can forge calls, texts and STOPs"
                .to_owned()
        } else {
            "unsigned provider callbacks are accepted from this machine only (loopback)".to_owned()
        };
        let texts = if self.texts_really_sent() {
            "texts ARE sent through Twilio (credentials are set)"
        } else {
            "texts are recorded, not sent"
        };
        format!("SANDBOX MODE: {signatures}; {texts}. Set CALLSNARE_LIVE=1 for production.")
    }

    /// The base URL providers use to reach us; in sandbox it falls back to the listen address.
    pub fn public_base(&self) -> String {
        match &self.public_url {
            Some(u) => u.as_str().trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.addr),
        }
    }
}

/// A database URL with its password (if any) replaced, for anything that may be printed.
pub fn redact_password(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("[redacted]"));
            u.to_string()
        }
        _ => url.to_owned(),
    }
}

fn parse_database_url(var: &impl Fn(&str) -> Option<String>) -> Result<String, ConfigError> {
    let database_url = var("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
    if app::ssr::db::Engine::of_url(&database_url).is_none() {
        return Err(invalid(
            "DATABASE_URL",
            "expected a sqlite: URL (the embedded default) or a postgres: URL",
        ));
    }
    Ok(database_url)
}

fn parse_addr(var: &impl Fn(&str) -> Option<String>) -> Result<SocketAddr, ConfigError> {
    let addr_raw = var("CALLSNARE_ADDR").unwrap_or_else(|| DEFAULT_ADDR.to_owned());
    addr_raw.parse::<SocketAddr>().map_err(|_| {
        invalid(
            "CALLSNARE_ADDR",
            format!("expected host:port such as {DEFAULT_ADDR}, got {addr_raw:?}"),
        )
    })
}

/// A `0`/`1` (or `false`/`true`) switch, off when unset.
fn parse_switch(var: &impl Fn(&str) -> Option<String>, name: &'static str) -> Result<bool, ConfigError> {
    match var(name).as_deref() {
        None | Some("0") | Some("false") => Ok(false),
        Some("1") | Some("true") => Ok(true),
        Some(other) => Err(invalid(name, format!("expected 0 or 1, got {other:?}"))),
    }
}

/// `TWILIO_API_BASE`, `TWILIO_ACCOUNT_SID`, `TWILIO_AUTH_TOKEN` and its secondary.
fn parse_twilio(var: &impl Fn(&str) -> Option<String>) -> Result<TwilioSettings, ConfigError> {
    let api_base = parse_base_url(
        "TWILIO_API_BASE",
        &var("TWILIO_API_BASE").unwrap_or_else(|| DEFAULT_TWILIO_API_BASE.to_owned()),
    )?;
    let account_sid = var("TWILIO_ACCOUNT_SID");
    if let Some(sid) = &account_sid {
        let ok = sid.len() == 34 && sid.starts_with("AC") && sid[2..].bytes().all(|b| b.is_ascii_hexdigit());
        if !ok {
            return Err(invalid("TWILIO_ACCOUNT_SID", "expected AC followed by 32 hex digits"));
        }
    }
    let auth_token = var("TWILIO_AUTH_TOKEN").map(SecretString::from);
    let secondary_auth_token = var("TWILIO_AUTH_TOKEN_SECONDARY").map(SecretString::from);
    if secondary_auth_token.is_some() && auth_token.is_none() {
        return Err(invalid(
            "TWILIO_AUTH_TOKEN_SECONDARY",
            "needs TWILIO_AUTH_TOKEN (the primary) set too",
        ));
    }
    Ok(TwilioSettings {
        account_sid,
        auth_token,
        secondary_auth_token,
        api_base,
    })
}

/// `STRIPE_WEBHOOK_SECRET`: comma-separated during a rotation.
fn parse_stripe_secrets(var: &impl Fn(&str) -> Option<String>) -> Result<Vec<SecretString>, ConfigError> {
    let Some(raw) = var("STRIPE_WEBHOOK_SECRET") else {
        return Ok(Vec::new());
    };
    let parts: Vec<&str> = raw.split(',').map(str::trim).collect();
    if parts.iter().any(|p| !p.starts_with("whsec_") || p.len() < 10) {
        return Err(invalid(
            "STRIPE_WEBHOOK_SECRET",
            "expected a comma-separated list of whsec_… secrets",
        ));
    }
    Ok(parts.into_iter().map(|p| SecretString::from(p.to_owned())).collect())
}

/// `STRIPE_SECRET_KEY`, `STRIPE_PRICE_ID` and `STRIPE_API_BASE`. The key is never echoed.
fn parse_stripe(var: &impl Fn(&str) -> Option<String>) -> Result<StripeSettings, ConfigError> {
    let secret_key = var("STRIPE_SECRET_KEY");
    if let Some(key) = &secret_key {
        let ok =
            (key.starts_with("sk_") || key.starts_with("rk_")) && key.len() >= 10 && !key.contains(char::is_whitespace);
        if !ok {
            return Err(invalid(
                "STRIPE_SECRET_KEY",
                "expected a secret key (sk_…) or a restricted key (rk_…)",
            ));
        }
    }
    let price_id = var("STRIPE_PRICE_ID");
    if let Some(price) = &price_id {
        if !price.starts_with("price_") || !price[6..].bytes().all(|b| b.is_ascii_alphanumeric()) || price.len() < 7 {
            return Err(invalid("STRIPE_PRICE_ID", "expected a Stripe price id (price_…)"));
        }
    }
    let api_base = parse_base_url(
        "STRIPE_API_BASE",
        &var("STRIPE_API_BASE").unwrap_or_else(|| DEFAULT_STRIPE_API_BASE.to_owned()),
    )?;
    Ok(StripeSettings {
        secret_key: secret_key.map(SecretString::from),
        price_id,
        api_base,
    })
}

/// `CALLSNARE_BILLING_REQUIRED` (0/1) and `CALLSNARE_BILLING_GRACE_DAYS` (default 7).
fn parse_billing(var: &impl Fn(&str) -> Option<String>) -> Result<BillingPolicy, ConfigError> {
    let required = parse_switch(var, "CALLSNARE_BILLING_REQUIRED")?;
    let grace_days = parse_number(
        var,
        "CALLSNARE_BILLING_GRACE_DAYS",
        DEFAULT_GRACE_DAYS,
        0,
        MAX_GRACE_DAYS,
    )?;
    Ok(BillingPolicy { required, grace_days })
}

fn parse_session_secret(var: &impl Fn(&str) -> Option<String>) -> Result<Option<SecretString>, ConfigError> {
    let session_secret = var("CALLSNARE_SESSION_SECRET").map(SecretString::from);
    if let Some(s) = &session_secret {
        if s.expose_secret().len() < MIN_SESSION_SECRET_LEN {
            return Err(invalid(
                "CALLSNARE_SESSION_SECRET",
                format!("must be at least {MIN_SESSION_SECRET_LEN} characters"),
            ));
        }
    }
    Ok(session_secret)
}

fn parse_log_format(var: &impl Fn(&str) -> Option<String>) -> Result<LogFormat, ConfigError> {
    match var("CALLSNARE_LOG_FORMAT").as_deref() {
        None | Some("pretty") | Some("text") => Ok(LogFormat::Pretty),
        Some("json") => Ok(LogFormat::Json),
        Some(other) => Err(invalid(
            "CALLSNARE_LOG_FORMAT",
            format!("expected json or pretty, got {other:?}"),
        )),
    }
}

/// The numeric limits and periods, each with its default and bounds.
struct Limits {
    webhook_rate_per_sec: u32,
    webhook_burst: u32,
    outbox_lease: Duration,
    session_idle: Duration,
    session_absolute: Duration,
    escalation_scan: Duration,
    api_rate_per_sec: u32,
    api_burst: u32,
}

fn parse_limits(var: &impl Fn(&str) -> Option<String>) -> Result<Limits, ConfigError> {
    let secs = |n: u32, unit: u64| Duration::from_secs(unit * u64::from(n));
    Ok(Limits {
        webhook_rate_per_sec: parse_number(var, "CALLSNARE_WEBHOOK_RATE", 100, 1, 1_000_000)?,
        webhook_burst: parse_number(var, "CALLSNARE_WEBHOOK_BURST", 200, 1, 1_000_000)?,
        outbox_lease: secs(parse_number(var, "CALLSNARE_OUTBOX_LEASE_SECS", 60, 1, 3600)?, 1),
        session_idle: secs(parse_number(var, "CALLSNARE_SESSION_IDLE_HOURS", 12, 1, 720)?, 3600),
        session_absolute: secs(parse_number(var, "CALLSNARE_SESSION_MAX_DAYS", 7, 1, 90)?, 86_400),
        escalation_scan: secs(parse_number(var, "CALLSNARE_ESCALATION_SCAN_SECS", 30, 1, 3600)?, 1),
        api_rate_per_sec: parse_number(var, "CALLSNARE_API_RATE", DEFAULT_API_RATE, 1, 1_000_000)?,
        api_burst: parse_number(var, "CALLSNARE_API_BURST", DEFAULT_API_BURST, 1, 1_000_000)?,
    })
}

fn parse_trusted_proxies(var: &impl Fn(&str) -> Option<String>) -> Result<Vec<IpAddr>, ConfigError> {
    let Some(raw) = var("CALLSNARE_TRUSTED_PROXIES") else {
        return Ok(Vec::new());
    };
    raw.split(',')
        .map(|p| p.trim().parse::<IpAddr>())
        .collect::<Result<_, _>>()
        .map_err(|_| {
            invalid(
                "CALLSNARE_TRUSTED_PROXIES",
                "expected a comma-separated list of IP addresses",
            )
        })
}

fn parse_number(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: u32,
    min: u32,
    max: u32,
) -> Result<u32, ConfigError> {
    match var(name) {
        None => Ok(default),
        Some(raw) => raw
            .parse::<u32>()
            .ok()
            .filter(|n| (min..=max).contains(n))
            .ok_or_else(|| {
                invalid(
                    name,
                    format!("expected a whole number from {min} to {max}, got {raw:?}"),
                )
            }),
    }
}

/// `CALLSNARE_SMTP_URL` and `CALLSNARE_MAIL_FROM`. The URL is never echoed: it may hold
/// the SMTP password.
fn parse_mail(var: &impl Fn(&str) -> Option<String>) -> Result<Option<MailSettings>, ConfigError> {
    const URL_SHAPE: &str = "expected smtp://host:port or smtps://user:password@host[:port]";
    let from = var("CALLSNARE_MAIL_FROM")
        .map(|raw| {
            raw.parse::<lettre::message::Mailbox>().map_err(|_| {
                invalid(
                    "CALLSNARE_MAIL_FROM",
                    "expected an address such as CallSnare <no-reply@example.com>",
                )
            })
        })
        .transpose()?;
    let Some(raw) = var("CALLSNARE_SMTP_URL") else {
        return Ok(None);
    };
    let url = Url::parse(&raw)
        .ok()
        .filter(|u| matches!(u.scheme(), "smtp" | "smtps") && u.host_str().is_some_and(|h| !h.is_empty()))
        .ok_or_else(|| invalid("CALLSNARE_SMTP_URL", URL_SHAPE))?;
    let tls = url.query_pairs().find(|(k, _)| k == "tls").map(|(_, v)| v.into_owned());
    if !matches!(tls.as_deref(), None | Some("required") | Some("opportunistic")) {
        return Err(invalid("CALLSNARE_SMTP_URL", "tls= must be required or opportunistic"));
    }
    let encrypted = url.scheme() == "smtps" || tls.as_deref() == Some("required");
    let from = from.ok_or(ConfigError::RequiredWith {
        var: "CALLSNARE_MAIL_FROM",
        with: "CALLSNARE_SMTP_URL",
    })?;
    Ok(Some(MailSettings {
        smtp_url: SecretString::from(raw),
        from,
        encrypted,
    }))
}

fn invalid(var: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        var,
        reason: reason.into(),
    }
}

fn parse_base_url(var: &'static str, raw: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(raw).map_err(|_| invalid(var, "expected an absolute http(s) URL"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(invalid(var, "expected an absolute http(s) URL"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid(var, "must not contain a query or fragment"));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn parse(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Settings::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn worker_threads_default_leaves_a_core_for_the_writer_and_rejects_nonsense() {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        assert_eq!(worker_threads(|_| None).unwrap(), (cores - 1).max(1));
        assert_eq!(worker_threads(|_| Some(" 3 ".into())).unwrap(), 3);
        for bad in ["0", "-1", "two", "99999"] {
            let err = worker_threads(|_| Some(bad.into())).unwrap_err();
            assert!(
                err.to_string().starts_with("CALLSNARE_WORKER_THREADS is not valid"),
                "{err}"
            );
        }
    }

    const LIVE: &[(&str, &str)] = &[
        ("CALLSNARE_LIVE", "1"),
        ("CALLSNARE_PUBLIC_URL", "https://calls.example.com"),
        ("TWILIO_ACCOUNT_SID", "AC0123456789abcdef0123456789abcdef"),
        ("TWILIO_AUTH_TOKEN", "tok-super-secret"),
        ("STRIPE_WEBHOOK_SECRET", "whsec_abcdefghij"),
        ("STRIPE_SECRET_KEY", "sk_live_0123456789abcdef"),
        ("CALLSNARE_SESSION_SECRET", "session-secret-of-thirty-two-chars!"),
    ];

    #[test]
    fn the_sandbox_line_says_what_is_true_as_configured() {
        let local = parse(&[]).unwrap();
        assert!(!local.webhook_signatures_required());
        let line = local.sandbox_warning();
        assert!(
            line.contains("loopback") && line.contains("texts are recorded, not sent"),
            "{line}"
        );

        let exposed = parse(&[("CALLSNARE_ADDR", "0.0.0.0:3000")]).unwrap();
        assert!(exposed.webhook_signatures_required());
        assert!(exposed.sandbox_warning().contains("REFUSED"));

        // loopback behind a proxy on the same machine is reachable by anyone
        let proxied = parse(&[("CALLSNARE_TRUSTED_PROXIES", "127.0.0.1")]).unwrap();
        assert!(proxied.webhook_signatures_required() && proxied.stripe_signatures_required());

        let allowed = parse(&[
            ("CALLSNARE_ADDR", "0.0.0.0:3000"),
            ("CALLSNARE_ALLOW_UNSIGNED_WEBHOOKS", "1"),
        ])
        .unwrap();
        assert!(!allowed.webhook_signatures_required());
        assert!(allowed.sandbox_warning().contains("ACCEPTED from anywhere"));

        let sending = parse(&[
            ("TWILIO_ACCOUNT_SID", "AC0123456789abcdef0123456789abcdef"),
            ("TWILIO_AUTH_TOKEN", "a-token-that-must-never-be-printed"),
        ])
        .unwrap();
        let line = sending.sandbox_warning();
        assert!(
            line.contains("texts ARE sent") && line.contains("ARE verified"),
            "{line}"
        );
        assert!(!line.contains("a-token-that-must-never-be-printed"));

        let live_and_unsigned: Vec<(&str, &str)> = LIVE
            .iter()
            .copied()
            .chain([("CALLSNARE_ALLOW_UNSIGNED_WEBHOOKS", "1")])
            .collect();
        assert!(parse(&live_and_unsigned).is_err());
    }

    #[test]
    fn sandbox_defaults_need_nothing() {
        let s = parse(&[]).unwrap();
        assert_eq!(s.database_url, DEFAULT_DATABASE_URL);
        let pg = "postgres://callsnare:hunter2-secret@db.internal:5432/callsnare";
        let s = Settings::from_lookup(|k| (k == "DATABASE_URL").then(|| pg.to_owned())).unwrap();
        assert_eq!(s.database_url, pg);
        let shown = format!("{s:?}");
        assert!(!shown.contains("hunter2-secret"), "{shown}");
        assert!(shown.contains("db.internal"));
        assert_eq!(s.addr.to_string(), DEFAULT_ADDR);
        assert!(!s.live);
        assert_eq!(s.public_base(), "http://127.0.0.1:3000");
    }

    #[test]
    fn live_mode_requires_every_secret() {
        assert!(parse(LIVE).unwrap().live);
        for skip in [
            "CALLSNARE_PUBLIC_URL",
            "TWILIO_AUTH_TOKEN",
            "STRIPE_WEBHOOK_SECRET",
            "CALLSNARE_SESSION_SECRET",
        ] {
            let vars: Vec<_> = LIVE.iter().copied().filter(|(k, _)| *k != skip).collect();
            let err = parse(&vars).unwrap_err();
            assert_eq!(err, ConfigError::RequiredInLive { var: skip });
        }
        let mut http = LIVE.to_vec();
        http.retain(|(k, _)| *k != "CALLSNARE_PUBLIC_URL");
        http.push(("CALLSNARE_PUBLIC_URL", "http://calls.example.com"));
        assert!(parse(&http).unwrap_err().to_string().contains("https"));
    }

    #[test]
    fn live_mode_needs_the_stripe_webhook_secret_only_when_it_bills_through_stripe() {
        // A self-hosted office in live mode without Stripe at all starts.
        let no_stripe: Vec<_> = LIVE
            .iter()
            .copied()
            .filter(|(k, _)| !k.starts_with("STRIPE_"))
            .collect();
        let s = parse(&no_stripe).unwrap();
        assert!(s.stripe.secret_key.is_none() && s.stripe_webhook_secrets.is_empty());
        assert!(s.stripe_signatures_required(), "live mode refuses unsigned events");
        // A secret key (or billing required) without the webhook secret refuses to start.
        let mut key_only = no_stripe.clone();
        key_only.push(("STRIPE_SECRET_KEY", "sk_live_0123456789abcdef"));
        assert_eq!(
            parse(&key_only).unwrap_err(),
            ConfigError::RequiredInLive {
                var: "STRIPE_WEBHOOK_SECRET"
            }
        );
        let mut required = no_stripe.clone();
        required.push(("CALLSNARE_BILLING_REQUIRED", "1"));
        assert!(parse(&required).is_err());
        // sandbox: a secret key alone is fine; the webhook is then open on loopback only
        let sandbox = parse(&[("STRIPE_SECRET_KEY", "sk_test_0123456789abcdef")]).unwrap();
        assert!(!sandbox.stripe_signatures_required());
        let signed = parse(&[("STRIPE_WEBHOOK_SECRET", "whsec_abcdefghij,whsec_klmnopqrst")]).unwrap();
        assert_eq!(signed.stripe_webhook_secrets.len(), 2);
        assert!(signed.stripe_signatures_required());
    }

    #[test]
    fn billing_rules_and_stripe_settings_default_and_parse() {
        let s = parse(&[]).unwrap();
        assert_eq!(s.billing, BillingPolicy::default());
        assert_eq!(s.billing.grace_days, 7);
        assert_eq!(s.stripe.api_base.as_str(), "https://api.stripe.com/");
        assert_eq!(
            s.stripe.redirect_origins(),
            ["https://checkout.stripe.com", "https://billing.stripe.com"]
        );
        let s = parse(&[
            ("CALLSNARE_BILLING_REQUIRED", "1"),
            ("CALLSNARE_BILLING_GRACE_DAYS", "0"),
            ("STRIPE_PRICE_ID", "price_1PgafmB7WZ01zgkW"),
            ("STRIPE_API_BASE", "http://127.0.0.1:4242"),
        ])
        .unwrap();
        assert_eq!(
            s.billing,
            BillingPolicy {
                required: true,
                grace_days: 0
            }
        );
        assert_eq!(s.stripe.price_id.as_deref(), Some("price_1PgafmB7WZ01zgkW"));
        assert!(s
            .stripe
            .redirect_origins()
            .contains(&"http://127.0.0.1:4242".to_owned()));
        assert!(parse(&[("CALLSNARE_BILLING_GRACE_DAYS", "91")]).is_err());
        assert_eq!(
            billing_policy(|k| (k == "CALLSNARE_BILLING_GRACE_DAYS").then(|| "3".to_owned())),
            Ok(BillingPolicy {
                required: false,
                grace_days: 3
            })
        );
        let err = parse(&[("STRIPE_SECRET_KEY", "pk_live_hunter2-publishable")])
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("STRIPE_SECRET_KEY") && !err.contains("hunter2"),
            "{err}"
        );
        let dbg = format!(
            "{:?}",
            parse(&[("STRIPE_SECRET_KEY", "sk_test_hunter2-secret-key")]).unwrap()
        );
        assert!(!dbg.contains("hunter2"), "{dbg}");
    }

    #[test]
    fn unparseable_values_fail_with_the_variable_name() {
        for (var, val) in [
            ("CALLSNARE_ADDR", "localhost"),
            ("CALLSNARE_LIVE", "yes"),
            ("CALLSNARE_PUBLIC_URL", "calls.example.com"),
            ("TWILIO_API_BASE", "ftp://x"),
            ("TWILIO_ACCOUNT_SID", "AC123"),
            ("STRIPE_WEBHOOK_SECRET", "whsec_abcdefghij,oops"),
            ("CALLSNARE_SESSION_SECRET", "short"),
            ("CALLSNARE_LOG_FORMAT", "xml"),
            ("DATABASE_URL", "mysql://db"),
            ("CALLSNARE_WEBHOOK_RATE", "0"),
            ("CALLSNARE_TRUSTED_PROXIES", "10.0.0.1,proxy"),
            ("TWILIO_AUTH_TOKEN_SECONDARY", "a-secondary-without-a-primary"),
        ] {
            let err = parse(&[(var, val)]).unwrap_err().to_string();
            assert!(err.starts_with(var), "{var}: {err}");
            assert!(!err.contains('\n'));
        }
    }

    #[test]
    fn the_first_bad_variable_in_reading_order_is_the_one_reported() {
        // Every variable bad at once: each is reported only once those read before it are fixed.
        let order = [
            ("DATABASE_URL", "mysql://db"),
            ("CALLSNARE_ADDR", "localhost"),
            ("CALLSNARE_LIVE", "yes"),
            ("CALLSNARE_PUBLIC_URL", "calls.example.com"),
            ("TWILIO_API_BASE", "ftp://x"),
            ("TWILIO_ACCOUNT_SID", "AC123"),
            ("TWILIO_AUTH_TOKEN_SECONDARY", "a-secondary-without-a-primary"),
            ("STRIPE_WEBHOOK_SECRET", "whsec_abcdefghij,oops"),
            ("STRIPE_SECRET_KEY", "pk_test_publishable"),
            ("STRIPE_PRICE_ID", "prod_123"),
            ("STRIPE_API_BASE", "ftp://x"),
            ("CALLSNARE_BILLING_REQUIRED", "maybe"),
            ("CALLSNARE_BILLING_GRACE_DAYS", "-1"),
            ("CALLSNARE_MAIL_FROM", "not an address"),
            ("CALLSNARE_SESSION_SECRET", "short"),
            ("CALLSNARE_LOG_FORMAT", "xml"),
            ("CALLSNARE_WEBHOOK_RATE", "0"),
            ("CALLSNARE_WEBHOOK_BURST", "0"),
            ("CALLSNARE_OUTBOX_LEASE_SECS", "0"),
            ("CALLSNARE_SESSION_IDLE_HOURS", "0"),
            ("CALLSNARE_SESSION_MAX_DAYS", "0"),
            ("CALLSNARE_ESCALATION_SCAN_SECS", "0"),
            ("CALLSNARE_API_RATE", "0"),
            ("CALLSNARE_API_BURST", "0"),
            ("CALLSNARE_TRUSTED_PROXIES", "proxy"),
            ("CALLSNARE_ALLOW_UNSIGNED_WEBHOOKS", "maybe"),
        ];
        for first in 0..order.len() {
            let err = parse(&order[first..]).unwrap_err().to_string();
            assert!(err.starts_with(order[first].0), "{}: {err}", order[first].0);
        }
    }

    #[test]
    fn limits_default_and_scale_to_their_units() {
        let s = parse(&[]).unwrap();
        assert_eq!((s.webhook_rate_per_sec, s.webhook_burst), (100, 200));
        assert_eq!(
            (s.outbox_lease, s.session_idle, s.session_absolute, s.escalation_scan),
            (
                Duration::from_secs(60),
                Duration::from_secs(12 * 3600),
                Duration::from_secs(7 * 86_400),
                Duration::from_secs(30)
            )
        );
        let s = parse(&[
            ("CALLSNARE_OUTBOX_LEASE_SECS", "5"),
            ("CALLSNARE_SESSION_IDLE_HOURS", "2"),
            ("CALLSNARE_SESSION_MAX_DAYS", "3"),
            ("CALLSNARE_ESCALATION_SCAN_SECS", "4"),
        ])
        .unwrap();
        assert_eq!(
            (s.outbox_lease, s.session_idle, s.session_absolute, s.escalation_scan),
            (
                Duration::from_secs(5),
                Duration::from_secs(2 * 3600),
                Duration::from_secs(3 * 86_400),
                Duration::from_secs(4)
            )
        );
        let mut live_and_unsigned = LIVE.to_vec();
        live_and_unsigned.push(("CALLSNARE_ALLOW_UNSIGNED_WEBHOOKS", "1"));
        let err = parse(&live_and_unsigned).unwrap_err().to_string();
        assert!(err.contains("cannot be set with CALLSNARE_LIVE=1"), "{err}");
    }

    #[test]
    fn the_api_key_rate_limit_defaults_and_is_configurable() {
        let s = parse(&[]).unwrap();
        assert_eq!((s.api_rate_per_sec, s.api_burst), (DEFAULT_API_RATE, DEFAULT_API_BURST));
        let s = parse(&[("CALLSNARE_API_RATE", "2"), ("CALLSNARE_API_BURST", "3")]).unwrap();
        assert_eq!((s.api_rate_per_sec, s.api_burst), (2, 3));
        assert!(parse(&[("CALLSNARE_API_BURST", "many")])
            .unwrap_err()
            .to_string()
            .starts_with("CALLSNARE_API_BURST"));
        assert_eq!(live_mode(|_| None), Ok(false));
        assert_eq!(live_mode(|k| (k == "CALLSNARE_LIVE").then(|| "1".to_owned())), Ok(true));
        assert!(live_mode(|_| Some("yes".to_owned())).is_err());
    }

    #[test]
    fn secrets_never_appear_in_errors_or_debug() {
        let err = parse(&[("CALLSNARE_SESSION_SECRET", "hunter2-secret")])
            .unwrap_err()
            .to_string();
        assert!(!err.contains("hunter2"));
        let err = parse(&[("STRIPE_WEBHOOK_SECRET", "whsec_topsecret,bad")])
            .unwrap_err()
            .to_string();
        assert!(!err.contains("topsecret"));
        let err = parse(&[("TWILIO_AUTH_TOKEN_SECONDARY", "tok-rotating-in")])
            .unwrap_err()
            .to_string();
        assert!(!err.contains("rotating"));
        let mut rotating = LIVE.to_vec();
        rotating.push(("TWILIO_AUTH_TOKEN_SECONDARY", "tok-rotating-in"));
        let dbg = format!("{:?}", parse(&rotating).unwrap());
        for (_, secret) in rotating
            .iter()
            .filter(|(k, _)| k.contains("TOKEN") || k.contains("SECRET"))
        {
            assert!(!dbg.contains(secret), "{dbg}");
        }
    }

    #[test]
    fn callbacks_may_be_signed_with_the_primary_or_the_secondary_token() {
        let mut rotating = LIVE.to_vec();
        rotating.push(("TWILIO_AUTH_TOKEN_SECONDARY", "tok-rotating-in"));
        let tokens: Vec<String> = parse(&rotating)
            .unwrap()
            .twilio
            .signing_tokens()
            .iter()
            .map(|t| t.expose_secret().to_owned())
            .collect();
        assert_eq!(tokens, ["tok-super-secret", "tok-rotating-in"]);
        assert_eq!(parse(LIVE).unwrap().twilio.signing_tokens().len(), 1);
        assert!(parse(&[]).unwrap().twilio.signing_tokens().is_empty());
    }

    #[test]
    fn smtp_needs_a_from_address_and_its_url_is_never_printed() {
        let url = ("CALLSNARE_SMTP_URL", "smtps://mailer:hunter2-smtp@smtp.example.com:465");
        let err = parse(&[url]).unwrap_err();
        assert_eq!(
            err,
            ConfigError::RequiredWith {
                var: "CALLSNARE_MAIL_FROM",
                with: "CALLSNARE_SMTP_URL"
            }
        );
        assert_eq!(
            err.to_string(),
            "CALLSNARE_MAIL_FROM is required when CALLSNARE_SMTP_URL is set"
        );
        let s = parse(&[url, ("CALLSNARE_MAIL_FROM", "CallSnare <no-reply@example.com>")]).unwrap();
        let mail = s.mail.as_ref().expect("mail configured");
        assert!(mail.encrypted);
        assert_eq!(mail.smtp_url.expose_secret(), url.1);
        let dbg = format!("{s:?}");
        assert!(!dbg.contains("hunter2") && !dbg.contains("mailer:"), "{dbg}");
        assert!(
            parse(&[]).unwrap().mail.is_none(),
            "sandbox holds mail for the operator"
        );
        let plain = parse(&[
            ("CALLSNARE_SMTP_URL", "smtp://127.0.0.1:2525"),
            ("CALLSNARE_MAIL_FROM", "no-reply@example.com"),
        ])
        .unwrap();
        assert!(!plain.mail.unwrap().encrypted);
        let from = ("CALLSNARE_MAIL_FROM", "no-reply@example.com");
        for (var, vars) in [
            (
                "CALLSNARE_SMTP_URL",
                [
                    ("CALLSNARE_SMTP_URL", "https://user:hunter2-smtp@smtp.example.com"),
                    from,
                ],
            ),
            (
                "CALLSNARE_SMTP_URL",
                [
                    (
                        "CALLSNARE_SMTP_URL",
                        "smtp://user:hunter2-smtp@smtp.example.com?tls=maybe",
                    ),
                    from,
                ],
            ),
            (
                "CALLSNARE_SMTP_URL",
                [("CALLSNARE_SMTP_URL", "not a url hunter2-smtp"), from],
            ),
            ("CALLSNARE_MAIL_FROM", [url, ("CALLSNARE_MAIL_FROM", "not an address")]),
        ] {
            let err = parse(&vars).unwrap_err().to_string();
            assert!(err.starts_with(var), "{var}: {err}");
            assert!(!err.contains("hunter2") && !err.contains('\n'), "{err}");
        }
    }
}
