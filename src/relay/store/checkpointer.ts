/**
 * WAL checkpoints off the event loop. A checkpoint fsyncs the database file;
 * run inline (SQLite's autocheckpoint) it would stall every connection for
 * the length of that fsync. A worker thread with its own connection runs
 * PASSIVE checkpoints on a timer instead, while the main connection has
 * autocheckpoint off.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 1000');
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (e) { parentPort.postMessage({ failed: (e && e.code) || 'UNKNOWN' }); }
}, workerData.intervalMs);
parentPort.on('message', () => { clearInterval(timer); db.close(); parentPort.close(); });
`;

/** A running checkpoint worker; `stop` ends it and closes its connection. */
export interface Checkpointer {
  stop(): Promise<void>;
}

/** Where a checkpoint that failed (busy, I/O) is reported: the relay's log. It is tried again on the next tick. */
export type CheckpointFailure = (reason: string) => void;

/** Starts a worker thread that checkpoints the SQLite WAL of `file` every `intervalMs`. */
export function startCheckpointer(file: string, intervalMs: number, onFailure: CheckpointFailure): Checkpointer {
  const module = createRequire(import.meta.url).resolve('better-sqlite3-multiple-ciphers');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, module, intervalMs } });
  worker.unref();
  worker.on('message', (m: { failed?: unknown }) => onFailure(typeof m.failed === 'string' ? m.failed : 'UNKNOWN'));
  worker.on('error', (e: Error) => onFailure(`worker:${e.name}`));
  const exited = new Promise<void>((r) => worker.once('exit', () => r()));
  return {
    async stop() {
      worker.postMessage('stop');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2_000))]);
      await worker.terminate();
    },
  };
}
