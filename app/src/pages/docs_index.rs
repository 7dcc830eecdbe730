//! Public documentation: the start page, listing every docs page and the files machines read.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::docs_layout::{DOC_PAGES, OPENAPI_PATH};

#[component]
pub fn DocsIndexPage() -> impl IntoView {
    view! {
        <Title text="Docs" />
        <article class="doc">
            <p class="eyebrow">"Docs"</p>
            <h1>"How CallSnare works, in the open"</h1>
            <p class="lede">
                "CallSnare is missed-call recovery for residential HVAC contractors: it rings your office first, texts back the callers nobody could answer, and keeps every lead in one live inbox. Keep working. We\u{2019}ll handle the callback."
            </p>
            <p>
                "Anyone can read how it works, so partners and their software never need to scrape the app. Doing anything takes a signed-in team member or a narrowly scoped credential, and important activity leaves a record."
            </p>
            <ul class="doc-cards" data-testid="docs-index">
                {DOC_PAGES
                    .iter()
                    .map(|p| {
                        view! {
                            <li class="card">
                                <h2>
                                    <a href=p.path>{p.title}</a>
                                </h2>
                                <p class="muted">{p.summary}</p>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            <section>
                <h2>"For machines"</h2>
                <p>"The same information, in the forms software looks for first:"</p>
                <ul>
                    <li>
                        <a href="/llms.txt"><code>"/llms.txt"</code></a>
                        " \u{2014} a short plain-text guide to these pages, for language-model agents."
                    </li>
                    <li>
                        <a href="/.well-known/api-catalog"><code>"/.well-known/api-catalog"</code></a>
                        " \u{2014} the API catalog (RFC 9727): where the API's description and documentation live."
                    </li>
                    <li>
                        <a href=OPENAPI_PATH><code>{OPENAPI_PATH}</code></a>
                        " \u{2014} the API's OpenAPI 3.1 description, generated from the code that serves it."
                    </li>
                </ul>
                <p class="muted small">
                    "Every docs page also names the OpenAPI description in a "
                    <code>"Link: <\u{2026}>; rel=\"service-desc\""</code>
                    " header and in its head."
                </p>
            </section>
        </article>
    }
}
