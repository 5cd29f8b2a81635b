/**
 * A group too large for one state update (src/main/groups/service.ts,
 * sending.ts): 420 members with 64-character names make a create and adds
 * of GROUP_VERSION_MAX_MEMBERS each, whose versions go to a new member in
 * several groupUpdate parts, each under the relay's envelope limit. Ben,
 * named only in a late part, joins and reads the group; a removal after it
 * reaches him as a delta. The other members are relay accounts made
 * in-process (test/support/relayMembers.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUP_UPDATE_MAX_BYTES, GROUP_VERSION_MAX_MEMBERS } from '../../src/shared/constants';
import { createUser, eventually, type TestUser } from '../support/chatHarness';
import { addAsContacts, relayAccounts } from '../support/relayMembers';
import { startTestRelay } from '../support/relayHarness';

const OTHERS = 420;
const longName = (i: number): string => `Member ${String(i).padStart(4, '0')} ${'x'.repeat(52)}`;

let relay: Awaited<ReturnType<typeof startTestRelay>>;
let ann: TestUser;
let ben: TestUser;
let others: string[] = [];

beforeAll(async () => {
  // Abuse limits lifted as for bench:group: one admin writes to 420 accounts in a burst here.
  relay = await startTestRelay({ limits: { sendBucketSize: 1e9, sendRefillPerSec: 1e9, frameRatePerSec: 1e6, frameBurst: 1e6, maxConnectionsPerIp: 100_000, bundleBucketSize: 1e6, bundleRequesterBucketSize: 1e6 } });
  ann = await createUser('Ann Large', relay.url);
  ben = await createUser('Ben Large', relay.url);
  others = await relayAccounts(relay.url, OTHERS);
  await addAsContacts(ann.messenger, relay.url, others, longName);
  await ann.messenger.contacts.add(ben.messenger.account.invite(), longName(OTHERS));
}, 240_000);

afterAll(async () => {
  for (const u of [ann, ben]) await u?.messenger.close().catch(() => undefined);
  await relay?.close();
});

describe('a group larger than one state update', () => {
  it('reaches a member named only in a late part of the update, who then reads the group and a removal after it', async () => {
    const g = await ann.messenger.groups.create('Fleet', [...others, ben.messenger.keys.accountId]);
    expect(g.members).toHaveLength(OTHERS + 2);
    const versions = ann.messenger.store.groups.versions(g.id);
    expect(versions.length).toBe(Math.ceil((OTHERS + 2) / GROUP_VERSION_MAX_MEMBERS));
    expect(versions.reduce((n, v) => n + v.length, 0)).toBeGreaterThan(GROUP_UPDATE_MAX_BYTES);
    await eventually(() => ben.messenger.groups.list().find((x) => x.id === g.id)?.members.length === OTHERS + 2, 60_000);
    expect(ben.messenger.groups.get(g.id).status).toBe('member');
    const m = await ann.messenger.groups.sendText(g.id, 'All hands');
    await eventually(() => ben.messenger.store.messages.get(m.id)?.body === 'All hands', 60_000);
    await ann.messenger.groups.remove(g.id, [others[0]!]);
    await eventually(() => ben.messenger.groups.get(g.id).members.length === OTHERS + 1, 60_000);
    expect(ben.messenger.groups.get(g.id).members.some((x) => x.accountId === others[0])).toBe(false);
  }, 240_000);
});
