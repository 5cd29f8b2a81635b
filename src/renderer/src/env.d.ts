import type { ParleyApi } from '../../shared/contract';

declare global {
  interface Window {
    /** The only door to main: named functions from the shared contract. */
    readonly parley: ParleyApi;
  }
}

export {};
