//! Live updates for the signed-in app's islands: one EventSource per island that needs it,
//! on `/app/events`. Every event (and every reconnect, to catch up after a drop) bumps
//! `version`, which the island watches to refetch; `unread` counts the distinct leads with
//! activity since the page was last looked at, for the tab title. Islands do not share
//! context reliably, so each live island calls [`live_updates`] itself (a page has at most one).

use leptos::prelude::*;

#[derive(Clone, Copy)]
pub struct Live {
    pub version: RwSignal<u64>,
    /// How many leads had activity since the page was last looked at.
    pub unread: RwSignal<u32>,
    /// Those leads' ids: a lead with three new events counts once.
    unseen: StoredValue<Vec<String>>,
}

impl Live {
    /// Marks the activity as seen (the tab title loses its count).
    pub fn mark_seen(&self) {
        if self.unread.get_untracked() != 0 {
            self.unseen.update_value(|ids| ids.clear());
            self.unread.set(0);
        }
    }

    /// Counts activity on `lead_id` as unread, once per lead (only the browser's live feed
    /// sees activity).
    #[cfg(feature = "hydrate")]
    fn saw_activity(&self, lead_id: String) {
        let count = self.unseen.try_update_value(|ids| {
            if !ids.contains(&lead_id) {
                ids.push(lead_id);
            }
            ids.len()
        });
        if let Some(n) = count {
            self.unread.set(u32::try_from(n).unwrap_or(u32::MAX));
        }
    }
}

/// Opens the live feed once the island has hydrated (never on the server).
pub fn live_updates() -> Live {
    let live = Live {
        version: RwSignal::new(0u64),
        unread: RwSignal::new(0u32),
        unseen: StoredValue::new(Vec::new()),
    };
    #[cfg(feature = "hydrate")]
    connect(live);
    live
}

/// The lead id of a `lead` event's data (`{"kind":"…","lead_id":"lead_…"}`, as
/// `server/src/routes/live.rs` writes it), without a JSON parser in the wasm.
#[cfg(any(feature = "hydrate", test))]
fn event_lead_id(data: &str) -> Option<String> {
    let rest = data.split_once("\"lead_id\":\"")?.1;
    let id = rest.split('"').next()?;
    (!id.is_empty()).then(|| id.to_owned())
}

#[cfg(feature = "hydrate")]
fn connect(live: Live) {
    use wasm_bindgen::{closure::Closure, JsCast};

    Effect::new(move |_| {
        let Ok(source) = web_sys::EventSource::new("/app/events") else {
            return;
        };
        let on_lead = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
            live.version.update(|v| *v += 1);
            if let Some(id) = ev.data().as_string().as_deref().and_then(event_lead_id) {
                live.saw_activity(id);
            }
        });
        let on_sync = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |_ev: web_sys::MessageEvent| {
            live.version.update(|v| *v += 1);
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

#[cfg(test)]
mod tests {
    use super::event_lead_id;

    #[test]
    fn a_lead_event_names_its_lead() {
        assert_eq!(
            event_lead_id(r#"{"kind":"message_received","lead_id":"lead_0193"}"#).as_deref(),
            Some("lead_0193")
        );
        assert_eq!(
            event_lead_id(r#"{"lead_id":"lead_1","kind":"lead_created"}"#).as_deref(),
            Some("lead_1")
        );
        assert_eq!(event_lead_id(r#"{"kind":"opt_out_changed","lead_id":null}"#), None);
        assert_eq!(event_lead_id(""), None);
    }
}
