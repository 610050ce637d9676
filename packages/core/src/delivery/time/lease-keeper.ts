import type { Logger } from '../../observability/logger.js';
import { describeError } from '../../observability/logger.js';
import type { DedupeStore } from '../../stores/dedupe-store.js';

/**
 * Keeps the claims of running deliveries alive: every third of the lease, one `renew` call
 * extends every id the holders still hold. Leases can then be short (9 s by default), so a
 * crashed process's claims end in seconds while a slow but live handler is never taken over.
 * One keeper per receiver or worker, one timer while anything is held (it stops at the first
 * tick that finds nothing held), one store call per tick however many deliveries run: holding
 * costs a delivery a Set entry, not a timer.
 */
export class LeaseKeeper {
  readonly #store: DedupeStore;
  readonly #leaseMs: number;
  readonly #logger: Logger;
  readonly #owner: (() => string) | undefined;
  /**
   * What is held, in the order it was taken; released holds stay until they reach the end
   * or a compaction. Not a Set: adding and deleting a key per request made the Set rehash
   * as it went from empty to one entry and back, a visible cost of a single webhook.
   */
  #holds: LeaseHold[] = [];
  #released = 0;
  #timer: ReturnType<typeof setInterval> | undefined;
  /**
   * True while a renewal is in flight. A tick that finds one skips: renewals that pile up
   * behind a slow store would each hold a pool connection, and the first to finish extends
   * the leases anyway.
   */
  #renewing = false;

  /** `owner`: who holds the claims renewed; the store extends only that owner's claims. */
  constructor(store: DedupeStore, leaseMs: number, logger: Logger, owner?: () => string) {
    this.#store = store;
    this.#leaseMs = leaseMs;
    this.#logger = logger;
    this.#owner = owner;
  }

  /**
   * Renews what `held()` returns until the returned hold is released. A store without
   * `renew` keeps long leases instead, and nothing is done.
   */
  hold(held: () => readonly string[]): LeaseHold {
    if (this.#store.renew === undefined) return NOTHING_HELD;
    const hold = new LeaseHold(held, this);
    this.#holds.push(hold);
    // The timer stays when the last hold is released, and stops at its next tick if nothing
    // is held then: on a busy server holds come and go with every request (most finish
    // within one turn of the event loop), and an interval made and cleared per request cost
    // several µs of a single webhook's ~30 µs (node bench/http-bench.mjs --only node).
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.#renew(), Math.max(1, Math.floor(this.#leaseMs / 3)));
      // On Node, renewals alone must not keep a process alive.
      (this.#timer as { unref?: () => void }).unref?.();
    }
    return hold;
  }

  /**
   * {@link hold} with a timer of this delivery's own, for a runtime that ties timers and I/O to
   * the request that made them (one given a `waitUntil`). Cloudflare Workers drop a request's
   * timers when it ends, so the shared timer, made by whichever request held first, stops with
   * that request, and every later request's claims go unrenewed: in workerd, a second handler
   * slower than its 300 ms lease ran three times as redeliveries took its claim over. Costs a
   * timer per delivery that waits for a handler, and a renewal call per delivery per tick.
   */
  holdForRequest(held: () => readonly string[]): LeaseHold {
    if (this.#store.renew === undefined) return NOTHING_HELD;
    let renewing = false;
    const timer = setInterval(
      () => {
        const ids = held();
        if (ids.length === 0 || renewing) return;
        renewing = true;
        void this.#renewIds(ids).finally(() => {
          renewing = false;
        });
      },
      Math.max(1, Math.floor(this.#leaseMs / 3)),
    );
    return new LeaseHold(held, undefined, () => clearInterval(timer));
  }

  /** A hold was released: drop released ones from the end, compact when they pile up. */
  released(): void {
    const holds = this.#holds;
    this.#released++;
    while (holds.length > 0 && !holds[holds.length - 1]!.active) {
      holds.pop();
      this.#released--;
    }
    if (this.#released > 32 && this.#released * 2 > holds.length) {
      this.#holds = holds.filter((hold) => hold.active);
      this.#released = 0;
    }
  }

  #renew(): void {
    if (this.#holds.length === this.#released) {
      clearInterval(this.#timer);
      this.#timer = undefined;
      return;
    }
    const ids = new Set<string>();
    for (const hold of this.#holds) {
      if (hold.active) for (const id of hold.held()) ids.add(id);
    }
    if (ids.size === 0 || this.#renewing) return;
    this.#renewing = true;
    void this.#renewIds([...ids]).finally(() => {
      this.#renewing = false;
    });
  }

  /** One renewal call; a failure is logged, never thrown. */
  #renewIds(ids: readonly string[]): Promise<void> {
    let renewal: Promise<void>;
    try {
      const options =
        this.#owner === undefined
          ? { leaseMs: this.#leaseMs }
          : { leaseMs: this.#leaseMs, owner: this.#owner() };
      renewal = Promise.resolve(this.#store.renew!(ids, options));
    } catch (error) {
      renewal = Promise.reject(error);
    }
    return renewal.catch((error: unknown) => {
      // The next tick tries again; a lease that ends meanwhile can be taken over, and the
      // completion record then tells the two deliveries apart.
      this.#logger.warn?.({ error: describeError(error) }, 'dedupe store lease renewal failed');
    });
  }
}

/** Claims kept alive by a {@link LeaseKeeper} until {@link release} is called. */
export class LeaseHold {
  active = true;
  readonly held: () => readonly string[];
  readonly #keeper: LeaseKeeper | undefined;
  readonly #stop: (() => void) | undefined;

  constructor(held: () => readonly string[], keeper: LeaseKeeper | undefined, stop?: () => void) {
    this.held = held;
    this.#keeper = keeper;
    this.#stop = stop;
  }

  /** Stops renewing; a second call does nothing. */
  release(): void {
    if (!this.active) return;
    this.active = false;
    this.#keeper?.released();
    this.#stop?.();
  }
}

const NOTHING_HELD = new LeaseHold(() => [], undefined);
