/** Shared helpers for slices: turning a bridge Result into state or an error. */
import type { Result } from '../../../shared/result';

/** An error as the UI shows it: a stable code and a sentence. */
export interface UiError {
  readonly code: string;
  readonly message: string;
}

/** The value of a successful bridge result; throws the error (with its code) otherwise. */
export function unwrap<T>(r: Result<T>): T {
  if (r.ok) return r.value;
  throw Object.assign(new Error(r.message), { code: r.code });
}

/** Any thrown value as a UiError; unknown ones become a generic message. */
export function toUiError(e: unknown): UiError {
  if (e && typeof e === 'object' && 'code' in e && 'message' in e) {
    return { code: String((e as { code: unknown }).code), message: String((e as { message: unknown }).message) };
  }
  return { code: 'UNKNOWN', message: e instanceof Error ? e.message : 'Something went wrong.' };
}
