import { describe, expect, it } from 'vitest';
import { generateIdentityKey, generateOneTimePreKeys } from '../../../src/main/protocol/keys';
import { PREKEY_LEDGER_SETTING, type PrekeyLedgerState } from '../../../src/main/store';
import { rawKeyStore, reopen } from '../../support/storeFixture';

const state: PrekeyLedgerState = {
  next: { ec: 101, kem: 1100, signed: 2 },
  signed: { id: 1, createdAt: 1 },
  lastResort: { id: 1, createdAt: 1 },
  pending: null,
  retired: [],
};

describe('prekey ledger', () => {
  it('keeps the ledger and the sealed prekeys it commits across a reopen', async () => {
    const { store, dbPath, key } = await rawKeyStore();
    const [k] = generateOneTimePreKeys(generateIdentityKey(), 101, 1);
    store.prekeyLedger.commit({ ...state, next: { ...state.next, ec: 102 } }, [{ table: 'ec', id: 101, record: k!.serialize() }]);
    store.close();
    const s = reopen(dbPath, key);
    expect(s.prekeyLedger.load()?.next.ec).toBe(102);
    expect(s.protocol.loadPreKeySync(101)).toEqual(k!.serialize());
    expect(s.prekeyLedger.maxId('ec')).toBe(101);
    s.close();
  });

  it('writes nothing when the ledger fails its schema: no key without its counter', async () => {
    const { store } = await rawKeyStore();
    const [k] = generateOneTimePreKeys(generateIdentityKey(), 5, 1);
    const bad = { ...state, next: { ...state.next, ec: 0 } };
    expect(() => store.prekeyLedger.commit(bad, [{ table: 'ec', id: 5, record: k!.serialize() }])).toThrow();
    expect(store.protocol.loadPreKeySync(5)).toBeNull();
    expect(store.prekeyLedger.load()).toBeNull();
    store.close();
  });

  it('refuses a malformed ledger row with STORE_CORRUPT', async () => {
    const { store } = await rawKeyStore();
    store.directory.setSetting(PREKEY_LEDGER_SETTING, '{"next":{}}');
    expect(() => store.prekeyLedger.load()).toThrow(expect.objectContaining({ code: 'STORE_CORRUPT' }));
    store.directory.setSetting(PREKEY_LEDGER_SETTING, 'not json');
    expect(() => store.prekeyLedger.load()).toThrow(expect.objectContaining({ code: 'STORE_CORRUPT' }));
    store.close();
  });
});
