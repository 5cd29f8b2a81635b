/** Counts in sentences, for the app and the CLI alike: “1 message”, “10,005 messages”. */

/** `n` and the noun, singular for one, the number grouped by thousands (a plain `s` plural: pass nouns that take one). */
export const count = (n: number, noun: string): string => `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;
