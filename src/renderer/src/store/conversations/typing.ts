/** Who is typing in a conversation: the pure rules the slice and the chat pane share. */

/** The accounts typing in a conversation after `from` started (`typing`) or stopped. */
export function typingNow(before: readonly string[] | undefined, from: string, typing: boolean): readonly string[] {
  const others = (before ?? []).filter((a) => a !== from);
  return typing ? [...others, from] : others;
}

/** "Ben is typing…", "Ben and Cleo are typing…", "3 people are typing…", or '' from the typists' shown names. */
export function typingLine(names: readonly string[]): string {
  if (names.length === 0) return '';
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return `${names.length} people are typing…`;
}
