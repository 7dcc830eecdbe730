//! The no-JavaScript form round trip. A plain form post to a server function that is
//! refused goes back to its page with `?form_error=<code>&form_field=<names>&form_for=<endpoint>`
//! (`ssr::context::fail_fields`), and the page shows the error by the form named in
//! `form_for`. A later post from that page must not carry the old error along, so these
//! parameters are dropped from where the browser came from before it is redirected back.

/// The query parameters of a refused plain form post.
pub const FORM_PARAMS: [&str; 4] = ["form_error", "form_field", "form_for", "form_done"];

/// `path_and_query` without the query parameters named in `keys` (exact key match; the
/// order of the others is kept, and a query left empty is dropped with its `?`).
pub fn without_params(path_and_query: &str, keys: &[&str]) -> String {
    let Some((path, query)) = path_and_query.split_once('?') else {
        return path_and_query.to_owned();
    };
    let kept: Vec<&str> = query
        .split('&')
        .filter(|kv| !kv.is_empty())
        .filter(|kv| {
            let key = kv.split_once('=').map_or(*kv, |(k, _)| k);
            !keys.contains(&key)
        })
        .collect();
    if kept.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", kept.join("&"))
    }
}

/// The endpoint of a server-function path (`/rpc/team/add` → `team/add`), as `form_for`
/// carries it: only `a-z`, `/`, `_` and `-`, so it is safe in a URL and a header as is.
pub fn endpoint_of(path: &str) -> Option<&str> {
    let endpoint = path.strip_prefix("/rpc/")?;
    let plain = !endpoint.is_empty()
        && endpoint.len() <= 64
        && endpoint
            .bytes()
            .all(|b| b.is_ascii_lowercase() || matches!(b, b'/' | b'_' | b'-'));
    plain.then_some(endpoint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_form_errors_are_dropped_and_the_rest_kept() {
        assert_eq!(without_params("/app/team", &FORM_PARAMS), "/app/team");
        assert_eq!(
            without_params("/app/team?form_error=invalid&form_for=team/add", &FORM_PARAMS),
            "/app/team"
        );
        assert_eq!(
            without_params(
                "/app/numbers?edit=num_1&form_error=invalid&form_field=label&form_for=numbers/update",
                &FORM_PARAMS
            ),
            "/app/numbers?edit=num_1"
        );
        assert_eq!(
            without_params("/app?status=new&form_error=conflict&q=Jane", &FORM_PARAMS),
            "/app?status=new&q=Jane"
        );
        // a key that only starts like one of ours is someone else's
        assert_eq!(
            without_params("/app?form_errors=1&form_for=x", &FORM_PARAMS),
            "/app?form_errors=1"
        );
        assert_eq!(
            without_params("/setup?slug=acme&email=a%40b.c", &["slug"]),
            "/setup?email=a%40b.c"
        );
    }

    #[test]
    fn only_plain_endpoints_are_named() {
        assert_eq!(endpoint_of("/rpc/team/add"), Some("team/add"));
        assert_eq!(endpoint_of("/rpc/auth/change_password"), Some("auth/change_password"));
        assert_eq!(endpoint_of("/rpc/"), None);
        assert_eq!(endpoint_of("/app/team"), None);
        assert_eq!(endpoint_of("/rpc/team/add?x=<script>"), None);
        assert_eq!(endpoint_of("/rpc/Team/Add"), None);
        assert_eq!(endpoint_of("/rpc/leads/reply%0d%0a"), None);
    }
}
