//! What the API key page shows (`/app/api-keys`, owner and admin). No view carries a
//! stored hash; only [`IssuedKeyView`] (the answer to a creation or rotation asked for
//! without a browser form) and [`RevealedKeyView`] (the one page view after one) carry a
//! secret, once.

use serde::{Deserialize, Serialize};

use crate::domain::api_key::KeyState;

/// The org's keys and what the creation form offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeysView {
    /// Newest first, revoked ones too.
    pub keys: Vec<ApiKeyView>,
    /// Every scope, and whether the signed-in member's role may put it on a key.
    pub scopes: Vec<ScopeChoiceView>,
    /// `live` or `test`: the mode new keys get (`cs_live_…` / `cs_test_…`).
    pub mode: String,
    /// The org's timezone, which the dates are in.
    pub timezone: String,
}

/// One key, as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyView {
    pub id: String,
    pub name: String,
    /// The key's first 12 characters (`cs_live_Ab3x`).
    pub prefix: String,
    /// `live` or `test`.
    pub mode: String,
    /// Stable scope codes.
    pub scopes: Vec<String>,
    pub created_at: i64,
    pub created_label: String,
    /// Who made it: a member's email, or "the command line".
    pub created_by: String,
    /// To within a minute (written from memory about every 30 seconds).
    pub last_used_at: Option<i64>,
    pub last_used_label: Option<String>,
    pub expires_at: Option<i64>,
    pub expires_label: Option<String>,
    pub state: KeyState,
    /// While rotating: the earlier secret's prefix and until when it works.
    pub previous_prefix: Option<String>,
    pub previous_until_label: Option<String>,
    pub revoked_label: Option<String>,
    /// The signed-in member may rotate it: it is usable and every scope it has is one
    /// their role may give.
    pub can_rotate: bool,
}

/// A scope in the creation form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopeChoiceView {
    /// `leads:read`
    pub code: String,
    /// The checkbox's name (`leads_read`).
    pub field: String,
    pub description: String,
    /// The signed-in member's role may give it.
    pub grantable: bool,
}

/// A key just created or rotated, as its server function answers a caller that is not a
/// browser form (a browser form is redirected to the page, which shows the secret once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedKeyView {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub scopes: Vec<String>,
    pub expires_at: Option<i64>,
    /// After a rotation: until when the earlier secret works (`None`: it stopped at once).
    pub previous_until: Option<i64>,
    /// The whole key, only in this answer; `None` when the page shows it instead.
    pub secret: Option<String>,
}

/// The one page view that shows a new secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevealedKeyView {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub secret: String,
    pub rotated: bool,
    /// After a rotation with grace: until when the earlier secret works, in the org's zone.
    pub previous_until_label: Option<String>,
}
