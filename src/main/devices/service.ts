/**
 * The devices service: this account's devices and what crosses between
 * them. It links new desktops, revokes devices, rotates the recovery phrase
 * (a new account key, signed over by the old one) and switches to a key
 * another device rotated, registers with the relay and uploads the first
 * prekeys, and tells our other devices about contacts, settings and names
 * (own-device sync). It listens on the bus for `accountRotated`,
 * `contactsEdited` and `settingsEdited`, and emits `accountSwitched`.
 */
import { toBase64Url } from '../../shared/wire/encoding';
import type { Content } from '../../shared/wire/content';
import { RELAY_ACTION_WAIT_MS, ROTATION_FLUSH_ATTEMPTS, ROTATION_FLUSH_RETRY_MS } from '../../shared/constants';
import { deriveRecoveryKeys, generateRecoveryPhrase, phraseToSeed } from '../account/recovery';
import { signKeyChange } from '../account/rotation';
import type { RelayClient } from '../relayClient/client';
import { decodeAccountRecord, encodeAccountRecord, type BackupKeyRecord } from '../account/record';
import type { ChatContext } from '../conversations/context';
import type { ProtocolAddress } from '../protocol';
import { ChatError } from '../account/errors';
import { createInitialPrekeys, type PrekeyUpload } from '../account/keys';
import { errorCode, flushOutbox, ownRecipients, recipientsOf, sendContent } from '../conversations/outgoing';
import { adoptList, currentEntries, listOwnDevices, publishList, signNextList, signSuccessor, storedList, type OwnDevice } from '../account/deviceList';
import { backupRecordOf } from '../account/profile';
import { SETTING } from '../account/settingKeys';
import type { SignedDeviceList } from '../../shared/wire/deviceList';
import { inspectLink, provisionNewDevice, type ProvisionProgress } from './existingDevice';
import { ProvisioningSender } from './provisioningCipher';
import { encodeSecurePending, finishSecuring, securePending, type SecurePending } from './secure';

/** What the existing desktop shows before it answers a link code. */
export interface LinkPreview {
  /** The new desktop's name, from its link code. */
  readonly deviceName: string;
  readonly deviceId: string;
  /** This account's display name (the new desktop shows the name it receives). */
  readonly accountName: string;
  /** The code both desktops must show (issue 13 §5). */
  readonly shortCode: string;
}

/** This account's devices and own-device sync (see the file comment). */
export class DeviceService {
  /** The first prekeys, until the relay has them. */
  #upload: PrekeyUpload | null;
  /** This session's provisioning key: one link code, one short code, from inspection to answer. */
  readonly #sender = new ProvisioningSender();
  /** The "Remove and secure" relay step in flight, if any. */
  #securing: Promise<boolean> | null = null;

  constructor(
    private readonly ctx: ChatContext,
    private readonly relayUrl: string,
    upload: PrekeyUpload | null,
  ) {
    this.#upload = upload;
    const { bus } = ctx;
    const recorded = (kind: 'phrase.rotation_failed' | 'delivery.failed') => (e: unknown) => ctx.audit(kind, { reason: errorCode(e) });
    bus.on('accountRotated', (secret, backup) => this.switchAccount(secret, backup, null).catch(recorded('phrase.rotation_failed')));
    bus.on('contactsEdited', (ids) => this.#syncContacts(ids).catch(recorded('delivery.failed')));
    bus.on('settingsEdited', () => {
      const s = ctx.settings();
      const sync: Content = { v: 1, type: 'settings', sentAt: Date.now(), readReceipts: s.readReceipts, typingIndicators: s.typingIndicators, notificationPreviews: s.notificationPreviews };
      return this.#toOwnDevices(sync).catch(recorded('delivery.failed'));
    });
  }

  /** This account's devices, oldest link first. */
  list(): OwnDevice[] {
    return listOwnDevices(this.ctx.store);
  }

  /** The list to register with: the last one this device signed or verified (older profiles sign their first now). */
  registrationList(): SignedDeviceList {
    const { store, keys } = this.ctx;
    const stored = storedList(store);
    if (stored) return stored;
    const list = signNextList(store, keys, store.ownDevices.all().map((d) => ({ deviceId: d.deviceId, addedAt: 0 })));
    adoptList(store, list, keys.deviceId);
    return list;
  }

  /** First thing on every authenticated connection: note the registration and upload the first prekeys once. */
  async register(client: RelayClient): Promise<void> {
    const d = this.ctx.store.directory;
    if (d.setting(SETTING.registered) !== '1') d.setSetting(SETTING.registered, '1');
    if (d.setting(SETTING.prekeysUploaded) !== '1' && this.#upload) {
      await client.uploadPrekeys(this.#upload);
      this.#upload = null;
      d.setSetting(SETTING.prekeysUploaded, '1');
    }
  }

  /** Announces a device-list change that waited for the connection (a new or restored device). */
  async announcePending(): Promise<void> {
    const d = this.ctx.store.directory;
    if (d.setting(SETTING.announce) === '1') {
      // Cleared only once the announcement is committed to the outbox: a close in between announces on the next start.
      await this.#announce();
      d.setSetting(SETTING.announce, '0');
    }
    // A "Remove and secure" cut short (crash, lost connection) finishes here; a failure is recorded and retried on the next connection.
    await this.#finishSecuring().catch((e: unknown) => this.ctx.audit('account.secure_failed', { reason: errorCode(e) }));
  }

  /**
   * Reads a new device's link code for confirmation: its name, whether it can
   * be linked from here, this account's name and the short code the new
   * device will show once this device answers (the same for this code until
   * the profile closes).
   */
  inspectLink(code: string): LinkPreview {
    const link = inspectLink(this.ctx, code, this.relayUrl);
    return { deviceName: link.deviceName, deviceId: toBase64Url(link.deviceKey), accountName: this.ctx.displayName(), shortCode: this.#sender.shortCode(link.ephemeralKey, link.provisioningId) };
  }

  /** Links the device whose code the user confirmed: history (last `historyDays`, or all), keys and contacts, end to end encrypted. */
  async acceptLink(code: string, historyDays: number | null, onProgress: (p: ProvisionProgress) => void = () => undefined): Promise<{ deviceId: string; name: string }> {
    const { store } = this.ctx;
    const record = decodeAccountRecord(store.directory.account()!.keyMaterial);
    const linked = await provisionNewDevice(this.ctx, { code, historyDays, dir: store.dir ?? '.', relayUrl: this.relayUrl, backup: record.backup, sender: this.#sender, onProgress });
    // Contacts learn of the new device from us too, in case it closes before announcing itself.
    await this.#announce().catch((e: unknown) => this.ctx.audit('delivery.failed', { reason: errorCode(e) }));
    return linked;
  }

  /** Erases this session's provisioning key (the profile is closing). */
  dispose(): void {
    this.#sender.dispose();
  }

  /** Removes a device from the account: a new signed list without it; contacts stop encrypting to it; it wipes itself. */
  async revokeDevice(deviceId: string): Promise<void> {
    const { ctx } = this;
    if (deviceId === ctx.keys.deviceId) throw new ChatError('CHAT_REVOKE_SELF', 'This device cannot revoke itself; revoke it from another device.');
    if (!listOwnDevices(ctx.store).some((d) => d.deviceId === deviceId)) throw new ChatError('CHAT_UNKNOWN_DEVICE', 'That device is not linked to this account.');
    const client = await ctx.link.online(RELAY_ACTION_WAIT_MS);
    if (!client) throw new ChatError('CHAT_OFFLINE', 'Parley cannot reach the relay; revoking a device needs a connection.');
    await publishList(ctx.store, ctx.keys, client, currentEntries(ctx.store).filter((d) => d.deviceId !== deviceId));
    ctx.store.delivery.dropRecipient(`${ctx.keys.accountId}.${deviceId}`);
    ctx.store.audit.record('device.revoked', { deviceId });
    ctx.events.devicesChanged();
    await this.#announce();
  }

  /**
   * Rotates the recovery phrase: a new account key. Our other devices get
   * the new key end to end and switch; contacts get the change signed by the
   * old key and see a safety-number warning until they accept. Then this
   * device switches and registers the new account on the relay, and retires
   * the old key there as "Remove and secure" does (a leaked phrase is the old
   * key too). Returns the new phrase (kept sealed until confirmed, like a new
   * account's).
   */
  async rotatePhrase(): Promise<string> {
    return (await this.secureAccount()).phrase;
  }

  /**
   * "Remove and secure" (docs/protocol.md §6.8), after revoking a device: a
   * new phrase and account key (as rotatePhrase), then the relay records the
   * old account key as superseded and the old backup is deleted, so a revoked device holding
   * every old key can publish no list and read no new backup. Returns the
   * new phrase and whether the relay part finished (if not, it is retried on
   * every connection until it does, and the audit log says why).
   */
  async secureAccount(): Promise<{ phrase: string; secured: boolean }> {
    const phrase = await this.#rotate();
    try {
      await this.#finishSecuring();
      return { phrase, secured: securePending(this.ctx) === null }; // the reconnect may have finished it first
    } catch (e) {
      this.ctx.audit('account.secure_failed', { reason: errorCode(e) });
      return { phrase, secured: false };
    }
  }

  /** One run at a time: the reconnect after the switch starts one too. */
  #finishSecuring(): Promise<boolean> {
    this.#securing ??= finishSecuring(this.ctx, this.relayUrl).finally(() => (this.#securing = null));
    return this.#securing;
  }

  async #rotate(): Promise<string> {
    const { ctx } = this;
    const client = await ctx.link.online(RELAY_ACTION_WAIT_MS);
    if (!client) throw new ChatError('CHAT_OFFLINE', 'Parley cannot reach the relay; rotating the phrase needs a connection.');
    const phrase = generateRecoveryPhrase();
    const recovery = await deriveRecoveryKeys(phraseToSeed(phrase));
    // The new DeviceKeys takes this copy over (and zeroes it when disposed); the recovery keys are zeroed now.
    const secret = recovery.account.secretKey.bytes.slice();
    const backup = backupRecordOf(recovery);
    recovery.dispose();
    const signature = signKeyChange(ctx.keys.accountSigner.secretKey, secret.subarray(32));
    const oldBackup = decodeAccountRecord(ctx.store.directory.account()!.keyMaterial);
    oldBackup.accountSecretKey.fill(0);
    const pending: SecurePending = { v: 1, oldAccountId: ctx.keys.accountId, signature, backup: oldBackup.backup };
    const sentAt = Date.now();
    await this.#toOwnDevices({ v: 1, type: 'accountRotated', sentAt, accountSecretKey: toBase64Url(secret), backup, signature });
    const change: Content = { v: 1, type: 'accountKeyChange', sentAt, newAccountId: toBase64Url(secret.subarray(32)), signature };
    await this.#toContacts(change);
    // Members of our groups who are not contacts see it in the group (docs/protocol.md §8.7); it leaves with the flush below.
    await this.#toGroupStrangers(change);
    // Everything for the old account leaves before the switch (the old mailbox is not read afterwards).
    for (let i = 0; i < ROTATION_FLUSH_ATTEMPTS && ctx.store.delivery.outbox(1).length > 0; i++) {
      // A failed flush is retried by this loop; the failure is recorded, and what is left goes out on reconnect.
      await flushOutbox(ctx).catch((e: unknown) => ctx.audit('delivery.failed', { reason: errorCode(e) }));
      if (ctx.store.delivery.outbox(1).length > 0) await new Promise((r) => setTimeout(r, ROTATION_FLUSH_RETRY_MS));
    }
    await this.switchAccount(secret, backup, phrase, pending);
    return phrase;
  }

  /** Moves this profile to a new account key (ours, or one of our devices rotated it), reconnects as that account and emits `accountSwitched`. */
  async switchAccount(secret: Uint8Array, backup: BackupKeyRecord | null, pendingPhrase: string | null, securing: SecurePending | null = null): Promise<void> {
    const { ctx } = this;
    const { store } = ctx;
    const old = ctx.keys;
    if (toBase64Url(secret.subarray(32)) === old.accountId) {
      secret.fill(0);
      return;
    }
    const keys = old.withAccount(secret);
    const now = Date.now();
    const list = signSuccessor(null, keys, currentEntries(store)); // a new account's first list: version 1, co-signed by this device
    const d = store.directory;
    const account = d.account()!;
    const record = decodeAccountRecord(account.keyMaterial);
    store.db.transaction(() => {
      store.accountMoves.ownAccount(old.accountId, keys.accountId);
      d.setAccount(keys.accountId, account.displayName, encodeAccountRecord({ ...record, accountSecretKey: secret, pendingPhrase, backup }));
      adoptList(store, list, keys.deviceId);
      d.setSetting(SETTING.registered, '0');
      d.setSetting(SETTING.prekeysUploaded, '0');
      d.setBackupState({ lastBackupAt: null, cursor: null, status: 'idle' });
      if (securing) d.setSetting(SETTING.securePending, encodeSecurePending(securing)); // with the switch, so no crash leaves the old key unsuperseded unnoticed
      store.audit.record('phrase.rotated', { previousAccountId: old.accountId, newAccountId: keys.accountId, origin: pendingPhrase === null ? 'other-device' : 'this-device' });
    })();
    record.accountSecretKey.fill(0);
    this.#upload = createInitialPrekeys(store, keys.identity, now);
    ctx.keys = keys;
    old.disposeAccount();
    await ctx.bus.emitAndWait('accountSwitched', keys, backup);
    await ctx.link.reauth(keys.accountId, keys.deviceSigner);
    ctx.events.contactsChanged();
    ctx.events.devicesChanged();
  }

  /** Sends account-level content to this account's other devices (sessions are made as needed). */
  async #toOwnDevices(content: Content): Promise<void> {
    const recipients = ownRecipients(this.ctx);
    if (recipients.length === 0) return;
    await sendContent(this.ctx, recipients, content);
    this.#flush();
  }

  /** Tells our other devices about contacts we added or whose trust changed. */
  async #syncContacts(accountIds: readonly string[]): Promise<void> {
    const contacts = accountIds.map((id) => this.ctx.contacts.get(id)).filter((c) => c !== null);
    if (contacts.length === 0) return;
    await this.#toOwnDevices({ v: 1, type: 'contacts', sentAt: Date.now(), contacts: contacts.map((c) => ({ accountId: c.accountId, name: c.name, trust: c.trust, relayUrl: c.relayUrl })) });
  }

  /** Queues `content` to every contact whose key is not in question (each on all their devices). */
  async #toContacts(content: Content): Promise<void> {
    for (const c of this.ctx.contacts.all()) {
      if (c.pendingAccountId) continue;
      try {
        const recipients = recipientsOf(this.ctx, c.accountId).filter((r) => r.accountId === c.accountId);
        await sendContent(this.ctx, recipients, content);
      } catch (e) {
        // That contact learns it on our next message; the failure is recorded.
        this.ctx.audit('delivery.failed', { reason: errorCode(e) });
      }
    }
  }

  /** Tells contacts and our other devices that this account's device list changed, so they fetch it again. */
  async #announce(): Promise<void> {
    const sentAt = Date.now();
    const names = listOwnDevices(this.ctx.store).map((d) => ({ deviceId: d.deviceId, name: d.name }));
    await this.#toOwnDevices({ v: 1, type: 'ownDevices', sentAt, devices: names });
    await this.#toContacts({ v: 1, type: 'devicesChanged', sentAt });
    // Members of our groups who are not contacts fetch the list again too, so group sends reach a new device and skip a revoked one.
    await this.#toGroupStrangers({ v: 1, type: 'devicesChanged', sentAt });
    this.#flush();
  }

  /** Queues `content` to the devices of the members of our groups who are not contacts; a failure is recorded. */
  async #toGroupStrangers(content: Content): Promise<void> {
    const strangers = this.#groupStrangers();
    if (strangers.length > 0) await sendContent(this.ctx, strangers, content).catch((e: unknown) => this.ctx.audit('delivery.failed', { reason: errorCode(e) }));
  }

  /** The devices of the members of our groups who are not contacts (as last verified). */
  #groupStrangers(): ProtocolAddress[] {
    const { store, contacts, keys } = this.ctx;
    const out = new Map<string, ProtocolAddress>();
    for (const id of store.groups.ids()) {
      if (store.groups.get(id)?.status !== 'member') continue;
      for (const m of store.groups.members(id)) {
        if (m.accountId === keys.accountId || contacts.get(m.accountId)) continue;
        for (const deviceId of m.devices) out.set(`${m.accountId}.${deviceId}`, { accountId: m.accountId, deviceId });
      }
    }
    return [...out.values()];
  }

  #flush(): void {
    void flushOutbox(this.ctx).catch((e: unknown) => this.ctx.audit('delivery.failed', { reason: errorCode(e) }));
  }
}
