/**
 * End-to-end encryption of a device-linking transfer. The new device's
 * ephemeral public key N comes out of band (the link code); the existing
 * device makes its own ephemeral key pair (e, E) and derives
 *
 *   k = HKDF-SHA256(ikm = X25519(e, N), salt = E ‖ N, info = "Parley-v1 provisioning" ‖ provisioning id, 32)
 *
 * Each chunk i is sealed independently, so an interrupted transfer resumes
 * at any index:
 *
 *   chunkᵢ = XChaCha20-Poly1305(k, nonce = 0¹⁶ ‖ u64(i), ad = id ‖ u32(i) ‖ u32(total), plaintext)
 *
 * Binding the total count into every chunk means a relay can neither
 * reorder, drop, truncate nor extend the transfer without detection.
 *
 * Both desktops show a short code derived from k (issue 13 §5):
 *
 *   code = decimal(u64(HMAC-SHA256(k, "Parley-v1 link short code")[0..8]) mod 10^LINK_SHORT_CODE_DIGITS)
 *
 * Anyone who saw the link code knows N, not its private half, so a third
 * party (or the relay) who answers the code instead of the user's desktop
 * ends up with another k and cannot compute the honest k to aim at: each
 * answer is one blind guess at the code the user's desktop shows.
 */
import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import sodium from 'libsodium-wrappers-sumo';
import { LINK_SHORT_CODE_DIGITS } from '../../shared/constants';
import { ParleyError } from '../../shared/errors';
import { concatBytes, u32be, utf8Bytes } from '../../shared/wire/encoding';

/** Why a provisioning message was refused: altered in transit, or not a valid message. */
export type ProvisioningErrorCode = 'PROVISIONING_DECRYPT_FAILED' | 'PROVISIONING_MALFORMED';
/** A refused provisioning message. */
export class ProvisioningError extends ParleyError<ProvisioningErrorCode> {}

const INFO = 'Parley-v1 provisioning';
const SENDER_INFO = 'Parley-v1 provisioning sender';
const SHORT_CODE_INFO = 'Parley-v1 link short code';

function nonceFor(index: number): Uint8Array {
  const n = new Uint8Array(24);
  new DataView(n.buffer).setBigUint64(16, BigInt(index));
  return n;
}

function adFor(id: Uint8Array, index: number, total: number): Uint8Array {
  return concatBytes(id, u32be(index), u32be(total));
}

function derive(shared: Uint8Array, E: Uint8Array, N: Uint8Array, id: Uint8Array): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', shared, concatBytes(E, N), concatBytes(utf8Bytes(INFO), id), 32));
}

/** The new device's side: an ephemeral key pair whose public half goes into the link code. */
export class ProvisioningReceiver {
  readonly provisioningId: Uint8Array;
  readonly publicKey: Uint8Array;
  #privateKey: Uint8Array;

  /** `provisioningId` is the relay channel's id (16 bytes); a random one if omitted. */
  constructor(provisioningId?: Uint8Array) {
    if (provisioningId && provisioningId.length !== 16) throw new ProvisioningError('PROVISIONING_MALFORMED', 'A provisioning id is 16 bytes.');
    this.provisioningId = provisioningId ? provisioningId.slice() : new Uint8Array(randomBytes(16));
    this.#privateKey = new Uint8Array(randomBytes(32));
    this.publicKey = sodium.crypto_scalarmult_base(this.#privateKey);
  }

  /** Derives the transfer key from the sender's ephemeral public key (sent in the clear with the first chunk). */
  open(senderEphemeral: Uint8Array): ProvisioningKey {
    if (senderEphemeral.length !== 32) throw new ProvisioningError('PROVISIONING_MALFORMED', 'The sender key is malformed.');
    let shared: Uint8Array;
    try {
      shared = sodium.crypto_scalarmult(this.#privateKey, senderEphemeral);
    } catch {
      throw new ProvisioningError('PROVISIONING_DECRYPT_FAILED', 'The linking data could not be decrypted.');
    }
    const key = derive(shared, senderEphemeral, this.publicKey, this.provisioningId);
    sodium.memzero(shared);
    return new ProvisioningKey(key, this.provisioningId);
  }

  dispose(): void {
    sodium.memzero(this.#privateKey);
  }
}

/** The existing device's side, with a fresh ephemeral key (or the given private half, which is zeroed). */
export function startProvisioning(receiverKey: Uint8Array, provisioningId: Uint8Array, ephemeral?: Uint8Array): { senderEphemeral: Uint8Array; key: ProvisioningKey } {
  const e = ephemeral ?? new Uint8Array(randomBytes(32));
  const E = sodium.crypto_scalarmult_base(e);
  const shared = sodium.crypto_scalarmult(e, receiverKey);
  sodium.memzero(e);
  const key = derive(shared, E, receiverKey, provisioningId);
  sodium.memzero(shared);
  return { senderEphemeral: E, key: new ProvisioningKey(key, provisioningId) };
}

/**
 * The existing device's provisioning key: a secret held in memory for the
 * life of one session, from which the ephemeral key for a link code is
 * derived. The same code therefore gives the same ephemeral key, and so the
 * same short code, when it is inspected (shown for confirmation) and when
 * it is answered, without keeping any state per code.
 */
export class ProvisioningSender {
  #secret = new Uint8Array(randomBytes(32));

  /** `startProvisioning` with this sender's ephemeral key for (receiverKey, provisioningId). */
  start(receiverKey: Uint8Array, provisioningId: Uint8Array): { senderEphemeral: Uint8Array; key: ProvisioningKey } {
    if (receiverKey.length !== 32 || provisioningId.length !== 16) throw new ProvisioningError('PROVISIONING_MALFORMED', 'The link code carries malformed keys.');
    const e = new Uint8Array(hkdfSync('sha256', this.#secret, provisioningId, concatBytes(utf8Bytes(SENDER_INFO), receiverKey), 32));
    return startProvisioning(receiverKey, provisioningId, e);
  }

  /** The short code this sender's answer to (receiverKey, provisioningId) makes both desktops show. */
  shortCode(receiverKey: Uint8Array, provisioningId: Uint8Array): string {
    const { key } = this.start(receiverKey, provisioningId);
    try {
      return key.shortCode();
    } finally {
      key.dispose();
    }
  }

  dispose(): void {
    sodium.memzero(this.#secret);
  }

  toJSON(): string {
    return '[redacted]';
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return 'ProvisioningSender([redacted])';
  }
}

/** Formats the first 8 bytes of a MAC as the short code: LINK_SHORT_CODE_DIGITS decimal digits in groups of four. */
function formatShortCode(mac: Uint8Array): string {
  const n = new DataView(mac.buffer, mac.byteOffset, 8).getBigUint64(0) % 10n ** BigInt(LINK_SHORT_CODE_DIGITS);
  return (n.toString().padStart(LINK_SHORT_CODE_DIGITS, '0').match(/\d{1,4}/gu) ?? []).join(' ');
}

/** The channel key k of one link: seals and opens chunks, and gives the short code. */
export class ProvisioningKey {
  #key: Uint8Array;
  readonly #id: Uint8Array;

  constructor(key: Uint8Array, id: Uint8Array) {
    this.#key = key;
    this.#id = id;
  }

  sealChunk(index: number, total: number, plaintext: Uint8Array): Uint8Array {
    return sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, adFor(this.#id, index, total), null, nonceFor(index), this.#key);
  }

  openChunk(index: number, total: number, ciphertext: Uint8Array): Uint8Array {
    try {
      return sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, ciphertext, adFor(this.#id, index, total), nonceFor(index), this.#key);
    } catch {
      throw new ProvisioningError('PROVISIONING_DECRYPT_FAILED', 'The linking data was altered in transit.');
    }
  }

  /** The short code of this channel (see the file comment): equal on both desktops only when both hold this key. */
  shortCode(): string {
    return formatShortCode(new Uint8Array(createHmac('sha256', this.#key).update(SHORT_CODE_INFO).digest()));
  }

  dispose(): void {
    sodium.memzero(this.#key);
  }

  toJSON(): string {
    return '[redacted]';
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return 'ProvisioningKey([redacted])';
  }
}
