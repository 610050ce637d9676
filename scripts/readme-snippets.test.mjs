// The READMEs run as pasted: every code block type-checks against the built packages and every
// snippet's imports are in its README's install line (the rule: scripts/check-readme-snippets.mjs).
import { expect, it } from 'vitest';
import { checkReadmes } from './check-readme-snippets.mjs';

it('every README snippet type-checks and its install line names what it imports', () => {
  expect(checkReadmes()).toEqual([]);
}, 120_000);
