/** The group calls' handlers (see contract/groupCalls.ts): thin mappings to the group service and the group views. */
import type { Core } from '../app/core';
import { groupView } from '../app/groupViews';
import { qrSvgBytes } from '../app/qr';
import type { groupCalls } from '../../shared/contract/groupCalls';
import type { HandlerTable } from './dispatch';

/** The handlers of every group call over one core. */
export function createGroupHandlers(core: Core): Pick<HandlerTable, keyof typeof groupCalls> {
  const m = () => core.session.require();
  return {
    createGroup: async (r) => groupView(m(), await m().groups.create(r.name, r.contactIds)),
    getGroup: (r) => groupView(m(), m().groups.get(r.groupId)),
    addGroupMembers: async (r) => groupView(m(), await m().groups.add(r.groupId, r.contactIds)),
    removeGroupMember: async (r) => groupView(m(), await m().groups.remove(r.groupId, [r.accountId])),
    adoptGroupMemberKey: async (r) => groupView(m(), await m().groups.adoptMemberKey(r.groupId, r.accountId)),
    makeGroupAdmin: async (r) => groupView(m(), await m().groups.makeAdmin(r.groupId, r.accountId)),
    leaveGroup: async (r) => groupView(m(), await m().groups.leave(r.groupId)),
    getGroupSafetyNumber: async (r) => {
      const messenger = m();
      const n = messenger.groups.safetyNumber(r.groupId, r.accountId);
      return { groups: [...n.groups], qrSvg: await qrSvgBytes(n.qrPayload), verified: messenger.store.contacts.get(r.accountId)?.trust === 'verified' };
    },
  };
}
