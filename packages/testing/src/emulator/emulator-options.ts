import type { RequestReport } from './request-report.js';

/**
 * The lowest response deadline a `timeScale` can produce, in real milliseconds. Passfort's
 * 5 s / 10 s deadlines scaled by 0.001 would be 5 ms / 10 ms: shorter than a cold receiver's
 * first answer, so a fresh emulator's first request failed. Set `deadlineMs` to go lower.
 */
export const SCALED_DEADLINE_FLOOR_MS = 250;

/** Options of {@link createEmulator}. */
export interface EmulatorOptions {
  /** The receiver's URL, e.g. `http://127.0.0.1:3000/webhooks/passfort`. */
  target: string;
  /** The shared secret, sent as `Authorization: Bearer` and in every webhook's `secret`. */
  secret: string;
  /**
   * Passfort's batching: up to 100 queued webhooks per request, as a JSON array, about
   * every 0–10 s. Off: one webhook per request, the next only after a 200.
   * @default false
   */
  batching?: boolean;
  /**
   * Multiplies every retry wait and batch interval: `0.001` runs Passfort's 30 s first retry
   * in 30 ms, so tests run in milliseconds with the real schedule's shape. The response
   * deadlines are scaled too, but never below {@link SCALED_DEADLINE_FLOOR_MS} (250 ms).
   * @default 1
   */
  timeScale?: number;
  /**
   * Wait before the first attempt of each batched request, before scaling. A retry waits the
   * backoff only, as Passfort's does.
   * @default a random 0–10 000 ms, as Passfort
   */
  batchIntervalMs?: number | (() => number);
  /**
   * Response deadlines in real milliseconds, not scaled, and not floored: for a receiver that
   * needs more time than the scaled deadline, or a test about deadlines.
   * @default Passfort's 5 000 (batched) / 10 000 (single) × `timeScale`, at least 250
   * @example deadlineMs: { batched: 5_000 } // Passfort's real batched deadline at any timeScale
   */
  deadlineMs?: { batched?: number; single?: number };
  /** @default 100 */
  maxBatchSize?: number;
  /**
   * Sends each request. The emulator passes `redirect: 'manual'`: a 3xx is a failed attempt,
   * never followed.
   * @default globalThis.fetch
   */
  fetch?: typeof fetch;
  /**
   * Share of requests (0–1) lost in transit before they reach the receiver: it sees nothing,
   * and Passfort retries after the backoff.
   * @default 0
   * @example lossBeforeReceiver: 0.05
   */
  lossBeforeReceiver?: number;
  /**
   * Share of requests (0–1) delivered and processed, whose answer is then lost: the receiver
   * answered, Passfort never saw it and sends the same webhooks again. This is the case
   * dedupe exists for; the dropped answer is in the request's report as `lostAnswer`.
   * @default 0
   * @example lossAfterReceiver: 0.05
   */
  lossAfterReceiver?: number;
  /**
   * @deprecated The old name of {@link EmulatorOptions.lossBeforeReceiver}, with the same
   * meaning: requests lost before they reach the receiver. Set one of the two.
   */
  failureRate?: number;
  /**
   * Random numbers in [0, 1) for the batch interval and the losses: give a seeded source for
   * a reproducible run.
   * @default Math.random
   */
  random?: () => number;
  /** Called with each retry wait (scaled, in ms) and the failed attempt it follows. */
  onBackoff?: (delayMs: number, attempt: number) => void;
  /** Called after every request, for progress displays and tests. */
  onRequest?: (report: RequestReport) => void;
}

/** The options with their defaults applied and checked, once, at start-up. */
export interface ResolvedEmulatorOptions {
  readonly target: string;
  readonly secret: string;
  readonly batching: boolean;
  readonly timeScale: number;
  readonly maxBatchSize: number;
  readonly deadlineMs: number;
  readonly lossBeforeReceiver: number;
  readonly lossAfterReceiver: number;
  readonly random: () => number;
  readonly fetch: typeof fetch;
  /** The next batch interval, scaled, in real ms. */
  readonly batchIntervalMs: () => number;
}

function share(name: string, value: number | undefined): number {
  if (value === undefined) return 0;
  if (!(value >= 0 && value <= 1)) {
    throw new Error(`[passfort-webhooks] ${name} must be a share from 0 to 1, got ${value}`);
  }
  return value;
}

/** Applies the defaults of {@link EmulatorOptions} and refuses a misconfiguration. */
export function resolveEmulatorOptions(options: EmulatorOptions): ResolvedEmulatorOptions {
  const timeScale = options.timeScale ?? 1;
  if (!(timeScale > 0)) throw new Error('[passfort-webhooks] timeScale must be positive');
  if (options.failureRate !== undefined && options.lossBeforeReceiver !== undefined) {
    throw new Error(
      '[passfort-webhooks] failureRate is the deprecated name of lossBeforeReceiver: set one of them',
    );
  }
  const batching = options.batching ?? false;
  const random = options.random ?? Math.random;
  const interval = options.batchIntervalMs;
  const scaled = (ms: number) => Math.max(SCALED_DEADLINE_FLOOR_MS, ms * timeScale);
  return {
    target: new URL(options.target).toString(),
    secret: options.secret,
    batching,
    timeScale,
    maxBatchSize: options.maxBatchSize ?? 100,
    deadlineMs: batching
      ? (options.deadlineMs?.batched ?? scaled(5_000))
      : (options.deadlineMs?.single ?? scaled(10_000)),
    lossBeforeReceiver: share(
      'lossBeforeReceiver',
      options.lossBeforeReceiver ?? options.failureRate,
    ),
    lossAfterReceiver: share('lossAfterReceiver', options.lossAfterReceiver),
    random,
    fetch: options.fetch ?? globalThis.fetch,
    batchIntervalMs: () =>
      (typeof interval === 'function' ? interval() : (interval ?? random() * 10_000)) * timeScale,
  };
}
