/** The silence badge: shown only while Passfort is silent, with since when and what to do. */
import { describe, expect, it } from 'vitest';
import { durationText } from './console-time.js';
import { silenceBadge } from './silence-badge.js';

const NOW = Date.UTC(2025, 5, 2, 14, 30, 0);

describe('silenceBadge', () => {
  it('shows nothing when silence detection is off or Passfort was heard in time', () => {
    expect(
      silenceBadge({ expectedWithinMs: null, lastAuthenticAt: null, silentSince: null }, NOW),
    ).toBe('');
    expect(
      silenceBadge(
        { expectedWithinMs: 60_000, lastAuthenticAt: new Date(NOW - 1000), silentSince: null },
        NOW,
      ),
    ).toBe('');
  });

  it('says since when, within how long, and to check the status in the Passfort portal', () => {
    const html = silenceBadge(
      {
        expectedWithinMs: 15 * 60_000,
        lastAuthenticAt: new Date(NOW - 20 * 60_000),
        silentSince: new Date(NOW - 5 * 60_000),
      },
      NOW,
    );
    const heading = /<h2 id="silence-heading">(.*?)<\/h2>/.exec(html)![1]!.replace(/<[^>]+>/g, '');
    expect(heading).toBe(
      'Silent since 14:25:00 UTC — nothing authentic from Passfort within 15 min',
    );
    expect(html).toContain('datetime="2025-06-02T14:25:00.000Z"');
    expect(html).toContain('Last authentic webhook <time datetime="2025-06-02T14:10:00.000Z"');
    expect(html).toContain('20 min ago');
    expect(html).toContain('status in the Passfort portal');
  });

  it('says when nothing authentic came since start-up, and dates a silence older than a day', () => {
    const html = silenceBadge(
      { expectedWithinMs: 200, lastAuthenticAt: null, silentSince: new Date(NOW - 2 * 86_400_000) },
      NOW,
    );
    expect(html).toContain('>2025-05-31 14:30:00 UTC</time>');
    expect(html).toContain('within 200 ms');
    expect(html).toContain('No authentic webhook since start-up.');
  });

  it('writes configured spans in their two largest units', () => {
    expect(
      [200, 1500, 30_000, 15 * 60_000, 90 * 60_000, 2 * 3_600_000, 26 * 3_600_000].map(
        durationText,
      ),
    ).toEqual(['200 ms', '1.5 s', '30 s', '15 min', '1 h 30 min', '2 h', '1 d 2 h']);
  });
});
