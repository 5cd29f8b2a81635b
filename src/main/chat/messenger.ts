/**
 * The messaging core one profile directory runs: the relay connection,
 * contacts and safety numbers, sending and receiving, own devices and the
 * backup. New profiles are set up in ./newProfile.ts, account-wide device
 * operations live in ./accountOps.ts. The Electron app (through the IPC
 * handlers), the CLI and the tests all drive this same class.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import sodium from 'libsodium-wrappers-sumo';
import { decodeInvite, encodeInvite } from '../../shared/wire/invite';
import { fromBase64Url, toBase64Url } from '../../shared/wire/encoding';
import type { ConnectionState } from '../../shared/contract';
import type { SignedDeviceList } from '../../shared/wire/deviceList';
import { safetyNumber, type SafetyNumber } from '../account/safetyNumber';
import { moveContactAccount } from '../account/rotation';
import { IdentityKeyPair } from '../protocol';
import { confirmRevocation } from '../relayClient/signing';
import { pinFromCode, relayKeyFromId, relayPinId, storedPins } from '../relayClient/pins';
import { LocalStore, type Message } from '../store';
import { inspectLink, provisionNewDevice, type ProvisionProgress } from '../linking/existingDevice';
import { PrekeyUpkeep } from '../prekeys/upkeep';
import { decodeAccountRecord, encodeAccountRecord } from './accountRecord';
import { announceDevices, revokeDevice, rotatePhrase, switchAccount, syncContacts, toOwnDevices, type AccountHost } from './accountOps';
import { AttachmentFiles, relayHttpBase } from './attachments';
import { AccountBackup, backupKeysOf } from './backups';
import type { ChatContext, ChatEvents } from './context';
import { ContactsRepo, type ContactRow } from './contactsRepo';
import { deleteMessage, editMessage, expireMessages, getMessage, messageContext, messagesChanged, react, type ConversationHost } from './conversationOps';
import { ChatError } from './errors';
import { handleIncoming, ack } from './incoming';
import { DeviceKeys } from './keys';
import { createProfile, linkProfile, restoreProfile, profileExists, type CreateStep, type LinkProgress, type MessengerOptions, type NewProfile, type PrekeyUpload } from './newProfile';
import { errorCode, flushOutbox, flushUnsent, recipientsOf, refreshDevices, sendContent, sendOwedReceipts } from './outgoing';
import { SessionLayer } from '../session/sessionLayer';
import { DEFERRED_RETRY_MS, DELIVERY_DEADLINE_MS, STORE_EXPIRY_INTERVAL_MS } from '../../shared/constants';
import type { IncomingMessage } from '../relayClient/client';
import { parseContent, type Content } from '../../shared/wire/content';
import type { NewMessage } from '../store';
import { adoptList, knownListVersion, listOwnDevices, signNextList, storedList, type OwnDevice } from './ownDevices';
import { wipeProfile } from './profile';
import { RelayLink } from './relayLink';
import { SETTING } from './settingKeys';

export { profileExists, type CreateStep, type LinkProgress, type MessengerOptions, type UnlockWith } from './newProfile';

const SETTING_REGISTERED = SETTING.registered;
const SETTING_PREKEYS_UPLOADED = SETTING.prekeysUploaded;
const SETTING_READ_RECEIPTS = SETTING.readReceipts;
const SETTING_TYPING = SETTING.typingIndicators;
const SETTING_PREVIEWS = SETTING.notificationPreviews;
const SETTING_RELAY = SETTING.relayUrl;

/** How long an arriving envelope waits for the connection to finish authenticating. */
const RELAY_ONLINE_WAIT_MS = 15_000;
/** The upkeep beyond expiry (overdue deliveries, pruning, unsent content) runs every this many expiry ticks. */
const MAINTENANCE_EVERY_TICKS = 30;

const newMessageId = (): string => toBase64Url(new Uint8Array(randomBytes(16)));

export class Messenger {
  readonly #ctx: ChatContext;
  readonly #link: RelayLink;
  #upload: PrekeyUpload | null = null;
  #expiry: NodeJS.Timeout | null = null;
  readonly #files: AttachmentFiles;
  #backup: AccountBackup;
  #incoming: Promise<void> = Promise.resolve();
  #deadlineMs = DELIVERY_DEADLINE_MS;
  readonly #prekeys: PrekeyUpkeep;

  private constructor(
    readonly store: LocalStore,
    keys: DeviceKeys,
    readonly relayUrl: string,
    events: Partial<ChatEvents>,
    onConnection: (s: ConnectionState) => void,
  ) {
    const noop = () => undefined;
    const sink: ChatEvents = {
      messagesChanged: events.messagesChanged ?? noop,
      conversationsChanged: events.conversationsChanged ?? noop,
      contactsChanged: events.contactsChanged ?? noop,
      typing: events.typing ?? noop,
      incomingText: events.incomingText ?? noop,
      undecryptable: events.undecryptable ?? noop,
      devicesChanged: events.devicesChanged ?? noop,
      revoked: events.revoked ?? noop,
      backupChanged: events.backupChanged ?? noop,
    };
    const contacts = new ContactsRepo(store);
    this.#prekeys = new PrekeyUpkeep({ store, identity: keys.identity, audit: (kind, detail) => this.#ctx.audit(kind, detail) });
    this.#link = new RelayLink({
      url: relayUrl,
      accountId: keys.accountId,
      device: keys.deviceSigner,
      registration: () => (store.directory.setting(SETTING_REGISTERED) === '1' ? undefined : this.#deviceList()),
      onState: (s) => {
        if (s.reason === 'relayKeyChanged') this.#ctx.audit('relay.key_refused', { relayKey: s.relayKey ?? '', origin: 'relay' });
        onConnection(s);
      },
      pins: storedPins(store.directory, (_id, key) => this.#ctx.audit('relay.key_pinned', { relayKey: toBase64Url(key), origin: 'first-use' })),
      onOnline: (client) => this.#onOnline(client),
      onRevoked: (list) => {
        if (!confirmRevocation(list, this.keys.accountPublicKey, this.keys.deviceId, knownListVersion(store))) return false;
        void this.#wipe();
        return true;
      },
      onMessage: (m) => this.#receive(m),
    });
    const audit: ChatContext['audit'] = (kind, detail) => {
      if (store.db.open) store.audit.record(kind, detail);
    };
    this.#ctx = {
      store,
      keys,
      contacts,
      link: this.#link,
      audit,
      sessions: new SessionLayer({
        store,
        keys: () => this.#ctx.keys,
        listed: (accountId) => {
          const own = () => store.directory.ownDevices().map((d) => d.deviceId);
          if (accountId === this.#ctx.keys.accountId) return own();
          // Not a contact: an earlier account of ours (content queued before a phrase rotation still goes to our own devices).
          return contacts.get(accountId) ? contacts.devices(accountId) : own();
        },
        link: this.#link,
        audit,
        now: Date.now,
      }),
      events: sink,
      displayName: () => store.directory.account()?.displayName ?? '',
      settings: () => this.settings(),
      now: Date.now,
      adoptRotation: (secret, backup) => switchAccount(this.#host, secret, backup, null),
      fetchAttachment: (conversationId, messageId, attachmentId, pointer) => {
        void this.#files
          .download(this.relayUrl, pointer, attachmentId)
          .then((file) => {
            if (this.store.db.open) this.store.attachments.setLocalPath(attachmentId, file);
            this.#ctx.events.messagesChanged(conversationId, [messageId]);
          })
          .catch(() => undefined);
      },
    };
    this.#files = new AttachmentFiles(path.join(store.dir ?? '.', 'attachments'));
    const record = decodeAccountRecord(store.directory.account()!.keyMaterial);
    this.#backup = new AccountBackup(store, record.backup ? backupKeysOf(record.backup) : null, keys.deviceId, () => relayHttpBase(this.relayUrl), () => sink.backupChanged());
  }

  // ── lifecycle ────────────────────────────────────────────────────────────

  /** Creates the account and this device; returns the 24-word phrase, which is also kept sealed until confirmed. */
  static async create(
    o: MessengerOptions & { displayName: string; relayUrl: string; deviceName?: string; onProgress?: (step: CreateStep) => void },
  ): Promise<{ messenger: Messenger; phrase: string }> {
    const p = await createProfile(o);
    const m = Messenger.#start(p, o);
    o.onProgress?.('register');
    const client = await m.#link.online(10_000);
    if (client) o.onProgress?.('prekeys');
    o.onProgress?.('done');
    return { messenger: m, phrase: p.phrase };
  }

  /** Links this new desktop to an existing account (see linkProfile); resolves once linked and imported. */
  static async link(
    o: MessengerOptions & { relayUrl: string; deviceName: string; onCode: (code: string, expiresAt: number) => void; onProgress?: (p: LinkProgress) => void; signal?: AbortSignal },
  ): Promise<Messenger> {
    return Messenger.#start(await linkProfile(o), o);
  }

  /** Restores an account from its phrase and backup on a fresh install (see restoreProfile). */
  static async restore(
    o: MessengerOptions & { phrase: string; relayUrl: string; deviceName?: string; onProgress?: (p: { phase: 'download' | 'import'; done: number; total: number }) => void },
  ): Promise<{ messenger: Messenger; restoredMessages: number; backupFound: boolean }> {
    const p = await restoreProfile(o);
    return { messenger: Messenger.#start(p, o), restoredMessages: p.restoredMessages, backupFound: p.backupFound };
  }

  static #start(p: NewProfile, o: MessengerOptions): Messenger {
    const m = new Messenger(p.store, p.keys, p.relayUrl, o.events ?? {}, o.onConnection ?? (() => undefined));
    m.#upload = p.upload;
    m.#deadlineMs = o.deliveryDeadlineMs ?? DELIVERY_DEADLINE_MS;
    m.#startExpiry();
    m.#link.start();
    return m;
  }

  /** Unlocks an existing profile. A wrong passphrase is STORE_WRONG_PASSPHRASE and changes nothing. */
  static async open(o: MessengerOptions): Promise<Messenger> {
    await sodium.ready;
    if (!profileExists(o.dir)) throw new ChatError('CHAT_NO_ACCOUNT', 'This profile has no account yet; create one first.');
    const store = await LocalStore.open({ dir: o.dir, passphrase: o.passphrase, keychain: o.keychain, nativeBinding: o.nativeBinding });
    const account = store.directory.account();
    if (!account) {
      store.close();
      throw new ChatError('CHAT_NO_ACCOUNT', 'This profile has no account yet; create one first.');
    }
    const record = decodeAccountRecord(account.keyMaterial);
    const keys = new DeviceKeys(IdentityKeyPair.deserialize(store.protocol.getIdentityKeyPairSync()), record.accountSecretKey);
    const relayUrl = o.relayUrl ?? store.directory.setting(SETTING_RELAY) ?? record.relayUrl;
    const m = new Messenger(store, keys, relayUrl, o.events ?? {}, o.onConnection ?? (() => undefined));
    m.#deadlineMs = o.deliveryDeadlineMs ?? DELIVERY_DEADLINE_MS;
    m.#link.start();
    m.#startExpiry();
    return m;
  }

  /** The list to register with: the last one this device signed or verified (older profiles sign their first now). */
  #deviceList(): SignedDeviceList {
    const stored = storedList(this.store);
    if (stored) return stored;
    const list = signNextList(this.store, this.keys, this.store.directory.ownDevices().map((d) => ({ deviceId: d.deviceId, addedAt: 0 })), Date.now());
    adoptList(this.store, list, this.keys.deviceId);
    return list;
  }

  async #onOnline(client: NonNullable<RelayLink['client']>): Promise<void> {
    const d = this.store.directory;
    if (d.setting(SETTING_REGISTERED) !== '1') d.setSetting(SETTING_REGISTERED, '1');
    if (d.setting(SETTING_PREKEYS_UPLOADED) !== '1' && this.#upload) {
      await client.uploadPrekeys(this.#upload);
      this.#upload = null;
      d.setSetting(SETTING_PREKEYS_UPLOADED, '1');
    }
    await ack(this.#ctx, this.store.delivery.pendingAcks());
    if (d.setting(SETTING.announce) === '1') {
      // Cleared only once the announcement is committed to the outbox: a close in between announces on the next start.
      await announceDevices(this.#ctx);
      d.setSetting(SETTING.announce, '0');
    }
    await sendOwedReceipts(this.#ctx);
    await flushOutbox(this.#ctx);
    await flushUnsent(this.#ctx);
    await this.#prekeys.online(client);
  }

  /**
   * Envelopes can arrive while authentication completes: handle them, in
   * order, once the link is online. One whose sender could not be checked
   * now stays on the relay and is tried again after DEFERRED_RETRY_MS while
   * online (the relay offers it again only on the next connection).
   */
  #receive(m: IncomingMessage): void {
    this.#incoming = this.#incoming
      .then(async () => {
        if (!(await this.#link.online(RELAY_ONLINE_WAIT_MS)) || !this.store.db.open) return;
        if ((await handleIncoming(this.#ctx, m)) === 'deferred') {
          const t = setTimeout(() => this.#receive(m), DEFERRED_RETRY_MS);
          t.unref();
        }
      })
      .catch((e: unknown) => this.#ctx.audit('envelope.deferred', { reason: errorCode(e) }));
  }

  /** Waits until the relay connection is up (or the timeout passes). */
  async waitOnline(timeoutMs = 10_000): Promise<boolean> {
    return (await this.#link.online(timeoutMs)) !== null;
  }

  /** Waits until every envelope received so far is committed and acked. */
  async drain(): Promise<void> {
    await this.#incoming;
  }

  #startExpiry(): void {
    this.#backup.start();
    this.#maintain();
    this.#expiry = setInterval(() => this.#maintain(), STORE_EXPIRY_INTERVAL_MS);
    this.#expiry.unref();
  }

  #ticks = 0;
  /** The periodic upkeep: expiry every tick; overdue deliveries, log pruning and unsent content every MAINTENANCE_EVERY_TICKS. */
  #maintain(): void {
    if (!this.store.db.open) return;
    this.expireMessages();
    // Content waiting for a device's first session is tried every tick (each device backs off on its own).
    if (this.#link.client && this.store.repairs.hasUnsent()) void flushUnsent(this.#ctx).catch((e: unknown) => this.#ctx.audit('delivery.failed', { reason: errorCode(e) }));
    if (this.#ticks++ % MAINTENANCE_EVERY_TICKS !== 0) return;
    this.store.repairs.prune();
    this.checkDeliveries();
    if (this.#link.client) void flushUnsent(this.#ctx).catch((e: unknown) => this.#ctx.audit('delivery.failed', { reason: errorCode(e) }));
  }

  /** Outgoing messages nobody confirmed within the deadline show "not delivered" (with a retry action); runs on the upkeep tick. */
  checkDeliveries(): void {
    const changed = this.store.messages.failOverdue(Date.now() - this.#deadlineMs);
    for (const [conversationId, ids] of changed) this.#ctx.events.messagesChanged(conversationId, ids);
    if (changed.size > 0) this.#ctx.events.conversationsChanged();
  }

  async close(): Promise<void> {
    await this.#backup.stop();
    if (this.#expiry) clearInterval(this.#expiry);
    await this.#link.stop();
    await this.#prekeys.stop();
    await this.#incoming;
    this.store.close();
    this.keys.dispose();
  }

  // ── account ──────────────────────────────────────────────────────────────

  /** This device's keys (the account part changes when the phrase rotates). */
  get keys(): DeviceKeys {
    return this.#ctx.keys;
  }

  get displayName(): string {
    return this.#ctx.displayName();
  }

  invite(): string {
    return encodeInvite({ accountKey: this.keys.accountPublicKey, relayUrl: this.relayUrl, relayKey: this.store.directory.relayKeyPin(relayPinId(this.relayUrl)) });
  }

  /** The identity key pinned for this profile's relay (base64url), or null before the first connection. */
  relayKeyPin(): string | null {
    const key = this.store.directory.relayKeyPin(relayPinId(this.relayUrl));
    return key ? toBase64Url(key) : null;
  }

  /**
   * Trusts `key` (base64url) for this profile's relay in place of the pin and
   * connects again: the user's explicit answer to a relayKeyChanged state,
   * given the key that state showed (so a third key still gets refused).
   */
  acceptRelayKey(key: string): void {
    const k = relayKeyFromId(key);
    if (!k) throw new ChatError('CHAT_NOT_ALLOWED', 'That is not a relay identity key (43 characters of base64url).');
    this.store.directory.setRelayKeyPin(relayPinId(this.relayUrl), k);
    this.#ctx.audit('relay.key_pinned', { relayKey: key, origin: 'accepted' });
    this.#link.start();
  }

  /** The phrase while it still awaits confirmation, else null. */
  pendingPhrase(): string | null {
    const a = this.store.directory.account();
    return a ? decodeAccountRecord(a.keyMaterial).pendingPhrase : null;
  }

  /** Checks three words (0-based positions) and erases the stored phrase once they match. */
  confirmPhrase(answers: readonly { index: number; word: string }[]): void {
    const phrase = this.pendingPhrase();
    if (!phrase) return;
    const words = phrase.split(' ');
    if (answers.length === 0 || answers.some((a) => words[a.index] !== a.word.trim().toLowerCase())) {
      throw new ChatError('CHAT_PHRASE_MISMATCH', 'Those words do not match your recovery phrase. Check what you wrote down.');
    }
    const a = this.store.directory.account()!;
    const record = decodeAccountRecord(a.keyMaterial);
    this.store.directory.setAccount(a.accountId, a.displayName, encodeAccountRecord({ ...record, pendingPhrase: null }));
    this.store.checkpoint();
  }

  settings(): { readReceipts: boolean; typingIndicators: boolean; notificationPreviews: boolean; relayUrl: string } {
    const d = this.store.directory;
    return {
      readReceipts: d.setting(SETTING_READ_RECEIPTS) !== '0',
      typingIndicators: d.setting(SETTING_TYPING) !== '0',
      notificationPreviews: d.setting(SETTING_PREVIEWS) !== '0',
      relayUrl: d.setting(SETTING_RELAY) ?? this.relayUrl,
    };
  }

  updateSettings(patch: Partial<ReturnType<Messenger['settings']>>): ReturnType<Messenger['settings']> {
    const d = this.store.directory;
    if (patch.readReceipts !== undefined) d.setSetting(SETTING_READ_RECEIPTS, patch.readReceipts ? '1' : '0');
    if (patch.typingIndicators !== undefined) d.setSetting(SETTING_TYPING, patch.typingIndicators ? '1' : '0');
    if (patch.notificationPreviews !== undefined) d.setSetting(SETTING_PREVIEWS, patch.notificationPreviews ? '1' : '0');
    if (patch.relayUrl !== undefined) {
      if (!/^wss?:\/\/\S+$/u.test(patch.relayUrl)) throw new ChatError('CHAT_NOT_ALLOWED', 'A relay address starts with ws:// or wss://.');
      d.setSetting(SETTING_RELAY, patch.relayUrl);
    }
    if (patch.readReceipts !== undefined || patch.typingIndicators !== undefined || patch.notificationPreviews !== undefined) {
      const now = this.settings();
      void toOwnDevices(this.#ctx, { v: 1, type: 'settings', sentAt: Date.now(), readReceipts: now.readReceipts, typingIndicators: now.typingIndicators, notificationPreviews: now.notificationPreviews }).catch(() => undefined);
    }
    return this.settings();
  }

  // ── contacts ─────────────────────────────────────────────────────────────

  contacts(): ContactRow[] {
    return this.#ctx.contacts.all();
  }

  contact(accountId: string): ContactRow {
    const c = this.#ctx.contacts.get(accountId);
    if (!c) throw new ChatError('CHAT_UNKNOWN_CONTACT', 'There is no such contact.');
    return c;
  }

  contactByName(name: string): ContactRow {
    const c = this.#ctx.contacts.byName(name);
    if (!c) throw new ChatError('CHAT_UNKNOWN_CONTACT', `You have no contact named “${name}”.`);
    return c;
  }

  /**
   * Adds a contact from their invite code: fetches their signed device list
   * (verified against the account key in the code), starts sessions, and
   * introduces us by name. A known name with a different account key is an
   * identity change that waits for the user's acceptance.
   */
  async addContact(code: string, name: string): Promise<ContactRow> {
    const invite = decodeInvite(code);
    if (invite.relayKey) {
      // The inviter's pin for their relay: ours for that address unless we pinned one already; a conflict is recorded, never adopted.
      const pinned = pinFromCode(storedPins(this.store.directory, () => undefined), invite.relayUrl, invite.relayKey);
      if (pinned !== 'already') this.#ctx.audit(pinned === 'pinned' ? 'relay.key_pinned' : 'relay.key_refused', { relayKey: toBase64Url(invite.relayKey), origin: 'invite' });
    }
    const accountId = toBase64Url(invite.accountKey);
    const trimmed = name.trim();
    if (accountId === this.keys.accountId) throw new ChatError('CHAT_SELF_CONTACT', 'That is your own invite code.');
    const repo = this.#ctx.contacts;
    if (repo.get(accountId)) throw new ChatError('CHAT_CONTACT_EXISTS', 'This person is already in your contacts.');
    const sameName = repo.byName(trimmed);
    const client = await this.#link.online(5_000);
    if (!client) throw new ChatError('CHAT_OFFLINE', 'Parley cannot reach the relay; adding a contact needs a connection.');
    const list = await client.getDeviceList(accountId);
    if (list.accountId !== accountId) throw new ChatError('CHAT_BAD_DEVICE_LIST', 'The relay answered with another account’s device list.');
    if (sameName) {
      repo.setPendingAccount(sameName.accountId, accountId);
      this.#ctx.events.contactsChanged();
      this.#ctx.events.conversationsChanged();
      return repo.get(sameName.accountId)!;
    }
    this.store.db.transaction(() => {
      // Their profile message may have made the contact while we fetched the list: the name the user chose wins.
      if (repo.get(accountId)) repo.rename(accountId, trimmed);
      else repo.insert({ accountId, name: trimmed, relayUrl: invite.relayUrl }, Date.now());
      repo.setDevices(accountId, list.devices.map((d) => d.deviceId));
      this.store.messages.upsertConversation({ id: accountId, kind: 'direct', peerAccountId: accountId, title: trimmed, expireTimerMs: null });
    })();
    await this.#send(accountId, { v: 1, type: 'profile', name: this.displayName, sentAt: Date.now() });
    await syncContacts(this.#ctx, [accountId]);
    this.#ctx.events.contactsChanged();
    this.#ctx.events.conversationsChanged();
    return repo.get(accountId)!;
  }

  safetyNumber(accountId: string): SafetyNumber {
    const c = this.contact(accountId);
    const theirs = fromBase64Url(c.pendingAccountId ?? c.accountId)!;
    return safetyNumber(this.keys.accountPublicKey, theirs);
  }

  setVerified(accountId: string, verified: boolean): ContactRow {
    const c = this.contact(accountId);
    if (c.pendingAccountId) throw new ChatError('CHAT_IDENTITY_CHANGED', 'Accept the new safety number before verifying it.');
    this.#ctx.contacts.setTrust(accountId, verified ? 'verified' : 'unverified');
    void syncContacts(this.#ctx, [accountId]).catch(() => undefined);
    this.#ctx.events.contactsChanged();
    this.#ctx.events.conversationsChanged();
    return this.contact(accountId);
  }

  // ── messages ─────────────────────────────────────────────────────────────

  async #send(accountId: string, content: Content, message?: NewMessage): Promise<void> {
    await sendContent(this.#ctx, recipientsOf(this.#ctx, accountId), content, message, accountId);
    void flushOutbox(this.#ctx).catch((e: unknown) => this.#ctx.audit('delivery.failed', { reason: errorCode(e) }));
  }

  /**
   * Sends a message that shows "not delivered" again, to every current
   * device of the contact and our other devices, under the same id (the
   * receiver keeps one copy). It shows "queued" until the relay takes it.
   */
  async retryMessage(messageId: string): Promise<Message> {
    const m = this.store.messages.get(messageId);
    if (!m || m.direction !== 'out' || m.kind !== 'text' || m.deletedAt !== null) throw new ChatError('CHAT_UNKNOWN_MESSAGE', 'There is no message of yours to send again.');
    if (m.state !== 'failed') throw new ChatError('CHAT_NOT_FAILED', 'Only a message that shows “not delivered” can be sent again.');
    const logged = this.store.repairs.sentContents(m.id).map((c) => parseContent(c)).find((c) => c.type === 'text');
    const hasFile = this.store.attachments.forMessage(m.id).length > 0;
    if (!logged && hasFile) throw new ChatError('CHAT_RETRY_UNAVAILABLE', 'This file is no longer held for sending again; send it once more.');
    const timer = m.expiresAt == null ? null : Math.max(1, Math.round((m.expiresAt - m.sentAt) / 1000));
    const content: Content = logged ?? { v: 1, type: 'text', id: m.id, text: m.body, sentAt: m.sentAt, replyTo: m.replyTo ?? null, expireSeconds: timer, attachment: null };
    this.store.messages.setState(m.id, 'queued');
    await sendContent(this.#ctx, recipientsOf(this.#ctx, m.conversationId), content, undefined, m.conversationId, m.id);
    void flushOutbox(this.#ctx).catch((e: unknown) => this.#ctx.audit('delivery.failed', { reason: errorCode(e) }));
    this.#ctx.events.messagesChanged(m.conversationId, [m.id]);
    return this.store.messages.get(m.id)!;
  }

  /** Sends a text; resolves once it is committed to the outbox (it goes out now or on reconnect). */
  async sendText(conversationId: string, text: string, opts: { replyTo?: string | undefined } = {}): Promise<Message> {
    const c = this.contact(conversationId);
    if (c.pendingAccountId) throw new ChatError('CHAT_IDENTITY_CHANGED', `${c.name}’s safety number changed. Review and accept it before sending.`);
    const id = newMessageId();
    const now = Date.now();
    const timer = this.#timerMs(conversationId);
    await this.#send(
      conversationId,
      { v: 1, type: 'text', id, text, sentAt: now, replyTo: opts.replyTo ?? null, expireSeconds: timer === null ? null : Math.round(timer / 1000), attachment: null },
      { id, conversationId, sender: this.keys.accountId, direction: 'out', body: text, sentAt: now, receivedAt: now, state: 'queued', replyTo: opts.replyTo ?? null, expiresAt: timer === null ? null : now + timer },
    );
    this.#ctx.events.messagesChanged(conversationId, [id]);
    this.#ctx.events.conversationsChanged();
    return this.store.messages.get(id)!;
  }

  #timerMs(conversationId: string): number | null {
    return this.store.messages.timerOf(conversationId);
  }

  /** Marks a conversation read and, if enabled, tells the sender with an encrypted read receipt. */
  async markRead(conversationId: string): Promise<void> {
    const ids = this.store.db.prepare(`SELECT id FROM messages WHERE conversation_id = ? AND unread = 1 AND direction = 'in' ORDER BY sent_at`).pluck().all(conversationId) as string[];
    if (ids.length === 0) return;
    const last = this.store.messages.get(ids[ids.length - 1]!)!;
    this.store.messages.markRead(conversationId, { at: last.sentAt, id: last.id });
    if (this.settings().readReceipts) {
      for (let i = 0; i < ids.length; i += 500) {
        await this.#send(conversationId, { v: 1, type: 'receipt', kind: 'read', targets: ids.slice(i, i + 500), sentAt: Date.now() });
      }
    }
    this.#ctx.events.conversationsChanged();
  }

  history(conversationId: string, limit: number, before?: { at: number; id: string }): Message[] {
    this.contact(conversationId);
    return this.store.messages.page(conversationId, limit, before);
  }

  search(text: string, limit = 50): Message[] {
    return this.store.messages.search(text, limit);
  }

  /** Edits one of our own messages here and on every recipient device. */
  editMessage(messageId: string, text: string): Promise<Message> {
    return editMessage(this.#conv, messageId, text);
  }

  /** Deletes a message here; for everyone (own messages only) also on the other side. */
  deleteMessage(messageId: string, forEveryone: boolean): Promise<void> {
    return deleteMessage(this.#conv, messageId, forEveryone);
  }

  /** One reaction per person per message; null removes ours. */
  react(messageId: string, emoji: string | null): Promise<Message> {
    return react(this.#conv, messageId, emoji);
  }

  get #conv(): ConversationHost {
    return { ctx: this.#ctx, send: (accountId, content, message) => this.#send(accountId, content, message) };
  }

  /** Tells the contact we are (or stopped) typing; dropped when offline or switched off. */
  async setTyping(conversationId: string, typing: boolean): Promise<void> {
    this.contact(conversationId);
    if (!this.settings().typingIndicators || !this.#link.client) return;
    await this.#send(conversationId, { v: 1, type: 'typing', typing, sentAt: Date.now() });
  }

  /** Sets the conversation's disappearing-message timer on both sides. */
  async setDisappearingTimer(conversationId: string, seconds: number | null): Promise<void> {
    this.contact(conversationId);
    this.store.messages.setTimer(conversationId, seconds === null ? null : seconds * 1000);
    await this.#send(conversationId, { v: 1, type: 'timer', expireSeconds: seconds, sentAt: Date.now() });
    this.#ctx.events.conversationsChanged();
  }

  /** Accepts a contact's new account key: the conversation continues under it, unverified. */
  acceptIdentityChange(accountId: string): ContactRow {
    const c = this.contact(accountId);
    if (!c.pendingAccountId) return c;
    const next = c.pendingAccountId;
    moveContactAccount(this.store, accountId, next);
    const client = this.#link.client;
    if (client) void refreshDevices(this.#ctx, client, next).catch(() => undefined);
    this.#ctx.events.contactsChanged();
    this.#ctx.events.conversationsChanged();
    return this.contact(next);
  }

  /** Deletes messages whose disappearing timer ran out (and their search rows); returns how many. */
  expireMessages(now = Date.now()): number {
    return expireMessages(this.#ctx, now);
  }

  /** The messages around one message (for jumping to a search hit). */
  messageContext(messageId: string, limit: number): { conversationId: string; items: Message[] } {
    return messageContext(this.#ctx, messageId, limit);
  }

  beginAttachment(conversationId: string, name: string, mime: string, size: number): string {
    const c = this.contact(conversationId);
    if (c.pendingAccountId) throw new ChatError('CHAT_IDENTITY_CHANGED', `${c.name}’s safety number changed. Review and accept it before sending.`);
    return this.#files.begin(conversationId, name, mime, size).id;
  }

  appendAttachment(uploadId: string, chunk: Uint8Array): Promise<number> {
    return this.#files.append(uploadId, chunk);
  }

  cancelAttachment(uploadId: string): void {
    this.#files.cancel(uploadId);
  }

  /** Uploads the encrypted file and sends the message that points to it. */
  async finishAttachment(uploadId: string): Promise<Message> {
    const client = await this.#link.online(5_000);
    if (!client) throw new ChatError('CHAT_OFFLINE', 'Parley cannot reach the relay; sending a file needs a connection.');
    const slot = await client.attachmentUpload();
    const { upload, pointer, digest } = await this.#files.finish(uploadId, this.relayUrl, slot);
    const id = newMessageId();
    const now = Date.now();
    const timer = this.#timerMs(upload.conversationId);
    const expireSeconds = timer === null ? null : Math.round(timer / 1000);
    await this.#send(
      upload.conversationId,
      { v: 1, type: 'text', id, text: '', sentAt: now, replyTo: null, expireSeconds, attachment: pointer },
      { id, conversationId: upload.conversationId, sender: this.keys.accountId, direction: 'out', body: '', sentAt: now, receivedAt: now, state: 'queued', expiresAt: timer === null ? null : now + timer },
    );
    this.store.attachments.put({ id: upload.id, messageId: id, contentType: upload.mime, size: upload.size, fileName: upload.name, localPath: upload.file, key: upload.key, digest });
    messagesChanged(this.#ctx, upload.conversationId, [id]);
    return getMessage(this.#ctx, id);
  }

  /** Reads a decrypted attachment chunk by chunk, from offset 0 on. */
  async readAttachment(attachmentId: string, offset: number): Promise<{ chunk: Uint8Array; done: boolean; messageId: string }> {
    const row = this.store.db.prepare('SELECT message_id FROM attachments WHERE id = ?').pluck().get(attachmentId) as string | undefined;
    const a = row ? this.store.attachments.forMessage(row).find((x) => x.id === attachmentId) : undefined;
    if (!a) throw new ChatError('CHAT_UNKNOWN_MESSAGE', 'That attachment no longer exists.');
    return { ...(await this.#files.read(a, offset)), messageId: a.messageId };
  }

  // ── own devices: sync, linking, revocation, phrase rotation ─────────────

  get #host(): AccountHost {
    return {
      ctx: this.#ctx,
      store: this.store,
      link: this.#link,
      displayName: this.displayName,
      setUpload: (u) => (this.#upload = u),
      replaceBackup: async (keys, backup) => {
        await this.#backup.stop();
        this.#backup = new AccountBackup(this.store, backup ? backupKeysOf(backup) : null, keys.deviceId, () => relayHttpBase(this.relayUrl), () => this.#ctx.events.backupChanged());
        this.#backup.start();
      },
    };
  }

  /** A new recovery phrase and account key (accountOps.rotatePhrase); returns the phrase. */
  rotatePhrase(): Promise<string> {
    return rotatePhrase(this.#host);
  }

  devices(): OwnDevice[] {
    return listOwnDevices(this.store);
  }

  /** Reads a new device's link code for confirmation: its name, and whether it can be linked from here. */
  inspectLink(code: string): { deviceName: string; deviceId: string } {
    const link = inspectLink(this.#ctx, code, this.relayUrl);
    return { deviceName: link.deviceName, deviceId: toBase64Url(link.deviceKey) };
  }

  /** Links the device whose code the user confirmed: history (last `historyDays`, or all), keys and contacts, end to end encrypted. */
  async acceptLink(code: string, historyDays: number | null, onProgress: (p: ProvisionProgress) => void = () => undefined): Promise<{ deviceId: string; name: string }> {
    const record = decodeAccountRecord(this.store.directory.account()!.keyMaterial);
    const linked = await provisionNewDevice(this.#ctx, { code, historyDays, dir: this.store.dir ?? '.', relayUrl: this.relayUrl, backup: record.backup, onProgress });
    this.#ctx.events.devicesChanged();
    // Contacts learn of the new device from us too, in case it closes before announcing itself.
    await announceDevices(this.#ctx).catch((e: unknown) => this.#ctx.audit('delivery.failed', { reason: errorCode(e) }));
    return linked;
  }

  /** Removes a device from the account (accountOps.revokeDevice). */
  revokeDevice(deviceId: string): Promise<void> {
    return revokeDevice(this.#ctx, deviceId);
  }

  #wiped: Promise<void> | null = null;
  /** This device was revoked (proof checked): close everything and delete the profile's keys and data. */
  #wipe(): Promise<void> {
    this.#wiped ??= (async () => {
      const dir = this.store.dir;
      await this.close().catch(() => undefined);
      if (dir) wipeProfile(dir);
      this.#ctx.events.revoked();
    })();
    return this.#wiped;
  }

  /** Resolves once a revocation has wiped this profile (tests and the CLI wait on it). */
  get revoked(): Promise<void> | null {
    return this.#wiped;
  }

  // ── backup ───────────────────────────────────────────────────────────────

  backupStatus(): ReturnType<AccountBackup['status']> {
    return this.#backup.status();
  }

  /** Writes the backup now (the writer device only). */
  async backupNow(): Promise<ReturnType<AccountBackup['status']>> {
    await this.#backup.now();
    return this.#backup.status();
  }

  /** Sends any outbox entries now (used after reconnects and by the CLI before exiting). */
  async flush(): Promise<void> {
    await flushOutbox(this.#ctx);
  }
}
