import { describe, expect, it } from 'vitest';
import { MinuteHistory } from './minute-history.js';

const T0 = Date.UTC(2026, 11, 4, 9, 0, 0);
const MINUTE = 60_000;

describe('MinuteHistory', () => {
  it('lists 60 minutes, oldest first, the current one last, zeros where nothing happened', () => {
    const history = new MinuteHistory();
    history.count('processed', 3, T0 + 5 * MINUTE);
    history.count('duplicates', 2, T0 + 5 * MINUTE + 59_999);
    history.count('failures', 1, T0 + 59 * MINUTE);
    const hour = history.lastHour(T0 + 59 * MINUTE + 10);
    expect(hour).toHaveLength(60);
    expect(hour[0]!.at).toEqual(new Date(T0));
    expect(hour[59]!.at).toEqual(new Date(T0 + 59 * MINUTE));
    expect(hour[5]).toMatchObject({ processed: 3, duplicates: 2, failures: 0 });
    expect(hour[59]).toMatchObject({ failures: 1, processed: 0 });
    expect(hour.filter((m) => m.processed + m.duplicates + m.failures > 0)).toHaveLength(2);
  });

  it('forgets a minute an hour old when its slot is reused', () => {
    const history = new MinuteHistory();
    history.count('processed', 7, T0);
    history.count('processed', 1, T0 + 60 * MINUTE);
    const hour = history.lastHour(T0 + 60 * MINUTE);
    expect(hour[59]).toMatchObject({ processed: 1 });
    expect(hour.reduce((sum, m) => sum + m.processed, 0)).toBe(1);
  });

  it('reads latency percentiles per minute, an answer just inside 5 s never past it', () => {
    const history = new MinuteHistory();
    for (let i = 0; i < 98; i++) history.request(20, T0);
    history.request(4_600, T0);
    history.request(4_999, T0);
    const [minute] = history.lastHour(T0).slice(-1);
    expect(minute!.requests).toBe(100);
    expect(minute!.ackP50Ms).toBeGreaterThanOrEqual(20);
    expect(minute!.ackP50Ms).toBeLessThan(25);
    // The 99th of 100 answers (4.6 s) reads within 25 % above, and never past the deadline.
    expect(minute!.ackP99Ms).toBeGreaterThanOrEqual(4_600);
    expect(minute!.ackP99Ms).toBeLessThanOrEqual(5_000);
    history.request(4_999, T0 + 2 * MINUTE);
    expect(history.lastHour(T0 + 2 * MINUTE)[59]!.ackP99Ms).toBe(5_000);
    history.request(5_001, T0 + MINUTE);
    expect(history.lastHour(T0 + MINUTE)[59]!.ackP99Ms).toBeGreaterThan(5_000);
  });

  it('answers zeros for a minute without requests', () => {
    const history = new MinuteHistory();
    history.count('processed', 1, T0);
    expect(history.lastHour(T0)[59]).toMatchObject({ requests: 0, ackP50Ms: 0, ackP99Ms: 0 });
  });
});
