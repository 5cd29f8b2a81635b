/**
 * The key operations a renderer cannot trigger alone (issue 13 §4): showing
 * or rotating the recovery phrase, accepting a link, revoking a device and
 * securing the account after a revocation.
 * Each builds its question from main's own data (the device name read from
 * the link code or the device list, never a name the renderer passes),
 * passes the `ConfirmGate`, and only then does anything. The IPC handlers
 * call these and nothing else for those calls.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ExportProgress, ExportSummary } from '../export/service';
import { ExportError } from '../export/errors';
import { EXPORT_FOLDER_MAX_TRIES } from '../../shared/constants';
import type { AppSession } from './session';
import type { ConfirmGate } from './confirmGate';

/** The recovery phrase and the three positions the user must type back. */
export interface ShownPhrase {
  readonly phrase: string[];
  readonly confirmIndices: number[];
}

/** Linking progress as the core reports it (taken from the Messenger API, wherever the core keeps the type). */
type LinkProgress = NonNullable<Parameters<ReturnType<AppSession['require']>['devices']['acceptLink']>[2]>;

/** How many days of history a link sends, in words for the question. */
const historyWords = (days: number | null): string => (days === null ? 'all your message history' : `your messages of the last ${days} days`);

/** `base`, or `base (2)`, `base (3)`… the first that does not exist yet (two exports in one second get two folders). */
function unusedFolder(base: string): string {
  for (let n = 1; n <= EXPORT_FOLDER_MAX_TRIES; n++) {
    const candidate = n === 1 ? base : `${base} (${n})`;
    if (!existsSync(candidate)) return candidate;
  }
  throw new ExportError('EXPORT_OUT_NOT_EMPTY', `${base} and ${EXPORT_FOLDER_MAX_TRIES} numbered folders beside it exist already.`);
}

/** The guarded operations over one session and one gate. */
export class KeyOperations {
  constructor(
    private readonly session: AppSession,
    private readonly gate: ConfirmGate,
    private readonly exportsDir = path.join(os.homedir(), 'Parley exports'),
  ) {}

  /**
   * Writes every conversation as plaintext into a new dated folder under
   * the exports folder, once the user confirmed in main (the question names
   * the folder). The export itself is the core's (src/main/export), which
   * records it in the audit log.
   */
  async exportAll(format: 'json' | 'html', onProgress: (p: ExportProgress) => void): Promise<ExportSummary> {
    const messenger = this.session.require();
    const stamp = new Date().toISOString().slice(0, 19).replace('T', ' ').replaceAll(':', '-');
    const out = unusedFolder(path.join(this.exportsDir, `Parley export ${stamp}`));
    await this.gate.require({
      kind: 'export',
      title: 'Export all your conversations?',
      detail: `Parley will write every conversation and its files, unencrypted (${format === 'html' ? 'one web page per conversation' : 'one JSON file'}), to “${out}”. Anyone who can read that folder can read your messages.`,
      confirmLabel: 'Export',
    });
    return messenger.exports.write({ conversationIds: null, format, out }, onProgress);
  }

  /**
   * Shows the unconfirmed recovery phrase again, after the user confirmed in
   * main. Fails with the session's own error, and asks nothing, when no
   * phrase is pending.
   */
  async showPendingPhrase(): Promise<ShownPhrase> {
    if (this.session.require().account.pendingPhrase() === null) return this.session.pendingPhrase();
    await this.gate.require({
      kind: 'phrase.show',
      title: 'Show your recovery phrase?',
      detail: 'Parley will show the 24 words that restore your account. Anyone who sees them can become you: make sure no one else can see your screen.',
      confirmLabel: 'Show phrase',
    });
    return this.session.pendingPhrase();
  }

  /** Makes a new phrase and account key once the user confirmed in main; the new words go back in this one response. */
  async rotatePhrase(): Promise<ShownPhrase> {
    this.session.require();
    await this.gate.require({
      kind: 'phrase.rotate',
      title: 'Make a new recovery phrase?',
      detail:
        'Parley makes a new account key and shows its 24 words once. Your old phrase stops working (the relay refuses the old account key from then on, and the old backup is deleted), your contacts see that your safety number changed, and your other desktops switch automatically.',
      confirmLabel: 'Make new phrase',
    });
    return this.session.rotatePhrase();
  }

  /** Sends the account, contacts and history to the device named in the link code, once the user confirmed that name in main (the question shows the short code too). */
  async acceptLink(link: string, historyDays: number | null, onProgress: LinkProgress): Promise<{ deviceId: string; name: string }> {
    const { deviceName, shortCode } = this.session.require().devices.inspectLink(link);
    await this.gate.require({
      kind: 'link.accept',
      title: `Link “${deviceName}” to your account?`,
      detail:
        `“${deviceName}” will get your account key, your contacts and ${historyWords(historyDays)}, and will be able to read and send your messages. Only link a desktop you own and can see in front of you.\n\n` +
        `Code: ${shortCode}\nThe new desktop will show this code and your account's name before it accepts; there, confirm only if it is exactly this code.`,
      confirmLabel: 'Link device',
    });
    return this.session.require().devices.acceptLink(link, historyDays, onProgress);
  }

  /**
   * "Remove and secure", after a revocation (docs/protocol.md §6.8): a new
   * account key and phrase, the old key retired on the relay and the old
   * backup deleted, once the user confirmed in main. The new words go back in
   * this one response.
   */
  async secureAccount(): Promise<ShownPhrase & { secured: boolean }> {
    this.session.require();
    await this.gate.require({
      kind: 'account.secure',
      title: 'Secure your account?',
      detail:
        'A device you removed still holds your current account key. Parley makes a new account key and shows its new 24-word recovery phrase once; the relay then refuses the old key for good, and the backup made with the old phrase is deleted. ' +
        'Your old phrase stops working, your contacts see that your safety number changed, and your other desktops switch automatically.',
      confirmLabel: 'Secure account',
    });
    return this.session.secureAccount();
  }

  /** Revokes one of this account's other devices once the user confirmed its name in main. */
  async revokeDevice(deviceId: string): Promise<void> {
    const messenger = this.session.require();
    const device = messenger.devices.list().find((d) => d.deviceId === deviceId && !d.isThisDevice);
    // Not another listed device: the core refuses it (CHAT_UNKNOWN_DEVICE, CHAT_REVOKE_SELF) before any effect, so there is nothing to ask.
    if (!device) return messenger.devices.revokeDevice(deviceId);
    await this.gate.require({
      kind: 'device.revoke',
      title: `Revoke “${device.name}”?`,
      detail: `“${device.name}” stops receiving your messages at once and deletes its copy of your account the next time it connects.`,
      confirmLabel: 'Revoke device',
    });
    return this.session.require().devices.revokeDevice(deviceId);
  }
}
