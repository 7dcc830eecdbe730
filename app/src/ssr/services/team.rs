//! Team management: members, roles and password links. Every rule that protects an org
//! lives here, so the UI, server functions and any future API share it.

use secrecy::SecretString;
use serde_json::json;

use crate::{
    domain::{ids::UserId, permission::Action, EmailAddress, Role},
    error::AppError,
    models::{MemberView, PasswordLinkView},
    ssr::{
        audit::{self, ActorKind, AuditAction, AuditEntry},
        auth::{tokens, Principal, SessionUser},
        clock::now_ms,
        db::{self, memberships, password_tokens, users, Db, Tx},
        password::{self, PasswordError},
    },
};

/// Set-password links expire after three days.
pub const LINK_TTL_HOURS: u32 = 72;

#[derive(Debug, thiserror::Error)]
pub enum TeamError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("An organisation always keeps at least one owner.")]
    LastOwner,
    #[error("{1}")]
    Invalid(&'static str, String),
    #[error("{0}")]
    Conflict(String),
    #[error("This link is invalid or has expired. Ask your admin for a new one.")]
    BadLink,
    #[error("database error")]
    Db(#[from] sqlx::Error),
}

impl From<PasswordError> for TeamError {
    fn from(e: PasswordError) -> Self {
        match e {
            PasswordError::Hash => TeamError::Db(sqlx::Error::Protocol("password hashing failed".into())),
            other => TeamError::Invalid("password", other.to_string()),
        }
    }
}

impl From<TeamError> for AppError {
    fn from(e: TeamError) -> Self {
        use crate::ssr::auth::principal::{fail, internal};
        match e {
            TeamError::NotFound => fail(AppError::NotFound),
            TeamError::Forbidden => fail(AppError::Forbidden),
            TeamError::LastOwner => fail(AppError::Conflict(e.to_string())),
            TeamError::Conflict(m) => fail(AppError::Conflict(m)),
            TeamError::Invalid(field, m) => fail(AppError::validation(field, m)),
            TeamError::BadLink => fail(AppError::validation("token", e.to_string())),
            TeamError::Db(err) => internal(err),
        }
    }
}

pub struct Meta {
    pub ip: Option<String>,
    pub request_id: Option<String>,
}

async fn audit(
    tx: &mut Tx<'_>,
    p: &Principal,
    action: AuditAction,
    target: &str,
    meta: &Meta,
    metadata: serde_json::Value,
) -> Result<(), sqlx::Error> {
    let org = crate::domain::ids::OrgId::parse(&p.org_id).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
    audit::record(
        tx,
        AuditEntry {
            org_id: Some(&org),
            actor_kind: ActorKind::User,
            actor_id: Some(&p.user_id),
            action,
            target_kind: Some("user"),
            target_id: Some(target),
            request_id: meta.request_id.as_deref(),
            ip: meta.ip.as_deref(),
            metadata,
        },
        now_ms(),
    )
    .await?;
    Ok(())
}

pub async fn list_members(db: &Db, p: &Principal) -> Result<Vec<MemberView>, TeamError> {
    let mut conn = db.acquire().await?;
    let rows = memberships::list_for_org(&mut conn, &p.org_id).await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(MemberView {
                is_you: r.user_id == p.user_id,
                role: r.role.parse().ok()?,
                user_id: r.user_id,
                email: r.email,
                active: r.active,
            })
        })
        .collect())
}

fn link(public_base: &str, token: &str) -> String {
    format!("{public_base}/set-password?token={token}")
}

async fn issue_link(tx: &mut Tx<'_>, p: &Principal, user_id: &str, now: i64) -> Result<String, sqlx::Error> {
    let token = tokens::generate();
    let id = UserId::new().as_str().replacen("usr_", "pwt_", 1);
    let token_hash = tokens::hash(&token);
    password_tokens::insert(
        tx,
        password_tokens::NewToken {
            id: &id,
            user_id,
            org_id: &p.org_id,
            token_hash: &token_hash,
            expires_at: now + i64::from(LINK_TTL_HOURS) * 3_600_000,
            created_by: Some(&p.user_id),
        },
        now,
    )
    .await?;
    Ok(token)
}

/// Adds a member. A new account gets a one-time set-password link; an existing account
/// (someone already at another location) just gains the membership.
pub async fn add_member(
    db: &Db,
    p: &Principal,
    public_base: &str,
    email: &str,
    role: Role,
    meta: &Meta,
) -> Result<PasswordLinkView, TeamError> {
    if !p.role.can(Action::ManageStaff) || !p.role.can_manage_role(role) {
        return Err(TeamError::Forbidden);
    }
    let email = EmailAddress::parse(email).map_err(|e| TeamError::Invalid("email", e.to_string()))?;
    let now = now_ms();
    let mut tx = db::begin_write(db).await?;
    let existing = users::find_by_email(&mut tx, email.as_str()).await?;
    let (user_id, token) = match existing {
        Some(u) => {
            if memberships::find_role(&mut tx, &p.org_id, &u.id).await?.is_some() {
                return Err(TeamError::Conflict(format!("{email} is already a member.")));
            }
            (u.id, None)
        }
        None => {
            let id = UserId::new();
            // Not an argon2 hash, so nothing verifies against it until the link is used.
            users::insert(&mut tx, &id, &email, &format!("!unset:{}", tokens::generate()), now).await?;
            let token = issue_link(&mut tx, p, id.as_str(), now).await?;
            (id.to_string(), Some(token))
        }
    };
    let org = crate::domain::ids::OrgId::parse(&p.org_id).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
    let uid = UserId::parse(&user_id).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
    memberships::insert(&mut tx, &org, &uid, role, now).await?;
    audit(
        &mut tx,
        p,
        AuditAction::MemberAdded,
        &user_id,
        meta,
        json!({ "email": email.as_str(), "role": role, "new_account": token.is_some() }),
    )
    .await?;
    tx.commit().await?;
    Ok(PasswordLinkView {
        email: email.to_string(),
        link: token.map(|t| link(public_base, &t)),
        expires_in_hours: LINK_TTL_HOURS,
    })
}

/// Loads the target's role in the principal's org; another org's member is "not found".
async fn target_role(tx: &mut Tx<'_>, p: &Principal, user_id: &str) -> Result<Role, TeamError> {
    let role = memberships::find_role(tx, &p.org_id, user_id)
        .await?
        .ok_or(TeamError::NotFound)?;
    role.parse().map_err(|_| TeamError::NotFound)
}

pub async fn change_role(db: &Db, p: &Principal, user_id: &str, new_role: Role, meta: &Meta) -> Result<(), TeamError> {
    let mut tx = db::begin_write(db).await?;
    let old = target_role(&mut tx, p, user_id).await?;
    if !p.role.can_manage_role(old) || !p.role.can_manage_role(new_role) {
        return Err(TeamError::Forbidden);
    }
    if old == new_role {
        return Ok(());
    }
    if old == Role::Owner && memberships::count_owners(&mut tx, &p.org_id).await? <= 1 {
        return Err(TeamError::LastOwner);
    }
    memberships::set_role(&mut tx, &p.org_id, user_id, new_role, now_ms()).await?;
    audit(
        &mut tx,
        p,
        AuditAction::RoleChanged,
        user_id,
        meta,
        json!({ "before": old, "after": new_role }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn remove_member(db: &Db, p: &Principal, user_id: &str, meta: &Meta) -> Result<(), TeamError> {
    let mut tx = db::begin_write(db).await?;
    let old = target_role(&mut tx, p, user_id).await?;
    if !p.role.can_manage_role(old) {
        return Err(TeamError::Forbidden);
    }
    if old == Role::Owner && memberships::count_owners(&mut tx, &p.org_id).await? <= 1 {
        return Err(TeamError::LastOwner);
    }
    memberships::delete(&mut tx, &p.org_id, user_id).await?;
    audit(
        &mut tx,
        p,
        AuditAction::MemberRemoved,
        user_id,
        meta,
        json!({ "role": old }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Issues a new set-password link and disables the current password at once, which also
/// ends the member's sessions.
pub async fn reset_password(
    db: &Db,
    p: &Principal,
    public_base: &str,
    user_id: &str,
    meta: &Meta,
) -> Result<PasswordLinkView, TeamError> {
    let now = now_ms();
    let mut tx = db::begin_write(db).await?;
    let role = target_role(&mut tx, p, user_id).await?;
    if !p.role.can_manage_role(role) {
        return Err(TeamError::Forbidden);
    }
    let user = users::find(&mut tx, user_id).await?.ok_or(TeamError::NotFound)?;
    users::set_password_hash(&mut tx, user_id, &format!("!reset:{}", tokens::generate()), now).await?;
    let token = issue_link(&mut tx, p, user_id, now).await?;
    audit(
        &mut tx,
        p,
        AuditAction::PasswordResetIssued,
        user_id,
        meta,
        json!({ "email": user.email }),
    )
    .await?;
    tx.commit().await?;
    Ok(PasswordLinkView {
        email: user.email,
        link: Some(link(public_base, &token)),
        expires_in_hours: LINK_TTL_HOURS,
    })
}

pub async fn link_is_usable(db: &Db, token: &str) -> Result<bool, TeamError> {
    let mut conn = db.acquire().await?;
    Ok(password_tokens::is_usable(&mut conn, &tokens::hash(token), now_ms()).await?)
}

/// Uses a one-time link to set a password; returns the user to sign in.
pub async fn set_password_with_link(
    db: &Db,
    token: &str,
    new_password: SecretString,
    meta: &Meta,
) -> Result<SessionUser, TeamError> {
    let hash = password::hash(new_password).await?;
    let now = now_ms();
    let mut tx = db::begin_write(db).await?;
    let (user_id, org_id) = password_tokens::consume(&mut tx, &tokens::hash(token), now)
        .await?
        .ok_or(TeamError::BadLink)?;
    users::set_password_hash(&mut tx, &user_id, &hash, now).await?;
    let org = crate::domain::ids::OrgId::parse(&org_id).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
    audit::record(
        &mut tx,
        AuditEntry {
            org_id: Some(&org),
            actor_kind: ActorKind::User,
            actor_id: Some(&user_id),
            action: AuditAction::PasswordSet,
            target_kind: Some("user"),
            target_id: Some(&user_id),
            request_id: meta.request_id.as_deref(),
            ip: meta.ip.as_deref(),
            metadata: json!({ "via": "one_time_link" }),
        },
        now,
    )
    .await?;
    let user = users::find(&mut tx, &user_id).await?.ok_or(TeamError::BadLink)?;
    tx.commit().await?;
    Ok(SessionUser::from(user))
}

/// Changes the signed-in user's own password after checking the current one.
pub async fn change_own_password(
    db: &Db,
    p: &Principal,
    current: SecretString,
    new_password: SecretString,
    meta: &Meta,
) -> Result<SessionUser, TeamError> {
    password::check_policy(&new_password)?;
    let user = {
        let mut conn = db.acquire().await?;
        users::find(&mut conn, &p.user_id).await?.ok_or(TeamError::NotFound)?
    };
    if !password::verify(current, user.password_hash.clone()).await {
        return Err(TeamError::Invalid(
            "current_password",
            "Your current password is not correct.".into(),
        ));
    }
    let hash = password::hash(new_password).await?;
    let now = now_ms();
    let mut tx = db::begin_write(db).await?;
    users::set_password_hash(&mut tx, &p.user_id, &hash, now).await?;
    audit(&mut tx, p, AuditAction::PasswordChanged, &p.user_id, meta, json!({})).await?;
    let user = users::find(&mut tx, &p.user_id).await?.ok_or(TeamError::NotFound)?;
    tx.commit().await?;
    Ok(SessionUser::from(user))
}
