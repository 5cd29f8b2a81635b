/** Temp-directory stores for tests: real SQLite files, real crypto, fast Argon2id (the named minimums). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sodium from 'libsodium-wrappers-sumo';
import { STORE_PWHASH_MIN_MEMLIMIT, STORE_PWHASH_MIN_OPSLIMIT } from '../../src/shared/constants';
import { LocalStore } from '../../src/main/store/store';
import { SecretKey } from '../../src/main/store/secretKey';

export const FAST_PWHASH = { opslimit: STORE_PWHASH_MIN_OPSLIMIT, memlimit: STORE_PWHASH_MIN_MEMLIMIT } as const;

export function tempDir(prefix = 'parley-store-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A store opened by raw key in a fresh temp dir; `key` is a copy of the key bytes for reopening. */
export async function rawKeyStore(dir = tempDir()): Promise<{ store: LocalStore; dir: string; dbPath: string; key: Uint8Array }> {
  await sodium.ready;
  const key = sodium.randombytes_buf(32);
  const dbPath = path.join(dir, 'parley.db');
  return { store: LocalStore.fromKey(dbPath, new SecretKey(key.slice())), dir, dbPath, key };
}

export function reopen(dbPath: string, key: Uint8Array): LocalStore {
  return LocalStore.fromKey(dbPath, new SecretKey(key.slice()));
}

/** Every file of the database (main, WAL, journal, shm) that exists. */
export function dbFiles(dbPath: string): string[] {
  return ['', '-wal', '-journal', '-shm'].map((s) => dbPath + s).filter((p) => fs.existsSync(p));
}

export function filesContain(files: readonly string[], needle: Uint8Array): boolean {
  return files.some((f) => fs.readFileSync(f).includes(Buffer.from(needle)));
}

export const conv = (id: string) => ({ id, kind: 'direct' as const, peerAccountId: `peer-${id}`, title: '', expireTimerMs: null });
