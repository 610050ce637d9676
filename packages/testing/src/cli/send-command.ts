/**
 * `passfort-webhooks send <EVENT>`: one webhook to a receiver, with Passfort's rules: only a
 * 200 is delivered, a redirect is not followed, and a receiver reached but silent (exit 1) is
 * told from one never reached (exit 3).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isPassfortEventName, passfortEventNames } from '@passfort-webhooks/core';
import { DELIVERY_COUNTS_HEADER } from '@passfort-webhooks/core/adapter';
import { postWebhook } from '../post-webhook.js';
import { webhookEnvelope } from '../test-kit.js';
import { number, required, targetUrl, UsageError } from './arguments.js';
import { help } from './help-text.js';

/** Runs `send`; resolves to the exit code. */
export async function send(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      target: { type: 'string' },
      secret: { type: 'string' },
      data: { type: 'string' },
      id: { type: 'string' },
      'any-event': { type: 'boolean' },
      deadline: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return help('send');
  const event = positionals[0];
  if (event === undefined)
    throw new UsageError('the EVENT to send is required, e.g. PRODUCT_STATUS_CHANGED');
  if (!isPassfortEventName(event) && values['any-event'] !== true) {
    const close = passfortEventNames.find((name) => name === event.toUpperCase());
    throw new UsageError(
      close !== undefined
        ? `unknown event "${event}": did you mean ${close}? (event names are upper case)`
        : `unknown event "${event}"; Passfort's events are:\n  ${passfortEventNames.join('\n  ')}\n(--any-event sends it anyway)`,
    );
  }
  const target = targetUrl(values.target);
  const secret = required('secret', values.secret);
  const deadlineMs = number('deadline', values.deadline, 10, 0.001) * 1000;
  let data: Record<string, unknown> | undefined;
  if (values.data !== undefined) {
    try {
      data = JSON.parse(readFileSync(values.data, 'utf8')) as Record<string, unknown>;
    } catch (error) {
      throw new UsageError(`--data ${values.data}: ${(error as Error).message}`);
    }
  }
  const envelope = isPassfortEventName(event)
    ? webhookEnvelope(event, data as never, { secret, ...(values.id ? { id: values.id } : {}) })
    : {
        id: values.id ?? crypto.randomUUID(),
        event,
        secret,
        timestamp: Math.floor(Date.now() / 1000),
        data: data ?? {},
      };
  const outcome = await postWebhook(
    new URL(target),
    JSON.stringify(envelope),
    { authorization: `Bearer ${secret}`, 'user-agent': 'passfort-webhooks-cli' },
    deadlineMs,
  );
  const notDelivered = (reason: string) => {
    // Passfort counts only a 200 as delivered: anything else it would send again.
    console.error(reason);
    console.error(`not delivered: ${envelope.event} ${envelope.id}`);
    return 1;
  };
  if (outcome.kind === 'unreachable') {
    console.error(`cannot reach ${target}: ${outcome.reason}`);
    return 3;
  }
  if (outcome.kind === 'no-answer') {
    return notDelivered(
      `no answer within the deadline (${outcome.deadlineMs / 1000} s): the receiver was reached but did not answer in time`,
    );
  }
  if (outcome.kind === 'dropped') {
    return notDelivered(`the connection closed before an answer: ${outcome.reason}`);
  }
  // A receiver's 200 has no body: its counts come in a header (errors carry a JSON body).
  const counts = outcome.headers[DELIVERY_COUNTS_HEADER];
  const answer = [String(outcome.status), counts, outcome.body].filter(Boolean).join(' ');
  if (outcome.status >= 300 && outcome.status < 400) {
    return notDelivered(
      `refused: ${outcome.status} redirect to ${outcome.headers.location ?? '(no Location)'}: Passfort follows no redirect, so use the final URL as --target`,
    );
  }
  if (outcome.status !== 200) return notDelivered(`refused: ${answer}`);
  console.log(answer);
  console.log(`delivered ${envelope.event} ${envelope.id}`);
  return 0;
}
