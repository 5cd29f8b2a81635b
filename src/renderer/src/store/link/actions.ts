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
  linkCheck: null,
  async startLink(input) {
    set({ linkStarting: true, linkError: null, linkProgress: null, linkCode: null, linkCheck: null });
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
  async answerLink(matches) {
    set({ linkCheck: null });
    const r = await parley.answerLink({ matches });
    if (!r.ok) set({ linkError: { code: r.code, message: r.message } });
  },
  resetLink() {
    set({ linkCode: null, linkProgress: null, linkError: null, linkCheck: null });
  },
  watchLinkProgress() {
    const progress = parley.onTransferProgress((p) => {
      if (p.kind !== 'link') return;
      if (p.stage === 'failed') set({ linkProgress: p, linkCode: null, linkCheck: null, linkError: p.error ?? { code: 'CHAT_LINK_FAILED', message: 'Linking failed.' } });
      else set({ linkProgress: p });
    });
    const check = parley.onLinkCheck((c) => set({ linkCheck: c }));
    return () => {
      progress();
      check();
    };
  },
});
