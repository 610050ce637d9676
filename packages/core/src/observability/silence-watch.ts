/**
 * Notices a sender that fell silent. Passfort shows "Stalled" only inside its own portal,
 * and turning webhooks off and on again there "may result in a loss of webhooks": a receiver
 * that stops hearing from Passfort otherwise looks exactly like a quiet day. With
 * `expectWebhookWithin` set, the receiver reports itself silent once nothing authentic has
 * arrived for that long, and recovers on the next authentic webhook.
 *
 * One timer, re-armed only when it fires: hearing a webhook is one clock assignment, so the
 * request path pays nothing for the watch.
 */

/** `status().silence`. */
export interface SilenceStatus {
  /** `expectWebhookWithin` in ms, or null when silence detection is off. */
  readonly expectedWithinMs: number | null;
  /** When the last authentic delivery request arrived; null before the first. */
  readonly lastAuthenticAt: Date | null;
  /**
   * Since when the receiver counts as silent (the last authentic arrival, or start-up, plus
   * `expectWebhookWithin`); null while it is not.
   */
  readonly silentSince: Date | null;
}

/** What the watch tells when silence begins and when it ends. */
export interface SilenceListener {
  silent(since: Date, lastAuthenticAt: Date | null): void;
  heardAgain(silentForMs: number): void;
}

const OFF: SilenceStatus = { expectedWithinMs: null, lastAuthenticAt: null, silentSince: null };

/** Watches for `expectWithinMs` without an authentic webhook. */
export class SilenceWatch {
  #lastAt: number | null = null;
  /** Start-up, or the last arrival: silence is measured from here. */
  #since: number;
  #silentSince: number | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(
    readonly expectWithinMs: number,
    private readonly listener: SilenceListener,
  ) {
    this.#since = Date.now();
  }

  /** Starts the watch (on first use: Workers refuse timers at a module's top level). */
  start(): void {
    if (this.#timer === undefined && !this.#closed) this.#arm(this.expectWithinMs);
  }

  /** An authentic delivery request arrived. */
  heard(now = Date.now()): void {
    this.#lastAt = now;
    this.#since = now;
    if (this.#silentSince !== null) {
      const silentFor = now - this.#silentSince;
      this.#silentSince = null;
      this.listener.heardAgain(silentFor);
      if (this.#timer === undefined) this.#arm(this.expectWithinMs);
    } else if (this.#timer === undefined) {
      this.start();
    }
  }

  status(now = Date.now()): SilenceStatus {
    this.#check(now);
    return {
      expectedWithinMs: this.expectWithinMs,
      lastAuthenticAt: this.#lastAt === null ? null : new Date(this.#lastAt),
      silentSince: this.#silentSince === null ? null : new Date(this.#silentSince),
    };
  }

  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(inMs: number): void {
    if (this.#closed) return;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        const now = Date.now();
        this.#check(now);
        // Silent: nothing to watch until a webhook arrives (heard() re-arms). Otherwise wait
        // for the rest of the window since the last arrival.
        if (this.#silentSince === null) this.#arm(this.#since + this.expectWithinMs - now);
        // Timers hold at most about 24.8 days; a longer wait is re-armed when this one fires.
      },
      Math.min(Math.max(1, inMs), 2 ** 31 - 1),
    );
    // Never the reason a process stays up (Node); Deno and browsers return a number.
    (this.#timer as { unref?: () => void }).unref?.();
  }

  #check(now: number): void {
    if (this.#silentSince !== null || now - this.#since < this.expectWithinMs) return;
    this.#silentSince = this.#since + this.expectWithinMs;
    this.listener.silent(
      new Date(this.#silentSince),
      this.#lastAt === null ? null : new Date(this.#lastAt),
    );
  }
}

/** The status of a receiver without silence detection. */
export const SILENCE_OFF = OFF;
