// Wasm budget per page: what a first visit to each page transfers in wasm, measured in
// Chromium, so that a page added later cannot silently regrow the bundle for every page.
//
// Budgets (gzip bytes of every `.wasm` response of a first visit with a cold cache):
//   public pages (landing, sign-in, docs, set-password, forgot-password)  ≤ 100 KiB (today: none)
//   signed-in pages (inbox, lead, team, account)                           ≤ 300 KiB
//   signed-in pages without islands (settings, audit, numbers, evidence)  ≤ 300 KiB (today: none)
//
// How the gzip figure is taken: every response whose URL ends in `.wasm` is recorded
// (`page.on('response')`) in a fresh browser profile (cold HTTP cache). If Chromium received
// it content-encoded (gzip or br), the figure is the encoded body size Chromium reports
// (`request.sizes().responseBodySize`). Otherwise — the normal case here: the site's files are
// served by leptos_axum's ServeDir, which only sends `.gz`/`.br` files when precompressed
// copies exist, and the build does not precompress — it is the body gzipped with node:zlib
// at level 9, i.e. what a gzip-compressing proxy in front of the server would transfer.
// The table printed at the end says which was used for each page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { gzipSync, constants as zlib } from 'node:zlib';
import { startServer, launchBrowser, withPage, binary, waitForIslands, OWNER_EMAIL, OWNER_PASSWORD } from '../server.mjs';

const KiB = 1024;
const PUBLIC_BUDGET = 100 * KiB;
const APP_BUDGET = 300 * KiB;
const TRACKED = '+14155550100';
const CALLER = '+14155552671';

let server;
let leadId;
const rows = [];

before(async () => {
  server = await startServer({}, { seed: true });
  // one lead, so the lead page has something to show
  const r = spawnSync(binary, ['simulate', 'missed-call', '--to', TRACKED, '--from', CALLER, '--server', server.base], {
    env: { PATH: process.env.PATH, CALLSNARE_ADDR: new URL(server.base).host },
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
});

after(async () => {
  if (rows.length > 0) {
    const pad = (s, n) => String(s).padEnd(n);
    const num = (n) => String(n).padStart(10);
    console.log('# wasm per page (first visit, cold cache)');
    console.log(`# ${pad('page', 26)}${pad('files', 7)}${num('raw B')}${num('gzip B')}${num('gzip KiB')}${num('budget KiB')}  gzip from`);
    for (const row of rows) {
      console.log(
        `# ${pad(row.page, 26)}${pad(row.files, 7)}${num(row.raw)}${num(row.gzip)}${num((row.gzip / KiB).toFixed(1))}${num(row.budget / KiB)}  ${row.method}`,
      );
    }
  }
  await server?.stop();
});

/// Signs the context in through the sign-in server function, without loading any page (so
/// the page measured next is the first one this profile loads).
async function signInByRequest(context) {
  const resp = await context.request.post(`${server.base}/rpc/auth/login`, {
    form: { email: OWNER_EMAIL, password: OWNER_PASSWORD, next: '/app' },
    headers: { Origin: server.base },
    maxRedirects: 0,
  });
  assert.ok(resp.status() < 400, `sign-in answered ${resp.status()}: ${await resp.text()}`);
  const cookies = await context.cookies(server.base);
  assert.ok(cookies.length > 0, 'a session cookie after signing in');
}

async function firstLeadId(context) {
  for (let i = 0; i < 50; i += 1) {
    const resp = await context.request.post(`${server.base}/rpc/leads/list`, {
      form: {},
      headers: { Origin: server.base },
    });
    assert.equal(resp.status(), 200, await resp.text());
    const page = await resp.json();
    if (page.leads.length > 0) return page.leads[0].id;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the simulated missed call never became a lead');
}

/// The gzip size of one recorded `.wasm` response, and how it was obtained.
async function gzipBytes(response) {
  await response.finished();
  const encoding = (response.headers()['content-encoding'] ?? '').toLowerCase();
  const body = await fetchRaw(response.url());
  if (encoding === 'gzip' || encoding === 'br') {
    const sizes = await response.request().sizes();
    return { raw: body.length, gzip: sizes.responseBodySize, method: `served ${encoding}` };
  }
  const gzip = gzipSync(body, { level: zlib.Z_BEST_COMPRESSION }).length;
  return { raw: body.length, gzip, method: 'zlib -9 (served uncompressed)' };
}

/// The file as it is on the server, uncompressed (the site's static files need no session).
async function fetchRaw(url) {
  const resp = await fetch(url, { headers: { 'accept-encoding': 'identity' } });
  assert.equal(resp.status, 200, url);
  return Buffer.from(await resp.arrayBuffer());
}

async function measure(path, { signedIn, budget, islands = signedIn }) {
  const context = await launchBrowser();
  try {
    if (signedIn) await signInByRequest(context);
    const target = typeof path === 'function' ? await path(context) : path;
    await withPage(context, `wasm-budget ${target}`, async (page, errors) => {
      const wasm = [];
      page.on('response', (r) => {
        if (new URL(r.url()).pathname.endsWith('.wasm')) wasm.push(r);
      });
      const resp = await page.goto(`${server.base}${target}`);
      assert.equal(resp.status(), 200, `${target} answered ${resp.status()}`);
      const expected = new URL(`${server.base}${target}`);
      assert.equal(new URL(page.url()).pathname, expected.pathname, `${target} was not redirected`);
      if (islands) {
        // A signed-in page with an island: the wasm is loaded once it has hydrated.
        await waitForIslands(page);
        // The hydration bootstrap is an inline module script: it carries the response's nonce.
        const csp = resp.headers()['content-security-policy'] ?? '';
        const nonce = csp.match(/'nonce-([A-Za-z0-9_-]+)'/)?.[1];
        assert.ok(nonce, csp);
        assert.match(await resp.text(), new RegExp(`<script type="module"[^>]*nonce="${nonce}"`));
        assert.ok(wasm.length > 0, `${target}: hydrated without a .wasm response?`);
      } else {
        await page.waitForLoadState('networkidle');
        if (signedIn) {
          const frame = (await page.locator('.app-nav').count()) + (await page.getByRole('button', { name: 'Sign out' }).count());
          assert.ok(frame > 0, `${target}: not the signed-in app`);
        }
      }
      // islands load on idle: anything late would come now
      await page.waitForTimeout(300);

      let raw = 0;
      let gzip = 0;
      const methods = new Set();
      for (const r of wasm) {
        const m = await gzipBytes(r);
        raw += m.raw;
        gzip += m.gzip;
        methods.add(m.method);
      }
      rows.push({
        page: target.length > 26 ? `${target.slice(0, 23)}…` : target,
        files: wasm.length,
        raw,
        gzip,
        budget,
        method: methods.size > 0 ? [...methods].join(', ') : '(no wasm)',
      });
      assert.deepEqual(errors, []);
      assert.ok(
        gzip <= budget,
        `${target}: ${(gzip / KiB).toFixed(1)} KiB of wasm (gzip) on a first visit, over the ${budget / KiB} KiB budget`,
      );
    });
  } finally {
    await context.close();
  }
}

for (const path of ['/', '/login', '/docs', '/docs/security', '/docs/permissions', '/docs/actions', '/docs/webhooks', '/docs/agent-access', '/docs/api', '/set-password?token=x', '/forgot-password']) {
  test(`public page ${path}: ≤ ${PUBLIC_BUDGET / KiB} KiB of wasm`, async () => {
    await measure(path, { signedIn: false, budget: PUBLIC_BUDGET });
  });
}

const appPages = [
  ['/app', '/app'],
  ['/app/leads/<id>', async (context) => {
    leadId ??= await firstLeadId(context);
    return `/app/leads/${leadId}`;
  }],
  ['/app/team', '/app/team'],
  ['/app/account', '/app/account'],
  // server components and a plain form only: no hydration scripts, no wasm
  ['/app/settings', '/app/settings', { islands: false }],
  ['/app/audit', '/app/audit', { islands: false }],
  ['/app/numbers', '/app/numbers', { islands: false }],
  ['/app/evidence', '/app/evidence', { islands: false }],
  ['/app/api-keys', '/app/api-keys', { islands: false }],
  ['/app/billing', '/app/billing', { islands: false }],
];
for (const [name, path, options = {}] of appPages) {
  test(`signed-in page ${name}: ≤ ${APP_BUDGET / KiB} KiB of wasm`, async () => {
    await measure(path, { signedIn: true, budget: APP_BUDGET, ...options });
  });
}
