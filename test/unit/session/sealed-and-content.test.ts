import { hkdfSync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import sodium from 'libsodium-wrappers-sumo';
import { sealDevice, sealSender } from '../../support/sealKeys';
import { ContentHint, EnvelopeKind, seal, SealedSenderError, unseal } from '../../../src/main/session/sealedSender';
import { ContentError, encodeContent, parseContent, type Content } from '../../../src/shared/wire/content';
import { CONTENT_PAD_BLOCK } from '../../../src/shared/constants';

beforeAll(async () => {
  await sodium.ready;
});

const device = sealDevice;
const sender = sealSender;

describe('sealed sender', () => {
  it('lets only the recipient device open the envelope and learn the authenticated sender', () => {
    const bob = device();
    const alice = sender();
    const msg = new Uint8Array([1, 2, 3, 4, 5]);
    const sealed = seal(bob.publicKey, alice, EnvelopeKind.message, msg);
    const opened = unseal(sealed, bob.x25519);
    expect(opened.kind).toBe(EnvelopeKind.message);
    expect(opened.authenticated).toBe(true);
    expect([...opened.message]).toEqual([...msg]);
    expect([...opened.senderAccountKey]).toEqual([...alice.accountKey]);
    expect([...opened.senderDeviceKey]).toEqual([...alice.deviceKey]);
    expect(() => unseal(sealed, device().x25519)).toThrow(SealedSenderError);
  });

  it('refuses an envelope that names a device key its sender does not hold', () => {
    const bob = device();
    const victim = sender();
    const forger = sender();
    // The forger claims the victim's device key but can only compute the static layer with its own private key.
    const forged = seal(bob.publicKey, { ...victim, x25519PrivateKey: forger.x25519PrivateKey }, EnvelopeKind.message, new Uint8Array(8));
    expect(() => unseal(forged, bob.x25519)).toThrow(SealedSenderError);
  });

  it('carries plaintext retry requests as their own kind', () => {
    const bob = device();
    const opened = unseal(seal(bob.publicKey, sender(), EnvelopeKind.plaintext, new Uint8Array([7])), bob.x25519);
    expect(opened.kind).toBe(EnvelopeKind.plaintext);
  });

  it('carries the sender’s content hint inside the authenticated layer', () => {
    const bob = device();
    for (const hint of [ContentHint.placeholder, ContentHint.retry, ContentHint.none]) {
      expect(unseal(seal(bob.publicKey, sender(), EnvelopeKind.message, new Uint8Array([1]), hint), bob.x25519).hint).toBe(hint);
    }
  });

  it('still opens a version 1 envelope, flagged unauthenticated', () => {
    const bob = device();
    const alice = sender();
    const e = sodium.crypto_box_keypair();
    const shared = sodium.crypto_scalarmult(e.privateKey, bob.x25519.publicKey);
    const k = new Uint8Array(hkdfSync('sha256', shared, new Uint8Array([...e.publicKey, ...bob.x25519.publicKey]), new TextEncoder().encode('Parley-v1 sealed sender'), 32));
    const inner = new Uint8Array([...alice.accountKey, ...alice.deviceKey, EnvelopeKind.message, 9, 9]);
    const ad = new Uint8Array([1, ...e.publicKey, ...bob.x25519.publicKey]);
    const ct = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(inner, ad, null, new Uint8Array(24), k);
    const opened = unseal(new Uint8Array([1, ...e.publicKey, ...ct]), bob.x25519);
    expect(opened.authenticated).toBe(false);
    expect([...opened.message]).toEqual([9, 9]);
  });

  it('uses a fresh ephemeral key per envelope, so equal messages look different', () => {
    const bob = device();
    const s = sender();
    const a = seal(bob.publicKey, s, EnvelopeKind.prekey, new Uint8Array(10));
    const b = seal(bob.publicKey, s, EnvelopeKind.prekey, new Uint8Array(10));
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
  });

  it('rejects every flipped bit with a typed error', () => {
    const bob = device();
    const sealed = seal(bob.publicKey, sender(), EnvelopeKind.message, new Uint8Array(8));
    for (let i = 0; i < sealed.length * 8; i += 7) {
      const t = sealed.slice();
      t[i >> 3]! ^= 1 << (i & 7);
      expect(() => unseal(t, bob.x25519)).toThrow(SealedSenderError);
    }
    expect(() => unseal(sealed.subarray(0, 40), bob.x25519)).toThrow(SealedSenderError);
  });
});

describe('message content', () => {
  const text: Content = { v: 1, type: 'text', id: 'AAAAAAAAAAAAAAAAAAAAAA', sentAt: 1, text: 'hello', replyTo: null, expireSeconds: null, attachment: null };

  it('round-trips and pads to whole blocks', () => {
    const bytes = encodeContent(text);
    expect(bytes.length % CONTENT_PAD_BLOCK).toBe(0);
    expect(parseContent(bytes)).toEqual(text);
    expect(encodeContent({ ...text, text: 'hi' }).length).toBe(bytes.length);
  });

  it('rejects bad padding, bad JSON and unknown shapes', () => {
    expect(() => parseContent(new Uint8Array(CONTENT_PAD_BLOCK))).toThrow(ContentError);
    const junk = new TextEncoder().encode('{nope');
    const padded = new Uint8Array(CONTENT_PAD_BLOCK);
    padded.set(junk);
    padded[junk.length] = 0x80;
    expect(() => parseContent(padded)).toThrow(expect.objectContaining({ code: 'CONTENT_MALFORMED' }));
    const unknown = new TextEncoder().encode(JSON.stringify({ v: 1, type: 'exploit', sentAt: 1 }));
    const p2 = new Uint8Array(CONTENT_PAD_BLOCK);
    p2.set(unknown);
    p2[unknown.length] = 0x80;
    expect(() => parseContent(p2)).toThrow(expect.objectContaining({ code: 'CONTENT_MALFORMED' }));
    const extra = new TextEncoder().encode(JSON.stringify({ ...text, __proto__: { x: 1 }, extra: 1 }));
    const p3 = new Uint8Array(CONTENT_PAD_BLOCK * 2);
    p3.set(extra);
    p3[extra.length] = 0x80;
    expect(() => parseContent(p3)).toThrow(ContentError);
  });
});
