/** `passfort-webhooks api`: the fake collected_data API, until SIGINT or SIGTERM. */
import { parseArgs } from 'node:util';
import { createEmulator } from '../emulator.js';
import { FakePassfortApi } from '../fake-passfort-api.js';
import { number, required, targetUrl } from './arguments.js';
import { help } from './help-text.js';

/** Runs `api`; resolves to the exit code once stopped. */
export async function api(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string' },
      'api-key': { type: 'string' },
      profiles: { type: 'string' },
      target: { type: 'string' },
      secret: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return help('api');
  const port = number('port', values.port, 4010, 0, 65535);
  const apiKey = values['api-key'] ?? 'dev-api-key';
  const fake = new FakePassfortApi({ apiKey });
  for (let i = 1; i <= number('profiles', values.profiles, 3, 0); i++) fake.seed(`profile-${i}`);
  if (values.target !== undefined) {
    fake.connect(
      createEmulator({
        target: targetUrl(values.target),
        secret: required('secret', values.secret),
      }),
    );
  }
  const baseUrl = await fake.listen(port);
  console.log(
    `fake Passfort API on ${baseUrl} (apikey: header required; profiles: ${[...fake.profiles.keys()].join(', ')})`,
  );
  await new Promise<void>((resolve) => process.once('SIGINT', resolve).once('SIGTERM', resolve));
  await fake.close();
  return 0;
}
