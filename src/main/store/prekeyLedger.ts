/**
 * Bookkeeping for prekey upkeep (src/main/prekeys/upkeep.ts): the next id of
 * each prekey table, the current signed and last-resort KEM prekeys, a
 * rotation stored but not yet confirmed by the relay, and replaced keys
 * waiting out their grace period. It is one JSON row in `settings` (no
 * schema change; ids and dates only, no key material). Private prekeys stay
 * in the sealed `prekeys` table; `commit` writes both in ONE transaction, so
 * an id is never handed out twice even across a crash.
 */
import { z } from 'zod';
import { prep, type SqliteDatabase } from './database';
import { StoreError } from './errors';
import type { PreKeyTable, SqliteProtocolStores } from './protocolStores';

/** The settings key of the ledger row (never synced: only privacy.* and relay.url are). */
export const PREKEY_LEDGER_SETTING = 'prekeys.ledger';

const id = z.number().int().min(1).max(0xffffffff);
const time = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const current = z.strictObject({ id, createdAt: time });

const ledgerSchema = z.strictObject({
  /** Next unused id per table; ids only grow, so an erased or consumed id is never issued again. */
  next: z.strictObject({ ec: id, kem: id, signed: id }),
  signed: current,
  lastResort: current,
  /** A rotation whose private keys are stored but whose upload the relay has not confirmed yet. */
  pending: z.strictObject({ signed: id, lastResort: id, createdAt: time }).nullable(),
  /** Replaced keys, kept for messages in flight until `replacedAt` + SIGNED_PREKEY_GRACE_MS. */
  retired: z.array(z.strictObject({ table: z.enum(['signed', 'kem']), id, replacedAt: time })).max(64),
});

/** The ledger's content. */
export type PrekeyLedgerState = z.infer<typeof ledgerSchema>;

/** One private prekey record to store (sealed by the protocol store). */
export interface PrekeyRecordPut {
  readonly table: PreKeyTable;
  readonly id: number;
  readonly record: Uint8Array;
}

/** Reads and atomically updates the ledger together with the sealed prekey rows. */
export class PrekeyLedger {
  constructor(private readonly db: SqliteDatabase, private readonly protocol: SqliteProtocolStores) {}

  /** The stored ledger, or null for a profile made before upkeep existed. A malformed row is STORE_CORRUPT. */
  load(): PrekeyLedgerState | null {
    const raw = prep(this.db, 'SELECT value FROM settings WHERE key = ?').pluck().get(PREKEY_LEDGER_SETTING) as string | undefined;
    if (raw === undefined) return null;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (e) {
      throw new StoreError('STORE_CORRUPT', 'The prekey ledger is not JSON.', { cause: e });
    }
    const r = ledgerSchema.safeParse(parsed);
    if (!r.success) throw new StoreError('STORE_CORRUPT', 'The prekey ledger is malformed.');
    return r.data;
  }

  /** The highest id stored in a prekey table (0 when it is empty). */
  maxId(table: PreKeyTable): number {
    return (prep(this.db, 'SELECT coalesce(max(id), 0) FROM prekeys WHERE kind = ?').pluck().get(table) as number);
  }

  /** Ids stored in a prekey table, ascending. */
  ids(table: PreKeyTable): number[] {
    return prep(this.db, 'SELECT id FROM prekeys WHERE kind = ? ORDER BY id').pluck().all(table) as number[];
  }

  /** One transaction: store `put` (sealed), erase `erase`, and write `state`. */
  commit(state: PrekeyLedgerState, put: readonly PrekeyRecordPut[] = [], erase: readonly { table: PreKeyTable; id: number }[] = []): void {
    const checked = ledgerSchema.parse(state);
    this.db.transaction(() => {
      for (const p of put) this.protocol.putPreKeyRecordSync(p.table, p.id, p.record);
      for (const e of erase) this.protocol.erasePreKeyRecordSync(e.table, e.id);
      prep(this.db, 'INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)').run(PREKEY_LEDGER_SETTING, JSON.stringify(checked));
    }).immediate();
  }
}
