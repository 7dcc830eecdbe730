//! Delivery over SMTP with lettre. The transport is built once from `CALLSNARE_SMTP_URL`,
//! which may hold the SMTP password: it is read here and never printed.

use std::time::Duration;

use lettre::{
    message::{header::ContentType, Mailbox},
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};
use secrecy::ExposeSecret;

use crate::config::MailSettings;

/// How long one SMTP command may take before the attempt counts as failed.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
#[error("CALLSNARE_SMTP_URL could not be used to set up an SMTP client")]
pub struct SmtpSetupError;

/// What one delivery attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    Sent,
    /// Worth another try later: connection trouble, timeouts, 4xx answers.
    Retry(String),
    /// Refused for good: a 5xx answer, or a message that cannot be built.
    Refused(String),
}

#[derive(Clone)]
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpMailer {
    pub fn new(settings: &MailSettings) -> Result<Self, SmtpSetupError> {
        // lettre's error could quote parts of the URL: replaced by our own line.
        let transport: AsyncSmtpTransport<Tokio1Executor> =
            AsyncSmtpTransport::<Tokio1Executor>::from_url(settings.smtp_url.expose_secret())
                .map_err(|_| SmtpSetupError)?
                .timeout(Some(COMMAND_TIMEOUT))
                .build();
        Ok(Self {
            transport,
            from: settings.from.clone(),
        })
    }

    /// Sends one plain-text mail.
    pub async fn send(&self, to: &str, subject: &str, body: &str) -> Delivery {
        let Ok(to) = to.parse::<Mailbox>() else {
            return Delivery::Refused("the recipient address cannot be used".to_owned());
        };
        let message = match Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_owned())
        {
            Ok(message) => message,
            Err(err) => return Delivery::Refused(format!("could not build the message: {err}")),
        };
        match self.transport.send(message).await {
            Ok(_) => Delivery::Sent,
            Err(err) if err.is_permanent() => Delivery::Refused(err.to_string()),
            Err(err) => Delivery::Retry(err.to_string()),
        }
    }
}
