/** What `passfort-webhooks <command> --help` prints, per command. */
export const HELP: Record<string, string> = {
  main: `passfort-webhooks <command> [options]

Commands:
  send <EVENT>   send one webhook to a receiver
  emulate        send a realistic stream of webhooks, batched or not, with Passfort's retries
  api            serve the fake Passfort collected_data API

Run "passfort-webhooks <command> --help" for a command's options.`,
  send: `passfort-webhooks send <EVENT> --target URL --secret S [--data file.json] [--id ID] [--any-event] [--deadline S]

Sends one webhook of EVENT (e.g. PRODUCT_STATUS_CHANGED) and prints the receiver's answer.
  --target URL     the receiver, e.g. http://localhost:3000/webhooks/passfort
  --secret S       the shared webhook secret
  --data FILE      the webhook's data as JSON (default: a realistic payload)
  --id ID          the webhook id (default: a random UUID)
  --any-event      send EVENT even if Passfort documents no such event (with --data, or {})
  --deadline S     seconds to wait for the answer (default 10, Passfort's unbatched deadline)
A redirect is not followed (Passfort follows none): it is reported with its Location.
Exit: 0 on a 200; 1 on any other status, a redirect, no answer within the deadline or a
dropped connection; 2 on a usage error; 3 if no connection could be made.`,
  emulate: `passfort-webhooks emulate --target URL --secret S [options]

Sends a realistic mix of events through the emulator and prints a summary.
  --target URL       the receiver
  --secret S         the shared webhook secret
  --batch            Passfort's batching (up to 100 per request, about every 0-10 s, scaled)
  --events N         how many webhooks (default 100)
  --rate R           webhooks triggered per second (default 50)
  --loss-before P    share of requests lost before reaching the receiver, 0-1 (default 0)
  --loss-after P     share of requests processed whose answer is lost, 0-1 (default 0):
                     Passfort sends them again, and the receiver's dedupe must absorb them
  --fail-rate P      deprecated name of --loss-before
  --time-scale X     multiply retry waits and batch intervals (default 0.01); the
                     response deadlines stay Passfort's real 5 s / 10 s
  --timeout S        seconds to wait for the queue to drain (default 120)
It sends nothing but Passfort's POSTs (no probe first). It stops at once on a redirect, 401,
403, 404, 405 or 413: those are configuration problems (URL, secret, allow list, path,
method, body limit) that no retry fixes; and when no connection can be made before any
answer has arrived.
Exit: 0 when every webhook was acknowledged, 1 otherwise, 2 on a usage error, 3 if no
connection could be made.`,
  api: `passfort-webhooks api [--port P] [--api-key K] [--profiles N] [--target URL --secret S]

Serves the fake collected_data API at http://127.0.0.1:P/4.0 with N seeded profiles
(profile-1 ...). With --target and --secret, every change fires COLLECTED_DATA_CHANGED there.
  --port P         default 4010
  --api-key K      the key clients must send (default dev-api-key)
  --profiles N     default 3`,
};

/** Prints a command's help; exit code 0. */
export function help(command: string): number {
  console.log(HELP[command]);
  return 0;
}
