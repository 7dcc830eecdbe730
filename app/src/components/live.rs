//! Live updates for the signed-in app: one EventSource per tab on `/app/events`. Every
//! event (and every reconnect, to catch up after a drop) bumps `LiveVersion`, which the
//! pages' resources depend on; `Unread` counts activity for the tab title.

use leptos::prelude::*;

#[derive(Clone, Copy)]
pub struct LiveVersion(pub RwSignal<u64>);

#[derive(Clone, Copy)]
pub struct Unread(pub RwSignal<u32>);

pub fn provide_live_updates() {
    let version = RwSignal::new(0u64);
    let unread = RwSignal::new(0u32);
    provide_context(LiveVersion(version));
    provide_context(Unread(unread));
    #[cfg(feature = "hydrate")]
    connect(version, unread);
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

/// Marks the activity as seen (the tab title loses its count).
pub fn mark_seen() {
    if let Some(Unread(u)) = use_context::<Unread>() {
        u.set(0);
    }
}
