/**
 * npm run bench:store — the encrypted store (SQLCipher v4 scheme, raw key)
 * side by side with the same library on a plain, unencrypted file, in one
 * run, over 1,000,000 messages in 1,000 conversations: bulk insert rate,
 * unlock (excluding Argon2id), latest 50 of a conversation, paging back 50
 * at a time, word and phrase search (p50/p95), size on disk, peak RSS.
 * Data lives in a temp dir that is deleted at the end. Last line: JSON.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import sodium from 'libsodium-wrappers-sumo';
import { STORE_BULK_INSERT_BATCH, STORE_PWHASH_MEMLIMIT, STORE_PWHASH_OPSLIMIT } from '../src/shared/constants';
import { applySessionPragmas, type SqliteDatabase } from '../src/main/store/database';
import { MessageRepo, type NewMessage } from '../src/main/store/messages';
import { migrate } from '../src/main/store/schema';
import { SecretKey } from '../src/main/store/secretKey';
import { LocalStore } from '../src/main/store/store';

const MESSAGES = Number(process.env['MESSAGES'] ?? 1_000_000);
const CONVERSATIONS = 1_000;
const VOCABULARY = 20_000;
const PAGE = 50;
const LATEST_SAMPLES = 300;
const PAGING_CONVERSATIONS = 30;
const PAGES_BACK = 10;
const SEARCHES = 150;

await sodium.ready;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-bench-store-'));
let peakRss = 0;
const sampleRss = (): void => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
};
const rssTimer = setInterval(sampleRss, 100);

// ── deterministic data ──
let seed = 0x9e3779b9;
const rand = (): number => {
  seed ^= seed << 13; seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5; seed >>>= 0;
  return seed / 0x1_0000_0000;
};
const SYL = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'te', 'vo', 'zi', 'bé', 'dà', 'fö', 'gu', 'hi', 'jo', 'pé'];
const words = Array.from({ length: VOCABULARY }, (_, i) => {
  let w = '';
  for (let n = i + 1; n > 0; n = Math.floor(n / SYL.length)) w += SYL[n % SYL.length]!;
  return w;
});
const pick = (): string => words[Math.floor(rand() * VOCABULARY)]!;
function makeBody(): string {
  const n = 6 + Math.floor(rand() * 12);
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(pick());
  return out.join(' ');
}

interface Side { readonly name: string; db: SqliteDatabase; repo: MessageRepo; reopen(): void; close(): void; files(): string[] }

function plainSide(): Side {
  const p = path.join(dir, 'plain.db');
  const open = (): SqliteDatabase => {
    const db = new Database(p);
    applySessionPragmas(db);
    migrate(db);
    return db;
  };
  const side: Side = {
    name: 'plain', db: open(), repo: null as unknown as MessageRepo,
    reopen() { side.db.close(); side.db = open(); side.repo = new MessageRepo(side.db); },
    close() { side.db.close(); },
    files: () => [p, `${p}-wal`],
  };
  side.repo = new MessageRepo(side.db);
  return side;
}

function encryptedSide(): Side {
  const p = path.join(dir, 'parley.db');
  const key = sodium.randombytes_buf(32);
  let store = LocalStore.fromKey(p, new SecretKey(key.slice()));
  const side: Side = {
    name: 'encrypted', db: store.db, repo: store.messages,
    reopen() { store.close(); store = LocalStore.fromKey(p, new SecretKey(key.slice())); side.db = store.db; side.repo = store.messages; },
    close() { store.close(); },
    files: () => [p, `${p}-wal`],
  };
  return side;
}

const sides = [plainSide(), encryptedSide()];
const pct = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};
const time = (f: () => void): number => {
  const t = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - t) / 1e6;
};

// ── bulk insert: the same batches go to both sides, alternating ──
const insertMs = new Map<string, number>(sides.map((s) => [s.name, 0]));
for (const s of sides) {
  s.db.transaction(() => {
    for (let c = 0; c < CONVERSATIONS; c++) s.repo.upsertConversation({ id: `c${c}`, kind: 'direct', peerAccountId: `peer${c}`, title: '', expireTimerMs: null }, 0);
  })();
}
const t0 = Date.UTC(2026, 0, 1);
const genStart = Date.now();
for (let done = 0; done < MESSAGES; done += STORE_BULK_INSERT_BATCH) {
  const batch: NewMessage[] = [];
  for (let i = done; i < Math.min(MESSAGES, done + STORE_BULK_INSERT_BATCH); i++) {
    const c = Math.floor(rand() * CONVERSATIONS);
    batch.push({
      id: `m${i}`, conversationId: `c${c}`, sender: rand() < 0.5 ? 'me' : `peer${c}`, direction: rand() < 0.5 ? 'out' : 'in',
      body: makeBody(), sentAt: t0 + i * 1000, receivedAt: t0 + i * 1000 + 50, state: 'delivered',
    });
  }
  for (const s of sides) insertMs.set(s.name, insertMs.get(s.name)! + time(() => s.repo.insertMany(batch)));
  sampleRss();
}
const genSeconds = (Date.now() - genStart) / 1000;
for (const s of sides) s.db.pragma('wal_checkpoint(TRUNCATE)');

// ── unlock (no Argon2id): close, reopen, first query ──
const unlock = new Map<string, number>();
for (const s of sides) {
  const xs: number[] = [];
  for (let i = 0; i < 5; i++) xs.push(time(() => { s.reopen(); s.repo.page('c0', 1); }));
  unlock.set(s.name, pct(xs, 0.5));
}

// ── queries: identical inputs on both sides ──
const convs = Array.from({ length: LATEST_SAMPLES }, () => `c${Math.floor(rand() * CONVERSATIONS)}`);
const searchWords = Array.from({ length: SEARCHES }, pick);
const phraseSource = sides[0]!.db.prepare('SELECT body FROM messages WHERE id = ?').pluck();
const phrases = Array.from({ length: SEARCHES }, () => {
  const w = (phraseSource.get(`m${Math.floor(rand() * MESSAGES)}`) as string).split(' ');
  const k = Math.floor(rand() * (w.length - 1));
  return `${w[k]} ${w[k + 1]}`;
});
interface Q { latest: number[]; paging: number[]; search: number[]; phrase: number[] }
const q = new Map<string, Q>(sides.map((s) => [s.name, { latest: [], paging: [], search: [], phrase: [] }]));
for (const s of sides) for (const c of convs.slice(0, 20)) s.repo.page(c, PAGE); // warm-up
for (let round = 0; round < 2; round++) {
  for (const s of sides) {
    const r = q.get(s.name)!;
    for (const c of convs) r.latest.push(time(() => s.repo.page(c, PAGE)));
    for (const c of convs.slice(0, PAGING_CONVERSATIONS)) {
      let page = s.repo.page(c, PAGE);
      for (let i = 0; i < PAGES_BACK && page.length > 0; i++) {
        const first = page[0]!;
        r.paging.push(time(() => { page = s.repo.page(c, PAGE, { at: first.sentAt, id: first.id }); }));
      }
    }
    for (const w of searchWords) r.search.push(time(() => s.repo.search(w, PAGE)));
    for (const p of phrases) r.phrase.push(time(() => s.repo.search(p, PAGE, true)));
    sampleRss();
  }
}
const size = new Map(sides.map((s) => [s.name, s.files().filter((f) => fs.existsSync(f)).reduce((a, f) => a + fs.statSync(f).size, 0)]));
for (const s of sides) s.close();
clearInterval(rssTimer);
// Passphrase unlock with the shipped Argon2id limits, measured once (not part of unlockMs).
const pwDir = path.join(dir, 'pw');
(await LocalStore.create({ dir: pwDir, passphrase: 'bench passphrase' })).close();
const pwStart = process.hrtime.bigint();
(await LocalStore.open({ dir: pwDir, passphrase: 'bench passphrase' })).close();
const argonUnlockMs = Number(process.hrtime.bigint() - pwStart) / 1e6;
fs.rmSync(dir, { recursive: true, force: true });

// ── report ──
const f2 = (x: number): string => x.toFixed(2);
const P = q.get('plain')!;
const E = q.get('encrypted')!;
const rate = (n: string): number => MESSAGES / (insertMs.get(n)! / 1000);
const rows: [string, string, string, string][] = [
  ['bulk insert (msg/s)', rate('plain').toFixed(0), rate('encrypted').toFixed(0), f2(rate('plain') / rate('encrypted'))],
  ['unlock, no Argon2id (ms)', f2(unlock.get('plain')!), f2(unlock.get('encrypted')!), f2(unlock.get('encrypted')! / unlock.get('plain')!)],
  ['latest 50 p50 (ms)', f2(pct(P.latest, 0.5)), f2(pct(E.latest, 0.5)), f2(pct(E.latest, 0.5) / pct(P.latest, 0.5))],
  ['latest 50 p95 (ms)', f2(pct(P.latest, 0.95)), f2(pct(E.latest, 0.95)), f2(pct(E.latest, 0.95) / pct(P.latest, 0.95))],
  ['page back 50 p95 (ms)', f2(pct(P.paging, 0.95)), f2(pct(E.paging, 0.95)), f2(pct(E.paging, 0.95) / pct(P.paging, 0.95))],
  ['search word p50 (ms)', f2(pct(P.search, 0.5)), f2(pct(E.search, 0.5)), f2(pct(E.search, 0.5) / pct(P.search, 0.5))],
  ['search word p95 (ms)', f2(pct(P.search, 0.95)), f2(pct(E.search, 0.95)), f2(pct(E.search, 0.95) / pct(P.search, 0.95))],
  ['search phrase p50 (ms)', f2(pct(P.phrase, 0.5)), f2(pct(E.phrase, 0.5)), f2(pct(E.phrase, 0.5) / pct(P.phrase, 0.5))],
  ['search phrase p95 (ms)', f2(pct(P.phrase, 0.95)), f2(pct(E.phrase, 0.95)), f2(pct(E.phrase, 0.95) / pct(P.phrase, 0.95))],
  ['size on disk (MB)', f2(size.get('plain')! / 2 ** 20), f2(size.get('encrypted')! / 2 ** 20), f2(size.get('encrypted')! / size.get('plain')!)],
];
console.log(`store benchmark: ${MESSAGES} messages in ${CONVERSATIONS} conversations, generated in ${genSeconds.toFixed(1)} s (both files)`);
console.log(`${'metric'.padEnd(26)}${'plain'.padStart(12)}${'encrypted'.padStart(12)}${'enc/plain'.padStart(11)}`);
for (const [m, a, b, r] of rows) console.log(`${m.padEnd(26)}${a.padStart(12)}${b.padStart(12)}${r.padStart(11)}`);
console.log(`peak RSS (both files open in one process): ${(peakRss / 2 ** 20).toFixed(0)} MB`);
console.log(`passphrase unlock incl. Argon2id (ops ${STORE_PWHASH_OPSLIMIT}, ${STORE_PWHASH_MEMLIMIT / 2 ** 20} MiB): ${argonUnlockMs.toFixed(0)} ms`);
const pageP95 = pct(E.latest, 0.95);
console.log(JSON.stringify({
  insertPerSec: Math.round(rate('encrypted')),
  unlockMs: Number(f2(unlock.get('encrypted')!)),
  pageP95Ms: Number(f2(pageP95)),
  searchP95Ms: Number(f2(pct(E.search, 0.95))),
  phraseSearchP95Ms: Number(f2(pct(E.phrase, 0.95))),
  rssMb: Math.round(peakRss / 2 ** 20),
  overhead: {
    insert: Number(f2(rate('plain') / rate('encrypted'))),
    page: Number(f2(pageP95 / pct(P.latest, 0.95))),
    search: Number(f2(pct(E.search, 0.95) / pct(P.search, 0.95))),
  },
}));
