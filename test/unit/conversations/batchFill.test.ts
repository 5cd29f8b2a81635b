import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BatchFill } from '../../../src/main/conversations/batchFill';

describe('BatchFill', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('does not wait when enough envelopes wait already', async () => {
    const fill = new BatchFill();
    let done = false;
    void fill.until(() => 300, 256, 10).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toBe(true);
  });

  it('wakes on each arrival and ends once enough wait, before its limit', async () => {
    const fill = new BatchFill();
    let have = 30;
    let done = false;
    void fill.until(() => have, 100, 10).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(1);
    have = 60;
    fill.arrived();
    await vi.advanceTimersByTimeAsync(1);
    expect(done).toBe(false);
    have = 120;
    fill.arrived();
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toBe(true);
  });

  it('ends at its limit when the envelopes it waits for never come (a relay that announced more)', async () => {
    const fill = new BatchFill();
    let done = false;
    void fill.until(() => 30, 256, 10).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(9);
    fill.arrived(); // an arrival that is not enough does not restart the wait
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(done).toBe(true);
  });
});
