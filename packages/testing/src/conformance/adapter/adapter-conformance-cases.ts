import type { ConformanceCase } from '../conformance-case.js';
import type { AdapterTarget } from './adapter-target.js';
import { authenticationCases } from './authentication-cases.js';
import { deliveryCases } from './delivery-cases.js';
import { payloadCases } from './payload-cases.js';

/**
 * The adapter contract as cases over real HTTP: what every framework adapter, ours or a
 * third party's, must do with Passfort's requests (delivery and order, authentication,
 * malformed and hostile bodies). Each case starts the target with a fresh receiver and
 * stops it afterwards. The kit's receivers log nothing, so a test run stays quiet; set
 * `PASSFORT_WEBHOOKS_KIT_LOGS=1` to see their logs.
 *
 * @example
 * import { createServer } from 'node:http';
 * import { adapterConformanceCases, listenOnLoopback } from '@passfort-webhooks/testing/conformance';
 *
 * const cases = adapterConformanceCases({
 *   start(receiver) {
 *     const app = express();
 *     app.get('/health', (_req, res) => res.send('ok'));
 *     app.use(passfortWebhooks(receiver, { path: '/webhooks/passfort' }));
 *     return listenOnLoopback(createServer(app));
 *   },
 * });
 * for (const check of cases) it(check.name, check.run);
 */
export function adapterConformanceCases(target: AdapterTarget): ConformanceCase[] {
  return [...deliveryCases(target), ...authenticationCases(target), ...payloadCases(target)];
}
