/**
 * The write-free API on a real SQLite file: a received message, its session
 * record and its prekey deletions commit in one transaction, or not at all.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sodium from 'libsodium-wrappers-sumo';
import { bundleFromKeys } from '../../../src/main/protocol/bundle';
import { ProtocolError } from '../../../src/main/protocol/errors';
import { generateIdentityKey, generateLastResortKemPreKey, generateOneTimePreKeys, generateSignedPreKey } from '../../../src/main/protocol/keys';
import { initiateSession } from '../../../src/main/protocol/session';
import { toBase64Url } from '../../../src/shared/wire/encoding';
import { SqliteDevice } from '../../support/protocolSqlite';
import { bytes, text } from '../../support/protocolDevice';

let dir = '';
const open: SqliteDevice[] = [];
beforeAll(async () => {
  await sodium.ready;
});
afterEach(() => {
  for (const d of open.splice(0)) d.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function devices() {
  dir = mkdtempSync(path.join(tmpdir(), 'parley-ratchet-'));
  const aliceId = generateIdentityKey();
  const bobId = generateIdentityKey();
  const alice = new SqliteDevice(path.join(dir, 'alice.db'), aliceId);
  const bob = new SqliteDevice(path.join(dir, 'bob.db'), bobId);
  open.push(alice, bob);
  const spk = generateSignedPreKey(bobId, 1);
  const kem = generateLastResortKemPreKey(bobId, 1);
  const [opk] = generateOneTimePreKeys(bobId, 1, 1);
  bob.storePreKey('signed', 1, spk.serialize());
  bob.storePreKey('kem', 1, kem.serialize());
  bob.storePreKey('oneTime', 1, opk!.serialize());
  const aliceAddr = { accountId: 'alice', deviceId: toBase64Url(aliceId.publicKey) };
  const bobAddr = { accountId: 'bob', deviceId: toBase64Url(bobId.publicKey) };
  alice.setSession(bobAddr, initiateSession(null, aliceId, bundleFromKeys(bobId.publicKey, spk, kem, opk)));
  return { alice, bob, aliceAddr, bobAddr };
}

const count = (d: SqliteDevice, table: string): number => (d.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

describe('one transaction per received message (real SQLite file)', () => {
  it('commits plaintext, session record and the used one-time prekey deletion together', () => {
    const { alice, bob, aliceAddr, bobAddr } = devices();
    const first = alice.send(bobAddr, bytes('hello over sqlite'));
    expect(text(bob.receive(aliceAddr, 'm1', first))).toBe('hello over sqlite');
    expect(bob.countPreKeys('oneTime')).toBe(0);
    expect(bob.countPreKeys('kem')).toBe(1);
    expect(count(bob, 'messages')).toBe(1);
    expect(bob.session(aliceAddr)).not.toBeNull();
  });

  it('changes no row when a decrypt fails', () => {
    const { alice, bob, aliceAddr, bobAddr } = devices();
    const first = alice.send(bobAddr, bytes('x'));
    const bad = first.slice();
    bad[bad.length - 3]! ^= 4;
    expect(() => bob.receive(aliceAddr, 'm1', bad)).toThrow(ProtocolError);
    expect([bob.session(aliceAddr), bob.countPreKeys('oneTime'), count(bob, 'messages')]).toEqual([null, 1, 0]);
    expect(text(bob.receive(aliceAddr, 'm1', first))).toBe('x');
  });

  it('rolls the ratchet back when the app’s own write fails, so the message is not lost', () => {
    const { alice, bob, aliceAddr, bobAddr } = devices();
    bob.receive(aliceAddr, 'm1', alice.send(bobAddr, bytes('first')));
    const second = alice.send(bobAddr, bytes('second'));
    const before = bob.session(aliceAddr);
    expect(() => bob.receive(aliceAddr, 'm1', second)).toThrow(/UNIQUE/u); // duplicate message id
    expect(bob.session(aliceAddr)).toEqual(before);
    expect(text(bob.receive(aliceAddr, 'm2', second))).toBe('second');
  });

  it('carries on after both databases are closed and reopened mid-conversation', () => {
    const { alice, bob, aliceAddr, bobAddr } = devices();
    bob.receive(aliceAddr, 'm1', alice.send(bobAddr, bytes('one')));
    const inFlight = alice.send(bobAddr, bytes('two'));
    const reopened = [new SqliteDevice(alice.db.name, alice.identity), new SqliteDevice(bob.db.name, bob.identity)] as const;
    alice.close();
    bob.close();
    open.splice(0, open.length, ...reopened);
    const [a2, b2] = reopened;
    expect(text(b2.receive(aliceAddr, 'm2', inFlight))).toBe('two');
    expect(text(a2.receive(bobAddr, 'r1', b2.send(aliceAddr, bytes('three'))))).toBe('three');
  });
});
