// The routing settings page in a real browser: an admin changes the text-back (the live
// count follows as they type), saves, and sees it saved; a refused save keeps what was
// typed and names the field; staff are refused the page and do not see its link.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startServer, launchBrowser, withPage, binary, signInOwner, joinTeam } from '../server.mjs';

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


test('an admin changes the text-back, sees the live count, saves and sees it saved', async () => {
  await joinTeam(server, owner, admin, 'office@acme.test', 'admin');
  await withPage(admin, 'settings-save', async (page, errors) => {
    await page.goto(`${server.base}/app`);
    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    await page.waitForURL(`${server.base}/app/settings`);
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Routing settings');

    const template = page.locator('textarea[name="text_back_template"]');
    const count = page.locator('[data-sms-count]');
    // the saved default, counted by the server (and again by the script: the same)
    assert.equal(await count.textContent(), '142 characters · 1 SMS segment · GSM-7');

    // live, as they type: an emoji makes it UCS-2
    await template.fill('Hi from {business} 🔧 Reply STOP to opt out.');
    assert.equal(await count.textContent(), '51 characters · 1 SMS segment · UCS-2');
    assert.equal(
      await page.locator('[data-sms-text]').textContent(),
      'Hi from Acme Heating & Air 🔧 Reply STOP to opt out.',
    );

    const text = '{business}: sorry we missed your call. We will ring you back within the hour. Reply STOP to opt out.';
    await template.fill(text);
    assert.equal(await count.textContent(), '108 characters · 1 SMS segment · GSM-7');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.waitForURL(`${server.base}/app/settings?saved=1`);
    // the page has other cards (quick replies): the status of this form
    const saved = page.getByRole('status').filter({ hasText: 'Settings saved' });
    await saved.waitFor();
    assert.match(await saved.textContent(), /Settings saved/);
    assert.equal(await template.inputValue(), text);
    assert.equal(await count.textContent(), '108 characters · 1 SMS segment · GSM-7');
    assert.deepEqual(errors, []);
  });
});

test('a refused save changes nothing, names the field and keeps what was typed', async () => {
  await withPage(admin, 'settings-refused', async (page) => {
    await page.goto(`${server.base}/app/settings`);
    const template = page.locator('textarea[name="text_back_template"]');
    const before = await template.inputValue();
    const typed = 'Call us back any time at {business}.';
    await template.fill(typed);
    await page.getByRole('button', { name: 'Save settings' }).click();
    // (`form_for` names the form the error belongs to, so the page shows it by that form)
    await page.waitForURL(/\/app\/settings\?form_error=invalid&form_field=text_back_template(&form_for=settings\/save)?$/);
    const alert = page.getByRole('alert').filter({ hasText: 'Nothing was saved' });
    await alert.waitFor();
    assert.match(await alert.textContent(), /Please check: Text-back\./);
    assert.equal(await page.locator('#text_back_template-error').count(), 1);
    // what was typed is back in the form; what is saved did not change
    assert.equal(await template.inputValue(), typed);
    const resp = await page.request.post(`${server.base}/rpc/settings/get`, { form: {}, headers: { Origin: server.base } });
    assert.equal((await resp.json()).form.text_back_template, before);
  });
});

test('staff are refused the settings page and do not see its link', async () => {
  await joinTeam(server, owner, staff, 'tech@acme.test', 'staff');
  await withPage(staff, 'settings-staff', async (page) => {
    await page.goto(`${server.base}/app`);
    assert.equal(await page.getByRole('link', { name: 'Settings', exact: true }).count(), 0);
    await page.goto(`${server.base}/app/settings`);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.equal(await alert.textContent(), "You don't have permission to do that.");
    assert.equal(await page.locator('form[action="/rpc/settings/save"]').count(), 0);
  });
});

test('hours set in the page close the office: a call gets the after-hours path and one text-back with the saved template', async () => {
  await withPage(admin, 'settings-after-hours', async (page, errors) => {
    await page.goto(`${server.base}/app/settings`);
    for (const day of ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']) {
      await page.locator(`input[name="hours_${day}"]`).fill('closed');
    }
    const text = 'After hours at {business}: we will call you first thing. Reply STOP to opt out.';
    await page.locator('textarea[name="text_back_template"]').fill(text);
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.waitForURL(`${server.base}/app/settings?saved=1`);

    const r = spawnSync(binary, ['simulate', 'missed-call', '--to', '+14155550100', '--from', '+14155552671', '--server', server.base], {
      env: { PATH: process.env.PATH, CALLSNARE_ADDR: new URL(server.base).host },
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);

    const rpc = async (endpoint, form = {}) => {
      const resp = await page.request.post(`${server.base}/rpc/${endpoint}`, { form, headers: { Origin: server.base } });
      assert.equal(resp.status(), 200, await resp.text());
      return resp.json();
    };
    let timeline = [];
    for (let i = 0; i < 50; i += 1) {
      const list = await rpc('leads/list');
      if (list.leads.length > 0) {
        timeline = (await rpc('leads/get', { lead_id: list.leads[0].id })).timeline;
        if (timeline.some((t) => t.kind === 'message_out')) break;
      }
      await page.waitForTimeout(100);
    }
    const calls = timeline.filter((t) => t.kind === 'call');
    assert.equal(calls.length, 1, JSON.stringify(timeline));
    assert.equal(calls[0].title, 'Call after hours', JSON.stringify(calls[0]));
    const texts = timeline.filter((t) => t.kind === 'message_out');
    assert.equal(texts.length, 1, JSON.stringify(timeline));
    assert.equal(texts[0].body, 'After hours at Acme Heating & Air: we will call you first thing. Reply STOP to opt out.');
    assert.deepEqual(errors, []);
  });
});
