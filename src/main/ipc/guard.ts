/**
 * Structural checks that run before any schema: size, depth, plain-object
 * shape and prototype-pollution keys. Zod validates meaning; this validates
 * that the value is safe to hand to zod at all.
 */
import { IPC_MAX_DEPTH, IPC_MAX_PAYLOAD_BYTES } from '../../shared/constants';
import { IpcError } from '../../shared/errors';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Throws IPC_BAD_REQUEST when a payload is too big, too deep, not plain data or carries prototype keys. */
export function assertSafePayload(value: unknown): void {
  walk(value, 0);
  let size: number;
  try {
    size = JSON.stringify(value ?? null).length;
  } catch {
    throw new IpcError('IPC_BAD_REQUEST', 'The request is not serializable.');
  }
  if (size > IPC_MAX_PAYLOAD_BYTES) {
    throw new IpcError('IPC_BAD_REQUEST', `The request is larger than ${IPC_MAX_PAYLOAD_BYTES} bytes.`);
  }
}

function walk(value: unknown, depth: number): void {
  if (value === null || typeof value !== 'object') return;
  if (depth > IPC_MAX_DEPTH) {
    throw new IpcError('IPC_BAD_REQUEST', `The request is nested deeper than ${IPC_MAX_DEPTH} levels.`);
  }
  if (value instanceof Uint8Array) return;
  const proto = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) {
    throw new IpcError('IPC_BAD_REQUEST', 'The request contains a non-plain object.');
  }
  for (const key of Reflect.ownKeys(value)) {
    if (typeof key !== 'string') {
      throw new IpcError('IPC_BAD_REQUEST', 'The request contains a symbol key.');
    }
    if (FORBIDDEN_KEYS.has(key)) {
      throw new IpcError('IPC_BAD_REQUEST', `The request contains the forbidden key "${key}".`);
    }
    walk((value as Record<string, unknown>)[key], depth + 1);
  }
}
