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
 */
import { hkdfSync, randomBytes } from 'node:crypto';
import sodium from 'libsodium-wrappers-sumo';
import { ParleyError } from '../../shared/errors';
import { concatBytes, u32be, utf8Bytes } from '../../shared/wire/encoding';

/** Why provisioning data was refused: it did not decrypt, or it was not in the expected shape. */
export type ProvisioningErrorCode = 'PROVISIONING_DECRYPT_FAILED' | 'PROVISIONING_MALFORMED';
/** A refused provisioning message or chunk, with its code. */
export class ProvisioningError extends ParleyError<ProvisioningErrorCode> {}

const INFO = 'Parley-v1 provisioning';

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

/** The existing device's side. */
export function startProvisioning(receiverKey: Uint8Array, provisioningId: Uint8Array): { senderEphemeral: Uint8Array; key: ProvisioningKey } {
  const e = new Uint8Array(randomBytes(32));
  const E = sodium.crypto_scalarmult_base(e);
  const shared = sodium.crypto_scalarmult(e, receiverKey);
  sodium.memzero(e);
  const key = derive(shared, E, receiverKey, provisioningId);
  sodium.memzero(shared);
  return { senderEphemeral: E, key: new ProvisioningKey(key, provisioningId) };
}

/** The key both devices share for one linking, sealing numbered chunks to the provisioning id; zeroed on dispose, never printed. */
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
