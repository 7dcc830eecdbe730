// Two release servers sharing one PostgreSQL database, as behind a load balancer: a missed
// call that Twilio delivers to instance B shows up live in an inbox open on instance A (the
// LISTEN/NOTIFY relay), and is in A's inbox after a reload (the shared database).
//
// Needs a PostgreSQL cluster: CALLSNARE_TEST_POSTGRES is its admin URL (scripts/test.sh
// starts a throwaway one and keeps it up through this step); without it the test is skipped.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { startServer, launchBrowser, withPage, signIn, waitForIslands, seedAcme, national, DESKTOP, TRACKED, OWNER_EMAIL, OWNER_PASSWORD } from '../server.mjs';
import { startFakeTwilio, simulateMissedCall } from '../fake_twilio.mjs';

const ADMIN = process.env.CALLSNARE_TEST_POSTGRES;
const SKIP = ADMIN ? false : 'CALLSNARE_TEST_POSTGRES is not set (two instances need a shared PostgreSQL database)';
const CALLER = '+14155552671';
const CALLER_SHOWN = national(CALLER);

let database;
let fake;
let a;
let b;
let browser;

/// Runs one statement as the cluster's admin (CREATE/DROP DATABASE cannot run in a transaction,
/// so psql's single -c is the simplest way from node).
function psql(sql) {
  const r = spawnSync('psql', [ADMIN, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', sql], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`psql ${sql} failed: ${r.error ?? r.stderr}`);
}

/// A fresh database on the cluster, named at random so runs never meet; its URL is the admin
/// URL with the database (the last path segment) replaced.
function createDatabase() {
  const name = `cs_e2e_${randomBytes(6).toString('hex')}`;
  psql(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN);
  url.pathname = `/${name}`;
  return { name, url: url.toString() };
}

/// Waits until the instance's listener hears the others (`/readyz` answers ready while it
/// is still connecting, within its grace period); a call relayed before that would be lost.
async function listening(server, timeout = 10_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const body = await (await fetch(`${server.base}/readyz`)).json();
    if (body.checks?.live_listener?.status === 'connected') return body.instance;
    if (Date.now() > deadline) throw new Error(`${server.base} listener not connected in ${timeout} ms: ${JSON.stringify(body)}\n${server.log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

before(async () => {
  if (!ADMIN) return;
  database = createDatabase();
  // both instances verify Twilio's signatures with the same token, as one deployment would
  fake = await startFakeTwilio();
  // the CLI migrates the new database and seeds the org once; B finds it already migrated
  a = await startServer(fake.env, { databaseUrl: database.url });
  seedAcme(a.env);
  b = await startServer(fake.env, { databaseUrl: database.url });
  browser = await launchBrowser(DESKTOP);
});

after(async () => {
  await browser?.close();
  await a?.stop();
  await b?.stop();
  await fake?.stop();
  if (database) psql(`DROP DATABASE IF EXISTS ${database.name} WITH (FORCE)`);
});

test('a missed call delivered to instance B appears live in the inbox open on instance A', { skip: SKIP }, async () => {
  const [idA, idB] = [await listening(a), await listening(b)];
  assert.notEqual(idA, idB, 'two instances, each with its own id');

  await withPage(browser, 'two-instances-live', async (page, errors) => {
    await signIn(page, a.base, OWNER_EMAIL, OWNER_PASSWORD);
    await page.getByRole('heading', { level: 1, name: 'Inbox' }).waitFor();
    assert.equal(await page.locator('.lead-row').count(), 0);
    // the inbox island opens the live feed once hydrated; give the EventSource a moment to
    // connect, as an open inbox tab would be
    await waitForIslands(page);
    await page.waitForTimeout(500);

    const started = Date.now();
    simulateMissedCall(b, { from: CALLER, to: TRACKED });
    const row = page.locator('.lead-row').filter({ hasText: CALLER_SHOWN });
    await row.waitFor({ timeout: 5_000 });
    console.log(`# lead taken on B appeared live on A ${Date.now() - started} ms after the simulated missed call (no reload)`);
    assert.equal(new URL(page.url()).origin, a.base, 'still on instance A');
    // counted as news by A's live feed, as a lead taken on A itself would be
    assert.match(await page.title(), /^\(\d+\) Inbox/);

    // not only relayed: the lead is in the database both instances share
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Inbox' }).waitFor();
    await row.waitFor();
    assert.equal(await row.count(), 1);
    assert.deepEqual(errors, []);
  });
});
