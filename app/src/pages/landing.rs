//! The public landing page. The estimator is the first thing that proves hydration works:
//! it is rendered on the server and recomputes in the browser as the visitor types.

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
    }
}

#[component]
fn MissedCallEstimator() -> impl IntoView {
    let (missed_per_week, set_missed_per_week) = signal(8u32);
    let (job_value, set_job_value) = signal(450u32);
    let at_risk = Memo::new(move |_| {
        let yearly = f64::from(missed_per_week.get()) * 52.0 * f64::from(job_value.get()) * LOST_TO_COMPETITOR;
        format_dollars(yearly)
    });

    view! {
        <section class="estimator card" aria-labelledby="estimator-title">
            <h2 id="estimator-title">"What do missed calls cost you?"</h2>
            <div class="estimator-fields">
                <label>
                    "Missed calls per week"
                    <input
                        type="number"
                        name="missed_per_week"
                        min="0"
                        max="500"
                        prop:value=move || missed_per_week.get().to_string()
                        on:input=move |ev| set_missed_per_week.set(parse_count(&event_target_value(&ev), 500))
                    />
                </label>
                <label>
                    "Average job value ($)"
                    <input
                        type="number"
                        name="job_value"
                        min="0"
                        max="50000"
                        prop:value=move || job_value.get().to_string()
                        on:input=move |ev| set_job_value.set(parse_count(&event_target_value(&ev), 50_000))
                    />
                </label>
            </div>
            <p class="estimator-result">
                "Revenue at risk each year: "
                <strong data-testid="revenue-at-risk">{at_risk}</strong>
            </p>
            <p class="muted small">"Assumes most missed callers phone the next contractor instead of waiting."</p>
        </section>
    }
}

fn parse_count(raw: &str, max: u32) -> u32 {
    raw.trim().parse::<u32>().map(|n| n.min(max)).unwrap_or(0)
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
    fn counts_are_clamped_and_garbage_is_zero() {
        assert_eq!(parse_count("12", 500), 12);
        assert_eq!(parse_count("9000", 500), 500);
        assert_eq!(parse_count("-3", 500), 0);
        assert_eq!(parse_count("abc", 500), 0);
    }
}
