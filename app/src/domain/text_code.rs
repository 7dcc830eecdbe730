//! Stable text codes: enums stored in a TEXT column and sent as a JSON string under the same
//! code. [`text_code!`] gives an enum with `as_str()` and `parse()` its `Display`, serde and
//! (on the server) sqlx impls, so the code is written once, in the enum.

/// `text_code!(Type, "what it is")` for `parse(&str) -> Option<Self>` (an unknown code is a
/// decode error); `text_code!(Type, "what it is", infallible)` for `parse(&str) -> Self`
/// (enums that keep an unknown code, such as a provider's status we have not seen yet).
macro_rules! text_code {
    (@impls $name:ty, $what:literal, $parse:expr) => {
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <String as ::serde::Deserialize>::deserialize(d)?;
                ($parse)(s.as_str())
                    .ok_or_else(|| ::serde::de::Error::custom(format!("unknown {} {s:?}", $what)))
            }
        }

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
            fn encode_by_ref(
                &self,
                buf: &mut <DB as sqlx::Database>::ArgumentBuffer<'q>,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <String as sqlx::Encode<'q, DB>>::encode(self.as_str().to_owned(), buf)
            }
        }

        #[cfg(feature = "ssr")]
        impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for $name
        where
            &'r str: sqlx::Decode<'r, DB>,
        {
            fn decode(value: <DB as sqlx::Database>::ValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
                let s = <&'r str as sqlx::Decode<'r, DB>>::decode(value)?;
                ($parse)(s).ok_or_else(|| format!("unknown {} {s:?}", $what).into())
            }
        }
    };
    ($name:ty, $what:literal, infallible) => {
        $crate::domain::text_code::text_code!(@impls $name, $what, |s: &str| Some(<$name>::parse(s)));
    };
    ($name:ty, $what:literal) => {
        $crate::domain::text_code::text_code!(@impls $name, $what, |s: &str| <$name>::parse(s));
    };
}

pub(crate) use text_code;
