// The load generator, in its own process (pinned to another core than the server): runs
// autocannon with a fresh body per request and prints its result as JSON.
import { createHash, createHmac } from 'node:crypto';
import autocannon from 'autocannon';

const { url, payload, duration, connections, secret, runId } = JSON.parse(process.argv[2]);
let counter = 0;

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
// "all duplicates": the template's marker is replaced by a per-request counter. They are
// UUID-shaped like Passfort's: counter (8 hex digits), a tag of this run (so a warm-up and
// the measured run never share ids), the webhook's index in its batch.
const MARK = '__REQ__';
const tag = createHash('sha256').update(runId).digest('hex');
const uuid = (index) =>
  `${MARK}-${tag.slice(0, 4)}-4${tag.slice(4, 7)}-8${tag.slice(7, 10)}-${String(index).padStart(12, '0')}`;
const template =
  payload === 'batch'
    ? JSON.stringify(Array.from({ length: 100 }, (_, i) => envelope(uuid(i))))
    : JSON.stringify(envelope(uuid(0)));

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

const requests =
  payload === 'github'
    ? [
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
      ]
    : [
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
          setupRequest: (request) => ({
            ...request,
            body: template.replaceAll(MARK, (counter++).toString(16).padStart(8, '0')),
          }),
        },
      ];

const result = await autocannon({ url, connections, duration, requests });
console.log(
  JSON.stringify({
    rps: result.requests.average,
    requests: result.requests.total,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    bytes: template.length,
  }),
);
