use leptos::prelude::*;

use crate::{
    domain::Role,
    error::AppError,
    models::{MemberView, PasswordLinkView},
};

#[server(prefix = "/rpc", endpoint = "team/list")]
pub async fn list_members() -> Result<Vec<MemberView>, AppError> {
    use crate::{
        domain::permission::Action,
        ssr::{
            auth::{principal::db, require},
            services::team,
        },
    };
    let db = db();
    let p = require(Action::ManageStaff).await?;
    Ok(team::list_members(&db, &p).await?)
}

#[server(prefix = "/rpc", endpoint = "team/add")]
pub async fn add_member(email: String, role: Role) -> Result<PasswordLinkView, AppError> {
    use crate::{
        domain::permission::Action,
        ssr::{
            auth::{
                principal::{db, request_meta},
                require,
            },
            services::team::{self, Meta},
            state::AppState,
        },
    };
    let db = db();
    let base = expect_context::<AppState>().public_base;
    let p = require(Action::ManageStaff).await?;
    let (ip, request_id) = request_meta();

    Ok(team::add_member(&db, &p, &base, &email, role, &Meta { ip, request_id }).await?)
}

#[server(prefix = "/rpc", endpoint = "team/change_role")]
pub async fn change_member_role(user_id: String, role: Role) -> Result<(), AppError> {
    use crate::{
        domain::permission::Action,
        ssr::{
            auth::{
                principal::{db, request_meta},
                require,
            },
            services::team::{self, Meta},
        },
    };
    let db = db();
    let p = require(Action::ManageStaff).await?;
    let (ip, request_id) = request_meta();
    Ok(team::change_role(&db, &p, &user_id, role, &Meta { ip, request_id }).await?)
}

#[server(prefix = "/rpc", endpoint = "team/remove")]
pub async fn remove_member(user_id: String) -> Result<(), AppError> {
    use crate::{
        domain::permission::Action,
        ssr::{
            auth::{
                principal::{db, request_meta},
                require,
            },
            services::team::{self, Meta},
        },
    };
    let db = db();
    let p = require(Action::ManageStaff).await?;
    let (ip, request_id) = request_meta();
    Ok(team::remove_member(&db, &p, &user_id, &Meta { ip, request_id }).await?)
}

#[server(prefix = "/rpc", endpoint = "team/reset_password")]
pub async fn reset_member_password(user_id: String) -> Result<PasswordLinkView, AppError> {
    use crate::{
        domain::permission::Action,
        ssr::{
            auth::{
                principal::{db, request_meta},
                require,
            },
            services::team::{self, Meta},
            state::AppState,
        },
    };
    let db = db();
    let base = expect_context::<AppState>().public_base;
    let p = require(Action::ManageStaff).await?;
    let (ip, request_id) = request_meta();

    Ok(team::reset_password(&db, &p, &base, &user_id, &Meta { ip, request_id }).await?)
}

/// Public: whether a set-password link can still be used (the page says so before asking).
#[server(prefix = "/rpc", endpoint = "auth/check_link")]
pub async fn check_password_link(token: String) -> Result<bool, AppError> {
    use crate::ssr::{auth::principal::db, services::team};
    Ok(team::link_is_usable(&db(), &token).await?)
}

/// Public: sets a password through a one-time link and signs the user in.
#[server(prefix = "/rpc", endpoint = "auth/set_password")]
pub async fn set_password(token: String, password: String) -> Result<(), AppError> {
    use secrecy::SecretString;

    use crate::ssr::{
        auth::principal::{db, request_meta, start_session},
        services::team::{self, Meta},
    };
    let (ip, request_id) = request_meta();
    let user =
        team::set_password_with_link(&db(), &token, SecretString::from(password), &Meta { ip, request_id }).await?;
    start_session(&user).await?;
    leptos_axum::redirect("/app");
    Ok(())
}
