// Child process of store-bench: RSS growth of a memory store remembering N completed ids.
import { memoryStore } from '@passfort-webhooks/core';

const count = Number(process.argv[2] ?? 1_000_000);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
gc();
const before = process.memoryUsage();
const store = memoryStore({ maxEntries: count });
const batch = 1000;
for (let start = 0; start < count; start += batch) {
  // Ids as the receiver gets them: flat strings out of JSON.parse.
  const ids = JSON.parse(
    JSON.stringify(
      Array.from(
        { length: batch },
        (_, i) => `00000000-0000-4000-8000-${String(start + i).padStart(12, '0')}`,
      ),
    ),
  ) as string[];
  await store.claim(ids, { leaseMs: 60_000 });
  await store.complete(ids);
}
gc();
const after = process.memoryUsage();
console.log(
  JSON.stringify({
    rssMb: (after.rss - before.rss) / 2 ** 20,
    heapMb: (after.heapUsed - before.heapUsed) / 2 ** 20,
    kept: store !== undefined,
  }),
);
