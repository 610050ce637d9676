import { PassfortWebhookError } from './passfort-webhook-error.js';

/** The receiver is closing and takes no new request (503). */
export class ReceiverClosingError extends PassfortWebhookError {
  static override readonly codes = ['SHUTTING_DOWN'] as const;
  override readonly name = 'ReceiverClosingError';
  constructor() {
    super('SHUTTING_DOWN', 'The receiver is shutting down');
  }
}
