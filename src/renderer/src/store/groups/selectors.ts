import type { RootState } from '../root';
/** A selector for one group as last read or pushed, or null. */
export const selectGroup = (id: string | null) => (s: RootState) => (id ? (s.groups[id] ?? null) : null);
/** The last group error to show, or null. */
export const selectGroupError = (s: RootState) => s.groupError;
