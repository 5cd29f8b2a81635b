/**
 * The synchronous, write-free session API. Each call takes a serialized
 * record (and, for initial messages, the prekey records it names) and
 * returns the result plus the new record; nothing is written, so the caller
 * commits plaintext, record and prekey deletions in one transaction. A call
 * that throws leaves nothing to write: the input bytes are never modified.
 */
import { PreKeyKind } from '../../shared/wire/prekeySignature';
import { fromBase64Url } from '../../shared/wire/encoding';
import type { PreKeyBundle } from './bundle';
import { bytesEqual } from './codec';
import { ProtocolError } from './errors';
import { PreKeyPair, type IdentityKeyPair } from './keys';
import { encodePreamble, parseMessage, type InitialMessage, type NormalMessage, type RatchetMessage } from './message';
import { pqxdhInitiate, pqxdhRespond } from './pqxdh';
import { initInitiator, initResponder, planDecrypt, ratchetEncrypt, type DecryptPlan } from './ratchet';
import {
  archiveCurrent, disposeRecord, findByBaseKey, parseRecord, parseState, promoteArchived, serializeRecord, wasSeen, type SessionRecord,
} from './sessionRecord';
import type { SessionState } from './sessionState';

/** Alice: verifies the bundle, runs PQXDH and returns the record with the new session current (the old one archived). */
export function initiateSession(record: Uint8Array | null, identity: IdentityKeyPair, bundle: PreKeyBundle, now = Date.now()): Uint8Array {
  const x = pqxdhInitiate(identity, bundle);
  const preamble = encodePreamble({
    identityKey: identity.publicKey,
    baseKey: x.baseKey.publicKey,
    signedPreKeyId: bundle.signedPreKey.id,
    oneTimePreKeyId: bundle.oneTimePreKey?.id ?? 0,
    kemPreKeyId: bundle.kemPreKey.id,
    kemCiphertext: x.kemCiphertext,
  });
  const state = initInitiator(x, x.baseKey.publicKey, bundle.signedPreKey.publicKey, preamble, now);
  x.baseKey.privateKey.fill(0);
  const rec = parseRecord(record);
  archiveCurrent(rec, now);
  rec.current = state;
  return finish(rec, now);
}

function finish(rec: SessionRecord, now: number): Uint8Array {
  const out = serializeRecord(rec, now);
  disposeRecord(rec);
  return out;
}

/** A ciphertext to send and the session record to store after it. */
export interface EncryptResult {
  readonly ciphertext: Uint8Array;
  readonly record: Uint8Array;
}

/** Encrypts with the current session of `record` (an initial message while no reply came); writes nothing, returns the new record. */
export function encryptMessage(record: Uint8Array | null, plaintext: Uint8Array, now = Date.now()): EncryptResult {
  const rec = parseRecord(record);
  const ciphertext = encryptCurrent(rec, plaintext);
  return { ciphertext, record: finish(rec, now) };
}

function encryptCurrent(rec: SessionRecord, plaintext: Uint8Array): Uint8Array {
  const s = rec.current;
  if (!s) throw new ProtocolError('PROTOCOL_NO_SESSION', 'There is no session with this device.');
  const body = ratchetEncrypt(s, plaintext);
  if (!s.pendingPreamble) return body;
  const ciphertext = new Uint8Array(s.pendingPreamble.length + body.length);
  ciphertext.set(s.pendingPreamble);
  ciphertext.set(body, s.pendingPreamble.length);
  return ciphertext;
}

/**
 * A session record parsed once for several encryptions or decryptions in a
 * row (a send chunk's messages to one device, a receive batch's from one):
 * each `encrypt` is encryptMessage's ciphertext and each `decrypt`
 * decryptMessage's result, advancing the record in memory; `record` serializes it
 * once, `dispose` zeroes it. Nothing is written; an encrypt that throws may
 * leave it half advanced, so the caller drops it with the rest of that
 * attempt (the chunk's transaction rolls back) instead of storing it.
 */
export class HeldRecord {
  readonly #rec: SessionRecord;

  constructor(record: Uint8Array | null) {
    this.#rec = parseRecord(record);
  }

  /** The next message's ciphertext, as encryptMessage gives it (an initial message while no reply came). */
  encrypt(plaintext: Uint8Array): Uint8Array {
    return encryptCurrent(this.#rec, plaintext);
  }

  /**
   * Decrypts as decryptMessage does, into the held record (which changes
   * only when the message decrypts: a failed decrypt leaves it as it was).
   */
  decrypt(input: Omit<DecryptInput, 'record'>): Decrypted {
    return decryptInto(this.#rec, parseMessage(input.message), input, input.now ?? Date.now());
  }

  /** The record to store after every encrypt and decrypt so far. */
  record(now = Date.now()): Uint8Array {
    return serializeRecord(this.#rec, now);
  }

  /** Zeroes the record's keys. */
  dispose(): void {
    disposeRecord(this.#rec);
  }
}

/** The prekey ids an initial message needs, so the caller can load them before decrypting; null for a normal message. */
export function requiredPreKeys(message: Uint8Array): { signedPreKeyId: number; oneTimePreKeyId: number | null; kemPreKeyId: number } | null {
  const m = parseMessage(message);
  if (m.type === 'normal') return null;
  return { signedPreKeyId: m.signedPreKeyId, oneTimePreKeyId: m.oneTimePreKeyId || null, kemPreKeyId: m.kemPreKeyId };
}

/** The stored prekey records an initial message names (null when the store has none). */
export interface PreKeyRecords {
  readonly signedPreKey: Uint8Array | null;
  readonly oneTimePreKey: Uint8Array | null;
  readonly kemPreKey: Uint8Array | null;
}

/** What decrypting one message needs: the session record, this device's identity, the expected sender and any prekeys it names. */
export interface DecryptInput {
  readonly record: Uint8Array | null;
  readonly identity: IdentityKeyPair;
  /** Expected sender identity (the address's device id, decoded); an initial message with another one is refused. */
  readonly remoteIdentity: Uint8Array | null;
  readonly message: Uint8Array;
  /** The records an initial message names, or a loader called only when the message starts a new session (a repeat of a known one needs none). */
  readonly preKeys?: PreKeyRecords | (() => PreKeyRecords) | undefined;
  readonly now?: number | undefined;
}

/** A decrypted message, the record to store, the prekeys to consume, and the sender's identity when it started a session. */
export interface DecryptResult {
  readonly plaintext: Uint8Array;
  readonly record: Uint8Array;
  /** Prekeys to delete in the same transaction (one-time EC removed; the KEM key marked used). */
  readonly consumed: { readonly oneTimePreKeyId: number | null; readonly kemPreKeyId: number | null };
  /** The sender's identity key when this message created a session, else null. */
  readonly newSessionIdentity: Uint8Array | null;
}

const NOTHING = { oneTimePreKeyId: null, kemPreKeyId: null } as const;

/** Decrypts without writing anything. Throws a typed ProtocolError on any failure. */
export function decryptMessage(input: DecryptInput): DecryptResult {
  const now = input.now ?? Date.now();
  const msg = parseMessage(input.message);
  const rec = parseRecord(input.record);
  try {
    const out = decryptInto(rec, msg, input, now);
    return { ...out, record: serializeRecord(rec, now) };
  } finally {
    disposeRecord(rec);
  }
}

/** What decrypting gives apart from the record: decryptMessage's result for a record held in memory (HeldRecord). */
export type Decrypted = Omit<DecryptResult, 'record'>;

/** Decrypts into `rec`, which changes only when the message decrypts (every check and plan comes before the commit). */
function decryptInto(rec: SessionRecord, msg: RatchetMessage, input: Omit<DecryptInput, 'record'>, now: number): Decrypted {
  if (msg.type === 'normal') return { plaintext: decryptNormal(rec, msg, now), consumed: NOTHING, newSessionIdentity: null };
  return decryptInitial(rec, msg, input, now);
}

function decryptNormal(rec: SessionRecord, msg: NormalMessage, now: number): Uint8Array {
  let firstError: unknown = null;
  const attempt = (s: SessionState): DecryptPlan | null => {
    try {
      return planDecrypt(s, msg, now);
    } catch (e) {
      if (!(e instanceof ProtocolError) || e.code !== 'PROTOCOL_NO_SESSION') throw e;
      firstError ??= e;
      return null;
    }
  };
  if (rec.current) {
    const plan = attempt(rec.current);
    if (plan) return commitPlan(plan);
  }
  for (let i = 0; i < rec.archived.length; i++) {
    const s = parseState(rec.archived[i]!.bytes);
    const plan = attempt(s);
    if (plan) {
      promoteArchived(rec, i, s, now);
      return commitPlan(plan);
    }
  }
  throw firstError ?? new ProtocolError('PROTOCOL_NO_SESSION', 'There is no session with this device.');
}

function commitPlan(plan: DecryptPlan): Uint8Array {
  plan.commit();
  return plan.plaintext;
}

function loadPreKey(bytes: Uint8Array | null | undefined, kinds: readonly PreKeyKind[], id: number, what: string): PreKeyPair {
  if (!bytes) throw new ProtocolError('PROTOCOL_MISSING_PREKEY', `The ${what} ${id} is not available.`);
  const k = PreKeyPair.deserialize(bytes);
  if (!kinds.includes(k.kind) || k.id !== id) throw new ProtocolError('PROTOCOL_MISSING_PREKEY', `The stored ${what} ${id} does not match.`);
  return k;
}

function decryptInitial(rec: SessionRecord, msg: InitialMessage, input: Omit<DecryptInput, 'record'>, now: number): Decrypted {
  if (input.remoteIdentity && !bytesEqual(input.remoteIdentity, msg.identityKey)) {
    throw new ProtocolError('PROTOCOL_UNTRUSTED_IDENTITY', 'The initial message carries an identity key other than the sender’s.');
  }
  const known = findByBaseKey(rec, msg.baseKey);
  if (known !== null) {
    // A repeat of an initial message we already turned into a session: decrypt on that session (a replay fails as a duplicate).
    if (known !== 'current') {
      const s = parseState(rec.archived[known]!.bytes);
      const plan = planDecrypt(s, msg.inner, now);
      promoteArchived(rec, known, s, now);
      return { plaintext: commitPlan(plan), consumed: NOTHING, newSessionIdentity: null };
    }
    return { plaintext: decryptNormal(rec, msg.inner, now), consumed: NOTHING, newSessionIdentity: null };
  }
  if (wasSeen(rec, msg.baseKey)) {
    throw new ProtocolError('PROTOCOL_DUPLICATE', 'This initial message was already processed.');
  }
  const pk = typeof input.preKeys === 'function' ? input.preKeys() : input.preKeys;
  const spk = loadPreKey(pk?.signedPreKey, [PreKeyKind.signedEc], msg.signedPreKeyId, 'signed prekey');
  const kem = loadPreKey(pk?.kemPreKey, [PreKeyKind.lastResortKem, PreKeyKind.oneTimeKem], msg.kemPreKeyId, 'KEM prekey');
  const opk = msg.oneTimePreKeyId === 0 ? null : loadPreKey(pk?.oneTimePreKey, [PreKeyKind.oneTimeEc], msg.oneTimePreKeyId, 'one-time prekey');
  try {
    const secrets = pqxdhRespond(input.identity, {
      initiatorIdentity: msg.identityKey, baseKey: msg.baseKey, kemCiphertext: msg.kemCiphertext,
      signedPreKey: spk, oneTimePreKey: opk, kemPreKey: kem,
    });
    const state = initResponder(secrets, msg.baseKey, spk, now);
    const plan = planDecrypt(state, msg.inner, now);
    archiveCurrent(rec, now);
    rec.current = state;
    rec.seen.unshift({ baseKey: msg.baseKey.slice(), seenAt: now });
    return { plaintext: commitPlan(plan), consumed: { oneTimePreKeyId: opk?.id ?? null, kemPreKeyId: kem.id }, newSessionIdentity: msg.identityKey.slice() };
  } finally {
    spk.dispose();
    kem.dispose();
    opk?.dispose();
  }
}

/** Archives the current session (it still decrypts late messages); the next send needs a new bundle. */
export function archiveSession(record: Uint8Array | null, now = Date.now()): Uint8Array {
  const rec = parseRecord(record);
  archiveCurrent(rec, now);
  return finish(rec, now);
}

/** Decodes an address device id (base64url of the Ed25519 identity key); null when it is not one. */
export function deviceIdentity(deviceId: string): Uint8Array | null {
  const k = fromBase64Url(deviceId);
  return k && k.length === 32 ? k : null;
}
