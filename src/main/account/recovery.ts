/**
 * The recovery phrase and everything derived from it. A 24-word BIP-39
 * phrase (256-bit entropy) gives the BIP-39 seed (PBKDF2-HMAC-SHA512, empty
 * passphrase); HKDF-SHA256 over that seed with distinct info strings gives:
 *
 *  - the account identity key seed (Ed25519 via crypto_sign_seed_keypair),
 *  - the backup id, the backup access key and the backup encryption key.
 *
 * The phrase therefore restores the account key exactly, so contacts see no
 * safety-number change after recovery.
 */
import { entropyToMnemonic, mnemonicToSeedSync } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { hkdfSync, randomBytes } from 'node:crypto';
import sodium from 'libsodium-wrappers-sumo';
import { checkPhrase, type PhraseErrorCode } from '../../shared/recoveryPhrase';
import { ParleyError } from '../../shared/errors';
import { toBase64Url } from '../../shared/wire/encoding';
import { Secret } from '../crypto/secret';

/** HKDF info strings; changing one changes every derived key (see docs/protocol.md). */
export const RECOVERY_INFO = {
  accountIdentity: 'Parley-v1 account identity key',
  backupId: 'Parley-v1 backup id',
  backupAuth: 'Parley-v1 backup access key',
  backupEncryption: 'Parley-v1 backup encryption key',
} as const;

/** Salt for every recovery HKDF: fixed, because the BIP-39 seed is already uniformly random. */
const RECOVERY_SALT = new Uint8Array(32);

/** A recovery phrase that cannot be used (wrong word count, unknown word, bad checksum), with the phrase check's code. */
export class RecoveryError extends ParleyError<PhraseErrorCode> {}

/** Draws 256 bits of fresh entropy and returns the 24-word phrase a new account is shown once; the entropy is zeroed after. */
export function generateRecoveryPhrase(): string {
  const entropy = randomBytes(32);
  try {
    return entropyToMnemonic(entropy, wordlist);
  } finally {
    entropy.fill(0);
  }
}

/** Checks words and checksum first (typed errors), and only then derives the BIP-39 seed. */
export function phraseToSeed(text: string): Secret {
  const check = checkPhrase(text);
  if (!check.ok) throw new RecoveryError(check.code, check.message);
  return new Secret('Bip39Seed', mnemonicToSeedSync(check.phrase, ''));
}

function hkdf(seed: Secret, info: string, length = 32): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', seed.bytes, RECOVERY_SALT, info, length));
}

/** The account identity key derived from the phrase: the same phrase always gives the same account id. */
export interface AccountKeyPair {
  /** Ed25519 public key; its base64url form is the account id. */
  readonly publicKey: Uint8Array;
  readonly accountId: string;
  /** Ed25519 secret key (64 bytes, libsodium layout). */
  readonly secretKey: Secret;
}

/** Everything the phrase yields (account key, backup id and keys); dispose() zeroes the secrets. */
export interface RecoveryKeys {
  readonly account: AccountKeyPair;
  /** Public identifier of this account's backup on the relay (opaque to it). */
  readonly backupId: string;
  /** Proves to the relay the right to read and replace the backup. */
  readonly backupAuthKey: Secret;
  /** Encrypts the backup end to end; never leaves the device. */
  readonly backupKey: Secret;
  dispose(): void;
}

/** Derives the account key and the backup id and keys from the BIP-39 seed, so recovery needs nothing but the phrase. */
export async function deriveRecoveryKeys(seed: Secret): Promise<RecoveryKeys> {
  await sodium.ready;
  const accountSeed = hkdf(seed, RECOVERY_INFO.accountIdentity);
  const kp = sodium.crypto_sign_seed_keypair(accountSeed);
  sodium.memzero(accountSeed);
  const backupIdBytes = hkdf(seed, RECOVERY_INFO.backupId, 16);
  const account: AccountKeyPair = {
    publicKey: kp.publicKey,
    accountId: toBase64Url(kp.publicKey),
    secretKey: new Secret('AccountSecretKey', kp.privateKey),
  };
  const backupAuthKey = new Secret('BackupAuthKey', hkdf(seed, RECOVERY_INFO.backupAuth));
  const backupKey = new Secret('BackupKey', hkdf(seed, RECOVERY_INFO.backupEncryption));
  return {
    account,
    backupId: toBase64Url(backupIdBytes),
    backupAuthKey,
    backupKey,
    dispose() {
      account.secretKey.dispose();
      backupAuthKey.dispose();
      backupKey.dispose();
    },
  };
}
