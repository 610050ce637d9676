/**
 * The operator console in a real browser: Debian's Chromium driven by playwright-core, against
 * an Express app with the webhook route and the console mounted as the README shows. With
 * UPDATE_SCREENSHOTS=1 it also saves the screenshots under docs/. Every page is watched for
 * CSP violations: the charts are inline SVG under a CSP that refuses style attributes.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createPassfortWebhooks } from '@passfort-webhooks/core';
import { createEmulator } from '@passfort-webhooks/testing';
import {
  KIT_SECRET,
  kitHeaders,
  kitWebhook,
  kitWebhookId,
} from '@passfort-webhooks/testing/conformance';
import express from 'express';
import {
  type Browser,
  type BrowserContext,
  chromium,
  type Locator,
  type Page,
} from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { passfortConsole, passfortWebhooks } from './index.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const TOKEN = 'operator-console-token-7c1e9a44b2d05f83';
const docs = fileURLToPath(new URL('../../../docs/', import.meta.url));
const saveScreenshots = process.env['UPDATE_SCREENSHOTS'] === '1';

/** Waits (up to 5 s) until `read` gives a value `check` accepts; fails with the last value. */
async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, what: string) {
  const until = Date.now() + 5_000;
  let value = await read();
  while (!check(value) && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = await read();
  }
  expect(value, what).toSatisfy(check);
}

const hasText = (locator: Locator, text: string) =>
  eventually(
    async () => ((await locator.textContent()) ?? '').trim(),
    (value) => value === text,
    `text ${text}`,
  );
const containsText = (locator: Locator, text: string) =>
  eventually(
    async () => (await locator.textContent()) ?? '',
    (value) => value.includes(text),
    `containing ${text}`,
  );
const hasCount = (locator: Locator, count: number) =>
  eventually(
    () => locator.count(),
    (value) => value === count,
    `${count} elements`,
  );

function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  const reason = `skipping the console browser tests: no Chromium at ${CHROMIUM} (apt-get install -y chromium)`;
  if (process.env['CI'] === 'true') throw new Error(`${reason}; required under CI=true`);
  console.warn(reason);
  return false;
}

// A skipped suite, not none: vitest fails a file that defines no test.
describe.skipIf(!chromiumAvailable())('the operator console in Chromium', () => {
  let browser: Browser;
  let server: Server;
  let base: string;
  const failing = new Set<string>();
  const ran: string[] = [];
  let release: () => void = () => {};
  let hang = false;

  const webhooks = createPassfortWebhooks({
    secret: KIT_SECRET,
    maxAttempts: 1,
    stalledAfterMs: 300,
    logger: false,
  });
  webhooks.onAny(async (event) => {
    if (hang) await new Promise<void>((resolve) => (release = resolve));
    ran.push(event.id);
    if (failing.has(event.id)) throw new Error(`the CRM refused ${event.id}`);
  });
  const send = (id: string) =>
    fetch(`${base}/webhooks/passfort`, {
      method: 'POST',
      headers: kitHeaders(),
      body: JSON.stringify(kitWebhook(id)),
    });

  beforeAll(async () => {
    const app = express();
    app.use(passfortConsole(webhooks, { token: TOKEN, path: '/console' }));
    app.use(passfortWebhooks(webhooks, { path: '/webhooks/passfort' }));
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--headless',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    if (saveScreenshots) mkdirSync(docs, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    release();
    await browser?.close();
    // A set-up that failed leaves no server: waiting for its close would never end.
    if (server !== undefined) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    await webhooks.close();
  });

  const shot = async (page: Page, name: string) => {
    if (saveScreenshots) await page.screenshot({ path: `${docs}${name}.png`, fullPage: true });
  };

  /**
   * A context whose pages record every CSP violation and console error: the page's own
   * listener is added by the browser driver, which the CSP does not govern.
   */
  async function watchedContext(options: Parameters<Browser['newContext']>[0] = {}) {
    const context = await browser.newContext(options);
    await context.addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { cspViolations: string[] }).cspViolations = seen;
      document.addEventListener('securitypolicyviolation', (event) =>
        seen.push(`${event.violatedDirective} ${event.blockedURI} ${event.sample}`),
      );
    });
    return context;
  }
  const consoleErrors = new WeakMap<Page, string[]>();
  async function cspViolations(page: Page): Promise<string[]> {
    const violations = await page.evaluate(
      () => (window as unknown as { cspViolations: string[] }).cspViolations,
    );
    return [...violations, ...(consoleErrors.get(page) ?? [])];
  }

  async function signedIn(options: Parameters<Browser['newContext']>[0] = {}, at = base) {
    const context: BrowserContext = await watchedContext(options);
    const page = await context.newPage();
    const errors: string[] = [];
    consoleErrors.set(page, errors);
    page.on('console', (message) => {
      // The browser's own favicon request is no page error: the console serves no icon.
      if (message.type() === 'error' && !message.location().url.endsWith('/favicon.ico')) {
        errors.push(`${message.text()} ${message.location().url}`);
      }
    });
    await page.goto(`${at}/console/`);
    await page.getByLabel('Console token').fill(TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Receiver' }).waitFor();
    return { context, page };
  }

  it('signs in (a wrong token is refused), and shows the receiver go from empty to stalled and back', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/console/`);
    await shot(page, 'console-sign-in');
    await page.getByLabel('Console token').fill(`${TOKEN}-wrong`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await hasText(page.getByRole('alert'), 'That is not the console token.');
    await page.getByLabel('Console token').fill(TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await hasText(page.getByTestId('queue'), 'Empty');

    hang = true;
    const stuck = send(kitWebhookId(1));
    await new Promise((resolve) => setTimeout(resolve, 700));
    await page.getByRole('button', { name: 'Refresh' }).click();
    await hasText(page.getByTestId('queue'), 'Stalled');
    await shot(page, 'console-stalled');
    hang = false;
    release();
    expect((await stuck).status).toBe(200);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await hasText(page.getByTestId('queue'), 'Empty');
    await hasText(page.getByTestId('count-processed'), '1');
    await containsText(page.getByTestId('last-processed'), 's ago');
    await context.close();
  }, 30_000);

  it('finds a dead letter, inspects it (no secret, values hidden until revealed), replays one and deletes another', async () => {
    const first = kitWebhookId(11);
    const second = kitWebhookId(12);
    failing.add(first);
    failing.add(second);
    expect((await send(first)).status).toBe(200); // dead-lettered and acked
    expect((await send(second)).status).toBe(200);
    const { context, page } = await signedIn();
    const letters = page.getByTestId('dead-letters');
    await hasCount(letters.getByRole('row'), 3); // the header and two letters
    await hasText(page.getByTestId('dead-letter-count'), '2');
    await containsText(page.getByTestId('failures'), `the CRM refused ${first}`);
    await shot(page, 'console-dashboard');

    // Inspect, by keyboard.
    await page.getByRole('button', { name: `Inspect ${first}` }).focus();
    await page.keyboard.press('Enter');
    const payload = page.getByTestId('payload');
    await containsText(payload, first);
    await containsText(payload, '‹string›');
    expect(await payload.textContent()).not.toContain(KIT_SECRET);
    expect(await payload.textContent()).not.toContain('analyst@example.com');
    await shot(page, 'console-inspect');
    await page.getByRole('button', { name: 'Reveal values' }).click();
    await containsText(payload, 'analyst@example.com');
    expect(await payload.textContent()).not.toContain(KIT_SECRET);
    await page.getByRole('button', { name: 'Close' }).click();

    failing.delete(first);
    await page.getByRole('button', { name: `Replay ${first}` }).click();
    await containsText(page.getByRole('status'), `Replayed ${first}`);
    await hasCount(letters.getByRole('row'), 2);
    expect(ran.filter((id) => id === first)).toHaveLength(2); // the failure, then the replay

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: `Delete ${second}` }).click();
    await containsText(page.getByRole('status'), `Deleted ${second}`);
    await page.getByTestId('no-dead-letters').waitFor();
    expect(ran.filter((id) => id === second)).toHaveLength(1); // deleted, never run again
    await context.close();
  }, 30_000);

  it('refuses a request without the token, and a POST with a wrong CSRF token', async () => {
    failing.add(kitWebhookId(21));
    await send(kitWebhookId(21));
    const anonymous = await browser.newContext();
    const response = await anonymous.request.get(`${base}/console/state.json`);
    expect(response.status()).toBe(401);
    await anonymous.close();

    const { context, page } = await signedIn();
    const status = await page.evaluate(async (id) => {
      const res = await fetch(`/console/dead-letters/${id}/replay`, {
        method: 'POST',
        headers: { 'x-csrf-token': 'forged' },
      });
      return res.status;
    }, kitWebhookId(21));
    expect(status).toBe(403);
    expect(await webhooks.deadLetters.get(kitWebhookId(21))).toBeDefined();
    await context.close();
  }, 30_000);

  it('says a dead letter was superseded next to its replay button, refuses the replay, and replays it anyway once confirmed', async () => {
    const letter = kitWebhookId(31);
    failing.add(letter);
    expect((await send(letter)).status).toBe(200); // dead-lettered and acked
    failing.delete(letter);
    await new Promise((resolve) => setTimeout(resolve, 5));
    // Newer webhooks for the same profile (every kit webhook names profile-1).
    for (const n of [32, 33]) expect((await send(kitWebhookId(n))).status).toBe(200);
    const { context, page } = await signedIn();
    const notice = page
      .getByTestId('dead-letters')
      .getByRole('row')
      .filter({ hasText: letter })
      .getByTestId('superseded');
    await containsText(notice, 'Superseded by 2 newer webhooks for this profile');
    await notice.getByText('Which').click();
    await containsText(notice, kitWebhookId(32));
    expect(await notice.textContent()).not.toContain('profile-1');
    await shot(page, 'console-superseded');

    await page.getByRole('button', { name: `Replay ${letter}`, exact: true }).click();
    await containsText(
      page.getByRole('status'),
      `Replay of ${letter} refused: 2 newer webhooks for this profile were processed`,
    );
    expect(ran.filter((id) => id === letter)).toHaveLength(1); // the failure only
    expect(await webhooks.deadLetters.get(letter)).toBeDefined();

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: `Replay ${letter} anyway` }).click();
    await containsText(page.getByRole('status'), `Replayed ${letter}`);
    expect(ran.filter((id) => id === letter)).toHaveLength(2);
    expect(await webhooks.deadLetters.get(letter)).toBeUndefined();
    await context.close();
  }, 30_000);

  it('draws the last hour as two charts, each named and with its figures as text, under the CSP', async () => {
    for (const n of [51, 52, 53, 51]) expect((await send(kitWebhookId(n))).status).toBe(200);
    const { context, page } = await signedIn();
    try {
      const outcomes = page.getByRole('img', {
        name: 'Webhooks per minute by outcome, last 60 minutes',
      });
      const latency = page.getByRole('img', {
        name: 'Ack latency p50 and p99 per minute, last 60 minutes, against Passfort’s 5 s deadline',
      });
      await outcomes.waitFor();
      await latency.waitFor();
      // One column per minute of the hour; this minute's bar holds the webhooks just sent.
      await hasCount(outcomes.locator('g.minute'), 60);
      expect(await outcomes.locator('rect.k-processed').count()).toBeGreaterThan(0);
      expect(await outcomes.locator('rect.k-duplicates').count()).toBeGreaterThan(0);
      await containsText(page.locator('#outcomes-desc'), 'duplicates');
      await containsText(
        page.locator('#latency-desc'),
        'No minute reached Passfort’s 5 s deadline',
      );
      await hasCount(latency.locator('line.deadline'), 1);
      await hasText(latency.locator('text.deadline-label'), 'Passfort gives up: 5 s (batch)');

      // The figures for a screen reader (or anyone): a table, and it stays open across refreshes.
      const figures = page.getByTestId('outcomes-chart').getByRole('group');
      await page.getByTestId('outcomes-chart').getByText('Figures per minute').click();
      await figures.getByRole('rowheader', { name: 'this minute' }).waitFor();
      await page.getByRole('button', { name: 'Refresh' }).click();
      await hasText(page.getByRole('status'), 'Refreshed.');
      expect(await page.locator('#outcomes-figures').getAttribute('open')).not.toBeNull();
      await figures.getByRole('rowheader', { name: 'this minute' }).waitFor();
      expect(await cspViolations(page)).toEqual([]);
    } finally {
      await context.close();
    }
  }, 30_000);

  it('lists what the local Passfort sent that this version does not know: a new status, a new key, a new event', async () => {
    const emulator = createEmulator({
      target: `${base}/webhooks/passfort`,
      secret: KIT_SECRET,
      timeScale: 0.001,
      deadlineMs: { single: 5_000 },
    });
    const contexts: BrowserContext[] = [];
    try {
      const drifted = kitWebhook(kitWebhookId(61));
      drifted.data = { ...drifted.data, new_status: 'ON_HOLD', application_note: 'call back' };
      emulator.emitRaw({ ...drifted });
      // An event name carries payload text onto the page: it must arrive as text, not markup.
      const unknownEvent = '<img src=x onerror="window.xss=1">';
      emulator.emitRaw({ ...kitWebhook(kitWebhookId(62)), event: unknownEvent });
      await emulator.drain({ timeoutMs: 10_000 });

      const { context, page } = await signedIn();
      contexts.push(context);
      await page
        .getByRole('heading', { name: 'What Passfort sent that this version does not know yet' })
        .waitFor();
      const drift = page.getByTestId('drift');
      const row = (text: string) => drift.getByRole('row').filter({ hasText: text });
      await containsText(row('ON_HOLD'), 'New enum value');
      await containsText(row('ON_HOLD'), 'data.new_status');
      await containsText(row('data.application_note'), 'Unknown key');
      expect(await row('call back').count()).toBe(0); // a key's value is never shown
      await containsText(row('Unknown event'), unknownEvent);
      expect(await drift.locator('img').count()).toBe(0);
      expect(
        await page.evaluate(() => (window as unknown as { xss?: number }).xss),
      ).toBeUndefined();
      expect(await cspViolations(page)).toEqual([]);
      await shot(page, 'console-drift');
    } finally {
      await emulator.close();
      for (const context of contexts) await context.close();
    }
  }, 30_000);

  it('shows a badge once Passfort is silent for longer than expectWebhookWithin, and drops it on the next webhook', async () => {
    const quiet = createPassfortWebhooks({
      secret: KIT_SECRET,
      expectWebhookWithin: 200,
      logger: false,
    });
    quiet.onAny(() => {});
    quiet.onError(() => {}); // silence is reported to onError too; nothing to do with it here
    const app = express();
    app.use(passfortConsole(quiet, { token: TOKEN, path: '/console' }));
    app.use(passfortWebhooks(quiet, { path: '/webhooks/passfort' }));
    const quietServer = createServer(app);
    const contexts: BrowserContext[] = [];
    try {
      await new Promise<void>((resolve) => quietServer.listen(0, '127.0.0.1', resolve));
      const at = `http://127.0.0.1:${(quietServer.address() as AddressInfo).port}`;
      await eventually(
        async () => (await quiet.status()).silence.silentSince,
        (since) => since !== null,
        'silent',
      );
      const { context, page } = await signedIn({}, at);
      contexts.push(context);
      const badge = page.getByTestId('silence');
      await page
        .getByRole('heading', {
          name: /^Silent since .* UTC — nothing authentic from Passfort within 200 ms$/,
        })
        .waitFor();
      await containsText(badge, 'No authentic webhook since start-up.');
      await containsText(badge, 'Check the webhook’s status in the Passfort portal');
      expect(await cspViolations(page)).toEqual([]);
      await shot(page, 'console-silent');

      const heard = await fetch(`${at}/webhooks/passfort`, {
        method: 'POST',
        headers: kitHeaders(),
        body: JSON.stringify(kitWebhook(kitWebhookId(71))),
      });
      expect(heard.status).toBe(200);
      await page.getByRole('button', { name: 'Refresh' }).click();
      await hasCount(badge, 0);
    } finally {
      for (const context of contexts) await context.close();
      quietServer.closeAllConnections();
      await new Promise((resolve) => quietServer.close(resolve));
      await quiet.close();
    }
  }, 30_000);

  it('reads on a phone and in the dark: no sideways scrolling of the page', async () => {
    const { context, page } = await signedIn({
      viewport: { width: 390, height: 844 },
      colorScheme: 'dark',
      isMobile: true,
    });
    try {
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - window.innerWidth,
      );
      expect(overflow).toBeLessThanOrEqual(0);
      // The charts fit the column and take the dark palette from the stylesheet.
      for (const chart of await page.locator('figure.chart svg').all()) {
        const box = (await chart.boundingBox())!;
        expect(box.x).toBeGreaterThanOrEqual(0);
        expect(box.x + box.width).toBeLessThanOrEqual(390);
      }
      const bar = page.locator('figure.chart rect.k-processed').first();
      expect(await bar.evaluate((rect) => getComputedStyle(rect).fill)).toBe('rgb(63, 185, 80)');
      const axis = page.locator('figure.chart text').first();
      expect(await axis.evaluate((text) => text.getBoundingClientRect().height)).toBeGreaterThan(9);
      expect(await cspViolations(page)).toEqual([]);
      await shot(page, 'console-phone-dark');
    } finally {
      await context.close();
    }
  }, 30_000);
});
