#!/usr/bin/env node
/**
 * passfort-webhooks — a local Passfort on the command line.
 *   send      one webhook to a receiver
 *   emulate   a realistic stream, batched or not, with retries and a summary
 *   api       the fake collected_data API
 * Exit codes: 0 success, 1 the receiver was reached and did not acknowledge (refused,
 * redirected, answered too late, dropped the connection) or the queue did not drain, 2 usage
 * error, 3 the target could not be reached (no connection was ever made).
 */
import { api } from './api-command.js';
import { UsageError } from './arguments.js';
import { emulate } from './emulate-command.js';
import { HELP, help } from './help-text.js';
import { send } from './send-command.js';

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === 'send') return await send(rest);
    if (command === 'emulate') return await emulate(rest);
    if (command === 'api') return await api(rest);
    if (command === '--help' || command === '-h' || command === 'help') return help('main');
    if (command === undefined) throw new UsageError('a command is required');
    throw new UsageError(`unknown command "${command}"`);
  } catch (error) {
    if (
      error instanceof UsageError ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      console.error(
        `passfort-webhooks: ${(error as Error).message}\n\n${HELP[command ?? 'main'] ?? HELP['main']}`,
      );
      return 2;
    }
    throw error;
  }
}

process.exitCode = await main(process.argv.slice(2));
