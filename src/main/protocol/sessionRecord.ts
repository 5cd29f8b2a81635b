/**
 * A session record: the current session state with a peer device plus
 * archived ones (Sesame-style), kept so late messages on a superseded
 * session still decrypt. This is the versioned byte string the sessions table
 * persists (docs/protocol.md §2.7). Archived states stay serialized until a
 * message needs them.
 */
import {
  ARCHIVED_SESSION_TTL_MS, MAX_ARCHIVED_SESSIONS, MAX_SEEN_BASE_KEYS, SIGNED_PREKEY_GRACE_MS, SIGNED_PREKEY_ROTATION_MS,
} from '../../shared/constants';
import { ByteReader, ByteWriter, bytesEqual, wipe } from './codec';
import { ProtocolError } from './errors';
import { disposeState, readState, skippedCount, stateSize, writeState, type SessionState } from './sessionState';

/** Format version of a serialized session record. */
export const RECORD_VERSION = 1;

/** A superseded session state, kept serialized until a message needs it. */
export interface ArchivedState {
  readonly archivedAt: number;
  readonly bytes: Uint8Array;
}

/** The base key of an initial message that created a session here, and when it was seen. */
export interface SeenBaseKey {
  readonly baseKey: Uint8Array;
  readonly seenAt: number;
}

/** All session state with one peer device: the current state, archived ones and seen base keys. */
export interface SessionRecord {
  current: SessionState | null;
  /** Most recently archived first. */
  archived: ArchivedState[];
  /**
   * Base keys of initial messages that created a session here, kept while
   * their signed prekey may still exist, so a replay is refused even after
   * its session state was dropped. Newest first.
   */
  seen: SeenBaseKey[];
}

/** How long a seen base key matters: the longest a signed prekey can still decrypt an initial message. */
export const SEEN_BASE_KEY_TTL_MS = SIGNED_PREKEY_ROTATION_MS + SIGNED_PREKEY_GRACE_MS;

/** A record with no session at all. */
export const emptyRecord = (): SessionRecord => ({ current: null, archived: [], seen: [] });

/** Parses a serialized session record (empty or null means no session); malformed bytes are PROTOCOL_MALFORMED. */
export function parseRecord(bytes: Uint8Array | null): SessionRecord {
  if (bytes === null || bytes.length === 0) return emptyRecord();
  // One private copy; every field of the parsed record is a view into it, so the caller's bytes are never touched.
  const r = new ByteReader(bytes.slice());
  const version = r.u8();
  if (version !== RECORD_VERSION) throw new ProtocolError('PROTOCOL_VERSION', `Unknown session record version ${version}.`);
  const current = r.u8() === 1 ? parseState(r.view(r.u32())) : null;
  const n = r.u16();
  const archived: ArchivedState[] = [];
  for (let i = 0; i < n; i++) archived.push({ archivedAt: r.time(), bytes: r.view(r.u32()) });
  const m = r.u16();
  const seen: SeenBaseKey[] = [];
  for (let i = 0; i < m; i++) seen.push({ baseKey: r.view(32), seenAt: r.time() });
  r.end();
  return { current, archived, seen };
}

/** Parses a serialized state; `bytes` must be owned by the caller (fields are views into it). */
export function parseState(bytes: Uint8Array): SessionState {
  const r = new ByteReader(bytes);
  const s = readState(r);
  r.end();
  return s;
}

/** One session state as versioned bytes. */
export function serializeState(s: SessionState): Uint8Array {
  const w = new ByteWriter(stateSize(s));
  writeState(w, s);
  return w.finish();
}

/** Serializes, dropping archived states past MAX_ARCHIVED_SESSIONS or older than ARCHIVED_SESSION_TTL_MS. */
export function serializeRecord(rec: SessionRecord, now: number): Uint8Array {
  const keep = rec.archived.filter((a) => now - a.archivedAt <= ARCHIVED_SESSION_TTL_MS).slice(0, MAX_ARCHIVED_SESSIONS);
  for (const a of rec.archived) if (!keep.includes(a)) wipe(a.bytes);
  const seen = rec.seen.filter((x) => now - x.seenAt <= SEEN_BASE_KEY_TTL_MS).slice(0, MAX_SEEN_BASE_KEYS);
  let size = 6 + (rec.current ? 4 + stateSize(rec.current) : 0) + seen.length * 40;
  for (const a of keep) size += 12 + a.bytes.length;
  const w = new ByteWriter(size);
  w.u8(RECORD_VERSION);
  if (rec.current) {
    w.u8(1).u32(0);
    const start = w.length;
    writeState(w, rec.current);
    w.patchU32(start - 4, w.length - start);
  } else {
    w.u8(0);
  }
  w.u16(keep.length);
  for (const a of keep) w.time(a.archivedAt).block(a.bytes);
  w.u16(seen.length);
  for (const x of seen) w.bytes(x.baseKey).time(x.seenAt);
  return w.finish();
}

/** Moves the current state (if any) to the front of the archive. */
export function archiveCurrent(rec: SessionRecord, now: number): void {
  if (!rec.current) return;
  rec.archived.unshift({ archivedAt: now, bytes: serializeState(rec.current) });
  disposeState(rec.current);
  rec.current = null;
}

/** Makes archived state i current, archiving the old current one. */
export function promoteArchived(rec: SessionRecord, i: number, state: SessionState, now: number): void {
  rec.archived.splice(i, 1);
  archiveCurrent(rec, now);
  rec.current = state;
}

/** Offset of the base key inside a serialized state: version, flags, AD (66). */
const BASE_KEY_OFFSET = 68;

/** True when an initial message with this base key already created a session here (a replay). */
export const wasSeen = (rec: SessionRecord, baseKey: Uint8Array): boolean => rec.seen.some((x) => bytesEqual(x.baseKey, baseKey));

/** Where the state whose initiator base key is `baseKey` lives: 'current', an archive index, or null. */
export function findByBaseKey(rec: SessionRecord, baseKey: Uint8Array): 'current' | number | null {
  if (rec.current && bytesEqual(rec.current.baseKey, baseKey)) return 'current';
  const i = rec.archived.findIndex((a) => bytesEqual(a.bytes.subarray(BASE_KEY_OFFSET, BASE_KEY_OFFSET + 32), baseKey));
  return i < 0 ? null : i;
}

/** Wipes every key in the record; it must not be used afterwards. */
export function disposeRecord(rec: SessionRecord): void {
  if (rec.current) disposeState(rec.current);
  for (const a of rec.archived) wipe(a.bytes);
}

/** Numbers about a session for the health view; no key material. */
export interface SessionHealth {
  readonly createdAt: number;
  readonly lastDhStepAt: number;
  readonly messagesSent: number;
  readonly messagesReceived: number;
  /** Messages in the current sending and receiving chains (Ns + Nr): both restart at a DH ratchet step. */
  readonly messagesSinceDhStep: number;
  readonly skippedKeysHeld: number;
  readonly archivedStates: number;
  /** True while the initiator has had no reply (its messages still carry the PQXDH preamble). */
  readonly awaitingReply: boolean;
}

/** The health of the current session in a serialized record, or null when there is none. */
export function recordHealth(bytes: Uint8Array | null): SessionHealth | null {
  const rec = parseRecord(bytes);
  const s = rec.current;
  if (!s) return null;
  const h: SessionHealth = {
    createdAt: s.metrics.createdAt,
    lastDhStepAt: s.metrics.lastDhStepAt,
    messagesSent: s.metrics.sent,
    messagesReceived: s.metrics.received,
    messagesSinceDhStep: s.ns + s.nr,
    skippedKeysHeld: skippedCount(s),
    archivedStates: rec.archived.length,
    awaitingReply: s.pendingPreamble !== null,
  };
  disposeRecord(rec);
  return h;
}
