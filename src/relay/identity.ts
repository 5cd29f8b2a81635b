/**
 * The relay's long-term Ed25519 identity key (docs/protocol.md §3.3): made on
 * first start into the data directory (mode 0600) or read from `--key`, and
 * used to sign every challenge. Clients pin its public half per relay URL.
 */
import fs from 'node:fs';
import path from 'node:path';
import sodium from 'libsodium-wrappers-sumo';
import { RELAY_KEY_FILE } from '../shared/constants';
import { toBase64Url } from '../shared/wire/encoding';
import { challengeSignedBytes } from '../shared/wire/relay';
import { RelayError } from './errors';

/** A relay's identity: its public key (raw and base64url) and a signer for challenges; the secret never leaves this object. */
export interface RelayIdentity {
  readonly publicKey: Uint8Array;
  /** base64url of publicKey, as the challenge frame carries it. */
  readonly keyId: string;
  /** The relay's signature over challengeSignedBytes(publicKey, nonce). */
  signChallenge(nonce: Uint8Array): Uint8Array;
}

const SEED_BYTES = 32;

function fromSeed(seed: Uint8Array): RelayIdentity {
  const kp = sodium.crypto_sign_seed_keypair(seed);
  seed.fill(0);
  const secret = kp.privateKey;
  const publicKey = kp.publicKey;
  return {
    publicKey,
    keyId: toBase64Url(publicKey),
    signChallenge: (nonce) => sodium.crypto_sign_detached(challengeSignedBytes(publicKey, nonce), secret),
  };
}

/** Reads a key file: exactly the 32-byte Ed25519 seed, nothing else. */
function readSeed(file: string): Uint8Array {
  const bytes = new Uint8Array(fs.readFileSync(file));
  if (bytes.length !== SEED_BYTES) {
    bytes.fill(0);
    throw new RelayError('INTERNAL', `the relay key file ${file} must hold exactly ${SEED_BYTES} bytes`);
  }
  return bytes;
}

/**
 * Loads the relay's identity from `keyFile`, or from `<dataDir>/relay-identity.key`,
 * creating the latter (0600, exclusively, so two instances starting together
 * agree) when it does not exist yet. An explicit `keyFile` must already exist:
 * a typo must not silently give the relay a new identity. Needs libsodium ready.
 */
export function loadRelayIdentity(dataDir: string, keyFile?: string): RelayIdentity {
  if (keyFile) return fromSeed(readSeed(keyFile));
  const file = path.join(dataDir, RELAY_KEY_FILE);
  try {
    const seed = sodium.randombytes_buf(SEED_BYTES);
    fs.writeFileSync(file, seed, { flag: 'wx', mode: 0o600 });
    return fromSeed(seed);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return fromSeed(readSeed(file));
  }
}
