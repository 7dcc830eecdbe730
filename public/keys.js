// Inbox keyboard navigation: j / k (and ↓ / ↑ once inside the list) move focus through the
// lead rows (each row's link to its lead, not its call button), Enter follows the focused
// link. Plain JavaScript on purpose: it adds nothing to the wasm bundle and works before
// hydration. Keys typed into form fields are left alone.
document.addEventListener('keydown', (ev) => {
  if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
  const active = document.activeElement;
  if (active && (active.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName))) return;
  const links = Array.from(document.querySelectorAll('.lead-list .lead-row > a.lead-open'));
  if (links.length === 0) return;
  const current = links.indexOf(active);
  let step;
  if (ev.key === 'j' || (ev.key === 'ArrowDown' && current >= 0)) step = 1;
  else if (ev.key === 'k' || (ev.key === 'ArrowUp' && current >= 0)) step = -1;
  else return;
  const last = links.length - 1;
  const target = current < 0 ? (step > 0 ? 0 : last) : Math.min(last, Math.max(0, current + step));
  ev.preventDefault();
  links[target].focus();
});
