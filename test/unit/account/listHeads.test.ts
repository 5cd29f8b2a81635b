import { describe, expect, it } from 'vitest';
import { compareHead } from '../../../src/main/account/listHeads';

const h = (c: string): string => c.repeat(43);

describe('compareHead', () => {
  it('calls two different lists at one version a split view', () => {
    expect(compareHead({ version: 4, head: h('a') }, { version: 4, hash: h('b') })).toBe('split');
  });
  it('agrees on the same head, and on a peer that is behind us', () => {
    expect(compareHead({ version: 4, head: h('a') }, { version: 4, hash: h('a') })).toBe('agree');
    expect(compareHead({ version: 4, head: h('a') }, { version: 3, hash: h('b') })).toBe('agree');
  });
  it('says we are behind when the peer has verified a newer list, or any list we never saw', () => {
    expect(compareHead({ version: 4, head: h('a') }, { version: 5, hash: h('b') })).toBe('behind');
    expect(compareHead(null, { version: 1, hash: h('b') })).toBe('behind');
  });
});
