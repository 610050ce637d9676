#!/usr/bin/env node
// Committed so that pnpm can link the command at install time, before the first build.
await import('../dist/cli.js');
