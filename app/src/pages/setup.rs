//! First run (`/setup`): create the first organisation and owner, with the token from the
//! server log. A plain form post (this page loads no wasm): a refusal comes back as
//! `?form_error=code&form_field=…&form_for=setup/complete` with what was typed in the
//! fields that are not secret, so the form is shown again filled in, with the reason by
//! the field it concerns. The setup token and the password are never sent back.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    domain::limits::{EMAIL_MAX, PASSWORD_MAX},
    error::AppError,
    server_fns::setup::{setup_needed, CompleteSetup},
};

/// The zones most of our customers are in, first in the list.
const US_TIMEZONES: [(&str, &str); 7] = [
    ("America/New_York", "Eastern: New York"),
    ("America/Chicago", "Central: Chicago"),
    ("America/Denver", "Mountain: Denver"),
    ("America/Phoenix", "Mountain, no daylight saving: Phoenix"),
    ("America/Los_Angeles", "Pacific: Los Angeles"),
    ("America/Anchorage", "Alaska: Anchorage"),
    ("Pacific/Honolulu", "Hawaii: Honolulu"),
];

const DEFAULT_TIMEZONE: &str = "America/Chicago";

/// Every other IANA zone, by name: the tz database's `Area/City` zones (not the legacy
/// aliases such as `US/Eastern` or `Etc/GMT+5`). The database lives on the server only,
/// and this page is rendered there (it has no island).
fn other_timezones() -> Vec<&'static str> {
    #[cfg(feature = "ssr")]
    {
        const LEGACY: [&str; 6] = ["Etc/", "US/", "Canada/", "Brazil/", "Chile/", "Mexico/"];
        let mut names: Vec<&'static str> = chrono_tz::TZ_VARIANTS
            .iter()
            .map(|tz| tz.name())
            .filter(|name| name.contains('/') && !LEGACY.iter().any(|p| name.starts_with(p)))
            .filter(|name| !US_TIMEZONES.iter().any(|(us, _)| us == name))
            .collect();
        names.sort_unstable();
        names
    }
    #[cfg(not(feature = "ssr"))]
    {
        Vec::new()
    }
}

/// What a refused post came back with (all from the URL; messages are our own).
#[derive(Debug, Clone, Default, PartialEq)]
struct Returned {
    /// The error's fixed message, for a refusal not tied to one field.
    message: Option<&'static str>,
    /// The fields to fix, each with its hint.
    fields: Vec<&'static str>,
    org_name: String,
    slug: String,
    timezone: String,
    email: String,
}

/// A field name from the URL, as our own `&'static str` (anything else is dropped).
fn field_name(f: &str) -> Option<&'static str> {
    ["setup_token", "org_name", "slug", "timezone", "email", "password"]
        .into_iter()
        .find(|known| *known == f)
}

/// What each field wants, under a field the last post refused.
fn field_hint(field: &str, code: &str) -> &'static str {
    match (field, code) {
        ("setup_token", _) => "That setup token is not valid. Use the one printed in the server log at start-up.",
        ("org_name", _) => "Write your business name (1 to 120 characters).",
        ("slug", "conflict") => "That short name is taken. Choose another.",
        ("slug", _) => "2 to 48 of a-z, 0-9 and -, not starting or ending with -.",
        ("timezone", _) => "Choose your timezone from the list.",
        ("email", _) => "Write an email address such as owner@example.com.",
        _ => "At least 12 characters.",
    }
}

#[component]
pub fn SetupPage() -> impl IntoView {
    let returned = use_query_map().with_untracked(|q| {
        let get = |k: &str| q.get(k).unwrap_or_default();
        let code = get("form_error");
        let fields: Vec<&'static str> = get("form_field").split(',').filter_map(field_name).collect();
        Returned {
            message: AppError::message_for_code(&code).filter(|_| fields.is_empty()),
            fields,
            org_name: get("org_name"),
            slug: get("slug"),
            timezone: get("timezone"),
            email: get("email"),
        }
    });
    let code = use_query_map().with_untracked(|q| q.get("form_error").unwrap_or_default());
    let needed = Resource::new(|| (), |_| setup_needed());
    view! {
        <Title text="Set up CallSnare" />
        <section class="auth-card card">
            <h1>"Set up CallSnare"</h1>
            <Suspense>
                {move || {
                    let (returned, code) = (returned.clone(), code.clone());
                    Suspend::new(async move {
                        if needed.await.unwrap_or(false) {
                            view! { <SetupForm returned code /> }.into_any()
                        } else {
                            view! { <p>"Setup is complete. "<a href="/login">"Sign in"</a>"."</p> }.into_any()
                        }
                    })
                }}
            </Suspense>
        </section>
    }
}

#[component]
fn SetupForm(returned: Returned, code: String) -> impl IntoView {
    let setup = ServerAction::<CompleteSetup>::new();
    let Returned {
        message,
        fields,
        org_name,
        slug,
        timezone,
        email,
    } = returned;
    let selected = if timezone.is_empty() {
        DEFAULT_TIMEZONE.to_owned()
    } else {
        timezone
    };
    // The form's children are rendered by a closure that must own what it reads: stored
    // values are `Copy`, so each helper below is too.
    let any_bad = !fields.is_empty();
    let (fields, code) = (StoredValue::new(fields), StoredValue::new(code));
    let bad = move |field: &'static str| fields.with_value(|f| f.contains(&field));
    let hint = move |field: &'static str| {
        bad(field).then(|| {
            view! { <p class="field-error" id=format!("{field}-error")>{code.with_value(|c| field_hint(field, c))}</p> }
        })
    };
    let invalid = move |field: &'static str| bad(field).then_some("true");
    let described = move |field: &'static str| bad(field).then(|| format!("{field}-error"));
    let summary = any_bad.then(|| {
        view! { <p class="form-error" role="alert">"Nothing was set up yet. Please check the fields marked below."</p> }
    });
    let us = US_TIMEZONES
        .iter()
        .map(|(zone, label)| view! { <option value=*zone selected=selected == *zone>{*label}</option> })
        .collect_view();
    let others = other_timezones()
        .into_iter()
        .map(|zone| view! { <option value=zone selected=selected == zone>{zone}</option> })
        .collect_view();
    view! {
        <p class="muted small">"Enter the setup token printed in the server log at start-up."</p>
        {summary}
        {message.map(|msg| view! { <p class="form-error" role="alert">{msg}</p> })}
        <ActionForm action=setup attr:class="setup-form">
            <label>
                "Setup token"
                <input type="text" name="setup_token" required autocomplete="off"
                    aria-invalid=invalid("setup_token") aria-describedby=described("setup_token") />
            </label>
            {hint("setup_token")}
            <label>
                "Business name"
                <input type="text" name="org_name" required maxlength="120" value=org_name
                    aria-invalid=invalid("org_name") aria-describedby=described("org_name") />
            </label>
            {hint("org_name")}
            <label>
                "Short name (a-z, 0-9, -)"
                // `\-`: Chromium compiles `pattern` with the `v` flag, where a bare `-` in a class is an error.
                <input type="text" name="slug" required pattern="[a-z0-9\\-]{2,48}" value=slug autocomplete="off"
                    aria-invalid=invalid("slug") aria-describedby=described("slug") />
            </label>
            {hint("slug")}
            <label>
                "Timezone"
                <select name="timezone" required aria-invalid=invalid("timezone") aria-describedby=described("timezone")>
                    <optgroup label="United States">{us}</optgroup>
                    <optgroup label="All timezones">{others}</optgroup>
                </select>
            </label>
            {hint("timezone")}
            <label>
                "Your email"
                <input type="email" name="email" required maxlength=EMAIL_MAX value=email autocomplete="username"
                    aria-invalid=invalid("email") aria-describedby=described("email") />
            </label>
            {hint("email")}
            <label>
                "Password (at least 12 characters)"
                <input type="password" name="password" minlength="12" maxlength=PASSWORD_MAX required autocomplete="new-password"
                    aria-invalid=invalid("password") aria-describedby=described("password") />
            </label>
            {hint("password")}
            <button type="submit" class="button">"Create organisation"</button>
        </ActionForm>
    }
}

#[cfg(test)]
mod tests {
    use super::{field_hint, field_name};

    #[test]
    fn only_our_field_names_come_back_from_the_url() {
        assert_eq!(field_name("timezone"), Some("timezone"));
        assert_eq!(field_name("<script>"), None);
        assert_eq!(
            field_hint("slug", "conflict"),
            "That short name is taken. Choose another."
        );
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn the_timezone_list_offers_only_zones_the_server_accepts() {
        let others = super::other_timezones();
        assert!(others.contains(&"Europe/London") && others.contains(&"America/Toronto"));
        assert!(others.len() > 300, "every zone: {}", others.len());
        assert!(!others.contains(&"America/Chicago"), "US zones are listed once, first");
        assert!(!others.iter().any(|z| z.starts_with("US/") || z.starts_with("Etc/")));
        for zone in others {
            assert!(crate::domain::OrgTimezone::parse(zone).is_ok(), "{zone}");
        }
        for (zone, _) in super::US_TIMEZONES {
            assert!(crate::domain::OrgTimezone::parse(zone).is_ok(), "{zone}");
        }
    }
}
