import type { Logger } from '../observability/logger.js';
import { describeError } from '../observability/logger.js';
import type { DedupeStore } from '../stores/dedupe-store.js';

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
  readonly #holders = new Set<() => readonly string[]>();
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(store: DedupeStore, leaseMs: number, logger: Logger) {
    this.#store = store;
    this.#leaseMs = leaseMs;
    this.#logger = logger;
  }

  /**
   * Renews what `held()` returns until the returned function is called. A store without
   * `renew` keeps long leases instead, and nothing is done.
   */
  hold(held: () => readonly string[]): () => void {
    if (this.#store.renew === undefined) return NOTHING;
    this.#holders.add(held);
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.#renew(), Math.max(1, Math.floor(this.#leaseMs / 3)));
      // On Node, renewals alone must not keep a process alive.
      (this.#timer as { unref?: () => void }).unref?.();
    }
    // The timer stays when the last holder lets go, and stops at its next tick if nothing is
    // held then: on a busy server holders come and go with every request (most finish within
    // one turn of the event loop), and an interval made and cleared per request cost several
    // µs of a single webhook's ~30 µs (node bench/http-bench.mjs --only node).
    return () => {
      this.#holders.delete(held);
    };
  }

  #renew(): void {
    if (this.#holders.size === 0) {
      clearInterval(this.#timer);
      this.#timer = undefined;
      return;
    }
    const ids = new Set<string>();
    for (const held of this.#holders) for (const id of held()) ids.add(id);
    if (ids.size === 0) return;
    Promise.resolve(this.#store.renew!([...ids], { leaseMs: this.#leaseMs })).catch(
      (error: unknown) => {
        // The next tick tries again; a lease that ends meanwhile can be taken over, and the
        // completion record then tells the two deliveries apart.
        this.#logger.warn?.({ error: describeError(error) }, 'dedupe store lease renewal failed');
      },
    );
  }
}

const NOTHING = () => {};
