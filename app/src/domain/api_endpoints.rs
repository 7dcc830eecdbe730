//! The `/api/v1` surface as one table: every route connected systems may call, the scope
//! its key must carry, and what it does. The server's OpenAPI document is checked against it
//! (`server::api::openapi` tests: the document's paths and methods are exactly the served
//! rows), and the public docs render their scopes × endpoints page from it, so neither can
//! drift from what is enforced.
//!
//! A route listed before its handler exists goes in [`NOT_YET_SERVED`] (the OpenAPI
//! document leaves it out until it is served); every route is served today.

use crate::domain::scope::Scope;

/// One route of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiEndpoint {
    /// `GET`, `POST` or `PATCH`.
    pub method: &'static str,
    /// The full path as the OpenAPI document writes it (`/api/v1/leads/{id}`).
    pub path: &'static str,
    /// The scope a key needs; `None`: no key needed (the OpenAPI description itself).
    pub scope: Option<Scope>,
    pub summary: &'static str,
}

impl ApiEndpoint {
    /// Whether the server answers this route today (see [`NOT_YET_SERVED`]).
    pub fn served(&self) -> bool {
        !NOT_YET_SERVED
            .iter()
            .any(|(method, path)| *method == self.method && *path == self.path)
    }
}

/// Every `/api/v1` route, in the order the docs list them.
pub const API_ENDPOINTS: &[ApiEndpoint] = &[
    ApiEndpoint {
        method: "GET",
        path: "/api/v1/leads",
        scope: Some(Scope::LeadsRead),
        summary: "List leads (filter by status, updated since, needs reply).",
    },
    ApiEndpoint {
        method: "GET",
        path: "/api/v1/leads/{id}",
        scope: Some(Scope::LeadsRead),
        summary: "Get one lead with its timeline.",
    },
    ApiEndpoint {
        method: "PATCH",
        path: "/api/v1/leads/{id}",
        scope: Some(Scope::LeadsWrite),
        summary: "Change a lead's status, name, notes or assignee.",
    },
    ApiEndpoint {
        method: "POST",
        path: "/api/v1/leads/{id}/messages",
        scope: Some(Scope::MessagesSend),
        summary: "Text the lead's caller through the outbox, under the inbox's rules.",
    },
    ApiEndpoint {
        method: "GET",
        path: "/api/v1/bookings",
        scope: Some(Scope::BookingsRead),
        summary: "List booked jobs in a date range.",
    },
    ApiEndpoint {
        method: "POST",
        path: "/api/v1/leads/{id}/bookings",
        scope: Some(Scope::BookingsWrite),
        summary: "Book a job on a lead.",
    },
    ApiEndpoint {
        method: "GET",
        path: "/api/v1/settings/routing",
        scope: Some(Scope::SettingsRead),
        summary: "Get the routing settings (hours, closures, text-back, quiet hours, escalation).",
    },
    ApiEndpoint {
        method: "GET",
        path: "/api/v1/audit-events",
        scope: Some(Scope::AuditRead),
        summary: "List audit records, newest first.",
    },
    ApiEndpoint {
        method: "GET",
        path: "/api/v1/webhook-events",
        scope: Some(Scope::EvidenceRead),
        summary: "List stored provider callbacks (webhook evidence), newest first.",
    },
    ApiEndpoint {
        method: "GET",
        path: "/api/v1/billing",
        scope: Some(Scope::BillingRead),
        summary: "Get the organisation's billing state.",
    },
    ApiEndpoint {
        method: "GET",
        path: "/api/v1/openapi.json",
        scope: None,
        summary: "This API's OpenAPI 3.1 description (no key needed).",
    },
];

/// Routes of [`API_ENDPOINTS`] whose handlers are not written yet (none today: the writes
/// landed with the inbox's reply, edit and booking rules).
pub const NOT_YET_SERVED: &[(&str, &str)] = &[];

/// The row for `method` and `path`, if the API has that route.
pub fn find(method: &str, path: &str) -> Option<&'static ApiEndpoint> {
    API_ENDPOINTS.iter().find(|e| e.method == method && e.path == path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_unique_versioned_and_keyed_except_the_description() {
        for (i, e) in API_ENDPOINTS.iter().enumerate() {
            assert!(e.path.starts_with("/api/v1/"), "{}", e.path);
            assert!(matches!(e.method, "GET" | "POST" | "PATCH"), "{}", e.method);
            assert!(!e.summary.is_empty());
            assert!(
                API_ENDPOINTS[..i]
                    .iter()
                    .all(|o| (o.method, o.path) != (e.method, e.path)),
                "{} {} listed twice",
                e.method,
                e.path
            );
            assert_eq!(e.scope.is_none(), e.path == "/api/v1/openapi.json", "{}", e.path);
        }
    }

    #[test]
    fn every_scope_opens_some_route_and_planned_routes_are_in_the_table() {
        for scope in Scope::ALL {
            assert!(
                API_ENDPOINTS.iter().any(|e| e.scope == Some(scope)),
                "{scope} opens no route"
            );
        }
        for (method, path) in NOT_YET_SERVED {
            let e = find(method, path).unwrap_or_else(|| panic!("{method} {path} is not in the table"));
            assert!(!e.served());
        }
        assert!(find("GET", "/api/v1/leads").is_some_and(ApiEndpoint::served));
    }
}
