/**
 * The measuring loop: both sides one at a time and at IN_FLIGHT in flight, in rounds that
 * alternate which side goes first, reduced to medians of per-round ratios, since this machine
 * is shared and its slow spells must hit both sides alike.
 */
import { CONCURRENT, freshBody, IN_FLIGHT, quick, ROUNDS, SERIAL, type Side } from './settings.js';

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

async function oneAtATime(side: Side, n: number) {
  const times: number[] = [];
  const tripsBefore = side.trips();
  const commitsBefore = side.commits?.() ?? 0;
  for (let i = 0; i < n; i++) {
    const text = freshBody();
    const start = performance.now();
    const status = await side.handle(text);
    times.push(performance.now() - start);
    if (status !== 200) throw new Error(`${side.name}: answered ${status}`);
  }
  times.sort((a, b) => a - b);
  return {
    p50: percentile(times, 50),
    p99: percentile(times, 99),
    trips: (side.trips() - tripsBefore) / n,
    commits: ((side.commits?.() ?? 0) - commitsBefore) / n,
  };
}

/** Milliseconds of wall time per webhook with IN_FLIGHT requests always in flight. */
async function tenAtATime(side: Side, n: number): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next++ < n) {
        const status = await side.handle(freshBody());
        if (status !== 200) throw new Error(`${side.name}: answered ${status}`);
      }
    }),
  );
  return (performance.now() - start) / n;
}

export interface Figures {
  database: string;
  ours: string;
  hand: string;
  tripsOurs: number;
  tripsHand: number;
  /** Write transactions per webhook, one at a time (SQLite only). */
  commits?: [number, number];
  p50: [number, number, number];
  p99: [number, number, number];
  perWebhook: [number, number, number];
}

/** Alternating rounds of `ours` against `hand`; [ours, hand, median of per-round ratios]. */
export async function compare(database: string, ours: Side, hand: Side): Promise<Figures> {
  for (const side of [ours, hand]) {
    await oneAtATime(side, quick ? 5 : 100); // warm-up: pools, JIT, plans
    await tenAtATime(side, quick ? 10 : 100);
  }
  const rounds: Array<{
    ours: Awaited<ReturnType<typeof oneAtATime>>;
    hand: (typeof rounds)[0]['ours'];
    oursMs: number;
    handMs: number;
  }> = [];
  for (let round = 0; round < ROUNDS; round++) {
    const first = round % 2 === 0 ? ours : hand;
    const second = first === ours ? hand : ours;
    const a = await oneAtATime(first, SERIAL);
    const b = await oneAtATime(second, SERIAL);
    const c = await tenAtATime(first, CONCURRENT);
    const d = await tenAtATime(second, CONCURRENT);
    rounds.push(
      first === ours
        ? { ours: a, hand: b, oursMs: c, handMs: d }
        : { ours: b, hand: a, oursMs: d, handMs: c },
    );
  }
  const figure = (pick: (r: (typeof rounds)[0]) => [number, number]): [number, number, number] => [
    median(rounds.map((r) => pick(r)[0])),
    median(rounds.map((r) => pick(r)[1])),
    median(rounds.map((r) => pick(r)[0] / pick(r)[1])),
  ];
  return {
    database,
    ours: ours.name,
    hand: hand.name,
    tripsOurs: median(rounds.map((r) => r.ours.trips)),
    tripsHand: median(rounds.map((r) => r.hand.trips)),
    ...(ours.commits === undefined
      ? {}
      : {
          commits: [
            median(rounds.map((r) => r.ours.commits)),
            median(rounds.map((r) => r.hand.commits)),
          ] as [number, number],
        }),
    p50: figure((r) => [r.ours.p50, r.hand.p50]),
    p99: figure((r) => [r.ours.p99, r.hand.p99]),
    perWebhook: figure((r) => [r.oursMs, r.handMs]),
  };
}
