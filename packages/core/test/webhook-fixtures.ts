/** Envelopes shaped like Passfort's samples, for tests. */
export const SECRET = 'whsec-test-4f1c9b2e7d';
export const OTHER_SECRET = 'whsec-rotated-8a3d0c55';

export interface TestEnvelope {
  id: string;
  event: string;
  secret: string;
  timestamp: number;
  data: Record<string, unknown>;
}

export function productStatusChanged(id: string, secret = SECRET): TestEnvelope {
  return {
    id,
    event: 'PRODUCT_STATUS_CHANGED',
    secret,
    timestamp: 1568997222,
    data: {
      apikey: null,
      application_id: `app-${id}`,
      customer_ref: 'cust-1',
      new_status: 'APPROVED',
      product: { alias: 'IDENTITY_CHECK', id: 'prod-1', name: 'Identity check' },
      profile_id: 'profile-1',
      user: { email: 'analyst@example.com', id: 'user-1', name: 'An Analyst' },
    },
  };
}

export function webhookId(n: number): string {
  return `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
}

/** `count` PRODUCT_STATUS_CHANGED envelopes with distinct ids, starting at `from`. */
export function batch(count: number, from = 0, secret = SECRET): TestEnvelope[] {
  return Array.from({ length: count }, (_, i) => productStatusChanged(webhookId(from + i), secret));
}

export function bearer(secret = SECRET): Record<string, string> {
  return { authorization: `Bearer ${secret}`, 'content-type': 'application/json' };
}
