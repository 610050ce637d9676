/**
 * The measuring part of the step traces (step-trace.ts on Postgres, mysql-step-trace.ts on
 * MariaDB): marks taken as statements go and come back, and the medians of the gaps between
 * them over webhooks sent one at a time through `handle()`.
 */
import { freshBody, headers } from './settings.js';

let events: Array<[string, number]> = [];

/** Notes that `what` happened now, in the webhook being traced. */
export function mark(what: string): void {
  events.push([what, performance.now()]);
}

/** Sends `count` fresh webhooks one at a time and prints each step's median gap. */
export async function printStepTimings(
  webhooks: {
    handle(request: {
      method: string;
      headers: Record<string, string>;
      body: string;
    }): Promise<{ status: number }>;
  },
  count: number,
): Promise<void> {
  const warmUp = Math.min(100, Math.floor(count / 6));
  const gaps = new Map<string, number[]>();
  for (let i = 0; i < count; i++) {
    events = [];
    mark('handle()');
    const response = await webhooks.handle({ method: 'POST', headers, body: freshBody() });
    if (response.status !== 200) throw new Error(`answered ${response.status}`);
    mark('answered');
    if (i < warmUp) continue;
    for (let j = 1; j < events.length; j++) {
      const step = `${String(j).padStart(2)}  ${events[j - 1]![0]}  →  ${events[j]![0]}`;
      const list = gaps.get(step) ?? gaps.set(step, []).get(step)!;
      list.push(events[j]![1] - events[j - 1]![1]);
    }
  }
  const median = (list: number[]) => list.sort((a, b) => a - b)[list.length >> 1]!;
  const measured = count - warmUp;
  console.log(`median ms of ${measured} webhooks, one at a time (steps seen in most of them)`);
  let total = 0;
  for (const [step, list] of gaps) {
    if (list.length < measured / 2) continue;
    total += median(list);
    console.log(`${median(list).toFixed(3).padStart(7)}  ${step}`);
  }
  console.log(`${total.toFixed(3).padStart(7)}  sum of the medians`);
}
