import type { CallResponse, EventPayload, TransferProgressDto } from '../../../../shared/contract';
import type { UiError } from '../types';

/** What a new desktop chooses before it shows its link code. */
export interface NewDeviceInput {
  readonly deviceName: string;
  readonly passphrase: string | null;
  readonly useKeychain: boolean;
}

/** Linking this fresh install to an existing account (the new desktop's side). */
export interface LinkSlice {
  /** The code on screen while the other desktop has not answered yet. */
  readonly linkCode: CallResponse<'startLink'> | null;
  /** The latest `transferProgress` of kind 'link'. */
  readonly linkProgress: TransferProgressDto | null;
  readonly linkError: UiError | null;
  readonly linkStarting: boolean;
  /** The account that answered and the short code to compare, until the user answers. */
  readonly linkCheck: EventPayload<'linkCheck'> | null;
  startLink(input: NewDeviceInput): Promise<boolean>;
  cancelLink(): Promise<void>;
  /** Tells main whether the short code matches the other desktop's (false refuses that account). */
  answerLink(matches: boolean): Promise<void>;
  /** Back to the form: forgets the code, progress and error. */
  resetLink(): void;
  /** Follows `transferProgress` for kind 'link' and `linkCheck`; returns the unsubscribe. */
  watchLinkProgress(): () => void;
}
