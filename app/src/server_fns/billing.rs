//! Billing (owners only): the billing page's state, and its two buttons. "Subscribe"
//! creates a Stripe Checkout Session for the org and "Manage billing" a Billing Portal
//! session, then sends the owner there (a plain form post answered with a redirect; any
//! other caller gets the URL). Without `STRIPE_SECRET_KEY` both are refused with a plain
//! explanation, and the page says billing is not configured.

use leptos::prelude::*;

use crate::{
    error::AppError,
    models::billing::{BillingRedirectView, BillingView},
};

/// The org's plan, status, period, cancellation, what billing allows now, and its invoices.
#[server(prefix = "/rpc", endpoint = "billing/page")]
pub async fn billing_page() -> Result<BillingView, AppError> {
    use crate::{
        domain::permission::Action,
        ssr::{
            clock::now_ms,
            context::{internal, require_staff},
            services::billing,
            state::AppState,
        },
    };
    // context first: the request's owner may change while this is in flight
    let state = expect_context::<AppState>();
    let me = require_staff(Action::ManageBilling).await?;
    let mut conn = state.db.acquire().await.map_err(internal)?;
    billing::page(
        &mut conn,
        me.org(),
        state.stripe.as_deref(),
        state.core.billing,
        now_ms(),
    )
    .await
    .map_err(internal)
}

/// Starts a Stripe Checkout Session subscribing the org to the configured price and sends
/// the owner to it.
#[server(prefix = "/rpc", endpoint = "billing/checkout")]
pub async fn start_checkout() -> Result<BillingRedirectView, AppError> {
    use crate::{
        domain::permission::Action,
        ssr::{
            audit::AuditAction,
            context::{fail, internal, require_staff},
            services::billing::{self, CheckoutRequest},
            state::AppState,
        },
    };
    let state = expect_context::<AppState>();
    let me = require_staff(Action::ManageBilling).await?;
    let Some(stripe) = state.stripe.clone().filter(|s| s.checkout_configured()) else {
        return Err(fail(support::not_configured()));
    };
    let (org_slug, customer) = {
        let mut conn = state.db.acquire().await.map_err(internal)?;
        billing::session_facts(&mut conn, me.org()).await.map_err(internal)?
    };
    let req = CheckoutRequest {
        org_slug,
        customer,
        success_url: format!("{}/app/billing?checkout=done", state.public_base),
        cancel_url: format!("{}/app/billing?checkout=cancelled", state.public_base),
    };
    let session = stripe.create_checkout_session(&req).await.map_err(support::refused)?;
    support::record(&state, &me, AuditAction::BillingCheckoutStarted, &session.id).await?;
    Ok(support::send_to(session.url))
}

/// Opens Stripe's Billing Portal for the org's customer (payment method, invoices,
/// cancellation) and sends the owner to it; it returns them to the billing page.
#[server(prefix = "/rpc", endpoint = "billing/portal")]
pub async fn open_billing_portal() -> Result<BillingRedirectView, AppError> {
    use crate::{
        domain::permission::Action,
        ssr::{
            audit::AuditAction,
            context::{fail, internal, require_staff},
            services::billing,
            state::AppState,
        },
    };
    let state = expect_context::<AppState>();
    let me = require_staff(Action::ManageBilling).await?;
    let Some(stripe) = state.stripe.clone() else {
        return Err(fail(support::not_configured()));
    };
    let customer = {
        let mut conn = state.db.acquire().await.map_err(internal)?;
        billing::session_facts(&mut conn, me.org()).await.map_err(internal)?.1
    };
    let Some(customer) = customer else {
        return Err(fail(AppError::Conflict(
            "This organisation has no Stripe customer yet: subscribe first.".to_owned(),
        )));
    };
    let return_url = format!("{}/app/billing", state.public_base);
    let session = stripe
        .create_portal_session(&customer, &return_url)
        .await
        .map_err(support::refused)?;
    support::record(&state, &me, AuditAction::BillingPortalOpened, &session.id).await?;
    Ok(support::send_to(session.url))
}

#[cfg(feature = "ssr")]
mod support {
    use crate::{
        error::AppError,
        models::billing::BillingRedirectView,
        ssr::{
            actor::StaffActor,
            audit::AuditAction,
            clock::now_ms,
            context::{fail, internal, wants_html},
            live::Effects,
            services::billing::{self, StripeApiError},
            state::AppState,
        },
    };

    pub fn not_configured() -> AppError {
        AppError::Conflict("Billing is not configured on this server (no Stripe secret key).".to_owned())
    }

    pub fn refused(e: StripeApiError) -> AppError {
        match e {
            StripeApiError::NotConfigured => fail(not_configured()),
            // the detail (never the key) goes to the log only
            StripeApiError::Failed(detail) => internal(format!("Stripe session: {detail}")),
        }
    }

    /// The owner was sent to Stripe: one audit record (actor: the owner).
    pub async fn record(
        state: &AppState,
        me: &StaffActor,
        action: AuditAction,
        session_id: &str,
    ) -> Result<(), AppError> {
        let acting = me.acting();
        let org = me.org().to_owned();
        let session = session_id.to_owned();
        state
            .core
            .commit(move |conn| {
                Box::pin(async move {
                    billing::record_session(conn, &acting, action, &org, &session, now_ms()).await?;
                    Ok(((), Effects::default()))
                })
            })
            .await
            .map_err(internal)
    }

    /// A browser's plain form is redirected to Stripe; any other caller gets the URL.
    pub fn send_to(url: String) -> BillingRedirectView {
        if wants_html() {
            leptos_axum::redirect(&url);
        }
        BillingRedirectView { url }
    }
}
