/**
 * The group message on the wire (Signal's SenderKeyMessage): encrypted once
 * under the sender's chain, signed with the chain's signing key, and
 * delivered unchanged to every member device.
 * Layout: version 0x01 ‖ chain id (u32 BE) ‖ iteration (u32 BE) ‖ nonce (24)
 * ‖ XChaCha20-Poly1305 ciphertext ‖ Ed25519 signature (64). The AEAD's
 * associated data is the group id ‖ the 9-byte header; the signature covers
 * a context label, the group id and every byte before it, so a message
 * cannot be moved to another group or chain.
 */
import sodium from 'libsodium-wrappers-sumo';
import { concatBytes, u32be, utf8Bytes } from '../../../shared/wire/encoding';
import { GroupProtocolError } from './errors';

const VERSION = 0x01;
const HEADER = 9;
const NONCE = 24;
const TAG = 16;
const SIGNATURE = 64;
const CONTEXT = utf8Bytes('Parley_SenderKeyMessage_v1');

/** A parsed (not yet verified) sender-key message. */
export interface SenderKeyMessage {
  readonly chainId: number;
  readonly iteration: number;
  readonly nonce: Uint8Array;
  readonly ciphertext: Uint8Array;
  /** Every byte the signature covers after the context and group id (header, nonce, ciphertext). */
  readonly signed: Uint8Array;
  readonly signature: Uint8Array;
}

/** Fixed bytes a sender-key message adds to its ciphertext's plaintext: header, nonce, tag, signature. */
export const SENDER_KEY_OVERHEAD = HEADER + NONCE + TAG + SIGNATURE;

/** The AEAD associated data of a message: group id ‖ header. */
export const messageAd = (groupId: Uint8Array, chainId: number, iteration: number): Uint8Array => concatBytes(groupId, header(chainId, iteration));

function header(chainId: number, iteration: number): Uint8Array {
  return concatBytes(new Uint8Array([VERSION]), u32be(chainId), u32be(iteration));
}

/** Assembles and signs a message from its parts. */
export function encodeSenderKeyMessage(groupId: Uint8Array, chainId: number, iteration: number, nonce: Uint8Array, ciphertext: Uint8Array, signingSecret: Uint8Array): Uint8Array {
  const body = concatBytes(header(chainId, iteration), nonce, ciphertext);
  const signature = sodium.crypto_sign_detached(concatBytes(CONTEXT, groupId, body), signingSecret);
  return concatBytes(body, signature);
}

/** Splits a message into its parts; GROUP_MALFORMED when it cannot be one. */
export function parseSenderKeyMessage(b: Uint8Array): SenderKeyMessage {
  if (b.length < SENDER_KEY_OVERHEAD || b[0] !== VERSION) throw new GroupProtocolError('GROUP_MALFORMED', 'Not a sender-key message.');
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const end = b.length - SIGNATURE;
  return {
    chainId: v.getUint32(1), iteration: v.getUint32(5), nonce: b.slice(HEADER, HEADER + NONCE), ciphertext: b.slice(HEADER + NONCE, end),
    signed: b.slice(0, end), signature: b.slice(end),
  };
}

/** True when the signature verifies under `signingPublic` for `groupId`. */
export function verifySenderKeyMessage(groupId: Uint8Array, m: SenderKeyMessage, signingPublic: Uint8Array): boolean {
  try {
    return sodium.crypto_sign_verify_detached(m.signature, concatBytes(CONTEXT, groupId, m.signed), signingPublic);
  } catch {
    return false;
  }
}
