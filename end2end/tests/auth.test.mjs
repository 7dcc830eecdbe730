import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, withPage, signIn, OWNER_EMAIL, OWNER_PASSWORD } from '../server.mjs';

let server;
let owner;
let member;

before(async () => {
  server = await startServer({}, { seed: true });
  owner = await launchBrowser();
  member = await launchBrowser();
});

after(async () => {
  await owner?.close();
  await member?.close();
  await server?.stop();
});

test('an owner signs in and sees the app', async () => {
  await withPage(owner, 'owner-signs-in', async (page, errors) => {
    await signIn(page, server.base, OWNER_EMAIL, OWNER_PASSWORD);
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Inbox');
    assert.ok(await page.getByText('Acme Heating & Air', { exact: true }).isVisible());
    assert.ok(await page.getByRole('link', { name: 'Team' }).isVisible());
    assert.deepEqual(errors, []);
  });
});

test('a wrong password shows one calm message', async () => {
  await withPage(member, 'wrong-password', async (page) => {
    await page.goto(`${server.base}/login`);
    await page.getByLabel('Email').fill(OWNER_EMAIL);
    await page.getByLabel('Password').fill('not the password at all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.equal(await alert.textContent(), "That email and password don't match an account.");
    assert.ok(page.url().endsWith('/login'));
  });
});

test('an admin adds a member, who sets a password through the link and signs in; staff cannot open the team page', async () => {
  let link;
  await withPage(owner, 'add-member', async (page) => {
    await page.goto(`${server.base}/app/team`);
    await page.getByLabel('Email').fill('tech@acme.test');
    await page.getByRole('button', { name: 'Add member' }).click();
    const box = page.getByLabel('Set-password link');
    await box.waitFor();
    link = await box.inputValue();
    assert.match(link, /\/set-password\?token=[0-9a-f]{64}$/);
    await page.getByRole('cell', { name: 'tech@acme.test' }).waitFor();
  });

  await withPage(member, 'member-sets-password', async (page) => {
    await page.goto(link);
    await page.getByLabel('New password (at least 12 characters)').fill('tech password 2026');
    await page.getByRole('button', { name: 'Set password and sign in' }).click();
    await page.waitForURL(`${server.base}/app`);
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Inbox');
    assert.equal(await page.getByRole('link', { name: 'Team' }).count(), 0, 'staff do not see the Team link');

    await page.goto(`${server.base}/app/team`);
    await page.getByRole('alert').waitFor();
    assert.equal(await page.getByRole('alert').textContent(), "You don't have permission to do that.");
    assert.equal(await page.getByText(OWNER_EMAIL).count(), 0, 'no member list for staff');
  });

  await withPage(member, 'link-used-once', async (page) => {
    await page.goto(link);
    await page.getByRole('alert').waitFor();
    assert.match(await page.getByRole('alert').textContent(), /invalid or has expired/);
  });
});

test('after sign-out the back button shows nothing protected', async () => {
  await withPage(owner, 'sign-out-back', async (page) => {
    await page.goto(`${server.base}/app/team`);
    await page.getByRole('cell', { name: OWNER_EMAIL }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${server.base}/login`);
    await page.goBack();
    await page.waitForURL(/\/login/);
    assert.equal(await page.getByText(OWNER_EMAIL).count(), 0);
    assert.equal(await page.getByRole('heading', { name: 'Sign in' }).count(), 1);
  });
});
