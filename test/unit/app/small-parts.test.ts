import { describe, expect, it } from 'vitest';
import { UnlockBackoff } from '../../../src/main/app/unlockBackoff';
import { notificationFor } from '../../../src/main/app/notifications';
import { qrSvg } from '../../../src/main/app/qr';
import { UNLOCK_BACKOFF_BASE_MS, UNLOCK_BACKOFF_MAX_MS } from '../../../src/shared/constants';

describe('unlock backoff', () => {
  it('doubles the wait per failure up to the ceiling and resets on success', () => {
    let now = 1_000_000;
    const b = new UnlockBackoff(() => now);
    expect(b.retryInMs).toBe(0);
    b.recordFailure();
    expect(b.retryInMs).toBe(UNLOCK_BACKOFF_BASE_MS);
    b.recordFailure();
    expect(b.retryInMs).toBe(UNLOCK_BACKOFF_BASE_MS * 2);
    for (let i = 0; i < 20; i++) b.recordFailure();
    expect(b.retryInMs).toBe(UNLOCK_BACKOFF_MAX_MS);
    now += UNLOCK_BACKOFF_MAX_MS;
    expect(b.retryInMs).toBe(0);
    b.recordSuccess();
    b.recordFailure();
    expect(b.retryInMs).toBe(UNLOCK_BACKOFF_BASE_MS);
  });
});

describe('notifications', () => {
  const msg = { senderName: 'Bob', text: 'the secret plan' };
  it('carry no content while locked or with previews off', () => {
    expect(notificationFor(msg, { locked: true, previews: true })).toEqual({ title: 'Parley', body: 'New message' });
    expect(notificationFor(msg, { locked: false, previews: false })).toEqual({ title: 'Bob', body: 'New message' });
    expect(notificationFor(msg, { locked: false, previews: true })).toEqual({ title: 'Bob', body: 'the secret plan' });
  });

  it('count the texts of one batch, still without content while locked or with previews off', () => {
    const many = { ...msg, count: 1_200 };
    expect(notificationFor(many, { locked: true, previews: true })).toEqual({ title: 'Parley', body: '1,200 new messages' });
    expect(notificationFor(many, { locked: false, previews: false })).toEqual({ title: 'Bob', body: '1,200 new messages' });
    expect(notificationFor(many, { locked: false, previews: true })).toEqual({ title: 'Bob', body: '1,200 new messages · the secret plan' });
  });
});

describe('QR codes', () => {
  it('renders text as an SVG document', async () => {
    const svg = await qrSvg('parley1AAAA');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('viewBox');
  });
});
