//! The browser half: hydrates the `#[island]`s of the server-rendered page (Leptos islands
//! mode). The islands' hydration functions are exported from the `app` crate; the rest of
//! the app (router, pages, layout) is server-only and never reaches the wasm.

/// Called by Leptos's island loader (`HydrationScripts islands=true`) before it hydrates
/// each `<leptos-island>` on the page.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    app::hydrate_islands();
}
