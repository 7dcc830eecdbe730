// The lead page as an office manager uses it, on a desktop and on a phone, with texts going
// to a fake Twilio (end2end/fake_twilio.mjs) so what a customer really receives is counted:
// two fast clicks on "Send reply" send one text, and so does a form posted twice without
// JavaScript; a booking in the past is refused and stores nothing; a booking, its
// reschedule and its cancellation each text the customer once and keep the list and the
// recovery figures right; quick replies, the character counter, the Call / Text links and
// the internal-events toggle work; on a phone the reply box stays in reach.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, launchBrowser, withPage, waitForIslands, signInOwner, rpc, leadIdFor, national,
  orgDate, noQuietHours, DESKTOP, PHONE, TRACKED, OWNER_EMAIL,
} from '../server.mjs';
import { startFakeTwilio, simulateMissedCall, customerTexts } from '../fake_twilio.mjs';

const DESKTOP_CALLER = '+14155552671';
const PHONE_CALLER = '+14155552672';
const NOJS_CALLER = '+14155552673';
const BOOKING_CALLER = '+14155552674';
const QUICK_REPLIES = [
  "We're on it — a technician will call you shortly.",
  "Can you send a photo of the unit's model label?",
  "What's the best time for us to come by?",
];

let fake;
let server;
const browsers = {};

before(async () => {
  fake = await startFakeTwilio();
  server = await startServer(fake.env, { seed: true });
  browsers.desktop = await launchBrowser(DESKTOP);
  browsers.phone = await launchBrowser(PHONE);
  browsers.nojs = await launchBrowser({ ...DESKTOP, javaScriptEnabled: false });
  for (const b of Object.values(browsers)) await signInOwner(server, b);
  await noQuietHours(browsers.desktop.request, server);
});

after(async () => {
  for (const b of Object.values(browsers)) await b.close();
  await server?.stop();
  await fake?.stop();
});

// ── helpers ─────────────────────────────────────────────────────────────────────────────

/// A lead from a missed call (its text-back reached the fake Twilio); answers its id.
async function newLead(caller) {
  const started = Date.now();
  simulateMissedCall(server, { from: caller, to: TRACKED });
  const textBack = await fake.waitForText((m) => m.to === caller);
  assert.equal(textBack.from, TRACKED, 'texts go out from the tracked number');
  console.log(`# ${national(caller)}: signed missed call → text-back at the fake Twilio in ${Date.now() - started} ms`);
  return leadIdFor(browsers.desktop.request, server, caller);
}

const leadUrl = (id) => `${server.base}/app/leads/${id}`;
const replyForm = (page) => page.locator('form').filter({ has: page.getByRole('button', { name: 'Send reply', exact: true }) });
const bookForm = (page) => page.locator('form').filter({ has: page.getByRole('button', { name: 'Book', exact: true }) });
const textsWithBody = (body) => fake.messages.filter((m) => m.body === body);

async function timelineOut(id, body) {
  const detail = await rpc(browsers.desktop.request, server, 'leads/get', { lead_id: id });
  return detail.timeline.filter((t) => t.kind === 'message_out' && t.body === body);
}

/// Clicks, then waits for the page the server answers with (a plain form post: the
/// redirect lands as a new document).
async function submitAndLand(page, click) {
  const landed = page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame() });
  await click();
  await landed;
  await page.waitForLoadState('load');
}

/// How a text may write a date: "December 13", "Dec 13", "12/13".
function mentionsDate(text, iso) {
  const d = new Date(`${iso}T12:00:00Z`);
  const month = (m) => new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', month: m }).format(d);
  const day = d.getUTCDate();
  return [`${month('long')} ${day}`, `${month('short')} ${day}`, `${d.getUTCMonth() + 1}/${day}`]
    .some((s) => new RegExp(`(^|\\W)${s.replace('/', '\\/')}(\\D|$)`).test(text));
}

/// How a text may write a time on the hour: "1:00 pm", "1 pm", "1:00 PM", "13:00".
function mentionsHour(text, h24) {
  const h12 = ((h24 + 11) % 12) + 1;
  const ampm = h24 < 12 ? 'a' : 'p';
  return new RegExp(`(^|\\D)${h12}(:00)?\\s?${ampm}\\.?m\\.?`, 'i').test(text) || text.includes(`${h24}:00`);
}

/// The bookings list's day: "Sun Dec 13" (or "Sun, Dec 13").
function dayPattern(iso) {
  const d = new Date(`${iso}T12:00:00Z`);
  const f = (o) => new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', ...o }).format(d);
  return new RegExp(`${f({ weekday: 'short' })},? ${f({ month: 'short' })} ${d.getUTCDate()}(\\D|$)`);
}

/// Polls `read` until `ok(value)`, up to `timeout`; answers the last value.
async function until(read, ok, timeout = 5_000) {
  const end = Date.now() + timeout;
  let v = await read();
  while (!ok(v) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 100));
    v = await read();
  }
  return v;
}

/// Waits until `to` has been texted `n` times in all.
async function textsArrive(to, n, timeout = 10_000) {
  const got = await until(() => fake.textsTo(to).length, (k) => k >= n, timeout);
  assert.ok(got >= n, `${to} was texted ${got} times, waited for ${n}`);
}

// ── never twice ─────────────────────────────────────────────────────────────────────────

test('desktop: a double click on "Send reply" sends one text; the box empties, says "Sent ✓", and the lead is assigned to the replier', async () => {
  const id = await newLead(DESKTOP_CALLER);
  await withPage(browsers.desktop, 'lead-double-click-desktop', async (page, errors) => {
    await page.goto(leadUrl(id));
    await waitForIslands(page);
    const form = replyForm(page);
    const body = `A tech can be there by 8:30 (desktop ${Date.now()})`;
    await form.getByLabel('Message', { exact: true }).fill(body);
    const started = Date.now();
    await form.getByRole('button', { name: 'Send reply', exact: true }).dblclick();
    await page.getByRole('status').filter({ hasText: 'Sent ✓' }).waitFor();
    await fake.waitForText((m) => m.body === body);
    console.log(`# desktop double click: "Sent ✓" and the text at the fake Twilio ${Date.now() - started} ms after the click`);
    await fake.settle();
    assert.equal(textsWithBody(body).length, 1, 'one text at Twilio');
    assert.equal((await timelineOut(id, body)).length, 1, 'one text on the timeline');
    assert.equal(await replyForm(page).getByLabel('Message', { exact: true }).inputValue(), '');
    assert.equal(textsWithBody(body)[0].to, DESKTOP_CALLER);

    // replying to an unassigned lead assigns it to the replier
    const detail = await rpc(page.request, server, 'leads/get', { lead_id: id });
    assert.ok(detail.lead.assigned_to, JSON.stringify(detail.lead));
    await page.getByText(`Assigned to ${OWNER_EMAIL}`).first().waitFor();
    assert.deepEqual(errors, []);
  });
});

test('phone: two quick taps on "Send reply" send one text; the box empties and says "Sent ✓"', async () => {
  const id = await newLead(PHONE_CALLER);
  await withPage(browsers.phone, 'lead-double-tap-phone', async (page, errors) => {
    await page.goto(leadUrl(id));
    await waitForIslands(page);
    const form = replyForm(page);
    const body = `On our way (phone ${Date.now()})`;
    await form.getByLabel('Message', { exact: true }).fill(body);
    const send = form.getByRole('button', { name: 'Send reply', exact: true });
    // the second tap does not wait for the first (nor for the button to be enabled again)
    await Promise.all([send.tap(), send.tap({ force: true })]);
    await page.getByRole('status').filter({ hasText: 'Sent ✓' }).waitFor();
    await fake.waitForText((m) => m.body === body);
    await fake.settle();
    assert.equal(textsWithBody(body).length, 1, 'one text at Twilio');
    assert.equal((await timelineOut(id, body)).length, 1, 'one text on the timeline');
    assert.equal(await replyForm(page).getByLabel('Message', { exact: true }).inputValue(), '');
    assert.deepEqual(errors, []);
  });
});

test('no JavaScript: the reply form posted twice (back button, submit again) sends one text; the second says "Already sent"', async () => {
  const id = await newLead(NOJS_CALLER);
  await withPage(browsers.nojs, 'lead-nojs-resubmit', async (page) => {
    await page.goto(leadUrl(id));
    const form = replyForm(page);
    const token = await form.locator('input[name="form_token"]').inputValue();
    assert.ok(token, 'the reply form carries a form_token');
    const body = `Booked you in for tomorrow (no-JS ${Date.now()})`;
    await form.getByLabel('Message', { exact: true }).fill(body);
    await submitAndLand(page, () => form.getByRole('button', { name: 'Send reply', exact: true }).click());
    assert.equal(await page.getByRole('alert').filter({ hasText: 'Already sent' }).count(), 0);
    await fake.waitForText((m) => m.body === body);

    await page.goBack();
    const again = replyForm(page);
    const backToken = await again.locator('input[name="form_token"]').inputValue();
    const restored = await again.getByLabel('Message', { exact: true }).inputValue();
    console.log(`# no-JS back button: the form came back with ${backToken === token ? 'the same token' : 'a fresh token (the page is no-store, so it is fetched again)'}, its text ${restored === body ? 'restored by the browser' : 'empty'}`);
    // The same form once more: if the browser fetched the page again, put the first
    // token back, as a resubmitted or retried post carries it.
    if (backToken !== token) await again.locator('input[name="form_token"]').evaluate((e, t) => { e.value = t; }, token);
    if (restored !== body) await again.getByLabel('Message', { exact: true }).fill(body);
    await submitAndLand(page, () => again.getByRole('button', { name: 'Send reply', exact: true }).click());
    const refused = page.getByRole('alert').filter({ hasText: 'Already sent' });
    await refused.waitFor();
    assert.match(await refused.textContent(), /Already sent — this form was submitted twice\./);
    await fake.settle();
    assert.equal(textsWithBody(body).length, 1, 'one text at Twilio');
    assert.equal((await timelineOut(id, body)).length, 1, 'one text on the timeline');

    // a double click without JavaScript: the browser may post the form twice (same token)
    await page.goto(leadUrl(id));
    const fresh = replyForm(page);
    const body2 = `See you at 9 (no-JS double click ${Date.now()})`;
    await fresh.getByLabel('Message', { exact: true }).fill(body2);
    let posts = 0;
    page.on('request', (r) => { if (r.method() === 'POST' && r.url().includes('/rpc/leads/reply')) posts += 1; });
    await fresh.getByRole('button', { name: 'Send reply', exact: true }).dblclick();
    await fake.waitForText((m) => m.body === body2);
    await page.waitForLoadState('load');
    await fake.settle();
    console.log(`# no-JS double click: ${posts} POST(s) of the reply form left the browser`);
    assert.equal(textsWithBody(body2).length, 1, 'one text at Twilio');
  });
});

// ── bookings that hold ──────────────────────────────────────────────────────────────────

let bookingLead;

test('a booking in the past is refused where it is made, and nothing is stored', async () => {
  bookingLead = await newLead(BOOKING_CALLER);
  const before = await rpc(browsers.desktop.request, server, 'leads/get', { lead_id: bookingLead });
  await withPage(browsers.desktop, 'booking-past', async (page, errors) => {
    await page.goto(leadUrl(bookingLead));
    await waitForIslands(page);
    const book = bookForm(page);
    assert.equal(await book.getByLabel('Text the customer a confirmation').isChecked(), true, 'the confirmation text is offered ticked');
    const texts = fake.textsTo(BOOKING_CALLER).length;
    await book.getByLabel('Date', { exact: true }).fill(orgDate(-1));
    await book.getByLabel('Arrive from', { exact: true }).fill('08:00');
    await book.getByLabel('to', { exact: true }).fill('10:00');
    await book.getByRole('button', { name: 'Book', exact: true }).click();
    const refused = page.getByRole('alert').filter({ hasText: 'in the past' });
    await refused.waitFor();
    console.log(`# past booking (${orgDate(-1)}, America/Chicago): "${(await refused.textContent()).trim()}"`);
    assert.equal(await page.locator('li.booking').count(), 0, 'nothing in the Bookings list');
    await fake.settle(1_000);
    const after = await rpc(page.request, server, 'leads/get', { lead_id: bookingLead });
    assert.equal(after.lead.status, before.lead.status, 'status unchanged');
    assert.equal(after.timeline.filter((t) => t.kind === 'booking').length, 0, 'no booking on the timeline');
    assert.equal(fake.textsTo(BOOKING_CALLER).length, texts, 'no confirmation texted');
    assert.deepEqual(errors, []);
  });
});

const BOOKED_DATE = orgDate(7);
const NEW_DATE = orgDate(8);

test('a future booking says "Booked ✓", clears the form, is listed, and texts one confirmation', async () => {
  assert.ok(bookingLead, 'needs the lead of the previous test');
  await withPage(browsers.desktop, 'booking-future', async (page, errors) => {
    await page.goto(leadUrl(bookingLead));
    await waitForIslands(page);
    const book = bookForm(page);
    const texts = fake.textsTo(BOOKING_CALLER).length;
    await book.getByLabel('Date', { exact: true }).fill(BOOKED_DATE);
    await book.getByLabel('Arrive from', { exact: true }).fill('08:00');
    await book.getByLabel('to', { exact: true }).fill('10:00');
    await book.getByLabel(/^\s*Job(?!\s*value)/).selectOption({ label: 'No heat' });
    await book.getByLabel('Job value ($, optional)').fill('250');
    await book.getByRole('button', { name: 'Book', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Booked ✓' }).waitFor();
    assert.equal(await bookForm(page).getByLabel('Date', { exact: true }).inputValue(), '', 'the form clears');

    await page.getByRole('heading', { name: 'Bookings', exact: true }).waitFor();
    const listed = page.locator('li.booking');
    await listed.first().waitFor();
    assert.equal(await listed.count(), 1);
    const text = await listed.first().textContent();
    assert.match(text, /No heat/);
    assert.match(text, dayPattern(BOOKED_DATE));
    assert.match(text, /8:00 am/);
    assert.match(text, /Booked/);

    await fake.waitForText((m) => m.to === BOOKING_CALLER && mentionsDate(m.body, BOOKED_DATE));
    await fake.settle();
    const confirmations = fake.textsTo(BOOKING_CALLER).slice(texts);
    assert.equal(confirmations.length, 1, JSON.stringify(confirmations));
    console.log(`# confirmation text: "${confirmations[0].body}"`);
    assert.equal((await rpc(page.request, server, 'leads/get', { lead_id: bookingLead })).lead.status, 'booked');
    assert.deepEqual(errors, []);
  });
});

test('rescheduling texts the customer the new time exactly once, and the list shows the new window', async () => {
  await withPage(browsers.desktop, 'booking-reschedule', async (page, errors) => {
    await page.goto(leadUrl(bookingLead));
    await waitForIslands(page);
    const item = page.locator('li.booking').first();
    await item.locator('summary', { hasText: 'Reschedule' }).click();
    await item.getByLabel('New date', { exact: true }).fill(NEW_DATE);
    await item.getByLabel('Arrive from', { exact: true }).fill('13:00');
    await item.getByLabel('to', { exact: true }).fill('15:00');
    assert.equal(await item.getByLabel('Text the customer the new time').isChecked(), true);
    const texts = fake.textsTo(BOOKING_CALLER).length;
    const started = Date.now();
    await item.getByRole('button', { name: 'Save new time' }).click();
    await page.getByRole('status').filter({ hasText: 'Rescheduled ✓' }).waitFor();

    await textsArrive(BOOKING_CALLER, texts + 1);
    console.log(`# reschedule: text at the fake Twilio ${Date.now() - started} ms after the click`);
    await fake.settle();
    const sent = fake.textsTo(BOOKING_CALLER).slice(texts);
    assert.equal(sent.length, 1, `texted once: ${JSON.stringify(sent)}`);
    console.log(`# reschedule text: "${sent[0].body}"`);
    assert.ok(mentionsDate(sent[0].body, NEW_DATE), `the text names the new day: ${sent[0].body}`);
    assert.ok(mentionsHour(sent[0].body, 13), `the text names the new time: ${sent[0].body}`);

    // the list: the booked window is the new one; the old one is not booked any more
    const booked = page.locator('li.booking').filter({ hasNotText: /Cancelled/ });
    await booked.filter({ hasText: dayPattern(NEW_DATE) }).first().waitFor();
    assert.match(await booked.filter({ hasText: dayPattern(NEW_DATE) }).first().textContent(), /1:00 pm/);
    assert.equal(await booked.filter({ hasText: dayPattern(BOOKED_DATE) }).count(), 0, 'the old window is gone from the booked ones');
    assert.deepEqual(errors, []);
  });
});

/// The "booked from missed calls" figure as the inbox shows it.
async function bookedFigure(page) {
  await page.goto(`${server.base}/app`);
  const text = await page.getByRole('link', { name: /booked from missed calls/ }).first().textContent();
  const n = text.match(/\d+/);
  assert.ok(n, `no number in the figure: ${text}`);
  return Number(n[0]);
}

test('cancelling asks first, says "Booking cancelled", texts the customer once, and the figures stop counting it', async () => {
  await withPage(browsers.desktop, 'booking-cancel', async (page, errors) => {
    const statsBefore = await rpc(page.request, server, 'leads/stats');
    const shownBefore = await bookedFigure(page);
    assert.ok(statsBefore.booked_from_missed_30d >= 1, JSON.stringify(statsBefore));

    await page.goto(leadUrl(bookingLead));
    await waitForIslands(page);
    const item = page.locator('li.booking').filter({ hasNotText: /Cancelled/ }).first();
    await item.locator('summary', { hasText: 'Cancel booking' }).click();
    // the open details is the confirmation step: nothing is cancelled yet
    const confirm = item.getByRole('button', { name: 'Yes, cancel this booking' });
    await confirm.waitFor();
    assert.equal((await rpc(page.request, server, 'leads/get', { lead_id: bookingLead })).lead.status, 'booked');
    assert.equal(await item.getByLabel("Text the customer that it's cancelled").isChecked(), true);
    const texts = fake.textsTo(BOOKING_CALLER).length;
    await confirm.click();
    await page.getByRole('status').filter({ hasText: 'Booking cancelled' }).waitFor();
    await page.locator('li.booking').filter({ hasText: /Cancelled/ }).first().waitFor();
    assert.equal(await page.locator('li.booking').filter({ hasNotText: /Cancelled/ }).count(), 0, 'no booking left booked');

    await textsArrive(BOOKING_CALLER, texts + 1);
    await fake.settle();
    const sent = fake.textsTo(BOOKING_CALLER).slice(texts);
    assert.equal(sent.length, 1, `texted once: ${JSON.stringify(sent)}`);
    console.log(`# cancellation text: "${sent[0].body}"`);

    const statsAfter = await rpc(page.request, server, 'leads/stats');
    assert.equal(statsAfter.booked_from_missed_30d, statsBefore.booked_from_missed_30d - 1, JSON.stringify({ statsBefore, statsAfter }));
    assert.equal(statsAfter.booked_value_cents_30d, statsBefore.booked_value_cents_30d - 25_000, JSON.stringify({ statsBefore, statsAfter }));
    assert.equal(await bookedFigure(page), shownBefore - 1, 'the inbox figure counts it no more');
    assert.deepEqual(errors, []);
  });
});

// ── in reach, and saying the right thing ────────────────────────────────────────────────

test('desktop: quick replies fill the box without sending, the counter counts, Call and Text links, internal events toggle', async () => {
  const id = await leadIdFor(browsers.desktop.request, server, DESKTOP_CALLER);
  await withPage(browsers.desktop, 'lead-tools', async (page, errors) => {
    await page.goto(leadUrl(id));
    await waitForIslands(page);
    assert.match(await page.getByRole('heading', { level: 1 }).textContent(), new RegExp(national(DESKTOP_CALLER).replace(/[()]/g, '\\$&')));
    const call = page.locator(`a[href="tel:${DESKTOP_CALLER}"]`);
    assert.match(await call.first().textContent(), /Call/);
    const sms = page.locator(`a[href="sms:${DESKTOP_CALLER}"]`);
    assert.match(await sms.first().textContent(), /Text from my phone/);

    const box = replyForm(page).getByLabel('Message', { exact: true });
    const counter = page.locator('.sms-counter');
    const quick = page.getByRole('group', { name: 'Quick replies' }).getByRole('button');
    assert.deepEqual((await quick.allTextContents()).map((t) => t.trim()), QUICK_REPLIES);
    const texts = fake.messages.length;
    await quick.first().click();
    assert.equal(await box.inputValue(), QUICK_REPLIES[0]);
    // an em dash is not GSM-7: the text is UCS-2, 70 characters a text
    await counter.filter({ hasText: `${QUICK_REPLIES[0].length}/70 · 1 text` }).waitFor({ timeout: 2_000 });

    const plain = 'The tech is 20 minutes out, see you soon!!'; // 42 GSM-7 characters
    assert.equal(plain.length, 42);
    await box.fill(plain);
    await counter.filter({ hasText: '42/160 · 1 text' }).waitFor({ timeout: 2_000 });
    await box.fill('x'.repeat(161));
    await counter.filter({ hasText: /^\s*161\/.*2 texts/ }).waitFor({ timeout: 2_000 });
    console.log(`# counter at 161 GSM-7 characters: "${(await counter.textContent()).trim()}"`);
    await box.fill('');
    await fake.settle(800);
    assert.equal(fake.messages.length, texts, 'a quick reply sends nothing by itself');

    const toggle = page.getByLabel('Show internal events');
    assert.equal(await toggle.isChecked(), true);
    const internal = page.locator('.timeline li.tl-internal');
    const conversation = page.locator('.timeline li:not(.tl-internal)');
    assert.ok((await internal.count()) > 0, 'the reply assigned the lead: an internal event');
    assert.ok((await conversation.count()) > 0);
    assert.equal(await internal.first().isVisible(), true);
    await toggle.uncheck();
    const hidden = await until(
      () => internal.evaluateAll((els) => els.filter((e) => e.checkVisibility()).length),
      (n) => n === 0,
    );
    assert.equal(hidden, 0, 'internal events hidden');
    assert.equal(await conversation.first().isVisible(), true, 'the conversation stays');
    await toggle.check();
    await internal.first().waitFor({ state: 'visible' });
    assert.deepEqual(errors, []);
  });
});

test('phone: the reply box is in reach without scrolling, and stays pinned while the timeline scrolls', async () => {
  const id = await leadIdFor(browsers.desktop.request, server, PHONE_CALLER);
  // a conversation long enough to scroll on a phone
  for (let i = 1; i <= 8; i += 1) {
    await customerTexts(server, { from: PHONE_CALLER, to: TRACKED, body: `Message ${i}: the furnace is making a clicking noise and the house is at 58 degrees.` });
  }
  await withPage(browsers.phone, 'lead-pinned-reply', async (page, errors) => {
    await page.goto(leadUrl(id));
    await waitForIslands(page);
    await page.getByText('Message 8:', { exact: false }).first().waitFor();
    const box = replyForm(page).getByLabel('Message', { exact: true });
    const send = replyForm(page).getByRole('button', { name: 'Send reply', exact: true });
    const inView = async (loc) => {
      const b = await loc.boundingBox();
      return b !== null && b.y >= 0 && b.y + b.height <= 844 && b.x >= 0 && b.x + b.width <= 390;
    };
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    console.log(`# phone lead page: ${height}px tall in an 844px screen`);
    assert.ok(height > 844, 'the page scrolls, so pinning matters');
    assert.ok(await inView(box), `the Message box is on the first screen: ${JSON.stringify(await box.boundingBox())}`);
    assert.ok(await inView(send), `"Send reply" is on the first screen: ${JSON.stringify(await send.boundingBox())}`);
    const pinned = await box.evaluate((e) => {
      for (let n = e; n; n = n.parentElement) {
        const p = getComputedStyle(n).position;
        if (p === 'sticky' || p === 'fixed') return p;
      }
      return null;
    });
    assert.ok(pinned, 'the reply box sits in a sticky or fixed container');
    // scroll the timeline: its middle entry at the top of the screen
    const entries = page.locator('.timeline li');
    await entries.nth(Math.floor((await entries.count()) / 2)).evaluate((e) => e.scrollIntoView({ block: 'start' }));
    await page.waitForTimeout(100);
    const scrolled = await page.evaluate(() => Math.round(window.scrollY));
    assert.ok(scrolled > 0, 'the page scrolled');
    assert.ok(await inView(box), `the Message box stays in view with the timeline scrolled ${scrolled}px: ${JSON.stringify(await box.boundingBox())}`);
    assert.ok(await inView(send), `"Send reply" stays in view with the timeline scrolled ${scrolled}px`);
    assert.deepEqual(errors, []);
  });
});

test('a second missed call inside the cooldown says so plainly on the timeline', async () => {
  const id = await leadIdFor(browsers.desktop.request, server, DESKTOP_CALLER);
  const texts = fake.textsTo(DESKTOP_CALLER).length;
  simulateMissedCall(server, { from: DESKTOP_CALLER, to: TRACKED });
  await withPage(browsers.desktop, 'lead-cooldown', async (page, errors) => {
    await page.goto(leadUrl(id));
    const line = page.getByText(/Not texted: we texted this number/).first();
    await line.waitFor();
    console.log(`# cooldown line: "${(await line.textContent()).trim()}"`);
    assert.equal(await page.getByText(/skipped cooldown|cooldown_active/i).count(), 0, 'no internal jargon');
    await fake.settle();
    assert.equal(fake.textsTo(DESKTOP_CALLER).length, texts, 'no second text-back');
    assert.deepEqual(errors, []);
  });
});
