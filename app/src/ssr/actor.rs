//! Who is acting. Use-cases take one of these instead of a session, so the same rules serve
//! server functions, the command line, background work and API keys, and every audit
//! record names its actor the same way ([`crate::ssr::audit::record`]).
//!
//! The inbox's use-cases (reply, edit, book) take any [`LeadActor`]: a member
//! ([`StaffActor`], the lead page's forms) or an API key ([`ApiKeyActor`], `/api/v1`).

use crate::domain::{ids::OrgId, permission::Action, ActorKind, Role};

/// Who did something, as the audit trail stores it (`actor_kind`, `actor_id`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A person with an account.
    User { user_id: String },
    /// Someone at a public form who is not identified (a failed sign-in, "forgot
    /// password?"). Stored as a user without an id.
    Anonymous,
    /// A REST client: the API key's id (what the audit trail stores, naming the key by it)
    /// and its name (for logs and spans; the viewer reads the name back by the id).
    ApiKey { key_id: String, name: String },
    /// A provider callback, by provider name (`twilio`).
    Webhook { provider: &'static str },
    /// The server itself (escalation, housekeeping).
    System,
    /// An operator at the command line (and first-run setup, which creates orgs the same way).
    Cli,
}

impl Actor {
    /// The stable `actor_kind` code stored in the database.
    pub fn kind(&self) -> &'static str {
        self.actor_kind().as_str()
    }

    pub fn actor_kind(&self) -> ActorKind {
        match self {
            Actor::User { .. } | Actor::Anonymous => ActorKind::User,
            Actor::ApiKey { .. } => ActorKind::ApiKey,
            Actor::Webhook { .. } => ActorKind::Webhook,
            Actor::System => ActorKind::System,
            Actor::Cli => ActorKind::Cli,
        }
    }

    /// The stored `actor_id`, when the actor has one.
    pub fn id(&self) -> Option<&str> {
        match self {
            Actor::User { user_id } => Some(user_id.as_str()),
            Actor::ApiKey { key_id, .. } => Some(key_id.as_str()),
            Actor::Webhook { provider } => Some(*provider),
            Actor::Anonymous | Actor::System | Actor::Cli => None,
        }
    }
}

/// Where a request came from: the client address and the request id the request-id layer
/// settled on. Empty for the command line and background work.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub ip: Option<String>,
    pub request_id: Option<String>,
}

/// An actor, the org they act in (if any) and where the request came from: everything an
/// audit record takes from its caller.
#[derive(Debug, Clone)]
pub struct Acting {
    pub actor: Actor,
    pub org_id: Option<OrgId>,
    pub request: RequestMeta,
}

impl Acting {
    pub fn new(actor: Actor, org_id: Option<OrgId>, request: &RequestMeta) -> Self {
        Self {
            actor,
            org_id,
            request: request.clone(),
        }
    }

    /// The server itself, working on `org_id`.
    pub fn system(org_id: OrgId) -> Self {
        Self::new(Actor::System, Some(org_id), &RequestMeta::default())
    }

    /// An operator command on `org_id`.
    pub fn cli(org_id: OrgId) -> Self {
        Self::new(Actor::Cli, Some(org_id), &RequestMeta::default())
    }

    /// A request made with the API key `key_id` (named `name`) of `org_id`.
    pub fn api_key(key_id: &str, name: &str, org_id: OrgId, request: &RequestMeta) -> Self {
        Self::new(
            Actor::ApiKey {
                key_id: key_id.to_owned(),
                name: name.to_owned(),
            },
            Some(org_id),
            request,
        )
    }
}

/// A member acting in one org with their role there: what the team, invitation and inbox
/// use-cases need from whoever asked. Server functions build it from the session's
/// principal once its role allowed the action.
#[derive(Debug, Clone)]
pub struct StaffActor {
    pub user_id: String,
    pub org_id: OrgId,
    pub role: Role,
    pub request: RequestMeta,
}

impl StaffActor {
    /// The org, as the repositories take it.
    pub fn org(&self) -> &str {
        self.org_id.as_str()
    }

    pub fn can(&self, action: Action) -> bool {
        self.role.can(action)
    }

    /// This member as the audit trail records them.
    pub fn acting(&self) -> Acting {
        Acting::new(
            Actor::User {
                user_id: self.user_id.clone(),
            },
            Some(self.org_id.clone()),
            &self.request,
        )
    }
}

/// Who works a lead in the inbox's use-cases (`services::inbox`): a member at the lead page
/// or an API key. What differs between them is only how they are named; the rules are the
/// same.
pub trait LeadActor: Send + Sync {
    /// The org, as the repositories take it.
    fn org(&self) -> &str;

    /// How the audit trail records them.
    fn acting(&self) -> Acting;

    /// The member acting, if a person. An API key is nobody: a reply made with one does not
    /// claim (assign) the lead.
    fn user_id(&self) -> Option<&str>;

    /// What the lead's timeline stores as the event's actor kind.
    fn actor_kind(&self) -> ActorKind;

    /// Who the lead's timeline says acted (its events' `by`): a member's id, or the key.
    fn by(&self) -> String;

    /// What a booking's `created_by` holds: the member's id, or the key's id.
    fn creator_id(&self) -> &str;
}

impl LeadActor for StaffActor {
    fn org(&self) -> &str {
        self.org_id.as_str()
    }

    fn acting(&self) -> Acting {
        StaffActor::acting(self)
    }

    fn user_id(&self) -> Option<&str> {
        Some(self.user_id.as_str())
    }

    fn actor_kind(&self) -> ActorKind {
        ActorKind::User
    }

    fn by(&self) -> String {
        self.user_id.clone()
    }

    fn creator_id(&self) -> &str {
        self.user_id.as_str()
    }
}

/// An API key acting on its org through `/api/v1` (built by the server's `ApiKeyAuth`,
/// which also gives the audit trail's [`Acting`] for it).
#[derive(Debug, Clone)]
pub struct ApiKeyActor {
    pub org_id: OrgId,
    pub key_id: String,
    pub key_name: String,
    /// The key as the audit trail records it (its id and name, where the request came from).
    pub acting: Acting,
}

impl LeadActor for ApiKeyActor {
    fn org(&self) -> &str {
        self.org_id.as_str()
    }

    fn acting(&self) -> Acting {
        self.acting.clone()
    }

    fn user_id(&self) -> Option<&str> {
        None
    }

    fn actor_kind(&self) -> ActorKind {
        ActorKind::ApiKey
    }

    fn by(&self) -> String {
        format!("API key {}", self.key_name)
    }

    fn creator_id(&self) -> &str {
        self.key_id.as_str()
    }
}
