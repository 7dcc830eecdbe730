import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, withPage, signIn, cli, waitForIslands, OWNER_EMAIL, OWNER_PASSWORD } from '../server.mjs';

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
    // exact: the first-run inbox has an "Invite the team" link too
    assert.ok(await page.getByRole('link', { name: 'Team', exact: true }).isVisible());
    assert.deepEqual(errors, []);
  });
});

test('a wrong password shows one calm message', async () => {
  await withPage(member, 'wrong-password', async (page) => {
    await page.goto(`${server.base}/login`);
    await page.getByLabel('Email').fill(OWNER_EMAIL);
    await page.getByLabel('Password').fill('not the password at all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    // The sign-in page loads no wasm: the form posts, and the server sends the browser back
    // to the form (`/login?error=1&next=…`) with one message.
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.textContent(), /^That email and password don't match an account/);
    assert.equal(await page.getByRole('alert').count(), 1);
    assert.equal(new URL(page.url()).pathname, '/login');
  });
});

test('an admin invites a member, who joins through the mailed link and signs in; staff cannot open the team page', async () => {
  await withPage(owner, 'invite-member', async (page) => {
    await page.goto(`${server.base}/app/team`);
    // the invitation form is an island: its inline answer needs it hydrated
    await waitForIslands(page);
    await page.getByLabel('Email').fill('tech@acme.test');
    await page.getByRole('button', { name: 'Send invitation' }).click();
    const sent = page.getByRole('status').filter({ hasText: 'Invitation sent' });
    await sent.waitFor();
    assert.match(await sent.textContent(), /Invitation sent to tech@acme\.test/);
    assert.equal(await page.getByText(/token=/).count(), 0, 'the admin never sees the link');
    // listed as a pending invitation, not as a member
    await page.getByRole('cell', { name: 'tech@acme.test' }).waitFor();
  });

  // No SMTP in this run: the mail waits in the outbox for the operator.
  const held = cli(server.env, ['mail', 'list', '--to', 'tech@acme.test']);
  const link = held.match(/http\S+\/invite\?token=[0-9a-f]{64}/)?.[0];
  assert.ok(link, held);

  await withPage(member, 'member-accepts-invitation', async (page) => {
    await page.goto(link);
    await page.getByLabel('Password (at least 12 characters)').fill('tech password 2026');
    await page.getByRole('button', { name: 'Create account and join' }).click();
    await page.waitForURL(`${server.base}/app`);
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Inbox');
    assert.equal(await page.getByRole('link', { name: 'Team', exact: true }).count(), 0, 'staff do not see the Team link');

    await page.goto(`${server.base}/app/team`);
    await page.getByRole('alert').waitFor();
    assert.equal(await page.getByRole('alert').textContent(), "You don't have permission to do that.");
    assert.equal(await page.getByText(OWNER_EMAIL).count(), 0, 'no member list for staff');
  });

  await withPage(member, 'link-used-once', async (page) => {
    await page.goto(link);
    await page.getByRole('alert').waitFor();
    assert.match(await page.getByRole('alert').textContent(), /invalid, has expired or was withdrawn/);
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
