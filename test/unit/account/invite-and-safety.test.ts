import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { decodeInvite, encodeInvite, INVITE_PREFIX, InviteError } from '../../../src/shared/wire/invite';
import { encodeCheckedCode } from '../../../src/shared/wire/checkedCode';
import { safetyNumber } from '../../../src/main/account/safetyNumber';

const key = () => new Uint8Array(randomBytes(32));

describe('invite codes', () => {
  it('round-trips the account key, the relay and its identity key', () => {
    const accountKey = key();
    const relayKey = key();
    const code = encodeInvite({ accountKey, relayUrl: 'ws://127.0.0.1:8787', relayKey });
    expect(code.startsWith('parley1')).toBe(true);
    expect(code.length).toBeLessThan(140);
    const back = decodeInvite(`  ${code}\n`);
    expect(Buffer.from(back.accountKey).equals(Buffer.from(accountKey))).toBe(true);
    expect(Buffer.from(back.relayKey!).equals(Buffer.from(relayKey))).toBe(true);
    expect(back.relayUrl).toBe('ws://127.0.0.1:8787');
  });

  it('still decodes a version-1 code (account key only), without a relay key', () => {
    const accountKey = key();
    const v1 = encodeCheckedCode({ prefix: INVITE_PREFIX, version: 1, bodyBytes: 32 }, accountKey, 'ws://127.0.0.1:8787') as string;
    const back = decodeInvite(v1);
    expect([Buffer.from(back.accountKey).equals(Buffer.from(accountKey)), back.relayUrl, back.relayKey]).toEqual([true, 'ws://127.0.0.1:8787', null]);
    expect(encodeInvite({ accountKey, relayUrl: 'ws://127.0.0.1:8787', relayKey: null })).toBe(v1);
  });

  it('tells a code from a newer Parley apart with INVITE_VERSION', () => {
    const newer = encodeCheckedCode({ prefix: INVITE_PREFIX, version: 3, bodyBytes: 32 }, key(), 'ws://127.0.0.1:8787') as string;
    expect(() => decodeInvite(newer)).toThrow(expect.objectContaining({ code: 'INVITE_VERSION' }));
  });

  it('rejects a code with a typo with INVITE_CHECKSUM', () => {
    const code = encodeInvite({ accountKey: key(), relayUrl: 'wss://relay.example', relayKey: key() });
    const i = 20;
    const typo = code.slice(0, i) + (code[i] === 'A' ? 'B' : 'A') + code.slice(i + 1);
    expect(() => decodeInvite(typo)).toThrow(expect.objectContaining({ code: 'INVITE_CHECKSUM' }));
  });

  it('rejects garbage, truncation and foreign prefixes with typed errors', () => {
    const code = encodeInvite({ accountKey: key(), relayUrl: 'wss://relay.example', relayKey: key() });
    for (const bad of ['', 'hello', 'parley1', 'parley1!!!!', code.slice(0, 30), `x${code}`]) {
      expect(() => decodeInvite(bad), bad).toThrow(InviteError);
    }
  });

  it('refuses to encode an oversized relay URL or a wrong-length key', () => {
    expect(() => encodeInvite({ accountKey: key(), relayUrl: `ws://${'a'.repeat(300)}`, relayKey: key() })).toThrow(InviteError);
    expect(() => encodeInvite({ accountKey: new Uint8Array(31), relayUrl: 'ws://x', relayKey: null })).toThrow(InviteError);
    expect(() => encodeInvite({ accountKey: key(), relayUrl: 'ws://x', relayKey: new Uint8Array(31) })).toThrow(InviteError);
  });
});

describe('safety numbers', () => {
  it('are 60 digits in 12 groups, the same on both sides', () => {
    const a = key();
    const b = key();
    const ab = safetyNumber(a, b);
    const ba = safetyNumber(b, a);
    expect(ab.digits).toMatch(/^\d{60}$/);
    expect(ab.groups).toHaveLength(12);
    expect(ab.digits).toBe(ba.digits);
    expect(Buffer.from(ab.qrPayload).equals(Buffer.from(ba.qrPayload))).toBe(true);
  });

  it('change completely when either account key changes', () => {
    const a = key();
    const b = key();
    const before = safetyNumber(a, b).digits;
    expect(safetyNumber(a, key()).digits).not.toBe(before);
    expect(safetyNumber(key(), b).digits).not.toBe(before);
  });
});
