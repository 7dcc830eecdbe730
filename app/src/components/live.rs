//! Live updates for the signed-in app's islands: one EventSource per island that needs it,
//! on `/app/events`. Every event (and every reconnect, to catch up after a drop) bumps
//! `version`, which the island watches to refetch; `unread` counts activity for the tab
//! title. Islands do not share context reliably, so each live island calls
//! [`live_updates`] itself (a page has at most one).

use leptos::prelude::*;

#[derive(Clone, Copy)]
pub struct Live {
    pub version: RwSignal<u64>,
    pub unread: RwSignal<u32>,
}

impl Live {
    /// Marks the activity as seen (the tab title loses its count).
    pub fn mark_seen(&self) {
        if self.unread.get_untracked() != 0 {
            self.unread.set(0);
        }
    }
}

/// Opens the live feed once the island has hydrated (never on the server).
pub fn live_updates() -> Live {
    let version = RwSignal::new(0u64);
    let unread = RwSignal::new(0u32);
    #[cfg(feature = "hydrate")]
    connect(version, unread);
    Live { version, unread }
}

#[cfg(feature = "hydrate")]
fn connect(version: RwSignal<u64>, unread: RwSignal<u32>) {
    use wasm_bindgen::{closure::Closure, JsCast};

    Effect::new(move |_| {
        let Ok(source) = web_sys::EventSource::new("/app/events") else {
            return;
        };
        let on_lead = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |_ev: web_sys::MessageEvent| {
            version.update(|v| *v += 1);
            unread.update(|u| *u += 1);
        });
        let on_sync = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |_ev: web_sys::MessageEvent| {
            version.update(|v| *v += 1);
        });
        let _ = source.add_event_listener_with_callback("lead", on_lead.as_ref().unchecked_ref());
        // "ready" arrives on every (re)connect: refetch to catch up on anything missed.
        let _ = source.add_event_listener_with_callback("ready", on_sync.as_ref().unchecked_ref());
        let _ = source.add_event_listener_with_callback("resync", on_sync.as_ref().unchecked_ref());
        on_lead.forget();
        on_sync.forget();
        let source = send_wrapper::SendWrapper::new(source);
        on_cleanup(move || source.close());
    });
}

/// Sets the document title at run time, formatted like `<Title>` formats it on the server.
pub fn set_document_title(text: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
        doc.set_title(&crate::app::page_title(text));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = text;
}

/// Refreshes that may overlap (a live event during an earlier refetch): only the answer
/// of the most recent one is applied, so an older, slower answer never overwrites it.
#[derive(Clone, Copy)]
pub struct Latest(StoredValue<u64>);

impl Latest {
    pub fn new() -> Self {
        Latest(StoredValue::new(0))
    }

    /// Runs `fetch` in the browser; `apply` gets its output if no newer run started since.
    pub fn run<T, Fut>(self, fetch: Fut, apply: impl FnOnce(T) + 'static)
    where
        T: 'static,
        Fut: std::future::Future<Output = T> + 'static,
    {
        let mine = self.0.get_value().wrapping_add(1);
        self.0.set_value(mine);
        leptos::task::spawn_local(async move {
            let value = fetch.await;
            if self.0.try_get_value() == Some(mine) {
                apply(value);
            }
        });
    }
}

impl Default for Latest {
    fn default() -> Self {
        Self::new()
    }
}
