// The benchmark's payloads, generated deterministically: a ~2 KB CHECK_COMPLETED-style envelope,
// a batch of 100 of them, and a ~2 KB GitHub-style payload for @octokit/webhooks.
import { createHash, createHmac } from 'node:crypto';

/**
 * Stands for the per-request counter in every webhook id. It is exactly as wide as the counter
 * (8 hex digits), so the load generator can overwrite it in place without changing any length.
 */
export const ID_MARK = 'XXXXXXXX';

// Shaped like a real CHECK_COMPLETED (../shared/PASSFORT.md): the check is an object.
function data(id, padded) {
  const data = {
    profile_id: `profile-${id}`,
    customer_ref: `customer-${id}`,
    check: {
      id: `check-${id}`,
      check_type: 'IDENTITY_CHECK',
      decision: 'PASS',
      result: 'Pass',
      variant: padded
        ? { id: 'ekyc-2p2x' }
        : { alias: 'EKYC_2P2X', id: 'ekyc-2p2x', name: 'eKYC 2+2' },
    },
  };
  // Padding so that one envelope is about 2 KB: a key Passfort's documented payload does not
  // have (the drift report notes it on every webhook). The HTTP figures so far were taken with
  // it; `padded: false` is the documented shape, about 450 bytes (BENCHMARKS.md, issue 40).
  if (padded) {
    data.notes = Array.from(
      { length: 20 },
      (_, i) => `result line ${i}: document verified, biometrics matched, no adverse media found`,
    );
  }
  return data;
}

function envelope(id, secret, padded) {
  return { id, event: 'CHECK_COMPLETED', secret, timestamp: 1568997222, data: data(id, padded) };
}

/**
 * Passfort bodies with `ID_MARK` where each request's counter goes. Ids are UUID-shaped like
 * Passfort's: the counter, a tag of this run, the webhook's index in its batch. The id also
 * appears inside `data`, as real payloads repeat it; every copy gets the same counter.
 */
export function passfortBodies(secret, runId, { padded = true } = {}) {
  const tag = createHash('sha256').update(runId).digest('hex');
  const uuid = (index) =>
    `${ID_MARK}-${tag.slice(0, 4)}-4${tag.slice(4, 7)}-8${tag.slice(7, 10)}-${String(index).padStart(12, '0')}`;
  return {
    single: JSON.stringify(envelope(uuid(0), secret, padded)),
    batch: JSON.stringify(Array.from({ length: 100 }, (_, i) => envelope(uuid(i), secret, padded))),
  };
}

/** A GitHub `issues.opened` delivery signed with HMAC-SHA256, as octokit's middleware expects. */
export function githubDelivery(secret) {
  const body = JSON.stringify({
    action: 'opened',
    issue: {
      id: 1,
      number: 1347,
      title: 'Found a bug',
      body: 'x'.repeat(1834),
      user: { login: 'octocat', id: 1 },
    },
    repository: { id: 1296269, full_name: 'octocat/Hello-World' },
    sender: { login: 'octocat', id: 1 },
  });
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'issues',
      'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
      'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
    },
  };
}
