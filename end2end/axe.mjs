// axe-core in the browser tests, under the pages' strict Content-Security-Policy
// (`script-src 'self' 'nonce-…' 'wasm-unsafe-eval'`, see server/src/middleware/security_headers.rs).
//
// How axe gets into the page: `page.addScriptTag` adds an inline <script> without the
// response's nonce, which the policy blocks (and withPage fails a test on any CSP report).
// So axe.min.js is evaluated through the DevTools protocol in an isolated world of the page
// (Page.createIsolatedWorld + Runtime.evaluate): it sees the same DOM and computed styles
// (browser extensions run axe the same way), but is not page script, so the page's CSP
// does not apply to it and it leaves nothing behind in the page's own globals. axe.run's
// own code needs no eval (axe-core ≥ 3.3.1 runs under strict CSPs without custom locales
// or rules). If the isolated world cannot be had, it falls back to Playwright's
// page.evaluate (the main world; DevTools evaluation is not subject to the page's CSP).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
export const AXE_PATH = require.resolve('axe-core/axe.min.js');
export const AXE_VERSION = require('axe-core/package.json').version;
let axeSource;
const source = () => (axeSource ??= readFileSync(AXE_PATH, 'utf8'));

/// WCAG 2.0 and 2.1, levels A and AA, and Deque's best practices.
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];
/// What fails a page.
export const BLOCKING_IMPACTS = ['serious', 'critical'];
/// Reported whatever axe rates them (both "moderate"): the issue names them as failures
/// today ("the app layout has no <main>; content outside landmarks").
export const ALWAYS_BLOCKING = ['landmark-one-main', 'region'];

/// How the last run got axe into the page ('isolated world' or 'main world').
export let lastInjection = '';

/// Runs in the page: axe.run over the document, violations only, made plain.
function runAxe(options) {
  // eslint-disable-next-line no-undef
  return axe.run(document, options).then((r) =>
    r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({ target: n.target.map(String), summary: n.failureSummary ?? '', html: n.html.slice(0, 160) })),
    })),
  );
}

async function viaIsolatedWorld(page, options) {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { frameTree } = await cdp.send('Page.getFrameTree');
    // (sic: the protocol spells it "Univeral")
    const { executionContextId: contextId } = await cdp.send('Page.createIsolatedWorld', {
      frameId: frameTree.frame.id,
      worldName: 'callsnare-axe',
      grantUniveralAccess: true,
    });
    const loaded = await cdp.send('Runtime.evaluate', { expression: source(), contextId });
    if (loaded.exceptionDetails) throw new Error(`axe did not load: ${JSON.stringify(loaded.exceptionDetails)}`);
    const ran = await cdp.send('Runtime.evaluate', {
      expression: `(${runAxe.toString()})(${JSON.stringify(options)})`,
      contextId,
      awaitPromise: true,
      returnByValue: true,
    });
    if (ran.exceptionDetails) throw new Error(`axe.run failed: ${JSON.stringify(ran.exceptionDetails)}`);
    return ran.result.value;
  } finally {
    await cdp.detach().catch(() => {});
  }
}

async function viaMainWorld(page, options) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(source());
  return page.evaluate(runAxe, options);
}

/// All violations on the page as it is now, at every impact.
export async function axeViolations(page, { tags = AXE_TAGS, disable = [] } = {}) {
  const options = {
    runOnly: { type: 'tag', values: tags },
    resultTypes: ['violations'],
    rules: Object.fromEntries(disable.map((id) => [id, { enabled: false }])),
  };
  try {
    const v = await viaIsolatedWorld(page, options);
    lastInjection = 'isolated world';
    return v;
  } catch (err) {
    if (process.env.AXE_DEBUG) console.log(`# axe: isolated world failed (${err.message}); main world instead`);
    const v = await viaMainWorld(page, options);
    lastInjection = 'main world';
    return v;
  }
}

/// The violations that fail a page: serious or critical, plus ALWAYS_BLOCKING at any impact.
export async function blockingViolations(page, opts = {}) {
  const all = await axeViolations(page, opts);
  return all.filter((v) => BLOCKING_IMPACTS.includes(v.impact) || ALWAYS_BLOCKING.includes(v.id));
}

/// One readable block per violation, for an assertion message:
///   color-contrast (serious): Elements must meet minimum color contrast ratio thresholds
///     .button.primary — Fix any of the following: Element has insufficient color contrast of 4.29 …
export function formatViolations(violations, { maxNodes = 5 } = {}) {
  return violations
    .map((v) => {
      const nodes = v.nodes.slice(0, maxNodes).map((n) => {
        const summary = n.summary.replace(/\s+/g, ' ').trim();
        return `    ${n.target.join(' ')} — ${summary}\n      ${n.html}`;
      });
      const more = v.nodes.length > maxNodes ? [`    … and ${v.nodes.length - maxNodes} more`] : [];
      return [`  ${v.id} (${v.impact}): ${v.help}  <${v.helpUrl}>`, ...nodes, ...more].join('\n');
    })
    .join('\n');
}
