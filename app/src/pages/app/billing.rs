//! Billing (owners only): the plan, the subscription's status, when the period ends or the
//! subscription cancels, what billing allows right now (automated texts working or
//! paused, and why), and the invoices with links to Stripe's hosted pages.
//!
//! A server component with no island (no wasm): "Subscribe" and "Manage billing" are plain
//! form posts to `/rpc/billing/checkout` and `/rpc/billing/portal`, which the server answers
//! with a redirect to Stripe (this page's `form-action` allows Stripe's origins, see
//! `server::middleware::security_headers`). Stripe sends the owner back with
//! `?checkout=done` or `?checkout=cancelled`. Without a Stripe secret key the page says
//! billing is not configured instead of offering buttons that cannot work.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    models::billing::{BillingView, InvoiceView},
    server_fns::billing::billing_page,
};

#[component]
pub fn BillingPage() -> impl IntoView {
    let back = use_query_map().with_untracked(|q| {
        if q.get("form_error").is_some() {
            return None;
        }
        match q.get("checkout").as_deref() {
            Some("done") => Some((
                "form-ok",
                "Thank you. Your subscription shows here as soon as Stripe confirms it (usually within a minute).",
            )),
            Some("cancelled") => Some(("muted", "Checkout was cancelled: nothing was charged.")),
            _ => None,
        }
    });
    let billing = Resource::new(|| (), |_| billing_page());
    view! {
        <Title text="Billing" />
        <h1>"Billing"</h1>
        {back.map(|(class, text)| view! { <p class=class role="status">{text}</p> })}
        <Suspense fallback=|| view! { <p class="muted">"Loading billing…"</p> }>
            {move || Suspend::new(async move {
                match billing.await {
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                    Ok(state) => view! { <Billing state /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Billing(state: BillingView) -> impl IntoView {
    let BillingView {
        status,
        status_label,
        plan,
        period_end_label,
        cancel_at_period_end,
        trial_end_label,
        texting_paused,
        reason,
        explanation,
        grace_ends_label,
        invoices,
        stripe_configured,
        can_subscribe,
        can_manage,
    } = state;
    let period = period_end_label.map(|end| {
        if cancel_at_period_end {
            ("Cancels on", end)
        } else if status == "canceled" {
            ("Ended", end)
        } else {
            ("Renews on", end)
        }
    });
    let state_class = if texting_paused {
        "form-error"
    } else if status == "past_due" {
        "warning"
    } else {
        "muted"
    };
    let grace = grace_ends_label.map(|end| format!("Grace period ends {end}."));
    let state_role = texting_paused.then_some("alert");
    let texting = if texting_paused { "Paused" } else { "Working" };
    view! {
        <section class="card billing-summary" aria-labelledby="billing-plan" data-billing-status=status.clone()
            data-texting-paused=texting_paused.to_string() data-reason=reason>
            <h2 id="billing-plan">{plan.clone().unwrap_or_else(|| "No plan".to_owned())}</h2>
            <dl class="doc-facts billing-facts">
                <dt>"Status"</dt>
                <dd data-billing-field="status">{status_label}</dd>
                {period.map(|(what, when)| view! {
                    <dt>{what}</dt>
                    <dd data-billing-field="period-end">{when}</dd>
                })}
                {trial_end_label.map(|end| view! {
                    <dt>"Trial ends"</dt>
                    <dd>{end}</dd>
                })}
                <dt>"Automated texts"</dt>
                <dd data-billing-field="texting">{texting}</dd>
            </dl>
            <p class=state_class role=state_role>
                {explanation}
                {grace.map(|g| view! { " " {g} })}
            </p>
            <p class="muted small">
                "Whatever billing says, calls are always forwarded, leads and evidence recorded, and the inbox works; only automated texts (text-backs and escalation texts) can pause."
            </p>
        </section>
        <Actions stripe_configured can_subscribe can_manage />
        <Invoices invoices />
    }
}

#[component]
fn Actions(stripe_configured: bool, can_subscribe: bool, can_manage: bool) -> impl IntoView {
    if !stripe_configured {
        return view! {
            <section class="card billing-actions">
                <h2>"Subscription"</h2>
                <p class="muted" data-billing-not-configured="">
                    "Billing is not configured on this server: there is no Stripe secret key, so subscribing and managing billing are not available here. A self-hosted office is not billed; if you expected to subscribe, ask whoever runs this server."
                </p>
            </section>
        }
        .into_any();
    }
    let subscribe = can_subscribe.then(|| {
        view! {
            <form method="post" action="/rpc/billing/checkout">
                <button type="submit" class="button">"Subscribe"</button>
            </form>
        }
    });
    let manage = can_manage.then(|| {
        view! {
            <form method="post" action="/rpc/billing/portal">
                <button type="submit" class="button button-ghost">"Manage billing"</button>
            </form>
        }
    });
    let nothing = (!can_subscribe && !can_manage).then(|| {
        view! {
            <p class="muted">"Nothing to do here right now: your subscription is handled through Stripe."</p>
        }
    });
    view! {
        <section class="card billing-actions">
            <h2>"Subscription"</h2>
            <p class="muted small">
                "Subscribing and managing billing (payment method, invoices, cancellation) happen on Stripe's own pages; you come back here afterwards."
            </p>
            <div class="row-actions">{subscribe} {manage}</div>
            {nothing}
        </section>
    }
    .into_any()
}

#[component]
fn Invoices(invoices: Vec<InvoiceView>) -> impl IntoView {
    if invoices.is_empty() {
        return view! { <p class="empty">"No invoices yet."</p> }.into_any();
    }
    view! {
        <section aria-labelledby="invoices-heading">
            <h2 id="invoices-heading">"Invoices"</h2>
            <table class="table billing-invoices">
                <thead>
                    <tr>
                        <th scope="col">"Invoice"</th>
                        <th scope="col">"Date"</th>
                        <th scope="col">"Period"</th>
                        <th scope="col">"Amount"</th>
                        <th scope="col">"Status"</th>
                    </tr>
                </thead>
                <tbody>
                    {invoices
                        .into_iter()
                        .map(|i| {
                            let number = i.number.clone();
                            let link = i.hosted_invoice_url.clone().map(|href| {
                                view! {
                                    <a href=href rel="noopener noreferrer">{format!("Invoice {number}")}</a>
                                }
                                .into_any()
                            });
                            view! {
                                <tr class="billing-invoice" data-invoice-id=i.id.clone()>
                                    <td data-label="Invoice">
                                        {link.unwrap_or_else(|| view! { <span>{i.number.clone()}</span> }.into_any())}
                                    </td>
                                    <td data-label="Date">{i.date_label.clone()}</td>
                                    <td data-label="Period">{i.period_label.clone().unwrap_or_default()}</td>
                                    <td data-label="Amount">{i.amount_label.clone()}</td>
                                    <td data-label="Status">{i.status.clone()}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </section>
    }
    .into_any()
}
