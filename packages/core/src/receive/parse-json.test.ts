import { describe, expect, it } from 'vitest';
import { PassfortWebhookError } from '../errors/passfort-webhook-error.js';
import { parseJson } from './parse-json.js';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return PassfortWebhookError.is(error) ? error.code : 'not a library error';
  }
  return undefined;
}

describe('parseJson', () => {
  const bytes = (text: string) => ({
    kind: 'bytes' as const,
    bytes: new TextEncoder().encode(text),
  });

  it('parses bytes, text and an already-parsed value', () => {
    expect(parseJson(bytes('[{"a":1}]'))).toEqual([{ a: 1 }]);
    expect(parseJson({ kind: 'text', text: '{"a":1}' })).toEqual({ a: 1 });
    expect(parseJson({ kind: 'parsed', value: [1] })).toEqual([1]);
  });

  it('says an empty or blank body is empty, and parses one with whitespace around it', () => {
    for (const text of ['', ' ', '\n\t\r ']) {
      expect(() => parseJson({ kind: 'text', text })).toThrow(/Body is empty/);
    }
    expect(parseJson({ kind: 'text', text: ' \n{"a":1}\n ' })).toEqual({ a: 1 });
  });

  it('refuses invalid UTF-8', () => {
    expect(
      codeOf(() => parseJson({ kind: 'bytes', bytes: new Uint8Array([0x7b, 0xff, 0x7d]) })),
    ).toBe('INVALID_ENCODING');
  });

  it('names a position, never a piece of the body', () => {
    try {
      parseJson(bytes('{"secret":"very-secret-value" oops}'));
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toMatch(/position \d+/);
      expect((error as Error).message).not.toContain('very-secret-value');
    }
  });

  it('refuses __proto__ and constructor.prototype keys, in text and in parsed values', () => {
    expect(codeOf(() => parseJson(bytes('{"a":[{"__proto__":{"x":1}}]}')))).toBe('FORBIDDEN_KEY');
    expect(codeOf(() => parseJson(bytes('{"constructor":{"prototype":{"x":1}}}')))).toBe(
      'FORBIDDEN_KEY',
    );
    const parsedByAnApp = JSON.parse('{"data":{"__proto__":{"x":1}}}');
    expect(codeOf(() => parseJson({ kind: 'parsed', value: parsedByAnApp }))).toBe('FORBIDDEN_KEY');
    expect(({} as Record<string, unknown>)['x']).toBeUndefined();
  });

  it('refuses forbidden keys spelled with \\u escapes', () => {
    expect(codeOf(() => parseJson(bytes('{"\\u005f_proto__":{"x":1}}')))).toBe('FORBIDDEN_KEY');
    expect(
      codeOf(() => parseJson(bytes('{"a":{"\\u0063onstructor":{"prototype":{"x":1}}}}'))),
    ).toBe('FORBIDDEN_KEY');
    expect(({} as Record<string, unknown>)['x']).toBeUndefined();
  });

  it('accepts the words themselves where they cannot pollute', () => {
    const text = '{"constructor":{"name":"x"},"a":"__proto__","b":{"constructor":"prototype"}}';
    expect(parseJson(bytes(text))).toEqual(JSON.parse(text));
    expect(codeOf(() => parseJson(bytes('[[1,{"x":[{"__proto__":null}]}]]')))).toBe(
      'FORBIDDEN_KEY',
    );
  });

  it('survives JSON nested tens of thousands of levels deep', () => {
    const depth = 50_000;
    const deep = `${'['.repeat(depth)}${']'.repeat(depth)}`;
    expect(() => parseJson(bytes(deep))).not.toThrow();
    expect(
      codeOf(() => parseJson(bytes(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth - 1)}`))),
    ).toBe('INVALID_JSON');
  });
});
