// What the receiver costs per request without HTTP around it: `handle()` against the bare route's
// own work (JSON.parse, the usual secret compare, the same async handler awaited per webhook), on
// the same bodies with fresh ids, alternating rounds. Steadier than the HTTP run on a shared
// machine, so it is what to measure a change of the receive or delivery path with; the HTTP run
// (http-bench.mjs) stays the one the targets are read from.
//
//   node bench/in-process.mjs [single|batch] [--documented]
//
// The "without dedupe" line swaps the memory store for one that claims everything and records
// nothing, to tell the store's share from the rest: it is not a configuration anyone should run.
// The "drift report off" line gives the drift report's own cost (it is on by default).
import { createPassfortWebhooks } from '@passfort-webhooks/core';
import { passfortBodies } from './payloads.mjs';
import { handleWebhook, receive, SECRET } from './servers/common.mjs';

const payload = process.argv[2] ?? 'single';
// --documented: Passfort's documented CHECK_COMPLETED, without the 2 KB of padding (payloads.mjs).
const padded = !process.argv.includes('--documented');
const template = passfortBodies(SECRET, `in-process-${Date.now()}`, { padded })[payload];
const perRound = payload === 'batch' ? 1_000 : 50_000;
const rounds = 5;
const headers = { 'content-type': 'application/json', authorization: `Bearer ${SECRET}` };

let counter = 0;
/** A round's bodies, each with ids never used before (the store never answers "duplicate"). */
function freshBodies() {
  return Array.from({ length: perRound }, () =>
    template.replaceAll('XXXXXXXX', (counter++).toString(16).padStart(8, '0')),
  );
}

const claimed = Object.freeze({ status: 'claimed', attempt: 1 });
const noDedupe = {
  claim: (ids) => ids.map(() => claimed),
  complete() {},
  release() {},
  renew() {},
  addDeadLetter() {},
  listDeadLetters: () => [],
  getDeadLetter: () => undefined,
  deleteDeadLetter: () => false,
  countDeadLetters: () => 0,
};

function receiver(store, options = {}) {
  const webhooks = createPassfortWebhooks({ secret: SECRET, logger: false, store, ...options });
  webhooks.onAny(handleWebhook);
  return async (text) => {
    const body = () => Promise.resolve(text); // a reader, as the adapters hand the body over
    const response = await webhooks.handle({ method: 'POST', headers, body });
    if (response.status !== 200) throw new Error(`answered ${response.status}: ${response.body}`);
  };
}

const sides = {
  'bare route': async (text) => {
    const status = await receive(headers.authorization, JSON.parse(await Promise.resolve(text)));
    if (status !== 200) throw new Error(`answered ${status}`);
  },
  'passfort-webhooks (memory store)': receiver(undefined),
  'passfort-webhooks without dedupe': receiver(noDedupe),
  'passfort-webhooks, drift report off': receiver(undefined, { drift: false }),
};

const timings = Object.fromEntries(Object.keys(sides).map((name) => [name, []]));
for (let round = 0; round <= rounds; round++) {
  const names = Object.keys(sides);
  for (const name of round % 2 === 0 ? names : names.reverse()) {
    const bodies = freshBodies();
    const started = process.hrtime.bigint();
    for (const body of bodies) await sides[name](body);
    const micros = Number(process.hrtime.bigint() - started) / 1e3 / perRound;
    if (round > 0) timings[name].push(micros); // round 0 warms up
  }
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const bare = median(timings['bare route']);
console.log(
  `In process, ${payload === 'batch' ? 'batch of 100' : 'single webhook'}${padded ? '' : ', documented payload'} (${template.length} bytes), median of ${rounds} rounds:`,
);
for (const [name, values] of Object.entries(timings)) {
  const value = median(values);
  const extra =
    name === 'bare route'
      ? ''
      : `, +${(value - bare).toFixed(2)} µs (bare / this: ${(bare / value).toFixed(2)})`;
  console.log(`  ${name.padEnd(34)} ${value.toFixed(2)} µs per request${extra}`);
}
