/** Typed errors of the relay client: the relay's own codes plus local failures. */
import { ParleyError } from '../../shared/errors';
import type { RelayErrorCode } from '../../shared/wire/relay';

export type RelayClientErrorCode = RelayErrorCode | 'CLOSED' | 'TIMEOUT' | 'BAD_DEVICE_LIST' | 'STALE_DEVICE_LIST' | 'BAD_RESPONSE' | 'HTTP';

export class RelayClientError extends ParleyError<RelayClientErrorCode> {}
