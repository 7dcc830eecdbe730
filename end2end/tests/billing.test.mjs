// The billing page in a real browser, without any wasm: the owner opens it from the menu,
// sees the org is not subscribed, and "Subscribe" takes them to Stripe Checkout (a tiny fake
// of Stripe's API here, answering POST /v1/checkout/sessions like Stripe, with the session's
// URL on the fake); staff do not see the page's link and are refused the page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { startServer, launchBrowser, withPage, signInOwner, joinTeam } from '../server.mjs';

const SECRET_KEY = 'sk_test_e2e_0123456789abcdef';
const PRICE_ID = 'price_e2eTestPro';

/// Stripe's API as the server uses it: form-encoded POSTs with the secret key as a Bearer
/// token. Records each session request; serves the "Checkout" page the session URL names.
async function startFakeStripe() {
  const sessions = [];
  const srv = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      const base = `http://127.0.0.1:${srv.address().port}`;
      if (req.method === 'POST' && req.url === '/v1/checkout/sessions') {
        if (req.headers.authorization !== `Bearer ${SECRET_KEY}`) {
          res.writeHead(401, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } }));
          return;
        }
        const form = Object.fromEntries(new URLSearchParams(body));
        const id = `cs_test_e2e${sessions.length + 1}`;
        sessions.push(form);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id, object: 'checkout.session', url: `${base}/checkout` }));
        return;
      }
      if (req.method === 'GET' && req.url === '/checkout') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end('<!doctype html><html lang="en"><title>Fake Stripe Checkout</title><h1>Fake Stripe Checkout</h1></html>');
        return;
      }
      res.writeHead(404);
      res.end();
    });
  });
  await new Promise((ok) => srv.listen(0, '127.0.0.1', ok));
  return {
    base: `http://127.0.0.1:${srv.address().port}`,
    sessions,
    close: () => new Promise((ok) => srv.close(ok)),
  };
}

let stripe;
let server;
let owner;
let staff;

before(async () => {
  stripe = await startFakeStripe();
  server = await startServer(
    { STRIPE_SECRET_KEY: SECRET_KEY, STRIPE_PRICE_ID: PRICE_ID, STRIPE_API_BASE: stripe.base },
    { seed: true },
  );
  owner = await launchBrowser();
  staff = await launchBrowser();
  await signInOwner(server, owner);
});

after(async () => {
  await owner?.close();
  await staff?.close();
  await server?.stop();
  await stripe?.close();
});

test('the owner sees the billing page and Subscribe goes to Stripe Checkout', async () => {
  await withPage(owner, 'billing-owner', async (page, errors) => {
    await page.goto(`${server.base}/app`);
    await page.getByRole('link', { name: 'Billing', exact: true }).click();
    await page.waitForURL(`${server.base}/app/billing`);
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Billing');
    assert.equal(await page.locator('script[src*="/pkg/"]').count(), 0, 'no wasm on this page');
    const summary = page.locator('.billing-summary');
    assert.equal(await summary.getAttribute('data-billing-status'), 'none');
    assert.match(await summary.textContent(), /No subscription/);
    assert.match(await summary.textContent(), /Working/);
    assert.match(await page.getByText('No invoices yet.').textContent(), /No invoices/);
    assert.equal(await page.getByRole('button', { name: 'Manage billing' }).count(), 0, 'no customer yet');

    await page.getByRole('button', { name: 'Subscribe' }).click();
    await page.waitForURL(`${stripe.base}/checkout`);
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Fake Stripe Checkout');
    assert.equal(stripe.sessions.length, 1);
    const form = stripe.sessions[0];
    assert.equal(form.mode, 'subscription');
    assert.equal(form['line_items[0][price]'], PRICE_ID);
    assert.equal(form.client_reference_id, 'acme');
    assert.equal(form['metadata[callsnare_org]'], 'acme');
    assert.equal(form.success_url, `${server.base}/app/billing?checkout=done`);
    assert.deepEqual(errors, []);
  });
  // Back from Checkout: the page says what happens next.
  await withPage(owner, 'billing-back', async (page) => {
    await page.goto(`${server.base}/app/billing?checkout=done`);
    await page.getByRole('status').filter({ hasText: 'as soon as Stripe confirms it' }).waitFor();
  });
});

test('staff are refused the billing page and do not see its link', async () => {
  await joinTeam(server, owner, staff, 'tech@acme.test', 'staff');
  await withPage(staff, 'billing-staff', async (page) => {
    await page.goto(`${server.base}/app`);
    assert.equal(await page.getByRole('link', { name: 'Billing', exact: true }).count(), 0);
    await page.goto(`${server.base}/app/billing`);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.equal(await alert.textContent(), "You don't have permission to do that.");
    assert.equal(await page.getByRole('button', { name: 'Subscribe' }).count(), 0);
  });
  assert.equal(stripe.sessions.length, 1, 'staff started nothing');
});
