//! Hands a text to Twilio's Messages API, or, in sandbox mode without credentials, records
//! it as sent without leaving the machine.

use std::time::Duration;

use app::ssr::services::messaging::SendResult;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;

pub enum SmsSender {
    Twilio(TwilioClient),
    /// Records and marks sent; nothing is delivered.
    Sandbox,
}

pub struct TwilioClient {
    http: reqwest::Client,
    messages_url: String,
    account_sid: String,
    auth_token: SecretString,
    status_callback: String,
}

impl TwilioClient {
    pub fn new(api_base: &Url, account_sid: String, auth_token: SecretString, public_base: &str) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .connect_timeout(Duration::from_secs(5))
            .build()
            .expect("TLS backend initialises");
        let messages_url = format!(
            "{}/2010-04-01/Accounts/{account_sid}/Messages.json",
            api_base.as_str().trim_end_matches('/')
        );
        Self {
            http,
            messages_url,
            account_sid,
            auth_token,
            status_callback: format!("{public_base}/api/twilio/sms/status"),
        }
    }
}

#[derive(Deserialize)]
struct Created {
    sid: String,
    status: Option<String>,
}

#[derive(Deserialize)]
struct MessagePage {
    #[serde(default)]
    messages: Vec<ListedMessage>,
}

#[derive(Deserialize)]
struct ListedMessage {
    sid: String,
    #[serde(default)]
    body: String,
    status: Option<String>,
    /// RFC 2822, e.g. "Thu, 24 Aug 2023 05:01:45 +0000"
    date_created: Option<String>,
}

/// How far Twilio's clock may trail ours when matching a message to a queued text.
const CLOCK_SKEW_MS: i64 = 120_000;

#[derive(Deserialize)]
struct ApiError {
    code: Option<i64>,
    message: Option<String>,
}

/// How a failed attempt is retried: 2^attempt seconds, capped at ten minutes.
pub fn backoff_ms(attempt: i64) -> i64 {
    (1_000i64 << attempt.clamp(0, 10)).min(600_000)
}

impl SmsSender {
    /// Before sending a text again after an attempt whose outcome was never recorded (the
    /// process died, or the answer was lost), asks Twilio whether it already took it: the
    /// newest messages from `from` to `to` with the same body, created since `queued_at`.
    /// `Ok(None)` means send; an error means try again later rather than risk a duplicate.
    #[tracing::instrument(name = "sms_reconcile", skip_all, fields(provider = "twilio"))]
    pub async fn already_accepted(
        &self,
        from: &str,
        to: &str,
        body: &str,
        queued_at: i64,
    ) -> Result<Option<SendResult>, String> {
        let SmsSender::Twilio(client) = self else {
            return Ok(None); // the sandbox records its sends in the same transaction
        };
        let resp = client
            .http
            .get(&client.messages_url)
            .basic_auth(&client.account_sid, Some(client.auth_token.expose_secret()))
            .query(&[("To", to), ("From", from), ("PageSize", "20")])
            .send()
            .await
            .map_err(|e| format!("network: {}", e.without_url()))?;
        if !resp.status().is_success() {
            return Err(format!("HTTP {} listing messages", resp.status().as_u16()));
        }
        let page: MessagePage = resp.json().await.map_err(|_| "unreadable message list".to_owned())?;
        Ok(page
            .messages
            .into_iter()
            .find(|m| {
                m.body == body
                    && m.date_created
                        .as_deref()
                        .and_then(|d| chrono::DateTime::parse_from_rfc2822(d).ok())
                        .is_some_and(|at| at.timestamp_millis() >= queued_at - CLOCK_SKEW_MS)
            })
            .map(|m| SendResult::Accepted {
                provider_sid: m.sid,
                status: m.status.unwrap_or_else(|| "queued".into()),
            }))
    }

    #[tracing::instrument(name = "sms_send", skip_all, fields(provider = "twilio"))]
    pub async fn send(&self, from: &str, to: &str, body: &str, retry_at: Option<i64>) -> SendResult {
        let client = match self {
            SmsSender::Sandbox => {
                tracing::info!("sandbox: text recorded as sent, not delivered");
                return SendResult::Accepted {
                    provider_sid: format!("SMsandbox{}", uuid::Uuid::now_v7().simple()),
                    status: "sent".into(),
                };
            }
            SmsSender::Twilio(c) => c,
        };
        let form = [
            ("To", to),
            ("From", from),
            ("Body", body),
            ("StatusCallback", client.status_callback.as_str()),
        ];
        let resp = client
            .http
            .post(&client.messages_url)
            .basic_auth(&client.account_sid, Some(client.auth_token.expose_secret()))
            .form(&form)
            .send()
            .await;
        let resp = match resp {
            Ok(r) => r,
            // Network trouble is always worth another try; the error text has no secrets.
            Err(err) => {
                return SendResult::Transient {
                    error: format!("network: {}", err.without_url()),
                    retry_at,
                }
            }
        };
        let status = resp.status();
        if status.is_success() {
            return match resp.json::<Created>().await {
                Ok(c) => SendResult::Accepted {
                    provider_sid: c.sid,
                    status: c.status.unwrap_or_else(|| "queued".into()),
                },
                Err(_) => SendResult::Transient {
                    error: "unreadable provider response".into(),
                    retry_at,
                },
            };
        }
        let api: Option<ApiError> = resp.json().await.ok();
        let code = api.as_ref().and_then(|e| e.code).map(|c| c.to_string());
        let message = api.and_then(|e| e.message).unwrap_or_default();
        let error = format!(
            "HTTP {}: {}",
            status.as_u16(),
            message.chars().take(200).collect::<String>()
        );
        if status.as_u16() == 429 || status.is_server_error() {
            SendResult::Transient { error, retry_at }
        } else {
            SendResult::Rejected { code, error }
        }
    }
}
