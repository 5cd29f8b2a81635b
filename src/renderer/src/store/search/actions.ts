import type { StateCreator } from 'zustand';
import { parley } from '../../bridge';
import type { RootState } from '../root';
import type { SearchSlice } from './state';

const SEARCH_LIMIT = 50;

/** The search slice: the query and its hits. */
export const createSearchSlice: StateCreator<RootState, [], [], SearchSlice> = (set, get) => ({
  searchQuery: '',
  searchHits: null,
  async search(query) {
    set({ searchQuery: query });
    if (query.trim().length === 0) return set({ searchHits: null });
    const r = await parley.searchMessages({ query, limit: SEARCH_LIMIT });
    // Drop answers to queries the user has already typed past.
    if (get().searchQuery === query) set({ searchHits: r.ok ? r.value : [] });
  },
  clearSearch() {
    set({ searchQuery: '', searchHits: null });
  },
});
