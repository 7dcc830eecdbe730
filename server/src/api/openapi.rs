//! The `/api/v1` OpenAPI 3.1 description, served at `GET /api/v1/openapi.json` (no key
//! needed) and rendered by the public API reference (`document()`).
//!
//! Generated from the code: each handler's `#[utoipa::path]` gives its path, method and
//! success body, the response types' `ToSchema` derives give every schema, and [`Contract`]
//! completes each operation from the tables the server enforces: the scope from
//! [`API_ENDPOINTS`] (in the description, as the bearer requirement's role and as
//! `x-required-scope`), the query parameters from the route's parameter table, a write's
//! request body from its body table ([`v1::body`]) with its `Idempotency-Key` header, and
//! the error answers, all with the one error schema. The tests below hold the document to
//! the endpoint table, so a route cannot be served undocumented or documented unserved.

use std::sync::OnceLock;

use app::domain::api_endpoints::{ApiEndpoint, API_ENDPOINTS};
use axum::{http::header, response::IntoResponse};
use serde::Serialize;
use utoipa::{
    openapi::{
        extensions::Extensions,
        path::{Operation, ParameterBuilder, ParameterIn, PathItem},
        request_body::RequestBodyBuilder,
        schema::{ObjectBuilder, Schema, Type},
        security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme},
        Components, ContentBuilder, HeaderBuilder, Ref, RefOr, Required, Response, ResponseBuilder,
    },
    Modify, OpenApi, ToSchema,
};

use super::v1;

/// The security scheme's name in the document.
const BEARER: &str = "bearer";

const DESCRIPTION: &str = "The CallSnare API lets approved external systems read an organisation's leads, \
bookings, routing settings, audit trail, webhook evidence and billing state, and work its leads the way the inbox does: change \
a lead's status, details or assignee, text the customer, book a job.\n\n\
**Keys.** Send `Authorization: Bearer <key>` with an API key created by an owner or admin (on the API keys \
page or with `callsnare api-key create`). A key belongs to one organisation and carries explicit scopes; each \
operation names the scope it needs (in its description and as `x-required-scope`). Keys are `cs_live_…` in \
live mode and `cs_test_…` in sandbox, and can be rotated or revoked.\n\n\
**Errors.** Every error answers `{\"error\": {\"code\": \"…\", \"message\": \"…\"}}`: 401 `unauthorized` (with \
`WWW-Authenticate: Bearer`) for a missing, malformed, unknown, expired or revoked key; 403 `insufficient_scope` \
naming the scope needed; 404 `not_found` for ids that do not exist or belong to another organisation (the two \
cannot be told apart); 409 for a write refused by the state of things, with its own code (`opted_out`, \
`quiet_hours`); 413 `payload_too_large` for a body over 64 KiB; 415 `unsupported_media_type` for a body not sent \
as JSON; 422 `invalid` naming the parameter or field for bad input (its `field` member), including unknown or \
repeated query parameters and unknown body members; 429 `rate_limited` with `Retry-After`, limited per key.\n\n\
**Writes** take a JSON object (`Content-Type: application/json`) and honour an `Idempotency-Key` header (1 to 255 \
visible ASCII characters, such as a UUID): the same key and the same request within 24 hours answer the first \
response again (with `Idempotent-Replayed: true`) and do nothing twice, even when the two requests race; the same \
key with a different request is refused with 422 `idempotency_key_reused`. A refused request stores nothing, so \
its key can be used again. Each write is recorded in the organisation's audit trail, naming the key.\n\n\
**Lists** answer `{\"data\": [...], \"next_cursor\": \"…\" | null}`: pass `next_cursor` back as `cursor` for \
the next page (`limit` 1 to 100, default 50). Cursors are opaque.\n\n\
**Values.** Ids are prefixed strings (`lead_…`, `bkg_…`, `msg_…`, `aud_…`, `whk_…`, `usr_…`); times are RFC 3339 in \
UTC; phone numbers are E.164.";

/// The one error shape of every `/api/v1` answer that is not a success.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// A stable code: `unauthorized`, `insufficient_scope`, `not_found`, `invalid`,
    /// `payload_too_large`, `unsupported_media_type`, `rate_limited`, `internal`, or a
    /// refusal's own code (`opted_out`, `quiet_hours`, `idempotency_key_reused`).
    pub code: String,
    /// What went wrong, for people. For `insufficient_scope` it names the scope; for
    /// `invalid`, the parameter or field.
    pub message: String,
}

#[derive(OpenApi)]
#[openapi(
    info(title = "CallSnare API", version = "1", description = DESCRIPTION),
    paths(
        v1::leads::list,
        v1::leads::get,
        v1::leads::patch,
        v1::messages::send,
        v1::bookings::list,
        v1::bookings::create,
        v1::settings::routing,
        v1::audit::list,
        v1::evidence::list,
        v1::billing::get,
        serve
    ),
    components(schemas(
        ErrorBody,
        ErrorDetail,
        v1::leads::Lead,
        v1::leads::LeadList,
        v1::leads::LeadDetail,
        v1::leads::TimelineEntry,
        v1::messages::QueuedMessage,
        v1::bookings::Booking,
        v1::bookings::BookingList,
        v1::settings::RoutingSettings,
        v1::settings::WeeklyHours,
        v1::settings::OpenPeriod,
        v1::settings::SendWindow,
        v1::settings::Escalation,
        v1::audit::AuditEvent,
        v1::audit::AuditEventList,
        v1::audit::AuditChange,
        v1::evidence::WebhookEvent,
        v1::evidence::WebhookEventList,
        v1::evidence::EvidencePayload,
        v1::evidence::FormField,
        v1::billing::Billing
    )),
    tags(
        (name = "leads", description = "Customer conversations opened by missed calls and first texts."),
        (name = "bookings", description = "Jobs booked on leads."),
        (name = "settings", description = "How calls are routed and answered."),
        (name = "audit", description = "The organisation's audit trail."),
        (name = "evidence", description = "Stored provider callbacks (webhook evidence)."),
        (name = "billing", description = "The organisation's subscription and whether billing has paused its automated texts."),
        (name = "meta", description = "This description.")
    ),
    modifiers(&Contract)
)]
struct ApiDoc;

/// The whole description.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// Get this description
///
/// This API's OpenAPI 3.1 description. No key needed.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    operation_id = "get_openapi",
    tag = "meta",
    responses((status = 200, description = "This document."))
)]
pub async fn serve() -> impl IntoResponse {
    static JSON: OnceLock<String> = OnceLock::new();
    let body = JSON.get_or_init(|| {
        document().to_json().unwrap_or_else(|e| {
            tracing::error!(error.message = %e, "could not write the OpenAPI description");
            "{}".to_owned()
        })
    });
    ([(header::CONTENT_TYPE, "application/json")], body.as_str())
}

/// Completes every served operation from the tables the server enforces.
struct Contract;

impl Modify for Contract {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Components::new);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("CallSnare API key (cs_live_… or cs_test_…)")
                    .description(Some(
                        "An API key of the organisation, created by an owner or admin. Its scopes decide which \
                         operations it may call.",
                    ))
                    .build(),
            ),
        );
        for write in WRITES {
            components.schemas.insert(
                write.schema.to_owned(),
                RefOr::T(Schema::Object(v1::body::schema(write.fields, write.about))),
            );
        }
        for endpoint in API_ENDPOINTS.iter().filter(|e| e.served()) {
            let Some(item) = doc.paths.paths.get_mut(endpoint.path) else {
                continue;
            };
            if let Some(op) = operation(item, endpoint.method) {
                complete(op, endpoint);
            }
        }
    }
}

/// A write's request body and the refusals (409) it can meet.
struct Write {
    method: &'static str,
    path: &'static str,
    /// The body's schema, by name among the components.
    schema: &'static str,
    fields: &'static [v1::body::Field],
    about: &'static str,
    /// `(code, when)` of each 409 refusal.
    conflicts: &'static [(&'static str, &'static str)],
}

const OPTED_OUT: (&str, &str) = (
    "opted_out",
    "the customer opted out of texts (texted STOP): nothing is sent or written",
);

const WRITES: &[Write] = &[
    Write {
        method: "PATCH",
        path: "/api/v1/leads/{id}",
        schema: "LeadUpdate",
        fields: v1::leads::PATCH_FIELDS,
        about: "What to change on the lead: only the members given change.",
        conflicts: &[],
    },
    Write {
        method: "POST",
        path: "/api/v1/leads/{id}/messages",
        schema: "NewMessage",
        fields: v1::messages::FIELDS,
        about: "The text to send the lead's customer.",
        conflicts: &[
            OPTED_OUT,
            (
                "quiet_hours",
                "it is outside the customer's texting hours and the request did not ask to `schedule` the text",
            ),
        ],
    },
    Write {
        method: "POST",
        path: "/api/v1/leads/{id}/bookings",
        schema: "NewBooking",
        fields: v1::bookings::FIELDS,
        about: "The job to book on the lead.",
        conflicts: &[(
            "opted_out",
            "a confirmation text was asked for and the customer opted out of texts: nothing is booked",
        )],
    },
];

fn write_of(endpoint: &ApiEndpoint) -> Option<&'static Write> {
    WRITES
        .iter()
        .find(|w| w.method == endpoint.method && w.path == endpoint.path)
}

fn operation<'a>(item: &'a mut PathItem, method: &str) -> Option<&'a mut Operation> {
    match method {
        "GET" => item.get.as_mut(),
        "POST" => item.post.as_mut(),
        "PATCH" => item.patch.as_mut(),
        _ => None,
    }
}

fn complete(op: &mut Operation, endpoint: &ApiEndpoint) {
    op.summary = Some(endpoint.summary.to_owned());
    let mut parameters = Vec::new();
    let has_id = endpoint.path.contains("/{id}");
    if has_id {
        parameters.push(
            ParameterBuilder::new()
                .name("id")
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .description(Some("The lead's id (`lead_…`)."))
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .pattern(Some("^lead_[0-9a-f]{32}$")),
                ))
                .build(),
        );
    }
    parameters.extend(v1::query::parameters(v1::query_params(endpoint.path)));
    let write = write_of(endpoint);
    if let Some(write) = write {
        parameters.push(
            ParameterBuilder::new()
                .name(v1::idempotency::HEADER)
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some(
                    "Makes a retry safe: the same key and the same request within 24 hours answer the first \
                     response again (with `Idempotent-Replayed: true`) and do nothing twice, even when the two \
                     requests race. The same key with a different request is refused (422 \
                     `idempotency_key_reused`). 1 to 255 visible ASCII characters, such as a UUID; keys are per \
                     API key.",
                ))
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .min_length(Some(1))
                        .max_length(Some(v1::idempotency::MAX_LEN))
                        .pattern(Some("^[!-~]+$")),
                ))
                .build(),
        );
        op.request_body = Some(
            RequestBodyBuilder::new()
                .description(Some(write.about))
                .required(Some(Required::True))
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name(write.schema)))
                        .build(),
                )
                .build(),
        );
    }
    if !parameters.is_empty() {
        op.parameters = Some(parameters);
    }
    let Some(scope) = endpoint.scope else {
        // The description itself: public, plain JSON.
        op.responses.responses.insert(
            "200".to_owned(),
            RefOr::T(
                ResponseBuilder::new()
                    .description("This document (OpenAPI 3.1).")
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(ObjectBuilder::new().schema_type(Type::Object)))
                            .build(),
                    )
                    .build(),
            ),
        );
        return;
    };
    let code = scope.as_str();
    op.security = Some(vec![SecurityRequirement::new(BEARER, [code])]);
    op.extensions
        .get_or_insert_with(Extensions::default)
        .insert("x-required-scope".to_owned(), serde_json::Value::from(code));
    let needs = format!("Requires an API key with the `{code}` scope ({})", scope.describe());
    op.description = Some(match op.description.take() {
        Some(more) if !more.trim().is_empty() => format!("{needs}\n\n{more}"),
        _ => needs,
    });
    let responses = &mut op.responses.responses;
    responses.insert(
        "401".to_owned(),
        error_response(
            "`unauthorized`: the key is missing, malformed, unknown, expired or revoked.",
            Some((
                "WWW-Authenticate",
                "`Bearer realm=\"callsnare\"` (with `error=\"invalid_token\"` when a key was given).",
                Type::String,
            )),
        ),
    );
    responses.insert(
        "403".to_owned(),
        error_response(
            &format!("`insufficient_scope`: the key does not carry the `{code}` scope."),
            None,
        ),
    );
    if has_id {
        responses.insert(
            "404".to_owned(),
            error_response(
                "`not_found`: no such lead in the key's organisation (another organisation's lead answers the same).",
                None,
            ),
        );
    }
    match write {
        None => {
            responses.insert(
                "422".to_owned(),
                error_response(
                    "`invalid`: a query parameter is malformed, repeated or unknown; the message names it.",
                    None,
                ),
            );
        }
        Some(write) => {
            responses.insert(
                "422".to_owned(),
                error_response(
                    "`invalid`: the body (not a JSON object, an unknown member, a missing, mistyped or malformed \
                     value, or one the rules refuse such as a date in the past), the `Idempotency-Key` header or a \
                     query parameter; `field` names it (`request_body` for the body as a whole). \
                     `idempotency_key_reused`: the `Idempotency-Key` was used with a different request in the last \
                     24 hours.",
                    None,
                ),
            );
            responses.insert(
                "413".to_owned(),
                error_response("`payload_too_large`: the body is over 64 KiB.", None),
            );
            responses.insert(
                "415".to_owned(),
                error_response(
                    "`unsupported_media_type`: the body is not sent as JSON (`Content-Type: application/json`).",
                    None,
                ),
            );
            if !write.conflicts.is_empty() {
                let refusals: Vec<String> = write
                    .conflicts
                    .iter()
                    .map(|(code, when)| format!("`{code}`: {when}."))
                    .collect();
                responses.insert("409".to_owned(), error_response(&refusals.join(" "), None));
            }
        }
    }
    responses.insert(
        "429".to_owned(),
        error_response(
            "`rate_limited`: too many requests with this key; retry after `Retry-After` seconds.",
            Some(("Retry-After", "Seconds to wait before retrying.", Type::Integer)),
        ),
    );
    responses.insert(
        "500".to_owned(),
        error_response("`internal`: the server could not answer; nothing was changed.", None),
    );
    // No OpenAPI links: utoipa 5 serialises a Link's `operationId` as `operation_id`, which
    // validators (schemathesis among them) rightly refuse.
}

fn error_response(description: &str, header: Option<(&str, &str, Type)>) -> RefOr<Response> {
    let mut response = ResponseBuilder::new().description(description).content(
        "application/json",
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("ErrorBody")))
            .build(),
    );
    if let Some((name, about, ty)) = header {
        response = response.header(
            name,
            HeaderBuilder::new()
                .schema(ObjectBuilder::new().schema_type(ty))
                .description(Some(about))
                .build(),
        );
    }
    RefOr::T(response.build())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::Value;

    use super::*;

    fn doc() -> Value {
        serde_json::to_value(document()).expect("the document serialises")
    }

    const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

    #[test]
    fn the_documents_routes_are_exactly_the_served_rows_of_the_endpoint_table() {
        let doc = doc();
        assert_eq!(doc["openapi"], "3.1.0");
        let mut documented = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for method in METHODS {
                if item.get(method).is_some() {
                    documented.insert((method.to_uppercase(), path.clone()));
                }
            }
        }
        let served: BTreeSet<(String, String)> = API_ENDPOINTS
            .iter()
            .filter(|e| e.served())
            .map(|e| (e.method.to_owned(), e.path.to_owned()))
            .collect();
        assert_eq!(documented, served);
    }

    #[test]
    fn each_operation_names_its_scope_errors_and_parameters() {
        let doc = doc();
        assert_eq!(doc["components"]["securitySchemes"][BEARER]["type"], "http");
        assert_eq!(doc["components"]["securitySchemes"][BEARER]["scheme"], "bearer");
        let mut ids = BTreeSet::new();
        for e in API_ENDPOINTS.iter().filter(|e| e.served()) {
            let op = &doc["paths"][e.path][e.method.to_lowercase()];
            assert_eq!(op["summary"], e.summary, "{} {}", e.method, e.path);
            assert!(ids.insert(op["operationId"].as_str().expect("an operation id").to_owned()));
            let success = match e.method {
                "POST" if e.path.ends_with("/messages") => "202",
                "POST" => "201",
                _ => "200",
            };
            assert!(op["responses"][success].is_object(), "{} {}", e.method, e.path);
            let query: Vec<&str> = op["parameters"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .filter(|p| p["in"] == "query")
                        .filter_map(|p| p["name"].as_str())
                        .collect()
                })
                .unwrap_or_default();
            let declared: Vec<&str> = v1::query_params(e.path).iter().map(|p| p.name).collect();
            assert_eq!(query, declared, "{} {}", e.method, e.path);
            match e.scope {
                None => {
                    assert!(op.get("security").is_none() || op["security"] == serde_json::json!([]));
                    assert_eq!(
                        op["responses"]["200"]["content"]["application/json"]["schema"]["type"],
                        "object"
                    );
                }
                Some(scope) => {
                    assert_eq!(op["x-required-scope"], scope.as_str(), "{} {}", e.method, e.path);
                    assert_eq!(op["security"].as_array().map(Vec::len), Some(1));
                    assert_eq!(op["security"][0][BEARER], serde_json::json!([scope.as_str()]));
                    assert!(
                        op["description"]
                            .as_str()
                            .is_some_and(|d| d.contains(&format!("`{}`", scope.as_str()))),
                        "{} {}: the description names the scope",
                        e.method,
                        e.path
                    );
                    let mut codes = vec!["401", "403", "422", "429", "500"];
                    if e.path.contains("{id}") {
                        codes.push("404");
                    }
                    for code in codes {
                        assert_eq!(
                            op["responses"][code]["content"]["application/json"]["schema"]["$ref"],
                            "#/components/schemas/ErrorBody",
                            "{} {} {code}",
                            e.method,
                            e.path
                        );
                    }
                    assert!(op["responses"]["401"]["headers"]["WWW-Authenticate"].is_object());
                    assert!(op["responses"]["429"]["headers"]["Retry-After"].is_object());
                }
            }
        }
    }

    /// Every `$ref` in the document points at a schema it defines.
    #[test]
    fn every_reference_resolves() {
        fn refs(v: &Value, out: &mut Vec<String>) {
            match v {
                Value::Object(map) => {
                    for (k, v) in map {
                        match (k.as_str(), v) {
                            ("$ref", Value::String(r)) => out.push(r.clone()),
                            _ => refs(v, out),
                        }
                    }
                }
                Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
                _ => {}
            }
        }
        let doc = doc();
        let mut found = Vec::new();
        refs(&doc, &mut found);
        assert!(found.len() > 10, "{found:?}");
        for r in found {
            let name = r
                .strip_prefix("#/components/schemas/")
                .unwrap_or_else(|| panic!("{r} is not a schema reference"));
            assert!(doc["components"]["schemas"][name].is_object(), "{r} is not defined");
        }
        assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
    }
}
