/** The sender-key engine: chain steps, one message to many, tamper, replay, order, rotation. */
import { createHmac } from 'node:crypto';
import sodium from 'libsodium-wrappers-sumo';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_GROUP_SKIP } from '../../../src/shared/constants';
import { acceptDistribution, distributionOf, parseDistribution } from '../../../src/main/groups/protocol/distribution';
import { groupDecrypt, groupEncrypt } from '../../../src/main/groups/protocol/groupChain';
import { stepChain } from '../../../src/main/groups/protocol/messageKeys';
import { decodeOwnChain, decodePeerRecord, encodeOwnChain, encodePeerRecord, newOwnChain, type OwnChain, type PeerRecord } from '../../../src/main/groups/protocol/senderKey';
import { SENDER_KEY_OVERHEAD } from '../../../src/main/groups/protocol/senderKeyMessage';

const group = new Uint8Array(32).fill(7);
const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);

beforeAll(async () => {
  await sodium.ready;
});

/** A sender and one reader who got the sender's distribution now. */
function pair(): { own: OwnChain; reader: PeerRecord } {
  const own = newOwnChain();
  return { own, reader: acceptDistribution(null, parseDistribution(distributionOf(own))) };
}

function send(own: OwnChain, s: string): { own: OwnChain; message: Uint8Array } {
  return groupEncrypt(own, group, text(s));
}

describe('sender-key chain', () => {
  it('derives message and chain keys as HMAC-SHA256 with the seeds 0x01 and 0x02 (known answer)', () => {
    const ck = new Uint8Array(32).map((_, i) => i);
    const step = stepChain(ck);
    expect(Buffer.from(step.messageKey).toString('hex')).toBe(createHmac('sha256', ck).update(Buffer.from([1])).digest('hex'));
    expect(Buffer.from(step.next).toString('hex')).toBe(createHmac('sha256', ck).update(Buffer.from([2])).digest('hex'));
  });

  it('encrypts once and every member device that holds the distribution reads it', () => {
    const own = newOwnChain();
    const readers = [0, 1, 2].map(() => acceptDistribution(null, parseDistribution(distributionOf(own))));
    const { message } = send(own, 'hello group');
    expect(message.length).toBe(text('hello group').length + SENDER_KEY_OVERHEAD);
    for (const r of readers) expect(str(groupDecrypt(r, group, message).plaintext)).toBe('hello group');
  });

  it('rejects a tampered message without changing state', () => {
    const { own, reader } = pair();
    const { message } = send(own, 'x');
    for (const i of [2, 12, message.length - 70, message.length - 1]) {
      const bad = message.slice();
      bad[i]! ^= 1;
      expect(() => groupDecrypt(reader, group, bad)).toThrow(/signature|chain|sender key/iu);
    }
    expect(str(groupDecrypt(reader, group, message).plaintext)).toBe('x');
  });

  it('rejects a message moved to another group', () => {
    const { own, reader } = pair();
    const { message } = send(own, 'x');
    expect(() => groupDecrypt(reader, new Uint8Array(32), message)).toThrow(expect.objectContaining({ code: 'GROUP_BAD_SIGNATURE' }));
  });

  it('rejects a replayed message without changing state', () => {
    const { own, reader } = pair();
    const { message } = send(own, 'once');
    const after = groupDecrypt(reader, group, message).record;
    expect(() => groupDecrypt(after, group, message)).toThrow(expect.objectContaining({ code: 'GROUP_DUPLICATE' }));
  });

  it('reads messages out of order within MAX_GROUP_SKIP and refuses one further ahead', () => {
    let { own, reader } = pair();
    const sent: Uint8Array[] = [];
    for (let i = 0; i < 5; i++) {
      const s = send(own, `m${i}`);
      own = s.own;
      sent.push(s.message);
    }
    for (const i of [4, 1, 3, 0, 2]) {
      const r = groupDecrypt(reader, group, sent[i]!);
      expect(str(r.plaintext)).toBe(`m${i}`);
      reader = r.record;
    }
    const far = { ...own, iteration: own.iteration + MAX_GROUP_SKIP + 1 };
    expect(() => groupDecrypt(reader, group, send(far, 'far').message)).toThrow(expect.objectContaining({ code: 'GROUP_TOO_MANY_SKIPPED' }));
  });

  it('gives a late joiner nothing sent before its distribution', () => {
    let own = newOwnChain();
    const early = send(own, 'before');
    own = early.own;
    const late = acceptDistribution(null, parseDistribution(distributionOf(own)));
    expect(() => groupDecrypt(late, group, early.message)).toThrow(expect.objectContaining({ code: 'GROUP_DUPLICATE' }));
    expect(str(groupDecrypt(late, group, send(own, 'after').message).plaintext)).toBe('after');
  });

  it('leaves a removed member unable to read after the sender rotates to a fresh chain', () => {
    const { own, reader: removed } = pair();
    const fresh = newOwnChain();
    const stays = acceptDistribution(acceptDistribution(null, parseDistribution(distributionOf(own))), parseDistribution(distributionOf(fresh)));
    const { message } = send(fresh, 'after removal');
    expect(() => groupDecrypt(removed, group, message)).toThrow(expect.objectContaining({ code: 'GROUP_NO_SENDER_KEY' }));
    expect(str(groupDecrypt(stays, group, message).plaintext)).toBe('after removal');
  });

  it('repairs a withheld distribution from the first given iteration, never earlier', () => {
    let own = newOwnChain();
    const m0 = send(own, 'first');
    own = m0.own;
    const late = acceptDistribution(null, parseDistribution(distributionOf(own)));
    const again = acceptDistribution(late, parseDistribution(distributionOf(own, 0)));
    expect(str(groupDecrypt(again, group, m0.message).plaintext)).toBe('first');
    expect(() => distributionOf({ ...own, baseIteration: 1 }, 0)).toThrow(expect.objectContaining({ code: 'GROUP_BAD_VERSION' }));
  });

  it('round-trips own chains and peer records through their stored form', () => {
    let { own, reader } = pair();
    const a = send(own, 'a');
    own = send(a.own, 'b').own;
    reader = groupDecrypt(reader, group, send(own, 'c').message).record;
    expect(decodeOwnChain(encodeOwnChain(own))).toEqual(own);
    expect(decodePeerRecord(encodePeerRecord(reader))).toEqual(reader);
    expect(() => decodePeerRecord(text('{"chains":"x"}'))).toThrow(expect.objectContaining({ code: 'GROUP_MALFORMED' }));
  });
});
