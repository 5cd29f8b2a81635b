import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ReceiptHold } from '../../../src/main/conversations/receiptHold';

describe('ReceiptHold', () => {
  let released = 0;
  let hold: ReceiptHold;
  beforeEach(() => {
    vi.useFakeTimers();
    released = 0;
    hold = new ReceiptHold(() => void released++, 1_000);
  });
  afterEach(() => vi.useRealTimers());

  it('sends a lone batch’s receipts at once and holds nothing when none are owed', () => {
    expect(hold.decide(false, true)).toBe(false);
    expect(hold.holding).toBe(false);
    expect(hold.decide(true, false)).toBe(true);
    expect(hold.holding).toBe(false);
  });

  it('holds while more envelopes follow, then sends everything held with the last batch', () => {
    expect(hold.decide(true, true)).toBe(false);
    expect(hold.decide(true, true)).toBe(false);
    expect(hold.holding).toBe(true);
    // A batch with no receipts of its own still ends the hold when it is the last.
    expect(hold.decide(false, false)).toBe(true);
    expect(hold.holding).toBe(false);
    vi.advanceTimersByTime(5_000);
    expect(released).toBe(0);
  });

  it('releases a hold when it reaches its limit from the first held batch, however many batches came since', () => {
    hold.decide(true, true);
    vi.advanceTimersByTime(600);
    hold.decide(true, true);
    vi.advanceTimersByTime(399);
    expect(released).toBe(0);
    vi.advanceTimersByTime(1);
    expect(released).toBe(1);
    expect(hold.holding).toBe(false);
    // The next batch starts a new hold.
    expect(hold.decide(true, true)).toBe(false);
    vi.advanceTimersByTime(1_000);
    expect(released).toBe(2);
  });

  it('releases what is held when no batch comes after it (a backlog count that was off)', () => {
    hold.decide(true, true);
    vi.advanceTimersByTime(1_000);
    expect(released).toBe(1);
  });

  it('forgets the hold without sending when stopped (the receipts stay owed in the store)', () => {
    hold.decide(true, true);
    hold.stop();
    vi.advanceTimersByTime(5_000);
    expect(released).toBe(0);
    expect(hold.holding).toBe(false);
  });
});
