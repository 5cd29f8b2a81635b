/**
 * The composition root of one profile directory: it opens (or creates,
 * links, restores) the profile, builds the services on one context and one
 * event bus, runs the relay link and the upkeep tick, and exposes the
 * services. The Electron app (through the IPC handlers), the CLI and the
 * tests all drive this same object.
 */
import { DELIVERY_DEADLINE_MS, RELAY_CONNECT_WAIT_MS } from '../../shared/constants';
import { AccountBus } from '../account/events';
import type { DeviceKeys } from '../account/keys';
import { wipeProfile } from '../account/profile';
import { decodeAccountRecord } from '../account/record';
import { AccountService } from '../account/service';
import { SETTING } from '../account/settingKeys';
import { knownListVersion, listBook, resignAfter } from '../account/deviceList';
import { AttachmentService } from '../attachments/service';
import { BackupService } from '../backup/service';
import { ContactService } from '../contacts/service';
import type { ChatContext } from '../conversations/context';
import { errorCode, refreshDevices } from '../conversations/outgoing';
import { runOwedRefreshes } from '../conversations/owedRefreshes';
import { ConversationService } from '../conversations/service';
import { DeviceService } from '../devices/service';
import { PrekeyUpkeep } from '../prekeys/upkeep';
import { relayHttpBase, RelayLink } from '../relayClient/relayLink';
import { confirmRevocation } from '../relayClient/signing';
import { relayKeyFromId, relayPinId, storedPins } from '../relayClient/pins';
import { toBase64Url } from '../../shared/wire/encoding';
import { ChatError } from '../account/errors';
import { SessionLayer } from '../session/sessionLayer';
import type { MultiDeliveryRequest, MultiDeliveryResult } from '../session/multiDelivery';
import { forgetSealedStatics } from '../session/sealedSender';
import { forgetSealAhead } from '../session/sealAhead';
import type { LocalStore } from '../store';
import { createProfile, linkProfile, openProfile, restoreProfile, type CreateStep, type LinkOptions, type MessengerOptions, type NewProfile } from './newProfile';
import { ExportService } from '../export/service';
import { GroupService } from '../groups/service';
import { MultiUpload, PairwiseFanout } from '../groups/delivery';

export { profileExists, type CreateStep, type LinkOptions, type LinkProgress, type MessengerOptions, type UnlockWith } from './newProfile';
export type { LinkCheck } from '../devices/newDevice';

/** One running profile: its services (see the file comment). */
export class Messenger {
  /** The typed bus the services talk through; subscribe here for any event. */
  readonly bus = new AccountBus();
  /** Name, invite, recovery-phrase confirmation, settings. */
  readonly account: AccountService;
  /** Adding contacts, trust, safety numbers, identity changes. */
  readonly contacts: ContactService;
  /** Sending, changing and receiving messages. */
  readonly conversations: ConversationService;
  /** Files sent and received. */
  readonly attachments: AttachmentService;
  /** Own devices: linking, revocation, phrase rotation, own-device sync. */
  readonly devices: DeviceService;
  /** The account backup. */
  readonly backup: BackupService;
  /** Conversation export (JSON or HTML, attachments beside it); callers ask the person first. */
  readonly exports: ExportService;
  /** Prekey replenishment and rotation on the relay. */
  readonly prekeys: PrekeyUpkeep;
  /** Groups: signed membership, sender keys, group messages (docs/protocol.md §8). */
  readonly groups: GroupService;
  readonly #ctx: ChatContext;
  readonly #link: RelayLink;
  #wiped: Promise<void> | null = null;

  private constructor(readonly store: LocalStore, keys: DeviceKeys, readonly relayUrl: string, o: MessengerOptions, upload: NewProfile['upload'] | null) {
    this.bus.onAll(o.events ?? {});
    const audit: ChatContext['audit'] = (kind, detail) => {
      if (store.db.open) store.audit.record(kind, detail);
    };
    this.account = new AccountService(store, this.bus, () => this.#ctx.keys, relayUrl);
    this.#link = new RelayLink({
      url: relayUrl,
      accountId: keys.accountId,
      device: keys.deviceSigner,
      registration: () => (store.directory.setting(SETTING.registered) === '1' ? undefined : this.devices.registrationList()),
      onState: (s) => {
        if (s.reason === 'relayKeyChanged') this.#ctx.audit('relay.key_refused', { relayKey: s.relayKey ?? '', origin: 'relay' });
        o.onConnection?.(s);
      },
      pins: storedPins(store.directory, (_id, key) => this.#ctx.audit('relay.key_pinned', { relayKey: toBase64Url(key), origin: 'first-use' })),
      onOnline: (client) => this.#onOnline(client),
      onRevoked: (list) => {
        if (!confirmRevocation(list, this.keys.accountPublicKey, this.keys.deviceId, knownListVersion(store))) return false;
        void this.#wipe();
        return true;
      },
      lists: listBook(store, () => this.#ctx.keys.accountId),
      onListRefused: (current) => resignAfter(store, this.keys, current) !== null,
      onMessages: (ms) => this.conversations.receiveMany(ms),
      onBacklog: (queued) => this.conversations.backlog(queued),
    });
    const contacts = store.contacts;
    this.#ctx = {
      store, keys, contacts, audit, bus: this.bus, events: this.bus.chatEvents(), link: this.#link, now: Date.now, groups: null,
      displayName: () => this.account.displayName,
      settings: () => this.account.settings(),
      sessions: new SessionLayer({
        store, link: this.#link, audit, now: Date.now,
        keys: () => this.#ctx.keys,
        listed: (accountId) => {
          const own = () => store.ownDevices.all().map((d) => d.deviceId);
          if (accountId === this.#ctx.keys.accountId) return own();
          // Not a contact: an earlier account of ours (content queued before a phrase rotation still goes to our own devices).
          if (contacts.get(accountId)) return contacts.devices(accountId);
          // A group member who is not a contact: the devices of their signed list as last verified (docs/protocol.md §8).
          const members = store.groups.devicesOf(accountId);
          return members.length > 0 ? members : own();
        },
      }),
    };
    this.conversations = new ConversationService(this.#ctx, o.deliveryDeadlineMs ?? DELIVERY_DEADLINE_MS);
    this.groups = new GroupService(this.#ctx, this.conversations, o.groupDelivery === 'pairwise' ? new PairwiseFanout(this.#ctx) : new MultiUpload(this.#ctx));
    this.#ctx.groups = this.groups.hooks;
    this.contacts = new ContactService(this.#ctx, this.conversations);
    this.attachments = new AttachmentService(this.#ctx, this.conversations, relayUrl);
    this.devices = new DeviceService(this.#ctx, relayUrl, upload);
    this.exports = new ExportService(this.#ctx);
    this.prekeys = new PrekeyUpkeep({ store, identity: keys.identity, audit });
    const record = decodeAccountRecord(store.directory.account()!.keyMaterial);
    record.accountSecretKey.fill(0);
    this.backup = new BackupService(store, this.bus, record.backup, keys.deviceId, () => relayHttpBase(relayUrl));
    this.backup.start();
    this.conversations.startUpkeep();
    this.#link.start();
  }

  /** Creates the account and this device; returns the 24-word phrase, which is also kept sealed until confirmed. */
  static async create(
    o: MessengerOptions & { displayName: string; relayUrl: string; deviceName?: string; onProgress?: (step: CreateStep) => void },
  ): Promise<{ messenger: Messenger; phrase: string }> {
    const p = await createProfile(o);
    const m = new Messenger(p.store, p.keys, p.relayUrl, o, p.upload);
    o.onProgress?.('register');
    if (await m.waitOnline(RELAY_CONNECT_WAIT_MS)) o.onProgress?.('prekeys');
    o.onProgress?.('done');
    return { messenger: m, phrase: p.phrase };
  }

  /** Links this new desktop to an existing account (see linkProfile); resolves once linked and imported. */
  static async link(
    o: MessengerOptions & LinkOptions,
  ): Promise<Messenger> {
    const p = await linkProfile(o);
    return new Messenger(p.store, p.keys, p.relayUrl, o, p.upload);
  }

  /** Restores an account from its phrase and backup on a fresh install (see restoreProfile). */
  static async restore(
    o: MessengerOptions & { phrase: string; relayUrl: string; deviceName?: string; onProgress?: (p: { phase: 'download' | 'import'; done: number; total: number }) => void },
  ): Promise<{ messenger: Messenger; restoredMessages: number; backupFound: boolean }> {
    const p = await restoreProfile(o);
    return { messenger: new Messenger(p.store, p.keys, p.relayUrl, o, p.upload), restoredMessages: p.restoredMessages, backupFound: p.backupFound };
  }

  /** Unlocks an existing profile. A wrong passphrase is STORE_WRONG_PASSPHRASE and changes nothing. */
  static async open(o: MessengerOptions): Promise<Messenger> {
    const p = await openProfile(o);
    return new Messenger(p.store, p.keys, p.relayUrl, o, null);
  }

  /** This device's keys (the account part changes when the phrase rotates). */
  get keys(): DeviceKeys {
    return this.#ctx.keys;
  }

  /**
   * One payload to many devices in one multi-recipient upload (the group
   * layer's delivery, docs/protocol.md §3.5.1): devices the relay refuses are
   * handled as for 1:1 sends, through this profile's own and contacts' lists.
   */
  deliverMulti(req: Omit<MultiDeliveryRequest, 'refresh'>): Promise<MultiDeliveryResult> {
    return this.#ctx.sessions.deliverMulti({ ...req, refresh: (accountId, client) => refreshDevices(this.#ctx, client, accountId) });
  }

  /** Waits until the relay connection is up (or the timeout passes). */
  async waitOnline(timeoutMs = RELAY_CONNECT_WAIT_MS): Promise<boolean> {
    return (await this.#link.online(timeoutMs)) !== null;
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
    if (!k) throw new ChatError('CHAT_BAD_RELAY_KEY', 'That is not a relay identity key (43 characters of base64url).');
    this.store.directory.setRelayKeyPin(relayPinId(this.relayUrl), k);
    this.#ctx.audit('relay.key_pinned', { relayKey: key, origin: 'accepted' });
    this.#link.start();
  }

  /** Resolves once a revocation has wiped this profile (tests and the CLI wait on it). */
  get revoked(): Promise<void> | null {
    return this.#wiped;
  }

  async #onOnline(client: NonNullable<RelayLink['client']>): Promise<void> {
    await this.devices.register(client);
    await this.conversations.ackPending();
    // List changes noted but not fetched (a crash after the receive commit, a failed fetch): started first, not awaited (a slow fetch holds up no receipt or flush).
    void runOwedRefreshes(this.#ctx, true).catch((e: unknown) => this.#ctx.audit('devices.refresh_failed', { reason: errorCode(e) }));
    await this.devices.announcePending();
    await this.conversations.sendOwedReceipts();
    await this.conversations.flush();
    await this.groups.resumeUploads();
    await this.conversations.flushUnsent();
    await this.prekeys.online(client);
  }

  /** Stops every service, closes the store and erases the keys in memory. */
  async close(): Promise<void> {
    await this.backup.stop();
    this.conversations.stopUpkeep();
    await this.#link.stop();
    await this.prekeys.stop();
    await this.conversations.drain();
    this.store.close();
    this.keys.dispose();
    this.devices.dispose();
    this.#ctx.sessions.forgetSealEpochs();
    forgetSealedStatics();
    forgetSealAhead();
  }

  /** This device was revoked (proof checked): close everything and delete the profile's keys and data. */
  #wipe(): Promise<void> {
    this.#wiped ??= (async () => {
      const dir = this.store.dir;
      // The wipe goes on (the device is revoked either way); the store may be closed already, so the trace goes to stderr.
      await this.close().catch((e: unknown) => console.error(`Parley: closing the revoked profile failed (${errorCode(e)}); deleting it anyway.`));
      if (dir) wipeProfile(dir);
      this.bus.emit('revoked');
    })();
    return this.#wiped;
  }
}
