import { ConfigurationError } from '../../errors/configuration-error.js';
import { DEFAULT_DRIFT_ENTRIES, DriftTracker } from '../../observability/drift-report.js';
import type { WebhookInstrumentation } from '../../observability/instrumentation.js';
import type { Logger } from '../../observability/logger.js';
import { positiveInteger } from '../../options/positive-integer.js';
import type { WebhookEngineOptions } from '../webhook-engine-options.js';

/** The drift report the `drift` option asks for; undefined when it is off. */
export function createDriftTracker(
  option: WebhookEngineOptions['drift'],
  logger: Logger,
  instrumentation: WebhookInstrumentation | undefined,
): DriftTracker | undefined {
  if (option === false) return undefined;
  if (option !== undefined && option !== true && (typeof option !== 'object' || option === null)) {
    throw new ConfigurationError('drift must be true, false or { maxEntries }');
  }
  const maxEntries = positiveInteger(
    'drift.maxEntries',
    typeof option === 'object' ? option.maxEntries : undefined,
    DEFAULT_DRIFT_ENTRIES,
  );
  const onObserved = instrumentation?.drift?.bind(instrumentation);
  return new DriftTracker(maxEntries, logger, onObserved);
}
