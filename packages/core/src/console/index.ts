/**
 * The operator console: a receiver's status, failures and dead letters in a browser, with
 * replay. A Web-standard handler (`Request` in, `Response` out), runtime-neutral like the main
 * entry; the adapters mount it in one line.
 * @module
 */
export type { ConsoleOptions } from './console-options.js';
export { type ConsoleHandler, type ConsoleRequestInfo, createConsole } from './create-console.js';
