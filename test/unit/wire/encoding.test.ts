/** The base64url codec every frame, key and id goes through (src/shared/wire/encoding.ts), against Node's own. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromBase64Url, toBase64Url } from '../../../src/shared/wire/encoding';

const node = (b: Uint8Array): string => Buffer.from(b).toString('base64url');

describe('base64url', () => {
  it('encodes any bytes as Node does, short and long, and decodes them back', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2_000 }), (b) => {
        const text = toBase64Url(b);
        expect(text).toBe(node(b));
        expect(fromBase64Url(text)).toEqual(b);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses padding, whitespace, foreign characters, an impossible length and non-canonical tails', () => {
    const long = toBase64Url(new Uint8Array(300).fill(7));
    for (const bad of ['AA==', 'AAA=', 'AA A', 'AA+A', 'AA/A', 'A', 'AAAAA', `${long}A`, `${long.slice(0, 100)}*${long.slice(101)}`, 'AB', 'AAB', 'é'.repeat(4)]) {
      expect(fromBase64Url(bad), bad).toBeNull();
    }
    expect(fromBase64Url('AA')).toEqual(new Uint8Array([0]));
    expect(fromBase64Url('AAE')).toEqual(new Uint8Array([0, 1]));
    expect(fromBase64Url('')).toEqual(new Uint8Array(0));
  });
});
