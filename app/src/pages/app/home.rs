use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::app_chrome::SessionResource;

#[component]
pub fn HomePage() -> impl IntoView {
    let session = expect_context::<SessionResource>();
    view! {
        <Title text="Inbox" />
        <h1>"Inbox"</h1>
        <Suspense>
            {move || Suspend::new(async move {
                session.await.ok().flatten().map(|s| view! { <p class="muted">{format!("Signed in as {} at {}.", s.email, s.org_name)}</p> })
            })}
        </Suspense>
    }
}
