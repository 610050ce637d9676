/**
 * One call's overall time limit. Every wait of the call (a request, a body, a backoff, a
 * `mutate`, a loop-guard store) is raced against it, so the call settles by the deadline
 * whatever hangs; once it has passed, no further request starts.
 */
export class Deadline<E extends Error = Error> {
  readonly #at: number;
  readonly #controller = new AbortController();
  readonly #expired: Promise<never>;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly ms: number,
    readonly error: () => E,
  ) {
    this.#at = Date.now() + ms;
    this.#expired = new Promise<never>((_resolve, reject) => {
      this.#timer = setTimeout(() => {
        const reason = error();
        this.#controller.abort(reason);
        reject(reason);
      }, ms);
    });
    // Nobody may be racing when it fires; that must not be an unhandled rejection.
    this.#expired.catch(() => {});
  }

  /** Aborted when the deadline passes. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  remaining(): number {
    return Math.max(0, this.#at - Date.now());
  }

  /** Throws the deadline's error once it has passed. */
  check(): void {
    if (this.#controller.signal.aborted || this.remaining() === 0) throw this.error();
  }

  /** Settles as `work` does, or rejects with the deadline's error when that comes first. */
  race<T>(work: T | Promise<T>): Promise<T> {
    return Promise.race([Promise.resolve(work), this.#expired]);
  }

  /** Waits `ms`, or rejects at the deadline. */
  sleep(ms: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    return this.race(new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))).finally(
      () => clearTimeout(timer),
    );
  }

  /** Stops the timer: the call is over. */
  end(): void {
    clearTimeout(this.#timer);
  }
}
