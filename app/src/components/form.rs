//! Form helpers shared by pages: the error of an action (with JavaScript) and of a plain
//! form post that came back refused (without).

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

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

/// The fixed message of a form posted without JavaScript that came back refused
/// (`?form_error=code`), if it was posted to `endpoint` (`?form_for=`). Never text from
/// the URL. For pages rendered on the server (it reads the URL once).
pub fn url_form_error(endpoint: &str) -> Option<&'static str> {
    use_query_map().with_untracked(|q| {
        let mine = q.get("form_for").is_some_and(|f| f == endpoint);
        q.get("form_error")
            .filter(|_| mine)
            .and_then(|code| AppError::message_for_code(&code))
    })
}

/// Shows [`url_form_error`] by the form that posts to `endpoint`.
#[component]
pub fn UrlFormError(endpoint: &'static str) -> impl IntoView {
    url_form_error(endpoint).map(|msg| view! { <p class="form-error" role="alert">{msg}</p> })
}

/// Endpoints whose page shows a refused no-JavaScript post by the form itself (with
/// [`UrlFormError`] or its own field messages); the app frame's banner shows any other.
/// An endpoint missing here is shown twice at worst, never not at all.
pub fn shown_by_its_form(endpoint: &str) -> bool {
    // team and numbers pages: every form; the lead page and the settings page's quick
    // replies: the forms they name (`pages/app/lead.rs`, `pages/app/settings.rs`).
    const PREFIXES: [&str; 2] = ["team/", "numbers/"];
    const ENDPOINTS: [&str; 9] = [
        "auth/change_password",
        "auth/switch_org",
        "evidence/retention",
        "leads/reply",
        "leads/update",
        "leads/book",
        "bookings/reschedule",
        "bookings/cancel",
        "quick_replies/save",
    ];
    PREFIXES.iter().any(|p| endpoint.starts_with(p)) || ENDPOINTS.contains(&endpoint)
}

#[cfg(test)]
mod tests {
    use super::shown_by_its_form;

    #[test]
    fn the_frame_banner_shows_what_no_form_shows() {
        assert!(shown_by_its_form("team/remove") && shown_by_its_form("numbers/add"));
        assert!(shown_by_its_form("leads/reply") && shown_by_its_form("bookings/cancel"));
        assert!(!shown_by_its_form("settings/save"));
        assert!(!shown_by_its_form("leads/somewhere_else"));
        assert!(!shown_by_its_form(""));
    }
}
