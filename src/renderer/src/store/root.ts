/** The root store: one slice per domain, each split into state, actions and selectors. */
import { create } from 'zustand';
import type { AppInfoSlice } from './appInfo/state';
import type { ConnectionSlice } from './connection/state';
import { createAppInfoSlice } from './appInfo/actions';
import { createConnectionSlice } from './connection/actions';

export type RootState = AppInfoSlice & ConnectionSlice;

export const useStore = create<RootState>()((...a) => ({
  ...createAppInfoSlice(...a),
  ...createConnectionSlice(...a),
}));
