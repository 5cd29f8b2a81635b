import type { StateCreator } from 'zustand';
import { parley } from '../../bridge';
import type { RootState } from '../root';
import { toUiError, unwrap } from '../types';
import type { LinkSlice } from './state';

/** The link slice: this new desktop's link code and the progress of receiving the account. */
export const createLinkSlice: StateCreator<RootState, [], [], LinkSlice> = (set) => ({
  linkCode: null,
  linkProgress: null,
  linkError: null,
  linkStarting: false,
  async startLink(input) {
    set({ linkStarting: true, linkError: null, linkProgress: null, linkCode: null });
    try {
      const code = unwrap(await parley.startLink(input));
      // A failure can arrive as an event before the answer does; keep it.
      set((s) => (s.linkError ? {} : { linkCode: code }));
      return true;
    } catch (e) {
      set({ linkError: toUiError(e) });
      return false;
    } finally {
      set({ linkStarting: false });
    }
  },
  async cancelLink() {
    const r = await parley.cancelLink();
    if (!r.ok) set({ linkError: { code: r.code, message: r.message } });
  },
  resetLink() {
    set({ linkCode: null, linkProgress: null, linkError: null });
  },
  watchLinkProgress() {
    return parley.onTransferProgress((p) => {
      if (p.kind !== 'link') return;
      if (p.stage === 'failed') set({ linkProgress: p, linkCode: null, linkError: p.error ?? { code: 'CHAT_LINK_FAILED', message: 'Linking failed.' } });
      else set({ linkProgress: p });
    });
  },
});
