import { constantTimeEqual } from '../receive/constant-time-equal.js';
import { randomToken } from './random-token.js';

/** A signed-in operator's session: its cookie value and the CSRF token its page carries. */
export interface ConsoleSession {
  readonly id: string;
  readonly csrf: string;
  readonly expiresAt: number;
}

/**
 * Sessions of the console, in memory (a console belongs to one process, as its receiver's
 * counts do), and the sign-in rate limit per address.
 */
export class ConsoleSessions {
  readonly #sessions = new Map<string, ConsoleSession>();
  readonly #failures = new Map<string, number[]>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxFailures: number,
    private readonly failureWindowMs: number,
  ) {}

  open(now = Date.now()): ConsoleSession {
    this.#prune(now);
    const session = { id: randomToken(), csrf: randomToken(), expiresAt: now + this.ttlMs };
    this.#sessions.set(session.id, session);
    return session;
  }

  /** The live session a cookie names, if any. */
  find(id: string | undefined, now = Date.now()): ConsoleSession | undefined {
    if (id === undefined) return undefined;
    const session = this.#sessions.get(id);
    if (session === undefined) return undefined;
    if (session.expiresAt <= now) {
      this.#sessions.delete(id);
      return undefined;
    }
    return session;
  }

  close(id: string): void {
    this.#sessions.delete(id);
  }

  /** True when `presented` is the session's CSRF token (compared in constant time). */
  checkCsrf(session: ConsoleSession, presented: string | null): Promise<boolean> {
    return Promise.resolve(presented !== null && constantTimeEqual(presented, session.csrf));
  }

  /** Milliseconds until `address` may try to sign in again; 0 when it may now. */
  blockedFor(address: string, now = Date.now()): number {
    const recent = this.#recentFailures(address, now);
    if (recent.length < this.maxFailures) return 0;
    return recent[0]! + this.failureWindowMs - now;
  }

  recordFailure(address: string, now = Date.now()): void {
    const recent = this.#recentFailures(address, now);
    recent.push(now);
    this.#failures.set(address, recent);
  }

  clearFailures(address: string): void {
    this.#failures.delete(address);
  }

  #recentFailures(address: string, now: number): number[] {
    return (this.#failures.get(address) ?? []).filter((at) => at > now - this.failureWindowMs);
  }

  #prune(now: number): void {
    for (const [id, session] of this.#sessions)
      if (session.expiresAt <= now) this.#sessions.delete(id);
    if (this.#failures.size > 10_000) this.#failures.clear();
  }
}
