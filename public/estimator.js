// Landing page estimator: recomputes "Revenue at risk each year" as the visitor types.
// Plain JavaScript on purpose: the public pages load no wasm. The server renders the same
// figure first (`estimate` in app/src/pages/landing.rs); keep the two formulas identical:
// missed calls a week × 52 × job value × 0.62, counts clamped to their maximum, anything
// that is not a whole non-negative number counted as 0, rounded to whole dollars.
(() => {
  const LOST_TO_COMPETITOR = 0.62;
  const form = document.querySelector('.estimator');
  if (!form) return;
  const missed = form.querySelector('input[name="missed_per_week"]');
  const value = form.querySelector('input[name="job_value"]');
  const result = form.querySelector('[data-testid="revenue-at-risk"]');
  if (!missed || !value || !result) return;

  // Like Rust's `str::parse::<u32>` on the trimmed text, clamped to `max`; else 0.
  const count = (raw, max) => {
    const text = raw.trim();
    if (!/^\+?\d+$/.test(text)) return 0;
    const n = Number(text.replace(/^\+/, ''));
    return n > 4294967295 ? 0 : Math.min(n, max);
  };
  const dollars = (amount) => {
    const whole = Math.max(0, Math.round(amount));
    return `$${String(whole).replace(/\B(?=(\d{3})+(?!\d))/g, ',')}`;
  };
  const update = () => {
    const yearly = count(missed.value, 500) * 52 * count(value.value, 50000) * LOST_TO_COMPETITOR;
    result.textContent = dollars(yearly);
  };
  missed.addEventListener('input', update);
  value.addEventListener('input', update);
})();
