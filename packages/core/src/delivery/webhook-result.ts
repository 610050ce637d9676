import type { PassfortWebhookError } from '../errors/passfort-webhook-error.js';
import type { CompletionGroup } from './grouped-completions.js';

/** What running one claimed webhook came to. */
export type WebhookResult =
  | { readonly kind: 'processed'; readonly recorded: CompletionGroup }
  | { readonly kind: 'dead-lettered' }
  | { readonly kind: 'echo'; readonly recorded: CompletionGroup }
  | { readonly kind: 'failed'; readonly error: PassfortWebhookError };
