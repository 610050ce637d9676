import type { DeliveryCounts } from '@passfort-webhooks/core/instrumentation';

/**
 * Why a request did not count as delivered, as Passfort would see it:
 * - `status`: the receiver answered something other than 200 (201 and 204 included);
 * - `redirect`: it answered a 3xx; Passfort follows no redirect, the `Location` is in `error`;
 * - `deadline`: no answer within the 5 s / 10 s deadline (the request was aborted);
 * - `unreachable`: no connection (refused, unknown host, no route);
 * - `dropped`: the connection closed before an answer;
 * - `lost-before-receiver` / `lost-after-receiver`: an injected loss in transit
 *   ({@link EmulatorOptions.lossBeforeReceiver}, {@link EmulatorOptions.lossAfterReceiver});
 * - `closed`: the emulator was closed while the request was in flight.
 */
export type DeliveryFailure =
  | 'status'
  | 'redirect'
  | 'deadline'
  | 'unreachable'
  | 'dropped'
  | 'lost-before-receiver'
  | 'lost-after-receiver'
  | 'closed';

/** What one delivery request did. */
export interface RequestReport {
  readonly ids: readonly string[];
  /** The status Passfort saw, or null when no answer reached it (deadline, network, loss). */
  readonly status: number | null;
  /** The receiver's response body, when one arrived (a passfort-webhooks 200 has none). */
  readonly body?: string;
  /** The counts a passfort-webhooks receiver reports in its `passfort-webhooks-counts` header. */
  readonly counts?: DeliveryCounts;
  readonly error?: string;
  /** Why the request failed; absent on a 200. */
  readonly failure?: DeliveryFailure;
  /**
   * The answer the receiver gave and Passfort never saw, for a `lost-after-receiver` request:
   * the receiver processed these webhooks, and they will come again.
   */
  readonly lostAnswer?: { readonly status: number; readonly counts?: DeliveryCounts };
  readonly latencyMs: number;
  /** Failed attempts of the head of the queue before this one (0 for a first try). */
  readonly retry: number;
  readonly acked: boolean;
}
