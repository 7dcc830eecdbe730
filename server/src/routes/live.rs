//! `GET /app/events`: the signed-in org's live feed as server-sent events. The browser's
//! EventSource reconnects by itself; on every (re)connect the page refetches, so a network
//! drop is caught up without duplicates.
//!
//! Authorised at connect by [`RequireStaff`] and again every [`RECHECK`] while open (see
//! [`AccessWatch`]): a member who is removed, demoted below the inbox, changes password or
//! signs out stops receiving lead ids within seconds, not at the next reconnect.

use std::{convert::Infallible, time::Duration};

use app::ssr::{
    auth::{principal, watch::AccessWatch},
    live::{LiveEvent, LiveKind},
    state::AppState,
};
use axum::{
    extract::State,
    response::{
        sse::{Event, KeepAlive, Sse},
        IntoResponse, Response,
    },
};
use futures::stream::{self, Stream};
use tokio::sync::broadcast::{error::RecvError, Receiver};

use crate::extract::{can, RequireStaff};

pub async fn events(viewer: RequireStaff<can::ViewInbox>, State(state): State<AppState>) -> Response {
    let action = viewer.action();
    let signed_in_at = principal::signed_in_at(&viewer.session).await.unwrap_or(0);
    let watch = AccessWatch::new(
        state.db.clone(),
        viewer.user,
        viewer.principal.org_id.clone(),
        viewer.session.session.id().map(|id| id.to_string()),
        action,
        signed_in_at.saturating_add(state.session_absolute_ms),
    );
    let rx = state.core.live.subscribe();
    Sse::new(org_stream(rx, viewer.principal.org_id, watch))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}

/// How often an open stream re-checks its access.
pub const RECHECK: Duration = Duration::from_secs(2);

struct Feed {
    rx: Receiver<LiveEvent>,
    org_id: String,
    watch: AccessWatch,
    tick: tokio::time::Interval,
}

fn org_stream(
    rx: Receiver<LiveEvent>,
    org_id: String,
    watch: AccessWatch,
) -> impl Stream<Item = Result<Event, Infallible>> {
    let hello = stream::once(async { Ok(Event::default().event("ready").data("{}")) });
    let mut tick = tokio::time::interval(RECHECK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let feed = Feed {
        rx,
        org_id,
        watch,
        tick,
    };
    let feed = stream::unfold(feed, |mut f| async move {
        loop {
            tokio::select! {
                _ = f.tick.tick() => {
                    if !f.watch.still_allowed().await {
                        // Ending the stream closes the response; the browser's reconnect
                        // then meets the normal checks (401/403) and stops.
                        return None;
                    }
                }
                received = f.rx.recv() => match received {
                    // Another instance's events may have been lost (this instance's
                    // listener reconnected, or that instance could not send): the page
                    // refetches, as after a lag. The client already handles "resync", so
                    // this costs the wasm nothing.
                    Ok(ev) if ev.kind == LiveKind::Resync => {
                        return Some((Ok(Event::default().event("resync").data("{}")), f))
                    }
                    Ok(ev) if ev.org_id == f.org_id => {
                        let data = serde_json::json!({ "lead_id": ev.lead_id, "kind": ev.kind }).to_string();
                        return Some((Ok(Event::default().event("lead").data(data)), f));
                    }
                    Ok(_) => continue,
                    // Fell behind: tell the page to refetch rather than replaying.
                    Err(RecvError::Lagged(_)) => {
                        return Some((Ok(Event::default().event("resync").data("{}")), f))
                    }
                    Err(RecvError::Closed) => return None,
                },
            }
        }
    });
    futures::StreamExt::chain(hello, feed)
}
