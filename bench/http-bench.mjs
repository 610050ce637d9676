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
 */
import { fork, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

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
const complete = only === undefined && payloads.length === 2;
const pinned = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
const SECRET = 'bench-webhook-secret-3f9a';

const frameworks = [
  { name: 'node:http (core handle())', bare: 'node-bare', ours: 'node-ours' },
  { name: 'Express 5', bare: 'express5-bare', ours: 'express5-ours' },
  { name: 'Express 4', bare: 'express4-bare', ours: 'express4-ours' },
  { name: 'Koa', bare: 'koa-bare', ours: 'koa-ours' },
  { name: 'Hono (@hono/node-server)', bare: 'hono-bare', ours: 'hono-ours' },
].filter((f) => only === undefined || f.name.toLowerCase().includes(only));
// Every side runs the same async handler per webhook; the bare routes compare secrets the way
// most code does (Buffer.from, a length check, timingSafeEqual). Targets from issue 23.
const TARGET = 0.95;
const OCTOKIT_TARGET = 2;
const STORE_TARGET = 3;
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

/** Forks `file` pinned to `core` (when taskset exists) and waits for its ready message. */
async function start(file, args, env, core) {
  const child = fork(file, args, {
    env: { ...process.env, ...env },
    execPath: pinned ? 'taskset' : process.execPath,
    execArgv: pinned ? ['-c', String(core), process.execPath] : [],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const message = await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code}`)));
  });
  child.removeAllListeners('exit');
  // A server says which port it listens on; the load generator just says it is ready.
  child.port = message?.port;
  return child;
}

const loader = await start(
  join(here, 'load.mjs'),
  [JSON.stringify({ secret: SECRET, runId: `run-${Date.now()}` })],
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

/** Stops a server and resolves once it exited (killed outright if it takes over 30 s). */
function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve();
      return;
    }
    const force = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill();
  });
}

/**
 * One round of a group: its servers started side by side, each warmed up, then loaded in
 * alternating slices (A B B A …, or A B C C B A … for three) until each had its measured
 * time. Returns each server's totals for the round.
 */
async function measureGroup(group, reversed) {
  const order = reversed ? [...group].reverse() : group;
  const servers = [];
  // Started inside the try: a server that fails to start must not leave the others running.
  try {
    for (const [name, payload, serverConnections = connections] of order) {
      const child = await start(
        join(here, 'servers', `${name}.mjs`),
        [],
        { NODE_ENV: 'production' },
        0,
      );
      const { port } = child;
      servers.push({
        name,
        payload,
        connections: serverConnections,
        port,
        child,
        slices: [],
        ticks: 0,
      });
    }
    for (const server of servers) await load(server, server.payload, warmup);
    for (let slice = 0; slice < slicesPerServer; slice++) {
      for (const server of slice % 2 === 0 ? servers : [...servers].reverse()) {
        const before = cpuTicks(server.child.pid);
        const result = await load(server, server.payload, sliceSeconds);
        const after = cpuTicks(server.child.pid);
        server.slices.push(result);
        server.ticks =
          before === undefined || after === undefined ? Number.NaN : server.ticks + after - before;
      }
    }
  } finally {
    // Waited for: the store servers remove their keys and tables on the way out, and that must
    // not overlap the next group's measurement (a KEYS over a run's ids blocks Redis).
    await Promise.all(servers.map(({ child }) => stop(child)));
  }
  return servers.map(({ name, payload, connections: used, slices, ticks }) => {
    const requests = slices.reduce((sum, r) => sum + r.requests, 0);
    const seconds = slices.reduce((sum, r) => sum + r.seconds, 0);
    return {
      key: `${name}:${payload}${used === connections ? '' : `@${used}`}`,
      rps: requests / seconds,
      // Server CPU time per request: unlike req/s, it does not move when this shared
      // machine lends the core to a neighbour for a while (steal time).
      cpuUs:
        Number.isFinite(ticks) && requests > 0
          ? (ticks * 1e6) / ticksPerSecond / requests
          : undefined,
      p50: median(slices.map((r) => r.p50)),
      p99: median(slices.map((r) => r.p99)),
      non2xx: slices.reduce((sum, r) => sum + r.non2xx, 0),
      errors: slices.reduce((sum, r) => sum + r.errors, 0),
      bytes: slices[0].bytes,
    };
  });
}

const ticksPerSecond = (() => {
  const run = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  return Number(run.stdout?.trim()) || 100;
})();

/** User + system CPU time of a process in clock ticks (Linux), or undefined elsewhere. */
function cpuTicks(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime, stime
  } catch {
    return undefined;
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

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
    for (const result of await measureGroup(group, round % 2 === 0)) {
      results.set(result.key, [...(results.get(result.key) ?? []), result]);
      process.stdout.write(
        `  round ${round} ${result.key}: ${Math.round(result.rps)} req/s${result.non2xx ? `, ${result.non2xx} non-2xx` : ''}\n`,
      );
    }
  }
}
loader.kill();

/**
 * The ratio `ours / bare` of each round (measured back to back), as the median and the
 * range over rounds: the median of per-round ratios resists the machine's drift better
 * than a ratio of medians taken minutes apart.
 */
function ratioOf(ours, bare, figure = (result) => result.rps) {
  const a = results.get(ours);
  const b = results.get(bare);
  const perRound = a.map((result, i) => figure(result) / figure(b[i]));
  if (perRound.some((ratio) => !Number.isFinite(ratio))) return undefined;
  return { median: median(perRound), min: Math.min(...perRound), max: Math.max(...perRound) };
}

/** The same ratio from server CPU time per request: bare's CPU over ours (higher is better). */
const cpuRatioOf = (ours, bare) => ratioOf(ours, bare, (result) => 1 / result.cpuUs);
const ratioCell = (ratio) =>
  ratio === undefined ? '–' : `${ratio.median.toFixed(2)}${range(ratio)}`;
const us = (value) => (value === undefined ? '–' : value.toFixed(1));

// Verdicts print three decimals: 0.949 must not read as a 0.95 that missed 0.95.
const verdictRatio = (ratio) =>
  ratio === undefined
    ? 'no ratio (a side answered nothing in a round)'
    : `${ratio.median.toFixed(3)}${range(ratio)}`;
const meets = (ratio, target) => ratio !== undefined && ratio.median >= target;
const range = (ratio) => (rounds > 1 ? ` (${ratio.min.toFixed(2)}–${ratio.max.toFixed(2)})` : '');

function row(server, payload) {
  const list = results.get(`${server}:${payload}`);
  return {
    rps: median(list.map((r) => r.rps)),
    p50: median(list.map((r) => r.p50)),
    p99: median(list.map((r) => r.p99)),
    cpuUs: list.some((r) => r.cpuUs === undefined) ? undefined : median(list.map((r) => r.cpuUs)),
    non2xx: list.reduce((sum, r) => sum + r.non2xx + r.errors, 0),
  };
}

const verdicts = [];
// `--only redis` (or postgres) selects no framework: then only the store table prints.
for (const payload of frameworks.length > 0 ? payloads : []) {
  const bytes = results.get(`${frameworks[0].bare}:${payload}`)[0].bytes;
  console.log(
    `\n${payload === 'single' ? 'Single webhook' : 'Batch of 100'} (~${(bytes / 1024).toFixed(1)} KB per request), medians of ${rounds} round(s); ratio: median of the rounds' ratios (range)\n`,
  );
  console.log(
    '| server | req/s | p50 ms | p99 ms | non-2xx | CPU µs/req | ratio to bare | CPU ratio |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const f of frameworks) {
    const bare = row(f.bare, payload);
    const ours = row(f.ours, payload);
    const ratio = ratioOf(`${f.ours}:${payload}`, `${f.bare}:${payload}`);
    const cpuRatio = cpuRatioOf(`${f.ours}:${payload}`, `${f.bare}:${payload}`);
    console.log(
      `| ${f.name}, bare | ${Math.round(bare.rps)} | ${bare.p50} | ${bare.p99} | ${bare.non2xx} | ${us(bare.cpuUs)} | | |`,
    );
    console.log(
      `| ${f.name}, passfort-webhooks | ${Math.round(ours.rps)} | ${ours.p50} | ${ours.p99} | ${ours.non2xx} | ${us(ours.cpuUs)} | ${ratioCell(ratio)} | ${ratioCell(cpuRatio)} |`,
    );
    verdicts.push([
      `${f.name}, ${payload}: ratio ${verdictRatio(ratio)} ≥ ${TARGET} (CPU ratio ${ratioCell(cpuRatio)})`,
      meets(ratio, TARGET),
    ]);
  }
  if (results.has(`node-bare-guarded:${payload}`)) {
    const guarded = row('node-bare-guarded', payload);
    const ratio = ratioOf(`node-ours:${payload}`, `node-bare-guarded:${payload}`);
    const cpuRatio = cpuRatioOf(`node-ours:${payload}`, `node-bare-guarded:${payload}`);
    console.log(
      `\nnode:http bare route with the receiver's guarantees written by hand (zod safeParse of each webhook's data, a Map of handled ids, a million at most): ${Math.round(guarded.rps)} req/s, p50 ${guarded.p50} ms, p99 ${guarded.p99} ms, non-2xx ${guarded.non2xx}, CPU ${us(guarded.cpuUs)} µs/req; passfort-webhooks / it: ${ratioCell(ratio)} (CPU ratio ${ratioCell(cpuRatio)}). Not a target: it shows what validation and dedupe cost when a user writes them.`,
    );
  }
}
if (results.has('octokit:github')) {
  const octokit = row('octokit', 'github');
  const versusOctokit = ratioOf('node-ours:single', 'octokit:github');
  const cpuVersusOctokit = cpuRatioOf('node-ours:single', 'octokit:github');
  console.log(
    `\n@octokit/webhooks createNodeMiddleware, ~2 KB signed GitHub payload: ${Math.round(octokit.rps)} req/s, p50 ${octokit.p50} ms, p99 ${octokit.p99} ms, non-2xx ${octokit.non2xx}, CPU ${us(octokit.cpuUs)} µs/req`,
  );
  verdicts.push([
    `core handle() on node:http / octokit middleware: ${verdictRatio(versusOctokit)} ≥ ${OCTOKIT_TARGET} (CPU ratio ${ratioCell(cpuVersusOctokit)})`,
    meets(versusOctokit, OCTOKIT_TARGET),
  ]);
}
if (payloads.includes('batch') && storeComparisons.length > 0) {
  console.log(
    '\nStores, batch of 100: events/s (100 per request), ratio of medians of per-round ratios\n',
  );
  console.log(
    '| comparison | bare events/s | ours events/s | non-2xx bare / ours | ratio | CPU ratio |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const s of storeComparisons) {
    for (const [suffix, label] of [
      ['', `${connections} connections`],
      ['@1', 'one request at a time, as Passfort sends'],
    ]) {
      const bare = row(s.bare, `batch${suffix}`);
      const ours = row(s.ours, `batch${suffix}`);
      const ratio = ratioOf(`${s.ours}:batch${suffix}`, `${s.bare}:batch${suffix}`);
      const cpuRatio = cpuRatioOf(`${s.ours}:batch${suffix}`, `${s.bare}:batch${suffix}`);
      console.log(
        `| ${s.name}, ${label} | ${Math.round(bare.rps * 100)} | ${Math.round(ours.rps * 100)} | ${bare.non2xx} / ${ours.non2xx} | ${ratioCell(ratio)} | ${ratioCell(cpuRatio)} |`,
      );
      verdicts.push([
        `${s.name}, ${label}: ${verdictRatio(ratio)} ≥ ${STORE_TARGET}`,
        meets(ratio, STORE_TARGET),
      ]);
    }
  }
}
if (!quick && complete) {
  console.log('');
  for (const [label, met] of verdicts) console.log(`${met ? 'met    ' : 'NOT MET'}  ${label}`);
}
