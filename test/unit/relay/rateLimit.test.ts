import { describe, expect, it } from 'vitest';
import { TokenBuckets } from '../../../src/relay/rateLimit';

describe('token buckets', () => {
  it('allow a burst of the bucket size, then one token per refill interval', () => {
    const b = new TokenBuckets(6, 600_000);
    const t0 = 1_000_000;
    const results = Array.from({ length: 7 }, () => b.take('k', 1, t0));
    expect(results).toEqual([true, true, true, true, true, true, false]);
    expect(b.take('k', 1, t0 + 599_999)).toBe(false);
    expect(b.take('k', 1, t0 + 600_000)).toBe(true);
    expect(b.take('other', 1, t0)).toBe(true);
  });

  it('keep a bounded number of keys under a flood of distinct keys', () => {
    const b = new TokenBuckets(2, 1000, 100);
    for (let i = 0; i < 10_000; i++) b.take(`k${i}`, 1, 0);
    expect(b.trackedKeys).toBeLessThanOrEqual(100);
  });
});
