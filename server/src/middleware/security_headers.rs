//! Browser security headers on every response. The Content-Security-Policy allows scripts
//! only from our own origin plus the inline scripts Leptos writes (the hydration bootstrap,
//! streamed Suspense chunks, serialized resources), which carry this response's nonce:
//! a fresh random one per request, handed to the Leptos render through the request's
//! extensions (`provide_request_nonce`) so page and header always agree.
//! `'wasm-unsafe-eval'` lets the hydration bundle compile its WebAssembly; nothing may
//! frame us, post forms elsewhere, or load plugins. HSTS is sent only when the public URL
//! is https (a plain-http sandbox must stay reachable).

use std::sync::Arc;

use axum::{
    extract::{Request, State},
    http::{header, request::Parts, HeaderMap, HeaderValue},
    middleware::Next,
    response::Response,
};
use leptos::{
    nonce::Nonce,
    prelude::{provide_context, use_context},
};

#[derive(Debug, Clone)]
pub struct SecurityHeaders {
    /// Send Strict-Transport-Security (the public URL is https).
    pub hsts: bool,
    /// `cargo leptos watch` reloads the page over a websocket on another port.
    pub dev_reload: bool,
    /// Where the billing page's forms may lead: "Subscribe" and "Manage billing" post to
    /// us and are redirected to Stripe's Checkout or Billing Portal, and browsers hold a
    /// form's redirects to its page's `form-action` too. Only that page gets them.
    pub billing_form_targets: String,
}

/// The page whose forms are redirected to Stripe.
pub const BILLING_PAGE: &str = "/app/billing";

impl SecurityHeaders {
    pub fn new(public_base: &str) -> Self {
        Self {
            hsts: public_base.starts_with("https://"),
            dev_reload: std::env::var_os("LEPTOS_WATCH").is_some(),
            billing_form_targets: String::new(),
        }
    }

    /// [`new`](Self::new), with the origins the billing page's forms may be redirected to
    /// (only plain `scheme://host[:port]` origins are kept).
    pub fn with_billing_form_targets(mut self, origins: &[String]) -> Self {
        let clean: Vec<&str> = origins
            .iter()
            .map(String::as_str)
            .filter(|o| {
                (o.starts_with("https://") || o.starts_with("http://"))
                    && o.bytes().all(|b| b.is_ascii_alphanumeric() || b".:/-[]".contains(&b))
            })
            .collect();
        self.billing_form_targets = clean.join(" ");
        self
    }
}

pub const HSTS: &str = "max-age=31536000; includeSubDomains";

/// The policy for a response whose inline scripts carry `nonce`.
pub fn content_security_policy(nonce: &str, dev_reload: bool) -> String {
    content_security_policy_with_forms(nonce, dev_reload, "")
}

/// [`content_security_policy`] whose forms may also lead to `form_targets` (origins,
/// space-separated; empty: only our own).
pub fn content_security_policy_with_forms(nonce: &str, dev_reload: bool, form_targets: &str) -> String {
    let connect = if dev_reload { "'self' ws: wss:" } else { "'self'" };
    let form_action = if form_targets.is_empty() {
        "'self'".to_owned()
    } else {
        format!("'self' {form_targets}")
    };
    format!(
        "default-src 'self'; \
         script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; \
         img-src 'self' data:; \
         connect-src {connect}; \
         object-src 'none'; \
         base-uri 'self'; \
         form-action {form_action}; \
         frame-ancestors 'none'"
    )
}

/// The policy for answers that are never a page (provider callbacks, health checks): they
/// run no script and load nothing, so they need no nonce, and minting one per callback
/// would cost the webhook path for nothing.
pub const NO_CONTENT_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";

/// Paths that only ever answer machines, never a page.
fn machine_only(path: &str) -> bool {
    path.starts_with("/api/") || path == "/healthz" || path == "/readyz"
}

pub async fn apply(State(cfg): State<Arc<SecurityHeaders>>, mut req: Request, next: Next) -> Response {
    if machine_only(req.uri().path()) {
        let mut res = next.run(req).await;
        set_headers(res.headers_mut(), NO_CONTENT_POLICY, cfg.hsts);
        return res;
    }
    let nonce = Nonce::new();
    let csp = if req.uri().path() == BILLING_PAGE {
        content_security_policy_with_forms(&nonce, cfg.dev_reload, &cfg.billing_form_targets)
    } else {
        content_security_policy(&nonce, cfg.dev_reload)
    };
    req.extensions_mut().insert(nonce);
    let mut res = next.run(req).await;
    set_headers(res.headers_mut(), &csp, cfg.hsts);
    res
}

fn set_headers(h: &mut HeaderMap, csp: &str, hsts: bool) {
    let csp = if csp == NO_CONTENT_POLICY {
        Ok(HeaderValue::from_static(NO_CONTENT_POLICY))
    } else {
        HeaderValue::from_str(csp)
    };
    if let Ok(v) = csp {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if hsts {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
    }
}

/// For the Leptos handlers' context: the nonce [`apply`] put in this request's policy, so
/// `HydrationScripts` and the streamed chunks use it (instead of Leptos' own, which the
/// policy would not name).
pub fn provide_request_nonce() {
    if let Some(nonce) = use_context::<Parts>().and_then(|p| p.extensions.get::<Nonce>().cloned()) {
        provide_context(nonce);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn directives(csp: &str) -> Vec<&str> {
        csp.split(';').map(str::trim).collect()
    }

    #[test]
    fn the_policy_allows_our_scripts_and_wasm_and_nothing_else() {
        let csp = content_security_policy("abc123_-", false);
        let d = directives(&csp);
        for want in [
            "default-src 'self'",
            "script-src 'self' 'nonce-abc123_-' 'wasm-unsafe-eval'",
            "style-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ] {
            assert!(d.contains(&want), "missing {want:?} in {csp}");
        }
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert!(!csp.contains("'unsafe-eval'"), "{csp}");
        assert!(!csp.contains('*'), "{csp}");
        assert!(HeaderValue::from_str(&csp).is_ok());
        assert!(content_security_policy("n", true).contains("connect-src 'self' ws: wss:"));
    }

    #[test]
    fn each_nonce_is_fresh_and_fits_a_policy() {
        let (a, b) = (Nonce::new(), Nonce::new());
        assert_ne!(a, b);
        assert!(a.len() >= 16);
        assert!(
            a.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "{a}"
        );
    }

    #[test]
    fn only_the_billing_page_may_send_its_forms_on_to_stripe() {
        let cfg = SecurityHeaders::new("https://calls.example.com").with_billing_form_targets(&[
            "https://checkout.stripe.com".to_owned(),
            "https://billing.stripe.com".to_owned(),
            "http://127.0.0.1:4242".to_owned(),
            "https://evil.example; script-src *".to_owned(),
        ]);
        assert_eq!(
            cfg.billing_form_targets,
            "https://checkout.stripe.com https://billing.stripe.com http://127.0.0.1:4242"
        );
        let csp = content_security_policy_with_forms("n", false, &cfg.billing_form_targets);
        assert!(csp.contains(
            "form-action 'self' https://checkout.stripe.com https://billing.stripe.com http://127.0.0.1:4242;"
        ));
        assert!(content_security_policy("n", false).contains("form-action 'self';"));
    }

    #[test]
    fn hsts_only_for_an_https_public_url() {
        let mut h = HeaderMap::new();
        set_headers(
            &mut h,
            "default-src 'self'",
            SecurityHeaders::new("http://127.0.0.1:3000").hsts,
        );
        assert!(h.get(header::STRICT_TRANSPORT_SECURITY).is_none());
        assert_eq!(h.get(header::X_CONTENT_TYPE_OPTIONS).unwrap(), "nosniff");
        assert_eq!(h.get(header::X_FRAME_OPTIONS).unwrap(), "DENY");
        let mut h = HeaderMap::new();
        set_headers(
            &mut h,
            "default-src 'self'",
            SecurityHeaders::new("https://calls.example.com").hsts,
        );
        assert_eq!(h.get(header::STRICT_TRANSPORT_SECURITY).unwrap(), HSTS);
    }
}
