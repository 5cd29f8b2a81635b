import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../../../src/relay/store/groupCommit';

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
