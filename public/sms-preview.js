// Routing settings page (/app/settings): the text-back's live preview, and what was typed
// put back when a save was refused. Plain JavaScript on purpose: the page loads no wasm,
// and without JavaScript it still works (the server renders the preview of the saved text).
//
// Counting is the same as `sms_segments` in app/src/domain/sms_segments.rs; keep the two
// identical: a text of GSM-7 characters only (the extension table's counting two septets)
// fits 160 septets in one SMS and 153 per segment when split; any other character makes it
// UCS-2: 70 UTF-16 units in one SMS, 67 per segment. A pair is never split.
(() => {
  const form = document.getElementById('routing-settings');
  const preview = document.getElementById('sms-preview');
  if (!form || !preview) return;
  const template = form.querySelector('textarea[name="text_back_template"]');
  const bubble = preview.querySelector('[data-sms-text]');
  const count = preview.querySelector('[data-sms-count]');
  if (!template || !bubble || !count) return;
  const business = preview.dataset.business ?? '';

  const BASIC = '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?'
    + '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
  const EXTENSION = '\f^{}\\[~]|€';

  const segments = (widths, total, single, part) => {
    if (total === 0) return 0;
    if (total <= single) return 1;
    let n = 1;
    let used = 0;
    for (const w of widths) {
      if (used + w > part) { n += 1; used = 0; }
      used += w;
    }
    return n;
  };

  const smsCount = (text) => {
    const chars = Array.from(text);
    let widths = chars.map((c) => (BASIC.includes(c) ? 1 : EXTENSION.includes(c) ? 2 : 0));
    const gsm = widths.every((w) => w > 0);
    if (!gsm) widths = chars.map((c) => c.length);
    const units = widths.reduce((a, b) => a + b, 0);
    return {
      chars: chars.length,
      segments: gsm ? segments(widths, units, 160, 153) : segments(widths, units, 70, 67),
      encoding: gsm ? 'GSM-7' : 'UCS-2',
    };
  };

  const update = () => {
    const text = template.value.replace(/\r\n?/g, '\n').trim().split('{business}').join(business);
    const c = smsCount(text);
    bubble.textContent = text;
    count.textContent = `${c.chars} characters · ${c.segments} SMS segment${c.segments === 1 ? '' : 's'} · ${c.encoding}`;
  };

  // A refused save comes back as a fresh page with the saved values; put back what was typed.
  const DRAFT = 'callsnare.settings.draft';
  const params = new URLSearchParams(window.location.search);
  try {
    const draft = JSON.parse(sessionStorage.getItem(DRAFT) ?? 'null');
    if (draft && params.has('form_error')) {
      for (const el of form.elements) {
        if (!el.name || !(el.name in draft)) continue;
        if (el.type === 'checkbox') el.checked = draft[el.name] === true;
        else el.value = draft[el.name];
      }
    }
    sessionStorage.removeItem(DRAFT);
  } catch { /* storage unavailable: the saved values stay */ }
  form.addEventListener('submit', () => {
    const draft = {};
    for (const el of form.elements) {
      if (!el.name) continue;
      draft[el.name] = el.type === 'checkbox' ? el.checked : el.value;
    }
    try { sessionStorage.setItem(DRAFT, JSON.stringify(draft)); } catch { /* nothing to keep */ }
  });

  template.addEventListener('input', update);
  update();
})();
