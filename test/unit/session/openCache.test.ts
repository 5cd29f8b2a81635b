import { beforeAll, describe, expect, it } from 'vitest';
import sodium from 'libsodium-wrappers-sumo';
import { sealDevice, sealSender } from '../../support/sealKeys';
import { ContentHint, EnvelopeKind, SealedSenderError, unseal } from '../../../src/main/session/sealedSender';
import { sealMulti } from '../../../src/main/session/multiSeal';
import { SealEpochs } from '../../../src/main/session/sealEpochs';
import { OpenCache, type OpenEntry } from '../../../src/main/session/openCache';
import { spliceEnvelope } from '../../../src/shared/wire/multiSend';

beforeAll(async () => {
  await sodium.ready;
});

/** One upload in `scope` to each of `devices`, as the relay splices it for device `i`. */
const envelopeFor = (epochs: SealEpochs, scope: string, devices: readonly ReturnType<typeof sealDevice>[], i: number, from = sealSender(), msg = new Uint8Array([9])) => {
  const sealed = sealMulti(epochs, scope, devices.map((d) => d.publicKey), from, EnvelopeKind.senderKey, msg, ContentHint.retry);
  return spliceEnvelope(sealed.shared, sealed.entries[i]!);
};

const epochKey = (envelope: Uint8Array): Uint8Array => envelope.subarray(1 + 48, 1 + 48 + 32);

describe('the recipient’s cache of seal epoch openings', () => {
  it('opens every envelope of one epoch with one kept entry, and a new epoch with another', () => {
    const bob = sealDevice();
    const alice = sealSender();
    const epochs = new SealEpochs();
    const cache = new OpenCache();
    for (let n = 0; n < 5; n++) {
      const opened = unseal(envelopeFor(epochs, 'g1', [bob], 0, alice, new Uint8Array([n])), bob.x25519, undefined, cache);
      expect([...opened.message]).toEqual([n]);
      expect([...opened.senderDeviceKey]).toEqual([...alice.deviceKey]);
    }
    expect(cache.size).toBe(1);
    const other = envelopeFor(epochs, 'g2', [bob], 0, alice);
    expect(unseal(other, bob.x25519, undefined, cache).authenticated).toBe(true);
    expect(cache.size).toBe(2);
    expect(cache.find(epochKey(other), bob.x25519.publicKey)).toBeDefined();
  });

  it('keeps nothing for an envelope that does not open, so made-up epoch keys cannot push real ones out', () => {
    const bob = sealDevice();
    const cache = new OpenCache(1);
    const epochs = new SealEpochs();
    const good = envelopeFor(epochs, 'g', [bob], 0);
    unseal(good, bob.x25519, undefined, cache);
    const forged = envelopeFor(new SealEpochs(), 'g', [bob], 0);
    forged[40] = forged[40]! ^ 1; // the sender tag
    expect(() => unseal(forged, bob.x25519, undefined, cache)).toThrow(SealedSenderError);
    expect(cache.size).toBe(1);
    expect(cache.find(epochKey(good), bob.x25519.publicKey)).toBeDefined();
    expect(cache.find(epochKey(forged), bob.x25519.publicKey)).toBeUndefined();
  });

  it('still checks each envelope’s sender tag when its epoch is kept, and the kept entry survives the refusal', () => {
    const bob = sealDevice();
    const alice = sealSender();
    const epochs = new SealEpochs();
    const cache = new OpenCache();
    unseal(envelopeFor(epochs, 'g', [bob], 0, alice), bob.x25519, undefined, cache);
    const second = envelopeFor(epochs, 'g', [bob], 0, alice, new Uint8Array([2]));
    for (const at of [1, 20, 40, second.length - 1]) {
      const bad = second.slice();
      bad[at] = bad[at]! ^ 1;
      expect(() => unseal(bad, bob.x25519, undefined, cache), `byte ${at}`).toThrow(SealedSenderError);
    }
    expect([...unseal(second, bob.x25519, undefined, cache).message]).toEqual([2]);
    expect(cache.size).toBe(1);
  });

  it('keys entries by the own key too: one device’s opening does not open another device’s entry', () => {
    const bob = sealDevice();
    const carol = sealDevice();
    const epochs = new SealEpochs();
    const cache = new OpenCache();
    const sealed = sealMulti(epochs, 'g', [bob.publicKey, carol.publicKey], sealSender(), EnvelopeKind.senderKey, new Uint8Array([5]));
    unseal(spliceEnvelope(sealed.shared, sealed.entries[0]!), bob.x25519, undefined, cache);
    expect(() => unseal(spliceEnvelope(sealed.shared, sealed.entries[0]!), carol.x25519, undefined, cache)).toThrow(SealedSenderError);
    expect([...unseal(spliceEnvelope(sealed.shared, sealed.entries[1]!), carol.x25519, undefined, cache).message]).toEqual([5]);
    expect(cache.size).toBe(2);
  });

  it('zeroes the least recently used entry past its bound, and every entry when cleared', () => {
    const bob = sealDevice();
    const epochs = new SealEpochs();
    const cache = new OpenCache(2);
    const held: OpenEntry[] = [];
    const envelopes = ['a', 'b', 'c'].map((scope) => envelopeFor(epochs, scope, [bob], 0));
    for (const e of envelopes.slice(0, 2)) {
      unseal(e, bob.x25519, undefined, cache);
      held.push(cache.find(epochKey(e), bob.x25519.publicKey)!);
    }
    cache.find(epochKey(envelopes[0]!), bob.x25519.publicKey); // a is now the most recently used
    unseal(envelopes[2]!, bob.x25519, undefined, cache);
    expect(cache.size).toBe(2);
    expect(cache.find(epochKey(envelopes[1]!), bob.x25519.publicKey)).toBeUndefined();
    expect(held[1]!.a.every((b) => b === 0) && held[1]!.wrap.every((b) => b === 0)).toBe(true);
    expect(held[0]!.a.some((b) => b !== 0)).toBe(true);
    cache.clear();
    expect(cache.size).toBe(0);
    expect(held[0]!.a.every((b) => b === 0) && held[0]!.wrap.every((b) => b === 0)).toBe(true);
  });
});
