/** The renderer's single handle on main. Slices call this and nothing else. */
import type { ParleyApi } from '../../shared/contract';

export const parley: ParleyApi = window.parley;
