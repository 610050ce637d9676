/**
 * The transaction bench's settings, read once from argv and the environment, and the request
 * both sides are given: shared by every file of the bench so that the two sides and the
 * measuring loop cannot disagree on them.
 */
export const quick = process.argv.includes('--quick');
export const DATABASE_URL =
  process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
export const MYSQL_URL = process.env['MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3306/test';
export const DATABASES = (process.env['TX_BENCH_DATABASES'] ?? 'postgres,mysql,sqlite').split(',');
export const SECRET = 'bench-secret';
/** Rounds per figure; webhooks per round one at a time; webhooks per round at 10 in flight. */
export const ROUNDS = quick ? 1 : Number(process.env['TX_BENCH_ROUNDS'] ?? 7);
export const SERIAL = quick ? 20 : 300;
export const CONCURRENT = quick ? 20 : 600;
export const IN_FLIGHT = 10;
/** Ids each side remembers before the run (a week of a busy account's webhooks). */
export const REMEMBERED = quick ? 0 : Number(process.env['TX_BENCH_REMEMBERED'] ?? 100_000);

const run = `${process.pid}-${Date.now().toString(36)}`;
let counter = 0;
/** A request body with an id never used before, so neither side ever sees a duplicate. */
export function freshBody(): string {
  const id = `txb-${run}-${counter++}`;
  return JSON.stringify({
    id,
    event: 'CHECK_COMPLETED',
    secret: SECRET,
    timestamp: 1568997222,
    data: { profile_id: 'profile-1', customer_ref: 'c-1', check: { id, decision: 'PASS' } },
  });
}
export const headers = { authorization: `Bearer ${SECRET}`, 'content-type': 'application/json' };

/** A side of the comparison: handles one request body; counts its round trips. */
export interface Side {
  name: string;
  handle(body: string): Promise<number>;
  trips(): number;
  /** SQLite's: the write transactions (one fsync each), where its "trips" cost no network. */
  commits?(): number;
  close(): Promise<void>;
}
