//! A new org's first steps, as the inbox lists them until they are done: add a number,
//! make a test call, invite the team.

use leptos::prelude::*;

use crate::{error::AppError, models::NextStepsView};

/// A new org's first steps (add a number, make a test call, invite the team), for those
/// who can take them (owners and admins); `None` once all are done, and for staff.
#[server(prefix = "/rpc", endpoint = "leads/next_steps")]
pub async fn next_steps() -> Result<Option<NextStepsView>, AppError> {
    use crate::{
        domain::{permission::Action, E164Phone},
        ssr::{
            context::{db, internal, require},
            db::inbox,
        },
    };
    let db = db();
    let p = require(Action::ViewInbox).await?;
    if !(p.role.can(Action::ManageNumbers) && p.role.can(Action::ManageStaff)) {
        return Ok(None);
    }
    let mut conn = db.acquire().await.map_err(internal)?;
    let done = inbox::first_steps(&mut conn, &p.org_id).await.map_err(internal)?;
    let steps = NextStepsView {
        number_added: done.has_number,
        test_call_made: done.has_call,
        team_invited: done.has_team,
        test_number: done
            .first_number
            .map(|n| E164Phone::parse(&n).map_or(n, |phone| phone.everyday())),
    };
    Ok((!steps.all_done()).then_some(steps))
}
