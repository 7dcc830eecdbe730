//! Form helpers shared by pages.

use leptos::prelude::*;

use crate::error::AppError;

/// Shows the error of the last submission of an action, if any.
#[component]
pub fn FormError<T: Send + Sync + Clone + 'static>(
    #[prop(into)] result: Signal<Option<Result<T, AppError>>>,
) -> impl IntoView {
    move || {
        result.with(|r| match r {
            Some(Err(e)) => Some(view! { <p class="form-error" role="alert">{e.to_string()}</p> }),
            _ => None,
        })
    }
}
