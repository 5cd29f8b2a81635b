/**
 * Setting up a new profile directory, in the three ways a desktop gets an
 * account: create one (a new phrase), link to an existing one (QR code and
 * provisioning), or restore one from its phrase and backup. Each returns the
 * open store, this device's keys and the prekeys to upload; the Messenger
 * then starts on them. A link or restore that fails leaves no profile.
 */
import { LINK_DOWNLOAD_ATTEMPTS, LINK_DOWNLOAD_RETRY_MS } from '../../shared/constants';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import sodium from 'libsodium-wrappers-sumo';
import { fromBase64Url, toBase64Url } from '../../shared/wire/encoding';
import type { ConnectionState } from '../../shared/contract';
import { isParleyError } from '../../shared/errors';
import { deriveRecoveryKeys, generateRecoveryPhrase, phraseToSeed } from '../account/recovery';
import { generateIdentityKey, IdentityKeyPair } from '../protocol';
import { restoreBackup } from '../backup';
import { KEY_FILE, LocalStore, type Keychain, type PwhashParams } from '../store';
import { receiveLink, type LinkCheck } from '../devices/newDevice';
import { downloadHistory, importHistory, verifyHistoryFile } from '../devices/linkHistory';
import { decodeAccountRecord, encodeAccountRecord } from '../account/record';
import { relayHttpBase } from '../relayClient/relayLink';
import type { ChatEvents } from '../conversations/context';
import { ChatError } from '../account/errors';
import { createInitialPrekeys, DeviceKeys, type PrekeyUpload } from '../account/keys';
import { adoptList, nameDevice, signNextList } from '../account/deviceList';
import { backupRecordOf, defaultDeviceName, wipeProfile } from '../account/profile';
import { SETTING } from '../account/settingKeys';
import { relayPinId } from '../relayClient/pins';

/** The steps a new account shows while it is created. */
export type CreateStep = 'keys' | 'store' | 'register' | 'prekeys' | 'done';

/** What a new device shows while it is being linked. */
export interface LinkProgress {
  readonly stage: 'receiving' | 'importing' | 'done';
  readonly done: number;
  readonly total: number | null;
}

/** How a profile is unlocked: a passphrase, the keychain, or both. */
export interface UnlockWith {
  readonly passphrase?: string | undefined;
  readonly keychain?: Keychain | undefined;
}

/** What every way of starting a Messenger takes. */
export interface MessengerOptions extends UnlockWith {
  readonly dir: string;
  /** Overrides the relay recorded in the account (settings may change it). */
  readonly relayUrl?: string | undefined;
  readonly events?: Partial<ChatEvents> | undefined;
  readonly onConnection?: ((s: ConnectionState) => void) | undefined;
  readonly nativeBinding?: string | undefined;
  /** Argon2id limits for a new passphrase wrap (tests use cheaper ones; the default is the store's named limits). */
  readonly pwhash?: PwhashParams | undefined;
  /** How long an outgoing message may go unconfirmed before it shows "not delivered" (default DELIVERY_DEADLINE_MS). */
  readonly deliveryDeadlineMs?: number | undefined;
  /**
   * How group messages reach member devices: one multi-recipient upload (the
   * default), or the pairwise fan-out over 1:1 sessions (what bench:group
   * compares against; also the fallback for devices an upload missed).
   */
  readonly groupDelivery?: 'multiUpload' | 'pairwise' | undefined;
}


/** A new profile, ready for a Messenger to start on. */
export interface NewProfile {
  readonly store: LocalStore;
  readonly keys: DeviceKeys;
  readonly relayUrl: string;
  readonly upload: PrekeyUpload;
}

/** The display name of a restored account until its backup says otherwise (no backup found). */
const RESTORED_NAME = 'Parley user';

/** True if `dir` holds a profile (its key file). */
export const profileExists = (dir: string): boolean => existsSync(path.join(dir, KEY_FILE));

async function fresh(o: MessengerOptions): Promise<void> {
  await sodium.ready;
  if (profileExists(o.dir)) throw new ChatError('CHAT_ACCOUNT_EXISTS', 'This profile already has an account.');
}

/** A new profile that failed half way leaves nothing behind. */
function abandon(store: LocalStore | null, dir: string): void {
  if (!store) return;
  store.close();
  wipeProfile(dir);
}

const openNewStore = (o: MessengerOptions): Promise<LocalStore> =>
  LocalStore.create({ dir: o.dir, passphrase: o.passphrase, keychain: o.keychain, nativeBinding: o.nativeBinding, pwhash: o.pwhash });

/** Creates the account and this device; the 24-word phrase is also kept sealed until confirmed. */
export async function createProfile(
  o: MessengerOptions & { displayName: string; relayUrl: string; deviceName?: string; onProgress?: (step: CreateStep) => void },
): Promise<NewProfile & { phrase: string }> {
  await fresh(o);
  o.onProgress?.('keys');
  const phrase = generateRecoveryPhrase();
  const recovery = await deriveRecoveryKeys(phraseToSeed(phrase));
  // DeviceKeys owns this copy (zeroed when it is disposed); the recovery keys are zeroed now.
  const keys = new DeviceKeys(generateIdentityKey(), recovery.account.secretKey.bytes.slice());
  const { identity } = keys;
  const backup = backupRecordOf(recovery);
  recovery.dispose();
  o.onProgress?.('store');
  let store: LocalStore;
  try {
    store = await openNewStore(o);
  } catch (e) {
    keys.dispose();
    throw e;
  }
  const accountSecret = keys.accountSigner.secretKey;
  store.directory.setAccount(keys.accountId, o.displayName, encodeAccountRecord({ accountSecretKey: accountSecret, relayUrl: o.relayUrl, pendingPhrase: phrase, backup }));
  store.protocol.setIdentityKeyPairSync(identity.serialize());
  store.ownDevices.add(keys.deviceId, o.deviceName ?? defaultDeviceName(), true, Date.now());
  adoptList(store, signNextList(store, keys, [{ deviceId: keys.deviceId, addedAt: Date.now() }]), keys.deviceId);
  store.audit.record('identity.created', { deviceId: keys.deviceId, origin: 'create' });
  const upload = createInitialPrekeys(store, identity, Date.now());
  return { store, keys, relayUrl: o.relayUrl, upload, phrase };
}

/** Unlocks an existing profile: its store and keys (CHAT_NO_ACCOUNT when there is none; a wrong passphrase changes nothing). */
export async function openProfile(o: MessengerOptions): Promise<Omit<NewProfile, 'upload'>> {
  await sodium.ready;
  const missing = () => new ChatError('CHAT_NO_ACCOUNT', 'This profile has no account yet; create one first.');
  if (!profileExists(o.dir)) throw missing();
  const store = await LocalStore.open({ dir: o.dir, passphrase: o.passphrase, keychain: o.keychain, nativeBinding: o.nativeBinding });
  const account = store.directory.account();
  if (!account) {
    store.close();
    throw missing();
  }
  const record = decodeAccountRecord(account.keyMaterial);
  const keys = new DeviceKeys(IdentityKeyPair.deserialize(store.protocol.getIdentityKeyPairSync()), record.accountSecretKey);
  return { store, keys, relayUrl: o.relayUrl ?? store.directory.setting(SETTING.relayUrl) ?? record.relayUrl };
}

/** How a new desktop links: where, under which name, and the three moments the caller takes part in. */
export interface LinkOptions {
  readonly relayUrl: string;
  readonly deviceName: string;
  /** Called once with the link code to show (QR and text) and when it expires. */
  readonly onCode: (code: string, expiresAt: number) => void;
  /** Shows the account's name and the short code; resolves true only if the user says it matches their other desktop's (see receiveLink). */
  readonly confirm: (check: LinkCheck) => Promise<boolean>;
  readonly onProgress?: (p: LinkProgress) => void;
  readonly signal?: AbortSignal;
}

/**
 * Links this new desktop to an existing account: shows a link code (via
 * `onCode`), waits for the existing device, asks the user to compare the
 * short code (`confirm`), downloads the sealed history
 * (retrying with byte ranges, so a broken download resumes), checks it,
 * and only then creates the store and imports everything in one
 * transaction. A failure at any step leaves no profile behind.
 */
export async function linkProfile(o: MessengerOptions & LinkOptions): Promise<NewProfile & { messages: number }> {
  await fresh(o);
  const onProgress = o.onProgress ?? (() => undefined);
  const { identity, relayKey, payload } = await receiveLink({ relayUrl: o.relayUrl, deviceName: o.deviceName, onCode: o.onCode, confirm: o.confirm, signal: o.signal });
  const h = payload.history;
  const historyKeys = { key: fromBase64Url(h.key)!, digest: fromBase64Url(h.digest)! };
  const dir = path.join(o.dir, 'linking');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, 'history.bin');
  let store: LocalStore | null = null;
  let keys: DeviceKeys | null = null;
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await downloadHistory(relayHttpBase(payload.relayUrl), h.blobId, file, h.size, (n) => onProgress({ stage: 'receiving', done: n, total: h.size }));
        break;
      } catch (e) {
        if (attempt >= LINK_DOWNLOAD_ATTEMPTS || (isParleyError(e) && e.code === 'HISTORY_TAMPERED')) throw e;
        await new Promise((r) => setTimeout(r, LINK_DOWNLOAD_RETRY_MS * attempt));
      }
    }
    await verifyHistoryFile(file, historyKeys.digest);
    store = await openNewStore(o);
    const accountSecret = fromBase64Url(payload.accountSecretKey)!;
    keys = new DeviceKeys(identity, accountSecret);
    const d = store.directory;
    d.setAccount(keys.accountId, payload.displayName, encodeAccountRecord({ accountSecretKey: accountSecret, relayUrl: payload.relayUrl, pendingPhrase: null, backup: payload.backup }));
    store.protocol.setIdentityKeyPairSync(identity.serialize());
    adoptList(store, payload.list, keys.deviceId);
    for (const dev of payload.devices) nameDevice(store, dev.deviceId, dev.name);
    store.audit.record('identity.created', { deviceId: keys.deviceId, origin: 'link' });
    onProgress({ stage: 'importing', done: 0, total: h.messages });
    const messages = await importHistory(store, file, historyKeys, (n) => onProgress({ stage: 'importing', done: n, total: h.messages }));
    d.setSetting(SETTING.registered, '1');
    d.setSetting(SETTING.announce, '1');
    // The key this device saw, which the existing device found equal to its own pin (inspectLink).
    d.setRelayKeyPin(relayPinId(o.relayUrl), relayKey);
    store.audit.record('relay.key_pinned', { relayKey: toBase64Url(relayKey), origin: 'link' });
    const upload = createInitialPrekeys(store, identity, Date.now());
    onProgress({ stage: 'done', done: h.messages, total: h.messages });
    return { store, keys, relayUrl: payload.relayUrl, upload, messages };
  } catch (e) {
    abandon(store, o.dir);
    // DeviceKeys zeroes the account secret and the identity; before it exists, only the identity is held.
    if (keys) keys.dispose();
    else identity.dispose();
    throw e;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Restores an account on a fresh install from its 24-word phrase: words
 * and checksum are checked before any key is derived (PHRASE_* errors);
 * the account key comes back exactly (same invite, same safety numbers),
 * this device is registered under a newly signed list that names only it
 * (devices that could not be asked are dropped; they can be linked again),
 * and the backup is downloaded, verified and imported. A tampered backup
 * leaves no profile behind; a missing one restores the account alone.
 */
export async function restoreProfile(
  o: MessengerOptions & { phrase: string; relayUrl: string; deviceName?: string; onProgress?: (p: { phase: 'download' | 'import'; done: number; total: number }) => void },
): Promise<NewProfile & { restoredMessages: number; backupFound: boolean }> {
  await fresh(o);
  const recovery = await deriveRecoveryKeys(phraseToSeed(o.phrase));
  // DeviceKeys owns this copy (zeroed when it is disposed, also on failure below).
  const keys = new DeviceKeys(generateIdentityKey(), recovery.account.secretKey.bytes.slice());
  const { identity } = keys;
  const accountSecret = keys.accountSigner.secretKey;
  let store: LocalStore | null = null;
  try {
    store = await openNewStore(o);
    store.directory.setAccount(keys.accountId, RESTORED_NAME, encodeAccountRecord({ accountSecretKey: accountSecret, relayUrl: o.relayUrl, pendingPhrase: null, backup: backupRecordOf(recovery) }));
    store.protocol.setIdentityKeyPairSync(identity.serialize());
    store.ownDevices.add(keys.deviceId, o.deviceName ?? defaultDeviceName(), true, Date.now());
    store.audit.record('identity.created', { deviceId: keys.deviceId, origin: 'restore' });
    let restoredMessages = 0;
    let backupFound = true;
    try {
      restoredMessages = (await restoreBackup(relayHttpBase(o.relayUrl), recovery, store, o.onProgress)).messages;
    } catch (e) {
      if (!(isParleyError(e) && e.code === 'BACKUP_NOT_FOUND')) throw e;
      backupFound = false;
    }
    adoptList(store, signNextList(store, keys, [{ deviceId: keys.deviceId, addedAt: Date.now() }]), keys.deviceId);
    store.directory.setSetting(SETTING.announce, '1');
    const upload = createInitialPrekeys(store, identity, Date.now());
    return { store, keys, relayUrl: o.relayUrl, upload, restoredMessages, backupFound };
  } catch (e) {
    abandon(store, o.dir);
    keys.dispose();
    throw e;
  } finally {
    recovery.dispose();
  }
}
