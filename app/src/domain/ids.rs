//! Opaque, prefixed, time-sortable ids (`org_…`, `usr_…`). The suffix is a UUIDv7 in
//! lowercase hex, so lexical order is creation order on both SQLite and PostgreSQL.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid {kind} id")]
pub struct IdParseError {
    kind: &'static str,
}

macro_rules! prefixed_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub const PREFIX: &'static str = $prefix;

            /// A fresh id; only the server mints ids.
            #[cfg(feature = "ssr")]
            pub fn new() -> Self {
                Self(format!("{}_{}", $prefix, uuid::Uuid::now_v7().simple()))
            }

            pub fn parse(s: &str) -> Result<Self, IdParseError> {
                let ok = s
                    .strip_prefix($prefix)
                    .and_then(|rest| rest.strip_prefix('_'))
                    .is_some_and(|hex| {
                        hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
                    });
                if ok {
                    Ok(Self(s.to_owned()))
                } else {
                    Err(IdParseError { kind: $prefix })
                }
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        #[cfg(feature = "ssr")]
        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdParseError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        /// Stored as TEXT, exactly the string form.
        #[cfg(feature = "ssr")]
        impl<DB: sqlx::Database> sqlx::Type<DB> for $name
        where
            String: sqlx::Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <String as sqlx::Type<DB>>::type_info()
            }

            fn compatible(ty: &DB::TypeInfo) -> bool {
                <String as sqlx::Type<DB>>::compatible(ty)
            }
        }

        #[cfg(feature = "ssr")]
        impl<'q, DB: sqlx::Database> sqlx::Encode<'q, DB> for $name
        where
            String: sqlx::Encode<'q, DB>,
        {
            fn encode(self, buf: &mut <DB as sqlx::Database>::ArgumentBuffer<'q>) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <String as sqlx::Encode<'q, DB>>::encode(self.0, buf)
            }

            fn encode_by_ref(&self, buf: &mut <DB as sqlx::Database>::ArgumentBuffer<'q>) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <String as sqlx::Encode<'q, DB>>::encode_by_ref(&self.0, buf)
            }
        }

        /// A stored value that is not this kind of id is a decode error, never a wrong id.
        #[cfg(feature = "ssr")]
        impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for $name
        where
            &'r str: sqlx::Decode<'r, DB>,
        {
            fn decode(value: <DB as sqlx::Database>::ValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
                let s = <&'r str as sqlx::Decode<'r, DB>>::decode(value)?;
                Ok(Self::parse(s)?)
            }
        }
    };
}

prefixed_id!(/// An organisation (one HVAC business or location).
    OrgId, "org");
prefixed_id!(/// A staff user who can sign in.
    UserId, "usr");
prefixed_id!(/// A tracked business phone number.
    TrackedNumberId, "num");
prefixed_id!(/// A lead: one customer conversation.
    LeadId, "lead");
prefixed_id!(/// A phone call seen through Twilio.
    CallId, "call");
prefixed_id!(/// A text message in or out.
    MessageId, "msg");
prefixed_id!(/// A timeline entry on a lead.
    LeadEventId, "lev");
prefixed_id!(/// An outbox row that drives one outbound text.
    OutboxId, "obx");
prefixed_id!(/// A stored provider callback.
    WebhookEventId, "whk");
prefixed_id!(/// An audit record.
    AuditEventId, "aud");
prefixed_id!(/// A booked appointment.
    BookingId, "bkg");
prefixed_id!(/// An API key.
    ApiKeyId, "key");
prefixed_id!(/// An invitation to join an org (a membership once accepted).
    InvitationId, "inv");
prefixed_id!(/// A one-time set-password link (only its hash is stored).
    PasswordTokenId, "pwt");
prefixed_id!(/// A mail in the outbox.
    MailId, "mail");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_only_its_own_prefix_and_hex_suffix() {
        let good = "org_0193f1c2a0b37c4e8d9a1b2c3d4e5f60";
        assert!(OrgId::parse(good).is_ok());
        assert!(UserId::parse(good).is_err());
        assert!(OrgId::parse("org_0193F1C2A0B37C4E8D9A1B2C3D4E5F60").is_err());
        assert!(OrgId::parse("org_123").is_err());
        assert!(OrgId::parse("org0193f1c2a0b37c4e8d9a1b2c3d4e5f60").is_err());
        assert!(OrgId::parse("").is_err());
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn new_ids_parse_and_sort_by_creation() {
        let a = OrgId::new();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = OrgId::new();
        assert!(OrgId::parse(a.as_str()).is_ok());
        assert!(a < b, "{a} should sort before {b}");
    }

    #[cfg(feature = "ssr")]
    #[tokio::test]
    async fn ids_bind_and_decode_as_text_and_another_kinds_id_does_not_decode() {
        use sqlx::Connection;
        let mut conn = crate::ssr::db::Conn::Sqlite(sqlx::SqliteConnection::connect("sqlite::memory:").await.unwrap());
        let id = CallId::new();
        let back: CallId = crate::ssr::db::query_scalar("SELECT $1")
            .bind(&id)
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(back, id);
        let text: String = crate::ssr::db::query_scalar("SELECT $1")
            .bind(&id)
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(text, id.as_str(), "stored exactly as its string form");
        let wrong: Result<CallId, _> = crate::ssr::db::query_scalar("SELECT $1")
            .bind(LeadId::new())
            .fetch_one(&mut conn)
            .await;
        assert!(wrong.is_err(), "{wrong:?}");
    }
}
