/**
 * JSON-RPC 2.0 framing for `parley daemon`, apart from any transport: one
 * request (or batch) per line in, one response line out. A method is one
 * entry of a table — its zod params and the function that runs it — so the
 * framing never changes when a method is added. Nothing here throws to the
 * transport: every fault becomes a JSON-RPC error and the daemon keeps going.
 */
import { z } from 'zod';
import { isParleyError, ParleyError } from '../shared/errors';
import { DAEMON_MAX_BATCH } from '../shared/constants';

/** Why the daemon refused: params that do not validate, a socket in use or not a socket, an internal fault. */
export type DaemonErrorCode = 'DAEMON_BAD_PARAMS' | 'DAEMON_SOCKET_IN_USE' | 'DAEMON_SOCKET_NOT_SOCKET' | 'DAEMON_INTERNAL';
/** The daemon's own typed error. */
export class DaemonError extends ParleyError<DaemonErrorCode> {}

/** The JSON-RPC 2.0 error codes the daemon answers with. */
export const RPC_ERROR = { parse: -32700, invalidRequest: -32600, methodNotFound: -32601, invalidParams: -32602, internal: -32603 } as const;

/** One JSON-RPC method: its params schema (an object: params are by name, as signal-cli's) and what it does. */
export interface RpcMethod<C, P extends z.ZodType = z.ZodType> {
  readonly params: P;
  run(ctx: C, params: z.infer<P>): unknown;
}

/** Every method the daemon answers, by name. */
export type RpcTable<C> = Readonly<Record<string, RpcMethod<C>>>;

/** Declares one method with its params typed from the schema (the entry a new method adds to the table). */
export const rpcMethod = <C, P extends z.ZodType>(params: P, run: (ctx: C, params: z.infer<P>) => unknown): RpcMethod<C> => ({ params, run: run as RpcMethod<C>['run'] });

/** A request id as JSON-RPC allows it. */
type RpcId = string | number | null;

/** A JSON-RPC error object; `data.code` carries Parley's typed error code. */
interface RpcErrorBody {
  readonly code: number;
  readonly message: string;
  readonly data?: { readonly code: string; readonly issues?: readonly { path: string; message: string }[] };
}

/** One response object. */
export type RpcResponse = { readonly jsonrpc: '2.0'; readonly id: RpcId; readonly result: unknown } | { readonly jsonrpc: '2.0'; readonly id: RpcId; readonly error: RpcErrorBody };

const Request = z.object({
  jsonrpc: z.literal('2.0'),
  method: z.string().min(1),
  params: z.unknown().optional(),
  id: z.union([z.string(), z.number(), z.null()]).optional(),
});

const fail = (id: RpcId, error: RpcErrorBody): RpcResponse => ({ jsonrpc: '2.0', id, error });

/** The id of a request that failed validation, when it has a usable one (else null, as the spec says). */
function idOf(raw: unknown): RpcId {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return null;
  const id = (raw as { id?: unknown }).id;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
}

/** Where a method's unexpected failure is traced (the daemon writes it to stderr; the caller only sees DAEMON_INTERNAL). */
export type InternalFault = (method: string, error: unknown) => void;

/** Runs one request object; null for a notification (a request without an id), which gets no response. */
async function one<C>(raw: unknown, table: RpcTable<C>, ctx: C, fault: InternalFault): Promise<RpcResponse | null> {
  const parsed = Request.safeParse(raw);
  if (!parsed.success) return fail(idOf(raw), { code: RPC_ERROR.invalidRequest, message: 'Not a JSON-RPC 2.0 request: it needs "jsonrpc":"2.0", a "method" string and an optional string or number "id".' });
  const { method: name, params, id } = parsed.data;
  const reply = (r: RpcResponse): RpcResponse | null => (id === undefined ? null : r);
  if (!Object.hasOwn(table, name)) return reply(fail(id ?? null, { code: RPC_ERROR.methodNotFound, message: `No method “${name}”.` }));
  const method = table[name]!;
  if (params !== undefined && (params === null || typeof params !== 'object' || Array.isArray(params))) {
    return reply(fail(id ?? null, { code: RPC_ERROR.invalidParams, message: 'params must be an object (by name).', data: { code: 'DAEMON_BAD_PARAMS' } }));
  }
  const checked = method.params.safeParse(params ?? {});
  if (!checked.success) {
    const issues = checked.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    return reply(fail(id ?? null, { code: RPC_ERROR.invalidParams, message: `Invalid params for “${name}”.`, data: { code: 'DAEMON_BAD_PARAMS', issues } }));
  }
  try {
    const result = await method.run(ctx, checked.data);
    return reply({ jsonrpc: '2.0', id: id ?? null, result: result ?? null });
  } catch (e) {
    // The core refused this request (unknown contact, bad code, offline …): its typed code goes back in `data`.
    if (isParleyError(e)) return reply(fail(id ?? null, { code: RPC_ERROR.invalidParams, message: e.message, data: { code: e.code } }));
    fault(name, e);
    return reply(fail(id ?? null, { code: RPC_ERROR.internal, message: 'Something went wrong inside Parley.', data: { code: 'DAEMON_INTERNAL' } }));
  }
}

/**
 * Answers one line: a request object or a batch (an array of them). Returns
 * the response line, or null when nothing is to be sent (notifications only).
 */
export async function answerLine<C>(line: string, table: RpcTable<C>, ctx: C, fault: InternalFault): Promise<string | null> {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    // Not JSON at all: the spec's parse error, with a null id (none can be read); the daemon goes on.
    return JSON.stringify(fail(null, { code: RPC_ERROR.parse, message: 'Parse error: each line must be one JSON object.' }));
  }
  if (!Array.isArray(raw)) {
    const r = await one(raw, table, ctx, fault);
    return r === null ? null : JSON.stringify(r);
  }
  if (raw.length === 0 || raw.length > DAEMON_MAX_BATCH) {
    return JSON.stringify(fail(null, { code: RPC_ERROR.invalidRequest, message: `A batch holds 1 to ${DAEMON_MAX_BATCH} requests.` }));
  }
  const replies = (await Promise.all(raw.map((r) => one(r, table, ctx, fault)))).filter((r): r is RpcResponse => r !== null);
  return replies.length === 0 ? null : JSON.stringify(replies);
}

/** A server-to-client notification line (no id). */
export const notificationLine = (method: string, params: unknown): string => JSON.stringify({ jsonrpc: '2.0', method, params });
