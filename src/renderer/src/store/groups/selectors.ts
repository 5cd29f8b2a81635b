import type { RootState } from '../root';
import type { EventTimes } from './state';

const NO_TIMES: EventTimes = {};

/** A selector for one group as last read or pushed, or null. */
export const selectGroup = (id: string | null) => (s: RootState) => (id ? (s.groups[id] ?? null) : null);
/** A selector for when this window first saw each event of a group. */
export const selectGroupEventTimes = (id: string) => (s: RootState) => s.groupEventTimes[id] ?? NO_TIMES;
/** The last group error to show, or null. */
export const selectGroupError = (s: RootState) => s.groupError;
