/**
 * The group calls as a compromised renderer would make them: every bad
 * payload gets IPC_BAD_REQUEST before any handler runs, calls from a foreign
 * frame get IPC_FORBIDDEN_SENDER, and a well-formed call without an open
 * account gets CHAT_LOCKED. (The UI test checks the typed errors of an open
 * account: a member who is not an admin, an unknown group.)
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createCore } from '../../../src/main/app/core';
import { createDispatcher, type SenderInfo } from '../../../src/main/ipc/dispatch';
import { createHandlers } from '../../../src/main/ipc/handlers';
import { MAX_GROUP_MEMBERS, MAX_GROUP_NAME_CHARS } from '../../../src/shared/constants';
import { ScriptedConfirmer } from '../../support/scriptedConfirmer';

const own: SenderInfo = { url: 'app://parley/index.html', isMainFrame: true };
const ID = 'A'.repeat(43);

function dispatcher() {
  const core = createCore({ identity: { name: 'Parley', version: '1', platform: 'linux' }, relayUrl: 'ws://127.0.0.1:1', dataDir: mkdtempSync(path.join(os.tmpdir(), 'parley-ipc-groups-')) });
  return createDispatcher(createHandlers(core, new ScriptedConfirmer()), { trustedOrigin: 'app://parley' });
}

/** For each group call: a valid payload and payloads a compromised renderer might send instead. */
const CASES: Record<string, { good: unknown; bad: unknown[] }> = {
  createGroup: {
    good: { name: 'Book club', contactIds: [ID] },
    bad: [
      { name: '', contactIds: [ID] },
      { name: '   ', contactIds: [ID] },
      { name: 'x'.repeat(MAX_GROUP_NAME_CHARS + 1), contactIds: [ID] },
      { name: 'Book club', contactIds: [] },
      { name: 'Book club', contactIds: ['../etc/passwd'] },
      { name: 'Book club', contactIds: Array.from({ length: MAX_GROUP_MEMBERS }, () => ID) },
      { name: 'Book club', contactIds: ID },
      { name: 'Book club', contactIds: [ID], admin: true },
      { name: 42, contactIds: [ID] },
    ],
  },
  getGroup: { good: { groupId: ID }, bad: [{}, { groupId: 'short' }, { groupId: `${ID}A` }, { groupId: null }, { groupId: ID, x: 1 }] },
  addGroupMembers: { good: { groupId: ID, contactIds: [ID] }, bad: [{ groupId: ID }, { groupId: ID, contactIds: [] }, { groupId: 'x', contactIds: [ID] }, { groupId: ID, contactIds: [{}] }] },
  removeGroupMember: { good: { groupId: ID, accountId: ID }, bad: [{ groupId: ID }, { groupId: ID, accountId: 'Bob' }, { groupId: ID, accountId: [ID] }] },
  makeGroupAdmin: { good: { groupId: ID, accountId: ID }, bad: [{ accountId: ID }, { groupId: ID, accountId: '' }, { groupId: ID, accountId: ID, role: 'owner' }] },
  leaveGroup: { good: { groupId: ID }, bad: [{}, { groupId: 7 }, { groupId: ID, everyone: true }] },
  getGroupSafetyNumber: { good: { groupId: ID, accountId: ID }, bad: [{ groupId: ID }, { groupId: ID, accountId: 'me' }] },
};

const good = (call: string): unknown => CASES[call]!.good;

describe('the group IPC calls from a compromised renderer', () => {
  it('answer every malformed payload with IPC_BAD_REQUEST naming the call', async () => {
    const dispatch = dispatcher();
    for (const [call, { bad }] of Object.entries(CASES)) {
      for (const payload of [...bad, 'string', 42, [ID]]) {
        const r = await dispatch(call, payload, own);
        expect(r, `${call} ${JSON.stringify(payload).slice(0, 80)}`).toMatchObject({ ok: false, code: 'IPC_BAD_REQUEST', message: expect.stringContaining(call) });
      }
      const polluting = { ...(good(call) as object), ...JSON.parse('{"__proto__": {"polluted": true}}') };
      expect(await dispatch(call, polluting, own), call).toMatchObject({ ok: false, code: 'IPC_BAD_REQUEST' });
    }
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('refuse a well-formed call from a foreign page or a subframe', async () => {
    const dispatch = dispatcher();
    for (const [call, { good }] of Object.entries(CASES)) {
      expect(await dispatch(call, good, { url: 'https://evil.example/', isMainFrame: true }), call).toMatchObject({ ok: false, code: 'IPC_FORBIDDEN_SENDER' });
      expect(await dispatch(call, good, { url: own.url, isMainFrame: false }), call).toMatchObject({ ok: false, code: 'IPC_FORBIDDEN_SENDER' });
    }
  });

  it('answer a well-formed call with CHAT_LOCKED while no account is open', async () => {
    const dispatch = dispatcher();
    for (const [call, { good }] of Object.entries(CASES)) expect(await dispatch(call, good, own), call).toMatchObject({ ok: false, code: 'CHAT_LOCKED' });
  });
});
