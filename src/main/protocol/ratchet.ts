/**
 * The Double Ratchet with header encryption (Signal's specification §4),
 * over a SessionState. Decryption is plan-then-commit: every key is derived
 * into locals, the body is authenticated, and only then does `commit`
 * mutate the state, so a failed decrypt leaves it byte-identical.
 */
import sodium from 'libsodium-wrappers-sumo';
import { MAX_RATCHET_PLAINTEXT_BYTES, MAX_SKIP } from '../../shared/constants';
import { concatBytes } from '../../shared/wire/encoding';
import { NONCE_BYTES, aeadDecrypt, aeadEncrypt, generateX25519, x25519, type X25519KeyPair } from './dh';
import { ProtocolError } from './errors';
import { kdfCk, kdfRk } from './kdf';
import { ENC_HEADER_BYTES, MESSAGE_TYPE_NORMAL, decodeHeader, encodeHeader, type Header, type NormalMessage } from './message';
import {
  appendSkipped, entryKey, findSkipped, pruneSkipped, removeSkipped, skippedBlock, type SessionState, type SkippedChain,
} from './sessionState';
import type { SharedSecrets } from './pqxdh';
import { randomBytes } from './random';

const HEADER_AD_PREFIX = new Uint8Array([MESSAGE_TYPE_NORMAL]);

/**
 * Alice: RatchetInitAliceHE with Bob's signed prekey as his first ratchet
 * key. Her ratchet key pair and first sending chain are made by the pending
 * sending step at her first send (same keys as the specification's init).
 */
export function initInitiator(s: SharedSecrets, baseKey: Uint8Array, bobRatchetKey: Uint8Array, preamble: Uint8Array, now: number): SessionState {
  return {
    ad: s.ad, baseKey: baseKey.slice(), rootKey: s.rootKey, dhs: null, dhr: bobRatchetKey.slice(),
    cks: null, ckr: null, hks: s.initiatorHeaderKey, hkr: null, nhks: null, nhkr: s.responderHeaderKey,
    ns: 0, nr: 0, pn: 0, pendingPreamble: preamble, skipped: [],
    metrics: { createdAt: now, lastDhStepAt: now, sent: 0, received: 0 },
  };
}

/** Bob: RatchetInitBobHE with his signed prekey pair as the first ratchet key pair. */
export function initResponder(s: SharedSecrets, baseKey: Uint8Array, spk: X25519KeyPair, now: number): SessionState {
  return {
    ad: s.ad, baseKey: baseKey.slice(), rootKey: s.rootKey, dhs: { privateKey: spk.privateKey.slice(), publicKey: spk.publicKey.slice() },
    dhr: null, cks: null, ckr: null, hks: null, hkr: null, nhks: s.responderHeaderKey, nhkr: s.initiatorHeaderKey,
    ns: 0, nr: 0, pn: 0, pendingPreamble: null, skipped: [],
    metrics: { createdAt: now, lastDhStepAt: now, sent: 0, received: 0 },
  };
}

const headerAd = (s: SessionState): Uint8Array => concatBytes(HEADER_AD_PREFIX, s.ad);

/**
 * The sending half of DHRatchetHE: DHs = GENERATE_DH(); RK, CKs, NHKs =
 * KDF_RK_HE(RK, DH(DHs, DHr)). Deferred from the receive to the next send,
 * which computes the same keys; the old private key is erased at receive.
 */
function completeSendingStep(s: SessionState): void {
  if (!s.dhr) throw new ProtocolError('PROTOCOL_NO_SESSION', 'This session cannot send before it has received.');
  const dhs = generateX25519();
  const step = kdfRk(s.rootKey, x25519(dhs.privateKey, s.dhr));
  sodium.memzero(s.rootKey);
  s.dhs = dhs;
  s.rootKey = step.rootKey;
  s.cks = step.chainKey;
  s.nhks = step.nextHeaderKey;
}

/** RatchetEncryptHE; returns the normal message (without any preamble) and advances the sending chain. */
export function ratchetEncrypt(s: SessionState, plaintext: Uint8Array): Uint8Array {
  if (plaintext.length > MAX_RATCHET_PLAINTEXT_BYTES) throw new ProtocolError('PROTOCOL_TOO_LARGE', 'The plaintext is too large.');
  if (!s.dhs) completeSendingStep(s);
  if (!s.cks || !s.hks || !s.dhs) throw new ProtocolError('PROTOCOL_NO_SESSION', 'This session cannot send before it has received.');
  const step = kdfCk(s.cks);
  // A fresh random nonce, never a function of the state: a rolled-back state repeats MK and HKs, not (key, nonce).
  const nonce = randomBytes(NONCE_BYTES);
  const out = sealMessage(s.hks, step.messageKey, nonce, encodeHeader(s.dhs.publicKey, s.pn, s.ns), s.ad, plaintext);
  sodium.memzero(s.cks);
  sodium.memzero(step.messageKey);
  s.cks = step.nextChainKey;
  s.ns++;
  s.metrics.sent++;
  return out;
}

/**
 * Builds a normal message: 0x01 ‖ nonce ‖ AEAD(HK, nonce, header, 0x01 ‖ AD) ‖
 * AEAD(MK, nonce, plaintext, 0x01 ‖ AD ‖ encHeader). One nonce serves both
 * AEADs because HK and MK are independent keys (docs/protocol.md §2.4).
 * Pure (the caller draws the nonce), for known-answer tests.
 */
export function sealMessage(hk: Uint8Array, mk: Uint8Array, nonce: Uint8Array, header: Uint8Array, ad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  if (nonce.length !== NONCE_BYTES) throw new ProtocolError('PROTOCOL_MALFORMED', `A message nonce is ${NONCE_BYTES} bytes.`);
  const hAd = concatBytes(HEADER_AD_PREFIX, ad);
  const encHeader = aeadEncrypt(hk, nonce, header, hAd);
  const body = aeadEncrypt(mk, nonce, plaintext, hAd, encHeader);
  const out = new Uint8Array(1 + NONCE_BYTES + ENC_HEADER_BYTES + body.length);
  out[0] = MESSAGE_TYPE_NORMAL;
  out.set(nonce, 1);
  out.set(encHeader, 1 + NONCE_BYTES);
  out.set(body, 1 + NONCE_BYTES + ENC_HEADER_BYTES);
  return out;
}

/** A decryption that has not changed the state yet: the plaintext, and `commit` to apply the state change. */
export interface DecryptPlan {
  readonly plaintext: Uint8Array;
  /** Applies the state change; call only once, and only to keep the result. */
  readonly commit: () => void;
}

/** Opens the body; on failure wipes the keys this plan derived (`derived`) before throwing. */
function openBody(msg: NormalMessage, hAd: Uint8Array, mk: Uint8Array, derived: readonly Uint8Array[] = []): Uint8Array {
  const pt = aeadDecrypt(mk, msg.nonce, msg.body, hAd, msg.encHeader);
  if (!pt) {
    for (const k of derived) k.fill(0);
    throw new ProtocolError('PROTOCOL_BAD_MAC', 'The message body failed authentication.');
  }
  return pt;
}

/** Derives message keys nr..until-1 from ck; returns the keys and the chain key at `until`. */
function skipKeys(ck: Uint8Array, nr: number, until: number): { keys: Uint8Array[]; ck: Uint8Array } {
  const keys: Uint8Array[] = [];
  let cur = ck;
  for (let i = nr; i < until; i++) {
    const st = kdfCk(cur);
    keys.push(st.messageKey);
    if (cur !== ck) sodium.memzero(cur);
    cur = st.nextChainKey;
  }
  return { keys, ck: cur };
}

function fromSkipped(s: SessionState, c: SkippedChain, h: Header, msg: NormalMessage, hAd: Uint8Array, now: number): DecryptPlan {
  const i = findSkipped(c, h.n);
  if (i < 0) throw new ProtocolError('PROTOCOL_DUPLICATE', 'This message was already received, or its key expired.');
  const plaintext = openBody(msg, hAd, entryKey(c, i));
  return {
    plaintext,
    commit: () => {
      removeSkipped(c, i);
      finish(s, now);
    },
  };
}

function finish(s: SessionState, now: number): void {
  s.metrics.received++;
  s.pendingPreamble = null;
  pruneSkipped(s, now);
}

function checkSkip(from: number, until: number): void {
  if (until - from > MAX_SKIP) throw new ProtocolError('PROTOCOL_TOO_MANY_SKIPPED', `The message would skip more than ${MAX_SKIP} keys.`);
}

/** RatchetDecryptHE, planned: throws a typed error (state untouched) or returns the plaintext and a commit. */
export function planDecrypt(s: SessionState, msg: NormalMessage, now: number): DecryptPlan {
  const hAd = headerAd(s);
  const tryHeader = (hk: Uint8Array | null): Header | null => {
    if (!hk) return null;
    const h = aeadDecrypt(hk, msg.nonce, msg.encHeader, hAd);
    return h ? decodeHeader(h) : null;
  };

  // 1. Current receiving chain (or a key skipped in it).
  const cur = tryHeader(s.hkr);
  if (cur && s.hkr && s.ckr) {
    if (cur.n < s.nr) {
      const c = s.skipped.find((x) => sodium.memcmp(x.hk, s.hkr!));
      if (!c) throw new ProtocolError('PROTOCOL_DUPLICATE', 'This message was already received, or its key expired.');
      return fromSkipped(s, c, cur, msg, hAd, now);
    }
    checkSkip(s.nr, cur.n);
    const sk = skipKeys(s.ckr, s.nr, cur.n);
    const st = kdfCk(sk.ck);
    const plaintext = openBody(msg, hAd, st.messageKey, [...sk.keys, st.messageKey, st.nextChainKey, ...(sk.ck === s.ckr ? [] : [sk.ck])]);
    st.messageKey.fill(0);
    const hkr = s.hkr;
    return {
      plaintext,
      commit: () => {
        appendSkipped(s, hkr, skippedBlock(s.nr, sk.keys, now));
        for (const k of sk.keys) k.fill(0);
        if (sk.ck !== s.ckr) sk.ck.fill(0);
        sodium.memzero(s.ckr!);
        s.ckr = st.nextChainKey;
        s.nr = cur.n + 1;
        finish(s, now);
      },
    };
  }

  // 2. Keys skipped in older chains.
  for (const c of s.skipped) {
    if (s.hkr && sodium.memcmp(c.hk, s.hkr)) continue;
    const h = tryHeader(c.hk);
    if (h) return fromSkipped(s, c, h, msg, hAd, now);
  }

  // 3. The next header key: a new ratchet public key, so a DH ratchet step.
  const next = tryHeader(s.nhkr);
  if (!next || !s.dhs) throw new ProtocolError('PROTOCOL_NO_SESSION', 'No session state decrypts this message header.');
  const ourKey = s.dhs.privateKey;
  if (s.ckr) checkSkip(s.nr, next.pn);
  checkSkip(0, next.n);
  const old = s.ckr ? skipKeys(s.ckr, s.nr, next.pn) : null;
  const dhr = next.dh.slice();
  const recv = kdfRk(s.rootKey, x25519(ourKey, dhr));
  const sk = skipKeys(recv.chainKey, 0, next.n);
  const st = kdfCk(sk.ck);
  const plaintext = openBody(msg, hAd, st.messageKey, [...(old?.keys ?? []), ...(old && old.ck !== s.ckr ? [old.ck] : []), recv.rootKey, recv.chainKey, recv.nextHeaderKey,
    ...sk.keys, sk.ck, st.messageKey, st.nextChainKey]);
  st.messageKey.fill(0);
  return {
    plaintext,
    commit: () => {
      if (old && s.hkr) appendSkipped(s, s.hkr, skippedBlock(s.nr, old.keys, now));
      appendSkipped(s, s.nhkr, skippedBlock(0, sk.keys, now));
      for (const k of [...(old?.keys ?? []), ...sk.keys, sk.ck]) k.fill(0);
      if (old && old.ck !== s.ckr) old.ck.fill(0);
      // Everything the step replaces, the old sending header key included (it sealed headers no one will open again).
      for (const k of [s.rootKey, ourKey, s.ckr, s.cks, s.hks, s.hkr]) if (k) sodium.memzero(k);
      // Receiving half of DHRatchetHE now; the sending half runs at the next send.
      s.dhr = dhr;
      s.pn = s.ns;
      s.ns = 0;
      s.nr = next.n + 1;
      s.hks = s.nhks;
      s.hkr = s.nhkr;
      s.rootKey = recv.rootKey;
      s.ckr = st.nextChainKey;
      s.nhkr = recv.nextHeaderKey;
      s.dhs = null;
      s.cks = null;
      s.nhks = null;
      s.metrics.lastDhStepAt = now;
      finish(s, now);
    },
  };
}
