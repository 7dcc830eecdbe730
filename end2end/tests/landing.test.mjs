import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, withPage } from '../server.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('landing page renders on the server before any script runs', async () => {
  const res = await fetch(`${server.base}/`);
  assert.equal(res.status, 200);
  const html = await res.text();
  assert.match(html, /Keep working\. We(&#x27;|')ll handle the callback\./);
  assert.match(html, /\$116,064/);
});

test('pages carry security headers and a per-response script nonce', async () => {
  const nonces = [];
  for (let i = 0; i < 2; i += 1) {
    const res = await fetch(`${server.base}/`);
    const csp = res.headers.get('content-security-policy');
    assert.ok(csp, 'Content-Security-Policy header');
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /'wasm-unsafe-eval'/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    const nonce = csp.match(/'nonce-([A-Za-z0-9_-]+)'/)?.[1];
    assert.ok(nonce, csp);
    // Leptos's inline scripts (here the resource/streaming bootstrap at the end of the
    // page) carry the response's nonce; the landing page loads no wasm, so no module script.
    // The hydration bootstrap of the signed-in pages is checked in wasm_budget.test.mjs.
    const html = await res.text();
    assert.match(html, new RegExp(`<script[^>]*nonce="${nonce}"`), 'inline script carries the nonce');
    for (const tag of html.match(/<script\b[^>]*>/g) ?? []) {
      if (!/\bsrc=/.test(tag)) assert.match(tag, new RegExp(`nonce="${nonce}"`), `inline script without the nonce: ${tag}`);
    }
    assert.doesNotMatch(html, /\.wasm|type="module"/, 'the landing page loads no wasm');
    nonces.push(nonce);
  }
  assert.notEqual(nonces[0], nonces[1]);
});

test('the estimator reacts to input (public/estimator.js, no wasm)', async () => {
  await withPage(browser, 'landing-estimator', async (page, errors) => {
    await page.goto(`${server.base}/`);
    const heading = page.getByRole('heading', { level: 1 });
    assert.equal(await heading.textContent(), "Keep working. We'll handle the callback.");
    const result = page.getByTestId('revenue-at-risk');
    assert.equal(await result.textContent(), '$116,064');
    // Typing only changes the figure once public/estimator.js has run.
    const missed = page.getByLabel('Missed calls per week');
    await missed.fill('10');
    // Locator waits rather than waitForFunction, which evaluates strings: the page's
    // Content-Security-Policy forbids eval.
    await result.filter({ hasText: /^\$145,080$/ }).waitFor({ timeout: 15_000 });
    await page.getByLabel('Average job value ($)').fill('1000');
    await result.filter({ hasText: /^\$322,400$/ }).waitFor({ timeout: 5_000 });
    assert.deepEqual(errors, []);
  });
});

test('the app shell navigation is present and the stylesheet loads', async () => {
  await withPage(browser, 'landing-shell', async (page) => {
    const cssResponse = page.waitForResponse((r) => r.url().endsWith('/pkg/callsnare.css'));
    await page.goto(`${server.base}/`);
    assert.equal((await cssResponse).status(), 200);
    const nav = page.getByRole('navigation', { name: 'Main' });
    assert.ok(await nav.getByRole('link', { name: 'Sign in' }).isVisible());
    const bg = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    assert.equal(bg, 'rgb(246, 248, 250)');
  });
});

test('unknown pages render a 404 inside the app shell', async () => {
  await withPage(browser, 'not-found', async (page) => {
    const resp = await page.goto(`${server.base}/definitely/missing`);
    assert.equal(resp.status(), 404);
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Page not found');
  });
});
