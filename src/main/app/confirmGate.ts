/**
 * The gate every guarded key operation passes before it does anything
 * (issue 13 §4): it asks the user through the main-owned `Confirmer`, with
 * the passphrase when the profile has one, and checks that passphrase
 * against the store's key file here, in main. The renderer can only start
 * the call; it cannot answer, skip or repeat the question behind the
 * user's back.
 */
import path from 'node:path';
import type { AuditDetail, AuditKind } from '../../shared/audit';
import { isParleyError } from '../../shared/errors';
import type { ConfirmRequest, Confirmer } from '../security/confirm';
import { KEY_FILE } from '../store';
import { readKeyFile, unwrapWithPassphrase } from '../store/keyFile';
import { AppError } from './errors';

/** What a guarded operation asks: everything but the passphrase requirement, which the gate reads from the key file. */
export type ConfirmQuestion = Omit<ConfirmRequest, 'requirePassphrase'>;

/** Records an audit row when a profile is open (every guarded operation needs one). */
export type AuditRecorder = (kind: AuditKind, detail: AuditDetail) => void;

/** One question at a time, asked in main and checked in main. */
export class ConfirmGate {
  #open = false;

  constructor(
    private readonly confirmer: Confirmer,
    private readonly dataDir: string,
    private readonly audit: AuditRecorder,
  ) {}

  /**
   * Resolves only when the user said yes (and typed the right passphrase,
   * if the profile has one). Otherwise throws APP_NOT_CONFIRMED, or
   * APP_CONFIRM_BUSY while another question is open, and the caller must
   * not have done anything yet.
   */
  async require(question: ConfirmQuestion): Promise<void> {
    if (this.#open) throw new AppError('APP_CONFIRM_BUSY', 'Parley is already asking you to confirm something. Answer that first.');
    this.#open = true;
    try {
      const file = readKeyFile(path.join(this.dataDir, KEY_FILE));
      const requirePassphrase = file.passphrase !== undefined && file.passphrase !== null;
      const answer = await this.confirmer.confirm({ ...question, requirePassphrase });
      if (!answer.confirmed) this.#refuse(question, 'declined', 'You did not confirm it, so nothing was done.');
      else if (requirePassphrase) this.#checkPassphrase(question, file, answer.passphrase);
      this.audit('key_operation.confirmed', { operation: question.kind });
    } finally {
      this.#open = false;
    }
  }

  #checkPassphrase(question: ConfirmQuestion, file: ReturnType<typeof readKeyFile>, passphrase: string | null): void {
    if (passphrase === null) this.#refuse(question, 'wrong-passphrase', 'Parley needs your passphrase to confirm this; nothing was done.');
    try {
      unwrapWithPassphrase(file, passphrase).dispose();
    } catch (e) {
      if (isParleyError(e) && e.code === 'STORE_WRONG_PASSPHRASE') this.#refuse(question, 'wrong-passphrase', 'The passphrase was wrong, so nothing was done.', e);
      throw e;
    }
  }

  #refuse(question: ConfirmQuestion, reason: 'declined' | 'wrong-passphrase', message: string, cause?: unknown): never {
    this.audit('key_operation.refused', { operation: question.kind, reason });
    throw new AppError('APP_NOT_CONFIRMED', message, { cause });
  }
}
