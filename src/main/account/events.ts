/**
 * The typed event bus the messaging services talk through. Services emit
 * what happened; whoever cares subscribes (the composition root wires the
 * UI's handlers and the services' own reactions). Nothing calls back up the
 * stack: the receive path emits `accountRotated`, the device service
 * switches the account and emits `accountSwitched`, the backup service
 * swaps its keys.
 */
import type { AttachmentPointer } from '../../shared/wire/content';
import type { DeviceKeys } from './keys';
import type { BackupKeyRecord } from './record';

/** A text that arrived from a contact (for notifications). */
export interface IncomingText {
  readonly conversationId: string;
  readonly from: string;
  readonly id: string;
  readonly text: string;
  readonly sentAt: number;
}

/** An envelope from a listed device that did not decrypt; a placeholder row shows it and a retry request went out. */
export interface Undecryptable {
  readonly conversationId: string | null;
  readonly from: string;
  readonly id: string;
  readonly reason: string;
  readonly receivedAt: number;
}

/** Every event and its arguments. The first nine and `receiving` are the ones the UI (and the CLI, and tests) subscribe to. */
export interface AccountEventArgs {
  messagesChanged: [conversationId: string, messageIds: readonly string[]];
  conversationsChanged: [];
  contactsChanged: [];
  /** `from`: the account typing (the contact in a 1:1 conversation, a member in a group). */
  typing: [conversationId: string, typing: boolean, from: string];
  incomingText: [message: IncomingText];
  undecryptable: [message: Undecryptable];
  /** This account's device list or device names changed. */
  devicesChanged: [];
  /** Another device of the account revoked this one; its profile has been wiped. */
  revoked: [];
  /** The backup ran, started or failed. */
  backupChanged: [];
  /** Catch-up progress after sign-in, once per receive batch: `done` of the `total` the relay said were queued (null once caught up). */
  receiving: [progress: { readonly done: number; readonly total: number } | null];
  /** One of our devices rotated the account key (verified); committed with the message that carried it. */
  accountRotated: [accountSecretKey: Uint8Array, backup: BackupKeyRecord | null];
  /** This profile now runs under new account keys (rotated here or on another device). */
  accountSwitched: [keys: DeviceKeys, backup: BackupKeyRecord | null];
  /** A received message points to an attachment to fetch in the background. */
  attachmentOffered: [conversationId: string, messageId: string, attachmentId: string, pointer: AttachmentPointer];
  /** Contacts were added or their trust changed here: our other devices should hear of it. */
  contactsEdited: [accountIds: readonly string[]];
  /** A synced setting changed here: our other devices should hear of it. */
  settingsEdited: [];
}

/** An event's name. */
export type AccountEventName = keyof AccountEventArgs;

/** The handler of one event; one that does async work may return its promise (which must not reject) for `emitAndWait`. */
export type AccountEventHandler<K extends AccountEventName> = (...args: AccountEventArgs[K]) => void | Promise<void>;

/** The UI-facing events as one object of handlers (what Messenger's options take). */
export type ChatEvents = { [K in 'messagesChanged' | 'conversationsChanged' | 'contactsChanged' | 'typing' | 'incomingText' | 'undecryptable' | 'devicesChanged' | 'revoked' | 'backupChanged' | 'receiving']: (...args: AccountEventArgs[K]) => void };

/** A synchronous typed bus: handlers run in subscription order; a throwing handler throws to the emitter, as a direct call would. */
export class AccountBus {
  readonly #handlers = new Map<AccountEventName, ((...args: never[]) => void)[]>();

  /** Subscribes to one event; returns the unsubscribe function. */
  on<K extends AccountEventName>(name: K, handler: AccountEventHandler<K>): () => void {
    const list = this.#handlers.get(name) ?? [];
    list.push(handler as (...args: never[]) => void);
    this.#handlers.set(name, list);
    return () => {
      const i = list.indexOf(handler as (...args: never[]) => void);
      if (i >= 0) list.splice(i, 1);
    };
  }

  /** Subscribes every handler of a (partial) ChatEvents object. */
  onAll(handlers: Partial<ChatEvents>): void {
    for (const [name, handler] of Object.entries(handlers)) if (handler) this.on(name as keyof ChatEvents, handler as AccountEventHandler<keyof ChatEvents>);
  }

  /** Runs every handler of `name` with `args`; async work they start runs on. */
  emit<K extends AccountEventName>(name: K, ...args: AccountEventArgs[K]): void {
    for (const h of [...(this.#handlers.get(name) ?? [])]) void (h as AccountEventHandler<K>)(...args);
  }

  /** Runs every handler of `name` with `args`, one after the other, waiting for the async ones. */
  async emitAndWait<K extends AccountEventName>(name: K, ...args: AccountEventArgs[K]): Promise<void> {
    for (const h of [...(this.#handlers.get(name) ?? [])]) await (h as AccountEventHandler<K>)(...args);
  }

  /** The UI-facing events as methods that emit on this bus (what the services call). */
  chatEvents(): ChatEvents {
    return {
      messagesChanged: (c, ids) => this.emit('messagesChanged', c, ids),
      conversationsChanged: () => this.emit('conversationsChanged'),
      contactsChanged: () => this.emit('contactsChanged'),
      typing: (c, t, f) => this.emit('typing', c, t, f),
      incomingText: (m) => this.emit('incomingText', m),
      undecryptable: (m) => this.emit('undecryptable', m),
      devicesChanged: () => this.emit('devicesChanged'),
      revoked: () => this.emit('revoked'),
      backupChanged: () => this.emit('backupChanged'),
      receiving: (p) => this.emit('receiving', p),
    };
  }
}
