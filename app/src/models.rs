//! Wire/view types shared by server functions and the UI. Never carry secrets or hashes.

use serde::{Deserialize, Serialize};

use crate::domain::Role;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgChoice {
    pub org_id: String,
    pub name: String,
    pub role: Role,
}

/// The signed-in user and their current org, for the app shell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    pub user_id: String,
    pub email: String,
    pub org_id: String,
    pub org_name: String,
    pub role: Role,
    pub orgs: Vec<OrgChoice>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberView {
    pub user_id: String,
    pub email: String,
    pub role: Role,
    /// Has set a password (an invited member who has not yet is pending).
    pub active: bool,
    pub is_you: bool,
}

/// A one-time set-password link, shown once to the admin who created it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordLinkView {
    pub email: String,
    /// `None` when an existing account was added (they already have a password).
    pub link: Option<String>,
    pub expires_in_hours: u32,
}
