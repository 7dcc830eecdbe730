//! Invitations: the only way into an org. An admin's "add member" creates an invitation
//! and mails its link to the address; nothing about the org reaches that person, and no
//! membership exists, until they accept. The admin's answer is the same whether or not the
//! address already has an account anywhere.
//!
//! Accepting: with no account for the address, the link's holder chooses a password and the
//! account is created; with an account, the holder must be signed in *as that account*,
//! so an invitation can never be used to attach (or take over) somebody else's account.

use secrecy::SecretString;
use serde_json::json;

use crate::ssr::db::Conn;
use crate::{
    domain::{
        ids::{InvitationId, OrgId, UserId},
        permission::Action,
        EmailAddress, Role,
    },
    models::{InvitationView, InviteView, PasswordLinkView},
    ssr::{
        actor::{Acting, Actor, RequestMeta, StaffActor},
        audit::{self, AuditAction, Target},
        auth::{tokens, SessionUser},
        clock::now_ms,
        db::{self, invitations, memberships, users, Db},
        mail, password,
        services::team::TeamError,
    },
};

/// Invitation links expire after three days.
pub const INVITE_TTL_HOURS: u32 = 72;

fn decode(e: impl std::error::Error + Send + Sync + 'static) -> sqlx::Error {
    sqlx::Error::Decode(Box::new(e))
}

/// Whether whoever sent an invitation may still give that role in that org (they could
/// have been removed or demoted since). An invitation with no recorded sender stands.
async fn sender_still_may(
    conn: &mut Conn,
    org_id: &str,
    created_by: Option<&str>,
    role: Role,
) -> Result<bool, sqlx::Error> {
    let Some(sender) = created_by else {
        return Ok(true);
    };
    let sender_role = memberships::find_role(conn, org_id, sender)
        .await?
        .and_then(|r| r.parse::<Role>().ok());
    Ok(sender_role.is_some_and(|r| r.can(Action::ManageStaff) && r.can_manage_role(role)))
}

/// An org sends at most this many invitations an hour, and at most this many to one
/// address, so the team page cannot be used to flood anyone's mailbox.
const MAX_INVITES_PER_ORG_PER_HOUR: i64 = 50;
const MAX_INVITES_PER_ADDRESS_PER_HOUR: i64 = 3;

/// Invites `email` to the actor's org with `role`, replacing any earlier pending
/// invitation of that address here, and mails the link. Only "already a member of this
/// org" is answered differently; whether the address has an account is never revealed.
pub async fn invite_member(
    db: &Db,
    a: &StaffActor,
    public_base: &str,
    email: &str,
    role: Role,
) -> Result<PasswordLinkView, TeamError> {
    if !a.can(Action::ManageStaff) || !a.role.can_manage_role(role) {
        return Err(TeamError::Forbidden);
    }
    let email = EmailAddress::parse(email).map_err(|e| TeamError::Invalid("email", e.to_string()))?;
    let now = now_ms();
    let mut tx = db::begin_write(db).await?;
    if let Some(user_id) = users::find_id_by_email(&mut tx, &email).await? {
        // Saying so reveals nothing outside this org.
        if memberships::find_role(&mut tx, a.org(), &user_id).await?.is_some() {
            return Err(TeamError::Conflict(format!("{email} is already a member.")));
        }
    }
    let hour_ago = now - 3_600_000;
    if invitations::count_created_since(&mut tx, a.org(), None, hour_ago).await? >= MAX_INVITES_PER_ORG_PER_HOUR
        || invitations::count_created_since(&mut tx, a.org(), Some(email.as_str()), hour_ago).await?
            >= MAX_INVITES_PER_ADDRESS_PER_HOUR
    {
        return Err(TeamError::TooMany(
            "Too many invitations in the last hour. Try again later.".into(),
        ));
    }
    invitations::revoke_pending_for_email(&mut tx, a.org(), email.as_str(), now).await?;
    let token = tokens::generate();
    let id = InvitationId::new();
    invitations::insert(
        &mut tx,
        &a.org_id,
        invitations::NewInvitation {
            id: &id,
            email: &email,
            role,
            token_hash: &tokens::hash(&token),
            expires_at: now + i64::from(INVITE_TTL_HOURS) * 3_600_000,
            created_by: Some(&a.user_id),
        },
        now,
    )
    .await?;
    mail::enqueue(
        &mut tx,
        &email,
        mail::invitation(public_base, &token, INVITE_TTL_HOURS),
        now,
    )
    .await?;
    audit::record(
        &mut tx,
        &a.acting(),
        AuditAction::MemberInvited,
        Target::Invitation(id.as_str()),
        json!({ "email": email.as_str(), "role": role }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(PasswordLinkView {
        email: email.to_string(),
        expires_in_hours: INVITE_TTL_HOURS,
    })
}

/// The actor's org's pending invitations.
pub async fn list_invitations(db: &Db, a: &StaffActor) -> Result<Vec<InvitationView>, TeamError> {
    let now = now_ms();
    let mut conn = db.acquire().await?;
    let rows = invitations::list_pending_for_org(&mut conn, a.org(), now).await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(InvitationView {
                role: r.role.parse().ok()?,
                expires_in_hours: (r.expires_at - now + 3_599_999) / 3_600_000,
                expires_at: r.expires_at,
                id: r.id,
                email: r.email,
            })
        })
        .collect())
}

/// Withdraws one of the org's pending invitations; its link stops working at once.
pub async fn revoke_invitation(db: &Db, a: &StaffActor, invitation_id: &str) -> Result<(), TeamError> {
    let id = InvitationId::parse(invitation_id).map_err(|_| TeamError::NotFound)?;
    let now = now_ms();
    let mut tx = db::begin_write(db).await?;
    let row = invitations::find_pending(&mut tx, a.org(), id.as_str(), now)
        .await?
        .ok_or(TeamError::NotFound)?;
    let role: Role = row.role.parse().map_err(|_| TeamError::NotFound)?;
    if !a.can(Action::ManageStaff) || !a.role.can_manage_role(role) {
        return Err(TeamError::Forbidden);
    }
    invitations::revoke(&mut tx, a.org(), id.as_str(), now).await?;
    audit::record(
        &mut tx,
        &a.acting(),
        AuditAction::InvitationRevoked,
        Target::Invitation(id.as_str()),
        json!({ "email": row.email, "role": role }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What the invitation page shows the link's holder, or `None` when the link cannot be
/// used (unknown, expired, withdrawn, accepted, or its sender may no longer give the role).
pub async fn check_invitation(
    db: &Db,
    token: &str,
    signed_in: Option<&SessionUser>,
) -> Result<Option<InviteView>, TeamError> {
    let now = now_ms();
    let mut conn = db.acquire().await?;
    let Some(inv) = invitations::find_pending_by_token(&mut conn, &tokens::hash(token), now).await? else {
        return Ok(None);
    };
    let Ok(role) = inv.role.parse::<Role>() else {
        return Ok(None);
    };
    if !sender_still_may(&mut conn, &inv.org_id, inv.created_by.as_deref(), role).await? {
        return Ok(None);
    }
    let account = users::find_by_email(&mut conn, &inv.email).await?;
    let signed_in_as_invitee = matches!((&account, signed_in), (Some(a), Some(u)) if a.id == u.id);
    Ok(Some(InviteView {
        org_name: inv.org_name,
        email: inv.email,
        role,
        account_exists: account.is_some(),
        signed_in_as_invitee,
        signed_in_as_other: signed_in.filter(|_| !signed_in_as_invitee).map(|u| u.email.clone()),
    }))
}

/// The result of accepting: who to sign in (or keep signed in) and the org they joined.
pub struct Accepted {
    pub user: SessionUser,
    pub org_id: String,
    /// The account was created just now (the caller starts its session).
    pub new_account: bool,
}

/// Accepts an invitation once. For an address with no account, `password` creates it; for
/// an existing account, `signed_in` must be that account (a password here is ignored).
pub async fn accept_invitation(
    db: &Db,
    token: &str,
    password: Option<SecretString>,
    signed_in: Option<&SessionUser>,
    request: &RequestMeta,
) -> Result<Accepted, TeamError> {
    let token_hash = tokens::hash(token);
    // Look before taking the write lock: who is invited decides whether a password (slow to
    // hash) is needed.
    let existing = {
        let mut conn = db.acquire().await?;
        let inv = invitations::find_pending_by_token(&mut conn, &token_hash, now_ms())
            .await?
            .ok_or(TeamError::BadInvite)?;
        users::find_by_email(&mut conn, &inv.email).await?
    };
    let new_hash = match &existing {
        Some(account) => match signed_in {
            None => return Err(TeamError::SignInRequired),
            Some(u) if u.id != account.id => return Err(TeamError::WrongAccount),
            Some(_) => None,
        },
        None => {
            let password = password
                .ok_or_else(|| TeamError::Invalid("password", "Choose a password to create your account.".into()))?;
            Some(password::hash(password).await?)
        }
    };

    let now = now_ms();
    let mut tx = db::begin_write(db).await?;
    // One statement: a link is accepted once however many tabs race for it. Any refusal
    // below drops `tx`, which rolls this back.
    let inv = invitations::consume(&mut tx, &token_hash, now)
        .await?
        .ok_or(TeamError::BadInvite)?;
    // The link is spent: no copy of it stays in the mail outbox.
    crate::ssr::db::mail_outbox::blank_dead(&mut tx, now).await?;
    let role: Role = inv.role.parse().map_err(|_| TeamError::BadInvite)?;
    if !sender_still_may(&mut tx, &inv.org_id, inv.created_by.as_deref(), role).await? {
        return Err(TeamError::BadInvite);
    }
    let org = OrgId::parse(&inv.org_id).map_err(decode)?;
    let email = EmailAddress::parse(&inv.email).map_err(decode)?;
    // Read again under the lock: an account may have appeared for this address meanwhile.
    let now_existing = users::find_by_email(&mut tx, email.as_str()).await?;
    let user_id = match (now_existing, &existing, new_hash) {
        (Some(now_u), Some(before), _) if now_u.id == before.id => UserId::parse(&now_u.id).map_err(decode)?,
        (None, None, Some(hash)) => {
            let id = UserId::new();
            users::insert(&mut tx, &id, &email, &hash, now).await?;
            id
        }
        _ => {
            return Err(TeamError::Conflict(
                "An account was just created for this address. Sign in as it and open the invitation again.".into(),
            ))
        }
    };
    if memberships::find_role(&mut tx, org.as_str(), user_id.as_str())
        .await?
        .is_none()
    {
        memberships::insert(&mut tx, &org, &user_id, role, now).await?;
    }
    let acting = Acting::new(
        Actor::User {
            user_id: user_id.as_str().to_owned(),
        },
        Some(org),
        request,
    );
    audit::record(
        &mut tx,
        &acting,
        AuditAction::InvitationAccepted,
        Target::User(user_id.as_str()),
        json!({ "invitation_id": inv.id, "role": role, "new_account": existing.is_none() }),
        now,
    )
    .await?;
    let user = users::find(&mut tx, user_id.as_str())
        .await?
        .ok_or(TeamError::BadInvite)?;
    tx.commit().await?;
    Ok(Accepted {
        user: SessionUser::from(user),
        org_id: inv.org_id,
        new_account: existing.is_none(),
    })
}
