import type { RootState } from '../root';

export const selectSearchHits = (s: RootState) => s.searchHits;
export const selectSearchQuery = (s: RootState) => s.searchQuery;
