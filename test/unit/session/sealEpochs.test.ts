import { beforeAll, describe, expect, it } from 'vitest';
import sodium from 'libsodium-wrappers-sumo';
import { sealDevice, sealSender } from '../../support/sealKeys';
import { EnvelopeKind, SealedSenderError, unseal } from '../../../src/main/session/sealedSender';
import { sealMulti } from '../../../src/main/session/multiSeal';
import { SealEpochs } from '../../../src/main/session/sealEpochs';
import { SEAL_EPOCH_MAX_AGE_MS, SEAL_EPOCH_MAX_SCOPES, SEAL_EPOCH_MAX_UPLOADS } from '../../../src/shared/constants';
import { toBase64Url } from '../../../src/shared/wire/encoding';
import { spliceEnvelope } from '../../../src/shared/wire/multiSend';

beforeAll(async () => {
  await sodium.ready;
});

type Device = ReturnType<typeof sealDevice>;
const epochOf = (shared: Uint8Array): string => toBase64Url(shared.subarray(1, 33));
const saltOf = (shared: Uint8Array): string => toBase64Url(shared.subarray(33, 49));
const clock = (start = 1_000_000) => {
  const c = { t: start, now: () => c.t };
  return c;
};
const send = (epochs: SealEpochs, to: readonly Device[], sender: ReturnType<typeof sealSender>, byte = 1, scope = 'g') =>
  sealMulti(epochs, scope, to.map((d) => d.publicKey), sender, EnvelopeKind.senderKey, new Uint8Array([byte]));

describe('seal epochs (multi-recipient version 4)', () => {
  it('keeps one ephemeral key across uploads, and every recipient opens every upload of the epoch', () => {
    const epochs = new SealEpochs();
    const alice = sealSender();
    const group = [sealDevice(), sealDevice(), sealDevice()];
    const uploads = [1, 2, 3, 4].map((b) => send(epochs, group, alice, b));
    expect(new Set(uploads.map((u) => epochOf(u.shared))).size).toBe(1);
    uploads.forEach((u, k) =>
      group.forEach((d, i) => {
        const opened = unseal(spliceEnvelope(u.shared, u.entries[i]!), d.x25519);
        expect(opened.authenticated).toBe(true);
        expect([...opened.message]).toEqual([k + 1]);
        expect([...opened.senderDeviceKey]).toEqual([...alice.deviceKey]);
      }),
    );
  });

  it('refuses any changed byte of a warm upload’s envelope, and an entry from another upload of the same epoch', () => {
    const epochs = new SealEpochs();
    const alice = sealSender();
    const bob = sealDevice();
    const first = send(epochs, [bob], alice, 1);
    const warm = send(epochs, [bob], alice, 2);
    expect(epochOf(warm.shared)).toBe(epochOf(first.shared));
    const envelope = spliceEnvelope(warm.shared, warm.entries[0]!);
    for (let i = 0; i < envelope.length; i++) {
      const bad = envelope.slice();
      bad[i] = bad[i]! ^ 0x01;
      expect(() => unseal(bad, bob.x25519), `byte ${i}`).toThrow(SealedSenderError);
    }
    expect(() => unseal(spliceEnvelope(warm.shared, first.entries[0]!), bob.x25519)).toThrow(SealedSenderError);
  });

  it('gives a device dropped from the set nothing it can open in the next upload, though it opened the epoch’s earlier ones', () => {
    const epochs = new SealEpochs();
    const alice = sealSender();
    const [ann, ben, cat] = [sealDevice(), sealDevice(), sealDevice()];
    const before = [send(epochs, [ann!, ben!, cat!], alice, 1), send(epochs, [ann!, ben!, cat!], alice, 2)];
    for (const u of before) expect([...unseal(spliceEnvelope(u.shared, u.entries[2]!), cat!.x25519).message]).toBeTruthy();
    const after = send(epochs, [ann!, ben!], alice, 3);
    // A new epoch: Cat knows the old E (it could recognise envelopes under it), not the new one.
    expect(epochOf(after.shared)).not.toBe(epochOf(before[0]!.shared));
    expect(unseal(spliceEnvelope(after.shared, after.entries[0]!), ann!.x25519).message).toEqual(new Uint8Array([3]));
    expect(unseal(spliceEnvelope(after.shared, after.entries[1]!), ben!.x25519).message).toEqual(new Uint8Array([3]));
    // Nothing Cat holds or sees opens it: the others' entries, nor its own key parts from the earlier uploads.
    const tries = [...after.entries, ...before.map((u) => u.entries[2]!)];
    for (const entry of tries) expect(() => unseal(spliceEnvelope(after.shared, entry), cat!.x25519)).toThrow(SealedSenderError);
    // A device added later joins the epoch without a new key.
    const dan = sealDevice();
    const grown = send(epochs, [ann!, ben!, dan], alice, 4);
    expect(epochOf(grown.shared)).toBe(epochOf(after.shared));
    expect(unseal(spliceEnvelope(grown.shared, grown.entries[2]!), dan.x25519).message).toEqual(new Uint8Array([4]));
  });

  it(`starts a new epoch after ${SEAL_EPOCH_MAX_UPLOADS} uploads, after ${SEAL_EPOCH_MAX_AGE_MS} ms, when the clock goes back, and for another sending device`, () => {
    const c = clock();
    const epochs = new SealEpochs(c.now);
    const alice = sealSender();
    const bob = sealDevice();
    const first = epochOf(send(epochs, [bob], alice).shared);
    for (let i = 1; i < SEAL_EPOCH_MAX_UPLOADS; i++) expect(epochOf(send(epochs, [bob], alice).shared)).toBe(first);
    const second = send(epochs, [bob], alice);
    expect(epochOf(second.shared)).not.toBe(first);
    expect(unseal(spliceEnvelope(second.shared, second.entries[0]!), bob.x25519).message).toEqual(new Uint8Array([1]));

    c.t += SEAL_EPOCH_MAX_AGE_MS - 1;
    expect(epochOf(send(epochs, [bob], alice).shared)).toBe(epochOf(second.shared));
    c.t += 1;
    const third = epochOf(send(epochs, [bob], alice).shared);
    expect(third).not.toBe(epochOf(second.shared));
    c.t -= 1;
    const fourth = epochOf(send(epochs, [bob], alice).shared);
    expect(fourth).not.toBe(third);
    expect(epochOf(send(epochs, [bob], sealSender()).shared)).not.toBe(fourth);
  });

  it('never repeats a salt or an epoch key over thousands of uploads, and never repeats a wrapped key for a recipient', () => {
    const epochs = new SealEpochs();
    const alice = sealSender();
    const bob = sealDevice();
    const salts = new Set<string>();
    const epochKeys = new Set<string>();
    const wraps = new Set<string>();
    const uploads = 2 * SEAL_EPOCH_MAX_UPLOADS + 500;
    for (let i = 0; i < uploads; i++) {
      const u = send(epochs, [bob], alice, i & 0xff);
      salts.add(saltOf(u.shared));
      epochKeys.add(epochOf(u.shared));
      wraps.add(toBase64Url(u.entries[0]!.subarray(32, 64)));
    }
    expect(salts.size).toBe(uploads);
    expect(wraps.size).toBe(uploads);
    expect(epochKeys.size).toBe(3);
  });

  it('zeroes every cached entry key when forgotten, and the next upload opens a new epoch', () => {
    const epochs = new SealEpochs();
    const alice = sealSender();
    const group = [sealDevice(), sealDevice()];
    const keys = epochs.upload('g', alice, group.map((d) => d.publicKey));
    const before = send(epochs, group, alice);
    expect(keys.keys.every((k) => k.wrap.some((b) => b !== 0) && k.auth.some((b) => b !== 0))).toBe(true);
    epochs.forget();
    expect(epochs.size).toBe(0);
    expect(keys.keys.every((k) => k.wrap.every((b) => b === 0) && k.auth.every((b) => b === 0))).toBe(true);
    const after = send(epochs, group, alice);
    expect(epochOf(after.shared)).not.toBe(epochOf(before.shared));
    expect(unseal(spliceEnvelope(after.shared, after.entries[1]!), group[1]!.x25519).message).toEqual(new Uint8Array([1]));
  });

  it(`keeps one epoch per scope, at most ${SEAL_EPOCH_MAX_SCOPES}, zeroing the least recently used`, () => {
    const epochs = new SealEpochs();
    const alice = sealSender();
    const bob = sealDevice();
    const first = epochs.upload('scope-0', alice, [bob.publicKey]);
    const firstE = toBase64Url(first.E);
    const otherE = epochOf(send(epochs, [bob], alice, 1, 'other').shared);
    expect(otherE).not.toBe(firstE);
    for (let i = 1; i < SEAL_EPOCH_MAX_SCOPES - 1; i++) epochs.upload(`scope-${i}`, alice, [bob.publicKey]);
    expect(epochs.size).toBe(SEAL_EPOCH_MAX_SCOPES);
    expect(toBase64Url(epochs.upload('scope-0', alice, [bob.publicKey]).E)).toBe(firstE); // used again: now the most recent
    epochs.upload('one-more', alice, [bob.publicKey]);
    expect(epochs.size).toBe(SEAL_EPOCH_MAX_SCOPES);
    expect(toBase64Url(epochs.upload('scope-0', alice, [bob.publicKey]).E)).toBe(firstE);
    expect(first.keys[0]!.wrap.some((b) => b !== 0)).toBe(true);
    // 'other' was the least recently used: zeroed and replaced.
    expect(epochOf(send(epochs, [bob], alice, 1, 'other').shared)).not.toBe(otherE);
  });
});
