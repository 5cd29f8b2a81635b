/**
 * The one shape every bridge call resolves to. Errors carry a stable `code`
 * and a human sentence; never a stack trace.
 */
export type Ok<T> = { readonly ok: true; readonly value: T };
/** A failed call: a stable code and a sentence for the user. */
export type Err = { readonly ok: false; readonly code: string; readonly message: string };
/** What every bridge call resolves to: a value, or an error code and message. */
export type Result<T> = Ok<T> | Err;

/** Wraps a value as a successful result. */
export const ok = <T>(value: T): Ok<T> => ({ ok: true, value });
/** Builds a failed result from a code and a message. */
export const err = (code: string, message: string): Err => ({ ok: false, code, message });
