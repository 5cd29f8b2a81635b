/** The dialog shown over the main screen, if any. */
export type Dialog =
  | { readonly kind: 'none' }
  | { readonly kind: 'addContact' }
  | { readonly kind: 'safetyNumber'; readonly contactId: string }
  | { readonly kind: 'sessionHealth'; readonly contactId: string }
  | { readonly kind: 'settings' }
  | { readonly kind: 'devices' }
  | { readonly kind: 'createGroup' }
  | { readonly kind: 'groupMembers'; readonly groupId: string }
  | { readonly kind: 'memberSafetyNumber'; readonly groupId: string; readonly accountId: string };

/** A file upload in progress: its id, name, size and bytes sent. */
export interface ActiveUpload {
  readonly uploadId: string;
  readonly name: string;
  readonly size: number;
  readonly sent: number;
}

/** State and actions of the UI slice. */
export interface UiSlice {
  readonly dialog: Dialog;
  readonly activeUpload: ActiveUpload | null;
  readonly cancelledUploads: readonly string[];
  openDialog(dialog: Dialog): void;
  closeDialog(): void;
  cancelUpload(): Promise<void>;
}
