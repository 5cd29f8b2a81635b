/**
 * Group encryption and decryption over sender keys. Write-free, like the
 * pairwise engine: each call takes a record and returns the new one, so the
 * caller commits record and effect in one transaction; a throw changes
 * nothing (plan, then commit: keys are derived into locals, the body is
 * authenticated before any new record is built).
 */
import sodium from 'libsodium-wrappers-sumo';
import { MAX_GROUP_SKIP, MAX_GROUP_SKIPPED_KEYS } from '../../../shared/constants';
import { randomBytes } from '../../protocol/random';
import { GroupProtocolError } from './errors';
import { cipherKey, stepChain } from './messageKeys';
import type { OwnChain, PeerChain, PeerRecord } from './senderKey';
import { encodeSenderKeyMessage, messageAd, parseSenderKeyMessage, verifySenderKeyMessage } from './senderKeyMessage';

/** Encrypts `plaintext` once for the group; returns the wire message and the chain one step on. */
export function groupEncrypt(own: OwnChain, groupId: Uint8Array, plaintext: Uint8Array): { message: Uint8Array; own: OwnChain } {
  const { messageKey, next } = stepChain(own.chainKey);
  const key = cipherKey(messageKey);
  const nonce = randomBytes(24);
  const ct = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, messageAd(groupId, own.chainId, own.iteration), null, nonce, key);
  sodium.memzero(key);
  sodium.memzero(messageKey);
  const message = encodeSenderKeyMessage(groupId, own.chainId, own.iteration, nonce, ct, own.signingSecret);
  return { message, own: { ...own, iteration: own.iteration + 1, chainKey: next } };
}

/** The chain id a message names (to find which sender record to load before decrypting). */
export const messageChainId = (message: Uint8Array): number => parseSenderKeyMessage(message).chainId;

/**
 * Decrypts a group message from one sender device: signature first, then
 * the message key (from the skipped keys, or by stepping the chain at most
 * MAX_GROUP_SKIP times), then the body. Returns plaintext and new record.
 */
export function groupDecrypt(record: PeerRecord | null, groupId: Uint8Array, message: Uint8Array): { plaintext: Uint8Array; record: PeerRecord } {
  const m = parseSenderKeyMessage(message);
  const chain = record?.chains.find((c) => c.chainId === m.chainId);
  if (!record || !chain) throw new GroupProtocolError('GROUP_NO_SENDER_KEY', 'No sender key for that chain is known here.');
  if (!verifySenderKeyMessage(groupId, m, chain.signingPublic)) throw new GroupProtocolError('GROUP_BAD_SIGNATURE', 'The group message signature does not verify.');
  const plan = planKey(chain, m.iteration);
  const key = cipherKey(plan.messageKey);
  let plaintext: Uint8Array;
  try {
    plaintext = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, m.ciphertext, messageAd(groupId, m.chainId, m.iteration), m.nonce, key);
  } catch {
    throw new GroupProtocolError('GROUP_BAD_MAC', 'The group message body does not authenticate.');
  } finally {
    sodium.memzero(key);
  }
  return { plaintext, record: { chains: record.chains.map((c) => (c === chain ? plan.chain : c)) } };
}

/** The message key for `iteration` and the chain as it is after using it (nothing is mutated). */
function planKey(chain: PeerChain, iteration: number): { messageKey: Uint8Array; chain: PeerChain } {
  if (iteration < chain.iteration) {
    const k = chain.skipped.get(iteration);
    if (!k) throw new GroupProtocolError('GROUP_DUPLICATE', 'That group message key was used before or dropped.');
    const skipped = new Map(chain.skipped);
    skipped.delete(iteration);
    return { messageKey: k, chain: { ...chain, skipped } };
  }
  if (iteration - chain.iteration > MAX_GROUP_SKIP) throw new GroupProtocolError('GROUP_TOO_MANY_SKIPPED', 'The group message is too far ahead of its chain.');
  const skipped = new Map(chain.skipped);
  let ck = chain.chainKey;
  for (let i = chain.iteration; i < iteration; i++) {
    const s = stepChain(ck);
    skipped.set(i, s.messageKey);
    ck = s.next;
  }
  while (skipped.size > MAX_GROUP_SKIPPED_KEYS) skipped.delete(skipped.keys().next().value!);
  const s = stepChain(ck);
  return { messageKey: s.messageKey, chain: { ...chain, iteration: iteration + 1, chainKey: s.next, skipped } };
}
