/**
 * What waited too long is dropped with a trace (conversations/unsent.ts
 * dropExpired, on the upkeep tick): content logged for a device that never
 * got a session or an account whose list never came, and group content
 * held for an update that never came. Nothing else goes, and the resend
 * log's row bound never takes content still waiting.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dropExpired } from '../../../src/main/conversations/unsent';
import type { ChatContext } from '../../../src/main/conversations/context';
import type { LocalStore } from '../../../src/main/store';
import { RepairRepo } from '../../../src/main/store/repairs';
import { GROUP_HELD_TTL_MS, RESEND_LOG_MAX_ROWS, RESEND_LOG_TTL_MS } from '../../../src/shared/constants';
import { rawKeyStore } from '../../support/storeFixture';

const ANN = 'A'.repeat(43);
const DEVICE = 'd'.repeat(43);
let store: LocalStore;
let ctx: ChatContext;
let audits: { kind: string; detail: Record<string, unknown> }[];

/** A resend-log row logged `age` ms ago (null digest: still waiting). */
const logged = (recipient: string, digest: Uint8Array | null, age: number) =>
  new RepairRepo(store.db, () => Date.now() - age).logSent([{ recipient, digest, content: new Uint8Array([1]), messageId: 'm1' }]);

beforeEach(async () => {
  store = (await rawKeyStore()).store;
  audits = [];
  ctx = { store, audit: (kind: string, detail: Record<string, unknown>) => audits.push({ kind, detail }) } as unknown as ChatContext;
});

afterEach(() => store.close());

describe('content that waited past its bound', () => {
  it('drops content that waited a day for a device or a list, with one audit entry per recipient, and keeps what is younger or was sent', () => {
    logged(`${ANN}.${DEVICE}`, null, RESEND_LOG_TTL_MS + 60_000);
    logged(`${ANN}.${DEVICE}`, null, RESEND_LOG_TTL_MS + 30_000);
    logged(`${ANN}.`, null, RESEND_LOG_TTL_MS + 30_000);
    logged(`${ANN}.${DEVICE}`, null, 60_000);
    logged(`${ANN}.${DEVICE}`, new Uint8Array(32), RESEND_LOG_TTL_MS + 30_000);
    dropExpired(ctx);
    expect(audits).toEqual([
      { kind: 'delivery.unsent_dropped', detail: { address: `${ANN}.${DEVICE}`, reason: 'UNSENT_EXPIRED', count: 2 } },
      { kind: 'delivery.unsent_dropped', detail: { accountId: ANN, reason: 'UNSENT_EXPIRED', count: 1 } },
    ]);
    expect(store.repairs.unsent(10)).toHaveLength(1);
    expect(store.db.prepare('SELECT count(*) FROM resend_log').pluck().get()).toBe(2);
  });

  it('drops group content held past its age with a trace', () => {
    store.groupHeld.hold('g', `${ANN}.${DEVICE}`, new Uint8Array([1]), Date.now() - GROUP_HELD_TTL_MS - 1);
    store.groupHeld.hold('g', `${ANN}.${DEVICE}`, new Uint8Array([2]));
    dropExpired(ctx);
    expect(audits).toEqual([{ kind: 'group.held_dropped', detail: { address: `${ANN}.${DEVICE}`, reason: 'GROUP_HELD_EXPIRED', count: 1 } }]);
    expect(store.groupHeld.take('g').map((h) => [...h.content])).toEqual([[2]]);
  });

  it('never lets the resend log’s row bound take content still waiting', () => {
    logged(`${ANN}.${DEVICE}`, null, 1_000);
    store.db.transaction(() => {
      store.repairs.logSent(Array.from({ length: RESEND_LOG_MAX_ROWS + 5 }, () => ({ recipient: `${ANN}.${DEVICE}`, digest: new Uint8Array(32), content: new Uint8Array([2]), messageId: null })));
    })();
    expect(store.repairs.prune()).toBe(5);
    expect(store.repairs.unsent(10)).toHaveLength(1);
  });
});
