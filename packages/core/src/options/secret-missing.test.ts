import { describe, expect, it } from 'vitest';
import { batch, bearer } from '../../test/webhook-fixtures.js';
import { createPassfortWebhooks } from '../create-passfort-webhooks.js';

describe('a receiver created before its secret exists (next build, any import-time creation)', () => {
  it('is created without throwing, answers 500 with the fix in the JSON body, and logs it once per request', async () => {
    const logged: { fields: Record<string, unknown>; message: string | undefined }[] = [];
    // What `process.env.PASSFORT_WEBHOOK_SECRET!` is when the variable is not set.
    const unset = process.env['PASSFORT_WEBHOOK_SECRET_THAT_IS_NOT_SET'] as string;
    const webhooks = createPassfortWebhooks({
      secret: unset,
      logger: { error: (fields, message) => logged.push({ fields, message }) },
    });
    let ran = false;
    webhooks.onAny(() => {
      ran = true;
    });
    const response = await webhooks.fetch(
      new Request('http://localhost/webhooks/passfort', {
        method: 'POST',
        headers: bearer(),
        body: JSON.stringify(batch(1)),
      }),
    );
    expect(response.status).toBe(500);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('INVALID_CONFIGURATION');
    expect(body.error.message).toContain('PASSFORT_WEBHOOK_SECRET');
    expect(ran).toBe(false);
    expect(logged).toHaveLength(1);
    expect(JSON.stringify(logged[0])).toContain('No webhook secret');
    await webhooks.close();
  });

  it('still refuses an empty secret at creation: that one is a mistake, not a build step', () => {
    expect(() => createPassfortWebhooks({ secret: '' })).toThrow(/non-empty/);
  });
});
