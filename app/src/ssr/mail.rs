//! The mails CallSnare sends: invitations and set-password links. Each is one short
//! sentence and the link, nothing else: no org name, no lead or customer data, since mail
//! passes through servers we do not control. Mail is queued with [`enqueue`] in the same
//! transaction as the token it carries; the server's mail worker delivers it.

use crate::ssr::db::Conn;

use crate::{
    domain::{ids::MailId, EmailAddress},
    ssr::db::mail_outbox,
};

/// What a mail is for; limits count per kind (a burst of invitations must not use up
/// someone's "Forgot password?" allowance).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailKind {
    Invitation,
    ResetByAdmin,
    ResetRequested,
}

impl MailKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::Invitation => "invitation",
            MailKind::ResetByAdmin => "reset_by_admin",
            MailKind::ResetRequested => "reset_requested",
        }
    }
}

/// A composed mail. Not `Debug`: its body holds a one-time link.
pub struct Mail {
    pub kind: MailKind,
    pub subject: &'static str,
    pub body: String,
    /// The SHA-256 of the token the link carries: the stored body is blanked once that
    /// token can no longer be used.
    pub token_hash: String,
    pub valid_hours: u32,
}

/// An invitation to join a team, opened at `/invite`.
pub fn invitation(public_base: &str, token: &str, valid_hours: u32) -> Mail {
    Mail {
        kind: MailKind::Invitation,
        token_hash: crate::ssr::auth::tokens::hash(token),
        valid_hours,
        subject: "Your CallSnare invitation",
        body: format!(
            "You have been invited to join a team on CallSnare. Open this link within {valid_hours} hours to accept:\n\n{}\n",
            invitation_link(public_base, token)
        ),
    }
}

/// An admin reset the password: the old one no longer works.
pub fn password_reset_by_admin(public_base: &str, token: &str, valid_hours: u32) -> Mail {
    Mail {
        kind: MailKind::ResetByAdmin,
        token_hash: crate::ssr::auth::tokens::hash(token),
        valid_hours,
        subject: "Set a new CallSnare password",
        body: format!(
            "Your CallSnare password was reset by an admin. Set a new one within {valid_hours} hours:\n\n{}\n",
            set_password_link(public_base, token)
        ),
    }
}

/// Someone asked for a link on the sign-in page; the current password keeps working.
pub fn password_reset_requested(public_base: &str, token: &str, valid_hours: u32) -> Mail {
    Mail {
        kind: MailKind::ResetRequested,
        token_hash: crate::ssr::auth::tokens::hash(token),
        valid_hours,
        subject: "Reset your CallSnare password",
        body: format!(
            "To set a new CallSnare password, open this link within {valid_hours} hours (if you did not ask for it, ignore this mail; your password is unchanged):\n\n{}\n",
            set_password_link(public_base, token)
        ),
    }
}

fn invitation_link(public_base: &str, token: &str) -> String {
    format!("{public_base}/invite?token={token}")
}

fn set_password_link(public_base: &str, token: &str) -> String {
    format!("{public_base}/set-password?token={token}")
}

/// Queues `mail` to `to` on the caller's transaction: it goes out only if that commits.
pub async fn enqueue(conn: &mut Conn, to: &EmailAddress, mail: Mail, now: i64) -> Result<MailId, sqlx::Error> {
    mail_outbox::insert(
        conn,
        mail_outbox::NewMail {
            to_address: to.as_str(),
            kind: mail.kind.as_str(),
            subject: mail.subject,
            body: &mail.body,
            token_hash: &mail.token_hash,
            expires_at: now + i64::from(mail.valid_hours) * 3_600_000,
        },
        now,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mail_is_one_sentence_and_its_link() {
        let token = "ab".repeat(32);
        for (mail, path) in [
            (invitation("https://calls.example.com", &token, 72), "/invite?token="),
            (
                password_reset_by_admin("https://calls.example.com", &token, 72),
                "/set-password?token=",
            ),
            (
                password_reset_requested("https://calls.example.com", &token, 2),
                "/set-password?token=",
            ),
        ] {
            let lines: Vec<&str> = mail.body.lines().filter(|l| !l.is_empty()).collect();
            assert_eq!(lines.len(), 2, "{}", mail.body);
            assert_eq!(lines[1], format!("https://calls.example.com{path}{token}"));
            assert!(mail.body.is_ascii() && mail.subject.is_ascii());
        }
    }
}
