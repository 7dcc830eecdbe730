// The tracked numbers page in a real browser, without any wasm: an admin adds a number typed
// in everyday form, is refused when adding it twice, edits its ring timeout (and sees the
// carrier-voicemail warning), reads its Twilio webhook addresses and removes it; the page
// fits a phone's width; staff do not see its link and are refused the page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, withPage, signInOwner, joinTeam } from '../server.mjs';

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


/// The card of the tracked number shown as `display`.
function card(page, display) {
  return page.locator('li.number-card', { has: page.getByRole('heading', { name: display, exact: true }) });
}

test('an admin adds, edits and removes a number through the page', async () => {
  await joinTeam(server, owner, admin, 'office@acme.test', 'admin');
  await withPage(admin, 'numbers-crud', async (page, errors) => {
    await page.goto(`${server.base}/app`);
    await page.getByRole('link', { name: 'Numbers', exact: true }).click();
    await page.waitForURL(`${server.base}/app/numbers`);
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Tracked numbers');
    // the seeded number, and the http-only public URL warning (no CALLSNARE_PUBLIC_URL here)
    assert.equal(await card(page, '(415) 555-0100').count(), 1);
    assert.match(await page.locator('#public-url-warning').textContent(), /CALLSNARE_PUBLIC_URL is not set/);

    // add, typed the way people write numbers
    const add = page.locator('form[action="/rpc/numbers/add"]');
    await add.locator('[name="number"]').fill('(512) 555-0134');
    await add.locator('[name="label"]').fill('Yard signs');
    await add.locator('[name="forward_to"]').fill('512-555-0100\n+1 512 555 0101');
    await page.getByRole('button', { name: 'Add number' }).click();
    await page.waitForURL(`${server.base}/app/numbers?added=1`);
    assert.match(await page.getByRole('status').filter({ hasText: 'Number added' }).textContent(), /Number added/);
    const added = card(page, '(512) 555-0134');
    assert.equal(await added.count(), 1);
    assert.match(await added.textContent(), /Yard signs/);
    assert.match(await added.textContent(), /\(512\) 555-0100, \(512\) 555-0101/);
    assert.match(await added.locator('[data-last-call]').textContent(), /No calls yet/);
    // its Twilio addresses
    await added.locator('summary', { hasText: 'Twilio webhook addresses' }).click();
    assert.match(await added.locator('[data-webhook="voice"]').textContent(), /\/api\/twilio\/voice\/inbound$/);
    assert.match(await added.locator('[data-webhook="status"]').textContent(), /\/api\/twilio\/voice\/status$/);
    assert.match(await added.locator('[data-webhook="messaging"]').textContent(), /\/api\/twilio\/sms\/inbound$/);

    // the same number again is refused, naming the field
    await add.locator('[name="number"]').fill('512.555.0134');
    await add.locator('[name="forward_to"]').fill('(512) 555-0100');
    await page.getByRole('button', { name: 'Add number' }).click();
    // back to the page it came from (`?added=1` and all), naming the field
    await page.waitForURL(/\/app\/numbers\?added=1&form_error=invalid&form_field=number(&form_for=numbers\/add)?$/);
    const refused = page.getByRole('alert').filter({ hasText: 'Nothing was added' });
    await refused.waitFor();
    assert.match(await refused.textContent(), /Please check: Number\./);
    assert.equal(await page.locator('#number-error').count(), 1);
    assert.equal(await page.locator('li.number-card').count(), 2);

    // edit: a long ring timeout is saved, with the voicemail warning
    await card(page, '(512) 555-0134').getByRole('link', { name: 'Edit' }).click();
    await page.waitForURL(/\/app\/numbers\?edit=num_[0-9a-f]{32}/);
    const edit = page.locator('form[action="/rpc/numbers/update"]');
    assert.equal(await edit.locator('[name="forward_to"]').inputValue(), '(512) 555-0100\n(512) 555-0101');
    await edit.locator('[name="label"]').fill('Yard signs (north)');
    await edit.locator('[name="ring_timeout_secs"]').fill('25');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.waitForURL(`${server.base}/app/numbers?saved=1`);
    const edited = card(page, '(512) 555-0134');
    assert.match(await edited.textContent(), /Yard signs \(north\)/);
    assert.match(await edited.textContent(), /25 seconds/);
    assert.match(await edited.locator('[data-voicemail-warning]').textContent(), /Rings for 25 seconds/);
    assert.equal(await card(page, '(415) 555-0100').locator('[data-voicemail-warning]').count(), 0);

    // on a phone: one column, nothing wider than the screen
    await page.setViewportSize({ width: 375, height: 800 });
    await page.reload();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than a phone`);
    await page.setViewportSize({ width: 1280, height: 900 });

    // remove, after saying so
    const removing = card(page, '(512) 555-0134');
    await removing.locator('summary', { hasText: 'Remove' }).click();
    await removing.getByRole('button', { name: 'Remove (512) 555-0134' }).click();
    await page.waitForURL(`${server.base}/app/numbers?removed=1`);
    assert.match(await page.getByRole('status').filter({ hasText: 'Number removed' }).textContent(), /Number removed/);
    assert.equal(await card(page, '(512) 555-0134').count(), 0);
    assert.equal(await card(page, '(415) 555-0100').count(), 1);
    assert.ok(!(await page.content()).includes('/pkg/callsnare.js'), 'the numbers page loads no wasm');
    assert.deepEqual(errors, []);
  });
});

test('staff do not see the numbers link and are refused the page', async () => {
  await joinTeam(server, owner, staff, 'tech@acme.test', 'staff');
  await withPage(staff, 'numbers-staff', async (page) => {
    await page.goto(`${server.base}/app`);
    assert.equal(await page.getByRole('link', { name: 'Numbers', exact: true }).count(), 0);
    await page.goto(`${server.base}/app/numbers`);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.equal(await alert.textContent(), "You don't have permission to do that.");
    assert.equal(await page.locator('form[action="/rpc/numbers/add"]').count(), 0);
  });
});
