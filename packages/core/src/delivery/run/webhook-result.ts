import type { PassfortWebhookError } from '../../errors/passfort-webhook-error.js';
import type { DeadLetterReason } from '../../stores/dedupe-store.js';
import type { CompletionGroup } from '../claims/completion-group.js';

/** What running one claimed webhook came to. */
export type WebhookResult =
  | { readonly kind: 'processed'; readonly recorded: CompletionGroup }
  | {
      readonly kind: 'dead-lettered';
      readonly reason: DeadLetterReason;
      /** What set it aside: the handler's last failure, or the schema mismatch. */
      readonly error: PassfortWebhookError;
    }
  | { readonly kind: 'echo'; readonly recorded: CompletionGroup }
  | { readonly kind: 'failed'; readonly error: PassfortWebhookError };
