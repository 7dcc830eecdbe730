// The inbox in an office manager's hand: on a 390×844 phone the first lead is on the first
// screen (figures on one line, filters folded, no keyboard hint on a touch screen), every
// row has a call link, previews say "You: " for our texts and "waiting …" for a customer
// who wrote last, the tab title counts leads rather than events, a search with no match
// says so, an empty org sees its next steps, a signed-in 404 stays inside the app, and
// removing a team member or a tracked number asks first. Texts go to a fake Twilio.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, launchBrowser, withPage, waitForIslands, signInOwner, signIn, joinTeam, cli, rpc,
  leadIdFor, national, noQuietHours, DESKTOP, PHONE, TRACKED, OWNER_PASSWORD,
} from '../server.mjs';
import { startFakeTwilio, simulateMissedCall, customerTexts } from '../fake_twilio.mjs';

const CALLERS = ['+14155552681', '+14155552682', '+14155552683', '+14155552684'];
const [REPLIED, WAITING] = CALLERS;
const TWICE = '+14155552685';

let fake;
let server;
const browsers = {};

before(async () => {
  fake = await startFakeTwilio();
  server = await startServer(fake.env, { seed: true });
  browsers.desktop = await launchBrowser(DESKTOP);
  browsers.phone = await launchBrowser(PHONE);
  await signInOwner(server, browsers.desktop);
  await signInOwner(server, browsers.phone);
  await noQuietHours(browsers.desktop.request, server);
});

after(async () => {
  for (const b of Object.values(browsers)) await b.close();
  await server?.stop();
  await fake?.stop();
});

const row = (page, e164) => page.locator('.lead-row').filter({ hasText: national(e164) });

test('first run: an org without leads sees its next steps (add a number, make a test call, invite the team)', async () => {
  // an org with nothing yet: no number, nobody invited
  cli(server.env, ['org', 'create', '--name', 'Fresh Air HVAC', '--slug', 'fresh', '--timezone', 'America/Chicago', '--owner-email', 'owner@fresh.test']);
  const fresh = await launchBrowser(DESKTOP);
  try {
    await withPage(fresh, 'inbox-next-steps-empty-org', async (page, errors) => {
      await signIn(page, server.base, 'owner@fresh.test', OWNER_PASSWORD);
      const main = page.locator('#main');
      await main.getByText('Next steps').first().waitFor();
      assert.ok((await main.locator('a[href="/app/numbers"]').count()) >= 1, 'a link to add a number');
      assert.ok((await main.locator('a[href="/app/team"]').count()) >= 1, 'a link to invite the team');
      assert.match(await main.textContent(), /test call/i);
      assert.equal(await page.locator('.lead-row').count(), 0);
      assert.equal(await page.getByText('No leads match your search.').count(), 0);
      assert.deepEqual(errors, []);
    });
  } finally {
    await fresh.close();
  }
  // Acme has its number but no call yet: still the next steps
  await withPage(browsers.desktop, 'inbox-next-steps-acme', async (page) => {
    await page.goto(`${server.base}/app`);
    await page.locator('#main').getByText('Next steps').first().waitFor();
  });
});

test('a few missed calls make leads (signed callbacks; each caller texted back once)', async () => {
  const started = Date.now();
  for (const caller of CALLERS) simulateMissedCall(server, { from: caller, to: TRACKED });
  for (const caller of CALLERS) await fake.waitForText((m) => m.to === caller);
  for (const caller of CALLERS) await leadIdFor(browsers.desktop.request, server, caller);
  console.log(`# ${CALLERS.length} missed calls → leads and text-backs in ${Date.now() - started} ms`);
});

test('phone 390×844: the first lead row starts on the first screen; figures on one line; filters folded; no keyboard hint; a call link per row', async () => {
  await withPage(browsers.phone, 'inbox-phone-first-screen', async (page, errors) => {
    await page.goto(`${server.base}/app`);
    await waitForIslands(page);
    const first = page.locator('.lead-row').first();
    await first.waitFor();
    const box = await first.boundingBox();
    console.log(`# phone inbox: first .lead-row at y=${Math.round(box.y)}px, ${Math.round(box.height)}px tall (screen 844px)`);
    assert.ok(box.y < 844, `the first lead row starts at ${box.y}px, below the first screen`);

    const figures = page.locator('.figures').first();
    await figures.waitFor();
    const tops = await figures.evaluate((f) => [...f.children].filter((c) => c.getClientRects().length > 0).map((c) => Math.round(c.getBoundingClientRect().top)));
    const figuresBox = await figures.boundingBox();
    console.log(`# phone figures: ${tops.length} items, ${Math.round(figuresBox.height)}px tall`);
    assert.ok(tops.every((t) => Math.abs(t - tops[0]) <= 2), `the figures wrap onto several lines: tops ${JSON.stringify(tops)}`);

    const search = page.locator('input[name="q"]');
    assert.equal(await search.isVisible(), false, 'the filters are folded on a phone');
    await page.locator('summary, button').filter({ hasText: /^\s*Filters\s*$/ }).first().click();
    await search.waitFor({ state: 'visible' });

    assert.equal(await page.getByText(/Enter opens/).first().isVisible(), false, 'no keyboard hint on a touch screen');

    for (const caller of CALLERS) {
      const call = row(page, caller).locator('a[href^="tel:"]');
      assert.equal(await call.count(), 1, `a call link on the row of ${national(caller)}`);
      assert.equal(await call.getAttribute('href'), `tel:${caller}`);
      assert.equal(await call.getAttribute('aria-label'), `Call ${national(caller)}`);
    }
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `scrolls sideways by ${overflow}px`);
    assert.deepEqual(errors, []);
  });
});

test('desktop: the filters and the keyboard hint are shown; rows have call links', async () => {
  await withPage(browsers.desktop, 'inbox-desktop-filters', async (page, errors) => {
    await page.goto(`${server.base}/app`);
    await waitForIslands(page);
    await page.locator('.lead-row').first().waitFor();
    assert.equal(await page.locator('input[name="q"]').isVisible(), true, 'the filters are open on a desktop');
    assert.equal(await page.getByText(/Enter opens/).first().isVisible(), true, 'the keyboard hint on a desktop');
    assert.equal(await page.locator('.lead-row').count(), CALLERS.length);
    assert.equal(await page.locator('.lead-row a[href^="tel:"]').count(), CALLERS.length);
    assert.deepEqual(errors, []);
  });
});

test('previews: "You: " after a staff reply, "waiting …" when the customer wrote last', async () => {
  const replied = await leadIdFor(browsers.desktop.request, server, REPLIED);
  const body = 'A tech can come at 3 today.';
  await withPage(browsers.desktop, 'inbox-previews', async (page, errors) => {
    await page.goto(`${server.base}/app/leads/${replied}`);
    await waitForIslands(page);
    const form = page.locator('form').filter({ has: page.getByRole('button', { name: 'Send reply', exact: true }) });
    await form.getByLabel('Message', { exact: true }).fill(body);
    await form.getByRole('button', { name: 'Send reply', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Sent ✓' }).waitFor();
    await customerTexts(server, { from: WAITING, to: TRACKED, body: 'Is anyone coming? The house is cold.' });

    await page.goto(`${server.base}/app`);
    const mine = row(page, REPLIED);
    await mine.waitFor();
    assert.match(await mine.textContent(), new RegExp(`You: ${body.replace(/[.]/g, '\\.')}`));
    const theirs = row(page, WAITING);
    assert.match(await theirs.textContent(), /Is anyone coming\?/);
    assert.doesNotMatch(await theirs.textContent(), /You: Is anyone coming/);
    const waiting = theirs.getByText(/^\s*waiting /);
    await waiting.first().waitFor();
    console.log(`# waiting badge: "${(await waiting.first().textContent()).trim()}"`);
    assert.equal(await mine.getByText(/^\s*waiting /).count(), 0, 'no "waiting" once we answered');
    assert.deepEqual(errors, []);
  });
});

test('the tab title counts leads with news, not events: two calls from one caller make "(1) Inbox"', async () => {
  await withPage(browsers.desktop, 'inbox-title-count', async (page, errors) => {
    await page.goto(`${server.base}/app`);
    await waitForIslands(page);
    // give the live feed a moment to connect, as an open inbox tab would have
    await page.waitForTimeout(500);
    assert.doesNotMatch(await page.title(), /^\(\d+\)/);
    simulateMissedCall(server, { from: TWICE, to: TRACKED });
    simulateMissedCall(server, { from: TWICE, to: TRACKED });
    await row(page, TWICE).waitFor({ timeout: 5_000 });
    // the events of both calls (calls, text-back, the skipped second text-back) have arrived
    await fake.waitForText((m) => m.to === TWICE);
    await page.waitForTimeout(1_500);
    const title = await page.title();
    console.log(`# tab title after 2 calls from one new caller: "${title}"`);
    assert.match(title, /^\(1\) Inbox/);
    assert.deepEqual(errors, []);
  });
});

test('a search with no match says so, with a way back', async () => {
  await withPage(browsers.desktop, 'inbox-no-match', async (page, errors) => {
    await page.goto(`${server.base}/app?q=${encodeURIComponent('Nobody By This Name')}`);
    await page.getByText('No leads match your search.').waitFor();
    assert.equal(await page.getByText(/No leads here yet/).count(), 0);
    await page.getByRole('link', { name: 'Clear search' }).click();
    await page.waitForURL(/\/app\/?$/);
    await page.locator('.lead-row').first().waitFor();
    assert.deepEqual(errors, []);
  });
});

test('a signed-in unknown page is a 404 inside the app, with a way back to the inbox', async () => {
  await withPage(browsers.phone, 'inbox-app-404', async (page, errors) => {
    const resp = await page.goto(`${server.base}/app/nope`);
    assert.equal(resp.status(), 404);
    assert.equal((await page.getByRole('heading', { level: 1 }).textContent()).trim(), 'Page not found');
    assert.ok((await page.locator('nav[aria-label="Main"] a[href="/app/account"]').count()) >= 1, 'the app navigation is there');
    assert.equal(await page.locator('a[href="/login"]').count(), 0, 'not the public frame (its "Sign in" link)');
    const back = page.getByRole('link', { name: 'Back to the inbox' });
    assert.equal(await back.getAttribute('href'), '/app');
    await back.click();
    await page.waitForURL(`${server.base}/app`);
    assert.deepEqual(errors, []);
  });
});

/// Clicks the first control named "Remove" (a button, or the summary of a confirming
/// details), then checks nothing was removed yet and answers the confirming button.
async function startRemoving(page, scope, what) {
  await scope.locator('summary, button').filter({ hasText: /^\s*Remove(…|\.\.\.)?\s*$/ }).first().click();
  await page.waitForTimeout(300);
  const confirm = page.getByRole('button', { name: new RegExp(`^(Yes, remove|Remove ${what.replace(/[()]/g, '\\$&')}|Confirm)`, 'i') });
  await confirm.first().waitFor({ state: 'visible' });
  return confirm.first();
}

test('removing a team member (phone) and a tracked number (desktop) asks for confirmation first', async () => {
  const member = await launchBrowser(DESKTOP);
  try {
    await joinTeam(server, browsers.desktop, member, 'tech@acme.test', 'staff');
  } finally {
    await member.close();
  }
  const members = async () => (await rpc(browsers.desktop.request, server, 'team/list')).map((m) => m.email);
  await withPage(browsers.phone, 'team-remove-confirm', async (page, errors) => {
    await page.goto(`${server.base}/app/team`);
    await waitForIslands(page);
    const memberRow = page.locator('tr, li').filter({ hasText: 'tech@acme.test' }).last();
    await memberRow.waitFor();
    const actions = memberRow.locator('summary').filter({ hasText: /^\s*Actions\s*$/ });
    if ((await actions.count()) > 0) await actions.first().click();
    const confirm = await startRemoving(page, memberRow, 'tech@acme.test');
    assert.ok((await members()).some((m) => m.includes('tech@acme.test')), 'still a member before confirming');
    await confirm.click();
    await page.locator('tr, li').filter({ hasText: 'tech@acme.test' }).first().waitFor({ state: 'detached', timeout: 5_000 });
    assert.ok(!(await members()).some((m) => m.includes('tech@acme.test')), 'removed once confirmed');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `the team page scrolls sideways by ${overflow}px on a phone`);
    assert.deepEqual(errors, []);
  });

  cli(server.env, ['number', 'add', '--org', 'acme', '--number', '+14155550199', '--forward-to', '+14155550101']);
  await withPage(browsers.desktop, 'number-remove-confirm', async (page, errors) => {
    await page.goto(`${server.base}/app/numbers`);
    const display = national('+14155550199');
    const card = page.locator('li.number-card', { has: page.getByRole('heading', { name: display, exact: true }) });
    await card.waitFor();
    const confirm = await startRemoving(page, card, display);
    assert.equal(await card.count(), 1, 'still listed before confirming');
    assert.ok(JSON.stringify(await rpc(page.request, server, 'numbers/list')).includes('+14155550199'), 'still tracked before confirming');
    await confirm.click();
    await page.waitForURL(/\/app\/numbers\?removed=1/);
    assert.equal(await card.count(), 0);
    assert.deepEqual(errors, []);
  });
});
