//! `GET /app/events`: the signed-in org's live feed as server-sent events. The browser's
//! EventSource reconnects by itself; on every (re)connect the page refetches, so a network
//! drop is caught up without duplicates.

use std::{convert::Infallible, time::Duration};

use app::{
    domain::permission::Action,
    ssr::{
        auth::{
            principal::{principal_for, session_expired},
            AuthSession,
        },
        live::LiveEvent,
        state::AppState,
    },
};
use axum::{
    extract::State,
    http::StatusCode,
    response::{
        sse::{Event, KeepAlive, Sse},
        IntoResponse, Response,
    },
};
use futures::stream::{self, Stream};
use tokio::sync::broadcast::{error::RecvError, Receiver};

pub async fn events(auth: AuthSession, State(state): State<AppState>) -> Response {
    let Some(user) = auth.user.clone() else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    if session_expired(&auth, state.session_absolute_ms).await.unwrap_or(true) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let principal = match principal_for(&state.db, &auth, user, Action::ViewInbox).await {
        Ok(p) => p,
        Err(e) => {
            return StatusCode::from_u16(e.status())
                .unwrap_or(StatusCode::FORBIDDEN)
                .into_response()
        }
    };
    let rx = state.live.subscribe();
    Sse::new(org_stream(rx, principal.org_id))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}

fn org_stream(rx: Receiver<LiveEvent>, org_id: String) -> impl Stream<Item = Result<Event, Infallible>> {
    let hello = stream::once(async { Ok(Event::default().event("ready").data("{}")) });
    let feed = stream::unfold((rx, org_id), |(mut rx, org_id)| async move {
        loop {
            match rx.recv().await {
                Ok(ev) if ev.org_id == org_id => {
                    let data = serde_json::json!({ "lead_id": ev.lead_id, "kind": ev.kind }).to_string();
                    return Some((Ok(Event::default().event("lead").data(data)), (rx, org_id)));
                }
                Ok(_) => continue,
                // Fell behind: tell the page to refetch rather than replaying.
                Err(RecvError::Lagged(_)) => {
                    return Some((Ok(Event::default().event("resync").data("{}")), (rx, org_id)))
                }
                Err(RecvError::Closed) => return None,
            }
        }
    });
    futures::StreamExt::chain(hello, feed)
}
