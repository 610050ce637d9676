/**
 * A faithful local Passfort for tests and demos: the webhook sender (batching, ordering,
 * deadlines, retries), the collected_data API, realistic payloads and a test kit.
 * @module
 */
export {
  createEmulator,
  type DeliveryFailure,
  type Emulator,
  type EmulatorFailure,
  type EmulatorOptions,
  type EmulatorStats,
  type EmulatorStatus,
  type Envelope,
  type RequestReport,
  SCALED_DEADLINE_FLOOR_MS,
} from './emulator.js';
export { eventFactories, individualCollectedData, portalUser } from './event-factories.js';
export { FakePassfortApi, type FakePassfortApiOptions } from './fake-passfort-api.js';
export { passfortRetryDelay } from './passfort-retry-delay.js';
export {
  createDeliveryLog,
  type DeliveryLog,
  type EnvelopeOptions,
  replayWithOverlap,
  type WebhookTestRequest,
  webhookEnvelope,
  webhookRequest,
} from './test-kit.js';
