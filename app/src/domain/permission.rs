//! The one permission table. Every server function and route asks it; the UI only uses it
//! to hide what would be refused anyway.

use serde::{Deserialize, Serialize};

use crate::domain::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Action {
    /// Read leads, threads and bookings.
    ViewInbox,
    /// Reply, change status, notes, assignment.
    WorkLeads,
    BookJobs,
    ManageRouting,
    /// Add, edit and remove tracked numbers.
    ManageNumbers,
    /// Add, remove, reset and change roles of staff members.
    ManageStaff,
    ManageApiKeys,
    ViewAudit,
    ViewWebhookEvidence,
    /// Make or remove admins and owners.
    ManageAdmins,
    ManageBilling,
    ManageOrgSettings,
}

impl Action {
    pub const ALL: [Action; 12] = [
        Action::ViewInbox,
        Action::WorkLeads,
        Action::BookJobs,
        Action::ManageRouting,
        Action::ManageNumbers,
        Action::ManageStaff,
        Action::ManageApiKeys,
        Action::ViewAudit,
        Action::ViewWebhookEvidence,
        Action::ManageAdmins,
        Action::ManageBilling,
        Action::ManageOrgSettings,
    ];

    /// The least role allowed to do this.
    pub fn min_role(self) -> Role {
        match self {
            Action::ViewInbox | Action::WorkLeads | Action::BookJobs => Role::Staff,
            Action::ManageRouting
            | Action::ManageNumbers
            | Action::ManageStaff
            | Action::ManageApiKeys
            | Action::ViewAudit
            | Action::ViewWebhookEvidence => Role::Admin,
            Action::ManageAdmins | Action::ManageBilling | Action::ManageOrgSettings => Role::Owner,
        }
    }
}

impl Role {
    pub fn can(self, action: Action) -> bool {
        self >= action.min_role()
    }

    /// Whether someone with this role may give or take away `target` from a member.
    pub fn can_manage_role(self, target: Role) -> bool {
        match target {
            Role::Staff => self.can(Action::ManageStaff),
            Role::Admin | Role::Owner => self.can(Action::ManageAdmins),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table() {
        for a in Action::ALL {
            assert!(Role::Owner.can(a), "owner can do everything: {a:?}");
        }
        assert!(
            Role::Staff.can(Action::ViewInbox)
                && Role::Staff.can(Action::WorkLeads)
                && Role::Staff.can(Action::BookJobs)
        );
        assert!(!Role::Staff.can(Action::ManageRouting) && !Role::Staff.can(Action::ManageStaff));
        assert!(!Role::Staff.can(Action::ManageNumbers) && Role::Admin.can(Action::ManageNumbers));
        assert!(Role::Admin.can(Action::ManageStaff) && Role::Admin.can(Action::ViewAudit));
        assert!(!Role::Admin.can(Action::ManageAdmins) && !Role::Admin.can(Action::ManageBilling));
        assert!(Role::Admin.can_manage_role(Role::Staff) && !Role::Admin.can_manage_role(Role::Admin));
        assert!(Role::Owner.can_manage_role(Role::Owner));
    }
}
