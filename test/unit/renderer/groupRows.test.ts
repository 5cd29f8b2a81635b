/**
 * The pure parts of the group UI: where timeline events go among messages,
 * that a sender keeps one colour, and that every sender colour is readable
 * on an incoming bubble in both themes (WCAG AA, 4.5:1), read from the
 * stylesheet the app ships.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { chatRows } from '../../../src/renderer/src/components/timelineRows';
import { SENDER_COLOURS, groupReceiptLabel, senderColour } from '../../../src/renderer/src/components/format';
import type { GroupDto, MessageDto } from '../../../src/shared/contract';
import { repoRoot } from '../../support/paths';

const message = (id: string, receivedAt: number, sentAt = receivedAt): MessageDto => ({
  id, conversationId: 'g', direction: 'in', text: id, sentAt, receivedAt, state: 'received', replyTo: null, reactions: [], editedAt: null,
  deleted: false, expiresAt: null, attachment: null, kind: 'text', sender: { accountId: 'a', name: 'Ada', contact: true }, receipts: null,
});
const group = (times: number[]): GroupDto => ({ id: 'g', name: 'G', status: 'member', admin: false, timerSeconds: null, members: [], events: times.map((at, i) => ({ key: `v${i + 1}`, text: `event ${i + 1}`, at })) });

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}
const contrast = (a: string, b: string): number => {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
};

describe('the group chat rows', () => {
  it('puts each event among the messages by the time this device adopted it', () => {
    const rows = chatRows([message('m1', 100), message('m2', 300)], group([50, 200, 400]), true);
    expect(rows.map((r) => r.key)).toEqual(['event-v1', 'm1', 'event-v2', 'm2', 'event-v3']);
  });

  it('orders an event before a message that reached this device later, though its sender’s clock said earlier', () => {
    const rows = chatRows([message('m1', 300, 150)], group([200]), true);
    expect(rows.map((r) => r.key)).toEqual(['event-v1', 'm1']);
  });

  it('while older pages are not loaded, shows only the events that belong among the loaded messages', () => {
    const rows = chatRows([message('m2', 300), message('m3', 500)], group([100, 200, 400, 600]), false);
    expect(rows.map((r) => r.key)).toEqual(['m2', 'event-v3', 'm3', 'event-v4']);
  });

  it('has no event rows in a 1:1 conversation', () => {
    expect(chatRows([message('m1', 1)], null, true).map((r) => r.kind)).toEqual(['message']);
  });

  it('gives a sender the same colour every time, within the palette', () => {
    const id = 'q4bJ0lYxk7m3uQd2Fh9sVwE1aZp6tRcN8oGyLiXeK5j';
    expect(senderColour(id)).toBe(senderColour(id));
    const seen = new Set(Array.from({ length: 200 }, (_, i) => senderColour(`${id.slice(0, 40)}${i}`)));
    expect([...seen].every((c) => c >= 0 && c < SENDER_COLOURS)).toBe(true);
    expect(seen.size).toBe(SENDER_COLOURS);
  });

  it('reads "delivered to N of M" and "read by N" only once a member confirmed', () => {
    expect(groupReceiptLabel({ delivered: 0, read: 0, of: 3 })).toBeNull();
    expect(groupReceiptLabel({ delivered: 3, read: 0, of: 4 })).toBe('Delivered to 3 of 4');
    expect(groupReceiptLabel({ delivered: 3, read: 2, of: 4 })).toBe('Delivered to 3 of 4 · Read by 2');
  });

  it('keeps every sender colour at 4.5:1 or more on an incoming bubble, light and dark', () => {
    const css = readFileSync(path.join(repoRoot, 'src/renderer/src/styles.css'), 'utf8');
    const darkBlock = /@media \(prefers-color-scheme: dark\)\s*\{\s*:root\s*\{([^}]*)\}\s*\}/gu;
    const themes = { light: css.replace(darkBlock, ''), dark: [...css.matchAll(darkBlock)].map((m) => m[1]).join('\n') };
    const value = (block: string, name: string): string | undefined => new RegExp(`--${name}: (#[0-9a-f]{6})`, 'u').exec(block)?.[1];
    for (const [label, block] of Object.entries(themes)) {
      const bubble = value(block, 'bubble-in')!;
      expect(bubble, label).toBeDefined();
      for (let i = 0; i < SENDER_COLOURS; i++) {
        const c = value(block, `sender-${i}`);
        expect(c, `${label} --sender-${i}`).toBeDefined();
        expect(contrast(c!, bubble), `${label} ${c} on ${bubble}`).toBeGreaterThanOrEqual(4.5);
      }
    }
  });
});
