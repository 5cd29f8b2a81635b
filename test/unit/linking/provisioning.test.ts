import { beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import sodium from 'libsodium-wrappers-sumo';
import { ProvisioningError, ProvisioningReceiver, startProvisioning } from '../../../src/main/linking/provisioningCipher';
import { decodeLinkCode, encodeLinkCode, LinkCodeError } from '../../../src/shared/wire/linkCode';

beforeAll(async () => {
  await sodium.ready;
});

describe('link codes', () => {
  it('round-trip the provisioning id, key and relay', () => {
    const link = { provisioningId: new Uint8Array(randomBytes(16)), ephemeralKey: new Uint8Array(randomBytes(32)), relayUrl: 'ws://127.0.0.1:8787' };
    const back = decodeLinkCode(encodeLinkCode(link));
    expect(back).toEqual(link);
  });

  it('reject typos and garbage with typed errors', () => {
    const code = encodeLinkCode({ provisioningId: new Uint8Array(16), ephemeralKey: new Uint8Array(32).fill(7), relayUrl: 'ws://x:1' });
    const typo = code.slice(0, 30) + (code[30] === 'A' ? 'B' : 'A') + code.slice(31);
    expect(() => decodeLinkCode(typo)).toThrow(expect.objectContaining({ code: 'LINK_CHECKSUM' }));
    for (const bad of ['', 'parleylink1', 'parley1abc', code.slice(0, 40)]) expect(() => decodeLinkCode(bad)).toThrow(LinkCodeError);
  });
});

describe('provisioning encryption', () => {
  function pair() {
    const receiver = new ProvisioningReceiver();
    const { senderEphemeral, key } = startProvisioning(receiver.publicKey, receiver.provisioningId);
    return { receiver, sender: key, rx: receiver.open(senderEphemeral) };
  }

  it('delivers every chunk to the device that showed the code, in any order (resumable)', () => {
    const { sender, rx } = pair();
    const chunks = [0, 1, 2].map((i) => new Uint8Array(randomBytes(100 + i)));
    const sealed = chunks.map((c, i) => sender.sealChunk(i, 3, c));
    for (const i of [2, 0, 1]) expect([...rx.openChunk(i, 3, sealed[i]!)]).toEqual([...chunks[i]!]);
  });

  it('fails cleanly when a relay alters, reorders, truncates or substitutes keys', () => {
    const { receiver, sender, rx } = pair();
    const sealed = sender.sealChunk(0, 2, new Uint8Array([1, 2, 3]));
    const flipped = sealed.slice();
    flipped[5]! ^= 1;
    expect(() => rx.openChunk(0, 2, flipped)).toThrow(ProvisioningError);
    expect(() => rx.openChunk(1, 2, sealed)).toThrow(ProvisioningError);
    expect(() => rx.openChunk(0, 1, sealed)).toThrow(ProvisioningError);
    // A relay that swaps in its own ephemeral key derives a different key.
    const mitm = startProvisioning(new ProvisioningReceiver().publicKey, receiver.provisioningId);
    expect(() => receiver.open(mitm.senderEphemeral).openChunk(0, 2, sealed)).toThrow(ProvisioningError);
    expect(JSON.stringify({ rx })).not.toMatch(/[0-9a-f]{32}/);
  });
});
