import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { missedRecipients } from '../../../src/main/conversations/lateDevices';
import type { Content } from '../../../src/shared/wire/content';

const text = { v: 1, type: 'text', id: 'm', text: 'hi', sentAt: 1, replyTo: null, expireSeconds: null, attachment: null } as unknown as Content;
const address = fc.record({ accountId: fc.constantFrom('a', 'b', 'ab'), deviceId: fc.constantFrom('1', '2', '12', '') });

describe('missedRecipients', () => {
  it('names exactly the current devices a send did not address, for a few devices and for a large group alike', () => {
    fc.assert(fc.property(fc.array(address, { maxLength: 30 }), fc.array(address, { maxLength: 30 }), (current, recipients) => {
      const key = (r: { accountId: string; deviceId: string }) => `${r.accountId}.${r.deviceId}`;
      const want = current.filter((c) => !recipients.some((r) => key(r) === key(c)));
      expect(missedRecipients(text, current, recipients)).toEqual(want);
    }));
  });

  it('misses nobody for content that is not forwarded to late devices', () => {
    const receipt = { v: 1, type: 'receipt', kind: 'delivered', ids: ['m'] } as unknown as Content;
    expect(missedRecipients(receipt, [{ accountId: 'a', deviceId: '1' }], [])).toEqual([]);
  });
});
