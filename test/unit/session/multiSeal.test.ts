import { beforeAll, describe, expect, it } from 'vitest';
import sodium from 'libsodium-wrappers-sumo';
import { sealDevice, sealSender } from '../../support/sealKeys';
import { ContentHint, EnvelopeKind, seal, SealedSenderError, unseal } from '../../../src/main/session/sealedSender';
import { sealMulti } from '../../../src/main/session/multiSeal';
import { decodeSendMulti, encodeSendMulti, MULTI_ENTRY_BYTES, spliceEnvelope } from '../../../src/shared/wire/multiSend';

beforeAll(async () => {
  await sodium.ready;
});

const device = sealDevice;
const sender = sealSender;

const flip = (b: Uint8Array, i: number): Uint8Array => {
  const c = b.slice();
  c[i] = c[i]! ^ 0x01;
  return c;
};

describe('multi-recipient sealed sender (version 3)', () => {
  it('gives every recipient device an envelope it opens, authenticated as the sender device', () => {
    const devices = [device(), device(), device()];
    const alice = sender();
    const msg = new Uint8Array(100).fill(7);
    const sealed = sealMulti(devices.map((d) => d.publicKey), alice, EnvelopeKind.senderKey, msg, ContentHint.retry);
    expect(sealed.entries).toHaveLength(3);
    devices.forEach((d, i) => {
      const opened = unseal(spliceEnvelope(sealed.shared, sealed.entries[i]!), d.x25519);
      expect(opened.kind).toBe(EnvelopeKind.senderKey);
      expect(opened.hint).toBe(ContentHint.retry);
      expect(opened.authenticated).toBe(true);
      expect([...opened.message]).toEqual([...msg]);
      expect([...opened.senderDeviceKey]).toEqual([...alice.deviceKey]);
      expect([...opened.senderAccountKey]).toEqual([...alice.accountKey]);
    });
  });

  it('keeps each entry to 80 bytes and the shared part to one message plus a fixed header', () => {
    const msg = new Uint8Array(100);
    const sealed = sealMulti([device().publicKey, device().publicKey], sender(), EnvelopeKind.senderKey, msg);
    for (const e of sealed.entries) expect(e.length).toBe(MULTI_ENTRY_BYTES);
    expect(MULTI_ENTRY_BYTES).toBe(80);
    // version, ephemeral key, sender keys, kind, hint, payload, tag
    expect(sealed.shared.length).toBe(1 + 32 + 64 + 2 + msg.length + 16);
  });

  it('refuses an envelope with any byte of its shared part or its entry changed', () => {
    const bob = device();
    const sealed = sealMulti([bob.publicKey], sender(), EnvelopeKind.senderKey, new Uint8Array(20).fill(3));
    const envelope = spliceEnvelope(sealed.shared, sealed.entries[0]!);
    expect(unseal(envelope, bob.x25519).message.length).toBe(20);
    // Byte 0 is the version: changing it makes the envelope another version, which refuses it too.
    for (let i = 0; i < envelope.length; i++) expect(() => unseal(flip(envelope, i), bob.x25519), `byte ${i}`).toThrow(SealedSenderError);
  });

  it('does not let a recipient open another recipient’s entry', () => {
    const bob = device();
    const carol = device();
    const sealed = sealMulti([bob.publicKey, carol.publicKey], sender(), EnvelopeKind.senderKey, new Uint8Array(8));
    expect(() => unseal(spliceEnvelope(sealed.shared, sealed.entries[1]!), bob.x25519)).toThrow(SealedSenderError);
    expect(() => unseal(spliceEnvelope(sealed.shared, sealed.entries[0]!), carol.x25519)).toThrow(SealedSenderError);
  });

  it('refuses a body another recipient re-encrypted under the shared key, and entries moved between uploads', () => {
    const bob = device();
    const alice = sender();
    const one = sealMulti([bob.publicKey], alice, EnvelopeKind.senderKey, new Uint8Array([1]));
    const two = sealMulti([bob.publicKey], alice, EnvelopeKind.senderKey, new Uint8Array([2]));
    expect(() => unseal(spliceEnvelope(two.shared, one.entries[0]!), bob.x25519)).toThrow(SealedSenderError);
  });

  it('refuses an upload that names a device key its sender does not hold', () => {
    const bob = device();
    const victim = sender();
    const forger = sender();
    const forged = sealMulti([bob.publicKey], { ...victim, x25519PrivateKey: forger.x25519PrivateKey }, EnvelopeKind.senderKey, new Uint8Array(8));
    expect(() => unseal(spliceEnvelope(forged.shared, forged.entries[0]!), bob.x25519)).toThrow(SealedSenderError);
  });

  it('still opens version 2 envelopes, which can now carry the sender-key kind', () => {
    const bob = device();
    expect(unseal(seal(bob.publicKey, sender(), EnvelopeKind.senderKey, new Uint8Array([9])), bob.x25519).kind).toBe(EnvelopeKind.senderKey);
  });

  it('round-trips a sendMulti frame and refuses malformed ones with a typed code', () => {
    const sealed = sealMulti([device().publicKey, device().publicKey], sender(), EnvelopeKind.senderKey, new Uint8Array(10));
    const frame = encodeSendMulti(42, sealed.shared, sealed.entries);
    const parsed = decodeSendMulti(frame);
    if ('code' in parsed) throw new Error(parsed.message);
    expect(parsed.id).toBe(42);
    expect([...parsed.shared]).toEqual([...sealed.shared]);
    expect(parsed.entries.map((e) => [...e])).toEqual(sealed.entries.map((e) => [...e]));
    expect(decodeSendMulti(frame.subarray(0, frame.length - 1))).toMatchObject({ code: 'BAD_FRAME', id: 42 });
    expect(decodeSendMulti(flip(frame, 1))).toMatchObject({ code: 'UNSUPPORTED_VERSION', id: 42 });
    expect(decodeSendMulti(new Uint8Array(3))).toMatchObject({ code: 'BAD_FRAME', id: null });
    expect(decodeSendMulti(encodeSendMulti(1, sealed.shared, []))).toMatchObject({ code: 'BAD_FRAME' });
  });
});
