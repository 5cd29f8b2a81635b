/**
 * Account-level operations across this account's devices: telling our other
 * devices about contacts and names, announcing device-list changes to
 * contacts, revoking a device, and rotating the recovery phrase (a new
 * account key, signed over by the old one). The Messenger delegates here.
 */
import { toBase64Url } from '../../shared/wire/encoding';
import type { Content } from '../../shared/wire/content';
import { deriveRecoveryKeys, generateRecoveryPhrase, phraseToSeed } from '../account/recovery';
import { signKeyChange } from '../account/rotation';
import { signDeviceList } from '../relayClient/signing';
import type { LocalStore } from '../store';
import { decodeAccountRecord, encodeAccountRecord, type BackupKeyRecord } from '../account/record';
import type { ChatContext } from '../conversations/context';
import { ChatError } from '../account/errors';
import { createInitialPrekeys, type DeviceKeys, type PrekeyUpload } from '../account/keys';
import { errorCode, flushOutbox, ownRecipients, recipientsOf, sendContent } from '../conversations/outgoing';
import { adoptList, currentEntries, listOwnDevices, nextListVersion, publishList } from '../account/deviceList';
import { backupRecordOf } from '../account/profile';
import type { RelayLink } from '../relayClient/relayLink';
import { SETTING } from '../account/settingKeys';

/** What these operations need from the Messenger that runs them. */
export interface AccountHost {
  readonly ctx: ChatContext;
  readonly store: LocalStore;
  readonly link: RelayLink;
  readonly displayName: string;
  setUpload(upload: PrekeyUpload): void;
  /** Swaps the backup runner for the new account's keys. */
  replaceBackup(keys: DeviceKeys, backup: BackupKeyRecord | null): Promise<void>;
}

/** Sends account-level content to this account's other devices (sessions are made as needed). */
export async function toOwnDevices(ctx: ChatContext, content: Content): Promise<void> {
  const recipients = ownRecipients(ctx);
  if (recipients.length === 0) return;
  await sendContent(ctx, recipients, content);
  void flushOutbox(ctx).catch((e: unknown) => ctx.audit('delivery.failed', { reason: errorCode(e) }));
}

/** Tells our other devices about contacts we added or whose trust changed. */
export async function syncContacts(ctx: ChatContext, accountIds: readonly string[]): Promise<void> {
  const contacts = accountIds.map((id) => ctx.contacts.get(id)).filter((c) => c !== null);
  if (contacts.length === 0) return;
  await toOwnDevices(ctx, { v: 1, type: 'contacts', sentAt: Date.now(), contacts: contacts.map((c) => ({ accountId: c.accountId, name: c.name, trust: c.trust, relayUrl: c.relayUrl })) });
}

/** Queues `content` to every contact whose key is not in question (each on all their devices). */
async function toContacts(ctx: ChatContext, content: Content): Promise<void> {
  for (const c of ctx.contacts.all()) {
    if (c.pendingAccountId) continue;
    try {
      const recipients = recipientsOf(ctx, c.accountId).filter((r) => r.accountId === c.accountId);
      await sendContent(ctx, recipients, content);
    } catch (e) {
      // That contact learns it on our next message; the failure is recorded.
      ctx.audit('delivery.failed', { reason: errorCode(e) });
    }
  }
}

/** Tells contacts and our other devices that this account's device list changed, so they fetch it again. */
export async function announceDevices(ctx: ChatContext): Promise<void> {
  const sentAt = Date.now();
  const names = listOwnDevices(ctx.store).map((d) => ({ deviceId: d.deviceId, name: d.name }));
  await toOwnDevices(ctx, { v: 1, type: 'ownDevices', sentAt, devices: names });
  await toContacts(ctx, { v: 1, type: 'devicesChanged', sentAt });
  void flushOutbox(ctx).catch((e: unknown) => ctx.audit('delivery.failed', { reason: errorCode(e) }));
}

/** Removes a device from the account: a new signed list without it; contacts stop encrypting to it; it wipes itself. */
export async function revokeDevice(ctx: ChatContext, deviceId: string): Promise<void> {
  if (deviceId === ctx.keys.deviceId) throw new ChatError('CHAT_REVOKE_SELF', 'This device cannot revoke itself; revoke it from another device.');
  if (!listOwnDevices(ctx.store).some((d) => d.deviceId === deviceId)) throw new ChatError('CHAT_UNKNOWN_DEVICE', 'That device is not linked to this account.');
  const client = await ctx.link.online(5_000);
  if (!client) throw new ChatError('CHAT_OFFLINE', 'Parley cannot reach the relay; revoking a device needs a connection.');
  await publishList(ctx.store, ctx.keys, client, currentEntries(ctx.store).filter((d) => d.deviceId !== deviceId), Date.now());
  ctx.store.delivery.dropRecipient(`${ctx.keys.accountId}.${deviceId}`);
  ctx.store.audit.record('device.revoked', { deviceId });
  ctx.events.devicesChanged();
  await announceDevices(ctx);
}

/**
 * Rotates the recovery phrase: a new account key. Our other devices get
 * the new key end to end and switch; contacts get the change signed by the
 * old key and see a safety-number warning until they accept. Then this
 * device switches and registers the new account on the relay. Returns the
 * new phrase (kept sealed until confirmed, like a new account's).
 */
export async function rotatePhrase(host: AccountHost): Promise<string> {
  const { ctx } = host;
  const client = await ctx.link.online(5_000);
  if (!client) throw new ChatError('CHAT_OFFLINE', 'Parley cannot reach the relay; rotating the phrase needs a connection.');
  const phrase = generateRecoveryPhrase();
  const recovery = await deriveRecoveryKeys(phraseToSeed(phrase));
  const secret = recovery.account.secretKey.bytes.slice();
  const backup = backupRecordOf(recovery);
  recovery.dispose();
  const signature = signKeyChange(ctx.keys.accountSigner.secretKey, secret.subarray(32));
  const sentAt = Date.now();
  await toOwnDevices(ctx, { v: 1, type: 'accountRotated', sentAt, accountSecretKey: toBase64Url(secret), backup, signature });
  await toContacts(ctx, { v: 1, type: 'accountKeyChange', sentAt, newAccountId: toBase64Url(secret.subarray(32)), signature });
  // Everything for the old account leaves before the switch (the old mailbox is not read afterwards).
  for (let i = 0; i < 20 && host.store.delivery.outbox(1).length > 0; i++) {
    // A failed flush is retried by this loop; the last failure is recorded, and what is left goes out under the old account on reconnect.
    await flushOutbox(ctx).catch((e: unknown) => ctx.audit('delivery.failed', { reason: errorCode(e) }));
    if (host.store.delivery.outbox(1).length > 0) await new Promise((r) => setTimeout(r, 100));
  }
  await switchAccount(host, secret, backup, phrase);
  return phrase;
}

/** Moves this profile to a new account key (ours, or one of our devices rotated it) and reconnects as that account. */
export async function switchAccount(host: AccountHost, secret: Uint8Array, backup: BackupKeyRecord | null, pendingPhrase: string | null): Promise<void> {
  const { ctx, store } = host;
  const old = ctx.keys;
  if (toBase64Url(secret.subarray(32)) === old.accountId) return;
  const keys = old.withAccount(secret);
  const now = Date.now();
  const list = signDeviceList(keys.accountSigner, nextListVersion(0, now), currentEntries(store));
  const d = store.directory;
  const record = decodeAccountRecord(d.account()!.keyMaterial);
  store.db.transaction(() => {
    store.accountMoves.ownAccount(old.accountId, keys.accountId);
    d.setAccount(keys.accountId, host.displayName, encodeAccountRecord({ ...record, accountSecretKey: secret, pendingPhrase, backup }));
    adoptList(store, list, keys.deviceId);
    d.setSetting(SETTING.registered, '0');
    d.setSetting(SETTING.prekeysUploaded, '0');
    d.setBackupState({ lastBackupAt: null, cursor: null, status: 'idle' });
    store.audit.record('phrase.rotated', { previousAccountId: old.accountId, newAccountId: keys.accountId, origin: pendingPhrase === null ? 'other-device' : 'this-device' });
  })();
  host.setUpload(await createInitialPrekeys(store, keys.identity, now));
  ctx.keys = keys;
  old.disposeAccount();
  await host.replaceBackup(keys, backup);
  await host.link.reauth(keys.accountId, keys.deviceSigner);
  ctx.events.contactsChanged();
  ctx.events.devicesChanged();
}
