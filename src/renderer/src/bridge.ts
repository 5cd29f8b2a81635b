/** The renderer's single handle on main. Slices call this and nothing else. */
import type { ParleyApi } from '../../shared/contract';

/** The contract-typed API the preload exposes as `window.parley`. */
export const parley: ParleyApi = window.parley;
