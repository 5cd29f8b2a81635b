/**
 * The account's own key material, kept sealed in the store's `account` row:
 * the account Ed25519 secret key, the relay, the backup keys derived from
 * the recovery phrase (so any device of the account can write the backup),
 * and — only until the user has confirmed it — the recovery phrase.
 *
 *   version (1) ‖ account secret key (64) ‖ JSON {relayUrl, pendingPhrase, backup?}
 */
import { concatBytes, utf8Bytes } from '../../shared/wire/encoding';
import { ChatError } from './errors';

const VERSION = 1;

/** Backup id and keys (base64url), as derived from the phrase (src/main/account/recovery.ts). */
export interface BackupKeyRecord {
  readonly id: string;
  readonly authKey: string;
  readonly key: string;
}

/** The decoded account record (see the file comment). */
export interface AccountRecord {
  readonly accountSecretKey: Uint8Array;
  readonly relayUrl: string;
  readonly pendingPhrase: string | null;
  readonly backup: BackupKeyRecord | null;
}

/** Serializes the account record for the sealed `account` row. */
export function encodeAccountRecord(r: AccountRecord): Uint8Array {
  return concatBytes(new Uint8Array([VERSION]), r.accountSecretKey, utf8Bytes(JSON.stringify({ relayUrl: r.relayUrl, pendingPhrase: r.pendingPhrase, backup: r.backup })));
}

/** Reads the sealed `account` row; the secret key is a copy the caller zeroes or hands to DeviceKeys. */
export function decodeAccountRecord(bytes: Uint8Array): AccountRecord {
  if (bytes[0] !== VERSION || bytes.length < 65) throw new ChatError('CHAT_BAD_ACCOUNT_RECORD', 'The account record is unreadable.');
  const meta = JSON.parse(new TextDecoder().decode(bytes.subarray(65))) as { relayUrl: string; pendingPhrase: string | null; backup?: BackupKeyRecord | null };
  return { accountSecretKey: bytes.slice(1, 65), relayUrl: meta.relayUrl, pendingPhrase: meta.pendingPhrase, backup: meta.backup ?? null };
}
