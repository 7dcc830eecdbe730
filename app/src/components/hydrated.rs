//! A marker for tests and tools: `<html data-hydrated>` once an island on the page has
//! hydrated (its event handlers are attached). Before that, forms in islands post as plain
//! forms, which work too but answer with a reload instead of an inline result.

use leptos::prelude::*;

/// Call at the top of every `#[island]`. Does nothing on the server (effects never run there).
pub fn mark_hydrated() {
    Effect::new(move |_| set_marker());
}

#[cfg(feature = "hydrate")]
fn set_marker() {
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = root.set_attribute("data-hydrated", "");
    }
}

#[cfg(not(feature = "hydrate"))]
fn set_marker() {}
