import { beforeAll, describe, expect, it } from 'vitest';
import sodium from 'libsodium-wrappers-sumo';
import { ARCHIVED_SESSION_TTL_MS, MAX_ARCHIVED_SESSIONS } from '../../../src/shared/constants';
import { ProtocolError } from '../../../src/main/protocol/errors';
import { bytes, makeDevice, text } from '../../support/protocolDevice';

beforeAll(async () => {
  await sodium.ready;
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(e).toBeInstanceOf(ProtocolError);
  return (e as ProtocolError).code;
}

describe('session lifecycle', () => {
  it('drops archived states after ARCHIVED_SESSION_TTL_MS, so very late messages on them fail', async () => {
    let now = Date.UTC(2026, 10, 23);
    const alice = await makeDevice('a', () => now);
    const bob = await makeDevice('b', () => now);
    await alice.cipher.processPreKeyBundle(bob.address, bob.bundle());
    await bob.cipher.decrypt(alice.address, await alice.cipher.encrypt(bob.address, bytes('one')));
    await alice.cipher.decrypt(bob.address, await bob.cipher.encrypt(alice.address, bytes('reply')));
    const late = await alice.cipher.encrypt(bob.address, bytes('late'));
    expect(late[0]).toBe(0x01);
    await alice.cipher.processPreKeyBundle(bob.address, bob.bundle());
    await bob.cipher.decrypt(alice.address, await alice.cipher.encrypt(bob.address, bytes('fresh session')));
    now += ARCHIVED_SESSION_TTL_MS + 1;
    await bob.cipher.decrypt(alice.address, await alice.cipher.encrypt(bob.address, bytes('a month on')));
    expect((await bob.cipher.health(alice.address))?.archivedStates).toBe(0);
    expect(await codeOf(bob.cipher.decrypt(alice.address, late))).toBe('PROTOCOL_NO_SESSION');
  });

  it('keeps at most MAX_ARCHIVED_SESSIONS archived states', async () => {
    const alice = await makeDevice('a');
    const bob = await makeDevice('b');
    for (let i = 0; i < MAX_ARCHIVED_SESSIONS + 3; i++) await alice.cipher.processPreKeyBundle(bob.address, bob.bundle({ oneTimeEc: false }));
    expect((await alice.cipher.health(bob.address))?.archivedStates).toBe(MAX_ARCHIVED_SESSIONS);
  });

  it('refuses a replayed initial message even after its session state was dropped', async () => {
    let now = Date.UTC(2026, 10, 23);
    const alice = await makeDevice('a', () => now);
    const bob = await makeDevice('b', () => now);
    // No one-time prekey: only the signed and last-resort keys, which stay usable.
    await alice.cipher.processPreKeyBundle(bob.address, bob.bundle({ oneTimeEc: false }));
    const first = await alice.cipher.encrypt(bob.address, bytes('only once'));
    expect(text(await bob.cipher.decrypt(alice.address, first))).toBe('only once');
    await alice.cipher.processPreKeyBundle(bob.address, bob.bundle({ oneTimeEc: false }));
    await bob.cipher.decrypt(alice.address, await alice.cipher.encrypt(bob.address, bytes('second session')));
    now += ARCHIVED_SESSION_TTL_MS + 1;
    await bob.cipher.decrypt(alice.address, await alice.cipher.encrypt(bob.address, bytes('later')));
    expect((await bob.cipher.health(alice.address))?.archivedStates).toBe(0);
    const before = await bob.stores.sessions.loadSession(alice.address);
    expect(await codeOf(bob.cipher.decrypt(alice.address, first))).toBe('PROTOCOL_DUPLICATE');
    expect(await bob.stores.sessions.loadSession(alice.address)).toEqual(before);
  });
});
