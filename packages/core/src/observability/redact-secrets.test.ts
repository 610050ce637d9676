import { describe, expect, it } from 'vitest';
import { createRedactor, noRedaction, REDACTED, redactError } from './redact-secrets.js';

const SECRET = 'whsec_9f8e7d6c5b4a3928171605ffee';
const ROTATED = 'older-secret-0123456789abcdef';

describe('createRedactor', () => {
  const redact = createRedactor([SECRET, ROTATED]);

  it('replaces every whole occurrence of every secret', () => {
    const text = `Authorization: Bearer ${SECRET}; again ${SECRET}; old ${ROTATED}`;
    expect(redact(text)).toBe(
      `Authorization: Bearer ${REDACTED}; again ${REDACTED}; old ${REDACTED}`,
    );
  });

  it('replaces a prefix cut at the end of the text or of a line', () => {
    const half = SECRET.slice(0, 15);
    expect(redact(`Bearer ${half}`)).toBe(`Bearer ${REDACTED}`);
    expect(redact(`Bearer ${SECRET.slice(0, 8)}\nnext line`)).toBe(`Bearer ${REDACTED}\nnext line`);
  });

  it('replaces a suffix at the start of the text or of a line', () => {
    expect(redact(`${SECRET.slice(-9)} was the rest`)).toBe(`${REDACTED} was the rest`);
    expect(redact(`first\n${SECRET.slice(-10)} rest`)).toBe(`first\n${REDACTED} rest`);
  });

  it('replaces any piece of 12 or more characters anywhere', () => {
    const piece = SECRET.slice(5, 19);
    expect(redact(`x ${piece} y`)).toBe(`x ${REDACTED} y`);
    expect(redact(`x${SECRET.slice(3, 15)}y`)).toBe(`x${REDACTED}y`);
  });

  it('leaves text without secrets, short pieces and short secrets alone', () => {
    expect(redact('nothing to see')).toBe('nothing to see');
    // 3 characters at the end and 7 in the middle are not enough to tell apart.
    expect(redact(`end ${SECRET.slice(0, 3)}`)).toBe(`end ${SECRET.slice(0, 3)}`);
    expect(redact(`a ${SECRET.slice(2, 9)} b`)).toBe(`a ${SECRET.slice(2, 9)} b`);
    expect(createRedactor(['s'])('secrets stay')).toBe('secrets stay');
    expect(createRedactor([])).toBe(noRedaction);
  });

  it('replaces the URL-encoded and JSON-escaped forms, and a prefix cut before an ellipsis', () => {
    const key = 'pk_live+a/b"c\\d=e&f0123';
    const one = createRedactor([key]);
    expect(one(`GET /x?key=${encodeURIComponent(key)}`)).toBe(`GET /x?key=${REDACTED}`);
    expect(one(JSON.stringify({ authorization: key }))).toBe(`{"authorization":"${REDACTED}"}`);
    expect(one(`sent ${key.slice(0, 5)}… (truncated)`)).toBe(`sent ${REDACTED}… (truncated)`);
    expect(one(`sent ${key.slice(0, 6)}... more`)).toBe(`sent ${REDACTED}... more`);
  });

  it('leaves no character of the secret next to a redaction it can be rebuilt from', () => {
    const text = `${SECRET.slice(-20)} and ${SECRET.slice(0, 20)}`;
    const out = redact(text);
    for (let i = 0; i + 8 <= SECRET.length; i++) expect(out).not.toContain(SECRET.slice(i, i + 8));
  });
});

describe('redactError', () => {
  it('redacts the message, every cause and the stack', () => {
    const redact = createRedactor([SECRET]);
    const root = new Error(`sent Bearer ${SECRET.slice(0, 16)}`);
    const error = new Error(`request failed with ${SECRET}`, { cause: root });
    const summary = redactError(error, redact);
    expect(summary.message).toBe(`request failed with ${REDACTED}`);
    expect(summary.causes).toEqual([{ name: 'Error', message: `sent Bearer ${REDACTED}` }]);
    expect(summary.stack).toContain(REDACTED);
    expect(JSON.stringify(summary)).not.toContain(SECRET.slice(0, 12));
  });

  it('survives a cause chain that loops, and non-errors', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(redactError(a, noRedaction).causes).toHaveLength(1);
    expect(redactError(`key ${SECRET}`, createRedactor([SECRET])).message).toBe(`key ${REDACTED}`);
  });
});
