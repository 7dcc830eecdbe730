//! Team management: members, roles and password links. Every rule that protects an org
//! lives here, so the UI, server functions and any future API share it. Adding people is
//! by invitation (see [`super::invitations`]); links travel by mail only, never through
//! the admin who asked for them.

use secrecy::SecretString;
use serde_json::json;

use crate::{
    domain::{
        ids::{OrgId, PasswordTokenId},
        permission::Action,
        EmailAddress, Role,
    },
    models::{MemberView, PasswordLinkView},
    ssr::{
        actor::{Acting, Actor, RequestMeta, StaffActor},
        audit::{self, AuditAction, Target},
        auth::{tokens, SessionUser},
        clock::now_ms,
        db::{self, invitations, mail_outbox, memberships, password_tokens, users, Db, Tx},
        mail,
        password::{self, PasswordError},
    },
};

/// Set-password links an admin issues expire after three days.
pub const LINK_TTL_HOURS: u32 = 72;
/// Links the account holder asks for on the sign-in page are short-lived: whoever asked
/// is at their mailbox now.
pub const FORGOT_LINK_TTL_HOURS: u32 = 2;

/// The one answer to "Forgot password?", whether or not the address has an account.
pub const FORGOT_PASSWORD_ANSWER: &str =
    "If an account exists for that address, we've emailed it a link to set a new password.";

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
    #[error("This link is invalid or has expired. Use \"Forgot password?\" on the sign-in page to get a new one.")]
    BadLink,
    #[error("This invitation is invalid, has expired or was withdrawn. Ask your admin to send a new one.")]
    BadInvite,
    /// The account also belongs to an org where the admin may not manage it. Worded so it
    /// does not confirm anything about other orgs.
    #[error("You can't reset this member's password. Ask them to use \"Forgot password?\" on the sign-in page.")]
    ResetElsewhere,
    /// Too many invitations in a short time (a mailbox must not be flooded from here).
    #[error("{0}")]
    TooMany(String),
    /// Accepting an invitation for an existing account needs that account signed in.
    #[error("Please sign in to continue.")]
    SignInRequired,
    /// Signed in, but as someone other than the invited account.
    #[error("forbidden")]
    WrongAccount,
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

pub async fn list_members(db: &Db, a: &StaffActor) -> Result<Vec<MemberView>, TeamError> {
    let mut conn = db.acquire().await?;
    let rows = memberships::list_for_org(&mut conn, a.org()).await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(MemberView {
                is_you: r.user_id == a.user_id,
                role: r.role.parse().ok()?,
                user_id: r.user_id,
                email: r.email,
                active: r.active,
            })
        })
        .collect())
}

/// Stores a new set-password link for `user_id` (replacing any earlier unused one) and
/// returns its token, to be mailed in the same transaction. `org_id` is the issuing
/// admin's org, `None` when the account holder asked for it.
async fn issue_link(
    tx: &mut Tx<'_>,
    user_id: &str,
    org_id: Option<&str>,
    created_by: Option<&str>,
    valid_hours: u32,
    now: i64,
) -> Result<String, sqlx::Error> {
    let token = tokens::generate();
    let id = PasswordTokenId::new();
    let token_hash = tokens::hash(&token);
    password_tokens::insert(
        tx,
        password_tokens::NewToken {
            id: id.as_str(),
            user_id,
            org_id,
            token_hash: &token_hash,
            expires_at: now + i64::from(valid_hours) * 3_600_000,
            created_by,
        },
        now,
    )
    .await?;
    Ok(token)
}

/// Revokes what the org had handed out to one of its members: their outstanding
/// set-password links from this org and any pending invitation of their address here
/// (they were removed, or their role changed).
async fn revoke_outstanding_links(tx: &mut Tx<'_>, org_id: &str, user_id: &str, now: i64) -> Result<(), sqlx::Error> {
    password_tokens::revoke_for_user_in_org(tx, org_id, user_id, now).await?;
    if let Some(user) = users::find(tx, user_id).await? {
        invitations::revoke_pending_for_email(tx, org_id, &user.email, now).await?;
    }
    Ok(())
}

/// Loads the target's role in the actor's org; another org's member is "not found".
async fn target_role(tx: &mut Tx<'_>, a: &StaffActor, user_id: &str) -> Result<Role, TeamError> {
    let role = memberships::find_role(tx, a.org(), user_id)
        .await?
        .ok_or(TeamError::NotFound)?;
    role.parse().map_err(|_| TeamError::NotFound)
}

pub async fn change_role(db: &Db, a: &StaffActor, user_id: &str, new_role: Role) -> Result<(), TeamError> {
    let mut tx = db::begin_write(db).await?;
    let old = target_role(&mut tx, a, user_id).await?;
    if !a.role.can_manage_role(old) || !a.role.can_manage_role(new_role) {
        return Err(TeamError::Forbidden);
    }
    if old == new_role {
        return Ok(());
    }
    if old == Role::Owner && memberships::count_owners(&mut tx, a.org()).await? <= 1 {
        return Err(TeamError::LastOwner);
    }
    let now = now_ms();
    memberships::set_role(&mut tx, a.org(), user_id, new_role, now).await?;
    // A link or invitation handed out under the old role must not outlive it.
    revoke_outstanding_links(&mut tx, a.org(), user_id, now).await?;
    audit::record(
        &mut tx,
        &a.acting(),
        AuditAction::RoleChanged,
        Target::User(user_id),
        json!({ "before": old, "after": new_role }),
        now_ms(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn remove_member(db: &Db, a: &StaffActor, user_id: &str) -> Result<(), TeamError> {
    let mut tx = db::begin_write(db).await?;
    let old = target_role(&mut tx, a, user_id).await?;
    if !a.role.can_manage_role(old) {
        return Err(TeamError::Forbidden);
    }
    if old == Role::Owner && memberships::count_owners(&mut tx, a.org()).await? <= 1 {
        return Err(TeamError::LastOwner);
    }
    memberships::delete(&mut tx, a.org(), user_id).await?;
    revoke_outstanding_links(&mut tx, a.org(), user_id, now_ms()).await?;
    audit::record(
        &mut tx,
        &a.acting(),
        AuditAction::MemberRemoved,
        Target::User(user_id),
        json!({ "role": old }),
        now_ms(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Whether `actor_id` may administer `user_id` everywhere that account is used: in every
/// org it belongs to, the actor is a member whose role manages staff and the account's
/// role there. A password is global, so resetting it from one org must not reach into
/// another org's account (an admin of one location taking over another's owner).
async fn administers_everywhere(tx: &mut Tx<'_>, actor_id: &str, user_id: &str) -> Result<bool, sqlx::Error> {
    let orgs = memberships::list_for_user(tx, user_id).await?;
    for m in orgs {
        let Ok(target) = m.role.parse::<Role>() else {
            return Ok(false);
        };
        let actor = memberships::find_role(tx, &m.org_id, actor_id)
            .await?
            .and_then(|r| r.parse::<Role>().ok());
        match actor {
            Some(a) if a.can(Action::ManageStaff) && a.can_manage_role(target) => {}
            _ => return Ok(false),
        }
    }
    Ok(true)
}

/// Disables the member's password at once (which also ends their sessions) and mails a
/// set-password link to the account's own address. The admin never sees the link. Refused
/// unless the admin may manage the account in every org it belongs to.
pub async fn reset_password(
    db: &Db,
    a: &StaffActor,
    public_base: &str,
    user_id: &str,
) -> Result<PasswordLinkView, TeamError> {
    let now = now_ms();
    let mut tx = db::begin_write(db).await?;
    let role = target_role(&mut tx, a, user_id).await?;
    if !a.role.can_manage_role(role) {
        return Err(TeamError::Forbidden);
    }
    if !administers_everywhere(&mut tx, &a.user_id, user_id).await? {
        return Err(TeamError::ResetElsewhere);
    }
    let user = users::find(&mut tx, user_id).await?.ok_or(TeamError::NotFound)?;
    let email = EmailAddress::parse(&user.email).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
    users::set_password_hash(&mut tx, user_id, &format!("!reset:{}", tokens::generate()), now).await?;
    let token = issue_link(&mut tx, user_id, Some(a.org()), Some(&a.user_id), LINK_TTL_HOURS, now).await?;
    mail::enqueue(
        &mut tx,
        &email,
        mail::password_reset_by_admin(public_base, &token, LINK_TTL_HOURS),
        now,
    )
    .await?;
    audit::record(
        &mut tx,
        &a.acting(),
        AuditAction::PasswordResetIssued,
        Target::User(user_id),
        json!({ "delivery": "mail" }),
        now_ms(),
    )
    .await?;
    tx.commit().await?;
    Ok(PasswordLinkView {
        email: user.email,
        expires_in_hours: LINK_TTL_HOURS,
    })
}

/// At most this many "Forgot password?" mails to one address per hour (counting only
/// those, so invitations cannot use up someone's allowance), so the form cannot be used to
/// flood someone's mailbox.
const MAX_MAILS_PER_ADDRESS_PER_HOUR: i64 = 5;

/// "Forgot password?": mails a set-password link when an account uses `email`. The caller
/// always gets the same answer ([`FORGOT_PASSWORD_ANSWER`]), so it cannot tell whether an
/// account exists. The current password keeps working until the link is used.
pub async fn request_password_link(
    db: &Db,
    public_base: &str,
    email: &str,
    request: &RequestMeta,
) -> Result<(), TeamError> {
    let email = EmailAddress::parse(email).map_err(|e| TeamError::Invalid("email", e.to_string()))?;
    let now = now_ms();
    let mut tx = db::begin_write(db).await?;
    let user = users::find_by_email(&mut tx, email.as_str()).await?;
    let recent = mail_outbox::count_since(
        &mut tx,
        email.as_str(),
        mail::MailKind::ResetRequested.as_str(),
        now - 3_600_000,
    )
    .await?;
    match user {
        Some(user) if recent < MAX_MAILS_PER_ADDRESS_PER_HOUR => {
            let token = issue_link(&mut tx, &user.id, None, None, FORGOT_LINK_TTL_HOURS, now).await?;
            mail::enqueue(
                &mut tx,
                &email,
                mail::password_reset_requested(public_base, &token, FORGOT_LINK_TTL_HOURS),
                now,
            )
            .await?;
            audit::record(
                &mut tx,
                &Acting::new(Actor::Anonymous, None, request),
                AuditAction::PasswordResetRequested,
                Target::User(&user.id),
                json!({}),
                now,
            )
            .await?;
        }
        Some(user) => {
            tracing::warn!(user_id = %user.id, "password link requests for one address are being limited");
        }
        None => {}
    }
    tx.commit().await?;
    Ok(())
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
    request: &RequestMeta,
) -> Result<SessionUser, TeamError> {
    let hash = password::hash(new_password).await?;
    let now = now_ms();
    let mut tx = db::begin_write(db).await?;
    // Refused too when the org that issued it no longer counts the user as a member.
    let (user_id, org_id) = password_tokens::consume(&mut tx, &tokens::hash(token), now)
        .await?
        .ok_or(TeamError::BadLink)?;
    // The link is spent: no copy of it stays in the mail outbox.
    mail_outbox::blank_dead(&mut tx, now).await?;
    users::set_password_hash(&mut tx, &user_id, &hash, now).await?;
    let org = org_id
        .as_deref()
        .map(OrgId::parse)
        .transpose()
        .map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
    let acting = Acting::new(
        Actor::User {
            user_id: user_id.clone(),
        },
        org,
        request,
    );
    audit::record(
        &mut tx,
        &acting,
        AuditAction::PasswordSet,
        Target::User(&user_id),
        json!({ "via": "one_time_link" }),
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
    a: &StaffActor,
    current: SecretString,
    new_password: SecretString,
) -> Result<SessionUser, TeamError> {
    password::check_policy(&new_password)?;
    let user = {
        let mut conn = db.acquire().await?;
        users::find(&mut conn, &a.user_id).await?.ok_or(TeamError::NotFound)?
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
    users::set_password_hash(&mut tx, &a.user_id, &hash, now).await?;
    audit::record(
        &mut tx,
        &a.acting(),
        AuditAction::PasswordChanged,
        Target::User(&a.user_id),
        json!({}),
        now_ms(),
    )
    .await?;
    let user = users::find(&mut tx, &a.user_id).await?.ok_or(TeamError::NotFound)?;
    tx.commit().await?;
    Ok(SessionUser::from(user))
}
