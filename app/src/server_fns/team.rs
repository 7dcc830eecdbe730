use leptos::prelude::*;

use crate::{
    domain::Role,
    error::AppError,
    models::{InvitationView, MemberView, PasswordLinkView},
};

#[cfg(feature = "ssr")]
mod support {
    use leptos::prelude::expect_context;

    use crate::{
        domain::permission::Action,
        error::AppError,
        ssr::{
            actor::StaffActor,
            context::{db, require_staff},
            db::Db,
            state::AppState,
        },
    };

    /// Everything a team server function needs once the caller is known to manage staff.
    pub struct TeamAdmin {
        pub db: Db,
        pub me: StaffActor,
        pub public_base: String,
        /// Wakes the mail worker once a mail has been queued.
        pub mail_wake: std::sync::Arc<tokio::sync::Notify>,
    }

    pub async fn team_admin() -> Result<TeamAdmin, AppError> {
        // context first: during SSR the page's owner may change while this is in flight
        let db = db();
        let state = expect_context::<AppState>();
        let me = require_staff(Action::ManageStaff).await?;
        Ok(TeamAdmin {
            db,
            me,
            public_base: state.public_base,
            mail_wake: state.mail_wake,
        })
    }
}

#[server(prefix = "/rpc", endpoint = "team/list")]
pub async fn list_members() -> Result<Vec<MemberView>, AppError> {
    use self::support::team_admin;
    use crate::ssr::services::team;
    let a = team_admin().await?;
    Ok(team::list_members(&a.db, &a.me).await?)
}

/// Invites `email` with `role`: the link is mailed to that address, never shown here, and
/// they become a member only by accepting it. The answer is the same whether or not the
/// address has an account anywhere.
#[server(prefix = "/rpc", endpoint = "team/add")]
pub async fn add_member(email: String, role: Role) -> Result<PasswordLinkView, AppError> {
    use self::support::team_admin;
    use crate::ssr::services::invitations;
    let a = team_admin().await?;
    let sent = invitations::invite_member(&a.db, &a.me, &a.public_base, &email, role).await?;
    a.mail_wake.notify_one();
    Ok(sent)
}

/// The org's pending invitations.
#[server(prefix = "/rpc", endpoint = "team/invitations")]
pub async fn list_invitations() -> Result<Vec<InvitationView>, AppError> {
    use self::support::team_admin;
    use crate::ssr::services::invitations;
    let a = team_admin().await?;
    Ok(invitations::list_invitations(&a.db, &a.me).await?)
}

/// Withdraws a pending invitation; its link stops working.
#[server(prefix = "/rpc", endpoint = "team/revoke_invite")]
pub async fn revoke_invitation(invitation_id: String) -> Result<(), AppError> {
    use self::support::team_admin;
    use crate::ssr::services::invitations;
    let a = team_admin().await?;
    Ok(invitations::revoke_invitation(&a.db, &a.me, &invitation_id).await?)
}

#[server(prefix = "/rpc", endpoint = "team/change_role")]
pub async fn change_member_role(user_id: String, role: Role) -> Result<(), AppError> {
    use self::support::team_admin;
    use crate::ssr::services::team;
    let a = team_admin().await?;
    Ok(team::change_role(&a.db, &a.me, &user_id, role).await?)
}

#[server(prefix = "/rpc", endpoint = "team/remove")]
pub async fn remove_member(user_id: String) -> Result<(), AppError> {
    use self::support::team_admin;
    use crate::ssr::services::team;
    let a = team_admin().await?;
    Ok(team::remove_member(&a.db, &a.me, &user_id).await?)
}

/// Disables the member's password and mails them a set-password link (never shown here).
#[server(prefix = "/rpc", endpoint = "team/reset_password")]
pub async fn reset_member_password(user_id: String) -> Result<PasswordLinkView, AppError> {
    use self::support::team_admin;
    use crate::ssr::services::team;
    let a = team_admin().await?;
    let sent = team::reset_password(&a.db, &a.me, &a.public_base, &user_id).await?;
    a.mail_wake.notify_one();
    Ok(sent)
}

/// Public: whether a set-password link can still be used (the page says so before asking).
#[server(prefix = "/rpc", endpoint = "auth/check_link")]
pub async fn check_password_link(token: String) -> Result<bool, AppError> {
    use crate::ssr::{context::db, services::team};
    Ok(team::link_is_usable(&db(), &token).await?)
}

/// Public: sets a password through a one-time link and signs the user in.
#[server(prefix = "/rpc", endpoint = "auth/set_password")]
pub async fn set_password(token: String, password: String) -> Result<(), AppError> {
    use secrecy::SecretString;

    use crate::ssr::{
        context::{db, request_meta, start_session},
        services::team,
    };
    let request = request_meta();
    let user = team::set_password_with_link(&db(), &token, SecretString::from(password), &request).await?;
    start_session(&user).await?;
    leptos_axum::redirect("/app");
    Ok(())
}
