import { describe, expect, it } from 'vitest';
import { AsyncGroupCommit, GroupCommit } from '../../../src/relay/store/groupCommit';

describe('group commit', () => {
  it('runs requests of one event-loop turn as one batch and resolves each with its own result', async () => {
    const batches: number[][] = [];
    const g = new GroupCommit<number, number>((items) => {
      batches.push([...items]);
      return items.map((x) => x * 2);
    });
    expect(await Promise.all([g.submit(1), g.submit(2), g.submit(3)])).toEqual([2, 4, 6]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('fails only the bad request when one request in a batch throws', async () => {
    const g = new GroupCommit<number, number>((items) => {
      if (items.includes(13)) throw new Error('bad');
      return items.map((x) => x + 1);
    });
    const results = await Promise.allSettled([g.submit(1), g.submit(13), g.submit(2)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[0] as PromiseFulfilledResult<number>).value).toBe(2);
  });
});

describe('async group commit', () => {
  it('gathers requests made while a batch is in flight into the next batch', async () => {
    const batches: number[][] = [];
    const g = new AsyncGroupCommit<number, number>(async (items) => {
      batches.push([...items]);
      await new Promise((r) => setTimeout(r, 20));
      return items.map((x) => -x);
    });
    const first = g.submit(1);
    await new Promise((r) => setTimeout(r, 5));
    const later = [g.submit(2), g.submit(3)];
    expect(await Promise.all([first, ...later])).toEqual([-1, -2, -3]);
    expect(batches).toEqual([[1], [2, 3]]);
  });

  it('fails only the bad request when its batch throws', async () => {
    const g = new AsyncGroupCommit<number, number>(async (items) => {
      if (items.includes(13)) throw new Error('bad');
      return [...items];
    });
    const results = await Promise.allSettled([g.submit(1), g.submit(13)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
  });
});
