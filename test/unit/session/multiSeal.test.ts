import { beforeAll, describe, expect, it } from 'vitest';
import sodium from 'libsodium-wrappers-sumo';
import { sealDevice, sealSender } from '../../support/sealKeys';
import { ContentHint, EnvelopeKind, seal, SealedSenderError, unseal } from '../../../src/main/session/sealedSender';
import fc from 'fast-check';
import { sealMulti as sealWith, sealOne, sealOneUnder, sealUpload } from '../../../src/main/session/multiSeal';
import { SealEpochs } from '../../../src/main/session/sealEpochs';
import { keyedHash, keyedHashInto, xchachaEncrypt, xchachaEncryptInto } from '../../../src/main/protocol/sodiumDirect';
import { randomInto } from '../../../src/main/protocol/random';
import { decodeSendMulti, encodeSendMulti, MULTI_ENTRY_BYTES, spliceEnvelope } from '../../../src/shared/wire/multiSend';

beforeAll(async () => {
  await sodium.ready;
});

const device = sealDevice;
/** One profile's epochs, as its SessionLayer holds them; every upload here is in one scope. */
const epochs = new SealEpochs();
const sealMulti = (...args: Parameters<typeof sealWith> extends [unknown, unknown, ...infer R] ? R : never) => sealWith(epochs, 'group', ...args);
const sender = sealSender;

const flip = (b: Uint8Array, i: number): Uint8Array => {
  const c = b.slice();
  c[i] = c[i]! ^ 0x01;
  return c;
};

describe('multi-recipient sealed sender (version 4)', () => {
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
    // version, epoch key, salt, sender keys, kind, hint, payload, tag
    expect(sealed.shared.length).toBe(1 + 32 + 16 + 64 + 2 + msg.length + 16);
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

  it('refuses an envelope of the retired version 3 with a typed error', () => {
    const bob = device();
    const sealed = sealMulti([bob.publicKey], sender(), EnvelopeKind.senderKey, new Uint8Array(8));
    const v3 = spliceEnvelope(sealed.shared, sealed.entries[0]!);
    v3[0] = 0x03;
    expect(() => unseal(v3, bob.x25519)).toThrow(expect.objectContaining({ code: 'SEALED_MALFORMED' }));
  });

  it('computes its per-recipient keyed BLAKE2b as libsodium does (RFC 7693 keyed vector, and every split of the input)', () => {
    const key64 = Uint8Array.from({ length: 64 }, (_, i) => i);
    expect(Buffer.from(keyedHash(key64, 64)).toString('hex')).toBe(
      '10ebb67700b1868efb4417987acf4690ae9d972fb7a590c2f02871799aaa4786b5e996e8f0f4eb981fc214b005f42d2ff4233499391653df7aefcbc13fc51568',
    );
    const key = key64.subarray(0, 32);
    const input = Uint8Array.from({ length: 200 }, (_, i) => (i * 7) & 0xff);
    for (const n of [0, 1, 50, 127, 128, 129, 200]) {
      for (const out of [16, 32, 48, 64]) {
        const whole = sodium.crypto_generichash(out, input.subarray(0, n), key);
        expect(keyedHash(key, out, input.subarray(0, n))).toEqual(whole);
        expect(keyedHash(key, out, input.subarray(0, n >> 1), input.subarray(n >> 1, n))).toEqual(whole);
      }
    }
  });

  it('builds a one-device envelope in place, byte for byte the splice of a one-entry upload under the same N and M', () => {
    const alice = sender();
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 2_000 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.constantFrom(...Object.values(EnvelopeKind)), fc.constantFrom(...Object.values(ContentHint)),
        (msg, M, N, E, wrap, auth, kind, hint) => {
          const deviceKey = new Uint8Array(32).fill(9);
          const upload = sealUpload(E, [{ peer: deviceKey, wrap, auth }], [deviceKey], alice, kind, msg, hint, N.slice(), M.slice());
          const env = new Uint8Array(1 + 48 + 32 + 16 + 66 + msg.length + 16);
          env.set(N, 1 + 48 + 32);
          const M2 = M.slice();
          expect(sealOneUnder(env, M2, E, { peer: deviceKey, wrap, auth }, alice, kind, msg, hint)).toEqual(spliceEnvelope(upload.shared, upload.entries[0]!));
          expect(M2.every((b) => b === 0)).toBe(true); // M is zeroed after
        },
      ),
      { numRuns: 200 },
    );
  });

  it('seals one device with fresh randomness that the device opens, authenticated, and never twice the same', () => {
    const bob = device();
    const alice = sender();
    const { E, keys } = epochs.upload('one', alice, [bob.publicKey]);
    const msg = new Uint8Array(300).fill(5);
    const a = sealOne(E, keys[0]!, alice, EnvelopeKind.message, msg, ContentHint.placeholder);
    const b = sealOne(E, keys[0]!, alice, EnvelopeKind.message, msg, ContentHint.placeholder);
    expect(a).not.toEqual(b);
    for (const env of [a, b]) {
      const opened = unseal(env, bob.x25519);
      expect(opened.authenticated).toBe(true);
      expect([...opened.senderDeviceKey]).toEqual([...alice.deviceKey]);
      expect([...opened.message]).toEqual([...msg]);
    }
  });

  it('writes keyed BLAKE2b, XChaCha20-Poly1305 and randomness in place as the allocating calls give them, leaving the bytes around untouched', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.uint8Array({ maxLength: 80 }), fc.nat(600), fc.nat(40), (input, ad, cut, at) => {
        const key = new Uint8Array(32).fill(3);
        const nonce = new Uint8Array(24).fill(4);
        const k = Math.min(cut, input.length);
        const out = new Uint8Array(at + input.length + 16 + 7).fill(0xee);
        xchachaEncryptInto(out, at, key, nonce, ad, [input.subarray(0, k), input.subarray(k)]);
        expect(out.subarray(at, at + input.length + 16)).toEqual(xchachaEncrypt(key, nonce, input, ad));
        expect([...out.subarray(0, at), ...out.subarray(at + input.length + 16)].every((b) => b === 0xee)).toBe(true);
        const h = new Uint8Array(at + 32 + 3).fill(0xee);
        keyedHashInto(h, at, key, 32, [input.subarray(0, k), input.subarray(k)]);
        expect(h.subarray(at, at + 32)).toEqual(keyedHash(key, 32, input));
        expect([...h.subarray(0, at), ...h.subarray(at + 32)].every((b) => b === 0xee)).toBe(true);
      }),
    );
    const r = new Uint8Array(64).fill(0xee);
    randomInto(r, 8, 32);
    expect([...r.subarray(0, 8), ...r.subarray(40)].every((b) => b === 0xee)).toBe(true);
    expect(r.subarray(8, 40).some((b) => b !== 0xee)).toBe(true);
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
