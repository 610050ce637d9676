/**
 * Watches request deadlines with one timer for all of them, instead of a `setTimeout` and a
 * `clearTimeout` per request.
 *
 * Why: almost every request finishes long before its deadline, so its timer is created only to
 * be cancelled. On Node each such pair re-files the timer lists and re-arms libuv's timer
 * whenever the list empties, which it does between requests on a busy server, since each
 * request usually finishes within one turn of the event loop. Measured on the node:http
 * benchmark (`node bench/http-bench.mjs --only node --payload single`), the per-request
 * timers and the lease keeper's per-request interval (see `LeaseKeeper`) cost several µs of a
 * single webhook's ~30 µs.
 *
 * How: watches are kept in deadline order. The one timer is armed for the earliest live
 * deadline; a watch that settles is only marked, and dropped when it reaches the front or at
 * the next compaction. When the timer fires it expires what is due and re-arms for the next
 * live deadline, so on a steady load it fires about once per deadline length. The timer keeps
 * the process alive only while a watch is live, as a per-request timer would.
 *
 * On Cloudflare Workers a timer belongs to the request that set it and may not outlive it, so
 * there each watch gets its own timer.
 */

/** One watched deadline; see {@link DeadlineClock.watch}. */
export interface DeadlineWatch {
  /** True once the deadline passed and `onExpire` was called. */
  readonly expired: boolean;
  /** Stops watching (the work finished in time); `onExpire` will not be called. */
  settle(): void;
}

/** Calls a function when a deadline passes, unless the watch settled first. */
export interface DeadlineClock {
  watch(deadlineAt: number, onExpire: () => void): DeadlineWatch;
}

class Entry implements DeadlineWatch {
  expired = false;
  done = false;
  readonly at: number;
  onExpire: (() => void) | undefined;
  readonly #clock: SharedDeadlineClock;

  constructor(at: number, onExpire: () => void, clock: SharedDeadlineClock) {
    this.at = at;
    this.onExpire = onExpire;
    this.#clock = clock;
  }

  settle(): void {
    if (this.done) return;
    this.done = true;
    this.onExpire = undefined;
    this.#clock.settled();
  }
}

type Timer = ReturnType<typeof setTimeout>;

/** The Node, Bun and Deno clock: one timer for every watch. */
export class SharedDeadlineClock implements DeadlineClock {
  /** Watches in deadline order from `#head` on; those before `#head` are gone. */
  #entries: Entry[] = [];
  #head = 0;
  /** Watches neither settled nor expired. */
  #live = 0;
  #timer: Timer | undefined;
  /** When the timer fires; Infinity when none is armed. */
  #armedAt = Number.POSITIVE_INFINITY;
  readonly #now: () => number;
  readonly #keepsAlive: boolean;

  /**
   * `keepsAlive: false` for watches that must not hold the process open by themselves (a
   * handler's timeout: what keeps a handler running is its own I/O, not its watch).
   */
  constructor(now: () => number = Date.now, { keepsAlive = true }: { keepsAlive?: boolean } = {}) {
    this.#now = now;
    this.#keepsAlive = keepsAlive;
  }

  watch(deadlineAt: number, onExpire: () => void): DeadlineWatch {
    const entry = new Entry(deadlineAt, onExpire, this);
    this.#insert(entry);
    if (this.#live++ === 0 && this.#keepsAlive) refTimer(this.#timer);
    if (deadlineAt < this.#armedAt) this.#arm(deadlineAt);
    return entry;
  }

  /** An entry settled: count it, and drop what settled at the front. */
  settled(): void {
    if (--this.#live === 0) unrefTimer(this.#timer);
    this.#dropDone();
  }

  #insert(entry: Entry): void {
    const entries = this.#entries;
    // Deadlines are mostly made in order (now + one of two lengths): usually an append.
    let at = entries.length;
    while (at > this.#head && entries[at - 1]!.at > entry.at) at--;
    if (at === entries.length) entries.push(entry);
    else entries.splice(at, 0, entry);
  }

  #dropDone(): void {
    const entries = this.#entries;
    while (this.#head < entries.length && entries[this.#head]!.done) this.#head++;
    if (this.#head === entries.length) {
      // Emptied by popping, not by `length = 0`: that drops the array's backing store, so
      // the next watch (the next request's, or the next handler's in a batch) allocated a
      // new one of 17 slots. Usually one entry is popped. Measured alone, a push and a
      // `length = 0`: 74 ns and a scavenge every 6,800; a push and a pop: 8 ns, none.
      while (entries.length > 0) entries.pop();
      this.#head = 0;
    } else if (this.#head > 64 && this.#head * 2 > entries.length) {
      // Also compacts settled watches stuck behind a long-running one.
      this.#entries = entries.slice(this.#head).filter((entry) => !entry.done);
      this.#head = 0;
    }
  }

  #arm(at: number): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#armedAt = at;
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, at - this.#now()));
    if (this.#live === 0 || !this.#keepsAlive) unrefTimer(this.#timer);
  }

  #fire(): void {
    this.#timer = undefined;
    this.#armedAt = Number.POSITIVE_INFINITY;
    const now = this.#now();
    const entries = this.#entries;
    const due: Entry[] = [];
    // Expires what is due from the front; a deadline out of order (the wall clock stepped
    // back) waits for the ones before it.
    while (
      this.#head < entries.length &&
      (entries[this.#head]!.done || entries[this.#head]!.at <= now)
    ) {
      const entry = entries[this.#head++]!;
      if (!entry.done) due.push(entry);
    }
    for (const entry of due) {
      entry.done = true;
      entry.expired = true;
      this.#live--;
    }
    this.#dropDone();
    const next = this.#entries[this.#head];
    if (next !== undefined) this.#arm(next.at);
    // Called last: a callback may watch again.
    for (const entry of due) {
      const onExpire = entry.onExpire;
      entry.onExpire = undefined;
      onExpire?.();
    }
  }
}

/** The Workers clock: each watch its own timer. */
class PerWatchClock implements DeadlineClock {
  watch(deadlineAt: number, onExpire: () => void): DeadlineWatch {
    const watch = {
      expired: false,
      settle: () => clearTimeout(timer),
    };
    const timer = setTimeout(
      () => {
        watch.expired = true;
        onExpire();
      },
      Math.max(0, deadlineAt - Date.now()),
    );
    return watch;
  }
}

function refTimer(timer: Timer | undefined): void {
  (timer as { ref?: () => void } | undefined)?.ref?.();
}

function unrefTimer(timer: Timer | undefined): void {
  (timer as { unref?: () => void } | undefined)?.unref?.();
}

/** Cloudflare documents this user agent for Workers. */
function onWorkers(): boolean {
  return (
    (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent ===
    'Cloudflare-Workers'
  );
}

/** The clock every receiver and worker of this process shares. */
export const deadlineClock: DeadlineClock = onWorkers()
  ? new PerWatchClock()
  : new SharedDeadlineClock();

/**
 * The clock of handler timeouts (`handlerTimeoutMs`). Apart from the requests' clock because
 * its watches are all one long length: here each is appended in order, where among the
 * requests' few-second deadlines every one would be inserted before the others. It never
 * keeps a process alive: a handler is kept running by its own I/O, and a script whose handler
 * waits on nothing exits as it did before the timeout existed.
 */
export const handlerClock: DeadlineClock = onWorkers()
  ? new PerWatchClock()
  : new SharedDeadlineClock(Date.now, { keepsAlive: false });
