//! PLACEHOLDER (docs worktree): the API helper owns this file and its version replaces this
//! one on merge. Same shape, so the docs pages that read it compile either way.
//!
//! The `/api/v1` endpoints and the scope each one needs: the docs' permissions page renders
//! this table and the API's tests hold the router to it, so what is documented is what is
//! enforced.

use crate::domain::scope::Scope;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiEndpoint {
    pub method: &'static str,
    pub path: &'static str,
    /// `None`: answered without a key (the OpenAPI description).
    pub scope: Option<Scope>,
    pub summary: &'static str,
}

pub const API_ENDPOINTS: &[ApiEndpoint] = &[
    ApiEndpoint {
        method: "GET",
        path: "/api/v1/leads",
        scope: Some(Scope::LeadsRead),
        summary: "List the organisation's leads (filters: status, updated since, needs reply).",
    },
    ApiEndpoint {
        method: "GET",
        path: "/api/v1/leads/{id}",
        scope: Some(Scope::LeadsRead),
        summary: "One lead with its timeline.",
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
        summary: "Queue a text to the lead's caller through the outbox.",
    },
    ApiEndpoint {
        method: "GET",
        path: "/api/v1/bookings",
        scope: Some(Scope::BookingsRead),
        summary: "Booked jobs in a date range.",
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
        summary: "The routing settings.",
    },
    ApiEndpoint {
        method: "GET",
        path: "/api/v1/audit-events",
        scope: Some(Scope::AuditRead),
        summary: "The audit trail.",
    },
    ApiEndpoint {
        method: "GET",
        path: "/api/v1/webhook-events",
        scope: Some(Scope::EvidenceRead),
        summary: "Stored provider callbacks (webhook evidence).",
    },
    ApiEndpoint {
        method: "GET",
        path: "/api/v1/billing",
        scope: Some(Scope::BillingRead),
        summary: "The organisation's billing state (none until billing exists).",
    },
    ApiEndpoint {
        method: "GET",
        path: "/api/v1/openapi.json",
        scope: None,
        summary: "This API's OpenAPI 3.1 description.",
    },
];
