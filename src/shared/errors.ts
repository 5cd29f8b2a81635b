/**
 * Base class for typed errors. Every layer (ipc, crypto, store, relay, cli)
 * subclasses it with its own `code` union so callers can branch on `code`
 * without parsing messages.
 */
export class ParleyError<C extends string = string> extends Error {
  readonly code: C;
  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Codes produced by the IPC boundary itself (not by the handlers behind it). */
export type IpcErrorCode =
  | 'IPC_UNKNOWN_CALL'
  | 'IPC_FORBIDDEN_SENDER'
  | 'IPC_BAD_REQUEST'
  | 'IPC_INTERNAL';

/** An error raised by the IPC boundary itself: unknown call, foreign sender, bad request or an internal failure. */
export class IpcError extends ParleyError<IpcErrorCode> {}

/** True for any Parley typed error, so a boundary can pass its `code` on instead of hiding it. */
export function isParleyError(e: unknown): e is ParleyError {
  return e instanceof ParleyError && typeof e.code === 'string';
}
