import type { RootState } from '../root';

/** The hits of the current query, or null when not searching. */
export const selectSearchHits = (s: RootState) => s.searchHits;
/** The search query as typed. */
export const selectSearchQuery = (s: RootState) => s.searchQuery;
