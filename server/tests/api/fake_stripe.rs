//! A local stand-in for Stripe's API (Checkout Sessions and Billing Portal sessions): records
//! each create request's form fields and whether it carried the secret key, and answers as
//! Stripe does, with the session's id and a URL (on this fake, so a test can follow it).

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Form, Json, Router,
};
use serde_json::json;

pub const SECRET_KEY: &str = "sk_test_fake_0123456789abcdef";
pub const PRICE_ID: &str = "price_1TestPro";

#[derive(Debug, Clone)]
pub struct Created {
    /// `checkout` or `portal`.
    pub kind: &'static str,
    pub form: HashMap<String, String>,
    pub stripe_version: Option<String>,
}

#[derive(Default)]
struct Inner {
    created: Vec<Created>,
    bad_auth: usize,
    fail_next: bool,
}

#[derive(Clone, Default)]
pub struct FakeStripe {
    inner: Arc<Mutex<Inner>>,
    pub base: String,
}

impl FakeStripe {
    pub async fn start() -> Self {
        let mut fake = FakeStripe::default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        fake.base = format!("http://{}", listener.local_addr().unwrap());
        let app = Router::new()
            .route("/v1/checkout/sessions", post(checkout))
            .route("/v1/billing_portal/sessions", post(portal))
            .route("/checkout/{id}", get(|| async { "fake Stripe Checkout" }))
            .route("/portal/{id}", get(|| async { "fake Stripe Billing Portal" }))
            .with_state(fake.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        fake
    }

    pub fn created(&self) -> Vec<Created> {
        self.inner.lock().unwrap().created.clone()
    }

    pub fn bad_auth(&self) -> usize {
        self.inner.lock().unwrap().bad_auth
    }

    /// The next create request is refused as Stripe refuses a bad request.
    pub fn fail_next(&self) {
        self.inner.lock().unwrap().fail_next = true;
    }
}

fn create(fake: &FakeStripe, kind: &'static str, headers: &HeaderMap, form: HashMap<String, String>) -> Response {
    let mut inner = fake.inner.lock().unwrap();
    let expected = format!("Bearer {SECRET_KEY}");
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(expected.as_str()) {
        inner.bad_auth += 1;
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": {"type": "invalid_request_error", "message": "Invalid API Key provided"}})),
        )
            .into_response();
    }
    if std::mem::take(&mut inner.fail_next) {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": {"type": "invalid_request_error", "message": "No such price"}})),
        )
            .into_response();
    }
    inner.created.push(Created {
        kind,
        form,
        stripe_version: headers
            .get("stripe-version")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    });
    let n = inner.created.len();
    let (id, path) = match kind {
        "checkout" => (format!("cs_test_fake{n:04}"), "checkout"),
        _ => (format!("bps_fake{n:04}"), "portal"),
    };
    let url = format!("{}/{path}/{id}", fake.base);
    Json(json!({ "id": id, "object": "checkout.session", "url": url })).into_response()
}

async fn checkout(
    State(fake): State<FakeStripe>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    create(&fake, "checkout", &headers, form)
}

async fn portal(
    State(fake): State<FakeStripe>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    create(&fake, "portal", &headers, form)
}
