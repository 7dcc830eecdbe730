//! The webhook evidence viewer (owner and admin): the org's stored provider callbacks, one
//! in full, the server's recent refused callbacks, and the payload retention setting. The
//! list's filters are the page's plain GET form fields, each optional (empty is "any").
// The client stub ignores a function-level allow (the list takes one argument per filter).
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;

use crate::{
    error::AppError,
    models::evidence::{EvidenceDetailView, EvidenceListView, RejectedCallbackView},
};

#[cfg(feature = "ssr")]
mod support {
    use crate::{
        error::AppError,
        ssr::{
            context::{fail, fail_fields, internal},
            services::evidence::EvidenceError,
        },
    };

    impl From<EvidenceError> for AppError {
        fn from(e: EvidenceError) -> Self {
            match e {
                EvidenceError::Forbidden => fail(AppError::Forbidden),
                EvidenceError::NotFound => fail(AppError::NotFound),
                EvidenceError::Invalid(bad) => {
                    let fields: Vec<&str> = bad.iter().map(|(f, _)| *f).collect();
                    let mut messages: Vec<&str> = bad.iter().map(|(_, m)| *m).collect();
                    messages.dedup();
                    let first = fields.first().copied().unwrap_or("form");
                    fail_fields(AppError::validation(first, messages.join(" ")), &fields)
                }
                EvidenceError::Db(err) => internal(err),
            }
        }
    }
}

/// A page (50) of the org's stored provider callbacks, newest first, matching the filters:
/// route, outcome (any part of it), signature verdict, received from/to (the org's local
/// dates, inclusive), a phone number in the payload, a call's or text's id; `cursor` is
/// the previous page's `next_cursor`. A wrong filter is refused (422) by name.
#[server(prefix = "/rpc", endpoint = "evidence/list")]
pub async fn list_evidence(
    route: Option<String>,
    outcome: Option<String>,
    verdict: Option<String>,
    from: Option<String>,
    to: Option<String>,
    phone: Option<String>,
    sid: Option<String>,
    cursor: Option<String>,
) -> Result<EvidenceListView, AppError> {
    use crate::{
        domain::permission::Action,
        ssr::{
            context::{db, internal, require_staff},
            services::evidence::{self, EvidenceQuery},
        },
    };
    let db = db();
    let me = require_staff(Action::ViewWebhookEvidence).await?;
    let query = EvidenceQuery {
        route: route.as_deref().unwrap_or_default(),
        outcome: outcome.as_deref().unwrap_or_default(),
        verdict: verdict.as_deref().unwrap_or_default(),
        from: from.as_deref().unwrap_or_default(),
        to: to.as_deref().unwrap_or_default(),
        phone: phone.as_deref().unwrap_or_default(),
        sid: sid.as_deref().unwrap_or_default(),
        cursor: cursor.as_deref().unwrap_or_default(),
    };
    let mut conn = db.acquire().await.map_err(internal)?;
    Ok(evidence::list(&mut conn, &me, query).await?)
}

/// One stored callback of the org in full: kept headers, payload (form fields decoded,
/// JSON pretty-printed), the answer given and its lead. Another org's id: 404.
#[server(prefix = "/rpc", endpoint = "evidence/get")]
pub async fn get_evidence(event_id: String) -> Result<EvidenceDetailView, AppError> {
    use crate::{
        domain::permission::Action,
        ssr::{
            context::{db, internal, require_staff},
            services::evidence,
        },
    };
    let db = db();
    let me = require_staff(Action::ViewWebhookEvidence).await?;
    let mut conn = db.acquire().await.map_err(internal)?;
    Ok(evidence::detail(&mut conn, &me, &event_id).await?)
}

/// This server's recent refused callbacks (bad signature, too large, malformed,
/// rate-limited, not storable), newest first: reason, route and time, never a payload.
/// They are refused before routing, so they belong to no org.
#[server(prefix = "/rpc", endpoint = "evidence/rejections")]
pub async fn list_rejected_callbacks() -> Result<Vec<RejectedCallbackView>, AppError> {
    use crate::{
        domain::permission::Action,
        ssr::{
            context::{internal, require_staff},
            services::evidence,
            state::AppState,
        },
    };
    // context first: during SSR the page's owner may change while this is in flight
    let state = expect_context::<AppState>();
    let me = require_staff(Action::ViewWebhookEvidence).await?;
    let recent = state.core.rejections.recent();
    let mut conn = state.db.acquire().await.map_err(internal)?;
    Ok(evidence::rejections(&mut conn, &me, recent).await?)
}

/// Sets how many days (7–3650) stored callback payloads are kept before the hourly
/// housekeeping blanks them; one audit record of before → after. A plain form post goes
/// back to the page (`?retention_saved=1`, or `form_error=invalid&form_field=retention_days`).
#[server(prefix = "/rpc", endpoint = "evidence/retention")]
pub async fn save_evidence_retention(retention_days: String) -> Result<(), AppError> {
    use crate::{
        domain::permission::Action,
        ssr::{
            clock::now_ms,
            context::{internal, require_staff},
            live::Effects,
            services::evidence::{self, EvidenceError},
            state::AppState,
        },
    };
    let state = expect_context::<AppState>();
    let me = require_staff(Action::ViewWebhookEvidence).await?;
    state
        .core
        .commit_fallible(move |conn| {
            Box::pin(async move {
                match evidence::set_retention(conn, &me, &retention_days, now_ms()).await {
                    Ok(changed) => Ok(Ok((changed, Effects::default()))),
                    Err(EvidenceError::Db(e)) => Err(e),
                    Err(refused) => Ok(Err(refused)),
                }
            })
        })
        .await
        .map_err(internal)??;
    leptos_axum::redirect("/app/evidence?retention_saved=1");
    Ok(())
}
