/**
 * The dashboard a real receiver renders: the last hour's charts, the drift panel and the
 * silence badge in place, and nothing the page's CSP would refuse (no style attribute, no
 * inline handler, no script but the nonce'd one).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { bearer, productStatusChanged, SECRET, webhookId } from '../../test/webhook-fixtures.js';
import { createPassfortWebhooks, type PassfortWebhooks } from '../create-passfort-webhooks.js';
import { dashboardMain, dashboardPage } from './console-page.js';

const opened: PassfortWebhooks[] = [];
afterEach(async () => {
  for (const webhooks of opened.splice(0)) await webhooks.close();
});

async function receiverAfterTraffic() {
  const webhooks = createPassfortWebhooks({ secret: SECRET, logger: false });
  opened.push(webhooks);
  webhooks.onAny(() => {});
  const known = productStatusChanged(webhookId(1));
  const drifted = productStatusChanged(webhookId(2));
  drifted.data = { ...drifted.data, new_status: 'ON_HOLD', application_note: '<b>n</b>' };
  const body = JSON.stringify([known, drifted, { ...known, id: webhookId(3), event: '<i>NEW' }]);
  expect((await webhooks.handle({ method: 'POST', headers: bearer(), body })).status).toBe(200);
  return webhooks;
}

describe('the dashboard', () => {
  it('draws the last hour, lists the drift, and shows no silence badge while detection is off', async () => {
    const webhooks = await receiverAfterTraffic();
    const now = Date.now();
    const html = dashboardMain({ status: await webhooks.status(), deadLetters: [], now });
    expect(html).toContain('data-testid="outcomes-chart"');
    expect(html).toContain('data-testid="latency-chart"');
    expect(html.match(/<svg role="img"/g)).toHaveLength(2);
    expect(html).toContain('<code>ON_HOLD</code>');
    expect(html).toContain('<code>data.application_note</code>');
    expect(html).toContain('<code>&lt;i&gt;NEW</code>');
    expect(html).not.toContain('<i>NEW');
    expect(html).not.toContain('data-testid="silence"');
  });

  it('renders nothing the strict CSP would refuse', async () => {
    const webhooks = await receiverAfterTraffic();
    const page = dashboardPage('/console', 'n0nce', 'csrf', {
      status: await webhooks.status(),
      deadLetters: [],
      now: Date.now(),
    });
    expect(page).not.toMatch(/\sstyle=/i);
    expect(page).not.toMatch(/\son[a-z]+=/i);
    expect(page).not.toMatch(/(href|src)=/i); // no external asset
    expect(page.match(/<script/g)).toEqual(['<script']);
    expect(page).toContain('<script nonce="n0nce">');
    expect(page.match(/<style/g)).toEqual(['<style']);
  });
});
