/** Signed group state: chain checks, authority, and fork choice that converges. */
import sodium from 'libsodium-wrappers-sumo';
import { beforeAll, describe, expect, it } from 'vitest';
import { toBase64Url } from '../../../src/shared/wire/encoding';
import { applyVersion, resolveChain, signVersion, versionHash, type GroupState, type GroupVersion } from '../../../src/main/groups/protocol/groupState';

interface Person { id: string; secret: Uint8Array }
let ada: Person;
let bob: Person;
let cy: Person;
const gid = toBase64Url(new Uint8Array(32).fill(3));

beforeAll(async () => {
  await sodium.ready;
  const mk = (): Person => {
    const kp = sodium.crypto_sign_keypair();
    return { id: toBase64Url(kp.publicKey), secret: kp.privateKey };
  };
  [ada, bob, cy] = [mk(), mk(), mk()];
});

function created(): { v: GroupVersion; s: GroupState } {
  const v = signVersion(null, gid, ada.id, ada.secret, { type: 'create', name: 'Lighthouse', members: [{ accountId: ada.id, role: 'admin', name: 'Ada' }, { accountId: bob.id, role: 'member', name: 'Bob' }], timer: null });
  return { v, s: applyVersion(null, v) };
}

describe('group state chain', () => {
  it('folds a chain of signed versions into name, members, roles and timer', () => {
    const { v, s } = created();
    const add = signVersion(s, gid, ada.id, ada.secret, { type: 'add', members: [{ accountId: cy.id, role: 'member', name: 'Cy' }] });
    const s2 = applyVersion(s, add);
    const timer = signVersion(s2, gid, ada.id, ada.secret, { type: 'timer', seconds: 60 });
    const { state, chain } = resolveChain(v, [add, timer]);
    expect(chain).toHaveLength(3);
    expect(state).toMatchObject({ name: 'Lighthouse', height: 3, timer: 60 });
    expect(state.members.map((m) => m.name)).toEqual(['Ada', 'Bob', 'Cy']);
  });

  it('refuses a change by a member who is not an admin, and a forged or altered version', () => {
    const { s } = created();
    expect(() => signVersion(s, gid, bob.id, bob.secret, { type: 'add', members: [{ accountId: cy.id, role: 'member', name: 'Cy' }] })).toThrow(expect.objectContaining({ code: 'GROUP_BAD_VERSION' }));
    const add = signVersion(s, gid, ada.id, ada.secret, { type: 'add', members: [{ accountId: cy.id, role: 'member', name: 'Cy' }] });
    expect(() => applyVersion(s, { ...add, change: { type: 'add', members: [{ accountId: toBase64Url(new Uint8Array(32).fill(9)), role: 'member', name: 'Mallory' }] } })).toThrow(expect.objectContaining({ code: 'GROUP_BAD_SIGNATURE' }));
    expect(() => applyVersion(s, { ...add, author: bob.id })).toThrow(expect.objectContaining({ code: 'GROUP_BAD_SIGNATURE' }));
  });

  it('refuses a replayed old version on top of a newer state', () => {
    const { v, s } = created();
    const add = signVersion(s, gid, ada.id, ada.secret, { type: 'add', members: [{ accountId: cy.id, role: 'member', name: 'Cy' }] });
    const s2 = applyVersion(s, add);
    expect(() => applyVersion(s2, add)).toThrow(expect.objectContaining({ code: 'GROUP_BAD_VERSION' }));
    expect(() => applyVersion(s2, v)).toThrow(expect.objectContaining({ code: 'GROUP_BAD_VERSION' }));
    expect(resolveChain(v, [add, add, v]).state.head).toBe(s2.head);
  });

  it('lets a plain member leave on their own, and keeps an admin when the last one leaves', () => {
    const { s } = created();
    const left = applyVersion(s, signVersion(s, gid, bob.id, bob.secret, { type: 'leave' }));
    expect(left.members.map((m) => m.accountId)).toEqual([ada.id]);
    const adaLeaves = applyVersion(s, signVersion(s, gid, ada.id, ada.secret, { type: 'leave' }));
    expect(adaLeaves.members).toEqual([{ accountId: bob.id, role: 'admin', name: 'Bob' }]);
  });

  it('resolves two concurrent changes the same way whatever order they arrive in', () => {
    const { v, s } = created();
    const promote = signVersion(s, gid, ada.id, ada.secret, { type: 'admin', accountId: bob.id });
    const mid = applyVersion(s, promote);
    const byAda = signVersion(mid, gid, ada.id, ada.secret, { type: 'rename', name: 'Ada’s name' });
    const byBob = signVersion(mid, gid, bob.id, bob.secret, { type: 'add', members: [{ accountId: cy.id, role: 'member', name: 'Cy' }] });
    const one = resolveChain(v, [promote, byAda, byBob]);
    const two = resolveChain(v, [byBob, promote, byAda]);
    expect(one.state).toEqual(two.state);
    const winner = versionHash(byAda) < versionHash(byBob) ? byAda : byBob;
    expect(one.chain.at(-1)).toEqual(winner);
  });
});
