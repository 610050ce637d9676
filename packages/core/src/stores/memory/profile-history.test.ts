import { describe, expect, it } from 'vitest';
import { COMPLETIONS_PER_PROFILE, ProfileHistory } from './profile-history.js';

const DAY = 24 * 3600_000;

describe('ProfileHistory', () => {
  it('lists a profile with one completion, then with more, in time order', () => {
    const history = new ProfileHistory(100, DAY);
    history.record('p', 'a', 'CHECK_COMPLETED', 1_000);
    expect(history.since('p', 0, 20, undefined, 2_000)).toEqual({
      count: 1,
      webhooks: [{ id: 'a', event: 'CHECK_COMPLETED', processedAt: 1_000 }],
    });
    history.record('p', 'b', 'RISK_LEVEL_CHANGED', 1_500);
    expect(history.since('p', 0, 20, undefined, 2_000).webhooks.map((w) => w.id)).toEqual([
      'a',
      'b',
    ]);
    expect(history.since('p', 1_000, 20, undefined, 2_000).count).toBe(1);
    expect(history.since('p', 0, 20, 'a', 2_000).webhooks.map((w) => w.id)).toEqual(['b']);
  });

  it('keeps time order when the second completion comes with an earlier clock', () => {
    const history = new ProfileHistory(100, DAY);
    history.record('p', 'late', 'E', 2_000);
    history.record('p', 'early', 'E', 1_000);
    expect(history.since('p', 0, 20, undefined, 3_000).webhooks.map((w) => w.id)).toEqual([
      'early',
      'late',
    ]);
  });

  it('moves a one-completion profile from the old generation up, keeping its entry', () => {
    // Generations of 2 profiles: p goes old after q and r, then is updated again.
    const history = new ProfileHistory(4, DAY);
    history.record('p', 'a', 'E', 1_000);
    history.record('q', 'b', 'E', 1_001);
    history.record('r', 'c', 'E', 1_002);
    history.record('p', 'd', 'E', 1_003);
    expect(history.since('p', 0, 20, undefined, 2_000).webhooks.map((w) => w.id)).toEqual([
      'a',
      'd',
    ]);
    expect(history.since('q', 0, 20, undefined, 2_000).count).toBe(1);
  });

  it('forgets a one-completion profile two turns later, and keeps 64 of a busy one', () => {
    const history = new ProfileHistory(2, DAY);
    history.record('p', 'a', 'E', 1_000);
    history.record('q', 'b', 'E', 1_001);
    history.record('r', 'c', 'E', 1_002);
    expect(history.since('p', 0, 20, undefined, 2_000).count).toBe(0);
    for (let i = 0; i < COMPLETIONS_PER_PROFILE + 5; i++)
      history.record('s', `s${i}`, 'E', 2_000 + i);
    const kept = history.since('s', 0, 100, undefined, 3_000);
    expect(kept.count).toBe(COMPLETIONS_PER_PROFILE);
    expect(kept.webhooks[0]!.id).toBe('s5');
  });

  it('drops what expired with the retention', () => {
    const history = new ProfileHistory(100, 1_000);
    history.record('p', 'a', 'E', 1_000);
    expect(history.since('p', 0, 20, undefined, 1_500).count).toBe(1);
    expect(history.since('p', 0, 20, undefined, 2_500).count).toBe(0);
    history.forget(2_500);
    expect(history.size).toBe(0);
  });
});

describe('ProfileHistory event names', () => {
  it('lists the event each completion was recorded with, shared or not', () => {
    const history = new ProfileHistory(100_000, DAY);
    for (let i = 0; i < 300; i++) history.record(`p${i}`, `id${i}`, `EVENT_${i}`, 1_000 + i);
    history.record('p0', 'again', 'EVENT_0', 5_000);
    expect(history.since('p299', 0, 20, undefined, 6_000).webhooks[0]!.event).toBe('EVENT_299');
    expect(history.since('p0', 0, 20, undefined, 6_000).webhooks.map((w) => w.event)).toEqual([
      'EVENT_0',
      'EVENT_0',
    ]);
  });
});
