/**
 * The extension contracts of passfort-webhooks as runnable kits: the adapter kit (cases
 * over real HTTP against a server you start), and the dedupe-store, transactional-store and
 * loop-guard-store kits (cases against a store you open). Every adapter and store in this repository runs
 * exactly these; a third party's runs them the same way, under any test runner.
 *
 * @example
 * import { dedupeStoreConformanceCases } from '@passfort-webhooks/testing/conformance';
 * for (const check of dedupeStoreConformanceCases(open)) it(check.name, check.run);
 * @module
 */
export { adapterConformanceCases } from './adapter/adapter-conformance-cases.js';
export type { AdapterTarget, StartedServer } from './adapter/adapter-target.js';
export type { ConformanceCase } from './conformance-case.js';
export {
  type ConsoleMountTarget,
  consoleMountCases,
  KIT_CONSOLE_TOKEN,
} from './console-mount-cases.js';
export {
  dedupeStoreConformanceCases,
  type OpenDedupeStore,
} from './dedupe-store/index.js';
export {
  type HttpRequestOptions,
  type HttpResult,
  httpRequest,
  listenOnLoopback,
} from './http-request.js';
export {
  KIT_OTHER_SECRET,
  KIT_SECRET,
  type KitWebhook,
  kitBatch,
  kitHeaders,
  kitLargeBatch,
  kitWebhook,
  kitWebhookId,
} from './kit-webhooks.js';
export {
  loopGuardStoreConformanceCases,
  type OpenLoopGuardStore,
} from './loop-guard-store-cases.js';
export type { StoreFixture } from './store-fixture.js';
export {
  type OpenTransactionalStore,
  type TransactionalStoreFixture,
  transactionalStoreConformanceCases,
} from './transactional-store/index.js';
