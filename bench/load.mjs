// The load generator, in its own process (pinned to another core than the servers), driven
// by the harness over IPC: for each `{ url, payload, seconds, connections }` it runs
// autocannon with fresh webhook ids in every request and answers with the slice's figures.
import autocannon from 'autocannon';
import { freshRequestOptions } from './fresh-requests.mjs';
import { githubDelivery, passfortBodies } from './payloads.mjs';

const { secret, runId, padded = true } = JSON.parse(process.argv[2]);
const bodies = passfortBodies(secret, runId, { padded });
const github = githubDelivery(secret);

// Ids are fresh for every request, so the receiver's dedupe never turns the run into "all
// duplicates": the counter keeps counting across slices and servers of the run.
let counter = 0;
const next = () => counter++;

function optionsFor(url, payload) {
  if (payload === 'github') {
    return { url, requests: [{ method: 'POST', headers: github.headers, body: github.body }] };
  }
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${secret}` };
  return freshRequestOptions({ url, headers, body: bodies[payload], next });
}

process.on('message', async ({ url, payload, seconds, connections }) => {
  const result = await autocannon({ ...optionsFor(url, payload), connections, duration: seconds });
  process.send({
    requests: result.requests.total,
    seconds: result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    bytes: payload === 'github' ? github.body.length : bodies[payload].length,
  });
});
// Gone with the harness, even when it crashed.
process.once('disconnect', () => process.exit(0));
process.send('ready');
