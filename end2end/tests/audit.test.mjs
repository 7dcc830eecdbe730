// The audit trail in a real browser: an admin makes a settings change, finds it in the
// audit trail with before → after and the chain intact, filters by action (a plain GET
// form: the URL carries the filter), sees the table as cards on a phone, and staff are
// refused the page and do not see its link.
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


/// Saves the routing settings as they are, but for the cooldown; answers the old cooldown.
async function changeCooldown(request, minutes) {
  const got = await request.post(`${server.base}/rpc/settings/get`, { form: {}, headers: { Origin: server.base } });
  assert.equal(got.status(), 200);
  const { form } = await got.json();
  const days = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
  const post = {
    timezone: form.timezone,
    closure_dates: form.closure_dates,
    after_hours_greeting: form.after_hours_greeting,
    text_back_template: form.text_back_template,
    cooldown_minutes: String(minutes),
    quiet_start: form.quiet_start,
    quiet_end: form.quiet_end,
    escalation_number: form.escalation_number,
    escalation_minutes: form.escalation_minutes,
  };
  days.forEach((d, i) => { post[`hours_${d}`] = form.hours[i]; });
  if (form.hold_text_backs) post.hold_text_backs = 'true';
  const saved = await request.post(`${server.base}/rpc/settings/save`, { form: post, headers: { Origin: server.base } });
  assert.equal(saved.status(), 200, await saved.text());
  return form.cooldown_minutes;
}

test('an admin finds a settings change with before → after, filters by action, and reads it on a phone', async () => {
  await joinTeam(server, owner, admin, 'office@acme.test', 'admin');
  await withPage(admin, 'audit-admin', async (page, errors) => {
    const was = await changeCooldown(page.request, 55);
    await page.goto(`${server.base}/app`);
    await page.getByRole('link', { name: 'Audit trail', exact: true }).click();
    await page.waitForURL(`${server.base}/app/audit`);
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Audit trail');

    const banner = page.locator('.audit-chain-ok');
    await banner.waitFor();
    assert.match(await banner.textContent(), /Chain intact\./);
    assert.match(await banner.textContent(), /hash [0-9a-f]{64}/);

    const change = page.locator('tr[data-action="settings.changed"]').first();
    await change.waitFor();
    assert.match(await change.textContent(), /office@acme\.test/);
    assert.match(await change.textContent(), /Settings changed/);
    assert.equal(await change.locator('.audit-changes li').first().textContent(), `Cooldown: ${was} → 55`);
    assert.equal(await change.getByRole('link', { name: 'Routing settings' }).getAttribute('href'), '/app/settings');
    assert.match(await change.locator('.audit-ip').textContent(), /127\.0\.0\.1/);
    // the newest first: the change is the first row
    assert.equal(await page.locator('tr.audit-row').first().getAttribute('data-action'), 'settings.changed');

    // filter by action: a plain GET form, so the URL says what is shown
    await page.getByLabel('Action').selectOption('member.invited');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/\/app\/audit\?.*action=member\.invited/);
    const actions = await page.locator('tr.audit-row').evaluateAll((rows) => rows.map((r) => r.dataset.action));
    assert.ok(actions.length >= 1);
    assert.ok(actions.every((a) => a === 'member.invited'), JSON.stringify(actions));
    const exportHref = await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href');
    assert.equal(exportHref, '/app/audit.csv?action=member.invited');
    const csv = await page.request.get(`${server.base}${exportHref}`);
    assert.equal(csv.status(), 200);
    const lines = (await csv.text()).trim().split('\r\n');
    assert.ok(lines[0].startsWith('time,time_utc,actor_kind'));
    assert.equal(lines.length, actions.length + 1);

    // a bad date in the URL is refused with a message, the form still there
    await page.goto(`${server.base}/app/audit?from=2026-02-30`);
    assert.match(await page.getByRole('alert').first().textContent(), /Dates are YYYY-MM-DD/);
    assert.equal(await page.locator('form.audit-filters').count(), 1);

    // on a phone: one card per record, no table header
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${server.base}/app/audit`);
    await page.locator('tr.audit-row').first().waitFor();
    assert.equal(await page.locator('.audit-table thead').isVisible(), false);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `no sideways scrolling on a phone (${width}px)`);
    assert.deepEqual(errors, []);
  });
});

test('staff are refused the audit trail and do not see its link', async () => {
  await joinTeam(server, owner, staff, 'tech@acme.test', 'staff');
  await withPage(staff, 'audit-staff', async (page) => {
    await page.goto(`${server.base}/app`);
    assert.equal(await page.getByRole('link', { name: 'Audit trail', exact: true }).count(), 0);
    await page.goto(`${server.base}/app/audit`);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.equal(await alert.textContent(), "You don't have permission to do that.");
    assert.equal(await page.locator('form.audit-filters').count(), 0);
    const csv = await page.request.get(`${server.base}/app/audit.csv`);
    assert.equal(csv.status(), 403);
    const list = await page.request.post(`${server.base}/rpc/audit/list`, { form: {}, headers: { Origin: server.base } });
    assert.equal(list.status(), 403);
  });
});
