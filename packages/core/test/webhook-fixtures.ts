/** Envelopes shaped like Passfort's samples, for core's tests: the adapter kit's own. */
export {
  KIT_OTHER_SECRET as OTHER_SECRET,
  KIT_SECRET as SECRET,
  type KitWebhook as TestEnvelope,
  kitBatch as batch,
  kitHeaders as bearer,
  kitWebhook as productStatusChanged,
  kitWebhookId as webhookId,
} from '../../testing/src/conformance/kit-webhooks.js';
