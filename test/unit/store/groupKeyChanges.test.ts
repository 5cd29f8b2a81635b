/** The key-change rows `parley receive` reads from its cursor: every group's, from a time on, in one order, a page at a time. */
import { describe, expect, it } from 'vitest';
import { STORE_MAX_PAGE_SIZE } from '../../../src/shared/constants';
import { rawKeyStore } from '../../support/storeFixture';
import { keyId } from '../backup/seed';

describe('group key changes since a time', () => {
  it('lists every group’s changes accepted at or after the time, oldest first, ties by group, account and new key', async () => {
    const { store } = await rawKeyStore();
    const [g1, g2, a, b, n1, n2] = [keyId(), keyId(), keyId(), keyId(), keyId(), keyId()].sort();
    for (const id of [g2!, g1!]) store.groups.put({ id, genesis: 'g', masterKey: new Uint8Array(32), status: 'member', rotate: false }, 1);
    store.groups.addKeyChange(g2!, a!, n1!, 200);
    store.groups.addKeyChange(g1!, b!, n2!, 200);
    store.groups.addKeyChange(g1!, a!, n1!, 200);
    store.groups.addKeyChange(g1!, b!, n1!, 100);
    expect(store.groups.keyChangesSince(0, 10)).toEqual([
      { groupId: g1, accountId: b, newAccountId: n1, at: 100 },
      { groupId: g1, accountId: a, newAccountId: n1, at: 200 },
      { groupId: g1, accountId: b, newAccountId: n2, at: 200 },
      { groupId: g2, accountId: a, newAccountId: n1, at: 200 },
    ]);
    expect(store.groups.keyChangesSince(101, 2).map((k) => [k.groupId, k.accountId])).toEqual([[g1, a], [g1, b]]);
    expect(store.groups.keyChangesSince(201, 10)).toEqual([]);
  });

  it('refuses a page size outside 1 to the store’s page limit', async () => {
    const { store } = await rawKeyStore();
    expect(() => store.groups.keyChangesSince(0, 0)).toThrow(expect.objectContaining({ code: 'STORE_BAD_INPUT' }));
    expect(() => store.groups.keyChangesSince(0, STORE_MAX_PAGE_SIZE + 1)).toThrow(expect.objectContaining({ code: 'STORE_BAD_INPUT' }));
  });
});
