import { beforeAll, describe, expect, it } from 'vitest';
import sodium from 'libsodium-wrappers-sumo';
import { makeDevice, bytes, text, type TestDevice } from '../../support/protocolDevice';
import { ProtocolError } from '../../../src/main/protocol/errors';
import { NORMAL_OVERHEAD, PREAMBLE_BYTES } from '../../../src/main/protocol/message';

beforeAll(async () => {
  await sodium.ready;
});

async function pair(opts?: { oneTimeKem?: boolean }): Promise<{ alice: TestDevice; bob: TestDevice }> {
  const alice = await makeDevice('alice');
  const bob = await makeDevice('bob');
  await alice.cipher.processPreKeyBundle(bob.address, bob.bundle(opts));
  return { alice, bob };
}

async function rejects(p: Promise<unknown>, code: string): Promise<void> {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(e).toBeInstanceOf(ProtocolError);
  expect((e as ProtocolError).code).toBe(code);
}

describe('session setup and messaging', () => {
  it('delivers messages in order both ways after a PQXDH setup', async () => {
    const { alice, bob } = await pair();
    for (let i = 0; i < 3; i++) {
      const c = await alice.cipher.encrypt(bob.address, bytes(`a${i}`));
      expect(text(await bob.cipher.decrypt(alice.address, c))).toBe(`a${i}`);
    }
    for (let i = 0; i < 3; i++) {
      const c = await bob.cipher.encrypt(alice.address, bytes(`b${i}`));
      expect(text(await alice.cipher.decrypt(bob.address, c))).toBe(`b${i}`);
    }
    const c = await alice.cipher.encrypt(bob.address, bytes('after reply'));
    expect(c.length).toBe(NORMAL_OVERHEAD + 'after reply'.length);
    expect(text(await bob.cipher.decrypt(alice.address, c))).toBe('after reply');
  });

  it('prefixes the initiator’s messages with the PQXDH preamble until a reply arrives', async () => {
    const { alice, bob } = await pair();
    const first = await alice.cipher.encrypt(bob.address, bytes('x'));
    expect(first[0]).toBe(0x02);
    expect(first.length).toBe(PREAMBLE_BYTES + NORMAL_OVERHEAD + 1);
    expect((await alice.cipher.health(bob.address))?.awaitingReply).toBe(true);
    await bob.cipher.decrypt(alice.address, first);
    await alice.cipher.decrypt(bob.address, await bob.cipher.encrypt(alice.address, bytes('y')));
    expect((await alice.cipher.encrypt(bob.address, bytes('z')))[0]).toBe(0x01);
  });

  it('deletes the one-time prekeys only after the first message decrypts', async () => {
    const { alice, bob } = await pair({ oneTimeKem: true });
    expect(bob.stores.keys.preKeys.size).toBe(1);
    expect(bob.stores.keys.kyber.size).toBe(2);
    const first = await alice.cipher.encrypt(bob.address, bytes('hello'));
    const broken = first.slice();
    broken[broken.length - 1]! ^= 1;
    await rejects(bob.cipher.decrypt(alice.address, broken), 'PROTOCOL_BAD_MAC');
    expect(bob.stores.keys.preKeys.size).toBe(1);
    expect(bob.stores.keys.kyber.size).toBe(2);
    await bob.cipher.decrypt(alice.address, first);
    expect(bob.stores.keys.preKeys.size).toBe(0);
    expect(bob.stores.keys.kyber.size).toBe(1); // the last-resort key stays
  });

  it('does not process a repeated initial message twice', async () => {
    const { alice, bob } = await pair();
    const first = await alice.cipher.encrypt(bob.address, bytes('once'));
    await bob.cipher.decrypt(alice.address, first);
    const before = await bob.stores.sessions.loadSession(alice.address);
    await rejects(bob.cipher.decrypt(alice.address, first), 'PROTOCOL_DUPLICATE');
    expect(await bob.stores.sessions.loadSession(alice.address)).toEqual(before);
  });
});
