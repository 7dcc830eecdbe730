//! Stripe's API as the billing page uses it: a Checkout Session to subscribe and a Billing
//! Portal session to manage billing, created over HTTPS at `STRIPE_API_BASE` with
//! `STRIPE_SECRET_KEY`, form-encoded as Stripe's API takes them. The key goes only into the
//! `Authorization` header: never into a log, an error or a page. A session URL is followed
//! only when it is on one of Stripe's own origins (or the configured API base's, for a
//! local fake), so a tampered answer cannot make the page an open redirect.

use std::time::Duration;

use app::ssr::services::billing::{CheckoutRequest, StripeApi, StripeApiError, StripeSession};
use futures::future::BoxFuture;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::config::StripeSettings;

pub struct StripeClient {
    http: reqwest::Client,
    api_base: String,
    secret_key: SecretString,
    price_id: Option<String>,
    allowed_origins: Vec<String>,
}

impl StripeClient {
    /// `None` without a secret key: billing is not configured.
    pub fn from_settings(settings: &StripeSettings) -> Option<Self> {
        let secret_key = settings.secret_key.clone()?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .connect_timeout(Duration::from_secs(5))
            .build()
            .expect("TLS backend initialises");
        Some(Self {
            http,
            api_base: settings.api_base.as_str().trim_end_matches('/').to_owned(),
            secret_key,
            price_id: settings.price_id.clone(),
            allowed_origins: settings.redirect_origins(),
        })
    }

    async fn create(&self, path: &str, form: &[(&str, &str)]) -> Result<StripeSession, StripeApiError> {
        let resp = self
            .http
            .post(format!("{}{path}", self.api_base))
            .bearer_auth(self.secret_key.expose_secret())
            .header("Stripe-Version", crate::webhooks::stripe::event::API_VERSION)
            .form(form)
            .send()
            .await
            .map_err(|e| StripeApiError::Failed(format!("{path}: {}", e.without_url())))?;
        let status = resp.status();
        if !status.is_success() {
            let body: ErrorBody = resp.json().await.unwrap_or_default();
            return Err(StripeApiError::Failed(format!(
                "{path}: {status} {}",
                body.error.and_then(|e| e.message).unwrap_or_default()
            )));
        }
        let session: Created = resp
            .json()
            .await
            .map_err(|e| StripeApiError::Failed(format!("{path}: unreadable answer: {}", e.without_url())))?;
        if !self.allowed(&session.url) {
            return Err(StripeApiError::Failed(format!(
                "{path}: the session URL is not on a Stripe origin"
            )));
        }
        Ok(StripeSession {
            id: session.id,
            url: session.url,
        })
    }

    /// Whether `url` is on one of the origins the billing page may send the owner to.
    fn allowed(&self, url: &str) -> bool {
        url::Url::parse(url).is_ok_and(|u| {
            let origin = u.origin().ascii_serialization();
            self.allowed_origins.contains(&origin)
        })
    }
}

#[derive(Deserialize)]
struct Created {
    id: String,
    url: String,
}

#[derive(Deserialize, Default)]
struct ErrorBody {
    error: Option<ErrorDetail>,
}

#[derive(Deserialize)]
struct ErrorDetail {
    message: Option<String>,
}

impl StripeApi for StripeClient {
    fn checkout_configured(&self) -> bool {
        self.price_id.is_some()
    }

    fn create_checkout_session<'a>(
        &'a self,
        req: &'a CheckoutRequest,
    ) -> BoxFuture<'a, Result<StripeSession, StripeApiError>> {
        Box::pin(async move {
            let Some(price) = self.price_id.as_deref() else {
                return Err(StripeApiError::NotConfigured);
            };
            let org = req.org_slug.as_str();
            let mut form: Vec<(&str, &str)> = vec![
                ("mode", "subscription"),
                ("line_items[0][price]", price),
                ("line_items[0][quantity]", "1"),
                ("client_reference_id", org),
                ("metadata[callsnare_org]", org),
                // the subscription names the org too, so its events find it in any order
                ("subscription_data[metadata][callsnare_org]", org),
                ("success_url", req.success_url.as_str()),
                ("cancel_url", req.cancel_url.as_str()),
            ];
            if let Some(customer) = req.customer.as_deref() {
                form.push(("customer", customer));
            }
            self.create("/v1/checkout/sessions", &form).await
        })
    }

    fn create_portal_session<'a>(
        &'a self,
        customer: &'a str,
        return_url: &'a str,
    ) -> BoxFuture<'a, Result<StripeSession, StripeApiError>> {
        Box::pin(async move {
            self.create(
                "/v1/billing_portal/sessions",
                &[("customer", customer), ("return_url", return_url)],
            )
            .await
        })
    }
}
