//! A local stand-in for Twilio's Messages API: records every request and answers from a
//! script (default 201 Created), so tests see exactly what CallSnare hands to Twilio.

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
};

use axum::{
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::post,
    Form, Json, Router,
};
use base64::{engine::general_purpose::STANDARD, Engine};
use serde_json::json;

pub const ACCOUNT_SID: &str = "AC0123456789abcdef0123456789abcdef";
pub const AUTH_TOKEN: &str = "test-auth-token-0123456789";

#[derive(Debug, Clone)]
pub struct SentSms {
    pub to: String,
    pub from: String,
    pub body: String,
    pub status_callback: String,
}

#[derive(Debug, Clone, Copy)]
pub enum Reply {
    Created,
    Status(u16, Option<i64>),
    /// Never answers (a provider hang while the worker dies).
    Hang,
}

#[derive(Default)]
struct Inner {
    sent: Vec<SentSms>,
    script: VecDeque<Reply>,
    bad_auth: usize,
    received: usize,
}

#[derive(Clone, Default)]
pub struct FakeTwilio {
    inner: Arc<Mutex<Inner>>,
    pub base: String,
}

impl FakeTwilio {
    pub async fn start() -> Self {
        let mut fake = FakeTwilio::default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        fake.base = format!("http://{}", listener.local_addr().unwrap());
        let app = Router::new()
            .route("/2010-04-01/Accounts/{sid}/Messages.json", post(create_message))
            .with_state(fake.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        fake
    }

    pub fn script(&self, replies: &[Reply]) {
        self.inner.lock().unwrap().script.extend(replies.iter().copied());
    }

    pub fn sent(&self) -> Vec<SentSms> {
        self.inner.lock().unwrap().sent.clone()
    }

    /// Every authenticated request, including ones that failed or hung.
    pub fn received(&self) -> usize {
        self.inner.lock().unwrap().received
    }

    pub fn bad_auth(&self) -> usize {
        self.inner.lock().unwrap().bad_auth
    }

    pub async fn wait_for_sent(&self, n: usize) -> Vec<SentSms> {
        for _ in 0..100 {
            let sent = self.sent();
            if sent.len() >= n {
                return sent;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("expected {n} texts, Twilio got {:?}", self.sent());
    }
}

async fn create_message(
    State(fake): State<FakeTwilio>,
    Path(sid): Path<String>,
    headers: HeaderMap,
    Form(form): Form<std::collections::HashMap<String, String>>,
) -> Response {
    let expected = format!("Basic {}", STANDARD.encode(format!("{ACCOUNT_SID}:{AUTH_TOKEN}")));
    if sid != ACCOUNT_SID || headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(expected.as_str()) {
        fake.inner.lock().unwrap().bad_auth += 1;
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"code": 20003, "message": "Authenticate"})),
        )
            .into_response();
    }
    let reply = {
        let mut inner = fake.inner.lock().unwrap();
        inner.received += 1;
        let reply = inner.script.pop_front().unwrap_or(Reply::Created);
        if matches!(reply, Reply::Created) {
            inner.sent.push(SentSms {
                to: form.get("To").cloned().unwrap_or_default(),
                from: form.get("From").cloned().unwrap_or_default(),
                body: form.get("Body").cloned().unwrap_or_default(),
                status_callback: form.get("StatusCallback").cloned().unwrap_or_default(),
            });
        }
        (reply, inner.sent.len())
    };
    match reply {
        (Reply::Created, n) => (
            StatusCode::CREATED,
            Json(json!({"sid": format!("SM{:032x}", n), "status": "queued"})),
        )
            .into_response(),
        (Reply::Status(code, twilio_code), _) => (
            StatusCode::from_u16(code).unwrap(),
            Json(json!({"code": twilio_code, "message": "scripted failure", "status": code})),
        )
            .into_response(),
        (Reply::Hang, _) => {
            std::future::pending::<()>().await;
            unreachable!()
        }
    }
}
