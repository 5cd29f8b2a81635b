/**
 * The one shape every bridge call resolves to. Errors carry a stable `code`
 * and a human sentence; never a stack trace.
 */
export type Ok<T> = { readonly ok: true; readonly value: T };
export type Err = { readonly ok: false; readonly code: string; readonly message: string };
export type Result<T> = Ok<T> | Err;

export const ok = <T>(value: T): Ok<T> => ({ ok: true, value });
export const err = (code: string, message: string): Err => ({ ok: false, code, message });
