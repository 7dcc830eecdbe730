//! Machine discovery and the API reference, all public and read-only:
//!
//! - `/llms.txt`: the llms.txt convention (a title, a one-paragraph summary, links to the
//!   docs pages and the OpenAPI description), for language-model agents;
//! - `/.well-known/api-catalog`: the RFC 9727 API catalog, a linkset
//!   (`application/linkset+json`) pointing at the OpenAPI description (`service-desc`) and
//!   the API reference (`service-doc`);
//! - `/robots.txt`: crawlers stay off the signed-in app and the API, and are welcome in the
//!   docs (and to the OpenAPI description);
//! - `/docs/api`: the API reference, rendered as plain HTML (no script) from the OpenAPI
//!   description the API serves (`crate::api::openapi::document()`), so the two cannot
//!   disagree;
//! - [`service_desc_link`]: the `Link: </api/v1/openapi.json>; rel="service-desc"` header on
//!   every docs page (the pages also carry `<link rel="service-desc">` in their head).
//!
//! Absolute URLs use `CALLSNARE_PUBLIC_URL` when it is set; otherwise (sandbox) the request's
//! Host, screened to plain host characters. The Host only ever ends up in a link here, never
//! in anything that is checked or trusted.

use std::{fmt::Write as _, sync::OnceLock};

use app::{
    app::page_title,
    components::docs_layout::{DOCS_INDEX_PATH, DOC_PAGES, OPENAPI_PATH},
    ssr::state::AppState,
};
use axum::{
    extract::{Request, State},
    http::{header, HeaderMap, HeaderValue, Uri},
    middleware::Next,
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use serde_json::{json, Value};

pub const LLMS_TXT_PATH: &str = "/llms.txt";
pub const API_CATALOG_PATH: &str = "/.well-known/api-catalog";
pub const ROBOTS_TXT_PATH: &str = "/robots.txt";
pub const API_REFERENCE_PATH: &str = "/docs/api";
/// Where the API lives (the catalog's anchor).
pub const API_BASE_PATH: &str = "/api/v1";

/// RFC 9727 §4: the catalog is a linkset, with the api-catalog profile.
pub const LINKSET_CONTENT_TYPE: &str = "application/linkset+json; profile=\"https://www.rfc-editor.org/info/rfc9727\"";
/// RFC 8631: the OpenAPI description describes the service these docs document.
pub const SERVICE_DESC_LINK: &str = "</api/v1/openapi.json>; rel=\"service-desc\"; type=\"application/openapi+json\"";
/// RFC 9727 §3: the catalog names itself, so a HEAD request finds it.
const API_CATALOG_LINK: &str = "</.well-known/api-catalog>; rel=\"api-catalog\"";
/// Public, identical for everyone (but for the host in sandbox): caches may keep it a while.
const PUBLIC_CACHE: &str = "public, max-age=300";

pub const ROBOTS_TXT: &str = "\
User-agent: *
Allow: /docs
Allow: /llms.txt
Allow: /.well-known/api-catalog
Allow: /api/v1/openapi.json
Disallow: /app
Disallow: /api
Disallow: /rpc
";

pub fn router() -> Router<AppState> {
    Router::new()
        .route(LLMS_TXT_PATH, get(llms_txt))
        .route(API_CATALOG_PATH, get(api_catalog))
        .route(ROBOTS_TXT_PATH, get(robots_txt))
        .route(API_REFERENCE_PATH, get(api_reference))
}

/// `/docs` and everything under it.
pub fn is_docs_path(path: &str) -> bool {
    path == DOCS_INDEX_PATH || path.starts_with("/docs/")
}

/// Adds `Link: </api/v1/openapi.json>; rel="service-desc"` to every docs page answered.
pub async fn service_desc_link(req: Request, next: Next) -> Response {
    let docs = is_docs_path(req.uri().path());
    let mut res = next.run(req).await;
    if docs && res.status().is_success() {
        res.headers_mut()
            .append(header::LINK, HeaderValue::from_static(SERVICE_DESC_LINK));
    }
    res
}

/// The absolute base for links: the configured public URL, else `http://` + the request's
/// host when it looks like one, else the listen address.
fn base_url(state: &AppState, uri: &Uri, headers: &HeaderMap) -> String {
    let configured = state.public_base.trim_end_matches('/').to_owned();
    if state.public_url_set {
        return configured;
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| uri.authority().map(|a| a.as_str()));
    match host.filter(|h| plausible_host(h)) {
        Some(h) => format!("http://{h}"),
        None => configured,
    }
}

/// A host with an optional port (`calls.example.com`, `127.0.0.1:3000`, `[::1]:3000`):
/// nothing that could break out of a URL, a Markdown link or JSON.
pub fn plausible_host(h: &str) -> bool {
    (1..=255).contains(&h.len())
        && h.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':' | b'[' | b']'))
}

async fn llms_txt(State(state): State<AppState>, uri: Uri, headers: HeaderMap) -> Response {
    let base = base_url(&state, &uri, &headers);
    (
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, PUBLIC_CACHE),
        ],
        llms_text(&base),
    )
        .into_response()
}

/// The llms.txt document with absolute links under `base`.
pub fn llms_text(base: &str) -> String {
    let mut out = String::new();
    out.push_str("# CallSnare\n\n");
    out.push_str(
        "> CallSnare is missed-call recovery for residential HVAC contractors: it forwards calls on a tracked \
         business number to the office, notices within a second that nobody answered, texts the caller back once, \
         and puts the lead in a live inbox the office works from. Keep working. We'll handle the callback.\n\n",
    );
    out.push_str(
        "These docs are public. Everything that reads or changes an organisation's data is protected: people sign \
         in to the web app (`/app`), and approved external systems call the JSON API (`/api/v1`) with an \
         organisation-scoped Bearer key that an owner or admin created, limited to explicit scopes. The web app's \
         pages and server functions (`/rpc`) are not an API; please use `/api/v1` instead of scraping them. \
         Provider callbacks (`/api/twilio/...`) accept only signed provider traffic.\n\n",
    );
    out.push_str("## Docs\n\n");
    let _ = writeln!(
        out,
        "- [Docs overview]({base}{DOCS_INDEX_PATH}): every page below, and the files machines read."
    );
    for page in DOC_PAGES {
        let _ = writeln!(out, "- [{}]({base}{}): {}", page.title, page.path, page.summary);
    }
    out.push_str("\n## API\n\n");
    let _ = writeln!(
        out,
        "- [OpenAPI description]({base}{OPENAPI_PATH}): OpenAPI 3.1; every /api/v1 endpoint with the scope it needs, its parameters, errors and schemas. Readable without a key."
    );
    let _ = writeln!(
        out,
        "- [API catalog]({base}{API_CATALOG_PATH}): RFC 9727 linkset pointing at the OpenAPI description and the API reference."
    );
    let _ = writeln!(
        out,
        "- [API reference]({base}{API_REFERENCE_PATH}): the OpenAPI description rendered for people."
    );
    out
}

async fn api_catalog(State(state): State<AppState>, uri: Uri, headers: HeaderMap) -> Response {
    let base = base_url(&state, &uri, &headers);
    let catalog = api_catalog_document(&base);
    let body = serde_json::to_string_pretty(&catalog).unwrap_or_else(|_| catalog.to_string());
    (
        [
            (header::CONTENT_TYPE, LINKSET_CONTENT_TYPE),
            (header::LINK, API_CATALOG_LINK),
            (header::CACHE_CONTROL, PUBLIC_CACHE),
        ],
        body,
    )
        .into_response()
}

/// The RFC 9727 catalog: one API, its description and its documentation.
pub fn api_catalog_document(base: &str) -> Value {
    json!({
        "linkset": [{
            "anchor": format!("{base}{API_BASE_PATH}"),
            "service-desc": [{
                "href": format!("{base}{OPENAPI_PATH}"),
                "type": "application/openapi+json"
            }],
            "service-doc": [{
                "href": format!("{base}{API_REFERENCE_PATH}"),
                "type": "text/html"
            }]
        }]
    })
}

async fn robots_txt() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, PUBLIC_CACHE),
        ],
        ROBOTS_TXT,
    )
        .into_response()
}

/// The rendered reference, built once per process from the OpenAPI description.
static API_REFERENCE_HTML: OnceLock<String> = OnceLock::new();

async fn api_reference() -> Response {
    let html = API_REFERENCE_HTML.get_or_init(|| {
        let doc = serde_json::to_value(crate::api::openapi::document()).unwrap_or_else(|err| {
            tracing::error!(error.message = %err, "the OpenAPI description does not serialise");
            Value::Null
        });
        api_reference_page(&doc)
    });
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html.as_str()).into_response()
}

// ── HTML ────────────────────────────────────────────────────────────────────────────────

/// Escapes text for HTML text and double-quoted attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

/// Text with `backticked` spans shown as code; everything escaped.
fn inline_text(s: &str) -> String {
    s.split('`')
        .enumerate()
        .map(|(i, seg)| {
            if i % 2 == 1 {
                format!("<code>{}</code>", esc(seg))
            } else {
                esc(seg)
            }
        })
        .collect()
}

/// A description: one paragraph per blank-line-separated block.
fn paragraphs(s: &str, class: &str) -> String {
    s.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| format!("<p class=\"{}\">{}</p>", esc(class), inline_text(p)))
        .collect()
}

/// A string usable as an element id (and `#fragment`).
fn anchor(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// The whole `/docs/api` document: the public site's frame and the docs nav around the
/// reference (the same markup as `SiteLayout` and `DocsLayout`), and no script.
pub fn api_reference_page(doc: &Value) -> String {
    let mut nav = String::new();
    let _ = write!(nav, "<a href=\"{DOCS_INDEX_PATH}\">Overview</a>");
    for page in DOC_PAGES {
        let current = if page.path == API_REFERENCE_PATH {
            " aria-current=\"page\""
        } else {
            ""
        };
        let _ = write!(nav, "<a href=\"{}\"{current}>{}</a>", esc(page.path), esc(page.title));
    }
    format!(
        "<!DOCTYPE html>\
<html lang=\"en\"><head>\
<meta charset=\"utf-8\"/>\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\
<meta name=\"description\" content=\"CallSnare API reference: every /api/v1 endpoint, the scope it needs, its parameters, errors and schemas.\"/>\
<title>{title}</title>\
<link id=\"leptos\" rel=\"stylesheet\" href=\"/pkg/callsnare.css\"/>\
<link rel=\"service-desc\" href=\"{OPENAPI_PATH}\" type=\"application/openapi+json\"/>\
</head><body>\
<a href=\"#main\" class=\"skip-link\">Skip to content</a>\
<div class=\"site\">\
<header class=\"site-header\">\
<a class=\"brand\" href=\"/\"><span class=\"brand-mark\" aria-hidden=\"true\">\u{260e}</span>CallSnare</a>\
<nav class=\"site-nav\" aria-label=\"Main\">\
<a href=\"/#how-it-works\">How it works</a>\
<a href=\"/docs\">Docs</a>\
<a class=\"button button-small\" href=\"/login\">Sign in</a>\
</nav>\
</header>\
<main class=\"site-main\" id=\"main\" tabindex=\"-1\">\
<div class=\"docs\">\
<nav class=\"docs-nav\" aria-label=\"Docs\">{nav}</nav>\
<div class=\"docs-content\"><article class=\"doc doc-wide api-ref\">{body}</article></div>\
</div>\
</main>\
<footer class=\"site-footer\">\
<p>CallSnare \u{b7} Residential HVAC missed-call recovery</p>\
<p class=\"muted\">Keep working. We&#x27;ll handle the callback.</p>\
</footer>\
</div>\
</body></html>",
        title = esc(&page_title("API reference")),
        body = render_reference(doc),
    )
}

const METHODS: [&str; 8] = ["get", "put", "post", "patch", "delete", "head", "options", "trace"];

struct Operation<'a> {
    method: &'static str,
    path: &'a str,
    item: &'a Value,
    op: &'a Value,
}

impl Operation<'_> {
    fn anchor(&self) -> String {
        anchor(&format!("op-{}-{}", self.method, self.path))
    }
}

fn operations(doc: &Value) -> Vec<Operation<'_>> {
    let mut ops = Vec::new();
    if let Some(paths) = doc["paths"].as_object() {
        for (path, item) in paths {
            for method in METHODS {
                let op = &item[method];
                if op.is_object() {
                    ops.push(Operation {
                        method,
                        path: path.as_str(),
                        item,
                        op,
                    });
                }
            }
        }
    }
    ops
}

/// Follows a local `$ref` (`#/components/…`) once; anything else is returned as it is.
fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    v["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix('#'))
        .and_then(|pointer| doc.pointer(pointer))
        .unwrap_or(v)
}

/// The last segment of a `$ref` (`#/components/schemas/Lead` → `Lead`).
fn ref_name(r: &str) -> &str {
    r.rsplit('/').next().unwrap_or(r)
}

/// The scopes an operation needs: its `x-required-scope`, else the scopes of its security
/// requirements (the document's when it has none of its own). `None`: no key needed.
fn required_scopes(doc: &Value, op: &Value) -> Option<Vec<String>> {
    if let Some(scope) = op["x-required-scope"].as_str() {
        return Some(vec![scope.to_owned()]);
    }
    let security = if op["security"].is_array() {
        &op["security"]
    } else {
        &doc["security"]
    };
    let requirements = security.as_array()?;
    if requirements.is_empty() || requirements.iter().any(|r| r.as_object().is_some_and(|o| o.is_empty())) {
        return None;
    }
    let mut scopes: Vec<String> = requirements
        .iter()
        .filter_map(Value::as_object)
        .flat_map(|o| o.values())
        .filter_map(Value::as_array)
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    scopes.sort();
    scopes.dedup();
    Some(scopes)
}

fn scope_html(scopes: &Option<Vec<String>>) -> String {
    match scopes {
        None => "<span class=\"muted\">None: no key needed</span>".to_owned(),
        Some(s) if s.is_empty() => "Any valid key".to_owned(),
        Some(s) => s
            .iter()
            .map(|c| format!("<code>{}</code>", esc(c)))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// A schema's type for people, as HTML: named schemas link to their section.
fn schema_type(schema: &Value, depth: usize) -> String {
    if depth > 6 {
        return "\u{2026}".to_owned();
    }
    if let Some(r) = schema["$ref"].as_str() {
        let name = ref_name(r);
        return format!(
            "<a href=\"#{}\">{}</a>",
            esc(&anchor(&format!("schema-{name}"))),
            esc(name)
        );
    }
    for (key, joiner) in [("oneOf", " | "), ("anyOf", " | "), ("allOf", " & ")] {
        if let Some(parts) = schema[key].as_array() {
            return parts
                .iter()
                .map(|p| schema_type(p, depth + 1))
                .collect::<Vec<_>>()
                .join(joiner);
        }
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let nullable = types.contains(&"null") || schema["nullable"].as_bool() == Some(true);
    let mut shown: Vec<String> = types
        .iter()
        .filter(|t| **t != "null")
        .map(|t| match *t {
            "array" => format!("array of {}", schema_type(&schema["items"], depth + 1)),
            other => match schema["format"].as_str() {
                Some(f) => format!("{} ({})", esc(other), esc(f)),
                None => esc(other),
            },
        })
        .collect();
    if shown.is_empty() {
        shown.push(if schema.is_null() {
            "\u{2014}".to_owned()
        } else {
            "any".to_owned()
        });
    }
    let mut out = shown.join(" | ");
    if let Some(values) = schema["enum"].as_array() {
        let values: Vec<String> = values
            .iter()
            .filter(|v| !v.is_null())
            .map(|v| {
                format!(
                    "<code>{}</code>",
                    esc(&v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                )
            })
            .collect();
        let _ = write!(out, ": one of {}", values.join(", "));
    }
    if nullable {
        out.push_str(" or null");
    }
    out
}

fn render_parameters(doc: &Value, o: &Operation<'_>) -> String {
    let params: Vec<&Value> = [&o.item["parameters"], &o.op["parameters"]]
        .into_iter()
        .filter_map(Value::as_array)
        .flatten()
        .map(|p| resolve(doc, p))
        .collect();
    if params.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "<h4>Parameters</h4><div class=\"doc-table-wrap\" tabindex=\"0\"><table class=\"table doc-table\"><thead><tr>\
         <th scope=\"col\">Name</th><th scope=\"col\">In</th><th scope=\"col\">Type</th>\
         <th scope=\"col\">Required</th><th scope=\"col\">Description</th></tr></thead><tbody>",
    );
    for p in params {
        let _ = write!(
            out,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(p["name"].as_str().unwrap_or("")),
            esc(p["in"].as_str().unwrap_or("")),
            schema_type(&p["schema"], 0),
            if p["required"].as_bool() == Some(true) {
                "yes"
            } else {
                "no"
            },
            inline_text(p["description"].as_str().unwrap_or("")),
        );
    }
    out.push_str("</tbody></table></div>");
    out
}

/// `content` of a request body or response: each media type and its schema.
fn render_content(content: &Value) -> String {
    let Some(media) = content.as_object() else {
        return String::new();
    };
    media
        .iter()
        .map(|(mt, m)| format!("<code>{}</code>: {}", esc(mt), schema_type(&m["schema"], 0)))
        .collect::<Vec<_>>()
        .join("<br/>")
}

fn render_operation(doc: &Value, o: &Operation<'_>) -> String {
    let mut out = String::new();
    let method = o.method.to_ascii_uppercase();
    let _ = write!(
        out,
        "<section class=\"card api-op\" id=\"{id}\" data-operation=\"{m} {p}\">\
         <h3><code class=\"http-method\">{m}</code> <code>{p}</code></h3>",
        id = esc(&o.anchor()),
        m = esc(&method),
        p = esc(o.path),
    );
    if let Some(summary) = o.op["summary"].as_str() {
        let _ = write!(out, "<p><strong>{}</strong></p>", inline_text(summary));
    }
    if let Some(description) = o.op["description"].as_str() {
        out.push_str(&paragraphs(description, ""));
    }
    let _ = write!(
        out,
        "<p class=\"api-scope\">Scope needed: {}</p>",
        scope_html(&required_scopes(doc, o.op))
    );
    out.push_str(&render_parameters(doc, o));
    let body = resolve(doc, &o.op["requestBody"]);
    if body.is_object() {
        let _ = write!(
            out,
            "<h4>Request body{}</h4><p>{}</p>",
            if body["required"].as_bool() == Some(true) {
                ""
            } else {
                " (optional)"
            },
            render_content(&body["content"]),
        );
    }
    if let Some(responses) = o.op["responses"].as_object() {
        out.push_str(
            "<h4>Responses</h4><div class=\"doc-table-wrap\" tabindex=\"0\"><table class=\"table doc-table\"><thead><tr>\
             <th scope=\"col\">Status</th><th scope=\"col\">Meaning</th><th scope=\"col\">Body</th></tr></thead><tbody>",
        );
        for (status, r) in responses {
            let r = resolve(doc, r);
            let _ = write!(
                out,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                esc(status),
                inline_text(r["description"].as_str().unwrap_or("")),
                render_content(&r["content"]),
            );
        }
        out.push_str("</tbody></table></div>");
    }
    out.push_str("</section>");
    out
}

fn render_schema(name: &str, schema: &Value) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<section class=\"card api-schema\" id=\"{}\"><h3><code>{}</code></h3>",
        esc(&anchor(&format!("schema-{name}"))),
        esc(name)
    );
    if let Some(description) = schema["description"].as_str() {
        out.push_str(&paragraphs(description, "muted"));
    }
    match schema["properties"].as_object() {
        Some(props) if !props.is_empty() => {
            let required: Vec<&str> = schema["required"]
                .as_array()
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            out.push_str(
                "<div class=\"doc-table-wrap\" tabindex=\"0\"><table class=\"table doc-table\"><thead><tr>\
                 <th scope=\"col\">Field</th><th scope=\"col\">Type</th><th scope=\"col\">Required</th>\
                 <th scope=\"col\">Description</th></tr></thead><tbody>",
            );
            for (field, p) in props {
                let _ = write!(
                    out,
                    "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    esc(field),
                    schema_type(p, 0),
                    if required.contains(&field.as_str()) {
                        "yes"
                    } else {
                        "no"
                    },
                    inline_text(p["description"].as_str().unwrap_or("")),
                );
            }
            out.push_str("</tbody></table></div>");
        }
        _ => {
            let _ = write!(out, "<p>{}</p>", schema_type(schema, 0));
        }
    }
    out.push_str("</section>");
    out
}

/// The reference itself, from the OpenAPI description as JSON (robust to the generator's
/// version: only the OpenAPI structure is read). Every string from the description is
/// escaped.
pub fn render_reference(doc: &Value) -> String {
    let mut out = String::new();
    let info = &doc["info"];
    let title = info["title"].as_str().unwrap_or("CallSnare API");
    out.push_str("<p class=\"eyebrow\">Docs / API reference</p>");
    let _ = write!(out, "<h1>{}</h1>", esc(title));
    let _ = write!(
        out,
        "<p class=\"lede\">Every <code>{API_BASE_PATH}</code> endpoint, the scope it needs, its parameters, answers and schemas, \
         rendered from the API&#x27;s own OpenAPI description: <a href=\"{OPENAPI_PATH}\"><code>{OPENAPI_PATH}</code></a>{}.</p>",
        match (doc["openapi"].as_str(), info["version"].as_str()) {
            (Some(oa), Some(v)) => format!(" (OpenAPI {}, API version {})", esc(oa), esc(v)),
            (Some(oa), None) => format!(" (OpenAPI {})", esc(oa)),
            _ => String::new(),
        }
    );
    if !doc.is_object() {
        out.push_str(
            "<p class=\"form-error\">The API description could not be read. The raw description is at the link above.</p>",
        );
        return out;
    }
    if let Some(description) = info["description"].as_str() {
        out.push_str(&paragraphs(description, ""));
    }

    out.push_str(
        "<section><h2 id=\"authentication\">Authentication</h2>\
         <p>Send an organisation-scoped API key on every request: <code>Authorization: Bearer cs_live_\u{2026}</code> \
         (<code>cs_test_\u{2026}</code> in sandbox). Owners and admins create keys and choose their scopes; \
         see <a href=\"/docs/agent-access\">Agent access</a> and the <a href=\"/docs/permissions#endpoints\">scope table</a>.</p>",
    );
    if let Some(schemes) = doc["components"]["securitySchemes"].as_object() {
        out.push_str("<ul>");
        for (name, s) in schemes {
            let kind = [s["type"].as_str(), s["scheme"].as_str(), s["bearerFormat"].as_str()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", ");
            let _ = write!(out, "<li><code>{}</code>: {}", esc(name), esc(&kind));
            if let Some(d) = s["description"].as_str() {
                let _ = write!(out, " \u{2014} {}", inline_text(d));
            }
            out.push_str("</li>");
        }
        out.push_str("</ul>");
    }
    out.push_str("</section>");

    let ops = operations(doc);
    out.push_str("<section><h2 id=\"endpoints\">Endpoints</h2>");
    if ops.is_empty() {
        out.push_str("<p class=\"muted\">The description lists no endpoints.</p>");
    } else {
        out.push_str(
            "<div class=\"doc-table-wrap\" tabindex=\"0\"><table class=\"table doc-table\"><thead><tr>\
             <th scope=\"col\">Method</th><th scope=\"col\">Path</th><th scope=\"col\">Scope needed</th>\
             <th scope=\"col\">Summary</th></tr></thead><tbody>",
        );
        for o in &ops {
            let _ = write!(
                out,
                "<tr><td><code class=\"http-method\">{m}</code></td><td><a href=\"#{id}\"><code>{p}</code></a></td><td>{s}</td><td>{sum}</td></tr>",
                m = esc(&o.method.to_ascii_uppercase()),
                id = esc(&o.anchor()),
                p = esc(o.path),
                s = scope_html(&required_scopes(doc, o.op)),
                sum = inline_text(o.op["summary"].as_str().unwrap_or("")),
            );
        }
        out.push_str("</tbody></table></div>");
        for o in &ops {
            out.push_str(&render_operation(doc, o));
        }
    }
    out.push_str("</section>");

    if let Some(schemas) = doc["components"]["schemas"].as_object() {
        if !schemas.is_empty() {
            out.push_str("<section><h2 id=\"schemas\">Schemas</h2>");
            for (name, schema) in schemas {
                out.push_str(&render_schema(name, schema));
            }
            out.push_str("</section>");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Value {
        json!({
            "openapi": "3.1.0",
            "info": { "title": "CallSnare API", "version": "1", "description": "Leads and `texts`.\n\nSecond <b>para</b>." },
            "security": [{ "bearer": [] }],
            "paths": {
                "/api/v1/leads": {
                    "get": {
                        "summary": "List leads",
                        "x-required-scope": "leads:read",
                        "parameters": [
                            { "name": "limit", "in": "query", "schema": { "type": "integer", "format": "int32" } },
                            { "$ref": "#/components/parameters/Cursor" }
                        ],
                        "responses": {
                            "200": { "description": "A page", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/LeadPage" } } } },
                            "401": { "$ref": "#/components/responses/Unauthorized" }
                        }
                    }
                },
                "/api/v1/openapi.json": {
                    "get": { "summary": "This description", "security": [], "responses": { "200": { "description": "OK" } } }
                }
            },
            "components": {
                "parameters": { "Cursor": { "name": "cursor", "in": "query", "schema": { "type": ["string", "null"] } } },
                "responses": { "Unauthorized": { "description": "No <valid> key" } },
                "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
                "schemas": {
                    "LeadPage": {
                        "type": "object",
                        "required": ["data"],
                        "properties": {
                            "data": { "type": "array", "items": { "$ref": "#/components/schemas/Lead" } },
                            "next_cursor": { "type": ["string", "null"] }
                        }
                    },
                    "Lead": { "type": "object", "description": "A caller <script>alert(1)</script>", "properties": {
                        "status": { "type": "string", "enum": ["new", "booked"] }
                    } }
                }
            }
        })
    }

    #[test]
    fn the_reference_lists_every_operation_with_its_scope_and_escapes_everything() {
        let html = api_reference_page(&sample());
        assert!(html.contains(r#"data-operation="GET /api/v1/leads""#), "{html}");
        assert!(html.contains(r#"data-operation="GET /api/v1/openapi.json""#));
        assert!(html.contains("<code>leads:read</code>"));
        assert!(html.contains("None: no key needed"));
        assert!(
            html.contains("<code>cursor</code>"),
            "referenced parameters are resolved"
        );
        assert!(
            html.contains("No &lt;valid&gt; key"),
            "referenced responses are resolved, escaped"
        );
        assert!(html.contains(r##"<a href="#schema-LeadPage">LeadPage</a>"##));
        assert!(html.contains(r##"array of <a href="#schema-Lead">Lead</a>"##));
        assert!(html.contains("string or null"));
        assert!(html.contains("<code>new</code>, <code>booked</code>"));
        assert!(html.contains("Leads and <code>texts</code>."));
        assert!(!html.contains("<script"), "no script, and description text is escaped");
        assert!(!html.contains("<b>para</b>"));
        assert!(html.contains(r#"<link rel="service-desc" href="/api/v1/openapi.json""#));
        assert!(html.contains(r#"<a href="/docs/api" aria-current="page">"#));
    }

    #[test]
    fn an_unreadable_description_still_renders_a_page() {
        let html = api_reference_page(&Value::Null);
        assert!(html.contains("could not be read"));
    }

    #[test]
    fn hosts_are_screened_before_they_become_links() {
        assert!(plausible_host("127.0.0.1:3000"));
        assert!(plausible_host("[::1]:3000"));
        assert!(plausible_host("calls.example.com"));
        assert!(!plausible_host(""));
        assert!(!plausible_host("evil.example/<script>"));
        assert!(!plausible_host("a b"));
        assert!(!plausible_host("x\")](javascript:alert(1))"));
    }

    #[test]
    fn llms_txt_follows_the_convention() {
        let text = llms_text("https://calls.example.com");
        assert!(text.starts_with("# CallSnare\n\n> "));
        assert!(text.contains("\n## Docs\n"));
        for page in DOC_PAGES {
            assert!(
                text.contains(&format!("]({}{})", "https://calls.example.com", page.path)),
                "{}",
                page.path
            );
        }
        assert!(text.contains("(https://calls.example.com/api/v1/openapi.json)"));
    }

    #[test]
    fn the_catalog_points_at_the_description_and_the_reference() {
        let c = api_catalog_document("https://calls.example.com");
        assert_eq!(c["linkset"][0]["anchor"], "https://calls.example.com/api/v1");
        assert_eq!(
            c["linkset"][0]["service-desc"][0]["href"],
            "https://calls.example.com/api/v1/openapi.json"
        );
        assert_eq!(
            c["linkset"][0]["service-doc"][0]["href"],
            "https://calls.example.com/docs/api"
        );
    }

    #[test]
    fn docs_paths() {
        assert!(is_docs_path("/docs") && is_docs_path("/docs/api") && is_docs_path("/docs/security"));
        assert!(!is_docs_path("/docsx") && !is_docs_path("/") && !is_docs_path("/app/docs"));
    }
}
