/**
 * The single entry point for every bridge call, independent of Electron so
 * the shell, the UI tests and the unit tests drive the same code.
 */
import {
  calls,
  type CallName,
  type CallResponse,
  type ParsedRequest,
} from '../../shared/contract';
import { IpcError, isParleyError } from '../../shared/errors';
import { err, ok, type Result } from '../../shared/result';
import { assertSafePayload } from './guard';

/** Where a call came from, as the shell (or a test host) observed it. */
export interface SenderInfo {
  /** URL of the frame that sent the call. */
  readonly url: string;
  /** True only when the sender is the window's top-level frame. */
  readonly isMainFrame: boolean;
}

/** One handler per contract call, taking the parsed request and returning that call's response type. */
export type HandlerTable = {
  readonly [K in CallName]: (request: ParsedRequest<K>) => Promise<CallResponse<K>> | CallResponse<K>;
};

/** The origin calls must come from, and where internal errors are reported. */
export interface DispatcherOptions {
  /** The app's own origin, e.g. `app://parley`. Calls from any other origin are refused. */
  readonly trustedOrigin: string;
  /** Receives internal errors (already stripped of payloads) for the log. */
  readonly onInternalError?: (call: string, error: unknown) => void;
}

/** The single entry point every IPC call goes through; it always resolves to a Result, never throws. */
export type Dispatch = (name: string, payload: unknown, sender: SenderInfo) => Promise<Result<unknown>>;

function originOf(url: string): string | null {
  try {
    const u = new URL(url);
    // Non-special schemes (app:) report origin "null"; rebuild it from parts.
    return `${u.protocol}//${u.host}`;
  } catch {
    return null;
  }
}

/** Builds the dispatcher: refuses unknown calls and foreign senders, validates the payload, runs the handler and maps errors to codes. */
export function createDispatcher(table: HandlerTable, options: DispatcherOptions): Dispatch {
  const trusted = originOf(options.trustedOrigin);
  return async (name, payload, sender) => {
    try {
      if (typeof name !== 'string' || !Object.hasOwn(calls, name)) {
        throw new IpcError('IPC_UNKNOWN_CALL', 'There is no such call.');
      }
      if (!sender.isMainFrame || trusted === null || originOf(sender.url) !== trusted) {
        throw new IpcError('IPC_FORBIDDEN_SENDER', 'Calls are accepted only from the app’s own window.');
      }
      const key = name as CallName;
      assertSafePayload(payload);
      const parsed = calls[key].request.safeParse(payload ?? {});
      if (!parsed.success) {
        const first = parsed.error.issues[0];
        const where = first && first.path.length > 0 ? ` at "${first.path.join('.')}"` : '';
        throw new IpcError('IPC_BAD_REQUEST', `Invalid request for ${key}${where}: ${first?.message ?? 'rejected'}.`);
      }
      const handler = table[key] as (r: unknown) => unknown;
      const value = await handler(parsed.data);
      return ok(value);
    } catch (e) {
      if (isParleyError(e)) return err(e.code, e.message);
      options.onInternalError?.(name, e);
      return err('IPC_INTERNAL', 'Something went wrong inside Parley. The error was logged.');
    }
  };
}
