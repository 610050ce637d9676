import { describe, it } from 'vitest';
import { dedupeStoreConformanceCases } from '../../../../testing/src/conformance/index.js';
import { memoryStore } from './memory-store.js';

describe('memoryStore (the public DedupeStore kit)', () => {
  const cases = dedupeStoreConformanceCases(async ({ retentionMs }) => {
    const store = memoryStore({ retentionMs });
    // Processes sharing a memory store share the object itself.
    return { store, another: async () => store, cleanup: async () => {} };
  });
  for (const check of cases) it(check.name, check.run);
});
