//! What an API key may do: the stable scope codes partners put in their configuration, and
//! the role action each one stands for. A key never gets a scope its creator's role could not
//! use, so the role table in [`super::permission`] stays the one source of who may do what.

use serde::{Deserialize, Serialize};

use crate::domain::{permission::Action, Role};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Scope {
    LeadsRead,
    LeadsWrite,
    MessagesSend,
    BookingsRead,
    BookingsWrite,
    SettingsRead,
    AuditRead,
    EvidenceRead,
    BillingRead,
}

impl Scope {
    pub const ALL: [Scope; 9] = [
        Scope::LeadsRead,
        Scope::LeadsWrite,
        Scope::MessagesSend,
        Scope::BookingsRead,
        Scope::BookingsWrite,
        Scope::SettingsRead,
        Scope::AuditRead,
        Scope::EvidenceRead,
        Scope::BillingRead,
    ];

    /// The stable code, as partners write it (`leads:read`).
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::LeadsRead => "leads:read",
            Scope::LeadsWrite => "leads:write",
            Scope::MessagesSend => "messages:send",
            Scope::BookingsRead => "bookings:read",
            Scope::BookingsWrite => "bookings:write",
            Scope::SettingsRead => "settings:read",
            Scope::AuditRead => "audit:read",
            Scope::EvidenceRead => "evidence:read",
            Scope::BillingRead => "billing:read",
        }
    }

    pub fn parse(code: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.as_str() == code)
    }

    /// What the scope lets a connected system do, for the key page and the docs.
    pub fn describe(self) -> &'static str {
        match self {
            Scope::LeadsRead => "Read leads and their timelines.",
            Scope::LeadsWrite => "Change a lead's status, name, notes and assignee.",
            Scope::MessagesSend => "Text a lead's caller through the outbox, under the inbox's rules.",
            Scope::BookingsRead => "Read booked jobs.",
            Scope::BookingsWrite => "Book jobs on leads.",
            Scope::SettingsRead => "Read the routing settings.",
            Scope::AuditRead => "Read the audit trail.",
            Scope::EvidenceRead => "Read stored provider callbacks (webhook evidence).",
            Scope::BillingRead => "Read the organisation's billing state.",
        }
    }

    /// The role action this scope stands for: a key's creator must be allowed it.
    pub fn action(self) -> Action {
        match self {
            Scope::LeadsRead | Scope::BookingsRead => Action::ViewInbox,
            Scope::LeadsWrite | Scope::MessagesSend => Action::WorkLeads,
            Scope::BookingsWrite => Action::BookJobs,
            Scope::SettingsRead => Action::ManageRouting,
            Scope::AuditRead => Action::ViewAudit,
            Scope::EvidenceRead => Action::ViewWebhookEvidence,
            Scope::BillingRead => Action::ManageBilling,
        }
    }

    /// Whether someone with `role` may put this scope on a key.
    pub fn grantable_by(self, role: Role) -> bool {
        role.can(self.action())
    }

    /// A comma-separated list (`leads:read,messages:send`), deduplicated and sorted; `Err`
    /// names the first unknown code.
    pub fn parse_list(list: &str) -> Result<Vec<Scope>, String> {
        let mut out = Vec::new();
        for code in list.split(',').map(str::trim).filter(|c| !c.is_empty()) {
            out.push(Scope::parse(code).ok_or_else(|| code.to_owned())?);
        }
        out.sort();
        out.dedup();
        Ok(out)
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_lists_are_canonical() {
        for s in Scope::ALL {
            assert_eq!(Scope::parse(s.as_str()), Some(s));
        }
        assert_eq!(
            Scope::parse_list(" messages:send,leads:read,leads:read "),
            Ok(vec![Scope::LeadsRead, Scope::MessagesSend])
        );
        assert_eq!(Scope::parse_list("leads:read,leads:delete"), Err("leads:delete".into()));
    }

    #[test]
    fn a_key_never_outranks_its_creator() {
        assert!(Scope::MessagesSend.grantable_by(Role::Staff));
        assert!(!Scope::AuditRead.grantable_by(Role::Staff));
        assert!(Scope::AuditRead.grantable_by(Role::Admin));
        assert!(!Scope::BillingRead.grantable_by(Role::Admin));
        assert!(Scope::ALL.into_iter().all(|s| s.grantable_by(Role::Owner)));
    }
}
