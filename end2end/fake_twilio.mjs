// A fake of the part of Twilio's REST API the server talks to (the Messages resource),
// and the Twilio side of inbound traffic: signed customer texts and simulated missed calls.
//
// The server sends a text as `POST {TWILIO_API_BASE}/2010-04-01/Accounts/{sid}/Messages.json`
// (form: To, From, Body, StatusCallback; HTTP Basic auth account sid : auth token), see
// server/src/sms/sender.rs; before re-sending a text whose outcome was lost it lists
// `GET …/Messages.json?To=…&From=…&PageSize=20`. The fake answers both the way Twilio does
// (201 with the message resource; 401 with Twilio's error body on bad credentials) and
// records every text it accepted, so a test can count what a customer really received.
//
// Start the server with `fake.env` (TWILIO_API_BASE, TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN).
// With a token set the server verifies every Twilio callback's signature, so inbound
// traffic must be signed: `simulateMissedCall` runs `callsnare simulate missed-call` with the
// same token, and `customerTexts` signs in node exactly as Twilio does.
import { createServer } from 'node:http';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { binary } from './server.mjs';

/// Fresh credentials of the shape the server's configuration accepts.
export function twilioCredentials() {
  return {
    accountSid: `AC${randomBytes(16).toString('hex')}`,
    authToken: randomBytes(16).toString('hex'),
  };
}

/// Twilio's dates are RFC 2822 with a numeric zone ("Thu, 24 Aug 2023 05:01:45 +0000").
function rfc2822(ms) {
  return new Date(ms).toUTCString().replace('GMT', '+0000');
}

function twilioMessage(m, accountSid) {
  const uri = `/2010-04-01/Accounts/${accountSid}/Messages/${m.sid}.json`;
  return {
    account_sid: accountSid,
    api_version: '2010-04-01',
    body: m.body,
    date_created: rfc2822(m.time),
    date_sent: null,
    date_updated: rfc2822(m.time),
    direction: 'outbound-api',
    error_code: null,
    error_message: null,
    from: m.from,
    messaging_service_sid: null,
    num_media: '0',
    num_segments: '1',
    price: null,
    price_unit: 'USD',
    sid: m.sid,
    status: 'queued',
    subresource_uris: { media: uri.replace('.json', '/Media.json') },
    to: m.to,
    uri,
  };
}

function send(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}

/// Starts the fake on a free loopback port. Returns:
///   base, env (for startServer), accountSid, authToken,
///   messages: every accepted text { sid, to, from, body, statusCallback, time } in order,
///   refused: requests answered with an error { method, path, status, reason },
///   textsTo(number), waitForText(predicate, { timeout }), settle(ms), stop().
export async function startFakeTwilio(credentials = twilioCredentials()) {
  const { accountSid, authToken } = credentials;
  const expectedAuth = Buffer.from(`Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`);
  const messages = [];
  const refused = [];
  const waiters = new Set();

  const http = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://fake-twilio');
    const body = await readBody(req);
    const refuse = (status, code, message, reason) => {
      refused.push({ method: req.method, path: url.pathname, status, reason });
      send(res, status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });
    };
    const m = url.pathname.match(/^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/);
    if (!m) return refuse(404, 20404, 'The requested resource was not found', 'unknown path');
    const given = Buffer.from(req.headers.authorization ?? '');
    if (given.length !== expectedAuth.length || !timingSafeEqual(given, expectedAuth)) {
      return refuse(401, 20003, 'Authenticate', 'bad basic auth');
    }
    if (m[1] !== accountSid) return refuse(404, 20404, 'The requested resource was not found', 'other account');

    if (req.method === 'POST') {
      if (!/^application\/x-www-form-urlencoded/i.test(req.headers['content-type'] ?? '')) {
        return refuse(400, 20001, 'Expected form data', 'not a form');
      }
      const form = new URLSearchParams(body);
      const to = form.get('To');
      const from = form.get('From');
      const text = form.get('Body');
      if (!to) return refuse(400, 21604, "A 'To' phone number is required.", 'no To');
      if (!from) return refuse(400, 21603, "A 'From' phone number is required.", 'no From');
      if (!text) return refuse(400, 21602, 'Message body is required.', 'no Body');
      const record = {
        sid: `SM${randomBytes(16).toString('hex')}`,
        to,
        from,
        body: text,
        statusCallback: form.get('StatusCallback'),
        time: Date.now(),
      };
      messages.push(record);
      for (const w of [...waiters]) w();
      return send(res, 201, twilioMessage(record, accountSid));
    }
    if (req.method === 'GET') {
      const to = url.searchParams.get('To');
      const from = url.searchParams.get('From');
      const size = Number(url.searchParams.get('PageSize') ?? 50);
      const list = messages
        .filter((x) => (!to || x.to === to) && (!from || x.from === from))
        .slice()
        .reverse()
        .slice(0, size)
        .map((x) => twilioMessage(x, accountSid));
      return send(res, 200, {
        messages: list,
        first_page_uri: url.pathname + url.search,
        next_page_uri: null,
        previous_page_uri: null,
        page: 0,
        page_size: size,
        start: 0,
        end: Math.max(0, list.length - 1),
        uri: url.pathname + url.search,
      });
    }
    return refuse(405, 20004, 'Method not allowed', req.method);
  });
  await new Promise((ok, fail) => {
    http.once('error', fail);
    http.listen(0, '127.0.0.1', ok);
  });
  const base = `http://127.0.0.1:${http.address().port}`;

  /// Resolves with the first recorded text matching `predicate` (already there or arriving).
  function waitForText(predicate, { timeout = 10_000 } = {}) {
    return new Promise((ok, fail) => {
      const check = () => {
        const found = messages.find(predicate);
        if (!found) return false;
        waiters.delete(check);
        clearTimeout(timer);
        ok(found);
        return true;
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        fail(new Error(`no matching text at the fake Twilio within ${timeout} ms; it has ${JSON.stringify(messages.map((x) => ({ to: x.to, body: x.body })), null, 1)}; refused: ${JSON.stringify(refused)}`));
      }, timeout);
      if (!check()) waiters.add(check);
    });
  }

  return {
    base,
    accountSid,
    authToken,
    env: { TWILIO_API_BASE: base, TWILIO_ACCOUNT_SID: accountSid, TWILIO_AUTH_TOKEN: authToken },
    messages,
    refused,
    textsTo: (to) => messages.filter((x) => x.to === to),
    waitForText,
    /// Lets the outbox worker (it wakes at least every 500 ms) send anything still queued,
    /// so "exactly one" is counted after a second copy would have arrived.
    settle: (ms = 1_500) => new Promise((r) => setTimeout(r, ms)),
    stop: () => new Promise((r) => http.close(() => r())),
  };
}

/// `X-Twilio-Signature`: base64 HMAC-SHA1, keyed with the auth token, of the full URL
/// followed by each POST parameter, sorted by name, as name + value.
export function signTwilio(authToken, url, params) {
  const entries = params instanceof URLSearchParams ? [...params.entries()] : Object.entries(params);
  const sorted = entries.slice().sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  const data = url + sorted.map(([k, v]) => k + v).join('');
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
}

/// The customer at `from` texts the tracked number `to`, as Twilio delivers it: a form POST
/// signed over the server's public URL (no CALLSNARE_PUBLIC_URL in these runs, so the
/// server's own http://CALLSNARE_ADDR, which is `server.base`).
export async function customerTexts(server, { from, to, body, sid = `SM${randomBytes(16).toString('hex')}` }) {
  const path = '/api/twilio/sms/inbound';
  const params = {
    AccountSid: server.env.TWILIO_ACCOUNT_SID ?? 'AC00000000000000000000000000000000',
    ApiVersion: '2010-04-01',
    Body: body,
    From: from,
    MessageSid: sid,
    NumMedia: '0',
    NumSegments: '1',
    SmsMessageSid: sid,
    SmsSid: sid,
    SmsStatus: 'received',
    To: to,
  };
  const publicBase = server.env.CALLSNARE_PUBLIC_URL?.replace(/\/$/, '') ?? server.base;
  const headers = { 'content-type': 'application/x-www-form-urlencoded' };
  if (server.env.TWILIO_AUTH_TOKEN) {
    headers['x-twilio-signature'] = signTwilio(server.env.TWILIO_AUTH_TOKEN, `${publicBase}${path}`, params);
  }
  const r = await fetch(`${server.base}${path}`, { method: 'POST', body: new URLSearchParams(params), headers });
  if (r.status !== 200) throw new Error(`inbound text answered ${r.status}: ${await r.text()}`);
  return sid;
}

/// A call from `from` to the tracked number `to` that nobody answers, played by
/// `callsnare simulate missed-call` (it signs with TWILIO_AUTH_TOKEN from its environment:
/// the server's own, so the signatures verify).
export function simulateMissedCall(server, { from, to = '+14155550100' }) {
  const env = { PATH: process.env.PATH, CALLSNARE_ADDR: new URL(server.base).host };
  for (const k of ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'CALLSNARE_PUBLIC_URL']) {
    if (server.env[k]) env[k] = server.env[k];
  }
  const r = spawnSync(binary, ['simulate', 'missed-call', '--to', to, '--from', from, '--server', server.base], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`simulate missed-call from ${from} failed: ${r.stderr}${r.stdout}`);
}
