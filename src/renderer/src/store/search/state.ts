import type { SearchHitDto } from '../../../../shared/contract';

/** State and actions of the search slice. */
export interface SearchSlice {
  readonly searchQuery: string;
  readonly searchHits: readonly SearchHitDto[] | null;
  search(query: string): Promise<void>;
  clearSearch(): void;
}
