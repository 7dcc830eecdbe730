//! The routing settings (owner and admin). The save mirrors its form field for field, so
//! the page's plain form posts it without JavaScript.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;

use crate::{error::AppError, models::RoutingSettingsView};

/// The current org's routing settings, as the settings form shows them.
#[server(prefix = "/rpc", endpoint = "settings/get")]
pub async fn get_routing_settings() -> Result<RoutingSettingsView, AppError> {
    use crate::{
        domain::permission::Action,
        ssr::{
            context::{db, internal, require_staff},
            services::settings,
        },
    };
    let db = db();
    let me = require_staff(Action::ManageRouting).await?;
    let mut conn = db.acquire().await.map_err(internal)?;
    Ok(settings::load(&mut conn, &me).await?)
}

/// Saves every routing setting at once, or nothing: a wrong field refuses the whole form
/// (422 naming the first wrong field, with every wrong field's message; a form posted
/// without JavaScript goes back to the page with `form_field=` naming each). The next call
/// uses what was saved: the routing cache is forgotten as soon as the change has committed.
#[server(prefix = "/rpc", endpoint = "settings/save")]
pub async fn save_routing_settings(
    timezone: String,
    hours_mon: String,
    hours_tue: String,
    hours_wed: String,
    hours_thu: String,
    hours_fri: String,
    hours_sat: String,
    hours_sun: String,
    closure_dates: String,
    after_hours_greeting: String,
    text_back_template: String,
    cooldown_minutes: String,
    quiet_start: String,
    quiet_end: String,
    hold_text_backs: Option<bool>,
    escalation_number: String,
    escalation_minutes: String,
) -> Result<(), AppError> {
    use crate::{
        domain::{permission::Action, routing_form::RoutingSettingsForm},
        ssr::{
            clock::now_ms,
            context::{fail_fields, internal, require_staff},
            live::Effects,
            services::settings::{self, SettingsError},
            state::AppState,
        },
    };
    // context first: the request's owner may change while this is in flight
    let state = expect_context::<AppState>();
    let me = require_staff(Action::ManageRouting).await?;
    let form = RoutingSettingsForm {
        timezone,
        hours: [
            hours_mon, hours_tue, hours_wed, hours_thu, hours_fri, hours_sat, hours_sun,
        ],
        closure_dates,
        after_hours_greeting,
        text_back_template,
        cooldown_minutes,
        quiet_start,
        quiet_end,
        hold_text_backs: hold_text_backs.unwrap_or(false),
        escalation_number,
        escalation_minutes,
    };
    let parsed = match form.parse() {
        Ok(parsed) => parsed,
        Err(errors) => {
            let fields: Vec<&str> = errors.iter().map(|e| e.field()).collect();
            let message = errors.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ");
            let first = fields.first().copied().unwrap_or("form");
            return Err(fail_fields(AppError::validation(first, message), &fields));
        }
    };
    // Once committed (and changed) the routing cache forgets: the next call reads the new
    // settings, not a cached copy.
    state
        .core
        .commit_use_case(move |conn| {
            Box::pin(async move {
                let changed = settings::save(conn, &me, &parsed, now_ms()).await?;
                let effects = Effects::routing(!changed.is_empty());
                Ok::<_, SettingsError>((changed, effects))
            })
        })
        .await
        .map_err(internal)??;
    // A plain form post goes back to the page, saying so; a script gets only the header.
    leptos_axum::redirect("/app/settings?saved=1");
    Ok(())
}

/// The current org's quick replies (its own, or the defaults), for the settings page.
#[server(prefix = "/rpc", endpoint = "quick_replies/get")]
pub async fn get_quick_replies() -> Result<Vec<String>, AppError> {
    use crate::{
        domain::permission::Action,
        ssr::{
            context::{db, internal, require_staff},
            services::quick_replies,
        },
    };
    let db = db();
    let me = require_staff(Action::ManageRouting).await?;
    let mut conn = db.acquire().await.map_err(internal)?;
    quick_replies::load(&mut conn, me.org()).await.map_err(internal)
}

/// Saves the org's quick replies: one per line of `quick_replies`, blank lines dropped, at
/// most 10 of at most a reply's length each (else 422 on `quick_replies`, nothing saved).
/// Saving none at all is allowed (the lead page then offers none). The settings page posts
/// it as a plain form; it goes back there saying so.
#[server(prefix = "/rpc", endpoint = "quick_replies/save")]
pub async fn save_quick_replies(quick_replies: String) -> Result<(), AppError> {
    use crate::{
        domain::{permission::Action, quick_replies::QuickReplies},
        ssr::{
            clock::now_ms,
            context::{fail_fields, internal, require_staff},
            live::Effects,
            services::{quick_replies as service, settings::SettingsError},
            state::AppState,
        },
    };
    // context first: the request's owner may change while this is in flight
    let state = expect_context::<AppState>();
    let me = require_staff(Action::ManageRouting).await?;
    let replies = QuickReplies::parse(&quick_replies)
        .map_err(|e| fail_fields(AppError::validation("quick_replies", e.to_string()), &["quick_replies"]))?;
    state
        .core
        .commit_use_case(move |conn| {
            Box::pin(async move {
                let changed = service::save(conn, &me, &replies, now_ms()).await?;
                Ok::<_, SettingsError>((changed, Effects::default()))
            })
        })
        .await
        .map_err(internal)??;
    leptos_axum::redirect("/app/settings?quick_replies_saved=1#quick-replies");
    Ok(())
}
