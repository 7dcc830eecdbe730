// The booking form's fields are server-function arguments one for one (a plain SSR form
// posts them as they are); the generated client stub does not carry a function-level allow,
// so the lint is allowed for this file.
#![allow(clippy::too_many_arguments)]
//! The inbox's server functions. The lead page's forms (reply, book, reschedule, cancel)
//! each carry a one-use `form_token` (handed out by [`get_lead`]): the use-case claims it in
//! its write, so the same submission posted twice is carried out once and the second gets
//! `AlreadySubmitted` (409). Posted without JavaScript, a success goes back to the page with
//! `form_done=<endpoint>` and a refusal with `form_error=<code>` (see `ssr::context`).

use leptos::prelude::*;

use crate::{
    error::AppError,
    models::{BookingView, LeadDetail, LeadPage, RecoveryStats},
};

#[cfg(feature = "ssr")]
mod support {
    use crate::{
        domain::form_token::FormToken,
        error::AppError,
        ssr::{
            auth::Principal,
            context::{fail_fields, internal},
            db::{Conn, PooledConn},
            live::Effects,
            services::inbox::InboxError,
            state::AppState,
            writer::WriteError,
        },
    };

    /// The form's one-use token as posted: missing, blank or not one of ours is a 422 on
    /// `form_token` (a page from before tokens, or a hand-made post), checked before
    /// anything is written.
    pub fn form_token(posted: Option<String>) -> Result<FormToken, AppError> {
        FormToken::parse(posted.as_deref().unwrap_or_default())
            .map_err(|e| fail_fields(AppError::validation("form_token", e.to_string()), &["form_token"]))
    }

    /// The prelude of every inbox read: a staff member of the org, a connection, the org's
    /// timezone.
    pub async fn reader() -> Result<(Principal, PooledConn, chrono_tz::Tz), AppError> {
        use crate::{
            domain::permission::Action,
            ssr::context::{db, require},
        };
        let db = db();
        let p = require(Action::ViewInbox).await?;
        let mut conn = db.acquire().await.map_err(internal)?;
        let tz = org_tz(&mut conn, &p.org_id).await?;
        Ok((p, conn, tz))
    }

    /// The org's timezone (UTC if the stored name were ever unreadable).
    pub async fn org_tz(conn: &mut Conn, org_id: &str) -> Result<chrono_tz::Tz, AppError> {
        let name = crate::ssr::db::orgs::get_timezone(conn, org_id)
            .await
            .map_err(internal)?;
        Ok(crate::domain::OrgTimezone::parse_or_utc(&name))
    }

    /// A list cursor (`{last_activity_at}.{lead_id}` of the last row shown), if any.
    pub fn parse_cursor(cursor: Option<&str>) -> Result<Option<(i64, String)>, AppError> {
        use crate::ssr::context::fail;
        let Some(c) = cursor.filter(|c| !c.is_empty()) else {
            return Ok(None);
        };
        let bad = || fail(AppError::validation("cursor", "Bad cursor."));
        let (at, id) = c.split_once('.').ok_or_else(bad)?;
        let at = at.parse::<i64>().map_err(|_| bad())?;
        Ok(Some((at, id.to_owned())))
    }

    /// Where the recovery figures start counting: the org's local midnight today, and 30
    /// days ago.
    pub fn figure_starts(now: i64, tz: chrono_tz::Tz) -> (i64, i64) {
        use chrono::{TimeZone, Utc};
        let local_midnight = Utc
            .timestamp_millis_opt(now)
            .single()
            .map(|t| t.with_timezone(&tz).date_naive())
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .and_then(|m| tz.from_local_datetime(&m).earliest())
            .map_or(now - 86_400_000, |m| m.timestamp_millis());
        (local_midnight, now - 30 * 86_400_000)
    }

    /// An instant rendered in `tz` with a chrono format string.
    pub fn local(ms: i64, tz: chrono_tz::Tz, fmt: &str) -> String {
        use chrono::TimeZone;
        chrono::Utc
            .timestamp_millis_opt(ms)
            .single()
            .map(|t| t.with_timezone(&tz).format(fmt).to_string())
            .unwrap_or_default()
    }

    /// Runs a lead write through the single writer; once committed, the core wakes the
    /// outbox and publishes.
    pub async fn write<F>(state: AppState, work: F) -> Result<(), AppError>
    where
        F: for<'c> FnOnce(
                &'c mut Conn,
            )
                -> futures::future::BoxFuture<'c, Result<Result<Effects, InboxError>, sqlx::Error>>
            + Send
            + 'static,
    {
        // A refusal (not found, opted out, invalid) rolls the whole job back: nothing the
        // use-case wrote before refusing is kept.
        state
            .core
            .commit_fallible(move |conn| {
                let fut = work(conn);
                Box::pin(async move { fut.await.map(|refusable| refusable.map(|effects| ((), effects))) })
            })
            .await
            .map_err(|e: WriteError| internal(e))??;
        Ok(())
    }
}

/// One page of the current org's leads, most recent activity first.
#[server(prefix = "/rpc", endpoint = "leads/list")]
pub async fn list_leads(
    status: Option<String>,
    needs_reply: Option<bool>,
    q: Option<String>,
    cursor: Option<String>,
    figure: Option<String>,
) -> Result<LeadPage, AppError> {
    use crate::{
        domain::{lead_search::LeadSearch, permission::Action, Figure, LeadStatus},
        ssr::{
            context::{db, fail, internal, require},
            db::inbox::{self, ListQuery, PAGE_SIZE},
        },
    };
    let db = db();
    let p = require(Action::ViewInbox).await?;
    let status = match status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(LeadStatus::parse(s).ok_or_else(|| fail(AppError::validation("status", "Unknown status.")))?),
    };
    let figure = match figure.as_deref().filter(|f| !f.is_empty()) {
        None => None,
        Some(f) => Some(Figure::parse(f).ok_or_else(|| fail(AppError::validation("figure", "Unknown figure.")))?),
    };
    let after = self::support::parse_cursor(cursor.as_deref())?;
    let search = q.as_deref().and_then(|s| {
        let clean: String = s
            .chars()
            .filter(|c| !c.is_control())
            .take(crate::domain::limits::SEARCH_MAX)
            .collect();
        LeadSearch::parse(&clean)
    });
    let mut conn = db.acquire().await.map_err(internal)?;
    let figure = match figure {
        None => None,
        Some(f) => {
            let tz = self::support::org_tz(&mut conn, &p.org_id).await?;
            let (today, month) = self::support::figure_starts(crate::ssr::clock::now_ms(), tz);
            Some((f, if f.is_today() { today } else { month }))
        }
    };
    let mut leads = inbox::list(
        &mut conn,
        &p.org_id,
        ListQuery {
            figure,
            status,
            needs_reply: needs_reply.unwrap_or(false),
            search: search.as_ref(),
            after: after.as_ref().map(|(at, id)| (*at, id.as_str())),
            limit: PAGE_SIZE + 1,
        },
    )
    .await
    .map_err(internal)?;
    let next_cursor = if leads.len() as i64 > PAGE_SIZE {
        leads.truncate(PAGE_SIZE as usize);
        leads.last().map(|l| format!("{}.{}", l.last_activity_at, l.id))
    } else {
        None
    };
    Ok(LeadPage {
        leads,
        next_cursor,
        server_now: crate::ssr::clock::now_ms(),
    })
}

#[server(prefix = "/rpc", endpoint = "leads/get")]
pub async fn get_lead(lead_id: String) -> Result<LeadDetail, AppError> {
    use crate::{
        domain::form_token::FormToken,
        models::{FormTokens, LeadBookingView},
        ssr::{
            clock::now_ms,
            context::{fail, internal},
            db::{bookings, inbox, opt_outs},
            services::{
                inbox::{in_quiet_hours, ArrivalWindow},
                quick_replies, timeline_text,
            },
        },
    };
    let (p, mut conn, tz) = self::support::reader().await?;
    let (lead, detail) = inbox::get(&mut conn, &p.org_id, &lead_id)
        .await
        .map_err(internal)?
        .ok_or_else(|| fail(AppError::NotFound))?;
    let mut timeline = timeline_text::items(
        inbox::timeline(&mut conn, &p.org_id, &lead_id)
            .await
            .map_err(internal)?,
    );
    let opted_out = opt_outs::is_opted_out(&mut conn, &p.org_id, &lead.caller_number)
        .await
        .map_err(internal)?;
    let quiet = in_quiet_hours(&mut conn, &p.org_id, &lead_id, now_ms()).await?;
    // Links to the stored callbacks only for those who may open them.
    let sees_evidence = p.role.can(crate::domain::permission::Action::ViewWebhookEvidence);
    for item in &mut timeline {
        item.at_label = self::support::local(item.at, tz, "%b %-d, %-I:%M %p");
        if !sees_evidence {
            item.evidence_href = None;
        }
    }
    // The team list is for those who manage staff; everyone else sees only whom the choice
    // concerns: themselves and whoever has the lead now.
    let mut assignees = crate::ssr::db::memberships::assignees(&mut conn, &p.org_id)
        .await
        .map_err(internal)?;
    if !p.role.can(crate::domain::permission::Action::ManageStaff) {
        let current = lead.assigned_to.clone();
        assignees.retain(|(id, _)| *id == p.user_id || current.as_deref() == Some(id.as_str()));
    }
    let assignees = assignees
        .into_iter()
        .map(|(user_id, email)| crate::models::Assignee { user_id, email })
        .collect();
    // Every read hands out fresh one-use tokens: an unused one is as good as another, and
    // a used one is never handed out again.
    let fresh = || FormToken::new().into_string();
    let bookings = bookings::list_for_lead(&mut conn, &p.org_id, &lead_id)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|b| {
            let window = ArrivalWindow::from_instants(tz, b.window_start, b.window_end);
            let part = |f: fn(&ArrivalWindow) -> String| window.as_ref().map(f).unwrap_or_default();
            LeadBookingView {
                id: b.id.to_string(),
                job: b.job_type.label().to_owned(),
                window_label: part(ArrivalWindow::short),
                booked: !b.is_cancelled(),
                date: part(|w| w.date.format("%Y-%m-%d").to_string()),
                arrival_start: part(|w| w.start.format("%H:%M").to_string()),
                arrival_end: part(|w| w.end.format("%H:%M").to_string()),
                reschedule_token: fresh(),
                cancel_token: fresh(),
            }
        })
        .collect();
    let quick_replies = quick_replies::load(&mut conn, &p.org_id).await.map_err(internal)?;
    Ok(LeadDetail {
        lead,
        address: detail.address,
        notes: detail.notes,
        opted_out,
        in_quiet_hours: quiet,
        timeline,
        assignees,
        bookings,
        tokens: FormTokens {
            reply: fresh(),
            book: fresh(),
        },
        quick_replies,
    })
}

/// Sends a staff reply through the outbox (or holds it until the send window opens), and
/// assigns an unassigned lead to whoever replied. Once per `form_token`.
#[server(prefix = "/rpc", endpoint = "leads/reply")]
pub async fn reply_to_lead(
    lead_id: String,
    body: String,
    hold_until_morning: Option<bool>,
    form_token: Option<String>,
) -> Result<(), AppError> {
    use self::support::write;
    use crate::{
        domain::{
            limits::{self, REPLY_BODY_MAX},
            permission::Action,
        },
        ssr::{
            clock::now_ms,
            context::{fail, redirect_done, require_staff},
            services::inbox::{self, forms, NewReply},
        },
    };
    let state = expect_context::<crate::ssr::state::AppState>();
    let me = require_staff(Action::WorkLeads).await?;
    let token = self::support::form_token(form_token)?;
    limits::check("body", "A reply", &body, REPLY_BODY_MAX).map_err(|e| fail(e.into()))?;
    let hold_until_morning = hold_until_morning.unwrap_or(false);
    write(state, move |conn| {
        Box::pin(async move {
            let r = NewReply {
                body: &body,
                hold_until_morning,
            };
            Ok(inbox::reply(conn, &me, &lead_id, r, &token, now_ms()).await)
        })
    })
    .await?;
    redirect_done(forms::REPLY);
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "leads/update")]
pub async fn update_lead(
    lead_id: String,
    status: String,
    name: String,
    address: String,
    notes: String,
    assigned_user_id: Option<String>,
) -> Result<(), AppError> {
    use self::support::write;
    use crate::{
        domain::{
            limits::{self, ADDRESS_MAX, LEAD_NAME_MAX, NOTES_MAX},
            permission::Action,
        },
        ssr::{
            clock::now_ms,
            context::{fail, redirect_done, require_staff},
            services::inbox::{self, LeadEdit},
        },
    };
    let state = expect_context::<crate::ssr::state::AppState>();
    let me = require_staff(Action::WorkLeads).await?;
    limits::check("name", "Name", &name, LEAD_NAME_MAX)
        .and_then(|()| limits::check("address", "Address", &address, ADDRESS_MAX))
        .and_then(|()| limits::check("notes", "Notes", &notes, NOTES_MAX))
        .map_err(|e| fail(e.into()))?;
    write(state, move |conn| {
        Box::pin(async move {
            let edit = LeadEdit {
                status: &status,
                name: &name,
                address: &address,
                notes: &notes,
                assigned_user_id: assigned_user_id.as_deref(),
            };
            Ok(inbox::update(conn, &me, &lead_id, edit, now_ms()).await)
        })
    })
    .await?;
    redirect_done("leads/update");
    Ok(())
}

/// Books a job on a lead. The booking form's fields are the arguments (a plain SSR form
/// posts them as they are), parsed into a typed `NewBooking` before anything else. A date
/// before today in the org's timezone, or a window that has already ended, is refused
/// (422 on `date`) and nothing is stored. Once per `form_token`.
#[server(prefix = "/rpc", endpoint = "leads/book")]
pub async fn book_lead(
    lead_id: String,
    date: String,
    arrival_start: String,
    arrival_end: String,
    job_type: String,
    address: Option<String>,
    notes: Option<String>,
    job_value: Option<String>,
    send_confirmation: Option<bool>,
    form_token: Option<String>,
) -> Result<(), AppError> {
    use self::support::write;
    use crate::{
        domain::permission::Action,
        ssr::{
            clock::now_ms,
            context::{redirect_done, require_staff},
            services::inbox::{self, forms, BookingForm},
        },
    };
    let state = expect_context::<crate::ssr::state::AppState>();
    let me = require_staff(Action::BookJobs).await?;
    let token = self::support::form_token(form_token)?;
    let booking = BookingForm {
        date: &date,
        arrival_start: &arrival_start,
        arrival_end: &arrival_end,
        job_type: &job_type,
        address: address.as_deref(),
        notes: notes.as_deref(),
        job_value: job_value.as_deref(),
        send_confirmation,
    }
    .parse()
    .map_err(AppError::from)?;
    write(state, move |conn| {
        Box::pin(async move { Ok(inbox::book(conn, &me, &lead_id, booking, &token, now_ms()).await) })
    })
    .await?;
    redirect_done(forms::BOOK);
    Ok(())
}

/// Moves a booking to a new date and arrival window (not in the past), texting the customer
/// the new time when `notify_customer` is ticked (never a customer who opted out: asking
/// to is refused). Another org's booking is "not found". Once per `form_token`, so the
/// customer is texted once however often the form is posted.
#[server(prefix = "/rpc", endpoint = "bookings/reschedule")]
pub async fn reschedule_booking(
    booking_id: String,
    date: String,
    arrival_start: String,
    arrival_end: String,
    notify_customer: Option<bool>,
    form_token: Option<String>,
) -> Result<(), AppError> {
    use self::support::write;
    use crate::{
        domain::permission::Action,
        ssr::{
            clock::now_ms,
            context::{redirect_done, require_staff},
            services::inbox::{self, forms, ArrivalWindow},
        },
    };
    let state = expect_context::<crate::ssr::state::AppState>();
    let me = require_staff(Action::BookJobs).await?;
    let token = self::support::form_token(form_token)?;
    let to = ArrivalWindow::parse(&date, &arrival_start, &arrival_end).map_err(AppError::from)?;
    let notify = notify_customer.unwrap_or(false);
    write(state, move |conn| {
        Box::pin(
            async move { Ok(inbox::reschedule_booking(conn, &me, &booking_id, to, notify, &token, now_ms()).await) },
        )
    })
    .await?;
    redirect_done(forms::RESCHEDULE);
    Ok(())
}

/// Cancels a booking, texting the customer when `notify_customer` is ticked. A booked lead
/// left with no active booking goes back to "contacted", and the recovery figures no
/// longer count it. Another org's booking is "not found". Once per `form_token`.
#[server(prefix = "/rpc", endpoint = "bookings/cancel")]
pub async fn cancel_booking(
    booking_id: String,
    notify_customer: Option<bool>,
    form_token: Option<String>,
) -> Result<(), AppError> {
    use self::support::write;
    use crate::{
        domain::permission::Action,
        ssr::{
            clock::now_ms,
            context::{redirect_done, require_staff},
            services::inbox::{self, forms},
        },
    };
    let state = expect_context::<crate::ssr::state::AppState>();
    let me = require_staff(Action::BookJobs).await?;
    let token = self::support::form_token(form_token)?;
    let notify = notify_customer.unwrap_or(false);
    write(state, move |conn| {
        Box::pin(async move { Ok(inbox::cancel_booking(conn, &me, &booking_id, notify, &token, now_ms()).await) })
    })
    .await?;
    redirect_done(forms::CANCEL);
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "leads/stats")]
pub async fn get_recovery_stats() -> Result<RecoveryStats, AppError> {
    use crate::ssr::{clock::now_ms, context::internal, db::inbox};
    let (p, mut conn, tz) = self::support::reader().await?;
    let (today, month) = self::support::figure_starts(now_ms(), tz);
    inbox::recovery(&mut conn, &p.org_id, today, month)
        .await
        .map_err(internal)
}

#[server(prefix = "/rpc", endpoint = "bookings/upcoming")]
pub async fn upcoming_bookings() -> Result<Vec<BookingView>, AppError> {
    use crate::ssr::{clock::now_ms, context::internal, db::inbox};
    let (p, mut conn, tz) = self::support::reader().await?;
    let mut list = inbox::upcoming_bookings(&mut conn, &p.org_id, now_ms(), 50)
        .await
        .map_err(internal)?;
    for b in &mut list {
        use self::support::local;
        b.window_label = format!(
            "{} {}–{}",
            local(b.window_start, tz, "%a %b %-d"),
            local(b.window_start, tz, "%-I:%M %P"),
            local(b.window_end, tz, "%-I:%M %P")
        );
    }
    Ok(list)
}
