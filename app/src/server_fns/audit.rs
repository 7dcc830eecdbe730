//! The audit trail's chain, for the audit viewer.

use leptos::prelude::*;

use crate::{error::AppError, models::AuditChainView};

/// Recomputes the current org's audit chain: intact or the first record that is not, the
/// number of records and the head hash an owner can keep elsewhere. Admins and owners.
#[server(prefix = "/rpc", endpoint = "audit/chain")]
pub async fn audit_chain() -> Result<AuditChainView, AppError> {
    use crate::{
        domain::permission::Action,
        ssr::{
            audit,
            context::{db, internal, require_staff},
        },
    };
    let db = db();
    let me = require_staff(Action::ViewAudit).await?;
    let mut conn = db.acquire().await.map_err(internal)?;
    audit::chain_view(&mut conn, &me.org_id).await.map_err(internal)
}
