/**
 * The receiver against bare framework routes doing the same work, in one run on this machine.
 * Every server is its own process on 127.0.0.1 (pinned to core 0 when taskset exists; the load
 * generator to core 1). Servers compared with each other are measured together: in each round
 * they are started side by side, warmed up, then loaded alternately in short slices (A B B A
 * A B …) until each has had its measured time, so this shared machine's slow spells, which
 * come and go within seconds, hit both alike. Ratios are the result: absolute numbers on a
 * 2-core machine are noise.
 *
 *   node bench/http-bench.mjs          3 rounds; per server and round 3 s warm-up, 6 × 2 s
 *   node bench/http-bench.mjs --quick  one short round, for CI smoke (no targets asserted)
 *   node bench/http-bench.mjs --rounds 5
 *   node bench/http-bench.mjs --only koa --payload batch   one comparison, for profiling work
 *   node bench/http-bench.mjs --documented   Passfort's documented payload, without padding
 *
 * This file is the harness: settings, the comparisons, the rounds. http/ holds the child
 * processes (child-processes.mjs), one round of a group (measure-group.mjs) and the report
 * with its targets (report.mjs).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pinned, start } from './http/child-processes.mjs';
import { measureGroup } from './http/measure-group.mjs';
import { printReport } from './http/report.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');
const roundsArg = process.argv.indexOf('--rounds');
const rounds = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : quick ? 1 : 3;
const sliceSeconds = quick ? 0.5 : 2;
const slicesPerServer = quick ? 2 : 6;
const warmup = quick ? 0.5 : 3;
const connections = quick ? 10 : 50;
const option = (name) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
};
const only = option('--only')?.toLowerCase();
const payloads = option('--payload') === undefined ? ['single', 'batch'] : [option('--payload')];
// --documented: Passfort's documented CHECK_COMPLETED, without the 2 KB of padding the figures
// so far were taken with (payloads.mjs; BENCHMARKS.md, issue 40).
const padded = !process.argv.includes('--documented');
const complete = only === undefined && payloads.length === 2;
const SECRET = 'bench-webhook-secret-3f9a';

// Every side runs the same async handler per webhook; the bare routes compare secrets the way
// most code does (Buffer.from, a length check, timingSafeEqual).
const frameworks = [
  { name: 'node:http (core handle())', bare: 'node-bare', ours: 'node-ours' },
  { name: 'Express 5', bare: 'express5-bare', ours: 'express5-ours' },
  { name: 'Express 4', bare: 'express4-bare', ours: 'express4-ours' },
  { name: 'Koa', bare: 'koa-bare', ours: 'koa-ours' },
  { name: 'Hono (@hono/node-server)', bare: 'hono-bare', ours: 'hono-ours' },
].filter((f) => only === undefined || f.name.toLowerCase().includes(only));

// The stores against routes that dedupe by hand (SET NX / INSERT … ON CONFLICT per webhook):
// batches of 100, where a store's batch operations pay off.
const storeComparisons = [
  {
    name: 'Redis store vs SET NX per webhook (Express 5)',
    bare: 'express5-redis-bare',
    ours: 'express5-redis-ours',
  },
  {
    name: 'Postgres store vs INSERT … ON CONFLICT per webhook (Express 5)',
    bare: 'express5-postgres-bare',
    ours: 'express5-postgres-ours',
  },
].filter((s) => only === undefined || s.name.toLowerCase().includes(only));

const loader = await start(
  join(here, 'load.mjs'),
  [JSON.stringify({ secret: SECRET, runId: `run-${Date.now()}`, padded })],
  {},
  1,
);
/** One slice of load on a server: autocannon's figures for it. */
function load(server, payload, seconds) {
  return new Promise((resolve) => {
    loader.once('message', resolve);
    loader.send({
      url: `http://127.0.0.1:${server.port}/webhooks`,
      payload,
      seconds,
      connections: server.connections,
    });
  });
}

/** What measureGroup needs of this run. */
const measuring = { load, connections, warmup, slicesPerServer, sliceSeconds };

const results = new Map(); // `${server}:${payload}` -> results[], one per round
// Servers compared with each other form a group, measured together (see measureGroup); the
// order within a group flips every round. --only and --payload narrow the run (no verdicts).
const groups = [];
for (const payload of payloads) {
  for (const f of frameworks) {
    const group = [
      [f.bare, payload],
      [f.ours, payload],
    ];
    if (f.bare === 'node-bare') {
      group.push(['node-bare-guarded', payload]);
      if (payload === 'single') group.push(['octokit', 'github']);
    }
    groups.push(group);
  }
}
if (payloads.includes('batch')) {
  for (const s of storeComparisons) {
    groups.push([
      [s.bare, 'batch'],
      [s.ours, 'batch'],
    ]);
    // And one request at a time, as Passfort itself sends to an account (ordered delivery).
    groups.push([
      [s.bare, 'batch', 1],
      [s.ours, 'batch', 1],
    ]);
  }
}

console.log(
  `HTTP benchmark: ${rounds} round(s); per server and round ${warmup} s warm-up, then ${slicesPerServer} slices of ${sliceSeconds} s alternating with the servers it is compared with; ${connections} connections; ${pinned ? 'servers on core 0, load on core 1' : 'no taskset: not pinned'}`,
);
for (let round = 1; round <= rounds; round++) {
  for (const group of groups) {
    for (const result of await measureGroup(group, round % 2 === 0, measuring)) {
      results.set(result.key, [...(results.get(result.key) ?? []), result]);
      process.stdout.write(
        `  round ${round} ${result.key}: ${Math.round(result.rps)} req/s${result.non2xx ? `, ${result.non2xx} non-2xx` : ''}\n`,
      );
    }
  }
}
loader.kill();

printReport({
  results,
  rounds,
  frameworks,
  payloads,
  storeComparisons,
  connections,
  quick,
  complete,
});
