/**
 * The send frame written as bytes (src/main/relayClient/sendFrame.ts) is
 * the same text as JSON.stringify of the request it stands for, for sealed
 * bytes, base64url text and strings that need escaping or are not ASCII,
 * and it parses back to the envelopes that went in.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeSendFrame, type SendEntry } from '../../../src/main/relayClient/sendFrame';
import { RELAY_PROTOCOL_VERSION } from '../../../src/shared/constants';
import { fromBase64Url, toBase64Url } from '../../../src/shared/wire/encoding';

const id = (): string => toBase64Url(new Uint8Array(randomBytes(32)));
/** What the frame must read as: the request as JSON.stringify writes it, envelopes as base64url. */
const asJson = (frameId: number, messages: readonly SendEntry[]): string =>
  JSON.stringify({ v: RELAY_PROTOCOL_VERSION, id: frameId, type: 'send', messages: messages.map((m) => ({ ...m, envelope: typeof m.envelope === 'string' ? m.envelope : toBase64Url(m.envelope) })) });

describe('the send frame written as bytes', () => {
  it('is the JSON text of the request for sealed envelopes of every length', () => {
    const messages = Array.from({ length: 64 }, (_, i): SendEntry => ({ accountId: id(), deviceId: id(), envelope: new Uint8Array(randomBytes(i * 37)) }));
    const frame = encodeSendFrame(41, messages);
    expect(frame.toString('utf8')).toBe(asJson(41, messages));
  });

  it('is the JSON text of the request for strings that need escaping or are not ASCII', () => {
    const odd = ['', 'plain-text_1.2', 'quote " and \\ backslash', 'new\nline\ttab\u0001', 'Łódź 🙂 ünïcödé', '\u2028\u2029', 'lone \ud800 surrogate'];
    const messages: SendEntry[] = odd.flatMap((s) => [
      { accountId: s, deviceId: id(), envelope: s },
      { accountId: id(), deviceId: s, envelope: new Uint8Array(randomBytes(randomInt(1, 300))) },
    ]);
    const frame = encodeSendFrame(7, messages);
    expect(frame.equals(Buffer.from(asJson(7, messages), 'utf8'))).toBe(true);
  });

  it('parses back to the envelopes and devices that went in', () => {
    const messages = Array.from({ length: 5 }, (): SendEntry => ({ accountId: id(), deviceId: id(), envelope: new Uint8Array(randomBytes(randomInt(0, 2_000))) }));
    const parsed = JSON.parse(encodeSendFrame(3, messages).toString('utf8')) as { v: number; id: number; type: string; messages: { accountId: string; deviceId: string; envelope: string }[] };
    expect([parsed.v, parsed.id, parsed.type]).toEqual([RELAY_PROTOCOL_VERSION, 3, 'send']);
    expect(parsed.messages.map((m) => [m.accountId, m.deviceId, [...fromBase64Url(m.envelope)!]])).toEqual(messages.map((m) => [m.accountId, m.deviceId, [...(m.envelope as Uint8Array)]]));
  });

  it('writes an empty list as an empty array', () => {
    expect(encodeSendFrame(1, []).toString('utf8')).toBe(asJson(1, []));
  });
});
