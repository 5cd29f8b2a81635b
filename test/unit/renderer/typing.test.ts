/**
 * Who the chat says is typing (src/renderer/src/store/conversations): the
 * list of typists a conversation keeps from the typing events, and the line
 * the chat shows from their names.
 */
import { describe, expect, it } from 'vitest';
import { typingLine, typingNow } from '../../../src/renderer/src/store/conversations/typing';

describe('the typing line', () => {
  it('keeps each typist once, in the order they started, and drops one who stopped', () => {
    let t = typingNow(undefined, 'ben', true);
    t = typingNow(t, 'cleo', true);
    t = typingNow(t, 'ben', true);
    expect(t).toEqual(['cleo', 'ben']);
    expect(typingNow(t, 'cleo', false)).toEqual(['ben']);
    expect(typingNow(['ben'], 'dan', false)).toEqual(['ben']);
  });

  it('names one or two typists and counts more', () => {
    expect(typingLine([])).toBe('');
    expect(typingLine(['Ben'])).toBe('Ben is typing…');
    expect(typingLine(['Ben', 'Cleo'])).toBe('Ben and Cleo are typing…');
    expect(typingLine(['Ben', 'Cleo', 'Dan'])).toBe('3 people are typing…');
  });
});
