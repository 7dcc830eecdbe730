// The webhook evidence viewer in a real browser: after a simulated missed call an admin
// opens /app/evidence from the menu, opens the call's dial-complete callback (its form
// fields as a table), follows the link to the lead, and from the lead's timeline back to
// the call's callbacks; on a phone the list is one card per callback; staff are refused
// the page and do not see its link. The page loads no wasm (see wasm_budget.test.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startServer, launchBrowser, withPage, binary, signInOwner, joinTeam } from '../server.mjs';

const TRACKED = '+14155550100';
const CALLER = '+14155552671';
let server;
let owner;
let admin;
let staff;

before(async () => {
  server = await startServer({}, { seed: true });
  owner = await launchBrowser();
  admin = await launchBrowser();
  staff = await launchBrowser();
  // the owner only sends invitations, through the server function the team page uses
  await signInOwner(server, owner);
});

after(async () => {
  await owner?.close();
  await admin?.close();
  await staff?.close();
  await server?.stop();
});


function simulateMissedCall() {
  const r = spawnSync(binary, ['simulate', 'missed-call', '--to', TRACKED, '--from', CALLER, '--server', server.base], {
    env: { PATH: process.env.PATH, CALLSNARE_ADDR: new URL(server.base).host },
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
}

test('an admin opens a callback of a simulated call, follows it to the lead and back', async () => {
  await joinTeam(server, owner, admin, 'office@acme.test', 'admin');
  simulateMissedCall();
  await withPage(admin, 'evidence-admin', async (page, errors) => {
    await page.goto(`${server.base}/app`);
    await page.getByRole('link', { name: 'Evidence', exact: true }).click();
    await page.waitForURL(`${server.base}/app/evidence`);
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Webhook evidence');
    assert.equal(await page.locator('script[src*="/pkg/"]').count(), 0, 'no wasm on this page');

    const rows = page.locator('.evidence-row');
    await rows.first().waitFor();
    assert.ok((await rows.count()) >= 2, `rows: ${await rows.count()}`);
    const dial = rows.filter({ hasText: 'office phones done ringing' });
    assert.match(await dial.textContent(), /missed/);
    await dial.getByRole('link').first().click();
    await page.waitForURL(/\/app\/evidence\?event=whk_/);
    const fields = page.getByRole('table', { name: 'Form fields' });
    await fields.waitFor();
    assert.match(await fields.textContent(), /DialCallStatus/);
    assert.match(await fields.textContent(), new RegExp(CALLER.replace('+', '\\+')));
    await page.getByRole('heading', { name: 'Answer given' }).waitFor();

    await page.getByRole('link', { name: 'Open the lead' }).click();
    await page.waitForURL(/\/app\/leads\/lead_/);
    const lead = page.url();
    await page.getByText('Missed call', { exact: true }).first().waitFor();
    const evidence = page.locator('.tl-evidence[href*="sid=CA"]').first();
    await evidence.waitFor();
    await evidence.click();
    await page.waitForURL(/\/app\/evidence\?sid=CA/);
    await rows.first().waitFor();
    const linked = await page.locator('.evidence-row a[href^="/app/leads/"]').first().getAttribute('href');
    assert.equal(`${server.base}${linked}`, lead, 'each row links back to the same lead');
    assert.deepEqual(errors, []);
  });
});

test('on a phone the list is one card per callback, without sideways scrolling', async () => {
  await withPage(admin, 'evidence-phone', async (page) => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${server.base}/app/evidence`);
    await page.locator('.evidence-row').first().waitFor();
    assert.equal(await page.locator('.evidence-table thead').isVisible(), false);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `scrolls sideways by ${overflow}px`);
  });
});

test('staff are refused the evidence page and do not see its link', async () => {
  await joinTeam(server, owner, staff, 'tech@acme.test', 'staff');
  await withPage(staff, 'evidence-staff', async (page) => {
    await page.goto(`${server.base}/app`);
    assert.equal(await page.getByRole('link', { name: 'Evidence', exact: true }).count(), 0);
    await page.goto(`${server.base}/app/evidence`);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.equal(await alert.textContent(), "You don't have permission to do that.");
    assert.equal(await page.locator('.evidence-row').count(), 0);
    assert.equal(await page.locator('form[action="/rpc/evidence/retention"]').count(), 0);
  });
});
