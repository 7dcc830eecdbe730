// Starts the real release `callsnare` binary on a free port with a fresh temp database,
// and a headless Debian chromium, for one test file.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const binary = process.env.CALLSNARE_BIN ?? join(root, 'target/release/callsnare');

async function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

/// Runs the operator CLI against the server's database (seeding before start-up).
export function cli(env, args) {
  const r = spawnSync(binary, args, { env: { ...env, CALLSNARE_OWNER_PASSWORD: OWNER_PASSWORD }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`callsnare ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

export const OWNER_EMAIL = 'owner@acme.test';
export const OWNER_PASSWORD = 'correct horse battery staple';

/// The tracked number the seeded org answers on.
export const TRACKED = '+14155550100';

/// The org most tests use: Acme, in America/Chicago, owned by OWNER_EMAIL, one tracked
/// number. Also callable on a running server (the CLI writes the same database).
export function seedAcme(env) {
  cli(env, ['org', 'create', '--name', 'Acme Heating & Air', '--slug', 'acme', '--timezone', 'America/Chicago', '--owner-email', OWNER_EMAIL]);
  cli(env, ['number', 'add', '--org', 'acme', '--number', TRACKED, '--forward-to', '+14155550101']);
}

/// `databaseUrl` runs the server on a database the caller owns (a PostgreSQL one several
/// instances share) instead of a temp SQLite file; the caller then makes and drops it.
export async function startServer(extraEnv = {}, { seed = false, databaseUrl = null } = {}) {
  if (!existsSync(binary)) throw new Error(`server binary missing: ${binary} (run cargo leptos build --release)`);
  const dir = databaseUrl ? null : mkdtempSync(join(tmpdir(), 'callsnare-e2e-'));
  const port = await freePort();
  const env = {
    PATH: process.env.PATH,
    DATABASE_URL: databaseUrl ?? `sqlite://${join(dir, 'callsnare.db')}`,
    CALLSNARE_ADDR: `127.0.0.1:${port}`,
    LEPTOS_SITE_ROOT: join(root, 'target/site'),
    LEPTOS_OUTPUT_NAME: 'callsnare',
    RUST_LOG: process.env.RUST_LOG ?? 'warn',
    ...extraEnv,
  };
  if (seed) seedAcme(env);
  const child = spawn(binary, ['serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d) => { log += d; });
  child.stderr.on('data', (d) => { log += d; });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${log}`);
    try {
      const r = await fetch(`${base}/readyz`);
      if (r.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) throw new Error(`server not ready in 20 s:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    base, dir, env,
    log: () => log,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
      // Each run makes a database and a log; left behind they fill the disk over many runs.
      if (dir && !process.env.CALLSNARE_KEEP_TMP) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/// Signs in through the real form and waits for the app.
export async function signIn(page, base, email, password) {
  await page.goto(`${base}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${base}/app`);
}

/// Waits until the page's islands have hydrated (`<html data-hydrated>`, set by every
/// island once its handlers are attached). Before that, island forms post as plain forms:
/// they work, but answer with a reload instead of an inline result.
export async function waitForIslands(page, timeout = 15_000) {
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached', timeout });
}

/// The two sizes the layout is checked at: a laptop, and a 390×844 phone (an iPhone 12–15
/// class screen: touch, no hover, 3× pixels).
export const DESKTOP = { viewport: { width: 1280, height: 800 } };
export const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 3 };

/// A chromium with one browser context; `contextOptions` are Playwright's context options
/// (viewport, isMobile, hasTouch, javaScriptEnabled, …).
export async function launchBrowser(contextOptions = {}) {
  const userDataDir = mkdtempSync(join(tmpdir(), 'callsnare-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    ...contextOptions,
  });
  // The profile is removed once chromium has exited; left behind, every run adds a few MB.
  const close = context.close.bind(context);
  context.close = async (...args) => {
    await close(...args);
    try {
      rmSync(userDataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    } catch (err) {
      console.warn(`could not remove ${userDataDir}: ${err}`);
    }
  };
  return context;
}

/// Runs `fn(page)`; on failure saves a screenshot under end2end/screenshots/ and rethrows.
/// Any Content-Security-Policy violation the browser reports fails the test: a blocked
/// script would silently stop hydration.
export async function withPage(context, name, fn) {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const cspViolations = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  try {
    await fn(page, errors);
    if (cspViolations.length > 0) {
      throw new Error(`Content Security Policy violations: ${JSON.stringify(cspViolations)}`);
    }
  } catch (err) {
    const dir = join(root, 'end2end/screenshots');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${name.replace(/[^a-z0-9]+/gi, '-')}.png`);
    await page.screenshot({ path: file, fullPage: true }).catch(() => {});
    err.message += `\n(screenshot: ${file}; page errors: ${JSON.stringify(errors)})`;
    throw err;
  } finally {
    await page.close();
  }
}

/// Signs `context` in as the seeded owner through the sign-in server function (no page).
export async function signInOwner(server, context) {
  const resp = await context.request.post(`${server.base}/rpc/auth/login`, {
    form: { email: OWNER_EMAIL, password: OWNER_PASSWORD, next: '/app' },
    headers: { Origin: server.base },
    maxRedirects: 0,
  });
  if (resp.status() >= 400) throw new Error(`sign-in answered ${resp.status()}`);
}

/// The signed-in `owner` invites `email` with `role`; the invitee joins through the mailed
/// link in `context` and lands in the app, signed in.
export async function joinTeam(server, owner, context, email, role) {
  const resp = await owner.request.post(`${server.base}/rpc/team/add`, {
    form: { email, role },
    headers: { Origin: server.base },
  });
  if (resp.status() !== 200) throw new Error(`team/add answered ${resp.status()}: ${await resp.text()}`);
  const held = cli(server.env, ['mail', 'list', '--to', email]);
  const link = held.match(/http\S+\/invite\?token=[0-9a-f]{64}/)?.[0];
  if (!link) throw new Error(`no invitation link for ${email} in:\n${held}`);
  await withPage(context, `join-${role}`, async (page) => {
    await page.goto(link);
    await page.getByLabel('Password (at least 12 characters)').fill(`${role} password 2026`);
    await page.getByRole('button', { name: 'Create account and join' }).click();
    await page.waitForURL(`${server.base}/app`);
  });
}

/// Calls a server function the way the app's forms do (form-encoded, same origin) and
/// returns its JSON answer; `request` is a context's or page's `request`.
export async function rpc(request, server, endpoint, form = {}) {
  const resp = await request.post(`${server.base}/rpc/${endpoint}`, { form, headers: { Origin: server.base } });
  const text = await resp.text();
  if (resp.status() !== 200) throw new Error(`rpc ${endpoint} answered ${resp.status()}: ${text}`);
  return text ? JSON.parse(text) : null;
}

/// Saves the routing settings as they are but with no quiet hours (24:00–00:00: every
/// minute may send), so a reply is sent at once whatever the hour the tests run at
/// (in quiet hours the reply form offers "Hold until the morning", ticked).
export async function noQuietHours(request, server) {
  const { form } = await rpc(request, server, 'settings/get');
  const post = {
    timezone: form.timezone,
    closure_dates: form.closure_dates,
    after_hours_greeting: form.after_hours_greeting,
    text_back_template: form.text_back_template,
    cooldown_minutes: form.cooldown_minutes,
    quiet_start: '24:00',
    quiet_end: '00:00',
    escalation_number: form.escalation_number,
    escalation_minutes: form.escalation_minutes,
  };
  ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].forEach((d, i) => { post[`hours_${d}`] = form.hours[i]; });
  if (form.hold_text_backs) post.hold_text_backs = 'true';
  await rpc(request, server, 'settings/save', post);
}

/// The id of the lead of the caller `e164`, waiting (up to 5 s) for it to exist.
export async function leadIdFor(request, server, e164) {
  for (let i = 0; i < 50; i += 1) {
    const page = await rpc(request, server, 'leads/list');
    const lead = page.leads.find((l) => l.caller_number === e164);
    if (lead) return lead.id;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no lead for ${e164}`);
}

/// A North American number as people write it: +14155552671 → (415) 555-2671.
export function national(e164) {
  const m = e164.match(/^\+1(\d{3})(\d{3})(\d{4})$/);
  if (!m) throw new Error(`not a NANP number: ${e164}`);
  return `(${m[1]}) ${m[2]}-${m[3]}`;
}

/// A calendar date in the org's timezone, `days` after today there, as YYYY-MM-DD (what a
/// date input takes). Calendar arithmetic, so DST days do not shift it.
export function orgDate(days = 0, timeZone = 'America/Chicago') {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
  const d = new Date(`${today}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}
