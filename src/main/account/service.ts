/**
 * The account service: who this profile is (display name, invite code),
 * the recovery phrase while it awaits confirmation, and the settings. A
 * synced setting changed here is announced on the bus (`settingsEdited`) so
 * our other devices follow.
 */
import { relayPinId } from '../relayClient/pins';
import { encodeInvite } from '../../shared/wire/invite';
import type { LocalStore } from '../store';
import { ChatError } from './errors';
import type { AccountBus } from './events';
import type { DeviceKeys } from './keys';
import { decodeAccountRecord, encodeAccountRecord } from './record';
import { SETTING } from './settingKeys';

/** This profile's settings as the UI shows them. */
export interface Settings {
  readonly readReceipts: boolean;
  readonly typingIndicators: boolean;
  readonly notificationPreviews: boolean;
  readonly relayUrl: string;
}

/** Identity, phrase confirmation and settings (see the file comment). */
export class AccountService {
  constructor(
    private readonly store: LocalStore,
    private readonly bus: AccountBus,
    private readonly keys: () => DeviceKeys,
    private readonly relayUrl: string,
  ) {}

  /** The name contacts see. */
  get displayName(): string {
    return this.store.directory.account()?.displayName ?? '';
  }

  /** The invite code others add us with. */
  invite(): string {
    return encodeInvite({ accountKey: this.keys().accountPublicKey, relayUrl: this.relayUrl, relayKey: this.store.directory.relayKeyPin(relayPinId(this.relayUrl)) });
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
    record.accountSecretKey.fill(0);
    this.store.checkpoint();
  }

  /** The current settings (unset ones are on). */
  settings(): Settings {
    const d = this.store.directory;
    return {
      readReceipts: d.setting(SETTING.readReceipts) !== '0',
      typingIndicators: d.setting(SETTING.typingIndicators) !== '0',
      notificationPreviews: d.setting(SETTING.notificationPreviews) !== '0',
      relayUrl: d.setting(SETTING.relayUrl) ?? this.relayUrl,
    };
  }

  /** Changes some settings; the synced ones go to our other devices. Returns the settings now. */
  updateSettings(patch: Partial<Settings>): Settings {
    const d = this.store.directory;
    const flag = (v: boolean): string => (v ? '1' : '0');
    if (patch.relayUrl !== undefined && !/^wss?:\/\/\S+$/u.test(patch.relayUrl)) throw new ChatError('CHAT_BAD_RELAY_URL', 'A relay address starts with ws:// or wss://.');
    if (patch.readReceipts !== undefined) d.setSetting(SETTING.readReceipts, flag(patch.readReceipts));
    if (patch.typingIndicators !== undefined) d.setSetting(SETTING.typingIndicators, flag(patch.typingIndicators));
    if (patch.notificationPreviews !== undefined) d.setSetting(SETTING.notificationPreviews, flag(patch.notificationPreviews));
    if (patch.relayUrl !== undefined) d.setSetting(SETTING.relayUrl, patch.relayUrl);
    if (patch.readReceipts !== undefined || patch.typingIndicators !== undefined || patch.notificationPreviews !== undefined) this.bus.emit('settingsEdited');
    return this.settings();
  }
}
