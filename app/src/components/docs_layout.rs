//! The public docs' frame: the list of docs pages (the docs nav, the `/docs` index and
//! `/llms.txt` all read [`DOC_PAGES`]), and the route layout every `/docs/…` page sits in.
//! Plain server-rendered HTML: nothing here is an island, so the docs load no wasm.

use leptos::prelude::*;
use leptos_meta::Link;
use leptos_router::{components::Outlet, hooks::use_location};

/// Where the API's OpenAPI description is served (the docs' `service-desc`).
pub const OPENAPI_PATH: &str = "/api/v1/openapi.json";
/// The docs' own start page.
pub const DOCS_INDEX_PATH: &str = "/docs";

/// One page of the public docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocLink {
    pub path: &'static str,
    pub title: &'static str,
    pub summary: &'static str,
}

/// Every docs page after the index, in reading order. `/docs/api` is rendered by the server
/// from the OpenAPI description (`server/src/routes/discovery.rs`); the others are the
/// `…DocPage` components routed in `app.rs`.
pub const DOC_PAGES: &[DocLink] = &[
    DocLink {
        path: "/docs/security",
        title: "Security",
        summary: "How access, provider traffic and records are kept safe: sign-in, scoped credentials, checked callbacks, chained records.",
    },
    DocLink {
        path: "/docs/permissions",
        title: "Permissions",
        summary: "What each role may do, what each API scope allows and which scope each endpoint needs, generated from the tables the server enforces.",
    },
    DocLink {
        path: "/docs/actions",
        title: "Actions",
        summary: "Which capabilities are protected, which stay internal, and which are only planned.",
    },
    DocLink {
        path: "/docs/webhooks",
        title: "Webhooks",
        summary: "The provider callback routes: what each one ingests, how signatures, retries and evidence work, and why there is no public event feed.",
    },
    DocLink {
        path: "/docs/agent-access",
        title: "Agent access",
        summary: "How machines discover and use the API with scoped keys, and what is deliberately not exposed.",
    },
    DocLink {
        path: "/docs/api",
        title: "API reference",
        summary: "Every /api/v1 endpoint with its scope, parameters, responses and schemas, rendered from the OpenAPI description.",
    },
];

/// Route layout for `/docs` and everything under it: the docs nav beside the page, and the
/// API description announced in the head (`<link rel="service-desc">`; the server adds the
/// same as a `Link` header).
#[component]
pub fn DocsLayout() -> impl IntoView {
    let here = use_location().pathname.get_untracked();
    view! {
        <Link rel="service-desc" href=OPENAPI_PATH type_="application/openapi+json" />
        <div class="docs">
            <DocsNav current=here />
            <div class="docs-content">
                <Outlet />
            </div>
        </div>
    }
}

/// The docs' own navigation; the page at `current` is marked `aria-current="page"`.
#[component]
pub fn DocsNav(current: String) -> impl IntoView {
    let current = current.trim_end_matches('/').to_owned();
    let index_current = (current == DOCS_INDEX_PATH).then_some("page");
    view! {
        <nav class="docs-nav" aria-label="Docs">
            <a href=DOCS_INDEX_PATH aria-current=index_current>"Overview"</a>
            {DOC_PAGES
                .iter()
                .map(|p| {
                    let is_current = (current == p.path).then_some("page");
                    view! { <a href=p.path aria-current=is_current>{p.title}</a> }
                })
                .collect_view()}
        </nav>
    }
}

/// The "Continue reading" block at the end of a docs page: the pages at `next`, with their
/// summaries.
#[component]
pub fn ContinueReading(intro: &'static str, next: &'static [&'static str]) -> impl IntoView {
    view! {
        <section class="doc-next">
            <h2>"Continue reading"</h2>
            <p class="muted">{intro}</p>
            <ul class="doc-cards">
                {next
                    .iter()
                    .filter_map(|path| DOC_PAGES.iter().find(|p| p.path == *path))
                    .map(|p| {
                        view! {
                            <li class="card">
                                <a href=p.path>{p.title}</a>
                                <p class="muted small">{p.summary}</p>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_docs_page_lives_under_docs_once() {
        for (i, p) in DOC_PAGES.iter().enumerate() {
            assert!(p.path.starts_with("/docs/"), "{}", p.path);
            assert!(!p.title.is_empty() && !p.summary.is_empty());
            assert!(DOC_PAGES[i + 1..].iter().all(|q| q.path != p.path), "{} twice", p.path);
        }
    }
}
