/**
 * Change counters for a few tables, kept in memory, so a read that a hot
 * path repeats (a thousand-member group's devices at every group send) can
 * be served from a cache until one of its tables changes. TEMP triggers
 * (this connection only, never written to the file, so no migration) call
 * a JS function after every insert, update or delete of a watched row,
 * whatever code path wrote it (services, snapshot import, a restore). The
 * counter only goes up, also when the write is rolled back, so a read made
 * inside a transaction is never cached (it may see rows a rollback takes
 * back, under a version that stays); outside one, a cache can be dropped
 * needlessly, never kept past a change. Another connection's commit (the
 * app and a CLI command on one profile) fires no trigger here: SQLite's
 * `data_version`, which changes with every commit by another connection,
 * is part of the version. A `table.column` watch counts inserts, deletes
 * and updates of that column only (a conversation's timer, not the
 * `last_message_at` every message insert bumps).
 */
import { prep, type SqliteDatabase } from './database';

const FUNCTION = 'parley_table_changed';

/** One per connection (a second registration of the function would silence the first watcher's counters). */
const watches = new WeakMap<SqliteDatabase, TableWatch>();

/** Per-table change counters of one connection (see the file comment). */
export class TableWatch {
  readonly #versions = new Map<string, number>();

  private constructor(private readonly db: SqliteDatabase) {
    db.function(FUNCTION, { deterministic: false, varargs: false }, (table: unknown) => {
      const name = String(table);
      this.#versions.set(name, (this.#versions.get(name) ?? 0) + 1);
      return null;
    });
  }

  /** The connection's watcher, now also watching `tables`. */
  static of(db: SqliteDatabase, tables: readonly string[]): TableWatch {
    let w = watches.get(db);
    if (!w) {
      w = new TableWatch(db);
      watches.set(db, w);
    }
    for (const t of tables) w.#watch(t);
    return w;
  }

  /** `table`, or `table.column`: then only an update of that column counts (with inserts and deletes), not one of the row's other columns. */
  #watch(name: string): void {
    if (this.#versions.has(name)) return;
    const m = /^([a-z_]+)(?:\.([a-z_]+))?$/.exec(name);
    if (!m) throw new Error(`not a table name: ${name}`);
    const [, table, column] = m;
    const tag = column ? `${table}_${column}` : table;
    for (const op of ['INSERT', column ? `UPDATE OF ${column}` : 'UPDATE', 'DELETE']) {
      this.db.exec(`CREATE TEMP TRIGGER IF NOT EXISTS watch_${tag}_${op.split(' ')[0]!.toLowerCase()} AFTER ${op} ON main.${table} BEGIN SELECT ${FUNCTION}('${name}'); END`);
    }
    this.#versions.set(name, 0);
  }

  #others: number | null = null;

  /**
   * SQLite's `data_version` (moves with every commit by another connection),
   * read at most once per run of synchronous code: the statement cost ≈ 9 µs,
   * which a burst of sends paid per send. A commit by another process in the
   * middle of such a run is seen from the next turn on, as if it had come
   * just after the run's reads (whose own writes come later anyway).
   */
  others(): number {
    if (this.#others === null) {
      this.#others = prep(this.db, 'PRAGMA data_version').pluck().get() as number;
      queueMicrotask(() => (this.#others = null));
    }
    return this.#others;
  }

  /** A number that changes whenever any of `tables` (watched) changed. */
  version(tables: readonly string[]): number {
    let v = 0;
    for (const t of tables) {
      const n = this.#versions.get(t);
      if (n === undefined) throw new Error(`table not watched: ${t}`);
      v += n;
    }
    return v;
  }
}

/** A read cached per key until the watched tables change; at most `max` keys (the oldest dropped). */
export class WatchedCache<K, V> {
  readonly #entries = new Map<K, { version: number; others: number; value: V }>();

  constructor(private readonly db: SqliteDatabase, private readonly watch: TableWatch, private readonly tables: readonly string[], private readonly max: number) {}

  get(key: K, read: () => V): V {
    const version = this.watch.version(this.tables);
    const others = this.watch.others();
    const hit = this.#entries.get(key);
    if (hit?.version === version && hit.others === others) return hit.value;
    const value = read();
    if (this.db.inTransaction) return value; // see the file comment: not kept
    this.#entries.delete(key);
    if (this.#entries.size >= this.max) this.#entries.delete(this.#entries.keys().next().value as K);
    this.#entries.set(key, { version, others, value });
    return value;
  }
}
