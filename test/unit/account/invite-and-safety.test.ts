import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { decodeInvite, encodeInvite, InviteError } from '../../../src/shared/wire/invite';
import { safetyNumber } from '../../../src/main/account/safetyNumber';

const key = () => new Uint8Array(randomBytes(32));

describe('invite codes', () => {
  it('round-trips the account key and relay', () => {
    const accountKey = key();
    const code = encodeInvite({ accountKey, relayUrl: 'ws://127.0.0.1:8787' });
    expect(code.startsWith('parley1')).toBe(true);
    expect(code.length).toBeLessThan(100);
    const back = decodeInvite(`  ${code}\n`);
    expect(Buffer.from(back.accountKey).equals(Buffer.from(accountKey))).toBe(true);
    expect(back.relayUrl).toBe('ws://127.0.0.1:8787');
  });

  it('rejects a code with a typo with INVITE_CHECKSUM', () => {
    const code = encodeInvite({ accountKey: key(), relayUrl: 'wss://relay.example' });
    const i = 20;
    const typo = code.slice(0, i) + (code[i] === 'A' ? 'B' : 'A') + code.slice(i + 1);
    expect(() => decodeInvite(typo)).toThrow(expect.objectContaining({ code: 'INVITE_CHECKSUM' }));
  });

  it('rejects garbage, truncation and foreign prefixes with typed errors', () => {
    const code = encodeInvite({ accountKey: key(), relayUrl: 'wss://relay.example' });
    for (const bad of ['', 'hello', 'parley1', 'parley1!!!!', code.slice(0, 30), `x${code}`]) {
      expect(() => decodeInvite(bad), bad).toThrow(InviteError);
    }
  });

  it('refuses to encode an oversized relay URL or a wrong-length key', () => {
    expect(() => encodeInvite({ accountKey: key(), relayUrl: `ws://${'a'.repeat(300)}` })).toThrow(InviteError);
    expect(() => encodeInvite({ accountKey: new Uint8Array(31), relayUrl: 'ws://x' })).toThrow(InviteError);
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
