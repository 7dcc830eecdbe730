//! The `/api/v1` OpenAPI 3.1 description, served at `GET /api/v1/openapi.json` (no key
//! needed) and rendered by the public API reference (`document()`).
//!
//! Generated from the code: each handler's `#[utoipa::path]` gives its path, method and
//! success body, the response types' `ToSchema` derives give every schema, and [`Contract`]
//! completes each operation from the tables the server enforces: the scope from
//! [`API_ENDPOINTS`] (in the description, as the bearer requirement's role and as
//! `x-required-scope`), the query parameters from the route's parameter table, and the error
//! answers, all with the one error schema. The tests below hold the document to the
//! endpoint table, so a route cannot be served undocumented or documented unserved.

use std::sync::OnceLock;

use app::domain::api_endpoints::{ApiEndpoint, API_ENDPOINTS};
use axum::{http::header, response::IntoResponse};
use serde::Serialize;
use utoipa::{
    openapi::{
        extensions::Extensions,
        link::LinkBuilder,
        path::{Operation, ParameterBuilder, ParameterIn, PathItem},
        schema::{ObjectBuilder, Type},
        security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme},
        Components, ContentBuilder, HeaderBuilder, Ref, RefOr, Required, Response, ResponseBuilder,
    },
    Modify, OpenApi, ToSchema,
};

use super::v1;

/// The security scheme's name in the document.
const BEARER: &str = "bearer";

const DESCRIPTION: &str = "The CallSnare API lets approved external systems read an organisation's leads, \
bookings, routing settings, audit trail and webhook evidence.\n\n\
**Keys.** Send `Authorization: Bearer <key>` with an API key created by an owner or admin (on the API keys \
page or with `callsnare api-key create`). A key belongs to one organisation and carries explicit scopes; each \
operation names the scope it needs (in its description and as `x-required-scope`). Keys are `cs_live_…` in \
live mode and `cs_test_…` in sandbox, and can be rotated or revoked.\n\n\
**Errors.** Every error answers `{\"error\": {\"code\": \"…\", \"message\": \"…\"}}`: 401 `unauthorized` (with \
`WWW-Authenticate: Bearer`) for a missing, malformed, unknown, expired or revoked key; 403 `insufficient_scope` \
naming the scope needed; 404 `not_found` for ids that do not exist or belong to another organisation (the two \
cannot be told apart); 422 `invalid` naming the parameter for bad input, including unknown or repeated query \
parameters; 429 `rate_limited` with `Retry-After`, limited per key.\n\n\
**Lists** answer `{\"data\": [...], \"next_cursor\": \"…\" | null}`: pass `next_cursor` back as `cursor` for \
the next page (`limit` 1 to 100, default 50). Cursors are opaque.\n\n\
**Values.** Ids are prefixed strings (`lead_…`, `bkg_…`, `aud_…`, `whk_…`, `usr_…`); times are RFC 3339 in \
UTC; phone numbers are E.164.";

/// The one error shape of every `/api/v1` answer that is not a success.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// A stable code: `unauthorized`, `insufficient_scope`, `not_found`, `invalid`,
    /// `payload_too_large`, `rate_limited`, `internal`, or a refusal's own code.
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
        v1::bookings::list,
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
        (name = "billing", description = "The organisation's billing state."),
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
    responses.insert(
        "422".to_owned(),
        error_response(
            "`invalid`: a query parameter is malformed, repeated or unknown; the message names it.",
            None,
        ),
    );
    if endpoint.method != "GET" {
        responses.insert(
            "413".to_owned(),
            error_response("`payload_too_large`: the body is over 64 KiB.", None),
        );
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
    if endpoint.path == "/api/v1/leads" {
        if let Some(RefOr::T(ok)) = responses.get_mut("200") {
            ok.links.insert(
                "GetLead".to_owned(),
                RefOr::T(
                    LinkBuilder::new()
                        .operation_id("get_lead")
                        .parameter("id", "$response.body#/data/0/id")
                        .description("The page's first lead, with its timeline.")
                        .build(),
                ),
            );
        }
    }
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
            assert!(op["responses"]["200"].is_object(), "{} {}", e.method, e.path);
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
