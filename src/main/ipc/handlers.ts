/**
 * The one handler table: one entry per call in the contract. The compiler
 * checks that every call has a handler and that each returns its declared
 * response type.
 */
import type { Core } from '../core';
import { readAppInfo } from '../core/appInfo';
import type { HandlerTable } from './dispatch';

export function createHandlers(core: Core): HandlerTable {
  return {
    getAppInfo: () => readAppInfo(core.options.identity),
    getConnectionState: () => core.connection.current,
  };
}
