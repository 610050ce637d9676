import { describeDedupeStore } from '../test/dedupe-store-conformance.js';
import { memoryStore } from './memory-store.js';

describeDedupeStore('memoryStore', async ({ retentionMs }) => {
  const store = memoryStore({ retentionMs });
  // Processes sharing a memory store share the object itself.
  return { store, another: async () => store, cleanup: async () => {} };
});
