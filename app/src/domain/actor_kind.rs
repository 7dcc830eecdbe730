//! What kind of actor did something: stable codes stored in `audit_events.actor_kind` and
//! `lead_events.actor_kind`.

use super::text_code::text_code;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActorKind {
    /// A person with an account (or an unidentified one at a public form).
    User,
    ApiKey,
    /// A provider callback.
    Webhook,
    /// The server itself (text-backs, escalation, housekeeping).
    System,
    /// An operator at the command line.
    Cli,
}

text_code!(ActorKind, "actor kind");

impl ActorKind {
    pub const ALL: [ActorKind; 5] = [
        ActorKind::User,
        ActorKind::ApiKey,
        ActorKind::Webhook,
        ActorKind::System,
        ActorKind::Cli,
    ];

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ActorKind::User => "user",
            ActorKind::ApiKey => "api_key",
            ActorKind::Webhook => "webhook",
            ActorKind::System => "system",
            ActorKind::Cli => "cli",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for kind in ActorKind::ALL {
            assert_eq!(ActorKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(ActorKind::parse("robot"), None);
    }
}
