import type { StateCreator } from 'zustand';
import type { GroupDto } from '../../../../shared/contract';
import type { Result } from '../../../../shared/result';
import { parley } from '../../bridge';
import type { RootState } from '../root';
import { toUiError, unwrap } from '../types';
import type { GroupsSlice } from './state';

/** The groups slice: groups with their members and timeline, and the changes an admin (or any member, to leave) makes. */
export const createGroupsSlice: StateCreator<RootState, [], [], GroupsSlice> = (set, get) => {
  const put = (groups: readonly GroupDto[]) =>
    set((s) => {
      const next = { ...s.groups };
      for (const g of groups) next[g.id] = g;
      return { groups: next };
    });
  /** Runs one change; the group as main returns it is merged, an error is shown. */
  const change = async (call: Promise<Result<GroupDto>>): Promise<GroupDto | null> => {
    set({ groupError: null });
    try {
      const g = unwrap(await call);
      put([g]);
      return g;
    } catch (e) {
      set({ groupError: toUiError(e) });
      return null;
    }
  };
  return {
    groups: {},
    groupError: null,
    async loadGroup(groupId) {
      const r = await parley.getGroup({ groupId });
      if (r.ok) put([r.value]);
      else set({ groupError: { code: r.code, message: r.message } });
    },
    // The group's conversation row arrives as a conversationsChanged push.
    createGroup: (name, contactIds) => change(parley.createGroup({ name, contactIds: [...contactIds] })),
    addGroupMembers: async (groupId, contactIds) => (await change(parley.addGroupMembers({ groupId, contactIds: [...contactIds] }))) !== null,
    removeGroupMember: async (groupId, accountId) => (await change(parley.removeGroupMember({ groupId, accountId }))) !== null,
    adoptGroupMemberKey: async (groupId, accountId) => (await change(parley.adoptGroupMemberKey({ groupId, accountId }))) !== null,
    makeGroupAdmin: async (groupId, accountId) => (await change(parley.makeGroupAdmin({ groupId, accountId }))) !== null,
    leaveGroup: async (groupId) => (await change(parley.leaveGroup({ groupId }))) !== null,
    clearGroupError() {
      set({ groupError: null });
    },
    watchGroups() {
      return parley.onGroupsChanged((e) => {
        if (!e.reload) return put(e.changed);
        // Re-read the groups this window shows.
        for (const id of Object.keys(get().groups)) void get().loadGroup(id);
      });
    },
  };
};
