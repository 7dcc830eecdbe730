// Accessibility of every page, signed out and signed in, on a desktop (1280×800) and a
// phone (390×844, touch, 3× pixels): axe-core finds no serious or critical violation (nor
// a missing <main> or content outside landmarks, whatever axe rates them), the first thing
// a keyboard reaches is a "Skip to content" link to <main id="main">, the app's navigation
// marks the current page, and on the phone nothing scrolls sideways and every button and
// form control is at least 44 px tall.
//
// One server for the file. It starts empty, so the setup page is seen while setup is
// needed; the org is then made through the CLI (as startServer's seed does) and the pages
// are seen with data: a lead with a missed call, a customer text, a reply and a booking.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, launchBrowser, withPage, waitForIslands, signInOwner, seedAcme, rpc, leadIdFor,
  orgDate, DESKTOP, PHONE, TRACKED,
} from '../server.mjs';
import { simulateMissedCall, customerTexts } from '../fake_twilio.mjs';
import * as axe from '../axe.mjs';

const CALLER = '+14155552671';
const MIN_TARGET = 44;

let server;
const browsers = {};
const rows = [];

before(async () => {
  server = await startServer();
  browsers.desktop = await launchBrowser(DESKTOP);
  browsers.phone = await launchBrowser(PHONE);
});

after(async () => {
  if (rows.length > 0) {
    console.log(`# axe-core ${axe.AXE_VERSION} (${axe.lastInjection}), tags ${axe.AXE_TAGS.join(' ')}`);
    console.log(`# ${'page'.padEnd(34)}${'size'.padEnd(9)}${'axe ms'.padStart(7)}${'all'.padStart(5)}${'blocking'.padStart(10)}  problems`);
    for (const r of rows) {
      console.log(`# ${r.path.padEnd(34)}${r.size.padEnd(9)}${String(r.ms).padStart(7)}${String(r.all).padStart(5)}${String(r.blocking).padStart(10)}  ${r.problems}`);
    }
  }
  await browsers.desktop?.close();
  await browsers.phone?.close();
  await server?.stop();
});

// ── state the pages are seen in ─────────────────────────────────────────────────────────

let org;
/// The org, made through the CLI while the server runs (setup is then done).
function ensureOrg() {
  org ??= Promise.resolve().then(() => seedAcme(server.env));
  return org;
}

let signedIn;
/// Both browsers signed in as the owner (the signed-out pages are seen before this).
function ensureSignedIn() {
  signedIn ??= (async () => {
    await ensureOrg();
    await signInOwner(server, browsers.desktop);
    await signInOwner(server, browsers.phone);
  })();
  return signedIn;
}

let lead;
/// A lead with a timeline worth checking: missed call, text-back, customer text, staff
/// reply (through the page) and a booking (through the page). Resolves to its id.
function ensureLead() {
  lead ??= (async () => {
    await ensureSignedIn();
    const request = browsers.desktop.request;
    simulateMissedCall(server, { from: CALLER, to: TRACKED });
    const id = await leadIdFor(request, server, CALLER);
    await customerTexts(server, { from: CALLER, to: TRACKED, body: 'No heat since 6pm, can you come tonight?' });
    await withPage(browsers.desktop, 'a11y-seed-lead', async (page) => {
      await page.goto(`${server.base}/app/leads/${id}`);
      await waitForIslands(page);
      const reply = page.locator('form').filter({ has: page.getByRole('button', { name: 'Send reply', exact: true }) });
      await reply.getByLabel('Message', { exact: true }).fill('A tech can be there by 8:30 tonight.');
      await reply.getByRole('button', { name: 'Send reply', exact: true }).click();
      await page.locator('.timeline').getByText('A tech can be there by 8:30 tonight.').first().waitFor();
      const book = page.locator('form').filter({ has: page.getByRole('button', { name: 'Book', exact: true }) });
      await book.getByLabel('Date', { exact: true }).fill(orgDate(7));
      await book.getByLabel('Arrive from', { exact: true }).fill('08:00');
      await book.getByLabel('to', { exact: true }).fill('10:00');
      await book.getByRole('button', { name: 'Book', exact: true }).click();
      for (let i = 0; i < 50; i += 1) {
        if ((await rpc(request, server, 'leads/get', { lead_id: id })).lead.status === 'booked') return;
        await page.waitForTimeout(100);
      }
      throw new Error('the booking made through the page never set the lead booked');
    });
    return id;
  })();
  return lead;
}

// ── the checks ──────────────────────────────────────────────────────────────────────────

/// In the page: the first element sequential focus navigation reaches (DOM order; no page
/// uses a positive tabindex), and where a same-page link points.
function firstFocusable() {
  const candidates = document.querySelectorAll(
    'a[href], button, input, select, textarea, summary, iframe, [tabindex], [contenteditable="true"]',
  );
  for (const e of candidates) {
    if (e.tabIndex < 0 || e.matches(':disabled, input[type="hidden"]') || e.closest('[inert]')) continue;
    // not rendered: display none, visibility hidden, or inside a closed <details>
    if (e.getClientRects().length === 0 || !e.checkVisibility({ visibilityProperty: true })) continue;
    const href = e.getAttribute('href') ?? '';
    const target = href.startsWith('#') ? document.getElementById(decodeURIComponent(href.slice(1))) : null;
    return {
      tag: e.tagName.toLowerCase(),
      text: e.textContent.replace(/\s+/g, ' ').trim(),
      href,
      target: target ? `${target.tagName.toLowerCase()}#${target.id}` : null,
    };
  }
  return null;
}

/// In the page: buttons and form controls (and nav links, call and text links) shorter
/// than `min` CSS px. Inline text links are not touch targets in this sense; checkboxes
/// and radios are reached through their label.
function smallTargets(min) {
  const sel = [
    'button', 'a.button', 'summary', 'select', 'textarea',
    'input:not([type="hidden"]):not([type="checkbox"]):not([type="radio"])',
    'a[href^="tel:"]', 'a[href^="sms:"]', 'nav[aria-label="Main"] a',
  ].join(', ');
  const out = [];
  for (const e of document.querySelectorAll(sel)) {
    if (e.matches('a[href="#main"]')) continue; // the skip link, off screen until focused
    const r = e.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || !e.checkVisibility({ visibilityProperty: true })) continue;
    if (r.height + 0.5 < min) {
      const name = (e.getAttribute('aria-label') ?? e.textContent ?? e.getAttribute('name') ?? '').replace(/\s+/g, ' ').trim().slice(0, 40);
      out.push(`${e.tagName.toLowerCase()}${e.className ? `.${String(e.className).trim().split(/\s+/).join('.')}` : ''} "${name}" ${Math.round(r.width)}×${Math.round(r.height)}`);
    }
  }
  return out;
}

/// In the page: whether it scrolls sideways, and the elements that stick out the most.
function sideways() {
  const root = document.documentElement;
  const width = root.clientWidth;
  const wide = [];
  for (const e of document.body.querySelectorAll('*')) {
    const r = e.getBoundingClientRect();
    if (r.right > width + 1 && r.width > 0) wide.push({ over: Math.round(r.right - width), what: `${e.tagName.toLowerCase()}${e.className ? `.${String(e.className).trim().split(/\s+/).join('.')}` : ''}` });
  }
  wide.sort((a, b) => b.over - a.over);
  return { scrollWidth: root.scrollWidth, clientWidth: width, widest: wide.slice(0, 3) };
}

/// Loads `path` in the `size` browser and checks everything; one assertion listing every
/// problem found, so a run shows all of them at once.
async function checkPage(size, path, { status = 200, current = null } = {}) {
  await withPage(browsers[size], `a11y ${size} ${path}`, async (page, errors) => {
    const resp = await page.goto(`${server.base}${path}`);
    assert.equal(resp.status(), status, `${path} answered ${resp.status()}`);
    // pages with islands are checked as they are once hydrated (their final DOM)
    if (status < 400 && (await page.locator('script[type="module"]').count()) > 0) await waitForIslands(page);
    else await page.waitForLoadState('load');

    const problems = [];
    const started = Date.now();
    const all = await axe.axeViolations(page);
    const ms = Date.now() - started;
    const blocking = all.filter((v) => axe.BLOCKING_IMPACTS.includes(v.impact) || axe.ALWAYS_BLOCKING.includes(v.id));
    if (blocking.length > 0) problems.push(`axe (${axe.lastInjection}):\n${axe.formatViolations(blocking)}`);

    const first = await page.evaluate(firstFocusable);
    if (!(first?.tag === 'a' && first.text === 'Skip to content' && first.target === 'main#main')) {
      problems.push(`the first focusable element is ${JSON.stringify(first)}, not a "Skip to content" link to <main id="main">`);
    } else {
      const skip = page.locator('a[href="#main"]').first();
      await skip.focus();
      const shown = await skip.evaluate((e) => {
        const r = e.getBoundingClientRect();
        return r.width > 1 && r.height > 1 && r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth;
      });
      if (!shown) problems.push('the skip link stays off screen when focused');
      await skip.evaluate((e) => e.blur());
    }

    if (current !== null) {
      const marked = await page.locator('nav[aria-label="Main"] a[aria-current="page"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      // (a phone layout may repeat the navigation: each copy marks the same page)
      if (marked.length === 0 || marked.some((href) => href !== current)) {
        problems.push(`nav[aria-label="Main"] marks ${JSON.stringify(marked)} with aria-current="page", expected "${current}"`);
      }
    }

    if (size === 'phone') {
      const s = await page.evaluate(sideways);
      if (s.scrollWidth > s.clientWidth) problems.push(`scrolls sideways: ${s.scrollWidth}px of content in ${s.clientWidth}px (widest: ${JSON.stringify(s.widest)})`);
      const small = await page.evaluate(smallTargets, MIN_TARGET);
      if (small.length > 0) problems.push(`touch targets under ${MIN_TARGET}px tall:\n    ${small.join('\n    ')}`);
    }

    rows.push({ path, size, ms, all: all.length, blocking: blocking.length, problems: problems.length });
    assert.deepEqual(errors, []);
    assert.equal(problems.length, 0, `${path} at ${size}:\n  ${problems.join('\n  ')}`);
  });
}

const SIZES = ['desktop', 'phone'];

// ── signed out ──────────────────────────────────────────────────────────────────────────

for (const size of SIZES) {
  test(`${size}: the setup page while setup is needed, and with a refused form`, async () => {
    assert.equal(org, undefined, 'runs before the org exists');
    await checkPage(size, '/setup');
    await checkPage(size, '/setup?form_error=invalid&form_field=timezone&form_for=setup/complete');
  });
}

const PUBLIC = [
  ['/', {}],
  ['/login', {}],
  ['/login?error=1', {}],
  ['/forgot-password', {}],
  ['/set-password?token=x', {}],
  ['/invite?token=x', {}],
  ['/setup', {}], // setup done: a line and a sign-in link
  ['/docs', {}],
  ['/docs/security', {}],
  ['/docs/permissions', {}],
  ['/docs/actions', {}],
  ['/docs/webhooks', {}],
  ['/docs/agent-access', {}],
  ['/docs/api', {}],
  ['/definitely/missing', { status: 404 }],
];
for (const size of SIZES) {
  for (const [path, opts] of PUBLIC) {
    test(`${size}, signed out: ${path}`, async () => {
      await ensureOrg();
      assert.equal(signedIn, undefined, 'runs before the browsers sign in');
      await checkPage(size, path, opts);
    });
  }
}

// ── signed in as the owner ──────────────────────────────────────────────────────────────

for (const size of SIZES) {
  test(`${size}, signed in: the first-run inbox (no leads yet)`, async () => {
    await ensureSignedIn();
    assert.equal(lead, undefined, 'runs before the first lead');
    await checkPage(size, '/app', { current: '/app' });
  });
}

const APP = [
  ['/app', { current: '/app' }],
  ['/app?q=nobody-by-this-name', { current: '/app' }],
  ['/app/leads/:id', {}],
  ['/app/team', { current: '/app/team' }],
  ['/app/settings', { current: '/app/settings' }],
  ['/app/numbers', { current: '/app/numbers' }],
  ['/app/audit', { current: '/app/audit' }],
  ['/app/evidence', { current: '/app/evidence' }],
  ['/app/billing', { current: '/app/billing' }],
  ['/app/account', { current: '/app/account' }],
  ['/app/api-keys', { current: '/app/api-keys' }],
  ['/app/nope', { status: 404 }],
];
for (const size of SIZES) {
  for (const [path, opts] of APP) {
    test(`${size}, signed in: ${path}`, async () => {
      const id = await ensureLead();
      await checkPage(size, path.replace(':id', id), opts);
    });
  }
}
