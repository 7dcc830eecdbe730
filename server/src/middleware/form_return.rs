//! A form posted without JavaScript is answered with a redirect: when the server function
//! succeeds without naming a page, leptos_axum sends the browser back to the `Referer`. After
//! an earlier refusal that page's URL still carries `form_error`, `form_field` and
//! `form_for`, so the success would land on the old error banner. This drops those
//! parameters from the `Referer` of every server-function POST before the handler sees it
//! (`app::ssr::context` builds its refusal redirects from the same header, so both agree).

use app::domain::form_return::{without_params, FORM_PARAMS};
use axum::{
    extract::Request,
    http::{header, HeaderValue, Method},
    middleware::Next,
    response::Response,
};

pub async fn strip_stale_form_params(mut req: Request, next: Next) -> Response {
    if req.method() == Method::POST && req.uri().path().starts_with("/rpc/") {
        let cleaned = req
            .headers()
            .get(header::REFERER)
            .and_then(|v| v.to_str().ok())
            .and_then(cleaned_referer);
        if let Some(value) = cleaned.and_then(|c| HeaderValue::from_str(&c).ok()) {
            req.headers_mut().insert(header::REFERER, value);
        }
    }
    next.run(req).await
}

/// The referer without the no-JS error parameters, or `None` when it has none to drop.
fn cleaned_referer(referer: &str) -> Option<String> {
    let (_, query) = referer.split_once('?')?;
    if !query
        .split('&')
        .any(|kv| FORM_PARAMS.contains(&kv.split_once('=').map_or(kv, |(k, _)| k)))
    {
        return None;
    }
    // scheme://host stays as it is; only the path and query are rewritten
    let path_start = match referer.find("://") {
        Some(i) => i + 3 + referer[i + 3..].find('/')?,
        None => referer.find('/')?,
    };
    let (origin, path_and_query) = referer.split_at(path_start);
    Some(format!("{origin}{}", without_params(path_and_query, &FORM_PARAMS)))
}

#[cfg(test)]
mod tests {
    use super::cleaned_referer;

    #[test]
    fn only_the_form_error_parameters_are_dropped() {
        assert_eq!(cleaned_referer("http://127.0.0.1:3000/app/team"), None);
        assert_eq!(cleaned_referer("http://127.0.0.1:3000/app?status=new"), None);
        assert_eq!(
            cleaned_referer("http://127.0.0.1:3000/app/team?form_error=invalid&form_for=team/add").as_deref(),
            Some("http://127.0.0.1:3000/app/team")
        );
        assert_eq!(
            cleaned_referer(
                "https://callsnare.test/app/numbers?edit=num_1&form_error=invalid&form_field=label&form_for=numbers/update"
            )
            .as_deref(),
            Some("https://callsnare.test/app/numbers?edit=num_1")
        );
        // no path to rewrite
        assert_eq!(cleaned_referer("https://callsnare.test?form_error=x"), None);
    }
}
