/**
 * The hand check of plain texts in encodeContent (src/shared/wire/content.ts
 * checkedPlainText) against the content schema: it says yes only to what
 * zod accepts, gives the same JSON, and says yes to every text a send builds.
 * parseContent uses the same check on what arrives: it must give exactly
 * what zod gives, and refuse exactly what zod refuses.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkedPlainText, Content, encodeContent, parseContent } from '../../../src/shared/wire/content';
import { MAX_DISAPPEARING_TIMER_S, MAX_MESSAGE_TEXT_CHARS } from '../../../src/shared/constants';

const id = fc.stringMatching(/^[A-Za-z0-9_-]{16,43}$/u);
const hash = fc.stringMatching(/^[A-Za-z0-9_-]{43}$/u);
const head = fc.option(fc.record({ version: fc.integer({ min: 1, max: 0xffffffff }), hash }));
/** What sendMessage builds: always valid. */
const built = fc.record(
  {
    v: fc.constant(1), sentAt: fc.nat(), type: fc.constant('text'), id, text: fc.string({ maxLength: 200 }), replyTo: fc.option(id),
    expireSeconds: fc.option(fc.integer({ min: 1, max: MAX_DISAPPEARING_TIMER_S })), attachment: fc.constant(null), heads: fc.record({ sender: head, recipient: head }),
  },
  { requiredKeys: ['v', 'sentAt', 'type', 'id', 'text', 'replyTo', 'expireSeconds', 'attachment'] },
);
/** Anything a field might wrongly hold. */
const junk = fc.oneof(
  fc.constant(undefined), fc.constant(null), fc.constant(0), fc.constant(-1), fc.constant(1.5), fc.constant(2 ** 53), fc.constant(Number.NaN), fc.constant(''),
  fc.constant('x'.repeat(MAX_MESSAGE_TEXT_CHARS + 1)), fc.constant(MAX_DISAPPEARING_TIMER_S + 1), fc.string(), fc.integer(), fc.constant({}), fc.constant([]),
  fc.constant({ sender: null }), fc.constant({ sender: null, recipient: { version: 0, hash: 'a'.repeat(43) } }), fc.constant({ sender: null, recipient: null, extra: 1 }),
  fc.constant({ sender: { version: 1, hash: 'short' }, recipient: null }), fc.constant('text'), fc.constant(1),
);
const field = fc.constantFrom('v', 'sentAt', 'type', 'id', 'text', 'replyTo', 'expireSeconds', 'attachment', 'heads', 'group', 'extra', 'targets');

describe('the hand check of plain texts', () => {
  it('accepts every text a send builds, with the JSON zod gives', () => {
    fc.assert(
      fc.property(built, (c) => {
        const checked = checkedPlainText(c);
        expect(checked).not.toBeNull();
        expect(JSON.stringify(checked)).toBe(JSON.stringify(Content.parse(c)));
      }),
    );
  });

  it('accepts nothing the schema refuses, whatever field is broken or added', () => {
    fc.assert(
      fc.property(built, fc.array(fc.tuple(field, junk), { minLength: 1, maxLength: 3 }), (c, changes) => {
        const changed: Record<string, unknown> = { ...c };
        for (const [k, v] of changes) changed[k] = v;
        const checked = checkedPlainText(changed);
        const zod = Content.safeParse(changed);
        if (checked !== null) {
          expect(zod.success).toBe(true);
          expect(JSON.stringify(checked)).toBe(JSON.stringify(zod.data));
        }
        if (!zod.success) expect(() => encodeContent(changed as Content)).toThrow();
      }),
      { numRuns: 2_000 },
    );
  });

  it('makes parseContent give what zod gives, and refuse what zod refuses, for any text that arrives', () => {
    const anyText = fc.string({ unit: 'binary', maxLength: 60 });
    fc.assert(
      fc.property(built, anyText, fc.array(fc.tuple(field, junk), { maxLength: 3 }), (c, text, changes) => {
        const sent: Record<string, unknown> = { ...c, text };
        for (const [k, v] of changes) sent[k] = v;
        const json = new TextEncoder().encode(JSON.stringify(sent));
        const padded = new Uint8Array(json.length + 16);
        padded.set(json);
        padded[json.length] = 0x80;
        const zod = Content.safeParse(JSON.parse(JSON.stringify(sent)));
        if (zod.success) expect(JSON.stringify(parseContent(padded))).toBe(JSON.stringify(zod.data));
        else expect(() => parseContent(padded)).toThrow(expect.objectContaining({ code: 'CONTENT_MALFORMED' }) as Error);
      }),
      { numRuns: 2_000 },
    );
  });

  it('gives a typed error, not a crash, for JSON that is not an object', () => {
    for (const v of ['null', '3', '"text"', '[]', '[{"type":"text"}]', 'true']) {
      const json = new TextEncoder().encode(v);
      const padded = new Uint8Array(json.length + 1);
      padded.set(json);
      padded[json.length] = 0x80;
      expect(() => parseContent(padded)).toThrow(expect.objectContaining({ code: 'CONTENT_MALFORMED' }) as Error);
    }
  });
});
