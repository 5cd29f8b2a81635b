/**
 * The membership events `receive` and the daemon report (src/cli/groupCursor.ts)
 * when a fork winner comes late: the winning branch's events above the fork
 * point are reported once, none repeated, none skipped, also after a restart
 * (a new cursor read from the profile's setting). Real signed versions in a
 * real profile's SQLite store.
 */
import sodium from 'libsodium-wrappers-sumo';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GroupCursor } from '../../src/cli/groupCursor';
import { applyVersion, signVersion, versionHash, type GroupState, type GroupVersion } from '../../src/main/groups/protocol/groupState';
import { toBase64Url } from '../../src/shared/wire/encoding';
import { startTestRelay } from '../support/relayHarness';
import { createUser, type TestUser } from '../support/chatHarness';

interface Person { id: string; secret: Uint8Array }
let relay: Awaited<ReturnType<typeof startTestRelay>>;
let dai: TestUser;
let ada: Person;
let bob: Person;
let cy: Person;

beforeAll(async () => {
  await sodium.ready;
  relay = await startTestRelay();
  dai = await createUser('Dai Fork', relay.url);
  const mk = (): Person => {
    const kp = sodium.crypto_sign_keypair();
    return { id: toBase64Url(kp.publicKey), secret: kp.privateKey };
  };
  [ada, bob, cy] = [mk(), mk(), mk()];
}, 30_000);

afterAll(async () => {
  await dai?.messenger.close();
  await relay?.close();
});

describe('group event positions and a late fork winner', () => {
  it('reports the winning branch above the fork point once when the reported head ends up on the losing branch', () => {
    const store = dai.messenger.store;
    const gid = toBase64Url(sodium.randombytes_buf(32));
    let at = 1_700_000_000_000;
    const put = (v: GroupVersion) => store.groups.addVersion(gid, versionHash(v), v.height, JSON.stringify(v), (at += 1000));
    const genesis = signVersion(null, gid, ada.id, ada.secret, { type: 'create', name: 'Fork Club', members: [{ accountId: ada.id, role: 'admin', name: 'Ada' }, { accountId: bob.id, role: 'admin', name: 'Bob' }, { accountId: dai.messenger.keys.accountId, role: 'member', name: 'Dai' }], timer: null });
    const s0: GroupState = applyVersion(null, genesis);
    store.groups.put({ id: gid, genesis: versionHash(genesis), masterKey: new Uint8Array(32), status: 'member', rotate: false }, at);
    put(genesis);
    // Two admins change the group at once: the lower hash wins at every device.
    const [winner, loser] = [signVersion(s0, gid, ada.id, ada.secret, { type: 'rename', name: 'Ada’s Club' }), signVersion(s0, gid, bob.id, bob.secret, { type: 'rename', name: 'Bob’s Club' })].sort((a, b) => (versionHash(a) < versionHash(b) ? -1 : 1)) as [GroupVersion, GroupVersion];
    const onLoser = signVersion(applyVersion(s0, loser), gid, loser.author, loser.author === ada.id ? ada.secret : bob.secret, { type: 'add', members: [{ accountId: cy.id, role: 'member', name: 'Cy' }] });
    put(loser);
    put(onLoser);

    const cursor = new GroupCursor(dai.messenger, false);
    expect(cursor.next().map((l) => l.action)).toEqual(['created', 'renamed', 'membersAdded']);
    cursor.commit();
    expect(cursor.next()).toEqual([]);

    // The winner arrives late: the chain is genesis → winner now; the reported head (height 3) is on the losing branch.
    put(winner);
    const lines = cursor.next();
    expect(lines).toEqual([{ type: 'group', group: { id: gid, name: winner.change.type === 'rename' ? winner.change.name : '' }, action: 'renamed', from: winner.author === ada.id ? 'Ada' : 'Bob', members: [], at: expect.any(Number) }]);
    cursor.commit();
    // A restart reads the position from the profile: nothing again; the next change on the winning branch once.
    expect(new GroupCursor(dai.messenger, true).next()).toEqual([]);
    const after = signVersion(applyVersion(s0, winner), gid, ada.id, ada.secret, { type: 'add', members: [{ accountId: cy.id, role: 'member', name: 'Cy' }] });
    put(after);
    const restarted = new GroupCursor(dai.messenger, true);
    expect(restarted.next().map((l) => [l.action, l.members])).toEqual([['membersAdded', ['Cy']]]);
    restarted.commit();
    expect(new GroupCursor(dai.messenger, true).next()).toEqual([]);
  });
});
