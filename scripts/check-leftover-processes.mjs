// Fails when a process started by a test run outlives it. The run is started with
// PASSFORT_WEBHOOKS_TEST_RUN=<marker> in its environment; every process it starts inherits
// the marker (a child spawned with its own env must spread process.env, as ours do), so
// whatever still carries it once the run has ended was left behind.
//   node scripts/check-leftover-processes.mjs <marker>
import { readdirSync, readFileSync } from 'node:fs';

const marker = process.argv[2];
if (!marker) {
  console.error('usage: node scripts/check-leftover-processes.mjs <marker>');
  process.exit(2);
}
const needle = `PASSFORT_WEBHOOKS_TEST_RUN=${marker}`;
const read = (pid, file) => {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return ''; // gone meanwhile, or not ours to read
  }
};
// A process that is ending may still be listed for a moment: look twice, a second apart.
const find = () =>
  readdirSync('/proc')
    .filter((pid) => /^\d+$/.test(pid) && Number(pid) !== process.pid)
    .filter((pid) => read(pid, 'environ').split('\0').includes(needle));
const first = new Set(find());
await new Promise((resolve) => setTimeout(resolve, 1000));
const left = find().filter((pid) => first.has(pid));
if (left.length > 0) {
  console.error(`${left.length} process(es) started by the test run outlived it:`);
  for (const pid of left) console.error(`  ${pid}: ${read(pid, 'cmdline').split('\0').join(' ')}`);
  process.exit(1);
}
console.log('no process started by the test run outlived it');
