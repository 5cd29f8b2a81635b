/**
 * The app's account session: no account yet, locked, or unlocked with a
 * running Messenger. Unlock attempts back off after failures; the recovery
 * phrase is handed out at creation and, until confirmed, again on request.
 */
import { randomInt } from 'node:crypto';
import type { SessionDto, TransferProgressDto } from '../../shared/contract';
import { isParleyError } from '../../shared/errors';
import { NotificationBatcher, notificationFor, type Notifier } from './notifications';
import type { IncomingText } from '../conversations/context';
import type { ConnectionMonitor } from './connection';
import type { CoreEvents } from './events';
import { ChatError } from '../account/errors';
import { AppError } from './errors';
import { Messenger, profileExists, type CreateStep } from '../messenger/messenger';
import type { Keychain, PwhashParams } from '../store';
import { readKeyFile } from '../store/keyFile';
import { KEY_FILE } from '../store';
import { UnlockBackoff } from './unlockBackoff';
import { RowEvents } from './rowEvents';
import path from 'node:path';

/** What the account session needs: profile directory, relay, the UI bus, and the injectable keychain, KDF cost and clock. */
export interface AppSessionOptions {
  readonly dataDir: string;
  readonly relayUrl: string;
  readonly events: CoreEvents;
  readonly connection: ConnectionMonitor;
  readonly keychain?: Keychain | undefined;
  readonly nativeBinding?: string | undefined;
  readonly pwhash?: PwhashParams | undefined;
  readonly now?: () => number;
  readonly notifier?: Notifier | undefined;
}

const STEP_LABEL: Record<CreateStep, string> = {
  keys: 'Generating your keys',
  store: 'Encrypting your local data',
  register: 'Registering with the relay',
  prekeys: 'Publishing prekeys',
  done: 'Ready',
};

function pickConfirmIndices(): number[] {
  const set = new Set<number>();
  while (set.size < 3) set.add(randomInt(0, 24));
  return [...set].sort((a, b) => a - b);
}

/** The account's lifecycle behind the IPC calls: create, link, restore, unlock and lock, owning the running Messenger. */
export class AppSession {
  #messenger: Messenger | null = null;
  #linking: AbortController | null = null;
  /** Resolves the new desktop's question "do the short codes match?" while it is on screen. */
  #linkAnswer: ((matches: boolean) => void) | null = null;
  #confirmIndices: number[] | null = null;
  readonly #backoff: UnlockBackoff;

  constructor(private readonly o: AppSessionOptions) {
    this.#backoff = new UnlockBackoff(o.now);
  }

  get messenger(): Messenger | null {
    return this.#messenger;
  }

  /** The unlocked messenger, or CHAT_LOCKED. */
  require(): Messenger {
    if (!this.#messenger) throw new ChatError('CHAT_LOCKED', 'Parley is locked. Unlock it first.');
    return this.#messenger;
  }

  #keychainState(): SessionDto['keychain'] {
    const b = this.o.keychain?.backend;
    return b === 'os' ? 'available' : b === 'basic_text' ? 'insecure' : 'unavailable';
  }

  status(): SessionDto {
    const m = this.#messenger;
    const exists = profileExists(this.o.dataDir);
    let protection = { passphrase: false, keychain: false };
    if (exists) {
      const file = readKeyFile(path.join(this.o.dataDir, KEY_FILE));
      protection = { passphrase: Boolean(file.passphrase), keychain: Boolean(file.keychain) };
    }
    return {
      status: !exists ? 'new' : m ? 'unlocked' : 'locked',
      name: m ? m.account.displayName : null,
      accountId: m ? m.keys.accountId : null,
      protection,
      keychain: this.#keychainState(),
      unlockRetryInMs: this.#backoff.retryInMs,
      phrasePendingConfirmation: m ? m.account.pendingPhrase() !== null : false,
    };
  }

  #events() {
    const ev = this.o.events;
    // List changes go out as row events, coalesced per turn (rowEvents.ts); the renderer merges them instead of pulling.
    const rows = new RowEvents(ev, () => this.#messenger);
    const notifications = new NotificationBatcher((texts) =>
      this.o.notifier?.notify(notificationFor(texts, { locked: this.#messenger === null, previews: this.#messenger?.account.settings().notificationPreviews ?? false })),
    );
    return {
      messagesChanged: (conversationId: string, messageIds: readonly string[]) => rows.messagesChanged(conversationId, messageIds),
      conversationsChanged: () => rows.conversationsChanged(),
      contactsChanged: () => rows.contactsChanged(),
      receiving: (progress: { readonly done: number; readonly total: number } | null) => this.o.connection.receiving(progress),
      typing: (conversationId: string, typing: boolean, from: string) => ev.emit('typing', { conversationId, typing, from }),
      devicesChanged: () => ev.emit('devicesChanged', {}),
      // One notification per conversation per receive batch; a locked app runs no Messenger, so nothing arrives then; previews follow the setting.
      incomingText: (m: IncomingText) => notifications.add(m),
      revoked: () => {
        this.#messenger = null;
        this.#changed();
      },
    };
  }

  #changed(): void {
    this.o.events.emit('sessionChanged', this.status());
  }

  async create(input: { name: string; passphrase: string | null; useKeychain: boolean }): Promise<{ phrase: string[]; confirmIndices: number[] }> {
    if (profileExists(this.o.dataDir)) throw new ChatError('CHAT_ACCOUNT_EXISTS', 'This computer already has a Parley account.');
    const keychain = input.useKeychain ? this.o.keychain : undefined;
    if (input.useKeychain && this.#keychainState() !== 'available') {
      throw new AppError('APP_KEYCHAIN_INSECURE', 'This system has no secure keychain; protect Parley with a passphrase instead.');
    }
    if (input.passphrase === null && !keychain) throw new AppError('APP_NO_PROTECTION', 'Choose a passphrase or the keychain to protect your data.');
    const { messenger, phrase } = await Messenger.create({
      dir: this.o.dataDir,
      displayName: input.name,
      relayUrl: this.o.relayUrl,
      passphrase: input.passphrase ?? undefined,
      keychain,
      nativeBinding: this.o.nativeBinding,
      pwhash: this.o.pwhash,
      events: this.#events(),
      onConnection: (s) => this.o.connection.set(s),
      onProgress: (step) => this.o.events.emit('onboardingProgress', { step, label: STEP_LABEL[step] }),
    });
    this.#messenger = messenger;
    this.#confirmIndices = pickConfirmIndices();
    this.#changed();
    return { phrase: phrase.split(' '), confirmIndices: this.#confirmIndices };
  }

  #protection(input: { passphrase: string | null; useKeychain: boolean }): Keychain | undefined {
    if (profileExists(this.o.dataDir)) throw new ChatError('CHAT_ACCOUNT_EXISTS', 'This computer already has a Parley account.');
    if (input.useKeychain && this.#keychainState() !== 'available') {
      throw new AppError('APP_KEYCHAIN_INSECURE', 'This system has no secure keychain; protect Parley with a passphrase instead.');
    }
    const keychain = input.useKeychain ? this.o.keychain : undefined;
    if (input.passphrase === null && !keychain) throw new AppError('APP_NO_PROTECTION', 'Choose a passphrase or the keychain to protect your data.');
    return keychain;
  }

  /** What a new profile (linked or restored) is opened with. */
  #openOptions(input: { deviceName: string; passphrase: string | null }, keychain: Keychain | undefined) {
    return {
      dir: this.o.dataDir,
      relayUrl: this.o.relayUrl,
      deviceName: input.deviceName,
      passphrase: input.passphrase ?? undefined,
      keychain,
      nativeBinding: this.o.nativeBinding,
      pwhash: this.o.pwhash,
      events: this.#events(),
      onConnection: (s: Parameters<ConnectionMonitor['set']>[0]) => this.o.connection.set(s),
    };
  }

  #progress(p: Omit<TransferProgressDto, 'error'> & { error?: TransferProgressDto['error'] }): void {
    this.o.events.emit('transferProgress', { ...p, error: p.error ?? null });
  }

  /**
   * Starts linking this fresh install to an existing account. Resolves with
   * the link code as soon as there is one; the link itself completes in the
   * background (progress and outcome as events).
   */
  async startLink(input: { deviceName: string; passphrase: string | null; useKeychain: boolean }): Promise<{ link: string; expiresAt: number }> {
    if (this.#linking) throw new AppError('APP_LINK_IN_PROGRESS', 'Linking is already under way.');
    const keychain = this.#protection(input);
    const abort = new AbortController();
    this.#linking = abort;
    return new Promise((resolve, reject) => {
      let shown = false;
      Messenger.link({
        ...this.#openOptions(input, keychain),
        signal: abort.signal,
        onCode: (link, expiresAt) => {
          shown = true;
          this.#progress({ kind: 'link', stage: 'waiting', done: 0, total: null });
          resolve({ link, expiresAt });
        },
        confirm: (check) =>
          new Promise<boolean>((answer) => {
            this.#linkAnswer = answer;
            this.o.events.emit('linkCheck', { accountName: check.accountName, shortCode: check.shortCode });
          }),
        onProgress: (p) => this.#progress({ kind: 'link', stage: p.stage, done: p.done, total: p.total }),
      }).finally(() => (this.#linkAnswer = null)).then(
        (messenger) => {
          this.#messenger = messenger;
          this.#linking = null;
          this.#changed();
        },
        (e: unknown) => {
          this.#linking = null;
          const error = isParleyError(e) ? { code: e.code, message: e.message } : { code: 'CHAT_LINK_FAILED', message: 'Linking failed.' };
          this.#progress({ kind: 'link', stage: 'failed', done: 0, total: null, error });
          if (!shown) reject(e);
        },
      );
    });
  }

  cancelLink(): void {
    this.#linking?.abort();
  }

  /**
   * The user's answer to the short code on screen (`linkCheck`): true links
   * this desktop to that account, false refuses it (the link fails with
   * CHAT_LINK_DECLINED and nothing is stored).
   */
  answerLink(matches: boolean): void {
    const answer = this.#linkAnswer;
    if (!answer) throw new AppError('APP_NO_LINK_CHECK', 'No linking code is waiting for an answer.');
    this.#linkAnswer = null;
    answer(matches);
  }

  /** Restores the account from its recovery phrase and backup on this fresh install. */
  async restore(input: { phrase: string; deviceName: string; passphrase: string | null; useKeychain: boolean }): Promise<{ restoredMessages: number; backupFound: boolean }> {
    const keychain = this.#protection(input);
    this.#progress({ kind: 'restore', stage: 'receiving', done: 0, total: null });
    try {
      const r = await Messenger.restore({
        ...this.#openOptions(input, keychain),
        phrase: input.phrase,
        onProgress: (p) => this.#progress({ kind: 'restore', stage: p.phase === 'download' ? 'receiving' : 'importing', done: p.done, total: p.total }),
      });
      this.#messenger = r.messenger;
      this.#progress({ kind: 'restore', stage: 'done', done: r.restoredMessages, total: r.restoredMessages });
      this.#changed();
      return { restoredMessages: r.restoredMessages, backupFound: r.backupFound };
    } catch (e) {
      const error = isParleyError(e) ? { code: e.code, message: e.message } : { code: 'CHAT_RESTORE_FAILED', message: 'Restoring failed.' };
      this.#progress({ kind: 'restore', stage: 'failed', done: 0, total: null, error });
      throw e;
    }
  }

  /** A new phrase and account key; shown once and confirmed like a new account's. */
  async rotatePhrase(): Promise<{ phrase: string[]; confirmIndices: number[] }> {
    const phrase = await this.require().devices.rotatePhrase();
    this.#confirmIndices = pickConfirmIndices();
    this.#changed();
    return { phrase: phrase.split(' '), confirmIndices: this.#confirmIndices };
  }

  /** "Remove and secure": a new phrase and account key as in rotatePhrase, and the old key retired on the relay. */
  async secureAccount(): Promise<{ phrase: string[]; confirmIndices: number[]; secured: boolean }> {
    const { phrase, secured } = await this.require().devices.secureAccount();
    this.#confirmIndices = pickConfirmIndices();
    this.#changed();
    return { phrase: phrase.split(' '), confirmIndices: this.#confirmIndices, secured };
  }

  pendingPhrase(): { phrase: string[]; confirmIndices: number[] } {
    const phrase = this.require().account.pendingPhrase();
    if (!phrase) throw new AppError('APP_PHRASE_CONFIRMED', 'Your recovery phrase was already confirmed and is no longer stored.');
    this.#confirmIndices ??= pickConfirmIndices();
    return { phrase: phrase.split(' '), confirmIndices: this.#confirmIndices };
  }

  confirmPhrase(answers: readonly { index: number; word: string }[]): void {
    const asked = this.#confirmIndices ?? [];
    if (answers.length !== 3 || !answers.every((a) => asked.includes(a.index))) {
      throw new ChatError('CHAT_PHRASE_MISMATCH', 'Answer the three words Parley asked for.');
    }
    this.require().account.confirmPhrase(answers);
    this.#confirmIndices = null;
    this.#changed();
  }

  async unlock(passphrase: string): Promise<void> {
    if (this.#messenger) return;
    const wait = this.#backoff.retryInMs;
    if (wait > 0) throw new AppError('APP_UNLOCK_BACKOFF', `Too many attempts. Try again in ${Math.ceil(wait / 1000)} s.`);
    try {
      this.#messenger = await Messenger.open({
        dir: this.o.dataDir,
        passphrase,
        nativeBinding: this.o.nativeBinding,
        events: this.#events(),
        onConnection: (s) => this.o.connection.set(s),
      });
      this.#backoff.recordSuccess();
    } catch (e) {
      this.#backoff.recordFailure();
      throw e;
    } finally {
      this.#changed();
    }
  }

  /** Opens with the keychain at start-up when the store is protected by it. */
  async unlockWithKeychain(): Promise<boolean> {
    if (this.#messenger || !this.o.keychain || !profileExists(this.o.dataDir)) return false;
    if (!this.status().protection.keychain) return false;
    this.#messenger = await Messenger.open({ dir: this.o.dataDir, keychain: this.o.keychain, nativeBinding: this.o.nativeBinding, events: this.#events(), onConnection: (s) => this.o.connection.set(s) });
    this.#changed();
    return true;
  }

  async lock(): Promise<void> {
    const m = this.#messenger;
    this.#messenger = null;
    if (m) await m.close();
    this.#changed();
  }
}
