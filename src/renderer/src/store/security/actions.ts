import type { StateCreator } from 'zustand';
import { parley } from '../../bridge';
import type { RootState } from '../root';
import type { SecuritySlice } from './state';

/** Audit rows per page in Settings → Security. */
const AUDIT_PAGE = 50;

/** The security slice: loads audit pages and session health through window.parley only. */
export const createSecuritySlice: StateCreator<RootState, [], [], SecuritySlice> = (set, get) => ({
  auditLog: [],
  auditNext: null,
  auditError: null,
  sessionHealth: {},
  healthError: null,
  async loadAuditLog(more = false) {
    const before = more ? get().auditNext : null;
    if (more && before === null) return;
    const r = await parley.auditLog(before === null ? { limit: AUDIT_PAGE } : { limit: AUDIT_PAGE, before });
    if (!r.ok) return set({ auditError: { code: r.code, message: r.message } });
    set((s) => ({ auditLog: more ? [...s.auditLog, ...r.value.items] : r.value.items, auditNext: r.value.next, auditError: null }));
  },
  async loadSessionHealth(contactId) {
    const r = await parley.sessionHealth({ contactId });
    if (!r.ok) return set({ healthError: { code: r.code, message: r.message } });
    set((s) => ({ sessionHealth: { ...s.sessionHealth, [contactId]: r.value }, healthError: null }));
  },
});
