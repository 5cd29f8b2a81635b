import type { CallResponse, TransferProgressDto } from '../../../../shared/contract';
import type { UiError } from '../types';

/** Settings → Export: the export running (or done), its progress and where it went. */
export interface ExportsSlice {
  readonly exportBusy: boolean;
  /** The latest `transferProgress` of kind 'export'. */
  readonly exportProgress: TransferProgressDto | null;
  readonly exportResult: CallResponse<'exportConversations'> | null;
  readonly exportError: UiError | null;
  /** Exports every conversation (main asks the user first); true when it was written. */
  exportConversations(format: 'json' | 'html'): Promise<boolean>;
  /** Follows `transferProgress` for kind 'export'; returns the unsubscribe. */
  watchExportProgress(): () => void;
}
