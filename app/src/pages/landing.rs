//! The public landing page. It loads no wasm: the estimator is rendered on the server and
//! recomputed in the browser by `public/estimator.js` (a few hundred bytes of plain
//! JavaScript, the same formula) as the visitor types.

use leptos::prelude::*;
use leptos_meta::Title;

/// Share of missed callers who call the next contractor on the list instead of waiting.
const LOST_TO_COMPETITOR: f64 = 0.62;

#[component]
pub fn LandingPage() -> impl IntoView {
    view! {
        <Title text="Missed-call recovery for HVAC contractors" />
        <section class="hero">
            <p class="eyebrow">"Residential HVAC missed-call recovery"</p>
            <h1>"Keep working. We'll handle the callback."</h1>
            <p class="lede">
                "A homeowner with a dead furnace calls. Your office is on a roof or on another line. "
                "CallSnare rings your team first, notices within a second that nobody answered, "
                "texts the caller back and puts the lead in a live inbox your office works from."
            </p>
            <div class="hero-actions">
                <a class="button" href="/login">"Sign in"</a>
                <a class="button button-ghost" href="#how-it-works">"See how it works"</a>
            </div>
        </section>
        <MissedCallEstimator />
        <section class="steps" id="how-it-works">
            <h2>"How it works"</h2>
            <ol>
                <li>
                    <h3>"Calls ring your office first"</h3>
                    <p>"Your tracked business number forwards to the phones you choose, all at once, with the caller's number shown."</p>
                </li>
                <li>
                    <h3>"Nobody picks up? We text back"</h3>
                    <p>"No answer, busy or after hours: one friendly text goes out right away — never two for the same call, never to someone who said STOP."</p>
                </li>
                <li>
                    <h3>"Your team works the lead"</h3>
                    <p>"Replies land in a live inbox with the whole call and text history, ready to book the job."</p>
                </li>
            </ol>
        </section>
        <section class="landing-docs" aria-labelledby="landing-docs-title">
            <h2 id="landing-docs-title">"Open about how it works"</h2>
            <p>
                "How your account, your callers and your records are kept safe, what each role on your team can do, and how your other software can connect: all public, no sign-in needed."
            </p>
            <p class="landing-docs-links">
                <a class="button button-ghost" href="/docs">"Read the docs"</a>
                <a href="/docs/security">"Security"</a>
                <a href="/docs/permissions">"Permissions"</a>
                <a href="/docs/agent-access">"Connecting your software"</a>
            </p>
        </section>
    }
}

/// Rendered with the default figures; `public/estimator.js` recomputes the result from the
/// two inputs (found by their `name`s) into `[data-testid=revenue-at-risk]`, with the same
/// formula, clamping and rounding as [`estimate`].
#[component]
fn MissedCallEstimator() -> impl IntoView {
    const MISSED_PER_WEEK: u32 = 8;
    const JOB_VALUE: u32 = 450;
    view! {
        <section class="estimator card" aria-labelledby="estimator-title">
            <h2 id="estimator-title">"What do missed calls cost you?"</h2>
            <div class="estimator-fields">
                <label>
                    "Missed calls per week"
                    <input type="number" name="missed_per_week" min="0" max="500" value=MISSED_PER_WEEK.to_string() />
                </label>
                <label>
                    "Average job value ($)"
                    <input type="number" name="job_value" min="0" max="50000" value=JOB_VALUE.to_string() />
                </label>
            </div>
            <p class="estimator-result">
                "Revenue at risk each year: "
                <strong data-testid="revenue-at-risk">{estimate(MISSED_PER_WEEK, JOB_VALUE)}</strong>
            </p>
            <p class="muted small">"Assumes most missed callers phone the next contractor instead of waiting."</p>
        </section>
        <script src="/estimator.js" defer></script>
    }
}

/// Yearly revenue at risk, as dollars: missed calls a week × 52 × job value × the share
/// lost to a competitor. `public/estimator.js` computes the same in the browser.
fn estimate(missed_per_week: u32, job_value: u32) -> String {
    format_dollars(f64::from(missed_per_week) * 52.0 * f64::from(job_value) * LOST_TO_COMPETITOR)
}

fn format_dollars(amount: f64) -> String {
    let whole = amount.round().max(0.0) as u64;
    let digits = whole.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    format!("${out}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dollars_are_grouped_by_thousands() {
        assert_eq!(format_dollars(0.0), "$0");
        assert_eq!(format_dollars(999.4), "$999");
        assert_eq!(format_dollars(1000.0), "$1,000");
        assert_eq!(format_dollars(116_064.0), "$116,064");
        assert_eq!(format_dollars(1_234_567.0), "$1,234,567");
    }

    #[test]
    fn the_estimate_matches_what_the_browser_script_computes() {
        // the figures end2end/tests/landing.test.mjs types into the form
        assert_eq!(estimate(8, 450), "$116,064");
        assert_eq!(estimate(10, 450), "$145,080");
        assert_eq!(estimate(10, 1000), "$322,400");
        assert_eq!(estimate(0, 450), "$0");
    }
}
