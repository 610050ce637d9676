/**
 * The receiver against bare framework routes doing the same work, in one run on this machine.
 * Every server is its own process on 127.0.0.1 (pinned to core 0 when taskset exists; the load
 * generator to core 1); servers run alternately in rounds so drift hits all alike; medians of
 * the rounds. Ratios are the result: absolute numbers on a 2-core machine are noise.
 *
 *   node bench/http-bench.mjs          3 rounds of 10 s after a 3 s warm-up
 *   node bench/http-bench.mjs --quick  one short round, for CI smoke (no targets asserted)
 *   node bench/http-bench.mjs --rounds 5
 */
import { execFileSync, fork, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');
const roundsArg = process.argv.indexOf('--rounds');
const rounds = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : quick ? 1 : 3;
const duration = quick ? 1 : 10;
const warmup = quick ? 0.5 : 3;
const connections = quick ? 10 : 50;
const pinned = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
const SECRET = 'bench-webhook-secret-3f9a';

const frameworks = [
  { name: 'node:http (core handle())', bare: 'node-bare', ours: 'node-ours' },
  { name: 'Express 5', bare: 'express5-bare', ours: 'express5-ours' },
  { name: 'Express 4', bare: 'express4-bare', ours: 'express4-ours' },
  { name: 'Koa', bare: 'koa-bare', ours: 'koa-ours' },
  { name: 'Hono (@hono/node-server)', bare: 'hono-bare', ours: 'hono-ours' },
];
const targets = {
  single: {
    'node:http (core handle())': 0.85,
    'Express 5': 0.95,
    'Express 4': 0.95,
    Koa: 0.95,
    'Hono (@hono/node-server)': 0.95,
  },
  batch: {
    'node:http (core handle())': 0.85,
    'Express 5': 0.9,
    'Express 4': 0.9,
    Koa: 0.9,
    'Hono (@hono/node-server)': 0.9,
  },
};

let port = 41000;
async function measure(server, payload) {
  const thisPort = port++;
  const child = fork(join(here, 'servers', `${server}.mjs`), [], {
    env: { ...process.env, PORT: String(thisPort), NODE_ENV: 'production' },
    execPath: pinned ? 'taskset' : process.execPath,
    execArgv: pinned ? ['-c', '0', process.execPath] : [],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`${server} exited with ${code}`)));
  });
  const load = (seconds) => {
    const config = JSON.stringify({
      url: `http://127.0.0.1:${thisPort}/webhooks`,
      payload,
      duration: seconds,
      connections,
      secret: SECRET,
      runId: `${server}-${payload}-${Date.now()}`,
    });
    const command = pinned
      ? ['taskset', ['-c', '1', process.execPath, join(here, 'load.mjs'), config]]
      : [process.execPath, [join(here, 'load.mjs'), config]];
    return JSON.parse(
      execFileSync(command[0], command[1], { encoding: 'utf8' }).trim().split('\n').at(-1),
    );
  };
  load(warmup);
  const cpuBefore = cpuTicks(child.pid);
  const result = load(duration);
  const cpuAfter = cpuTicks(child.pid);
  child.kill();
  // Server CPU time per request: unlike req/s, it does not move when this shared machine
  // lends the core to a neighbour for a while (steal time), so it is the steadier figure.
  const cpuUs =
    cpuBefore === undefined || cpuAfter === undefined || !(result.requests > 0)
      ? undefined
      : ((cpuAfter - cpuBefore) * 1e6) / ticksPerSecond / result.requests;
  return { ...result, cpuUs };
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
// Servers compared with each other run back to back, so a slow spell of this shared machine
// hits both; their order flips every round, so a drift within a group cancels out too.
const groups = [];
for (const payload of ['single', 'batch']) {
  for (const f of frameworks) {
    const group = [
      [f.bare, payload],
      [f.ours, payload],
    ];
    if (f.bare === 'node-bare' && payload === 'single') group.push(['octokit', 'github']);
    groups.push(group);
  }
}

console.log(
  `HTTP benchmark: ${rounds} round(s) of ${duration} s after ${warmup} s warm-up, ${connections} connections, ${pinned ? 'server on core 0, load on core 1' : 'no taskset: not pinned'}`,
);
for (let round = 1; round <= rounds; round++) {
  const plan = groups.flatMap((group) => (round % 2 === 1 ? group : [...group].reverse()));
  for (const [server, payload] of plan) {
    const key = `${server}:${payload}`;
    const result = await measure(server, payload);
    results.set(key, [...(results.get(key) ?? []), result]);
    process.stdout.write(
      `  round ${round} ${key}: ${Math.round(result.rps)} req/s${result.non2xx ? `, ${result.non2xx} non-2xx` : ''}\n`,
    );
  }
}

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
const cpuCell = (ratio) =>
  ratio === undefined ? '–' : `${ratio.median.toFixed(2)}${range(ratio)}`;
const us = (value) => (value === undefined ? '–' : value.toFixed(1));

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
for (const payload of ['single', 'batch']) {
  const bytes = results.get(`node-bare:${payload}`)[0].bytes;
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
      `| ${f.name}, passfort-webhooks | ${Math.round(ours.rps)} | ${ours.p50} | ${ours.p99} | ${ours.non2xx} | ${us(ours.cpuUs)} | ${ratio.median.toFixed(2)}${range(ratio)} | ${cpuCell(cpuRatio)} |`,
    );
    verdicts.push([
      `${f.name}, ${payload}: ratio ${ratio.median.toFixed(2)}${range(ratio)} ≥ ${targets[payload][f.name]} (CPU ratio ${cpuCell(cpuRatio)})`,
      ratio.median >= targets[payload][f.name],
    ]);
  }
}
const octokit = row('octokit', 'github');
const versusOctokit = ratioOf('node-ours:single', 'octokit:github');
const cpuVersusOctokit = cpuRatioOf('node-ours:single', 'octokit:github');
console.log(
  `\n@octokit/webhooks createNodeMiddleware, ~2 KB signed GitHub payload: ${Math.round(octokit.rps)} req/s, p50 ${octokit.p50} ms, p99 ${octokit.p99} ms, non-2xx ${octokit.non2xx}, CPU ${us(octokit.cpuUs)} µs/req`,
);
verdicts.push([
  `core handle() on node:http / octokit middleware: ${versusOctokit.median.toFixed(2)}${range(versusOctokit)} ≥ 1.5 (CPU ratio ${cpuCell(cpuVersusOctokit)})`,
  versusOctokit.median >= 1.5,
]);
if (!quick) {
  console.log('');
  for (const [label, met] of verdicts) console.log(`${met ? 'met    ' : 'NOT MET'}  ${label}`);
}
