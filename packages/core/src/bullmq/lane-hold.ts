import type { Redis } from 'ioredis';

// A lane's runner hold: a Redis key with a token, taken with SET NX PX and renewed by its holder
// only. Apart from the lane's order because it is a lock with its own failure modes (a renewal
// that finds the key gone, Redis unreachable while held), the order only asks whether it holds.

/** This worker's hold on a lane, from {@link holdLane}. */
export interface LaneHold {
  /** Set when a renewal found the lane taken over (this worker was paused past the hold). */
  lost: boolean;
  release(): Promise<void>;
}

// Compare-and-renew and compare-and-delete of the lane's runner hold: only its holder may.
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * Takes the lane: one worker at a time, in any process, runs a lane's webhooks. Without it
 * every worker holding a later job of the lane ran the head too, so the head's attempts came
 * milliseconds apart (dead-lettered early, with the webhooks behind it then running).
 * Undefined when another worker holds it; renewed every third of `lockDurationMs` until released.
 */
export async function holdLane(
  client: Redis,
  runnerKey: string,
  lockDurationMs: number,
): Promise<LaneHold | undefined> {
  const token = globalThis.crypto.randomUUID();
  const taken = await client.set(runnerKey, token, 'PX', lockDurationMs, 'NX');
  if (taken === null) return undefined;
  const hold = { lost: false, release: async () => {} };
  const renewal = setInterval(() => {
    client
      .eval(RENEW, 1, runnerKey, token, lockDurationMs)
      .then((renewed) => {
        if (renewed === 0) hold.lost = true;
      })
      .catch(() => {}); // Redis unreachable: the hold lapses unless a later renewal lands
  }, lockDurationMs / 3);
  hold.release = async () => {
    clearInterval(renewal);
    await client.eval(RELEASE, 1, runnerKey, token).catch(() => {});
  };
  return hold;
}
