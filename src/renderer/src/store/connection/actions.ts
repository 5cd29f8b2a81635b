import type { StateCreator } from 'zustand';
import { parley } from '../../bridge';
import type { RootState } from '../root';
import type { ConnectionSlice } from './state';

export const createConnectionSlice: StateCreator<RootState, [], [], ConnectionSlice> = (set) => ({
  connection: null,
  watchConnection() {
    const stop = parley.onConnectionState((next) => set({ connection: next }));
    void parley.getConnectionState().then((r) => {
      if (r.ok) set({ connection: r.value });
    });
    return stop;
  },
});
