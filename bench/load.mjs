// The load generator, in its own process (pinned to another core than the servers), driven
// by the harness over IPC: for each `{ url, payload, seconds, connections }` it runs
// autocannon with a fresh body per request and answers with the slice's figures.
import { createHash, createHmac } from 'node:crypto';
import autocannon from 'autocannon';

const { secret, runId } = JSON.parse(process.argv[2]);

function data(id) {
  return {
    profile_id: `profile-${id}`,
    check_id: `check-${id}`,
    customer_ref: `customer-${id}`,
    apikey: { name: 'production-backend' },
    user: null,
    check_type: 'IDENTITY_CHECK',
    result: 'PASS',
    // Padding so that one envelope is about 2 KB, like a real CHECK_COMPLETED with context.
    notes: Array.from(
      { length: 14 },
      (_, i) => `result line ${i}: document verified, biometrics matched, no adverse media found`,
    ),
  };
}

function envelope(id) {
  return { id, event: 'CHECK_COMPLETED', secret, timestamp: 1568997222, data: data(id) };
}

// Ids are made fresh for every request, so the receiver's dedupe never turns the run into
// "all duplicates": the template's marker is replaced by a counter that keeps counting
// across slices and servers. They are UUID-shaped like Passfort's: counter (8 hex digits),
// a tag of this run, the webhook's index in its batch.
const MARK = '__REQ__';
let counter = 0;
const tag = createHash('sha256').update(runId).digest('hex');
const uuid = (index) =>
  `${MARK}-${tag.slice(0, 4)}-4${tag.slice(4, 7)}-8${tag.slice(7, 10)}-${String(index).padStart(12, '0')}`;
const templates = {
  single: JSON.stringify(envelope(uuid(0))),
  batch: JSON.stringify(Array.from({ length: 100 }, (_, i) => envelope(uuid(i)))),
};

const github = JSON.stringify({
  action: 'opened',
  issue: {
    id: 1,
    number: 1347,
    title: 'Found a bug',
    body: 'x'.repeat(1500),
    user: { login: 'octocat', id: 1 },
  },
  repository: { id: 1296269, full_name: 'octocat/Hello-World' },
  sender: { login: 'octocat', id: 1 },
});
const githubSignature = `sha256=${createHmac('sha256', secret).update(github).digest('hex')}`;

function requestsFor(payload) {
  if (payload === 'github') {
    return [
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'issues',
          'x-hub-signature-256': githubSignature,
          'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
        },
        body: github,
      },
    ];
  }
  const template = templates[payload];
  return [
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
      setupRequest: (request) => ({
        ...request,
        body: template.replaceAll(MARK, (counter++).toString(16).padStart(8, '0')),
      }),
    },
  ];
}

process.on('message', async ({ url, payload, seconds, connections }) => {
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    requests: requestsFor(payload),
  });
  process.send({
    requests: result.requests.total,
    seconds: result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    bytes: payload === 'github' ? github.length : templates[payload].length,
  });
});
process.send('ready');
