//! A local stand-in for Twilio's Messages API: records every create request and answers from
//! a script (default 201 Created), so tests see exactly what CallSnare hands to Twilio; lists
//! the accepted messages newest first, as Twilio's list endpoint does.

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
};

use axum::extract::Query;
use axum::{
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::post,
    Form, Json, Router,
};
use base64::{engine::general_purpose::STANDARD, Engine};
use serde_json::json;
use std::{collections::HashMap, time::SystemTime};

pub const ACCOUNT_SID: &str = "AC0123456789abcdef0123456789abcdef";
pub const AUTH_TOKEN: &str = "test-auth-token-0123456789";

#[derive(Debug, Clone)]
pub struct SentSms {
    pub to: String,
    pub from: String,
    pub body: String,
    pub status_callback: String,
    pub sid: String,
    pub created: SystemTime,
}

#[derive(Debug, Clone, Copy)]
pub enum Reply {
    Created,
    Status(u16, Option<i64>),
    /// Never answers (a provider hang while the worker dies).
    Hang,
    /// Takes the message, then never answers: Twilio has it, CallSnare cannot know.
    AcceptThenHang,
}

#[derive(Default)]
struct Inner {
    sent: Vec<SentSms>,
    script: VecDeque<Reply>,
    bad_auth: usize,
    received: usize,
    listed: usize,
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
            .route(
                "/2010-04-01/Accounts/{sid}/Messages.json",
                post(create_message).get(list_messages),
            )
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

    /// How many times the message list was asked for.
    pub fn listed(&self) -> usize {
        self.inner.lock().unwrap().listed
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

/// `None` when the request carries the account's credentials, else Twilio's 401 answer.
fn denied(fake: &FakeTwilio, sid: &str, headers: &HeaderMap) -> Option<Response> {
    let expected = format!("Basic {}", STANDARD.encode(format!("{ACCOUNT_SID}:{AUTH_TOKEN}")));
    if sid == ACCOUNT_SID && headers.get("authorization").and_then(|v| v.to_str().ok()) == Some(expected.as_str()) {
        return None;
    }
    fake.inner.lock().unwrap().bad_auth += 1;
    Some(
        (
            StatusCode::UNAUTHORIZED,
            Json(json!({"code": 20003, "message": "Authenticate"})),
        )
            .into_response(),
    )
}

async fn create_message(
    State(fake): State<FakeTwilio>,
    Path(sid): Path<String>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if let Some(answer) = denied(&fake, &sid, &headers) {
        return answer;
    }
    let reply = {
        let mut inner = fake.inner.lock().unwrap();
        inner.received += 1;
        let reply = inner.script.pop_front().unwrap_or(Reply::Created);
        if matches!(reply, Reply::Created | Reply::AcceptThenHang) {
            let n = inner.sent.len() + 1;
            inner.sent.push(SentSms {
                to: form.get("To").cloned().unwrap_or_default(),
                from: form.get("From").cloned().unwrap_or_default(),
                body: form.get("Body").cloned().unwrap_or_default(),
                status_callback: form.get("StatusCallback").cloned().unwrap_or_default(),
                sid: format!("SM{n:032x}"),
                created: SystemTime::now(),
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
        (Reply::AcceptThenHang, _) => {
            std::future::pending::<()>().await;
            unreachable!()
        }
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

async fn list_messages(
    State(fake): State<FakeTwilio>,
    Path(sid): Path<String>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Some(answer) = denied(&fake, &sid, &headers) {
        return answer;
    }
    let mut inner = fake.inner.lock().unwrap();
    inner.listed += 1;
    let messages: Vec<_> = inner
        .sent
        .iter()
        .rev()
        .filter(|m| q.get("To").is_none_or(|to| *to == m.to) && q.get("From").is_none_or(|from| *from == m.from))
        .map(|m| {
            let created: chrono::DateTime<chrono::Utc> = m.created.into();
            json!({
                "sid": m.sid,
                "to": m.to,
                "from": m.from,
                "body": m.body,
                "status": "sent",
                "date_created": created.to_rfc2822(),
            })
        })
        .collect();
    Json(json!({ "messages": messages, "page": 0, "page_size": 20 })).into_response()
}
