// Run by Bun and Deno: the shared cases against the case app in this runtime; one JSON line
// per case on stdout, then exit 0 only if all passed.
import { createCaseApp } from './case-app.ts';
import { inProcessSend } from './in-process-send.ts';
import { runAll } from './runtime-cases.ts';

const results = await runAll(inProcessSend(createCaseApp()));
for (const result of results) console.log(JSON.stringify(result));
const failed = results.filter((r) => !r.ok).length;
(globalThis as { process?: { exitCode?: number } }).process!.exitCode = failed === 0 ? 0 : 1;
