//! The org's tracked numbers (owner and admin). The forms' fields are posted as typed, so
//! the page's plain forms work without JavaScript; each write redirects back to the page.

use leptos::prelude::*;

use crate::{domain::ids::TrackedNumberId, error::AppError, models::NumbersView};

/// The org's tracked numbers with their last call, and the webhook addresses for Twilio.
#[server(prefix = "/rpc", endpoint = "numbers/list")]
pub async fn list_numbers() -> Result<NumbersView, AppError> {
    use crate::{
        domain::{permission::Action, twilio_webhooks::WebhookUrls},
        ssr::{
            context::{internal, require_staff},
            services::numbers,
            state::AppState,
        },
    };
    // context first: the request's owner may change while this is in flight
    let state = expect_context::<AppState>();
    let me = require_staff(Action::ManageNumbers).await?;
    let mut conn = state.db.acquire().await.map_err(internal)?;
    let numbers = numbers::list(&mut conn, &me).await.map_err(support::refused)?;
    Ok(NumbersView {
        numbers,
        webhooks: WebhookUrls::new(&state.public_base, state.public_url_set),
    })
}

/// Tracks a number typed in any everyday format. Refused (422 naming the field, nothing
/// stored) when a field is wrong, the number is not dialable, or any org tracks it already.
/// Its first call is routed at once: the routing cache (which remembers unknown numbers
/// too) is forgotten as soon as the change has committed.
#[server(prefix = "/rpc", endpoint = "numbers/add")]
pub async fn add_tracked_number(
    number: String,
    label: String,
    forward_to: String,
    ring_timeout_secs: String,
) -> Result<(), AppError> {
    use crate::{
        domain::{
            number_form::{parse_number, NumberForm},
            permission::Action,
        },
        ssr::{
            clock::now_ms,
            context::{internal, require_staff},
            live::Effects,
            services::numbers,
            state::AppState,
        },
    };
    let state = expect_context::<AppState>();
    let me = require_staff(Action::ManageNumbers).await?;
    let form = NumberForm {
        label,
        forward_to,
        ring_timeout_secs,
    };
    let parsed_number = parse_number(&number);
    let settings = form.parse(parsed_number.as_ref().ok());
    let (number, settings) = match (parsed_number, settings) {
        (Ok(number), Ok(settings)) => (number, settings),
        (number, settings) => {
            let errors = number
                .err()
                .into_iter()
                .chain(settings.err().unwrap_or_default())
                .collect::<Vec<_>>();
            return Err(support::invalid(&errors));
        }
    };
    // Once committed the routing cache forgets: a call to it finds it, not a remembered
    // "unknown number".
    state
        .core
        .commit_use_case(move |conn| {
            Box::pin(async move {
                let id = numbers::add(conn, &me, &number, &settings, now_ms()).await?;
                Ok((id, Effects::routing(true)))
            })
        })
        .await
        .map_err(internal)?
        .map_err(support::refused)?;
    leptos_axum::redirect("/app/numbers?added=1");
    Ok(())
}

/// Changes a number's label, forward-to numbers (several, rung together) and ring timeout,
/// all at once or nothing. Another org's number answers 404.
#[server(prefix = "/rpc", endpoint = "numbers/update")]
pub async fn update_tracked_number(
    number_id: TrackedNumberId,
    label: String,
    forward_to: String,
    ring_timeout_secs: String,
) -> Result<(), AppError> {
    use crate::{
        domain::{number_form::NumberForm, permission::Action},
        ssr::{
            clock::now_ms,
            context::{internal, require_staff},
            live::Effects,
            services::numbers,
            state::AppState,
        },
    };
    let state = expect_context::<AppState>();
    let me = require_staff(Action::ManageNumbers).await?;
    let form = NumberForm {
        label,
        forward_to,
        ring_timeout_secs,
    };
    let settings = form.parse(None).map_err(|errors| support::invalid(&errors))?;
    // Once committed (and changed) the routing cache forgets: the next call rings the new
    // numbers for the new time.
    state
        .core
        .commit_use_case(move |conn| {
            Box::pin(async move {
                let changed = numbers::update(conn, &me, &number_id, &settings, now_ms()).await?;
                let effects = Effects::routing(!changed.is_empty());
                Ok((changed, effects))
            })
        })
        .await
        .map_err(internal)?
        .map_err(support::refused)?;
    leptos_axum::redirect("/app/numbers?saved=1");
    Ok(())
}

/// Stops tracking a number. Its calls, leads and audit records stay; calls to it get the
/// unknown-number answer from now on, and it can be tracked again. Another org's number
/// answers 404.
#[server(prefix = "/rpc", endpoint = "numbers/remove")]
pub async fn remove_tracked_number(number_id: TrackedNumberId) -> Result<(), AppError> {
    use crate::{
        domain::permission::Action,
        ssr::{
            clock::now_ms,
            context::{internal, require_staff},
            live::Effects,
            services::numbers,
            state::AppState,
        },
    };
    let state = expect_context::<AppState>();
    let me = require_staff(Action::ManageNumbers).await?;
    // Once committed the routing cache forgets: the next call to it gets the unknown-number
    // answer, not the cached routing.
    state
        .core
        .commit_use_case(move |conn| {
            Box::pin(async move {
                let number = numbers::remove(conn, &me, &number_id, now_ms()).await?;
                Ok((number, Effects::routing(true)))
            })
        })
        .await
        .map_err(internal)?
        .map_err(support::refused)?;
    leptos_axum::redirect("/app/numbers?removed=1");
    Ok(())
}

#[cfg(feature = "ssr")]
mod support {
    use crate::{
        domain::number_form::NumberFormError,
        error::AppError,
        ssr::{
            context::{fail, fail_fields, internal},
            services::numbers::NumbersError,
        },
    };

    /// A form refused over `errors` (422 naming the first wrong field, with every wrong
    /// field's message; a form posted without JavaScript goes back naming each).
    pub fn invalid(errors: &[NumberFormError]) -> AppError {
        let fields: Vec<&str> = errors.iter().map(NumberFormError::field).collect();
        let message = errors.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ");
        let first = fields.first().copied().unwrap_or("form");
        fail_fields(AppError::validation(first, message), &fields)
    }

    /// The use-case's refusal as the response.
    pub fn refused(e: NumbersError) -> AppError {
        match e {
            NumbersError::NotFound => fail(AppError::NotFound),
            NumbersError::Forbidden => fail(AppError::Forbidden),
            NumbersError::Invalid(e) => invalid(&[e]),
            NumbersError::Db(err) => internal(err),
        }
    }
}
