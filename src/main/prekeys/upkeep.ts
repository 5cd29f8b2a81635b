/**
 * Prekey upkeep (docs/protocol.md §3.8): on every authentication, on a timer
 * and when the relay pushes `prekeysLow`, this device
 *  - uploads a batch of ONE_TIME_PREKEY_BATCH one-time EC and/or KEM prekeys
 *    when the relay holds fewer than ONE_TIME_PREKEY_REPLENISH_BELOW of a kind;
 *  - rotates the signed prekey and the last-resort KEM prekey every
 *    SIGNED_PREKEY_ROTATION_MS, keeping each replaced private key for
 *    SIGNED_PREKEY_GRACE_MS after the relay confirmed its successor, then
 *    erasing it.
 * Ids come from the ledger's counters (src/main/store/prekeyLedger.ts), which
 * only grow, so no id is ever issued twice. Private keys are committed before
 * anything is uploaded. The clock is a parameter, so tests can run 31 days ahead.
 */
import {
  ONE_TIME_PREKEY_BATCH, ONE_TIME_PREKEY_REPLENISH_BELOW, PREKEY_UPKEEP_INTERVAL_MS, SIGNED_PREKEY_GRACE_MS, SIGNED_PREKEY_ROTATION_MS,
} from '../../shared/constants';
import { PreKeyKind } from '../../shared/wire/prekeySignature';
import type { PrekeyCounts, WirePrekey } from '../../shared/wire/relay';
import {
  generateLastResortKemPreKey, generateOneTimeKemPreKeys, generateOneTimePreKeys, generateSignedPreKey, PreKeyPair, type IdentityKeyPair,
} from '../protocol';
import type { RelayClient } from '../relayClient/client';
import type { LocalStore, PrekeyLedgerState, PrekeyRecordPut } from '../store';
import { PREKEY_IDS, toWirePrekey } from '../account/keys';
import { PrekeyError } from './errors';

/** The audit events upkeep reports (ids and counts only, never key material). */
export type PrekeyAuditKind = 'prekeys.replenished' | 'prekeys.rotated';
/** Receives upkeep's audit events. */
export type PrekeyAudit = (kind: PrekeyAuditKind, detail: Record<string, number | string>) => void;
/** What upkeep needs of a relay connection (a RelayClient). */
export type PrekeyRelay = Pick<RelayClient, 'prekeyCount' | 'uploadPrekeys' | 'onPrekeysLow' | 'closed'>;

/** Options of a PrekeyUpkeep. */
export interface PrekeyUpkeepOptions {
  readonly store: LocalStore;
  readonly identity: IdentityKeyPair;
  readonly audit: PrekeyAudit;
  /** The clock (default Date.now). */
  readonly now?: () => number;
  /** Timer period (default PREKEY_UPKEEP_INTERVAL_MS). */
  readonly intervalMs?: number;
}

/** What one run did. */
export interface UpkeepReport {
  /** One-time prekeys uploaded by kind (0 or ONE_TIME_PREKEY_BATCH). */
  readonly replenished: PrekeyCounts;
  /** True when a new signed and last-resort KEM prekey reached the relay. */
  readonly rotated: boolean;
  /** Replaced private keys erased because their grace period ended. */
  readonly erased: number;
  /** The relay's one-time counts after the run. */
  readonly counts: PrekeyCounts;
}

/** Upkeep of this device's prekeys; one per open profile. */
export class PrekeyUpkeep {
  readonly #o: PrekeyUpkeepOptions;
  readonly #now: () => number;
  #client: PrekeyRelay | null = null;
  #unsubscribe: (() => void) | null = null;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<UpkeepReport> | null = null;
  #queued: Promise<UpkeepReport> | null = null;
  #lastError: Error | null = null;
  #lastRunAt: number | null = null;

  constructor(o: PrekeyUpkeepOptions) {
    this.#o = o;
    this.#now = o.now ?? Date.now;
  }

  /**
   * Call after each authentication: follows this connection's prekeysLow
   * pushes, starts the timer, and runs now. Never rejects: a failure is kept
   * in status() and the run is retried at the next tick or authentication.
   */
  online(client: PrekeyRelay): Promise<UpkeepReport | null> {
    this.#unsubscribe?.();
    this.#client = client;
    this.#unsubscribe = client.onPrekeysLow(() => void this.#background());
    if (!this.#timer) {
      this.#timer = setInterval(() => {
        if (this.#client && !this.#client.closed) void this.#background();
      }, this.#o.intervalMs ?? PREKEY_UPKEEP_INTERVAL_MS);
      this.#timer.unref();
    }
    return this.#background();
  }

  /** The last run's time and failure (null after a run that succeeded). */
  status(): { lastRunAt: number | null; lastError: Error | null } {
    return { lastRunAt: this.#lastRunAt, lastError: this.#lastError };
  }

  /**
   * Runs one check now and rejects with its failure. Runs never overlap: a
   * call while one runs queues one more run after it (further calls share it).
   */
  run(): Promise<UpkeepReport> {
    if (this.#queued) return this.#queued;
    const before = this.#running;
    const next: Promise<UpkeepReport> = (before ?? Promise.resolve())
      .then(
        () => undefined,
        () => undefined, // the earlier run's failure belongs to its own caller
      )
      .then(() => {
        this.#queued = null;
        this.#running = next;
        return this.#once();
      })
      .finally(() => {
        if (this.#running === next) this.#running = null;
      });
    this.#queued = next;
    return next;
  }

  /** Clears the timer, stops following pushes and waits for a run in progress. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.#client = null;
    await Promise.allSettled([this.#running, this.#queued]);
  }

  #background(): Promise<UpkeepReport | null> {
    return this.run().then(
      (r) => {
        this.#lastError = null;
        return r;
      },
      (e: unknown) => {
        this.#lastError = e instanceof Error ? e : new Error(String(e));
        return null;
      },
    );
  }

  async #once(): Promise<UpkeepReport> {
    const client = this.#client;
    if (!client || client.closed) throw new PrekeyError('PREKEYS_OFFLINE', 'Prekey upkeep needs the relay.');
    const ledger = this.#o.store.prekeyLedger;
    const stored = ledger.load();
    let state = stored ?? this.#infer();
    if (!stored) ledger.commit(state);
    const now = this.#now();
    if (!state.pending && now - Math.min(state.signed.createdAt, state.lastResort.createdAt) >= SIGNED_PREKEY_ROTATION_MS) {
      state = this.#prepareRotation(state, now);
    }
    let rotated = false;
    if (state.pending) ({ state, rotated } = await this.#publishRotation(client, state));
    const expired = state.retired.filter((r) => now - r.replacedAt >= SIGNED_PREKEY_GRACE_MS);
    if (expired.length > 0) {
      state = { ...state, retired: state.retired.filter((r) => !expired.includes(r)) };
      ledger.commit(state, [], expired);
    }
    const { counts, replenished } = await this.#replenish(client, state, now);
    this.#lastRunAt = now;
    return { replenished, rotated, erased: expired.length, counts };
  }

  /** The ledger of a profile made before upkeep: its first set used fixed id ranges (PREKEY_IDS), so counting starts past them. */
  #infer(): PrekeyLedgerState {
    const ledger = this.#o.store.prekeyLedger;
    const p = this.#o.store.protocol;
    const signedId = ledger.maxId('signed');
    const signed = signedId > 0 ? p.loadSignedPreKeySync(signedId) : null;
    const lastResort = p.loadKyberPreKeySync(PREKEY_IDS.lastResortKem);
    if (!signed || !lastResort) throw new PrekeyError('PREKEYS_MISSING', 'This profile has no signed or last-resort prekey yet.');
    const createdAt = (record: Uint8Array, kind: PreKeyKind): number => {
      const k = PreKeyPair.deserialize(record);
      k.dispose();
      if (k.kind !== kind) throw new PrekeyError('PREKEYS_MISSING', 'A stored prekey has an unexpected kind.');
      return k.createdAt;
    };
    const past = (table: 'ec' | 'kem', firstOfRange: number): number => Math.max(ledger.maxId(table), firstOfRange + ONE_TIME_PREKEY_BATCH - 1) + 1;
    const signedAt = createdAt(signed, PreKeyKind.signedEc);
    const lastResortAt = createdAt(lastResort, PreKeyKind.lastResortKem);
    return {
      next: { ec: past('ec', PREKEY_IDS.firstOneTimeEc), kem: past('kem', PREKEY_IDS.firstOneTimeKem), signed: signedId + 1 },
      signed: { id: signedId, createdAt: signedAt },
      lastResort: { id: PREKEY_IDS.lastResortKem, createdAt: lastResortAt },
      // Publish the current pair once more: a profile closed before its first upload never published it (same ids: idempotent).
      pending: { signed: signedId, lastResort: PREKEY_IDS.lastResortKem, createdAt: Math.min(signedAt, lastResortAt) },
      retired: [],
    };
  }

  /** Stores a new signed and last-resort KEM prekey (private halves) as pending, with the counters past them. */
  #prepareRotation(state: PrekeyLedgerState, now: number): PrekeyLedgerState {
    const spk = generateSignedPreKey(this.#o.identity, state.next.signed, now);
    const lrk = generateLastResortKemPreKey(this.#o.identity, state.next.kem, now);
    const next: PrekeyLedgerState = {
      ...state,
      next: { ...state.next, signed: spk.id + 1, kem: lrk.id + 1 },
      pending: { signed: spk.id, lastResort: lrk.id, createdAt: now },
    };
    this.#o.store.prekeyLedger.commit(next, [
      { table: 'signed', id: spk.id, record: spk.serialize() },
      { table: 'kem', id: lrk.id, record: lrk.serialize() },
    ]);
    spk.dispose();
    lrk.dispose();
    return next;
  }

  /** Uploads the pending rotation; once the relay confirms, the old keys start their grace period (not for a republished pair). */
  async #publishRotation(client: PrekeyRelay, state: PrekeyLedgerState): Promise<{ state: PrekeyLedgerState; rotated: boolean }> {
    const pending = state.pending!;
    const p = this.#o.store.protocol;
    const wire = (record: Uint8Array | null): WirePrekey => {
      if (!record) throw new PrekeyError('PREKEYS_MISSING', 'A pending rotated prekey is missing from the store.');
      const k = PreKeyPair.deserialize(record);
      const w = toWirePrekey(k);
      k.dispose();
      return w;
    };
    await client.uploadPrekeys({ signedPrekey: wire(p.loadSignedPreKeySync(pending.signed)), lastResortKem: wire(p.loadKyberPreKeySync(pending.lastResort)) });
    const replacedAt = this.#now();
    const republished = pending.signed === state.signed.id;
    const next: PrekeyLedgerState = {
      ...state,
      signed: { id: pending.signed, createdAt: pending.createdAt },
      lastResort: { id: pending.lastResort, createdAt: pending.createdAt },
      pending: null,
      retired: republished
        ? state.retired
        : [...state.retired, { table: 'signed', id: state.signed.id, replacedAt }, { table: 'kem', id: state.lastResort.id, replacedAt }],
    };
    this.#o.store.prekeyLedger.commit(next);
    if (!republished) {
      this.#o.audit('prekeys.rotated', { signedPrekeyId: pending.signed, lastResortKemId: pending.lastResort, replacedSignedPrekeyId: state.signed.id });
    }
    return { state: next, rotated: !republished };
  }

  /** Uploads a batch of each one-time kind the relay holds too few of. */
  async #replenish(client: PrekeyRelay, state: PrekeyLedgerState, now: number): Promise<{ counts: PrekeyCounts; replenished: PrekeyCounts }> {
    const counts = await client.prekeyCount();
    const ecLow = counts.oneTimeEc < ONE_TIME_PREKEY_REPLENISH_BELOW;
    const kemLow = counts.oneTimeKem < ONE_TIME_PREKEY_REPLENISH_BELOW;
    if (!ecLow && !kemLow) return { counts, replenished: { oneTimeEc: 0, oneTimeKem: 0 } };
    const identity = this.#o.identity;
    const ec = ecLow ? generateOneTimePreKeys(identity, state.next.ec, ONE_TIME_PREKEY_BATCH, now) : [];
    const kem = kemLow ? generateOneTimeKemPreKeys(identity, state.next.kem, ONE_TIME_PREKEY_BATCH, now) : [];
    const put: PrekeyRecordPut[] = [
      ...ec.map((k) => ({ table: 'ec' as const, id: k.id, record: k.serialize() })),
      ...kem.map((k) => ({ table: 'kem' as const, id: k.id, record: k.serialize() })),
    ];
    this.#o.store.prekeyLedger.commit({ ...state, next: { ...state.next, ec: state.next.ec + ec.length, kem: state.next.kem + kem.length } }, put);
    const upload = { ...(ec.length ? { oneTimeEc: ec.map(toWirePrekey) } : {}), ...(kem.length ? { oneTimeKem: kem.map(toWirePrekey) } : {}) };
    for (const k of [...ec, ...kem]) k.dispose();
    const after = await client.uploadPrekeys(upload);
    this.#o.audit('prekeys.replenished', {
      oneTimeEc: ec.length,
      oneTimeKem: kem.length,
      ...(ec.length ? { firstOneTimeEcId: ec[0]!.id } : {}),
      ...(kem.length ? { firstOneTimeKemId: kem[0]!.id } : {}),
      heldOneTimeEc: after.oneTimeEc,
      heldOneTimeKem: after.oneTimeKem,
    });
    return { counts: after, replenished: { oneTimeEc: ec.length, oneTimeKem: kem.length } };
  }
}
