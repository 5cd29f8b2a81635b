/**
 * The account's own key material, kept sealed in the store's `account` row:
 * the account Ed25519 secret key, the relay, and — only until the user has
 * confirmed it — the recovery phrase.
 *
 *   version (1) ‖ account secret key (64) ‖ JSON {relayUrl, pendingPhrase}
 */
import { concatBytes, utf8Bytes } from '../../shared/wire/encoding';
import { ChatError } from './errors';

const VERSION = 1;

export interface AccountRecord {
  readonly accountSecretKey: Uint8Array;
  readonly relayUrl: string;
  readonly pendingPhrase: string | null;
}

export function encodeAccountRecord(r: AccountRecord): Uint8Array {
  return concatBytes(new Uint8Array([VERSION]), r.accountSecretKey, utf8Bytes(JSON.stringify({ relayUrl: r.relayUrl, pendingPhrase: r.pendingPhrase })));
}

export function decodeAccountRecord(bytes: Uint8Array): AccountRecord {
  if (bytes[0] !== VERSION || bytes.length < 65) throw new ChatError('CHAT_NO_ACCOUNT', 'The account record is unreadable.');
  const meta = JSON.parse(new TextDecoder().decode(bytes.subarray(65))) as { relayUrl: string; pendingPhrase: string | null };
  return { accountSecretKey: bytes.slice(1, 65), relayUrl: meta.relayUrl, pendingPhrase: meta.pendingPhrase };
}
