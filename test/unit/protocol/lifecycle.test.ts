import { beforeAll, describe, expect, it } from 'vitest';
import sodium from 'libsodium-wrappers-sumo';
import { ARCHIVED_SESSION_TTL_MS, MAX_ARCHIVED_SESSIONS } from '../../../src/shared/constants';
import { ProtocolError } from '../../../src/main/protocol/errors';
import { bytes, makeDevice, text, thrown } from '../../support/protocolDevice';

beforeAll(async () => {
  await sodium.ready;
});

function codeOf(f: () => unknown): string {
  const e = thrown(f);
  expect(e).toBeInstanceOf(ProtocolError);
  return (e as ProtocolError).code;
}

describe('session lifecycle', () => {
  it('drops archived states after ARCHIVED_SESSION_TTL_MS, so very late messages on them fail', async () => {
    let now = Date.UTC(2026, 10, 23);
    const alice = await makeDevice('a', () => now);
    const bob = await makeDevice('b', () => now);
    alice.startSession(bob.address, bob.bundle());
    bob.decrypt(alice.address, alice.encrypt(bob.address, bytes('one')));
    alice.decrypt(bob.address, bob.encrypt(alice.address, bytes('reply')));
    const late = alice.encrypt(bob.address, bytes('late'));
    expect(late[0]).toBe(0x01);
    alice.startSession(bob.address, bob.bundle());
    bob.decrypt(alice.address, alice.encrypt(bob.address, bytes('fresh session')));
    now += ARCHIVED_SESSION_TTL_MS + 1;
    bob.decrypt(alice.address, alice.encrypt(bob.address, bytes('a month on')));
    expect((bob.health(alice.address))?.archivedStates).toBe(0);
    expect(codeOf(() => bob.decrypt(alice.address, late))).toBe('PROTOCOL_NO_SESSION');
  });

  it('keeps at most MAX_ARCHIVED_SESSIONS archived states', async () => {
    const alice = await makeDevice('a');
    const bob = await makeDevice('b');
    for (let i = 0; i < MAX_ARCHIVED_SESSIONS + 3; i++) alice.startSession(bob.address, bob.bundle({ oneTimeEc: false }));
    expect((alice.health(bob.address))?.archivedStates).toBe(MAX_ARCHIVED_SESSIONS);
  });

  it('refuses a replayed initial message even after its session state was dropped', async () => {
    let now = Date.UTC(2026, 10, 23);
    const alice = await makeDevice('a', () => now);
    const bob = await makeDevice('b', () => now);
    // No one-time prekey: only the signed and last-resort keys, which stay usable.
    alice.startSession(bob.address, bob.bundle({ oneTimeEc: false }));
    const first = alice.encrypt(bob.address, bytes('only once'));
    expect(text(bob.decrypt(alice.address, first))).toBe('only once');
    alice.startSession(bob.address, bob.bundle({ oneTimeEc: false }));
    bob.decrypt(alice.address, alice.encrypt(bob.address, bytes('second session')));
    now += ARCHIVED_SESSION_TTL_MS + 1;
    bob.decrypt(alice.address, alice.encrypt(bob.address, bytes('later')));
    expect((bob.health(alice.address))?.archivedStates).toBe(0);
    const before = bob.store.loadSessionSync(alice.address)?.slice();
    expect(codeOf(() => bob.decrypt(alice.address, first))).toBe('PROTOCOL_DUPLICATE');
    expect(bob.store.loadSessionSync(alice.address)).toEqual(before);
  });
});
