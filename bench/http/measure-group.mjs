// One round of a group of servers compared with each other: started side by side, loaded in
// alternating slices, and each server's totals for the round, with its CPU time per request.
// Kept apart from the harness so that the way a figure is taken can be read in one place.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { start, stop } from './child-processes.mjs';
import { median } from './median.mjs';

const serverFiles = join(dirname(fileURLToPath(import.meta.url)), '..', 'servers');

/**
 * One round of a group: its servers started side by side, each warmed up, then loaded in
 * alternating slices (A B B A …, or A B C C B A … for three) until each had its measured
 * time. Returns each server's totals for the round.
 *
 * `settings` are the run's: `load(server, payload, seconds)` runs one slice on the load
 * generator; `connections` is the default per server; `warmup`, `slicesPerServer` and
 * `sliceSeconds` time the round.
 */
export async function measureGroup(
  group,
  reversed,
  { load, connections, warmup, slicesPerServer, sliceSeconds },
) {
  const order = reversed ? [...group].reverse() : group;
  const servers = [];
  // Started inside the try: a server that fails to start must not leave the others running.
  try {
    for (const [name, payload, serverConnections = connections] of order) {
      const child = await start(
        join(serverFiles, `${name}.mjs`),
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
