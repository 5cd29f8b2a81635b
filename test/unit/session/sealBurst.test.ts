import { beforeAll, describe, expect, it } from 'vitest';
import sodium from 'libsodium-wrappers-sumo';
import { sealDevice, sealSender } from '../../support/sealKeys';
import { ContentHint, EnvelopeKind, SealedSenderError, unseal } from '../../../src/main/session/sealedSender';
import { SealBurst } from '../../../src/main/session/sealBurst';
import { OpenCache } from '../../../src/main/session/openCache';
import { SEAL_BURST_MAX_ENVELOPES } from '../../../src/shared/constants';
import { toBase64Url } from '../../../src/shared/wire/encoding';
import { MULTI_KEY_PART_BYTES, MULTI_SEAL_VERSION } from '../../../src/shared/wire/multiSend';

beforeAll(async () => {
  await sodium.ready;
});

type Device = ReturnType<typeof sealDevice>;
const idOf = (d: Device): string => toBase64Url(d.publicKey);
/** E of a spliced version 4 envelope: after the version byte and the entry's key part. */
const epochOf = (envelope: Uint8Array): string => toBase64Url(envelope.subarray(1 + MULTI_KEY_PART_BYTES, 1 + MULTI_KEY_PART_BYTES + 32));
const saltOf = (envelope: Uint8Array): string => toBase64Url(envelope.subarray(1 + MULTI_KEY_PART_BYTES + 32, 1 + MULTI_KEY_PART_BYTES + 48));

describe('seal bursts (one send turn’s envelopes to one device under one key)', () => {
  it('seals a device listed twice under one key with a fresh salt each, and leaves a device listed once to version 2', () => {
    const alice = sealSender();
    const bob = sealDevice();
    const cleo = sealDevice();
    const burst = new SealBurst([idOf(bob), idOf(cleo), idOf(bob), idOf(bob)], () => alice);
    expect(burst.covers(idOf(bob))).toBe(true);
    expect(burst.covers(idOf(cleo))).toBe(false);
    expect(burst.seal(idOf(cleo), cleo.publicKey, EnvelopeKind.message, new Uint8Array([9]))).toBeNull();
    const envelopes = [1, 2, 3].map((b) => burst.seal(idOf(bob), bob.publicKey, EnvelopeKind.message, new Uint8Array([b]))!);
    expect(envelopes.every((e) => e[0] === MULTI_SEAL_VERSION)).toBe(true);
    expect(new Set(envelopes.map(epochOf)).size).toBe(1);
    expect(new Set(envelopes.map(saltOf)).size).toBe(3);
    burst.end();
  });

  it('opens every envelope of a burst as from the sending device, with one DH kept for the burst', () => {
    const alice = sealSender();
    const bob = sealDevice();
    const burst = new SealBurst([idOf(bob), idOf(bob)], () => alice);
    const envelopes = [1, 2, 3, 4].map((b) => burst.seal(idOf(bob), bob.publicKey, b === 1 ? EnvelopeKind.prekey : EnvelopeKind.message, new Uint8Array([b]), ContentHint.retry)!);
    burst.end();
    const cache = new OpenCache();
    envelopes.forEach((e, i) => {
      const opened = unseal(e, bob.x25519, undefined, cache);
      expect(opened.authenticated).toBe(true);
      expect(opened.kind).toBe(i === 0 ? EnvelopeKind.prekey : EnvelopeKind.message);
      expect(opened.hint).toBe(ContentHint.retry);
      expect([...opened.message]).toEqual([i + 1]);
      expect([...opened.senderDeviceKey]).toEqual([...alice.deviceKey]);
      expect([...opened.senderAccountKey]).toEqual([...alice.accountKey]);
    });
    expect(cache.size).toBe(1);
  });

  it('refuses a burst envelope opened by another device, and any changed byte of it', () => {
    const alice = sealSender();
    const bob = sealDevice();
    const mallory = sealDevice();
    const burst = new SealBurst([idOf(bob), idOf(bob)], () => alice);
    const envelope = burst.seal(idOf(bob), bob.publicKey, EnvelopeKind.message, new Uint8Array([1, 2, 3]))!;
    burst.end();
    expect(() => unseal(envelope, mallory.x25519)).toThrow(SealedSenderError);
    for (let i = 0; i < envelope.length; i++) {
      const bad = envelope.slice();
      bad[i]! ^= 0x01;
      expect(() => unseal(bad, bob.x25519), `byte ${i}`).toThrow(SealedSenderError);
    }
  });

  it('draws a new key after SEAL_BURST_MAX_ENVELOPES envelopes, and seals nothing more once ended', () => {
    const alice = sealSender();
    const bob = sealDevice();
    const burst = new SealBurst([idOf(bob), idOf(bob)], () => alice);
    const epochs: string[] = [];
    for (let i = 0; i <= SEAL_BURST_MAX_ENVELOPES; i++) epochs.push(epochOf(burst.seal(idOf(bob), bob.publicKey, EnvelopeKind.message, new Uint8Array([1]))!));
    expect(new Set(epochs.slice(0, SEAL_BURST_MAX_ENVELOPES)).size).toBe(1);
    expect(epochs[SEAL_BURST_MAX_ENVELOPES]).not.toBe(epochs[0]);
    burst.end();
    expect(burst.covers(idOf(bob))).toBe(false);
    expect(burst.seal(idOf(bob), bob.publicKey, EnvelopeKind.message, new Uint8Array([1]))).toBeNull();
  });

  it('gives two bursts to the same device different keys', () => {
    const alice = sealSender();
    const bob = sealDevice();
    const first = new SealBurst([idOf(bob), idOf(bob)], () => alice);
    const second = new SealBurst([idOf(bob), idOf(bob)], () => alice);
    const a = first.seal(idOf(bob), bob.publicKey, EnvelopeKind.message, new Uint8Array([1]))!;
    const b = second.seal(idOf(bob), bob.publicKey, EnvelopeKind.message, new Uint8Array([1]))!;
    expect(epochOf(a)).not.toBe(epochOf(b));
    first.end();
    second.end();
  });

  it('draws a new key when the sending device key changes within the burst, and every envelope still opens as from its sender', () => {
    const first = sealSender();
    const second = sealSender();
    let sender = first;
    const bob = sealDevice();
    const burst = new SealBurst([idOf(bob), idOf(bob)], () => sender);
    const a = burst.seal(idOf(bob), bob.publicKey, EnvelopeKind.message, new Uint8Array([1]))!;
    sender = second;
    const b = burst.seal(idOf(bob), bob.publicKey, EnvelopeKind.message, new Uint8Array([2]))!;
    burst.end();
    expect(epochOf(b)).not.toBe(epochOf(a));
    expect([...unseal(a, bob.x25519).senderDeviceKey]).toEqual([...first.deviceKey]);
    expect([...unseal(b, bob.x25519).senderDeviceKey]).toEqual([...second.deviceKey]);
  });
});
