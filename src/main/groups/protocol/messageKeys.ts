/**
 * The sender-key chain (Signal's SenderChainKey / SenderMessageKey): each
 * step gives one message key, HMAC-SHA256(chainKey, 0x01), and the next
 * chain key, HMAC-SHA256(chainKey, 0x02); the AEAD key is HKDF of the
 * message key. A chain key only moves forward, so holding the key at
 * iteration n opens nothing before n.
 */
import { hkdf, hmacSha256 } from '../../protocol/kdf';
import { utf8Bytes } from '../../../shared/wire/encoding';

const MESSAGE_SEED = new Uint8Array([0x01]);
const CHAIN_SEED = new Uint8Array([0x02]);
const CIPHER_INFO = utf8Bytes('Parley_SenderKey_Message_v1');

/** One step of a chain: this iteration's message key and the chain key of the next. */
export interface ChainStep {
  readonly messageKey: Uint8Array;
  readonly next: Uint8Array;
}

/** Steps a chain key once. */
export function stepChain(chainKey: Uint8Array): ChainStep {
  return { messageKey: hmacSha256(chainKey, MESSAGE_SEED), next: hmacSha256(chainKey, CHAIN_SEED) };
}

/** The chain key `steps` iterations on from `chainKey`. */
export function advance(chainKey: Uint8Array, steps: number): Uint8Array {
  let k = chainKey;
  for (let i = 0; i < steps; i++) k = stepChain(k).next;
  return k === chainKey ? chainKey.slice() : k;
}

/** The XChaCha20-Poly1305 key a message key stands for. */
export function cipherKey(messageKey: Uint8Array): Uint8Array {
  return hkdf(new Uint8Array(32), messageKey, CIPHER_INFO, 32);
}
